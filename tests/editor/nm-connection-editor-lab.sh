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
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
export WGKS_TOP_SRCDIR=$srcdir
. "$srcdir/tests/e2e/e2e-lib.sh"
e2e_require_lab
for tool in nm-connection-editor Xvfb xdotool import dbus-run-session; do
	command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

shots=${WGKS_SHOT_DIR:-$srcdir/docs}
display=:$((90 + $$ % 9))
xvfb_pid=
editor_pid=
win=

# PID and every process under it, children first
kill_tree() {
	local child
	for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		kill_tree "$child"
	done
	kill "$1" 2>/dev/null
}
nce_stop() {
	local pid
	for pid in $editor_pid $xvfb_pid; do
		kill_tree "$pid"
	done
	editor_pid= xvfb_pid=
}
nce_cleanup() {
	local status=$?
	nce_stop
	e2e_cleanup
	return $status
}

e2e_lab_up || { echo "Bail out! lab did not come up"; exit 1; }
trap nce_cleanup EXIT

x() { lab_client env DISPLAY="$display" "$@"; }

# vpn.data and vpn.secrets as key=value lines, sorted
vpn_settings() {
	lab_client nmcli -s -g vpn.data,vpn.secrets connection show "$1" |
		sed 's/\\:/\x01/g' | tr ',' '\n' | sed 's/^ *//; s/ = /=/; s/\x01/:/g' | grep . | sort
}

# what the importer sets in the IP settings
ip_settings() {
	lab_client nmcli -g ipv4.never-default,ipv4.route-table,ipv4.dns-priority,ipv4.dns-search,ipv6.never-default,ipv6.route-table,ipv6.dns-priority,ipv6.dns-search,vpn.persistent connection show "$1"
}

shot() { # WINDOW FILE
	x import -window "$1" "$2" && echo "# screenshot: $2"
}
# the steps' screenshots, for debugging: WGKS_NCE_DEBUG_DIR=DIR
step_shot() { # WINDOW NAME
	[ -n "${WGKS_NCE_DEBUG_DIR:-}" ] && shot "$1" "$WGKS_NCE_DEBUG_DIR/$2.png"
	return 0
}

# wait for a window whose title matches, print its id
window() {
	local id i
	for i in $(seq 1 100); do
		id=$(x xdotool search --onlyvisible --name "$1" 2>/dev/null | tail -1)
		[ -n "$id" ] && { echo "$id"; return 0; }
		sleep 0.2
	done
	return 1
}

# --- connections ---------------------------------------------------------------
conf=$LAB_DIR/wglab.conf
other=$LAB_DIR/office-ks.conf
e2e_write_config "$conf"
cat >"$other" <<-CONF
	# wireguard-killswitch: kill-switch=lockdown allow-lan=yes dns-leak-protection=yes
	[Interface]
	PrivateKey = $(cat "$LAB_CLIENT_KEY")
	Address = $LAB_TUN_CLIENT4/24, $LAB_TUN_CLIENT6/64
	DNS = $LAB_TUN_DNS4, $LAB_TUN_DNS6, corp.lab.example
	MTU = 1400
	PostUp = iptables -I OUTPUT ! -o %i -j REJECT

	[Peer]
	PublicKey = $(cat "$LAB_SERVER_PUB")
	PresharedKey = $(cat "$srcdir/tests/lab/keys/wrong-server.pub")
	Endpoint = $LAB_WG_ENDPOINT4:$LAB_WG_PORT
	AllowedIPs = 10.66.0.0/24, fd00:66::/64
	PersistentKeepalive = 20
CONF
chmod 600 "$other"

ok "nmcli imports the lab config" e2e_import "$conf"
ok "nmcli imports the other file, for reference" e2e_import "$other"
vpn_settings office-ks >"$LAB_DIR/expected"
ip_settings office-ks >"$LAB_DIR/expected-ip"
lab_client nmcli connection delete office-ks >/dev/null
uuid=$(lab_client nmcli -g connection.uuid connection show wglab)
vpn_settings wglab >"$LAB_DIR/before"

# --- nm-connection-editor --------------------------------------------------------
lab_client Xvfb "$display" -screen 0 1280x1024x24 -nolisten tcp >"$LAB_DIR/xvfb.log" 2>&1 &
xvfb_pid=$!
lab_wait_for 10 x xdotool getmouselocation >/dev/null 2>&1 || { echo "Bail out! Xvfb did not start"; exit 1; }

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

saved_file() {
	lab_client bash -c "stat -c '%n %.9Y' /etc/NetworkManager/system-connections/wglab*"
}

# nm-connection-editor --edit quits after Save (and dbus-run-session with it)
editor_gone() {
	! kill -0 "$editor_pid" 2>/dev/null || [ -z "$(ps -o pid= --ppid "$editor_pid")" ]
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
chooser=$(window "Import a WireGuard configuration file")
ok "Import wg-quick file… opens the file chooser" test -n "$chooser"
chooser_gone() {
	! x xdotool search --onlyvisible --name "Import a WireGuard configuration file" >/dev/null 2>&1
}
sleep 1
x xdotool windowfocus --sync "$chooser"
x xdotool key --clearmodifiers ctrl+l
sleep 0.5
x xdotool type --delay 30 "$other"
sleep 1
step_shot "$chooser" chooser
x xdotool key --clearmodifiers Return
ok "the chooser closes on the file's path" lab_wait_for 10 chooser_gone
sleep 1
x xdotool windowfocus --sync "$win"
shot "$win" "$shots/nm-connection-editor.png"
click_save "$win"
ok "Save closes the editor" lab_wait_for 10 editor_gone
vpn_settings wglab >"$LAB_DIR/after-import"
ok "after the import, vpn.data and vpn.secrets are what nmcli imports from the file" \
	diff -u "$LAB_DIR/expected" "$LAB_DIR/after-import"
ip_settings wglab >"$LAB_DIR/after-import-ip"
ok "and the IP settings too (split tunnel: never-default, DNS left to the uplink)" \
	diff -u "$LAB_DIR/expected-ip" "$LAB_DIR/after-import-ip"
is "the connection keeps its UUID" "$(lab_client nmcli -g connection.uuid connection show wglab)" "$uuid"
e2e_finish
