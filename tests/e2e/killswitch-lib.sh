# shellcheck shell=bash
# Helpers for the kill-switch end-to-end tests (test-killswitch*.sh): a
# steady leak probe in the client, leak counters printed as TAP comments,
# "curl fails fast", the kill-switch table as the client sees it.
#
# A scenario:   ks_begin "NAME"; <break something>; ks_blocked_checks "NAME"; ks_end "NAME"
# ks_begin zeroes both ISPs' leak meters and starts the probe; ks_end stops
# it by PID, prints the counters and asserts that nothing but WireGuard to
# the endpoint (and DHCP / neighbour discovery) left the client.

# shellcheck source=e2e-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/e2e-lib.sh"

KS_TABLE=wireguard_killswitch
KS_PROBE_PID=
KS_PROBE_START=
KS_PROBE_OUT=
KS_PROBE_N=0
# towards the internet and the ISP resolvers, v4 and v6
KS_PROBE_TARGETS=${KS_PROBE_TARGETS:-"$LAB_WEB4 $LAB_ISPA_GW4 $LAB_ISPB_GW4 $LAB_WEB6 $LAB_ISPA_GW6"}
KS_PROBE_RATE=${KS_PROBE_RATE:-1000}
KS_PROBE_MAX_S=${KS_PROBE_MAX_S:-60}
# "fails fast": well under curl's --max-time 5
KS_FAST_MS=${KS_FAST_MS:-1500}

# Lockdown state lives here, not in the host's /var/lib (NetworkManager
# passes its environment on to the VPN service).
ks_setup_env() {
	KS_STATE_DIR=$(mktemp -d /tmp/wgks-ks-state.XXXXXX)
	export WGKS_STATE_DIR=$KS_STATE_DIR
	export WGKS_HANDSHAKE_TIMEOUT=${WGKS_HANDSHAKE_TIMEOUT:-8}
}

ks_cleanup() {
	local status=$?
	ks_probe_stop >/dev/null 2>&1
	[ -n "${KS_STATE_DIR:-}" ] && rm -rf "$KS_STATE_DIR"
	e2e_cleanup
	return $status
}

ks_lab_up() {
	ks_setup_env
	e2e_lab_up || return 1
	trap ks_cleanup EXIT
}

ks_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# ---------------------------------------------------------------- the probe

# ks_probe_start [DURATION_S]: the probe runs in the client, in the
# background; nsenter execs python, so $! is the probe's own PID.
ks_probe_start() {
	local d=${1:-$KS_PROBE_MAX_S} t
	local -a args=()
	ks_probe_stop >/dev/null 2>&1
	KS_PROBE_N=$((KS_PROBE_N + 1))
	KS_PROBE_OUT=$LAB_DIR/probe-$KS_PROBE_N.json
	for t in $KS_PROBE_TARGETS; do args+=(--target "$t"); done
	nsenter -t "$LAB_CLIENT_PID" -m -n -u --wd=/ -- "$LAB_PYTHON" "$LAB_SRCDIR/probe.py" \
		--duration "$d" --rate "$KS_PROBE_RATE" --out "$KS_PROBE_OUT" "${args[@]}" \
		</dev/null >>"$LAB_DIR/log/probe.log" 2>&1 &
	KS_PROBE_PID=$!
	KS_PROBE_START=$(lab__starttime "$KS_PROBE_PID")
}

