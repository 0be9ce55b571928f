#!/bin/bash
# Endurance in the lab: N connect/disconnect cycles and M forced drops
# (SIGKILL of wireguard-go), then nothing may be left or have grown:
# interfaces, nftables table, policy rules, processes, UAPI sockets, file
# descriptors and memory of NetworkManager and of the service. Every
# measurement is printed (TAP comments), every limit asserted.
#
#   WGKS_ENDURANCE_CYCLES=200     connect/disconnect cycles (CI: 30)
#   WGKS_ENDURANCE_DROPS=50       forced drops (CI: 10)
#   WGKS_ENDURANCE_NM_RSS_KB=8192 allowed growth of NetworkManager's RSS
#   WGKS_ENDURANCE_SVC_RSS_KB=2048 allowed growth of the service's RSS
#   WGKS_TOP_BUILDDIR             a build configured --prefix=/usr (else one is made)
set -uo pipefail
. "$(dirname "$0")/lab-hardening.sh"
e2e_require_lab

cycles=${WGKS_ENDURANCE_CYCLES:-200}
drops=${WGKS_ENDURANCE_DROPS:-50}
nm_rss_max=${WGKS_ENDURANCE_NM_RSS_KB:-8192}
svc_rss_max=${WGKS_ENDURANCE_SVC_RSS_KB:-2048}

hl_ok "a build configured --prefix=/usr" hlab_build || hl_finish
hl_ok "lab up" hlab_up || hl_bail "lab did not come up"
conf=$LAB_DIR/wgendure.conf
e2e_write_config "$conf"
hl_ok "import the lab profile" e2e_import "$conf"

no_services() { [ -z "$(hlab_service_pids)" ]; }
nm=$(hlab_nm_pid)

# measure LABEL: one line of every counter (TAP comment) into globals
measure() {
	m_ifaces=$(hlab_tun_ifnames | wc -l)
	m_wggo=$(hlab_wggo_pids | wc -l)
	m_svc=$(hlab_service_pids | wc -l)
	m_table=$(hlab_table_present && echo 1 || echo 0)
	m_rules=$(lab_client ip -4 rule show | wc -l)/$(lab_client ip -6 rule show | wc -l)
	m_socks=$(lab_client sh -c 'ls /run/wireguard 2>/dev/null | wc -l')
	m_nm_fd=$(hlab_fd_count "$nm")
	m_nm_rss=$(hlab_rss_kb "$nm")
	m_procs=$(hlab_client_pids | wc -l)
	hl_log "$1: ifaces=$m_ifaces wireguard-go=$m_wggo services=$m_svc table=$m_table rules(v4/v6)=$m_rules" \
		"uapi-sockets=$m_socks client-procs=$m_procs NM fds=$m_nm_fd NM rss=${m_nm_rss}kB"
}

# Service instance while connected: fds and RSS (one instance per activation)
svc_sample() {
	local p
	p=$(hlab_service_pids | tail -1)
	[ -n "$p" ] || return 1
	s_fd=$(hlab_fd_count "$p")
	s_rss=$(hlab_rss_kb "$p")
}

cycle() { # connect, traffic, disconnect
	e2e_up wgendure 40 >/dev/null 2>&1 || { hl_log "cycle $1: connect failed"; return 1; }
	if [ "$1" = 1 ] || [ $(($1 % 10)) = 0 ]; then
		hlab_via_tunnel || { hl_log "cycle $1: no traffic through the tunnel"; return 1; }
		svc_sample && hl_log "cycle $1: service fds=$s_fd rss=${s_rss}kB"
		[ "$1" = 1 ] && { s_fd0=$s_fd; s_rss0=$s_rss; }
	fi
	e2e_down wgendure || { hl_log "cycle $1: disconnect failed"; return 1; }
}

# warm-up cycle, then the baseline (NetworkManager's caches filled)
hl_ok "warm-up cycle" cycle 1
lab_wait_for 60 no_services
measure baseline
b_nm_fd=$m_nm_fd b_nm_rss=$m_nm_rss b_rules=$m_rules b_procs=$m_procs

t0=$(date +%s)
failed=0
for i in $(seq 2 "$cycles"); do
	cycle "$i" || failed=$((failed + 1))
	[ $((i % 50)) = 0 ] && measure "after $i cycles"
done
hl_is "$cycles connect/disconnect cycles succeeded" "$failed" 0
hl_log "cycles took $(($(date +%s) - t0)) s"
svc_last_fd=${s_fd:-} svc_last_rss=${s_rss:-}

t0=$(date +%s)
failed=0
for i in $(seq 1 "$drops"); do
	if ! e2e_up wgendure 40 >/dev/null 2>&1; then
		hl_log "drop $i: connect failed"; failed=$((failed + 1)); continue
	fi
	hlab_drop wgendure >/dev/null || { hl_log "drop $i: the VPN did not go"; failed=$((failed + 1)); }
	# the kill switch holds after a drop, as it must; lift it for the next round
	{ [ "$i" = 1 ] || [ $((i % 10)) = 0 ]; } && { hlab_table_present || { hl_log "drop $i: no kill switch after the drop"; failed=$((failed + 1)); }; }
	hlab_release
done
hl_is "$drops forced drops (SIGKILL wireguard-go) handled" "$failed" 0
hl_log "drops took $(($(date +%s) - t0)) s"

# settle: services quit when idle
hl_ok "every service process exits when idle" lab_wait_for 90 no_services
measure final
hl_is "no tunnel interface left" "$m_ifaces" 0
hl_is "no wireguard-go left" "$m_wggo" 0
hl_is "no service process left" "$m_svc" 0
hl_is "no kill-switch table left" "$m_table" 0
hl_is "no policy rule left (ip rule count v4/v6)" "$m_rules" "$b_rules"
hl_is "no UAPI socket left in /run/wireguard" "$m_socks" 0
hl_is "no process left in the client (count)" "$m_procs" "$b_procs"
hl_ok "NetworkManager fds did not grow ($b_nm_fd -> $m_nm_fd)" test "$m_nm_fd" -le $((b_nm_fd + 2))
hl_ok "NetworkManager RSS grew less than ${nm_rss_max} kB ($b_nm_rss -> $m_nm_rss kB)" \
	test $((m_nm_rss - b_nm_rss)) -lt "$nm_rss_max"
if [ -n "${s_fd0:-}" ] && [ -n "$svc_last_fd" ]; then
	hl_is "service fds while connected: first instance = last ($s_fd0 -> $svc_last_fd)" "$svc_last_fd" "$s_fd0"
	hl_ok "service RSS while connected grew less than ${svc_rss_max} kB ($s_rss0 -> $svc_last_rss kB)" \
		test $((svc_last_rss - s_rss0)) -lt "$svc_rss_max"
else
	hl_ok "service fds and RSS sampled" false
fi
hl_finish
