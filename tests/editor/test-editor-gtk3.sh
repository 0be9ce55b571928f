#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The GTK 3 editor test, on the same private X server setup as test-editor.sh.
WGKS_EDITOR_TEST_PROGRAM=test-editor-gtk3 exec "${SHELL:-/bin/sh}" "$(dirname "$0")/test-editor.sh" "$@"
