#!/bin/bash
# Where the data path's CPU goes with the kill switch on and off: iperf3
# through the tunnel in the lab while `perf record -a` samples every CPU,
# then the share of samples in nftables' rule evaluation (nft_* symbols),
# in connection tracking (nf_conntrack_*, nf_ct_*), wireguard-go, iperf3
# and idle.
# A profile for the benchmark's analysis (bench/results/analysis.md), not a
# timed test.
#
#   sudo bench/profile-datapath.sh [SECONDS]     (default 8 s per system)
#
# Env: WGKS_BUILDDIR (a build configured --prefix=/usr, default ./_build),
#      PROFILE_SYSTEMS (order, default "plugin nokill")
set -uo pipefail
bench_dir=$(cd "$(dirname "$0")" && pwd)
secs=${1:-8}
command -v perf >/dev/null || { echo "profile-datapath: perf is missing (apt-get install linux-perf)" >&2; exit 2; }
BENCH_TOOL=profile-datapath
# shellcheck source=lib/tool-start.sh
. "$bench_dir/lib/tool-start.sh"

# share REGEX REPORT: percent of all samples (self) whose key (symbol or
# command, the last column of "perf report --sort X") matches REGEX
share() { awk -v re="$1" '$1 ~ /%$/ {k = $NF} $1 ~ /%$/ && k ~ re {sub(/%/, "", $1); s += $1} END {printf "%.1f", s}' "$2"; }

printf '%-8s %8s %10s %11s %14s %8s %8s\n' system Mbit/s "nftables%" "conntrack%" "wireguard-go%" "iperf3%" "idle%"
for sys in ${PROFILE_SYSTEMS:-plugin nokill}; do
	bench_up "$sys" || { echo "$sys: up failed" >&2; continue; }
	lab__spawn "iperf3-prof-$sys" ip netns exec "$LAB_NS_INET" iperf3 -s -1 -B "$LAB_TUN_SERVER4"
	lab_wait_for 10 lab__listening inet -ltn 5201
	lab_client timeout $((secs + 15)) iperf3 -c "$LAB_TUN_SERVER4" -t "$((secs + 2))" -J >"$BENCH_TMP/iperf-$sys.json" 2>/dev/null &
	iperf_pid=$!
	sleep 1
	perf record -a -e cpu-clock -F 999 -o "$BENCH_TMP/perf-$sys.data" -- sleep "$secs" >/dev/null 2>&1
	wait "$iperf_pid"
	perf report -i "$BENCH_TMP/perf-$sys.data" --stdio --no-children --sort symbol 2>/dev/null |
		grep -E '^ +[0-9.]+%' | sed 's/ *- *- *$//' >"$BENCH_TMP/report-$sys.txt"
	perf report -i "$BENCH_TMP/perf-$sys.data" --stdio --no-children --sort comm 2>/dev/null |
		grep -E '^ +[0-9.]+%' >"$BENCH_TMP/comm-$sys.txt"
	mbps=$("$LAB_PYTHON" -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' \
		<"$BENCH_TMP/iperf-$sys.json" 2>/dev/null)
	printf '%-8s %8s %10s %11s %14s %8s %8s\n' "$sys" "${mbps:-NA}" \
		"$(share '^(nft_|__nft|nf_tables)' "$BENCH_TMP/report-$sys.txt")" \
		"$(share '^(nf_conntrack|__nf_conntrack|nf_ct_|__nf_ct|ipv4_conntrack|ipv6_conntrack|hash_conntrack|nf_nat)' "$BENCH_TMP/report-$sys.txt")" \
		"$(share '^wireguard-go$' "$BENCH_TMP/comm-$sys.txt")" \
		"$(share '^iperf3$' "$BENCH_TMP/comm-$sys.txt")" \
		"$(share '^swapper$' "$BENCH_TMP/comm-$sys.txt")"
	echo "# $sys: top symbols" >&2
	head -12 "$BENCH_TMP/report-$sys.txt" | sed 's/^/#   /' >&2
	bench_down "$sys"
done
