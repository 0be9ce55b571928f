#!/bin/bash
# Kill switch, part 1: the seed's testing section step by step;
# the tunnel link downed, wireguard-go and the service SIGKILLed, a query
# sent straight to the ISP resolver; user disconnect; verify; kill-switch=off.
# Every scenario runs under a steady probe (~1,000 packets/s of TCP, UDP,
# ICMP and DNS towards the internet and the ISP resolvers) and asserts that
# nothing but encrypted WireGuard to the endpoint left the client.
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

full=$LAB_DIR/wgks.conf
off=$LAB_DIR/wgoff.conf
e2e_write_config "$full"
e2e_write_config "$off"
e2e_import "$full"
e2e_import "$off"
lab_client nmcli connection modify wgoff +vpn.data kill-switch=off

# --- the seed's "Testing Your Kill Switch", step by step ------------------------
# curl -s ifconfig.me
is "seed 1: before the VPN, the web server sees the ISP address" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_ISPA_CLIENT4"
# sudo wg-quick up wg0
ok "seed 2: bring the VPN up" ks_up wgks
# curl -s ifconfig.me (IP changed)
is "seed 3: the address changed to the tunnel's" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
is "seed 3: the kill switch is armed (connected)" "$(ks_table_state)" connected
# sudo ip link set wg0 down
tun=$(ks_tun_ifname)
e2e__log "tunnel interface: $tun"
ks_begin "seed 4 (ip link set $tun down)"
ok "seed 4: ip link set $tun down" lab_client ip link set "$tun" down
# curl -s --max-time 5 ifconfig.me: must fail (and fast: rejected, not dropped)
ks_blocked_checks "seed 5 (curl after the drop)"
sleep 2
ks_end "seed 4-5 (tunnel link down)"
ok "seed 5: the service logged that the kill switch stays" \
	grep -q "the kill switch stays" "$(e2e_service_log)"
# sudo wg-quick down wg0
e2e_down wgks 2>/dev/null
ok "seed 6: the tunnel is gone, and the switch still blocks (the drop was no user disconnect)" \
	ks_curl_fails_fast "http://$LAB_WEB4/"
ok "seed 6: wg-killswitch release --yes (what the user does after a drop)" ks_wgks release --yes
# curl -s ifconfig.me: traffic works again
is "seed 7: traffic works again" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_ISPA_CLIENT4"

# --- user disconnect restores normal traffic (how fast: bench/run.sh) ----------
ok "connect again" ks_up wgks
t0=$(ks_ms)
ok "nmcli connection down (user disconnect)" e2e_down wgks
t1=$(ks_ms)
reply=
while [ $(($(ks_ms) - t1)) -lt 3000 ]; do
	# NetworkManager may tear the tunnel down just after nmcli returns: until
	# then a reply can still come through it.
	reply=$(E2E_CURL_TIMEOUT=1 e2e_curl "http://$LAB_WEB4/") && [ "$reply" = "$LAB_ISPA_CLIENT4" ] && break
	sleep 0.05
done
dt=$(($(ks_ms) - t1))
e2e__log "nmcli connection down took $((t1 - t0)) ms; plain traffic back $dt ms after it returned"
is "after a user disconnect, plain traffic flows within 3 s" "$reply" "$LAB_ISPA_CLIENT4"
is "the table is gone after a user disconnect" "$(ks_table_state)" absent

# --- 1. the tunnel link goes down ----------------------------------------------
ok "connect" ks_up wgks
ks_begin "1 (tunnel link down)"
ok "1: ip link set <tun> down" lab_client ip link set "$(ks_tun_ifname)" down
ks_blocked_checks "1"
sleep 2
ks_end "1 (tunnel link down)"
ks_reset wgks

