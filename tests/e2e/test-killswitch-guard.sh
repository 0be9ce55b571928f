#!/bin/bash
# Kill switch, part 4: the guardian (`wg-killswitch guard`, the lockdown
# unit's long-running process). `nft flush ruleset`, which Debian's
# nftables.service runs on every start and reload, must not remove a
# *blocked* or lockdown table for good when no VPN service runs any more:
# (a) the VPN failed into blocked and its service exited; (b) lockdown
# without any connection; (c) `wg-killswitch release` and a user disconnect
# are not undone; (d) a service SIGKILLed while connecting or connected
# leaves a blocked table, not its own. While a service runs, the guardian
# leaves the table to it. There is no systemd in the lab: the test starts
# the guardian in the client's namespaces and stops it by PID.
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

e2e_write_config "$LAB_DIR/wgks.conf"
e2e_write_config "$LAB_DIR/wglock.conf"
e2e_import "$LAB_DIR/wgks.conf"
e2e_import "$LAB_DIR/wglock.conf"
lab_client nmcli connection modify wglock +vpn.data kill-switch=lockdown

# The restore must come at once: the old code never restores at all.
KS_RESTORE_S=${KS_RESTORE_S:-3}

guard_start() {
	GUARD_READY=$(guard_ready_lines)
	lab__spawn_client client-guard env WGKS_STATE_DIR="$WGKS_STATE_DIR" wg-killswitch guard
	GUARD_PID=$(lab_pid client-guard)
	GUARD_START=$(lab__starttime "$GUARD_PID")
	# ready: it says so once it watches nftables and the state files
	lab_wait_for 5 guard_listening
}
guard_ready_lines() { grep -c "guard: watching" "$(lab_log_path client-guard)" 2>/dev/null || true; }
guard_listening() {
	lab__pid_alive "$GUARD_PID" "$GUARD_START" && [ "$(guard_ready_lines)" -gt "${GUARD_READY:-0}" ]
}
guard_stop() {
	lab__stop_pid "$GUARD_PID" "$GUARD_START"
}
guard_alive() { lab__pid_alive "$GUARD_PID" "$GUARD_START"; }

quiet() { "$@" >/dev/null; }

ks_no_service() { ! ks_service_pid >/dev/null; }

# flush_and_probe LABEL STATE: nft flush ruleset in the client; the table
# must be back in STATE within KS_RESTORE_S s; then a probe must leak nothing.
flush_and_probe() {
	local label=$1 want=$2 t0
	ks_leak_reset
	ok "$label: nft flush ruleset in the client (as nftables.service does)" lab_client nft flush ruleset
	t0=$(ks_ms)
	ok "$label: the table is back in state $want within $KS_RESTORE_S s" ks_wait_table "$want" "$KS_RESTORE_S"
	e2e__log "$label: table state $(ks_table_state) $(($(ks_ms) - t0)) ms after the flush"
	ks_leaks_log "$label: between the flush and the restore (not asserted)"
	ks_begin "$label, after the restore"
	sleep 2
	ks_blocked_checks "$label, after the restore" "$want"
	ks_end "$label, after the restore"
}

# nft_poke: an unrelated nftables change (a notification for the guardian)
nft_poke() {
	lab_client nft add table inet wgks_test_poke && lab_client nft delete table inet wgks_test_poke
}

# stays_absent LABEL: no table for 1.5 s after a flush and an unrelated change
stays_absent() {
	lab_client nft flush ruleset
	nft_poke
	sleep 1.5
	is "$1: the guardian did not install a table" "$(ks_table_state)" absent
	is "$1: traffic flows without the VPN" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_ISPA_CLIENT4"
}

ok "guard: wg-killswitch guard starts in the client" guard_start
is "guard: with lockdown off and no VPN, it installs nothing" "$(ks_table_state)" absent

# --- while a service runs, the table is the service's ---------------------------------
ok "connect" ks_up wgks
ks_leak_reset
ok "running service: nft flush ruleset" lab_client nft flush ruleset
ok "running service: the service restores its own table (connected, not blocked)" ks_wait_table connected 3
sleep 1
is "running service: still connected a second later" "$(ks_table_state)" connected
ok "running service: traffic flows through the tunnel" ks_via_tunnel

# --- (c) a user disconnect is not undone ------------------------------------------------
ok "(c) nmcli connection down (user disconnect)" e2e_down wgks
ok "(c) the table is lifted" ks_wait_table absent 3
stays_absent "(c) after a user disconnect"

# --- (a) the VPN fails into blocked, the service exits -------------------------------
ok "(a) the endpoint becomes unreachable" ks_unreachable on
t0=$(ks_ms)
e2e_up wgks 30 >/dev/null 2>&1
e2e__log "(a) nmcli connection up: exit $? after $(($(ks_ms) - t0)) ms"
ok "(a) the failed VPN leaves the blocked table" ks_wait_table blocked 10
ok "(a) the service exits" lab_wait_for 40 ks_no_service
e2e__log "(a) no service $(($(ks_ms) - t0)) ms after the connect began"
ok "(a) the endpoint is reachable again" ks_unreachable off
flush_and_probe "(a) blocked, no service" blocked
ok "(a) a direct query to the ISP resolver is rejected" not ks_dig_answers @"$LAB_ISPA_GW4" guard-a.lab.example
ok "(a) the ISP resolver never saw it" not lab_dns_queried ispa guard-a.lab.example
flush_and_probe "(a) a second flush" blocked
ok "(a) the guardian is still running" guard_alive