# ks_probe_stop: TERM to the probe's PID (if it is still the probe), wait,
# then print its summary as TAP comments.
ks_probe_stop() {
	[ -n "$KS_PROBE_PID" ] || return 0
	if lab__pid_alive "$KS_PROBE_PID" "$KS_PROBE_START"; then
		kill -TERM "$KS_PROBE_PID" 2>/dev/null
	fi
	wait "$KS_PROBE_PID" 2>/dev/null
	KS_PROBE_PID=
	[ -f "$KS_PROBE_OUT" ] || { e2e__log "probe: no output"; return 1; }
	"$LAB_PYTHON" - "$KS_PROBE_OUT" <<-'EOF'
		import json, sys
		d = json.load(open(sys.argv[1]))
		print("# probe: %d packets in %.1f s (%.0f/s)" % (d["sent"], d["elapsed"], d["rate"]))
		for k, v in sorted(d["kinds"].items()):
		    errs = " ".join("%s=%d" % e for e in sorted(v["errors"].items()))
		    print("#   %-26s sent=%-5d replies=%-5d %s" % (k, v["sent"], v["replies"], errs))
	EOF
}

# ks_probe_replies KIND_TARGET: replies the last probe got (e.g. "tcp 203.0.113.80")
ks_probe_replies() {
	"$LAB_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["kinds"].get(sys.argv[2], {}).get("replies", 0))' \
		"$KS_PROBE_OUT" "$1"
}

ks_probe_sent() {
	"$LAB_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$KS_PROBE_OUT"
}

# ---------------------------------------------------------------- leak meters

ks_leaks_log() { # LABEL
	e2e__log "leak counters ($1): ispa $(lab_leaks ispa | tr '\n' ' ')| ispb $(lab_leaks ispb | tr '\n' ' ')"
}

ks_leak_reset() {
	lab_leak_reset ispa
	lab_leak_reset ispb
}

# ks_no_leaks LABEL: zero packets other than WireGuard/DHCP/ND at both ISPs
ks_no_leaks() {
	ks_leaks_log "$1"
	is "$1: nothing but WireGuard to the endpoint left via ISP A" "$(lab_leak_count ispa leaks)" 0
	is "$1: nothing but WireGuard to the endpoint left via ISP B" "$(lab_leak_count ispb leaks)" 0
}

# ks_begin LABEL [PROBE_DURATION_S]
ks_begin() {
	e2e__log "--- $1"
	KS_DNS_MARK_ISPA=$(wc -l <"$(lab_dns_log ispa)")
	KS_DNS_MARK_ISPB=$(wc -l <"$(lab_dns_log ispb)")
	ks_leak_reset
	ks_probe_start "${2:-$KS_PROBE_MAX_S}"
	sleep 0.3
}

# ks_end LABEL: stop the probe, print and check the counters
ks_end() {
	ks__probe_end "$1"
	ks_no_leaks "$1"
}
ks__probe_end() {
	ks_probe_stop
	ok "$1: the probe sent at least 500 packets/s" test "$(ks_probe_sent)" -ge "$(ks_probe_min)"
}
ks_probe_min() { # half the nominal rate over the probe's elapsed time
	"$LAB_PYTHON" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["elapsed"] * float(sys.argv[2]) / 2))' \
		"$KS_PROBE_OUT" "$KS_PROBE_RATE"
}

# ---------------------------------------------------------------- packet meters

# ks_meter_up NS RULE...: a counter per rule, named after the rule's first
# word, in NS's prerouting (before anything else there can drop); the lab's
# teardown deletes it with the namespace.
ks_meter_up() {
	local ns=$1 r name counters="" rules=""
	shift
	for r in "$@"; do
		name=${r%% *}
		counters+="counter $name {}"$'\n'
		rules+="${r#* } counter name $name"$'\n'
	done
	lab_ns "$ns" nft -f - <<-EOF
		table inet wgks_test_meter {
			$counters
			chain pre {
				type filter hook prerouting priority -310; policy accept;
				$rules
			}
		}
	EOF
}
ks_meter() { # NS NAME -> packets
	lab_ns "$1" nft list counter inet wgks_test_meter "$2" | awk '$1 == "packets" {print $2}'
}
ks_meter_reset() { lab_ns "$1" nft reset counters table inet wgks_test_meter >/dev/null; }
# ks_meter_wait NS NAME: until NAME has counted a packet (up to 10 s; a
# packet through wireguard-go can take its time on a loaded machine)
ks_meter__seen() { [ "$(ks_meter "$1" "$2")" -gt 0 ] 2>/dev/null; }
ks_meter_wait() { lab_wait_for 10 ks_meter__seen "$1" "$2"; }

