#!/bin/bash
# wg-killswitch-notify in a desktop session of the lab's client: a private
# session bus, a notification server that records every D-Bus call
# (notify-recorder.py), the notifier as XDG autostart starts it, polkitd on
# the client's system bus for pkexec. The blocked state is real: the VPN's
# wireguard-go is killed, and lockdown is switched on without a VPN.
# Checked: Notify within 2 s of the blocked state with the reason; Release
# asks first, then (pkexec wg-killswitch release) leads to "off" and the
# notification is closed; Reconnect brings the VPN back; status --json.
#
# With WGKS_NOTIFY_SCREENSHOT=FILE, also a screenshot of the notification
# shown by Debian's notification-daemon under Xvfb.
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

REC_LOG=$LAB_DIR/notify.jsonl
SESSION=unix:path=$LAB_DIR/session.sock
PUB=/run/wireguard-killswitch-public/status
: >"$REC_LOG"

session() { lab_client env DBUS_SESSION_BUS_ADDRESS="$SESSION" "$@"; }

# rec_find SINCE CALL [FIELD SUBSTRING]: "ID TIME" of the first such call
# recorded after SINCE (unix time), or nothing
rec_find() {
	"$LAB_PYTHON" - "$REC_LOG" "$@" <<-'EOF'
		import json, sys
		log, since, call = sys.argv[1], float(sys.argv[2]), sys.argv[3]
		field, sub = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else (None, None)
		for line in open(log):
		    r = json.loads(line)
		    if r["call"] != call or r["time"] < since:
		        continue
		    if field and sub not in str(r.get(field, "")):
		        continue
		    print(r["id"], "%.3f" % r["time"])
		    break
	EOF
}
rec_field() { # ID CALL FIELD: the field of the last such call for ID
	"$LAB_PYTHON" - "$REC_LOG" "$@" <<-'EOF'
		import json, sys
		out = ""
		for line in open(sys.argv[1]):
		    r = json.loads(line)
		    if r["call"] == sys.argv[3] and r["id"] == int(sys.argv[2]):
		        out = r.get(sys.argv[4], "")
		print(" ".join(out) if isinstance(out, list) else out)
	EOF
}
rec_open() { # IDs of notifications still on screen
	"$LAB_PYTHON" - "$REC_LOG" <<-'EOF'
		import json, sys
		shown = set()
		for line in open(sys.argv[1]):
		    r = json.loads(line)
		    if r["call"] == "Notify":
		        shown.add(r["id"])
		    elif r["call"] in ("CloseNotification", "ClosedByServer"):
		        shown.discard(r["id"])
		print(" ".join(str(i) for i in sorted(shown)))
	EOF
}
rec_has() { [ -n "$(rec_find "$@")" ]; }
rec_wait() { # TIMEOUT SINCE CALL [FIELD SUBSTRING]
	local t=$1
	shift
	lab_wait_for "$t" rec_has "$@"
}
invoke() { # ID ACTION: a click on the button
	session dbus-send --session --type=method_call --print-reply --dest=org.freedesktop.Notifications \
		/org/freedesktop/Notifications org.wgks.Test.Invoke "uint32:$1" "string:$2" >/dev/null
}
now() { date +%s.%N; }
pub_mtime() { lab_client stat -c %.9Y "$PUB" 2>/dev/null; }
pub_state() { lab_client sed -n 's/^state=//p' "$PUB" 2>/dev/null; }
pub_is() { [ "$(pub_state)" = "$1" ]; }
pub_gone() { ! lab_client test -e "$PUB"; }
within() { # T0 T1 SECONDS: T1 - T0 < SECONDS
	"$LAB_PYTHON" -c 'import sys; a, b, s = map(float, sys.argv[1:]); sys.exit(not b - a < s)' "$@"
}
json_get() { # EXPR over `wg-killswitch status --json` as d
	"$LAB_PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$LAB_DIR/status.json" "$1"
}

e2e_write_config "$LAB_DIR/wgks.conf"
e2e_import "$LAB_DIR/wgks.conf"

# --- the session: bus, notification server, polkitd, the notifier ----------------
lab__spawn_client session-bus dbus-daemon --session --nofork --nopidfile --address="$SESSION"
ok "a private session bus" lab_wait_for 10 lab_client test -S "$LAB_DIR/session.sock"
lab__spawn_client notify-recorder env DBUS_SESSION_BUS_ADDRESS="$SESSION" \
	"$LAB_PYTHON" "$E2E_DIR/notify-recorder.py" "$REC_LOG"
ok "the notification server owns org.freedesktop.Notifications" \
	lab_wait_for 10 grep -q ready "$(lab_log_path notify-recorder)"
