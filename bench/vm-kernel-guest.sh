#!/bin/bash
# Runs inside the VM lab's guest (bench/vm-kernel.sh puts it there as a guest
# test): four ways to bring up the same kernel WireGuard peer, measured in one
# run, counterbalanced (A B C D D C B A ...), after one unrecorded warm-up
# round. Per run: connect time (up command -> first HTTP reply through the
# tunnel), iperf3 throughput to the tunnel server, HTTP latency median; one
# "kernel.csv: SYSTEM,REP,CONNECT_MS,THROUGHPUT_MBPS,LATENCY_MEDIAN_MS" line
# each for the host, TAP for the checks that make a run count.
#   plugin     this plugin's profile, kill-switch=on
#   nokill     the same profile, kill-switch=off
#   nm-native  NetworkManager's own WireGuard profile: `nmcli connection
#              import type wireguard` of the same wg-quick file
#   wgquick    wg-quick with the seed's iptables kill switch
# /etc/wgks-vm/bench.env: REPS, IPERF_T (s), LAT_N (requests), SYSTEMS,
# TRACE (1: the journal of each system's warm-up connect, with monotonic
# time stamps, goes into the log: where a connect spends its time).
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh
# shellcheck source=lib/bench-lib.sh
. /usr/local/lib/wgks-vm/bench/bench-lib.sh
# shellcheck source=/dev/null
. /etc/wgks-vm/bench.env
BENCH_TMP=$(mktemp -d /run/wgks-bench.XXXXXX)
# under TCG on a busy host one activation has taken over a minute, a reply
# through the tunnel over a second; 100 attempts a second would swamp the
# guest's web server (100 ms resolution is enough for connects of seconds)
export BENCH_TMP BENCH_CONNECT_TIMEOUT=120 BENCH_HTTPWAIT_ARGS="--interval 0.1 --patience 5"
NATIVE=bench-native

info() { echo "kernel-info: $1=$2"; }

kup() { # SYSTEM
	case "$1" in
	plugin | nokill) vm_up "bench-$1" >/dev/null ;;
	nm-native) vm_up "$NATIVE" >/dev/null ;;
	wgquick) wg-quick up "$BENCH_TMP/$BENCH_WGQ_IF.conf" >>"$BENCH_TMP/wg-quick.log" 2>&1 ;;
	esac
}

kdown() { # SYSTEM
	case "$1" in
	plugin | nokill) vm_down "bench-$1" ;;
	nm-native) vm_down "$NATIVE" ;;
	wgquick)
		wg-quick down "$BENCH_TMP/$BENCH_WGQ_IF.conf" >>"$BENCH_TMP/wg-quick.log" 2>&1
		# iptables-nft leaves its (now empty) tables and their hooks behind;
		# the systems after it must not pay for them
		nft delete table ip filter 2>/dev/null
		nft delete table ip6 filter 2>/dev/null
		;;
	esac
	vm_nm_wait_uplink eth0 >/dev/null 2>&1
}

kifname() { # SYSTEM: its tunnel link
	case "$1" in
	wgquick) echo "$BENCH_WGQ_IF" ;;
	nm-native) echo bench ;;   # NetworkManager names it after the imported file
	*) vm_tun_ifname ;;
	esac
}

# kcheck SYSTEM: the run measured what it claims (a kernel link, the kill
# switch there or not); printed as TAP
kcheck() {
	local ifn
	ifn=$(kifname "$1")
	is "$1: the tunnel $ifn is a kernel WireGuard link" "$(ip -d -o link show "$ifn" 2>/dev/null | grep -o ' wireguard ' | head -1)" " wireguard "
	case "$1" in
	plugin) ok "plugin: the kill switch's table is loaded" vm_table_present ;;
	nokill | nm-native) ok "$1: no kill-switch table" bash -c '! nft list table inet wireguard_killswitch >/dev/null 2>&1' ;;
	wgquick) is "wgquick: the seed's REJECT rule is in OUTPUT" "$(iptables -S OUTPUT | grep -c -- '-j REJECT')" 1 ;;
	esac
}

