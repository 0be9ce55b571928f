#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# configure on a machine where one build dependency is missing: it stops and
# names the Debian package to install. A missing tool is hidden from PATH, a
# missing library from pkg-config. Each case runs configure in an empty
# directory. TAP output.
#
#   WGKS_TOP_SRCDIR=DIR  the source tree, with configure generated
set -uo pipefail

top=${WGKS_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/tap.sh"
[ -x "$top/configure" ] || { echo "Bail out! run ./autogen.sh first"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A PATH with every program of the real one except $1.
path_without() {
	local bin=$tmp/bin-$1 dir f
	mkdir -p "$bin"
	for dir in ${PATH//:/ }; do
		for f in "$dir"/*; do
			[ -x "$f" ] && [ ! -e "$bin/${f##*/}" ] && ln -s "$f" "$bin/${f##*/}"
		done
	done
	rm -f "$bin/$1"
	echo "$bin"
}

# A pkg-config search path with every .pc file except $1.pc.
pc_without() {
	local pc=$tmp/pc-$1 dir
	mkdir -p "$pc"
	for dir in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
		[ -d "$dir" ] && cp -n "$dir"/*.pc "$pc"/ 2>/dev/null
	done
	rm -f "$pc/$1.pc"
	echo "$pc"
}

# configure's last line with ENV applied, in an empty directory.
configure_with() {
	local dir
	dir=$(mktemp -d "$tmp/build.XXXXXX")
	(cd "$dir" && env "$@" "$top/configure" >log 2>&1; echo "exit $?") | tr '\n' ' '
	tail -1 "$dir/log"
}

case_tool() { # PROGRAM PACKAGE
	tap_is "without $1, configure names $2" "$(configure_with PATH="$(path_without "$1")")" \
		"exit 1 configure: error: $1 not found: install the Debian package $2"
}

case_lib() { # MODULE PACKAGE
	local out
	out=$(configure_with PKG_CONFIG_LIBDIR="$(pc_without "$1")" PKG_CONFIG_PATH=)
	case "$out" in
	"exit 1 configure: error: "*"not found: install the Debian package $2 "*) tap_ok "without $1.pc, configure names $2" true ;;
	*) tap_ok "without $1.pc, configure names $2" false; echo "#   got: $out" ;;
	esac
}

case_tool gtk4-builder-tool libgtk-4-bin
case_tool glib-compile-resources libglib2.0-dev-bin
case_tool msgfmt gettext
case_tool xgettext gettext
case_lib libnftables libnftables-dev
case_lib libnma-gtk4 "libgtk-4-dev and libnma-gtk4-dev"

echo "1..$tap_n"
[ "$tap_failed" = 0 ]
