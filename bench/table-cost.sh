#!/bin/bash
# The kill-switch table's own cost on the data path, inside one connection:
# the plugin connected in the lab, then rounds of iperf3 throughput and HTTP
# request latency without and with a second copy of its table (same rules,
# policy accept, no reject), added and deleted between the two halves of a
# round. The copy doubles the work the table gives every packet and nothing
# else changes (same tunnel, same service, same NetworkManager), so the
# per-round ratios show what the table costs. The two ends of the tunnel run
# on their own CPUs (bench_pin_ends), as in bench/run.sh. For the analysis
# (bench/results/analysis.md), not a timed test.
#
#   sudo bench/table-cost.sh [ROUNDS]     (default 6; ~40 s per round)
#
# Prints CSV: round,copy,throughput_mbps,latency_median_ms,latency_p90_ms
# and then the median of the per-round ratios.
# Env: WGKS_BUILDDIR (a build configured --prefix=/usr, default ./_build)
set -uo pipefail
bench_dir=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-6}
BENCH_TOOL=table-cost
# shellcheck source=lib/tool-start.sh
. "$bench_dir/lib/tool-start.sh"
bench_up plugin || { echo "table-cost: the plugin did not connect" >&2; exit 1; }
sleep 6   # past the burst: the service's helper has ended
bench_pin_ends

# The copy: the plugin's table as the kernel lists it, renamed, accepting
# what it would have rejected (so that it changes no verdict).
lab_client nft list table inet wireguard_killswitch |
	sed 's/^table inet wireguard_killswitch/table inet wgks_table_cost/; s/policy drop/policy accept/' |
	grep -v 'reject with\|counter name\|drop$' >"$BENCH_TMP/copy.nft"

measure() { # ROUND COPY
	local t l
	bench_throughput 1 "warm-$1-$2" >/dev/null
	t=$(bench_throughput 8 "tc-$1-$2")
	l=$(bench_latency 300)
	echo "$1,$2,${t:-NA},$l"
}

echo "round,copy,throughput_mbps,latency_median_ms,latency_p90_ms" | tee "$BENCH_TMP/out.csv"
for r in $(seq 1 "$rounds"); do
	# which half comes first alternates
	for copy in $( [ $((r % 2)) = 1 ] && echo "no yes" || echo "yes no"); do
		[ "$copy" = yes ] && { lab_client nft -f "$BENCH_TMP/copy.nft" || exit 1; }
		measure "$r" "$copy" | tee -a "$BENCH_TMP/out.csv"
		[ "$copy" = yes ] && lab_client nft delete table inet wgks_table_cost
	done
done
"$BENCH_PY" - "$BENCH_TMP/out.csv" <<-'PY'
	import csv, statistics, sys
	rows = list(csv.DictReader(open(sys.argv[1])))
	by = {}
	for r in rows:
	    by.setdefault(r["round"], {})[r["copy"]] = r
	def ratio(col, num, den):
	    v = []
	    for r in by.values():
	        try:
	            v.append(float(r[num][col]) / float(r[den][col]))
	        except (KeyError, ValueError, ZeroDivisionError):
	            pass
	    return statistics.median(v) if v else float("nan")
	print("median per-round ratio, throughput with copy / without: %.3f" % ratio("throughput_mbps", "yes", "no"))
	print("median per-round ratio, latency without / with copy: %.3f" % ratio("latency_median_ms", "no", "yes"))
PY
