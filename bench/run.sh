#!/bin/bash
# Benchmarks of the plugin against the alternatives: leak window
# during failures, connect time, recovery after roaming, kill-switch apply
# time, data-path cost, footprint; then kernel WireGuard in the VM lab
# (bench/vm-kernel.sh). Builds, installs into a private DESTDIR,
# brings the network lab (tests/lab) up, runs every measurement several
# times interleaving the compared systems (rotated orders: A B C, B C A, ...),
# writes bench/results/{report.md,*.csv,*.png} and tears everything down.
#
#   sudo bench/run.sh           full run (~32 min on 2 cores, + ~5 min VM)
#   sudo bench/run.sh --quick   a few seconds per measurement (CI), no VM:
#                               exits non-zero only if the benchmark breaks
#   sudo bench/run.sh --footprint  only the idle footprint (6), results in a
#                               temporary directory unless BENCH_OUT is set
#   sudo bench/run.sh --leak    only the leak window (1), the same way
#   sudo bench/run.sh --datapath  only the data path and footprint (5, 6),
#                               the same way
#   sudo bench/run.sh --connect only the connect time (2), the same way
#
# Env: WGKS_BUILDDIR=DIR  reuse this configured build (default: the source
#                         tree if configured in-tree, else ./_build)
#      WGKS_NO_BUILD=1    do not run make (use the build as it is)
#      BENCH_OUT=DIR      results directory (default bench/results; --quick:
#                         a temporary directory unless BENCH_OUT is set)
#      BENCH_FOOT_T=S     idle footprint window (default 600 s, --quick 3 s)
#      BENCH_SMAPS=1      also copy each footprint process's smaps (per mapping)
#      BENCH_VM=0         full run without the kernel WireGuard VM run
#                         (bench/vm-kernel.sh; never in --quick)
#      BENCH_KEEP_LOGS=DIR copy the lab's logs (NetworkManager's --debug log
#                         with the service's messages) there before teardown
# bench/check-targets.sh then prints PASS/MISS per target.
set -uo pipefail

# full, quick, or the one part of footprint, leak, datapath, connect
mode=full
for a in "$@"; do
	case "$a" in
	--quick | --footprint | --leak | --datapath | --connect)
		[ "$mode" = full ] || { echo "bench: --quick, --footprint, --leak, --datapath and --connect exclude each other" >&2; exit 2; }
		mode=${a#--}
		;;
	-h | --help) sed -n '2,31p' "$0"; exit 0 ;;
	*) echo "usage: $0 [--quick | --footprint | --leak | --datapath | --connect]" >&2; exit 2 ;;
	esac
done
quick=0
[ "$mode" = quick ] && quick=1

bench_dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bench_dir/.." && pwd)
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 2; }

if [ "$quick" = 1 ]; then
	out=${BENCH_OUT:-$(mktemp -d /tmp/wgks-bench-quick.XXXXXX)}
	CONNECT_REPS=1 CONNECT_SYSTEMS="plugin wgquick"
	LEAK_REPS=1 LEAK_SCENARIOS="ifdown" LEAK_SYSTEMS="plugin" LEAK_PRE=0.5 LEAK_WINDOW=1
	ROAM_REPS=${BENCH_ROAM_REPS:-1} ROAM_SYSTEMS="plugin"
	DP_REPS=1 DP_SYSTEMS="plugin" IPERF_T=1 LAT_N=20
	FOOT_T=${BENCH_FOOT_T:-3} APPLY_REPS=2 APPLY_SIZES="1 100 1000"
else
	out=${BENCH_OUT:-$bench_dir/results}
	CONNECT_REPS=10 CONNECT_SYSTEMS="plugin wgquick nokill" LEAK_SYSTEMS="plugin wgquick nokill"
	LEAK_REPS=3 LEAK_SCENARIOS="ifdown wgkill svckill nmrestart uplinkloss roam" LEAK_PRE=1 LEAK_WINDOW=5
	ROAM_REPS=5 ROAM_SYSTEMS="plugin wgquick nokill"
	DP_REPS=10 DP_SYSTEMS="plugin nokill wgquick" IPERF_T=10 LAT_N=200
	FOOT_T=${BENCH_FOOT_T:-600} APPLY_REPS=15 APPLY_SIZES="1 10 100 1000 10000"
