#!/bin/bash
# Kill switch, part 2: NetworkManager stopped and restarted; an
# endpoint unreachable during connect (our handshake timeout, and
# NetworkManager's own shorter connect timeout); the profile deleted while
# active; lockdown across disconnect and the lab's "reboot" (also with a
# corrupt state file: fail closed); the tamper watch.
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

e2e_write_config "$LAB_DIR/wgks.conf"
e2e_write_config "$LAB_DIR/wgnmto.conf"
e2e_write_config "$LAB_DIR/wglock.conf"
e2e_write_config "$LAB_DIR/wgdel.conf"
for c in wgks wgnmto wglock wgdel; do e2e_import "$LAB_DIR/$c.conf"; done
# NetworkManager gives up (and calls Disconnect) before our handshake timeout
lab_client nmcli connection modify wgnmto vpn.timeout 3
lab_client nmcli connection modify wglock +vpn.data kill-switch=lockdown

# --- 4. NetworkManager stopped, then started again --------------------------------
ok "connect" ks_up wgks
ks_begin "4 (NetworkManager stop/restart)"
ok "4: stop NetworkManager (SIGTERM to its PID)" lab_nm_stop
ks_blocked_checks "4, NetworkManager stopped"
ok "4: the service said why it keeps blocking" grep -q "NetworkManager is gone: the kill switch stays" "$(e2e_service_log)"
ok "4: start NetworkManager again" lab_nm_start
ok "4: NetworkManager is back and eth0 is up (DHCP and SLAAC work while blocked)" lab_nm_wait eth0 20
ks_blocked_checks "4, NetworkManager restarted"
sleep 1
ks_end "4 (NetworkManager stop/restart)"
ok "4: after the restart, the VPN connects again" ks_up wgks
ok "4: ... and carries traffic" ks_via_tunnel
ks_reset wgks

# --- 7. endpoint unreachable during connect ------------------------------------------
# The internet drops everything to the endpoint's port, so the client's
# handshakes still count as "wg" at the ISP's meter.
ok "7: the endpoint becomes unreachable (dropped in the internet)" ks_unreachable on
# (the meters start once the table is in place: before that, no VPN was asked for)
t0=$(ks_ms)
e2e_up wgks 30 >/dev/null 2>&1 &
uppid=$!
ks_wait_table connecting 5
ks_begin "7 (endpoint unreachable during connect)"
is "7: while connecting, the table is in state connecting" "$(ks_table_state)" connecting
ok "7: while connecting: curl --max-time 5 fails fast" ks_curl_fails_fast "http://$LAB_WEB4/"
wait "$uppid"
rc=$?
e2e__log "nmcli connection up wgks (endpoint unreachable): exit $rc after $(($(ks_ms) - t0)) ms"
ok "7: activation fails" test "$rc" != 0
ks_blocked_checks "7, after the failure"
ks_end "7 (endpoint unreachable during connect)"
ks_reset wgks

t0=$(ks_ms)
e2e_up wgnmto 30 >/dev/null 2>&1 &
uppid=$!
ks_wait_table connecting 5
ks_begin "7b (NetworkManager's connect timeout, shorter than ours)"
wait "$uppid"
ok "7b: activation fails (vpn.timeout 3 s)" test "$?" != 0
e2e__log "nmcli connection up wgnmto: failed after $(($(ks_ms) - t0)) ms"
ks_blocked_checks "7b, after NetworkManager's timeout"
ok "7b: the service kept blocking (not a user disconnect)" \
	grep -q "reason [0-9]*, not the user's: the kill switch stays" "$(e2e_service_log)"
ks_end "7b (NetworkManager's connect timeout)"
ks_reset wgnmto
ok "7: the endpoint is reachable again" ks_unreachable off

# --- the profile deleted while active ---------------------------------------------------
# NetworkManager reports this as the user's disconnect (reason 2): the user
# removed the VPN, so the switch is lifted like on "nmcli connection down".
ok "connect a profile that will be deleted" ks_up wgdel
ok "nmcli connection delete wgdel" lab_client nmcli connection delete wgdel
ok "deleting the active profile counts as the user's disconnect: the table is lifted" ks_wait_table absent 3
ks_reset

