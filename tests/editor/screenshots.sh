#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Renders the real GTK 4 editor under Xvfb and saves docs/editor-new.png,
# docs/editor-imported.png (tests/data/office.conf) and docs/editor-invalid.png
# (an endpoint without its port) and docs/editor-import.png (a new connection
# after "Import wg-quick file…" of tests/data/seed.conf). Run after "make check" has built the tools:
#   tests/editor/screenshots.sh [BUILDDIR]
set -e
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$(cd "${1:-${WGKS_TOP_BUILDDIR:-$srcdir}}" && pwd)
tool="$builddir/tests/editor/editor-screenshot"

[ -x "$tool" ] || make -C "$builddir" tests/editor/editor-screenshot tests/nm-wireguard-killswitch-service.name
mkdir -p "$srcdir/docs"
export G_TEST_SRCDIR="$srcdir/tests" G_TEST_BUILDDIR="$builddir/tests"
export GDK_BACKEND=x11 GSK_RENDERER=cairo GSETTINGS_BACKEND=memory GTK_A11Y=none
unset DISPLAY WAYLAND_DISPLAY
for mode in new imported invalid import; do
	xvfb-run -a -s "-screen 0 1280x2400x24" "$tool" "$mode" "$srcdir/docs/editor-$mode.png"
	echo "docs/editor-$mode.png"
done
