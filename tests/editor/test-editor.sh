#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs test-editor (GLib test, TAP on stdout) on a private X server and
# session bus, so that it neither needs nor touches the user's display.
top_builddir=${WGKS_TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
prog="$top_builddir/tests/editor/${WGKS_EDITOR_TEST_PROGRAM:-test-editor}"

if ! command -v xvfb-run >/dev/null 2>&1; then
	echo "1..0 # SKIP xvfb-run not installed (Debian package xvfb)"
	exit 0
fi
export G_TEST_SRCDIR="${G_TEST_SRCDIR:-${WGKS_TOP_SRCDIR:-$top_builddir}/tests}"
export G_TEST_BUILDDIR="${G_TEST_BUILDDIR:-$top_builddir/tests}"
export GDK_BACKEND=x11 GSK_RENDERER=cairo GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1
unset DISPLAY WAYLAND_DISPLAY

if command -v dbus-run-session >/dev/null 2>&1; then
	exec dbus-run-session -- xvfb-run -a "$prog" "$@"
fi
GTK_A11Y=none exec xvfb-run -a "$prog" "$@"
