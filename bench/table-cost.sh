#!/bin/bash
# The kill-switch table's own cost on the data path, inside one connection:
# rounds of iperf3 throughput and HTTP request latency without and with a
# table added (and deleted again) between the two halves of a round.
# Nothing else changes (same tunnel, same service, same NetworkManager), so
# the per-round ratios show what the table costs, free of the spread between
# connections. The two ends of the tunnel run on their own CPUs
# (bench_pin_ends), as in bench/run.sh. For the analysis
# (bench/results/analysis.md), not a timed test.
#
#   sudo bench/table-cost.sh [--alone] [ROUNDS]     (default 6; ~40 s per round)
#
# Default: the plugin connected, and a second copy of its table (same rules,
# policy accept, no reject): the work the table gives every packet, doubled.
# --alone: the plugin's own table, as the service wrote it, added to a
# connection of the same profile with kill-switch=off: the whole table
# against no table, the hooks it brings included. With TABLE_COST_FILE, that
# file's table instead (the word TUNIF where the tunnel's name goes), e.g.
# lib/table-empty-hooks.nft (the two base chains, no rule) or
# lib/table-first-rules.nft (only the rules a tunnel packet meets).
#
# Prints CSV: round,table,throughput_mbps,latency_median_ms,latency_p90_ms
# (table: no / added) and then the median of the per-round ratios.
# Env: WGKS_BUILDDIR (a build configured --prefix=/usr, default ./_build)
set -uo pipefail
bench_dir=$(cd "$(dirname "$0")" && pwd)
alone=0
[ "${1:-}" = --alone ] && { alone=1; shift; }
rounds=${1:-6}
BENCH_TOOL=table-cost
# shellcheck source=lib/tool-start.sh
. "$bench_dir/lib/tool-start.sh"
bench_up plugin || { echo "table-cost: the plugin did not connect" >&2; exit 1; }
sleep 6   # past the burst: the service's helper has ended
if [ "$alone" = 1 ]; then
	# The plugin's table as the kernel lists it, renamed, the tunnel's name
	# changed to the other connection's; every verdict kept.
	pif=$(bench_ifname plugin)
	lab_client nft list table inet wireguard_killswitch >"$BENCH_TMP/plugin.nft"
	bench_down plugin
	bench_up nokill || { echo "table-cost: the profile without kill switch did not connect" >&2; exit 1; }
	sleep 6
	nif=$(bench_ifname nokill)
	if [ -n "${TABLE_COST_FILE:-}" ]; then
		sed "s/TUNIF/$nif/g" "$TABLE_COST_FILE" >"$BENCH_TMP/copy.nft"
	else
		sed "s/^table inet wireguard_killswitch/table inet wgks_table_cost/; s/\"$pif\"/\"$nif\"/g" \
			"$BENCH_TMP/plugin.nft" >"$BENCH_TMP/copy.nft"
	fi
	grep -q "\"$nif\"" "$BENCH_TMP/copy.nft" || { echo "table-cost: the listed table names no tunnel interface" >&2; exit 1; }
else
	# The copy: the plugin's table as the kernel lists it, renamed, accepting
	# what it would have rejected (so that it changes no verdict).
	lab_client nft list table inet wireguard_killswitch |
		sed 's/^table inet wireguard_killswitch/table inet wgks_table_cost/; s/policy drop/policy accept/' |
		grep -v 'reject with\|counter name\|drop$' >"$BENCH_TMP/copy.nft"
fi
bench_pin_ends

measure() { # ROUND TABLE
	local t l
	bench_throughput 1 "warm-$1-$2" >/dev/null
	t=$(bench_throughput 8 "tc-$1-$2")
	l=$(bench_latency 300)
	echo "$1,$2,${t:-NA},$l"
}

echo "round,table,throughput_mbps,latency_median_ms,latency_p90_ms" | tee "$BENCH_TMP/out.csv"
for r in $(seq 1 "$rounds"); do
	# which half comes first alternates
	for t in $( [ $((r % 2)) = 1 ] && echo "no added" || echo "added no"); do
		[ "$t" = added ] && { lab_client nft -f "$BENCH_TMP/copy.nft" || exit 1; }
		measure "$r" "$t" | tee -a "$BENCH_TMP/out.csv"
		[ "$t" = added ] && lab_client nft delete table inet wgks_table_cost
	done
done
"$BENCH_PY" - "$BENCH_TMP/out.csv" <<-'PY'
	import csv, statistics, sys
	rows = list(csv.DictReader(open(sys.argv[1])))
	by = {}
	for r in rows:
	    by.setdefault(r["round"], {})[r["table"]] = r
	def ratio(col, num, den):
	    v = []
	    for r in by.values():
	        try:
	            v.append(float(r[num][col]) / float(r[den][col]))
	        except (KeyError, ValueError, ZeroDivisionError):
	            pass
	    return statistics.median(v) if v else float("nan")
	print("median per-round ratio, throughput with the table / without: %.3f" % ratio("throughput_mbps", "added", "no"))
	print("median per-round ratio, latency without / with the table: %.3f" % ratio("latency_median_ms", "no", "added"))
PY