# ks_unreachable on|off: the internet drops WireGuard to the endpoint
ks_unreachable() {
	if [ "$1" = on ]; then
		lab_ns inet nft -f - <<-EOF
			table inet wgks_test_unreach {
				chain pre { type filter hook prerouting priority -300; policy accept; udp dport $LAB_WG_PORT drop; }
			}
		EOF
	else
		lab_ns inet nft delete table inet wgks_test_unreach
	fi
}

# ks_end_hostname LABEL NAME: ks_end for a profile whose endpoint is the
# host name NAME. The service resolves it itself through the uplink's
# resolvers (at connect, after roaming or an outage), so the DNS counters
# may hold those lookups and nothing else: every query the ISP resolvers
# logged since ks_begin asked for NAME, and the ISPs counted no more DNS
# packets than that (summed over both: right after a roam a lookup to the
# old ISP's resolver leaves through the new one).
ks_end_hostname() {
	local isp mark queries n=0 dns=0 name=" ${2//./\\.}\$"
	ks__probe_end "$1"
	ks_leaks_log "$1"
	for isp in ispa ispb; do
		mark=KS_DNS_MARK_${isp^^}
		queries=$(tail -n +"$((${!mark} + 1))" "$(lab_dns_log "$isp")" | grep -o 'query\[[A-Za-z0-9]*\] [^ ]*')
		n=$((n + $(grep -c "$name" <<<"$queries")))
		dns=$((dns + $(lab_leak_count "$isp" dns)))
		is "$1: nothing but WireGuard, DHCP, ND and DNS left via $isp" \
			"$(($(lab_leak_count "$isp" other) + $(lab_leak_count "$isp" ipv6_other)))" 0
		is "$1: $isp's resolver was asked for $2 only" \
			"$(grep -v -e "$name" -e '^$' <<<"$queries" | sort -u | tr '\n' ' ')" ""
	done
	ok "$1: DNS packets at the ISPs ($dns): at most the service's $n lookups of $2" test "$dns" -le "$n"
}

# ---------------------------------------------------------------- checks

