#!/bin/bash
# Who may lift the kill switch: only the user's own disconnect, as
# NetworkManager itself reports it.
#  - Another bus client (an unprivileged user) sends a fake VpnStateChanged
#    "disconnected by the user", to everyone and straight to the service;
#    the service says it ignored both; then a Disconnect comes without a
#    reason from NetworkManager: the table stays.
#  - The fault sequence, WGKS_FAULT_LOOPS times (default 3) on one
#    connection with traffic running: tunnel link down, SIGKILL of
#    wireguard-go and of the service, uplink loss, NetworkManager stopped
#    and started again, reconnect, roaming ISP A -> B -> A, then
#    `nmcli connection down`. Each fault keeps the table; the user's down
#    lifts it every time, within 3 s, and traffic flows again.
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

CALL=$WGKS_TOP_BUILDDIR/tests/e2e/wgks-vpn-call
SVC_NAME=org.freedesktop.NetworkManager.wireguard-killswitch
LOOPS=${WGKS_FAULT_LOOPS:-3}
[ -x "$CALL" ] || { echo "Bail out! $CALL is not built (make check builds it)"; exit 1; }

e2e_write_config "$LAB_DIR/wgks.conf"
e2e_import "$LAB_DIR/wgks.conf"

ud_owner() { # NAME -> its unique name on the client's bus
	lab_client dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.GetNameOwner "string:$1" 2>/dev/null | tr -d ' '
}
ud_svc_name() { # NetworkManager starts one service per connection, each on its own name
	lab_client dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.ListNames 2>/dev/null |
		grep -o "${SVC_NAME//./\\.}[A-Za-z0-9_.]*" | head -1
}
ud_ac_path() { lab_client nmcli -g GENERAL.DBUS-PATH connection show id wgks 2>/dev/null; }
ud_log_lines() { wc -l <"$(e2e_service_log)"; }
# (grep without -q: under pipefail, tail killed by SIGPIPE when grep -q
# stops early would fail the pipe, as soon as the log since the mark is
# more than one read of tail's)
ud_logged_since() { tail -n +"$1" "$(e2e_service_log)" | grep -aF -- "$2" >/dev/null; }
ud_count_since() { tail -n +"$1" "$(e2e_service_log)" | grep -acF -- "$2"; }
ud_not_activated() { [ "$(e2e_vpn_state wgks)" != activated ]; }
ud_via_isp() { ks_via_isp "$LAB_ISPA_CLIENT4"; }
ud_tunnel_flows() { E2E_CURL_TIMEOUT=2 lab_wait_for 30 ks_via_tunnel; }

# --- 1. a fake "disconnected by the user" from another bus client ------------------
ok "fake signal: connect" ks_up wgks
ok "fake signal: traffic goes through the tunnel" ks_via_tunnel
svc_name=$(ud_svc_name)
path=$(ud_ac_path) svc=$(ud_owner "$svc_name") nm=$(ud_owner org.freedesktop.NetworkManager)
e2e__log "active connection $path, service $svc_name = $svc, NetworkManager $nm"
ok "fake signal: the active connection and the service are on the bus" test -n "$path" -a -n "$svc"
mark=$(ud_log_lines)
# NM_VPN_CONNECTION_STATE_DISCONNECTED (7), NM_ACTIVE_CONNECTION_STATE_REASON_USER_DISCONNECTED (2)
for dest in "" "$svc"; do
	ok "fake signal: user nobody sends VpnStateChanged(7, 2) for $path${dest:+ to $dest}" \
		lab_client setpriv --reuid=65534 --regid=65534 --clear-groups \
		dbus-send --system --type=signal ${dest:+--dest="$dest"} "$path" \
		org.freedesktop.NetworkManager.VPN.Connection.VpnStateChanged uint32:7 uint32:2
done
# both, the one to everyone and the one straight to the service, before the
# Disconnect: the service quits on it
ud_ignored_fakes() { [ "$(ud_count_since "$mark" "ignoring VpnStateChanged from :")" -ge 2 ]; }
ok "fake signal: the service ignored both fakes" lab_wait_for 20 ud_ignored_fakes
# (the service may quit before its reply leaves: the table says what it did)
out=$(lab_client "$CALL" --dest "$svc_name" disconnect 2>&1)
e2e__log "fake signal: a Disconnect without NetworkManager's reason, called straight on the service: $out"
ok "fake signal: the table stays, blocking" ks_wait_table blocked 5
sleep 2
is "fake signal: 2 s later the table is still blocking" "$(ks_table_state)" blocked
ok "fake signal: curl fails fast" ks_curl_fails_fast "http://$LAB_WEB4/"
ok "fake signal: the service says it kept blocking" \
	ud_logged_since "$mark" "disconnect without a reason from NetworkManager: the kill switch stays"
