#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by hand (root; not part of make check, which does not install
# network-manager-gnome): Debian 12's real nm-connection-editor (GTK 3)
# under Xvfb, inside the lab client's namespaces, against the lab's
# NetworkManager and the plugin installed from this build. It opens a
# kill-switch connection made with nmcli, saves it unchanged, then imports
# another wg-quick file with the plugin editor's "Import wg-quick file…"
# button (through the real file chooser) and saves; nmcli must then show
# what `nmcli connection import` makes of that file. Saves
# docs/nm-connection-editor.png (after the import).
#   apt-get install network-manager-gnome xvfb xdotool imagemagick
#   WGKS_TOP_BUILDDIR=_build tests/editor/nm-connection-editor-lab.sh
set -uo pipefail
gui_tools=(nm-connection-editor)
. "$(dirname "$0")/gui-lab-lib.sh"

# --- nm-connection-editor ----------------------------------------------------

# Opens the editor of wglab in window $win
open_editor() {
	[ -n "$editor_pid" ] && kill_tree "$editor_pid"
	x GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 GDK_BACKEND=x11 dbus-run-session -- \
		nm-connection-editor --edit="$uuid" >>"$LAB_DIR/nce.log" 2>&1 &
	editor_pid=$!
	win=$(window "Editing wglab") || return 1
	x xdotool windowsize "$win" 900 1000 windowmove "$win" 0 0 windowfocus --sync "$win"
	sleep 1
}

# There is no window manager: the buttons are clicked where GTK put them.
click_save() { # WINDOW: "Save", bottom right
	x xdotool mousemove --window "$1" 850 976 click 1
}

open_editor || { cat "$LAB_DIR/nce.log"; echo "Bail out! no editor window"; exit 1; }
ok "nm-connection-editor opens the kill-switch connection in the plugin's editor" test -n "$win"
step_shot "$win" open
stamp=$(saved_file)
sleep 1.1
click_save "$win"
ok "Save closes the editor" lab_wait_for 10 editor_gone
ok "NetworkManager wrote the connection again" test "$(saved_file)" != "$stamp"
vpn_settings wglab >"$LAB_DIR/after-save"
ok "saved unchanged: vpn.data and vpn.secrets as nmcli imported them" diff -u "$LAB_DIR/before" "$LAB_DIR/after-save"

open_editor || { cat "$LAB_DIR/nce.log"; echo "Bail out! no editor window"; exit 1; }
x xdotool key --window "$win" --clearmodifiers alt+q
ok "Import wg-quick file… opens the file chooser, which takes the file's path" choose_other_file
sleep 1
x xdotool windowfocus --sync "$win"
shot "$win" "$shots/nm-connection-editor.png"
click_save "$win"
ok "Save closes the editor" lab_wait_for 10 editor_gone
check_imported
e2e_finish