# ks_curl_fast URL: curl --max-time 5 must fail, in under KS_FAST_MS ms
ks_curl_fails_fast() {
	local url=${1:-http://$LAB_WEB4/} t0 ms rc out
	t0=$(ks_ms)
	out=$(lab_client curl -s --max-time 5 "$url" 2>&1)
	rc=$?
	ms=$(($(ks_ms) - t0))
	e2e__log "curl --max-time 5 $url: exit $rc after $ms ms${out:+ ($out)}"
	[ "$rc" != 0 ] && [ "$ms" -lt "$KS_FAST_MS" ]
}

ks_table_state() { # -> connecting|connected|blocked|absent
	local l
	l=$(lab_client nft list table inet "$KS_TABLE" 2>/dev/null) || { echo absent; return 0; }
	sed -n 's/.*wireguard-killswitch state=\([a-z]*\).*/\1/p' <<<"$l" | head -1
}

ks_wait_table() { # STATE [TIMEOUT]
	lab_wait_for "${2:-10}" ks__table_is "$1"
}
ks__table_is() { [ "$(ks_table_state)" = "$1" ]; }

# ks_blocked_checks LABEL [STATE]: the table is there in STATE (default
# blocked; within 10 s) and curl fails fast
ks_blocked_checks() {
	local want=${2:-blocked}
	ks_wait_table "$want" 10
	is "$1: the kill-switch table is in state $want" "$(ks_table_state)" "$want"
	ok "$1: curl --max-time 5 fails fast" ks_curl_fails_fast "http://$LAB_WEB4/"
}

# PID -> PIDs whose parent is PID (ps reads /proc once), without the
# service's libnftables helper (comm wgks-nft, alive during a burst of
# table writes)
ks_child_pids() {
	ps -o pid=,comm= --ppid "$1" | awk '$2 != "wgks-nft" {print $1}'
}

# ks_nft_released: the service has no libnftables helper (comm wgks-nft)
# and libnftables is not mapped: what an idle service keeps (5 s after the
# last table write)
ks_nft_released() {
	local pid
	pid=$(ks_service_pid) || return 1
	[ -z "$(ps -o comm= --ppid "$pid" | grep -x wgks-nft)" ] && ! grep -q libnftables "/proc/$pid/maps"
}

# ks_service_pid: the VPN service. NetworkManager's spawn leaves it
# reparented (its parent PID is not NetworkManager's), so ask the client's
# bus which process owns the service's D-Bus name.
ks_service_pid() {
	local name pid
	name=$(lab_client dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.ListNames 2>/dev/null |
		grep -o 'org\.freedesktop\.NetworkManager\.wireguard-killswitch[A-Za-z0-9_.]*' | head -1)
	[ -n "$name" ] || return 1
	pid=$(lab_client dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.GetConnectionUnixProcessID "string:$name" 2>/dev/null | awk '/uint32/ {print $2}')
	[ -n "$pid" ] && echo "$pid"
}

# ks_wggo_pid: wireguard-go, a child of the service
ks_wggo_pid() {
	local svc p
	svc=$(ks_service_pid) || return 1
	for p in $(ks_child_pids "$svc"); do
		case "$(readlink "/proc/$p/exe" 2>/dev/null)" in
		*wireguard-go*) echo "$p"; return 0 ;;
		esac
	done
	return 1
}

ks_tun_ifname() {
	lab_client ip -o link show | awk -F': ' '/: wgks/ {sub(/@.*/, "", $2); print $2; exit}'
}

# ks_up NAME: connect and check we are connected through the tunnel
ks_up() {
	local t0=$(ks_ms) rc
	e2e_up "$1" >/dev/null 2>&1
	rc=$?
	e2e__log "nmcli connection up $1: exit $rc after $(($(ks_ms) - t0)) ms"
	return $rc
}

ks_via_tunnel() { [ "$(e2e_curl "http://$LAB_WEB4/")" = "$LAB_TUN_CLIENT4" ]; }
ks_via_isp() { [ "$(e2e_curl "http://$LAB_WEB4/")" = "$1" ]; }

# ks_reset [NAME]: back to "no VPN, no table, traffic flows" between scenarios
ks_reset() {
	local n
	for n in "$@"; do
		[ -n "$(e2e_vpn_state "$n")" ] && e2e_down "$n" 2>/dev/null
	done
	lab_client wg-killswitch release --yes >/dev/null 2>&1
	lab_wait_for 10 ks__table_is absent
}

ks_wgks() { # wg-killswitch in the client, with the test's state dir
	lab_client env WGKS_STATE_DIR="$WGKS_STATE_DIR" wg-killswitch "$@"
}

not() { ! "$@"; }

ks_vpn_gone() { [ -z "$(e2e_vpn_state "$1")" ]; }

# ks_dig_answers ARGS...: dig in the client got an answer (any status line)
ks_dig_answers() { lab_client dig +time=3 +tries=1 "$@" 2>&1 | grep -q 'status: '; }

# ks_verify: wg-killswitch verify against the lab's web server and ISP resolver
ks_verify() {
	ks_wgks verify --target "$LAB_WEB4:80" --dns "$LAB_ISPA_GW4:53" >"$LAB_DIR/verify.out" 2>&1
}
ks_verify_all_pass() { not grep -q '^FAIL' "$LAB_DIR/verify.out" && grep -q '^PASS' "$LAB_DIR/verify.out"; }