lab_wait_for 15 ud_not_activated
ks_reset wgks

# --- 2. the fault sequence, then the user's disconnect -------------------------------
lab__spawn_client traffic sh -c "while :; do curl -s -o /dev/null --max-time 1 http://$LAB_WEB4/; sleep 0.2; done"

# after a fault: wait until NetworkManager has let go of the VPN, connect again
ud_reconnect() {
	lab_wait_for 20 ud_not_activated
	ks_up wgks && ud_tunnel_flows
}
ud_kept() { # N LABEL: a fault that is not the user's never lifts the table
	ok "loop $1: $2: the table stays" lab_wait_for 3 not ks__table_is absent
}

passed=0
for n in $(seq 1 "$LOOPS"); do
	e2e__log "=== fault loop $n of $LOOPS"
	failed_before=$tap_failed
	ok "loop $n: connect" ks_up wgks
	ok "loop $n: traffic goes through the tunnel" ud_tunnel_flows

	lab_client ip link set "$(ks_tun_ifname)" down
	ud_kept "$n" "tunnel link down"
	ok "loop $n: link down: blocks" ks_wait_table blocked 10
	ok "loop $n: link down: reconnect" ud_reconnect

	wggo=$(ks_wggo_pid) && kill -KILL "$wggo"
	ud_kept "$n" "SIGKILL to wireguard-go"
	ok "loop $n: SIGKILL to wireguard-go: blocks" ks_wait_table blocked 10
	ok "loop $n: SIGKILL to wireguard-go: reconnect" ud_reconnect

	svc=$(ks_service_pid) && kill -KILL "$svc"
	ud_kept "$n" "SIGKILL to the service"
	ok "loop $n: SIGKILL to the service: reconnect" ud_reconnect

	# long enough for NetworkManager to take eth0 down (carrier-wait-timeout)
	lab_uplink_down ispa
	ok "loop $n: uplink loss: NetworkManager deactivates eth0" lab_nm_wait_down eth0 30
	ud_kept "$n" "uplink loss"
	lab_uplink_up ispa
	ok "loop $n: uplink back: eth0 comes back" lab_nm_wait eth0 20
	if [ "$(e2e_vpn_state wgks)" = activated ]; then
		ok "loop $n: uplink back: traffic through the tunnel again" ud_tunnel_flows
	else
		ok "loop $n: uplink back: reconnect" ud_reconnect
	fi

	ok "loop $n: stop NetworkManager" lab_nm_stop
	ud_kept "$n" "NetworkManager stopped"
	ok "loop $n: start NetworkManager" lab_nm_start
	ok "loop $n: NetworkManager is back, eth0 up" lab_nm_wait eth0 20
	ud_kept "$n" "NetworkManager restarted"
	ok "loop $n: after the restart: reconnect" ud_reconnect

	ok "loop $n: roam to ISP B" lab_roam_to ispb
	ok "loop $n: on ISP B: traffic through the tunnel" ud_tunnel_flows
	ok "loop $n: roam back to ISP A" lab_roam_to ispa
	ok "loop $n: on ISP A: traffic through the tunnel" ud_tunnel_flows
	is "loop $n: the VPN is still activated" "$(e2e_vpn_state wgks)" activated

	mark=$(ud_log_lines)
	t0=$(ks_ms)
	ok "loop $n: nmcli connection down" e2e_down wgks
	ok "loop $n: the user's disconnect lifts the table within 3 s" ks_wait_table absent 3
	e2e__log "loop $n: table gone $(($(ks_ms) - t0)) ms after nmcli connection down"
	ok "loop $n: traffic flows via ISP A within 2 s" lab_wait_for 2 ud_via_isp
	if [ "$(ks_table_state)" != absent ]; then
		e2e__log "loop $n: the service's log since the disconnect:"
		tail -n +"$mark" "$(e2e_service_log)" | grep -a 'nm-wireguard-killswitch\[' | tail -30 | sed 's/^/#   /'
	fi
	ks_reset wgks
	[ "$tap_failed" = "$failed_before" ] && passed=$((passed + 1))
done
lab__stop_pid "$(lab_pid traffic)" "$(lab__starttime "$(lab_pid traffic)")"
e2e__log "fault loops: $passed of $LOOPS without a failure"
is "every fault loop passed" "$passed" "$LOOPS"

e2e_finish