# --- 2. wireguard-go SIGKILL ------------------------------------------------------
ok "connect" ks_up wgks
wgpid=$(ks_wggo_pid)
e2e__log "wireguard-go: PID ${wgpid:-none} (child of the service $(ks_service_pid))"
ks_begin "2 (wireguard-go SIGKILL)"
ok "2: SIGKILL wireguard-go (PID found as the service's child)" kill -KILL "$wgpid"
ks_blocked_checks "2"
lab_wait_for 15 ks_vpn_gone wgks
ks_blocked_checks "2, after NetworkManager gave up the VPN"
ks_end "2 (wireguard-go SIGKILL)"
ks_reset wgks

# --- 3. service SIGKILL -----------------------------------------------------------
ok "connect" ks_up wgks
svc=$(ks_service_pid)
e2e__log "service: PID ${svc:-none} (child of NetworkManager $(lab_pid client-nm))"
ks_begin "3 (service SIGKILL)"
ok "3: SIGKILL the VPN service (PID found as NetworkManager's child)" kill -KILL "$svc"
lab_wait_for 15 ks_vpn_gone wgks
ok "3: NetworkManager noticed" test -z "$(e2e_vpn_state wgks)"
ks_blocked_checks "3" connected
sleep 1
ks_end "3 (service SIGKILL)"
ks_reset wgks

# --- 10. a DNS query straight to the ISP resolver while connected -----------------
ok "connect" ks_up wgks
ks_begin "10 (dig @ISP resolver)"
t0=$(ks_ms)
out=$(lab_client dig +time=3 +tries=1 @"$LAB_ISPA_GW4" direct.lab.example 2>&1)
rc=$?
dt=$(($(ks_ms) - t0))
e2e__log "dig @$LAB_ISPA_GW4: exit $rc after $dt ms: $(grep -m1 -E 'status|timed out|refused|connection' <<<"$out")"
ok "10: dig @$LAB_ISPA_GW4 gets no answer" not grep -q 'status: ' <<<"$out"
ok "10: ... and fails fast (rejected, $dt ms)" test "$dt" -lt 2000
ok "10: dig +tcp @$LAB_ISPA_GW4 fails too" not ks_dig_answers +tcp @"$LAB_ISPA_GW4" direct2.lab.example
ok "10: the ISP resolver never saw the UDP query" not lab_dns_queried ispa direct.lab.example
ok "10: nor the TCP one" not lab_dns_queried ispa direct2.lab.example
ok "10: nor any probe query" not lab_dns_queried ispa probe.lab.example
ok "10: the tunnel resolver answers" test "$(lab_client dig +short +time=2 +tries=1 secret.lab.example)" = "$LAB_TUN_WEB4"
ks_end "10 (dig @ISP resolver)"
r=$(ks_probe_replies "tcp $LAB_WEB4")
ok "10: meanwhile the probe reached the internet through the tunnel ($r TCP connects)" test "$r" -gt 0

# --- verify (still connected from 10) ---------------------------------------------
ok "verify while connected: exit 0" ks_verify
sed 's/^/#   /' "$LAB_DIR/verify.out"
ok "verify while connected: every probe PASS" ks_verify_all_pass
lab_client ip link set "$(ks_tun_ifname)" down
ks_wait_table blocked 10
ok "verify while blocked: exit 0" ks_verify
sed 's/^/#   /' "$LAB_DIR/verify.out"
ok "verify while blocked: every probe PASS" ks_verify_all_pass
ks_reset wgks
ok "verify after release: exit non-zero (it leaks, as it should without the switch)" not ks_verify
sed 's/^/#   /' "$LAB_DIR/verify.out"

# --- kill-switch=off ------------------------------------------------------------------
ok "kill-switch=off: connect" ks_up wgoff
is "kill-switch=off: no table is installed" "$(ks_table_state)" absent
is "kill-switch=off: the tunnel works" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
lab_client ip link set "$(ks_tun_ifname)" down
sleep 1
is "kill-switch=off: after a drop, still no table" "$(ks_table_state)" absent
e2e_down wgoff 2>/dev/null
is "kill-switch=off: traffic flows after the drop (no protection, as configured)" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_ISPA_CLIENT4"

e2e_finish