# --- (c) wg-killswitch release is not undone -------------------------------------------
ok "(c) wg-killswitch release --yes" quiet ks_wgks release --yes
is "(c) the table is gone" "$(ks_table_state)" absent
stays_absent "(c) after release"

# --- (d) the service SIGKILLed while connected ------------------------------------------
ok "(d) connect" ks_up wgks
svc=$(ks_service_pid)
e2e__log "(d) service PID ${svc:-none}"
ks_begin "(d) service SIGKILL while connected"
ok "(d) SIGKILL the service" kill -KILL "$svc"
t0=$(ks_ms)
ok "(d) the guardian turns the table to blocked within $KS_RESTORE_S s" ks_wait_table blocked "$KS_RESTORE_S"
e2e__log "(d) blocked $(($(ks_ms) - t0)) ms after the SIGKILL"
ok "(d) the tunnel carries nothing any more" not ks_via_tunnel
ok "(d) a direct query to the ISP resolver is rejected" not ks_dig_answers @"$LAB_ISPA_GW4" guard-d.lab.example
sleep 1
ks_end "(d) service SIGKILL while connected"
lab_wait_for 15 ks_vpn_gone wgks
flush_and_probe "(d) after the SIGKILL" blocked
ks_wgks status >"$LAB_DIR/status.out" 2>&1
sed 's/^/#   /' "$LAB_DIR/status.out"
ok "(d) wg-killswitch status: the table is intact" grep -q "present, state blocked, intact" "$LAB_DIR/status.out"
ks_reset wgks

# --- (d) the service SIGKILLed while connecting (resolving the endpoint) -------------
ok "(d') the endpoint becomes unreachable" ks_unreachable on
e2e_up wgks 30 >/dev/null 2>&1 &
uppid=$!
ok "(d') the table is in state connecting" ks_wait_table connecting 5
svc=$(ks_service_pid)
ok "(d') SIGKILL the service while connecting" kill -KILL "$svc"
ok "(d') the guardian turns the table to blocked within $KS_RESTORE_S s" ks_wait_table blocked "$KS_RESTORE_S"
wait "$uppid"
ok "(d') the endpoint is reachable again" ks_unreachable off
flush_and_probe "(d') after the SIGKILL while connecting" blocked
ks_reset wgks

# --- (b) lockdown without any connection -------------------------------------------------
ok "(b) wg-killswitch lockdown on (no VPN)" quiet ks_wgks lockdown on
is "(b) the blocking table is there" "$(ks_table_state)" blocked
flush_and_probe "(b) lockdown" blocked
ok "(b) nft delete table (a firewalld-style removal of our table only)" lab_client nft delete table inet "$KS_TABLE"
ok "(b) the table is back" ks_wait_table blocked "$KS_RESTORE_S"
# the boot unit's job: a fresh guardian at boot loads the lockdown table
ok "(b) stop the guardian (by PID)" guard_stop
ok "(b) the table is gone, as after a reboot" lab_client nft delete table inet "$KS_TABLE"
ok "(b) the guardian starts again, as at boot" guard_start
ok "(b) ... and installs the lockdown table" ks_wait_table blocked 3
ok "(b) wg-killswitch lockdown off" quiet ks_wgks lockdown off
is "(b) the table is gone" "$(ks_table_state)" absent
stays_absent "(b) after lockdown off"

# a kill-switch=lockdown connection keeps blocking after the user's disconnect
ok "(b) connect a kill-switch=lockdown profile" ks_up wglock
ok "(b) nmcli connection down (user disconnect)" e2e_down wglock
ok "(b) lockdown keeps the blocking table" ks_wait_table blocked 3
ok "(b) the service exits" lab_wait_for 40 ks_no_service
flush_and_probe "(b) lockdown after a user disconnect" blocked
ok "(b) wg-killswitch lockdown off" quiet ks_wgks lockdown off
stays_absent "(b) after lockdown off"

# an unreadable lockdown state blocks at start (fail closed), as boot did
ok "(b) stop the guardian" guard_stop
printf 'enabled=maybe\n\0\377garbage[\n' >"$WGKS_STATE_DIR/lockdown"
ok "(b) the guardian starts with a corrupt lockdown state file" guard_start
ok "(b) ... and blocks anyway" ks_wait_table blocked 3
ok "(b) ... and says why" grep -q "lockdown state unreadable" "$(lab_log_path client-guard)"
flush_and_probe "(b) corrupt lockdown state" blocked
ok "(b) wg-killswitch lockdown off (writes a clean state)" quiet ks_wgks lockdown off
stays_absent "(b) after lockdown off"

ok "the guardian ran through the whole test" guard_alive
ok "stop the guardian (by PID)" guard_stop
e2e__log "the guardian's log:"
sed 's/^/#   /' "$(lab_log_path client-guard)" | tail -40
e2e_finish
