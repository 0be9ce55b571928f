#!/bin/bash
# The include graph between folders, as HACKING.md draws it:
#   shared/       knows no daemon, no editor and no GTK (config.h and shared/ only);
#   src/          the daemon and the CLI: shared/ and src/, no GTK, no editor;
#   properties/   the editor core (nm-wgks-editor-plugin.[ch]) includes no GTK
#                 and no GTK editor file: it loads the editor only at run time;
#                 the GTK editors include properties/ and shared/, never src/;
#   auth-dialog/  auth-dialog/ and shared/, never src/ or properties/.
# Also in the built binaries: the daemon, the CLI and the editor core link
# no GTK (their ELF NEEDED entries).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${WGKS_TOP_SRCDIR:-$here/../..}
build=${WGKS_TOP_BUILDDIR:-$top/_build}
# shellcheck source=tests/tap.sh
. "$top/tests/tap.sh"

gtk_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*<(gtk|gdk|libnma)/'

# Prints "file: include" for every quoted include of FILES that is not
# config.h and not a file in one of the ALLOWED folders.
foreign_includes() { # "ALLOWED-DIRS" FILES...
	local allowed=$1 f inc d ok
	shift
	for f in "$@"; do
		while read -r inc; do
			[ "$inc" = config.h ] && continue
			ok=0
			for d in $allowed; do
				[ -f "$top/$d/$inc" ] && ok=1
			done
			[ $ok = 1 ] || echo "$f: $inc"
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done
}

# "" when none of FILES includes a GTK header.
gtk_includes() {
	grep -EHn "$gtk_re" "$@" /dev/null
}

check_folder() { # DESC "ALLOWED-DIRS" FILES...
	local desc=$1 allowed=$2 bad
	shift 2
	bad=$(foreign_includes "$allowed" "$@")
	tap_is "$desc" "$bad" ""
}

cd "$top" || exit 1
shopt -s nullglob
check_folder "shared/ includes only shared/" "shared" shared/*.[ch]
tap_is "shared/ includes no GTK" "$(gtk_includes shared/*.[ch])" ""
# The connection model and what it builds on need no libnm: only the
# codec (wgks-config-vpndata.c) and the NMConnection mapping
# (wgks-config-nm.c) include it, through wgks-config.h.
nolibnm=(shared/wgks-config-model.c shared/wgks-config-model.h shared/wgks-config-private.h
	shared/wgks-ip.c shared/wgks-ip.h shared/wgks-key.c shared/wgks-key.h shared/nm-wgks-service-defines.h)
nolibnm_bad() {
	local f inc
	grep -EHn '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(NetworkManager|nm-|libnm/)' "${nolibnm[@]}" /dev/null
	for f in "${nolibnm[@]}"; do
		while read -r inc; do
			[ "$inc" = config.h ] && continue
			printf '%s\n' "${nolibnm[@]}" | grep -qx "shared/$inc" || echo "$f: $inc"
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done
}
tap_is "the connection model (shared/wgks-config-model.[ch]) includes no libnm" "$(nolibnm_bad)" ""
check_folder "src/ includes only src/ and shared/" "src shared" src/*.[ch]
tap_is "src/ includes no GTK" "$(gtk_includes src/*.[ch])" ""
core=(properties/nm-wgks-editor-plugin.c properties/nm-wgks-editor-plugin.h)
bad=$(foreign_includes "shared" "${core[@]}" | grep -v ': nm-wgks-editor-plugin.h$')
tap_is "the editor core includes only nm-wgks-editor-plugin.h and shared/" "$bad" ""
tap_is "the editor core includes no GTK" "$(gtk_includes "${core[@]}")" ""
check_folder "properties/ includes only properties/ and shared/" "properties shared" properties/*.[ch]
check_folder "auth-dialog/ includes only auth-dialog/ and shared/" "auth-dialog shared" auth-dialog/*.[ch]

# A private header (wgks-device-private.h) is for the files of its module
# (src/wgks-device*.c) only.
private_users() {
	local h stem f
	for h in src/*-private.h shared/*-private.h properties/*-private.h; do
		stem=$(basename "$h" -private.h)
		while read -r f; do
			case $(basename "$f") in
			"$stem".c | "$stem"-*.c) ;;
			*) echo "$f: $(basename "$h")" ;;
			esac
		done < <(grep -rl --include='*.[ch]' "#include \"$(basename "$h")\"" src shared properties auth-dialog tests)
	done
}
tap_is "private headers are included only by their module" "$(private_users)" ""
tap_ok "src/wgks-device-private.h exists" test -f src/wgks-device-private.h
tap_ok "src/nm-wgks-service-private.h exists" test -f src/nm-wgks-service-private.h

# The tests' own, so the check cannot pass by reading nothing.
tap_ok "the check sees a foreign include" \
	test "$(printf '#include "wgks-firewall.h"\n' > "${TMPDIR:-/tmp}/wgks-graph-$$.c" &&
		foreign_includes shared "${TMPDIR:-/tmp}/wgks-graph-$$.c")" != ""
tap_ok "the check sees a GTK include" \
	test "$(printf '#include <gtk/gtk.h>\n' > "${TMPDIR:-/tmp}/wgks-graph-$$.c" &&
		gtk_includes "${TMPDIR:-/tmp}/wgks-graph-$$.c")" != ""
rm -f "${TMPDIR:-/tmp}/wgks-graph-$$.c"

no_gtk_linked() { # BINARY
	[ -f "$1" ] || { echo "# $1 is not built"; return 1; }
	! readelf -d "$1" | grep -E 'NEEDED.*lib(gtk|gdk|nma)'
}
tap_ok "the daemon links no GTK" no_gtk_linked "$build/src/nm-wireguard-killswitch-service"
tap_ok "wg-killswitch links no GTK" no_gtk_linked "$build/src/wg-killswitch"
tap_ok "the editor core links no GTK" \
	no_gtk_linked "$build/properties/.libs/libnm-vpn-plugin-wireguard-killswitch.so"

echo "1..$tap_n"
[ "$tap_failed" = 0 ]
