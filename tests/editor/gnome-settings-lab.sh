#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run by hand (root; not part of make check, which does not install
# gnome-control-center): Debian 12's GNOME Settings 43 (GTK 4) under Xvfb,
# inside the lab client's namespaces, against the lab's NetworkManager and
# the plugin installed from this build. In Network → VPN it opens the
# kill-switch connection made with nmcli, imports another wg-quick file with
# the plugin editor's "Import wg-quick file…" button (through the real file
# chooser) and applies; nmcli must then show what `nmcli connection import`
# makes of that file, and the saved profile connects. Saves
# docs/gnome-settings.png (after the import).
#   apt-get install --no-install-recommends gnome-control-center xvfb xdotool imagemagick
#   WGKS_TOP_BUILDDIR=_build tests/editor/gnome-settings-lab.sh
set -uo pipefail
gui_tools=(gnome-control-center)
. "$(dirname "$0")/gui-lab-lib.sh"

# --- GNOME Settings -------------------------------------------------------------

x GSETTINGS_BACKEND=memory GDK_BACKEND=x11 GSK_RENDERER=cairo NO_AT_BRIDGE=1 GTK_A11Y=none \
	dbus-run-session -- gnome-control-center network >"$LAB_DIR/gcc.log" 2>&1 &
editor_pid=$!
main=$(window "^Settings$") || { cat "$LAB_DIR/gcc.log"; echo "Bail out! no Settings window"; exit 1; }
ok "GNOME Settings opens the Network panel" test -n "$main"
x xdotool windowmove --sync "$main" 0 0
sleep 2
step_shot "$main" settings

# There is no window manager and no accessibility bus: the buttons are
# clicked where GTK 4 puts them in the 980×640 window (the gear of the
# only VPN row, the dialog's Identity tab and Apply).
x xdotool mousemove --window "$main" 870 167 click 1
win=$(window "^wglab$")
ok "the gear of the VPN row opens the connection's dialog" test -n "$win"
x xdotool windowmove --sync "$win" 0 0 windowfocus --sync "$win"
sleep 1
x xdotool mousemove --window "$win" 127 69 click 1
sleep 1
step_shot "$win" identity
stamp=$(saved_file)
x xdotool key --window "$win" --clearmodifiers alt+q
ok "Import wg-quick file… opens the file chooser, which takes the file's path" choose_other_file
sleep 1
x xdotool windowfocus --sync "$win"
shot "$win" "$shots/gnome-settings.png"
width=$(x xdotool getwindowgeometry "$win" | sed -n 's/.*Geometry: \([0-9]*\)x.*/\1/p')
x xdotool mousemove --window "$win" $((width - 53)) 27 click 1
dialog_gone() { ! x xdotool search --onlyvisible --name "^wglab$" >/dev/null 2>&1; }
ok "Apply closes the dialog" lab_wait_for 10 dialog_gone
ok "NetworkManager wrote the connection again" lab_wait_for 5 test "$(saved_file)" != "$stamp"
# GNOME Settings' IPv4 and IPv6 pages write their own "Use this connection
# only for resources on its network" after the VPN page: a split tunnel
# imported over a full tunnel keeps never-default=no in the profile. The
# service tells NetworkManager never-default for split tunnels itself
# (src/wgks-ip-config.c), so the tunnel still takes no default route.
IGNORED="ipv4.never-default|ipv6.never-default" check_imported
is "GNOME Settings' own IPv4 page kept never-default as it showed it" \
	"$(lab_client nmcli -g ipv4.never-default connection show wglab)" "no"

# The profile GNOME Settings saved connects (the server learns the file's
# preshared key), and the split tunnel takes no default route all the same.
lab_wg_server set public_key=@"$LAB_CLIENT_PUB" preshared_key=@"$srcdir/tests/lab/keys/wrong-server.pub"
ok "the connection GNOME Settings saved comes up" e2e_up wglab
is "a tunnel-only server answers through the tunnel" "$(e2e_curl "http://$LAB_TUN_WEB4/")" "$LAB_TUN_CLIENT4"
is "the internet is not routed into the split tunnel" \
	"$(lab_client ip -4 route get "$LAB_WEB4" | grep -o 'dev [^ ]*')" "dev eth0"
is "no default route through the tunnel" "$(lab_client ip -4 route show default | grep -c wgks)" "0"
e2e_down wglab
e2e_finish
