# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What nm-connection-editor-lab.sh and gnome-settings-lab.sh share: the lab
# with the plugin installed, an X server inside the lab client, two
# connections (wglab, imported with nmcli, and the reference of another
# file), and the helpers to drive a real client with xdotool.
# Before sourcing: gui_tools=(the client's commands).
srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export WGKS_TOP_SRCDIR=$srcdir
. "$srcdir/tests/e2e/e2e-lib.sh"
e2e_require_lab
for tool in "${gui_tools[@]}" Xvfb xdotool import dbus-run-session; do
	command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

shots=${WGKS_SHOT_DIR:-$srcdir/docs}
display=
xvfb_pid=
editor_pid=   # the client: its process tree is stopped at the end
win=

# PID and every process under it, children first
kill_tree() {
	local child
	for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		kill_tree "$child"
	done
	kill "$1" 2>/dev/null
}
gui_stop() {
	local pid
	for pid in $editor_pid $xvfb_pid; do
		kill_tree "$pid"
	done
	editor_pid= xvfb_pid=
}
gui_cleanup() {
	local status=$?
	gui_stop
	e2e_cleanup
	return $status
}

e2e_lab_up || { echo "Bail out! lab did not come up"; exit 1; }
trap gui_cleanup EXIT

x() { lab_client env DISPLAY="$display" "$@"; }

# vpn.data and vpn.secrets as key=value lines, sorted
vpn_settings() {
	lab_client nmcli -s -g vpn.data,vpn.secrets connection show "$1" |
		sed 's/\\:/\x01/g' | tr ',' '\n' | sed 's/^ *//; s/ = /=/; s/\x01/:/g' | grep . | sort
}

# what the importer sets in the IP settings, "key:value" lines
ip_settings() {
	lab_client nmcli -t -f ipv4.never-default,ipv4.route-table,ipv4.dns-priority,ipv4.dns-search,ipv6.never-default,ipv6.route-table,ipv6.dns-priority,ipv6.dns-search,vpn.persistent connection show "$1"
}

shot() { # WINDOW FILE
	x import -window "$1" "$2" && echo "# screenshot: $2"
}
# the steps' screenshots, for debugging: WGKS_GUI_DEBUG_DIR=DIR
step_shot() { # WINDOW NAME
	[ -n "${WGKS_GUI_DEBUG_DIR:-}" ] && shot "$1" "$WGKS_GUI_DEBUG_DIR/$2.png"
	return 0
}

# wait (up to 60 s: a loaded machine starts GTK slowly) for a window whose title matches, print its id
window() {
	local id i
	for i in $(seq 1 300); do
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

# Xvfb picks a free display and writes its number
lab_client Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$LAB_DIR/display" >"$LAB_DIR/xvfb.log" 2>&1 &
xvfb_pid=$!
lab_wait_for 10 test -s "$LAB_DIR/display" || { cat "$LAB_DIR/xvfb.log"; echo "Bail out! Xvfb did not start"; exit 1; }
display=:$(cat "$LAB_DIR/display")
lab_wait_for 10 x xdotool getmouselocation >/dev/null 2>&1 || { echo "Bail out! Xvfb does not answer"; exit 1; }

# nmcli -g shows the connection NetworkManager holds; its file changes on every save
saved_file() {
	lab_client bash -c "stat -c '%n %.9Y' /etc/NetworkManager/system-connections/wglab*"
}

# the client closed its window (and dbus-run-session ended with it)
editor_gone() {
	! kill -0 "$editor_pid" 2>/dev/null || [ -z "$(ps -o pid= --ppid "$editor_pid")" ]
}

# In the client's file chooser: the other file's path, then Return.
choose_other_file() {
	local chooser
	chooser=$(window "Import a WireGuard configuration file") || return 1
	sleep 1
	x xdotool windowfocus --sync "$chooser"
	x xdotool key --clearmodifiers ctrl+l
	sleep 0.5
	x xdotool type --delay 30 "$other"
	sleep 1
	step_shot "$chooser" chooser
	x xdotool key --clearmodifiers Return
	lab_wait_for 10 chooser_gone
}
chooser_gone() {
	! x xdotool search --onlyvisible --name "Import a WireGuard configuration file" >/dev/null 2>&1
}

# After the client saved: NetworkManager holds what nmcli imports from the
# file. IGNORED: IP settings the client's own pages write ("ipv4.never-default|...").
check_imported() {
	vpn_settings wglab >"$LAB_DIR/after-import"
	ok "after the import, vpn.data and vpn.secrets are what nmcli imports from the file" \
		diff -u "$LAB_DIR/expected" "$LAB_DIR/after-import"
	ip_settings wglab >"$LAB_DIR/after-import-ip"
	grep -v -E "^(${IGNORED:-none}):" "$LAB_DIR/expected-ip" >"$LAB_DIR/expected-ip.cmp"
	grep -v -E "^(${IGNORED:-none}):" "$LAB_DIR/after-import-ip" >"$LAB_DIR/after-import-ip.cmp"
	ok "and the IP settings too (split tunnel: never-default, DNS left to the uplink${IGNORED:+; not $IGNORED})" \
		diff -u "$LAB_DIR/expected-ip.cmp" "$LAB_DIR/after-import-ip.cmp"
	is "the connection keeps its UUID" "$(lab_client nmcli -g connection.uuid connection show wglab)" "$uuid"
}