# --- lockdown ------------------------------------------------------------------------------
ok "lockdown: connect" ks_up wglock
ok "lockdown: traffic flows through the tunnel" ks_via_tunnel
ks_begin "lockdown (user disconnect)"
ok "lockdown: nmcli connection down" e2e_down wglock
ks_blocked_checks "lockdown, after a user disconnect"
ks_end "lockdown (user disconnect)"
ok "lockdown: the state file says on" grep -q "enabled=true" "$WGKS_STATE_DIR/lockdown"

# The lab's "reboot": NetworkManager stops, the kernel's table is gone (a new
# boot), the boot unit's command runs before NetworkManager starts again.
ok "reboot: NetworkManager stops" lab_nm_stop
ks_links() { lab_client ip link set eth0 "$1" && lab_client ip link set eth1 "$1"; }
ok "reboot: the interfaces are down, as at boot" ks_links down
ok "reboot: the table is gone, as after a reboot" lab_client nft delete table inet "$KS_TABLE"
ks_begin "lockdown (reboot)"
ok "reboot: wg-killswitch boot (the boot unit's command)" ks_wgks boot
is "reboot: the boot command installed the blocking table" "$(ks_table_state)" blocked
ok "reboot: the interfaces come up" ks_links up
ok "reboot: NetworkManager starts" lab_nm_start
ok "reboot: eth0 gets its DHCP lease and SLAAC address while blocked" lab_nm_wait eth0 20
ks_blocked_checks "reboot"
ks_end "lockdown (reboot)"
ok "reboot: the lockdown VPN connects through the boot table" ks_up wglock
ok "reboot: ... and carries traffic" ks_via_tunnel
e2e_down wglock

printf 'enabled=maybe\n\0\377garbage[\n' >"$WGKS_STATE_DIR/lockdown"
lab_nm_stop
ks_links down
lab_client nft delete table inet "$KS_TABLE" 2>/dev/null
ks_begin "lockdown (reboot with a corrupt state file)"
ks_wgks boot >"$LAB_DIR/boot.out" 2>&1
rc=$?
sed 's/^/#   /' "$LAB_DIR/boot.out"
ok "corrupt state: wg-killswitch boot reports the problem (exit $rc)" test "$rc" != 0
is "corrupt state: ... and blocks anyway (fail closed)" "$(ks_table_state)" blocked
ks_links up
lab_nm_start
lab_nm_wait eth0 20
ks_blocked_checks "corrupt state"
ks_end "lockdown (reboot with a corrupt state file)"
ok "lockdown off" ks_wgks lockdown off
ok "release" ks_wgks release --yes
is "after lockdown off, traffic flows" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_ISPA_CLIENT4"

# --- tamper watch --------------------------------------------------------------------------
# While the table is gone, nothing blocks: the counters show how much got out
# until the service restored it (reported, not asserted).
ok "connect" ks_up wgks
ks_leak_reset
ks_probe_start
sleep 0.3
ok "tamper: nft delete table inet $KS_TABLE" lab_client nft delete table inet "$KS_TABLE"
t0=$(ks_ms)
ok "tamper: the service restores the table within 3 s" ks_wait_table connected 3
e2e__log "restored after $(($(ks_ms) - t0)) ms"
ok "tamper: and logs a warning" grep -q "was deleted by another program; restoring it" "$(e2e_service_log)"
ok "tamper: a direct query to the ISP resolver is rejected again" not ks_dig_answers @"$LAB_ISPA_GW4" tamper.lab.example
ok "tamper: traffic still flows through the tunnel" ks_via_tunnel
ok "tamper: insert an accept-all rule in the table's output chain" \
	lab_client nft insert rule inet "$KS_TABLE" output accept
t0=$(ks_ms)
ok "tamper: the service restores the changed table within 3 s" \
	lab_wait_for 3 not lab_client sh -c "nft list chain inet $KS_TABLE output | grep -q '^[[:space:]]*accept$'"
e2e__log "restored after $(($(ks_ms) - t0)) ms"
ok "tamper: and logs a warning" grep -q "was changed by another program; restoring it" "$(e2e_service_log)"
ks_probe_stop
ks_leaks_log "tamper: what got out while the table was gone or open (not asserted)"
ks_begin "after the tamper"
sleep 2
ks_end "after the tamper"
ks_wgks status >"$LAB_DIR/status.out" 2>&1
sed 's/^/#   /' "$LAB_DIR/status.out"
ok "wg-killswitch status: table present and intact" grep -q "present, state connected, intact" "$LAB_DIR/status.out"
ks_reset wgks

e2e_finish