fi
case $mode in
leak | datapath | footprint)
	out=${BENCH_OUT:-$(mktemp -d "/tmp/wgks-bench-$mode.XXXXXX")}
	CONNECT_REPS=0 ROAM_REPS=0
	[ "$mode" = leak ] || LEAK_REPS=0
	[ "$mode" = leak ] && DP_REPS=0
	[ "$mode" = footprint ] && DP_REPS=1 DP_SYSTEMS="plugin"
	;;
connect)
	out=${BENCH_OUT:-$(mktemp -d /tmp/wgks-bench-connect.XXXXXX)}
	LEAK_REPS=0 ROAM_REPS=0 DP_REPS=0
	;;
esac
# a run of one part measures neither the apply time nor the VM
whole=0
[ "$mode" = full ] || [ "$mode" = quick ] && whole=1
mkdir -p "$out"
BENCH_TMP=$(mktemp -d /tmp/wgks-bench.XXXXXX)
DESTDIR_=$(mktemp -d /tmp/wgks-bench-root.XXXXXX)
export BENCH_TMP
t_start=$EPOCHREALTIME
log() { printf 'bench: [%5.1fs] %s\n' "$(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN {print b - a}')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# shellcheck source=../tests/lab/lab.sh
. "$top/tests/lab/lab.sh"
# shellcheck source=lib/bench-lib.sh
. "$bench_dir/lib/bench-lib.sh"

cleanup() {
	local rc=$?
	[ -n "${BENCH_KEEP_LOGS:-}" ] && [ -d "${LAB_DIR:-}/log" ] && mkdir -p "$BENCH_KEEP_LOGS" && cp -r "$LAB_DIR/log/." "$BENCH_KEEP_LOGS/"
	lab_down
	rm -rf "$BENCH_TMP" "$DESTDIR_"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ build
if [ -n "${WGKS_BUILDDIR:-}" ]; then
	builddir=$(cd "$WGKS_BUILDDIR" && pwd) || die "WGKS_BUILDDIR=$WGKS_BUILDDIR does not exist"
elif [ -f "$top/config.status" ]; then
	builddir=$top   # configured in-tree: automake refuses a second VPATH build
else
	builddir=$top/_build
fi
if [ "${WGKS_NO_BUILD:-0}" != 1 ]; then
	if [ ! -f "$builddir/Makefile" ]; then
		log "configuring $builddir"
		(cd "$top" && { [ -x configure ] || ./autogen.sh >/dev/null; }) || die "autogen failed"
		mkdir -p "$builddir"
		(cd "$builddir" && "$top/configure" --prefix=/usr --sysconfdir=/etc --libexecdir=/usr/libexec \
			--localstatedir=/var >"$BENCH_TMP/configure.log" 2>&1) || { tail -20 "$BENCH_TMP/configure.log"; die "configure failed"; }
	fi
	log "building in $builddir"
	make -s -C "$builddir" -j"$(nproc)" >"$BENCH_TMP/make.log" 2>&1 || { tail -30 "$BENCH_TMP/make.log"; die "make failed"; }
fi
APPLY_BIN=$BENCH_TMP/apply-bench
# shellcheck disable=SC2046
[ "$whole" = 0 ] || gcc -O2 -g -I"$builddir" -I"$top/src" -I"$top/shared" $(pkg-config --cflags glib-2.0) -o "$APPLY_BIN" \
	"$bench_dir/apply-bench.c" "$top/src/wgks-ruleset.c" "$top/src/wgks-firewall.c" "$top/src/wgks-nft.c" "$top/shared/wgks-ip.c" \
	-lnftables $(pkg-config --libs glib-2.0) 2>"$BENCH_TMP/apply-cc.log" || { cat "$BENCH_TMP/apply-cc.log"; die "apply-bench does not compile"; }

# ------------------------------------------------------------------ machine
{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "mode=$mode"
	echo "git=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "nproc=$(nproc)"
	echo "cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "kernel=$(uname -sr)"
	echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "NetworkManager=$(NetworkManager --version 2>/dev/null)"
	echo "wireguard-go=$(wireguard-go --version 2>/dev/null | awk 'NR == 1 {print $2}')"
	echo "wireguard-tools=$(wg --version 2>/dev/null | awk '{print $2}')"
	echo "nftables=$(nft --version 2>/dev/null | awk '{print $2}')"
	echo "iptables=$(iptables --version 2>/dev/null | awk '{print $2, $3}')"
	echo "iperf3=$(iperf3 --version 2>/dev/null | awk 'NR == 1 {print $2}')"
	echo "python3=$($PY --version 2>&1 | awk '{print $2}')"
	echo "loadavg_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/machine.txt"

# ------------------------------------------------------------------ apply time (no lab needed)
if [ "$whole" = 1 ]; then
	log "kill-switch apply time: $APPLY_REPS rounds of sizes $APPLY_SIZES"
	# shellcheck disable=SC2086
	"$APPLY_BIN" "$APPLY_REPS" $APPLY_SIZES >"$out/apply.csv" 2>"$BENCH_TMP/apply.err" || { cat "$BENCH_TMP/apply.err"; die "apply-bench failed"; }
fi

# ------------------------------------------------------------------ lab
for t in wg wg-quick iptables ip6tables iperf3; do
	command -v "$t" >/dev/null || die "$t is missing (apt-get install wireguard-tools iptables iperf3)"
done
log "bringing the lab up"
bench_lab_start "$builddir" "$DESTDIR_" || die "the lab did not start"

# ------------------------------------------------------------------ connect time
echo "system,rep,up_cmd_ms,first_http_ms" >"$out/connect.csv"
connect_once() { # SYSTEM REP
	local up_ms http_ms
	read -r up_ms http_ms < <(bench_connect_time bench_up "$1")
	echo "$1,$2,$up_ms,$http_ms" >>"$out/connect.csv"
}
log "connect time: $CONNECT_REPS x ($CONNECT_SYSTEMS)"
for rep in $(seq 1 "$CONNECT_REPS"); do
	for sys in $(bench_in_order "$rep" $CONNECT_SYSTEMS); do
		connect_once "$sys" "$rep"
		bench_down "$sys"
		sleep 0.5
	done
done

# ------------------------------------------------------------------ leak window
echo "system,scenario,rep,pre_leaks,leaks,endpoint_lookups,leak_window_ms,open_at_end,probe" >"$out/leak.csv"
# A client that roams asks the new uplink's resolver for its server's name
# (the plugin does, through a hole for its own marked queries): those DNS
# packets, at most one per query for the endpoint's name in the ISPs'
# resolver logs, are counted in endpoint_lookups and not as leaks. Any
# other name, and any other packet, is a leak.
leak_once() { # SYSTEM SCENARIO REP
	local sys=$1 sc=$2 rep=$3 dur t_fail t_end rc res pr mark_a mark_b lookups dns
	if ! bench_up "$sys"; then
		echo "$sys,$sc,$rep,NA,NA,NA,NA,NA,up-failed" >>"$out/leak.csv"
		bench_down "$sys"
		return
	fi
	sleep 0.5
	lab_leak_reset ispa && lab_leak_reset ispb
	mark_a=$(wc -l <"$(lab_dns_log ispa)") mark_b=$(wc -l <"$(lab_dns_log ispb)")
	dur=$(awk -v a="$LEAK_PRE" -v b="$LEAK_WINDOW" 'BEGIN {print a + b + 0.6}')
	lab_ns ispa "$PY" "$bench_dir/lib/leakwatch.py" "$dur" >"$BENCH_TMP/lw.a" &
	local wa=$!
	lab_ns ispb "$PY" "$bench_dir/lib/leakwatch.py" "$dur" >"$BENCH_TMP/lw.b" &
	local wb=$!
	sleep 0.2
	lab_client "$PY" "$bench_dir/lib/probe.py" "$(awk -v a="$LEAK_PRE" -v b="$LEAK_WINDOW" 'BEGIN {print a + b}')" 1000 \
		>"$BENCH_TMP/probe" 2>&1 &
	local pp=$!
	sleep "$LEAK_PRE"
	t_fail=$(bench_now)
	bench_fail "$sys" "$sc"
	rc=$?
	t_end=$(awk -v a="$t_fail" -v b="$LEAK_WINDOW" 'BEGIN {printf "%.6f", a + b}')
	wait "$pp" "$wa" "$wb"
	pr=$(tr ' ' ';' <"$BENCH_TMP/probe" | tail -1)
	if [ "$rc" = 2 ]; then
		echo "$sys,$sc,$rep,NA,NA,NA,NA,NA,not-applicable" >>"$out/leak.csv"
	else
		res=$("$PY" "$bench_dir/lib/leakparse.py" "$t_fail" "$t_end" "$BENCH_TMP/lw.a" "$BENCH_TMP/lw.b")
		# "pre=0 leaks=12 window_ms=340 open=0" -> CSV
		eval "local $res"
		[ "$rc" = 0 ] || pr="failure-injection-rc$rc;$pr"
		dns=$(($(lab_leak_count ispa dns) + $(lab_leak_count ispb dns)))
		lookups=$(bench_endpoint_lookups "$mark_a" "$mark_b")
		# shellcheck disable=SC2154
		[ "$lookups" -le "$dns" ] || lookups=$dns
		# shellcheck disable=SC2154
		[ "$lookups" -le "$leaks" ] || lookups=$leaks
		leaks=$((leaks - lookups))
		[ "$leaks" -gt 0 ] || window_ms=0 open=0
		echo "$sys,$sc,$rep,$pre,$leaks,$lookups,$window_ms,$open,$pr" >>"$out/leak.csv"
	fi
	bench_down "$sys"
}
log "leak window: $LEAK_REPS x ($LEAK_SCENARIOS) x ($LEAK_SYSTEMS), ${LEAK_WINDOW}s after each failure at 1000 pps"
for rep in $(seq 1 "$LEAK_REPS"); do
	for sc in $LEAK_SCENARIOS; do
		for sys in $(bench_in_order "$rep" $LEAK_SYSTEMS); do
			[ "$sc" = svckill ] && [ "$sys" = wgquick ] && { echo "$sys,$sc,$rep,NA,NA,NA,NA,NA,not-applicable" >>"$out/leak.csv"; continue; }
			leak_once "$sys" "$sc" "$rep"
		done
	done
	log "leak round $rep done"
done

# ------------------------------------------------------------------ roaming recovery
echo "system,rep,dhcp_ms,recovery_ms,route6_ms" >"$out/roaming.csv"
roam_once() { # SYSTEM REP
	local sys=$1 t0 hw res dh rc r6
	bench_up "$sys" || { echo "$sys,$2,NA,NA,NA" >>"$out/roaming.csv"; bench_down "$sys"; return; }
	sleep 1
	lab_uplink_down ispa
	lab_nm_wait_down eth0 20 >/dev/null 2>&1
	t0=$(bench_now)
	lab_client "$PY" "$bench_dir/lib/httpwait.py" "$t0" "$LAB_WEB4" "$LAB_TUN_CLIENT4" 30 --iface eth1 >"$BENCH_TMP/hw" &
	hw=$!
	lab_uplink_up ispb
	wait "$hw"
	res=$(cat "$BENCH_TMP/hw")
	rc=$(sed -n 's/.*http_ms=\([0-9.]*\).*/\1/p' <<<"$res")
	dh=$(sed -n 's/.*iface_ms=\([0-9.NA]*\).*/\1/p' <<<"$res")
	r6=$(sed -n 's/.*route6_ms=\([0-9.NA]*\).*/\1/p' <<<"$res")
	echo "$sys,$2,${dh:-NA},${rc:-NA},${r6:-NA}" >>"$out/roaming.csv"
	bench_down "$sys"
}
log "roaming recovery: $ROAM_REPS x ($ROAM_SYSTEMS)"
for rep in $(seq 1 "$ROAM_REPS"); do
	for sys in $(bench_in_order "$rep" $ROAM_SYSTEMS); do roam_once "$sys" "$rep"; done
done

# ------------------------------------------------------------------ data path + footprint
echo "system,rep,throughput_mbps,latency_median_ms,latency_p90_ms" >"$out/datapath.csv"
echo "rep,system,metric,value" >"$out/footprint.csv"
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }
rollup_kib() { awk -v k="$2" '$1 ~ k {s += $2} END {print s + 0}' "/proc/$1/smaps_rollup" 2>/dev/null; }
# ctxsw PID: "TID switches" per thread (voluntary + involuntary)
ctxsw() {
	local t
	for t in /proc/"$1"/task/*; do
		awk -v t="${t##*/}" '/^(voluntary|nonvoluntary)_ctxt_switches/ {s += $2} END {print t, s + 0}' "$t/status"
	done 2>/dev/null
}
# ctxsw_delta BEFORE AFTER: switches since BEFORE of the threads alive at the
# end (a thread that exited in between takes its count along: not counted)
ctxsw_delta() { awk 'NR == FNR {b[$1] = $2; next} {d += $2 - ($1 in b ? b[$1] : 0)} END {print d + 0}' <(echo "$1") <(echo "$2"); }
OPENVPN_SERVICE=/usr/lib/NetworkManager/nm-openvpn-service
# footprint REP: side by side over the same FOOT_T seconds, all idle:
#   plugin       this plugin's service, started by NetworkManager, tunnel up
#   plugin-idle  this plugin's service with no connection
#   openvpn      nm-openvpn-service (network-manager-openvpn), no connection
# The last two are started as NetworkManager starts a VPN service (the
# program with --bus-name, as root, on the client's system bus), with
# --persist so that neither quits while idle.
footprint() {
	local pid idle ovpn wg t0 secs sys p
	local -A c0
	pid=$(bench_service_pid)
	[ -n "$pid" ] || { log "footprint: no service process"; return; }
	lab__spawn_client bench-svc-idle /usr/libexec/nm-wireguard-killswitch-service \
		--bus-name org.freedesktop.NetworkManager.wireguard-killswitch.bench --persist
	idle=$(lab_pid bench-svc-idle)
	ovpn=
	if [ -x "$OPENVPN_SERVICE" ]; then
		lab__spawn_client bench-openvpn "$OPENVPN_SERVICE" --bus-name org.freedesktop.NetworkManager.openvpn --persist
		ovpn=$(lab_pid bench-openvpn)
	else
		log "footprint: $OPENVPN_SERVICE missing (apt-get install network-manager-openvpn)"
	fi
	sleep 2   # past start-up
	declare -A procs=([plugin]=$pid [plugin-idle]=$idle [openvpn]=$ovpn)
	for sys in "${!procs[@]}"; do [ -n "${procs[$sys]}" ] && c0[$sys]=$(ctxsw "${procs[$sys]}"); done
	t0=$EPOCHREALTIME
	sleep "$FOOT_T"
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {print b - a}')
	wg=$(bench_client_pids "^(/usr/bin/)?wireguard-go( -f)? $(bench_ifname plugin)( |\$)" | head -1)
	for sys in plugin plugin-idle openvpn; do
		p=${procs[$sys]}
		[ -n "$p" ] && [ -d "/proc/$p" ] || { log "footprint: $sys is not running"; continue; }
		{
			echo "$1,$sys,rss_kib,$(status_kib "$p" VmRSS)"
			echo "$1,$sys,peak_rss_kib,$(status_kib "$p" VmHWM)"
			echo "$1,$sys,rss_anon_kib,$(status_kib "$p" RssAnon)"
			echo "$1,$sys,rss_file_kib,$(status_kib "$p" RssFile)"
			echo "$1,$sys,pss_kib,$(rollup_kib "$p" '^Pss:')"
			echo "$1,$sys,private_dirty_kib,$(rollup_kib "$p" '^Private_Dirty:')"
			echo "$1,$sys,private_kib,$(rollup_kib "$p" '^Private_(Clean|Dirty):')"
			echo "$1,$sys,threads,$(status_kib "$p" Threads)"
			echo "$1,$sys,wakeups_per_min,$(awk -v c="$(ctxsw_delta "${c0[$sys]}" "$(ctxsw "$p")")" -v s="$secs" 'BEGIN {printf "%.3f", c * 60 / s}')"
			echo "$1,$sys,idle_seconds,$secs"
		} >>"$out/footprint.csv"
	done
	[ -n "$wg" ] && echo "$1,plugin,wireguard_go_rss_kib,$(status_kib "$wg" VmRSS)" >>"$out/footprint.csv"
	# where the resident memory is (largest mappings), for the analysis
	for sys in plugin openvpn; do
		p=${procs[$sys]}
		[ -n "$p" ] || continue
		echo "== $sys (PID $p)"
		awk '/^[0-9a-f]+-/ {name = $6} /^Rss:/ {r[name] += $2} /^Private_Dirty:/ {d[name] += $2}
			END {for (n in r) if (r[n] >= 256 || d[n] >= 128) printf "%d kB rss %d kB private dirty %s\n", r[n], d[n], (n == "" ? "[anon]" : n)}' \
			"/proc/$p/smaps" 2>/dev/null | sort -rn
	done >"$out/service-rss-by-mapping.txt"
	if [ "${BENCH_SMAPS:-0}" = 1 ]; then
		for sys in plugin plugin-idle openvpn; do
			p=${procs[$sys]}
			[ -n "$p" ] && cp "/proc/$p/smaps" "$out/smaps-$sys.txt" 2>/dev/null
		done
	fi
	for sys in bench-openvpn bench-svc-idle; do
		p=$(lab_pid "$sys")
		[ -n "$p" ] && lab__stop_pid "$p" "$(awk -v p="$p" '$2 == p {s = $3} END {print s}' "$LAB_DIR/pids.list")"
	done
}
datapath_once() { # SYSTEM REP
	local sys=$1 rep=$2 bps lat ping
	bench_up "$sys" || { echo "$sys,$rep,NA,NA,NA,NA" >>"$out/datapath.csv"; bench_down "$sys"; return; }
	[ "$sys" = plugin ] && [ "$rep" = 1 ] && footprint "$rep"
	[ "$mode" = footprint ] && { bench_down "$sys"; return; }
	bench_pin_ends
	# unrecorded: the tunnel's first seconds (wireguard-go's buffers, the
	# neighbour entries) belong to no system's steady state
	bench_throughput 1 "$sys-$rep-warm-up" >/dev/null
	bps=$(bench_throughput "$IPERF_T" "$sys-$rep")
	lat=$(bench_latency "$LAT_N")
	echo "$sys,$rep,${bps:-NA},$lat" >>"$out/datapath.csv"
	bench_down "$sys"
}
log "data path + footprint: $DP_REPS x ($DP_SYSTEMS), iperf3 ${IPERF_T}s"
for rep in $(seq 1 "$DP_REPS"); do
	for sys in $(bench_in_order "$rep" $DP_SYSTEMS); do datapath_once "$sys" "$rep"; done
done

# ------------------------------------------------------------------ kernel WireGuard (VM lab)
# Its own boot of the real-system VM lab (bench/vm-kernel.sh, about 5 min
# under TCG), after the namespace lab is gone so that nothing else runs.
# Never in --quick: CI's quick mode stays cheap and boots no VM.
if [ "$quick" = 1 ]; then
	log "kernel WireGuard (VM lab): not in --quick (it boots a VM); kernel.csv n/a"
elif [ "$whole" = 0 ]; then
	:
elif [ "${BENCH_VM:-1}" = 0 ]; then
	log "kernel WireGuard (VM lab): BENCH_VM=0, kernel.csv left as it is"
else
	lab_down
	rm -f "$out/kernel.csv" "$out/kernel-machine.txt" "$out/kernel.csv.incomplete"
	log "kernel WireGuard: bench/vm-kernel.sh (boots the VM lab under TCG)"
	WGKS_TOP_BUILDDIR=$builddir "$bench_dir/vm-kernel.sh" "$out" >"$out/kernel-tap.txt" 2>&1
	case $? in
	0) log "kernel WireGuard: $(($(wc -l <"$out/kernel.csv") - 1)) runs" ;;
	77) log "kernel WireGuard: the VM lab cannot run here ($(tail -1 "$out/kernel-tap.txt")); kernel.csv n/a" ;;
	*) log "kernel WireGuard: bench/vm-kernel.sh failed (see $out/kernel-tap.txt); kernel.csv n/a" ;;
	esac
fi

# ------------------------------------------------------------------ report
cp "$BENCH_TMP/wg-quick.log" "$out/wg-quick.log" 2>/dev/null
echo "loadavg_at_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
log "writing the report to $out"
"$PY" "$bench_dir/lib/report.py" "$out" || die "report failed"
log "done: $out/report.md"
