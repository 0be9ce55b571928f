#!/bin/bash
# Where the time of a roaming recovery goes: the benchmark's roaming trial
# (ISP A unplugged, NetworkManager drops eth0, t=0 at plugging ISP B, first
# HTTP response through the tunnel), with a timeline per trial from a packet
# watcher on the client's eth1 (lib/pktwatch.py: DHCP, ARP, WireGuard
# message types), route/address notifications (ip monitor) and
# NetworkManager's log. A diagnosis tool for bench/results/analysis.md, not
# a timed test.
#
#   sudo bench/trace-roaming.sh [REPS] [SYSTEMS]   (default 6, "plugin nokill")
#
# Env: WGKS_BUILDDIR (a build configured --prefix=/usr, default ./_build),
#      TRACE_OUT=DIR keeps each trial's raw packet, monitor and NetworkManager logs
set -uo pipefail
bench_dir=$(cd "$(dirname "$0")" && pwd)
reps=${1:-6}
systems=${2:-plugin nokill}
PY=/usr/bin/python3
BENCH_TOOL=trace-roaming
# shellcheck source=lib/tool-start.sh
. "$bench_dir/lib/tool-start.sh"

# first EPOCH line of FILE matching ERE, as ms after T0 (NA if none)
first_ms() { awk -v re="$2" -v t0="$3" '$0 ~ re {printf "%.1f", ($1 - t0) * 1000; found = 1; exit} END {if (!found) printf "NA"}' "$1"; }

printf '%-7s %3s %7s %7s %7s %7s %7s %7s %7s %7s %8s %7s %7s\n' system rep dhcp_ack defrt4 rs ra defrt6 \
	wg_out wg_in http after_dh wg_1st inits
for rep in $(seq 1 "$reps"); do
	for sys in $systems; do
		bench_up "$sys" || { echo "$sys: up failed" >&2; bench_down "$sys"; continue; }
		sleep 1
		lab_uplink_down ispa
		lab_nm_wait_down eth0 20 >/dev/null 2>&1
		d=$BENCH_TMP/$sys-$rep
		mkdir -p "$d"
		lab_client "$PY" "$bench_dir/lib/pktwatch.py" eth1 6 "$LAB_WG_PORT" >"$d/pkt" &
		pw=$!
		lab_client timeout 7 stdbuf -oL ip monitor route address | "$PY" -u -c 'import sys, time
for line in sys.stdin: print("%.6f %s" % (time.time(), line), end="", flush=True)' >"$d/mon" &
		mon=$!
		lab_wait_for 5 grep -q ready "$d/pkt"
		nm_lines=$(wc -l <"$LAB_DIR/log/client-nm.log")
		sleep 0.3
		t0=$(bench_now)
		lab_client "$PY" "$bench_dir/lib/httpwait.py" "$t0" "$LAB_WEB4" "$LAB_TUN_CLIENT4" 20 --iface eth1 --interval 0.005 >"$d/hw" &
		hw=$!
		lab_uplink_up ispb
		wait "$hw"
		wait "$pw" "$mon" 2>/dev/null
		tail -n +"$((nm_lines + 1))" "$LAB_DIR/log/client-nm.log" >"$d/nm"
		http=$(sed -n 's/.*http_ms=\([0-9.]*\).*/\1/p' "$d/hw")
		dh=$(first_ms "$d/pkt" ' in dhcp .* type 5$' "$t0")
		printf '%-7s %3s %7s %7s %7s %7s %7s %7s %7s %7s %8s %7s %7s\n' "$sys" "$rep" "$dh" \
			"$(first_ms "$d/mon" 'default via [0-9.]* dev eth1' "$t0")" \
			"$(first_ms "$d/pkt" ' out icmp6-rs' "$t0")" \
			"$(first_ms "$d/pkt" ' in icmp6-ra' "$t0")" \
			"$(first_ms "$d/mon" 'default via fe80.* dev eth1' "$t0")" \
			"$(first_ms "$d/pkt" ' out wg-' "$t0")" \
			"$(first_ms "$d/pkt" ' in wg-' "$t0")" \
			"${http:-NA}" \
			"$(awk -v a="${http:-0}" -v b="$dh" 'BEGIN {if (b == "NA") print "NA"; else printf "%.1f", a - b}')" \
			"$(awk '/ out wg-/ {print $3; exit}' "$d/pkt")" \
			"$(grep -c ' out wg-init' "$d/pkt")"
		[ -n "${TRACE_OUT:-}" ] && mkdir -p "$TRACE_OUT" && cp -r "$d" "$TRACE_OUT/"
		bench_down "$sys"
	done
done