# ktrace SYSTEM: the journal since the connect began (NetworkManager, the
# service it spawned, the kernel), one log line each
ktrace() {
	local line
	journalctl -q -o short-monotonic --no-pager --since "@$ktrace_since" 2>/dev/null |
		while IFS= read -r line; do vm_log "trace $1: $line"; done
}

kmeasure() { # SYSTEM REP (0 = warm-up, not recorded)
	local sys=$1 rep=$2 up_ms http_ms mbps lat
	ktrace_since=$(date +%s.%N)
	read -r up_ms http_ms < <(bench_connect_time kup "$sys")
	[ "$http_ms" != NA ] ||
		vm_log "$sys: no reply through the tunnel: httpwait $(cat "$BENCH_TMP/hw"); curl now: '$(VM_CURL_TIMEOUT=10 vm_curl "http://$LAB_WEB4/")'"
	if [ "$rep" = 0 ]; then
		vm_log "warm-up $sys: up $up_ms ms, first reply $http_ms ms"
		[ "${TRACE:-0}" = 1 ] && ktrace "$sys"
		kdown "$sys"
		return
	fi
	kcheck "$sys"
	mbps=$(bench_throughput "$IPERF_T" "$sys-$rep")
	lat=$(bench_latency "$LAT_N")
	vm_log "$sys rep $rep: up command $up_ms ms, first reply $http_ms ms, ${mbps:-NA} Mbit/s, latency median,p90 $lat ms"
	echo "kernel.csv: $sys,$rep,$http_ms,${mbps:-NA},${lat%%,*}"
	kdown "$sys"
	sleep 1
}

ok "NetworkManager has eth0 up with DHCPv4 and SLAAC from ISP A" vm_nm_wait_uplink eth0
# the lab's NetworkManager logs the VPN domains at TRACE for the tests; that
# would cost only the plugin's runs
# (a trace wants the service's debug lines: they cost time, so a traced
# run's figures are not the benchmark's)
if [ "${TRACE:-0}" = 1 ]; then
	nmcli general logging level INFO domains DEFAULT,VPN:DEBUG,VPN_PLUGIN:DEBUG
else
	nmcli general logging level INFO domains DEFAULT
fi
ok "the two plugin profiles (kill switch on / off) and wg-quick's file are written" bench_write_configs
knative_import() { nmcli connection import type wireguard file "$BENCH_TMP/bench.conf" >/dev/null; }
ok "NetworkManager imports the same file as its own WireGuard profile" knative_import
nmcli connection modify bench connection.id "$NATIVE" connection.autoconnect no
nmcli connection down id "$NATIVE" >/dev/null 2>&1
is "the native profile is a WireGuard connection" "$(nmcli -g connection.type connection show id "$NATIVE")" wireguard

info guest_kernel "$(uname -r)"
info vcpus "$(nproc)"
info NetworkManager "$(NetworkManager --version)"
info plugin "$(dpkg-query -W -f '${Version}' network-manager-wireguard-killswitch 2>/dev/null || echo 'make install')"
info wireguard-tools "$(wg --version | awk '{print $2}')"
info iptables "$(iptables --version | awk '{print $2, $3}')"
info nftables "$(nft --version | awk '{print $2}')"
info iperf3 "$(iperf3 --version | awk 'NR == 1 {print $2}')"
info reps "$REPS"
info iperf3_seconds "$IPERF_T"
info latency_requests "$LAT_N"
# shellcheck disable=SC2046,SC2086
info order "$(for r in $(seq 1 "$REPS"); do printf '%s ' $(bench_in_order "$r" $SYSTEMS); done)"

for sys in $SYSTEMS; do kmeasure "$sys" 0; done
for rep in $(seq 1 "$REPS"); do
	# shellcheck disable=SC2086
	for sys in $(bench_in_order "$rep" $SYSTEMS); do kmeasure "$sys" "$rep"; done
done
ok "the systems are all down again: no tunnel link, no kill-switch table" \
	bash -c '! ip -o link show type wireguard | grep -q . && ! nft list table inet wireguard_killswitch >/dev/null 2>&1'
vm_finish