lab__spawn_client polkitd /usr/lib/polkit-1/polkitd --no-debug
has_owner() { # BUS NAME
	lab_client env DBUS_SESSION_BUS_ADDRESS="$SESSION" dbus-send "--$1" --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner "string:$2" 2>/dev/null | grep -q 'boolean true'
}
ok "polkitd on the client's system bus" lab_wait_for 10 has_owner system org.freedesktop.PolicyKit1
ok "the polkit action of Release is installed" \
	lab_client test -f /usr/share/polkit-1/actions/org.freedesktop.NetworkManager.wireguard-killswitch.policy
# (the lab lays only /usr of the installed tree over the client's)
exec_line=$(sed -n 's/^Exec=//p' "$E2E_DESTDIR/etc/xdg/autostart/org.freedesktop.NetworkManager.WireguardKillswitch.Notify.desktop")
is "the XDG autostart entry starts the notifier" "$exec_line" /usr/libexec/wg-killswitch-notify
lab__spawn_client notifier env DBUS_SESSION_BUS_ADDRESS="$SESSION" GNOTIFICATION_BACKEND=freedesktop \
	G_DEBUG=fatal-criticals "$exec_line"
ok "the notifier is on the session bus" \
	lab_wait_for 10 has_owner session org.freedesktop.NetworkManager.WireguardKillswitch.Notify

# --- connected: no notification -----------------------------------------------------
t=$(now)
ok "connect" ks_up wgks
sleep 1
is "connected: the public status says connected" "$(pub_state)" connected
is "connected: the public status file is world-readable (0644 in a 0755 directory)" \
	"$(lab_client stat -c %a "$PUB") $(lab_client stat -c %a "$(dirname "$PUB")")" "644 755"
ok "connected: the public status holds no key and no endpoint" \
	not lab_client grep -qF -e "$(cat "$LAB_CLIENT_KEY")" -e "$LAB_WG_ENDPOINT4" "$PUB"
ok "connected: no notification" not rec_has "$t" Notify

# --- blocked after a failure: the notification, its reason, Release ------------------
t=$(now)
ks_begin "blocked (wireguard-go killed), notification shown"
ok "SIGKILL to wireguard-go" kill -KILL "$(ks_wggo_pid)"
ok "the service records the blocked state" lab_wait_for 10 pub_is blocked
blocked_at=$(pub_mtime)
ok "Notify arrives" rec_wait 5 "$t" Notify summary "Traffic is blocked"
read -r nid ntime <<<"$(rec_find "$t" Notify summary "Traffic is blocked")"
e2e__log "blocked state written at $blocked_at, Notify at $ntime"
ok "Notify within 2 s of the blocked state" within "$blocked_at" "$ntime" 2
sleep 1
is "one Notify for one blocked state" "$(grep -c '"Notify"' "$REC_LOG")" 1
body=$(rec_field "$nid" Notify body)
e2e__log "body: $body"
ok "the notification gives the reason, naming the VPN" grep -q 'The VPN “wgks” failed or was lost' <<<"$body"
is "its buttons: Reconnect and Release" "$(rec_field "$nid" Notify actions)" \
	"app.reconnect Reconnect app.release Release…"
is "urgency critical" "$(rec_field "$nid" Notify urgency)" 2

ks_wgks status --json >"$LAB_DIR/status.json" 2>&1
sed 's/^/#   /' "$LAB_DIR/status.json"
is "status --json: state" "$(json_get 'd["state"]')" blocked
is "status --json: reason" "$(json_get 'd["reason"]')" failed
is "status --json: connection name" "$(json_get 'd["connection"]["name"]')" wgks
is "status --json: connection uuid" "$(json_get 'd["connection"]["uuid"]')" \
	"$(lab_client nmcli -g connection.uuid connection show id wgks)"
is "status --json: table state" "$(json_get 'd["table"]["state"]')" blocked
is "status --json: table intact" "$(json_get 'd["table"]["intact"]')" True
is "status --json: lockdown" "$(json_get 'd["lockdown"]')" off

t=$(now)
ok "Release… clicked" invoke "$nid" app.release
ok "a confirmation appears" rec_wait 2 "$t" Notify summary "Release the kill switch?"
read -r cid _ <<<"$(rec_find "$t" Notify summary "Release the kill switch?")"
ok "the confirmation says traffic will leave unprotected" \
	grep -q "without the VPN's protection" <<<"$(rec_field "$cid" Notify body)"
is "the confirmation's buttons" "$(rec_field "$cid" Notify actions)" \
	"app.keep-blocking Keep blocking app.release-confirmed Release, unprotected"
sleep 1
is "before confirming, it still blocks" "$(ks_table_state)" blocked
ks_end "blocked (wireguard-go killed), notification shown"

t=$(now)
ok "Release confirmed (pkexec wg-killswitch release)" invoke "$cid" app.release-confirmed
ok "the kill switch is off: table gone" ks_wait_table absent 10
ok "the kill switch is off: public status removed" lab_wait_for 5 pub_gone
ok "traffic flows (via the ISP)" ks_via_isp "$LAB_ISPA_CLIENT4"
sleep 1
is "no notification left on screen" "$(rec_open)" ""
ks_reset wgks

# blocked_notified: connect, SIGKILL to wireguard-go, the "Traffic is
# blocked" notification arrives; sets t (before the kill) and nid (its id)
blocked_notified() {
	ok "connect again" ks_up wgks
	t=$(now)
	ok "SIGKILL to wireguard-go" kill -KILL "$(ks_wggo_pid)"
	ok "blocked: Notify" rec_wait 10 "$t" Notify summary "Traffic is blocked"
	read -r nid _ <<<"$(rec_find "$t" Notify summary "Traffic is blocked")"
}

# --- the state ends by itself: the notification is withdrawn ---------------------------
blocked_notified
t=$(now)
ok "the user connects the VPN (nmcli)" ks_up wgks
ok "CloseNotification within 2 s of the new state" rec_wait 2 "$t" CloseNotification id "$nid"
is "no notification left on screen" "$(rec_open)" ""
ks_reset wgks

# --- Keep blocking brings the notification back ------------------------------------------
blocked_notified
ok "Release… clicked" invoke "$nid" app.release
ok "the confirmation appears" rec_wait 2 "$t" Notify summary "Release the kill switch?"
read -r cid _ <<<"$(rec_find "$t" Notify summary "Release the kill switch?")"
t=$(now)
ok "Keep blocking clicked" invoke "$cid" app.keep-blocking
ok "the blocked notification is back" rec_wait 2 "$t" Notify summary "Traffic is blocked"
is "still blocking" "$(ks_table_state)" blocked

# --- Reconnect (from the state just left: blocked, notification shown) --------------------
read -r nid _ <<<"$(rec_find "$t" Notify summary "Traffic is blocked")"
t=$(now)
ok "Reconnect clicked" invoke "$nid" app.reconnect
ok "the VPN connects again (libnm, no nmcli)" lab_wait_for 40 ks__table_is connected
ok "traffic goes through the tunnel" ks_via_tunnel
sleep 1
is "no notification left on screen" "$(rec_open)" ""
ks_reset wgks

# --- lockdown without a VPN -------------------------------------------------------------
# (the service handles the disconnect after nmcli returns: let it finish)
ok "the VPN service has exited" lab_wait_for 15 not ks_service_pid
t=$(now)
ok "lockdown on, no VPN" ks_wgks lockdown on
ok "lockdown: Notify" rec_wait 2 "$t" Notify body "Lockdown blocks all traffic while no VPN is connected."
read -r nid _ <<<"$(rec_find "$t" Notify body "Lockdown blocks")"
is "lockdown: Release only (no VPN to reconnect)" "$(rec_field "$nid" Notify actions)" "app.release Release…"
t=$(now)
ok "lockdown off" ks_wgks lockdown off
ok "lockdown off: CloseNotification" rec_wait 2 "$t" CloseNotification id "$nid"

# --- a screenshot with a real notification daemon --------------------------------------
if [ -n "${WGKS_NOTIFY_SCREENSHOT:-}" ]; then
	lab__stop_pid "$(lab_pid notify-recorder)" "$(lab__starttime "$(lab_pid notify-recorder)")"
	lab__spawn_client xvfb Xvfb -displayfd 1 -screen 0 800x300x24 -nolisten tcp
	lab_wait_for 10 grep -qE '^[0-9]+$' "$(lab_log_path xvfb)"
	disp=:$(grep -E '^[0-9]+$' "$(lab_log_path xvfb)" | head -1)
	lab__spawn_client notification-daemon env DBUS_SESSION_BUS_ADDRESS="$SESSION" DISPLAY="$disp" \
		/usr/lib/notification-daemon/notification-daemon --replace
	sleep 2
	ok "connect for the screenshot" ks_up wgks
	kill -KILL "$(ks_wggo_pid)"
	lab_wait_for 10 pub_is blocked
	sleep 2
	ok "screenshot of the notification" lab_client import -display "$disp" -window root "$WGKS_NOTIFY_SCREENSHOT"
	ks_reset wgks
fi

e2e_finish
