# shellcheck shell=bash
# The compared systems and the failures, on the network lab (tests/lab).
# Sourced by bench/run.sh after lab.sh; everything runs in lab namespaces.
#
# Systems:
#   plugin  this plugin, kill-switch=on (NetworkManager + service + wireguard-go)
#   nokill  the same tunnel with kill-switch=off (what a kill-switch-less
#           NetworkManager WireGuard profile gives)
#   wgquick wg-quick (wireguard-tools) on wireguard-go with the seed's iptables
#           PostUp/PreDown kill switch, in the client's namespaces only

BENCH_WGQ_IF=wgq0

bench__log() { printf 'bench: %s\n' "$*" >&2; }
bench_now() { echo "$EPOCHREALTIME"; }   # seconds.micro (same clock as python's time.time())
bench_ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", (b - a) * 1000}'; }
BENCH_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_PY=/usr/bin/python3

# bench_in_order REP SYSTEMS...: the systems rotated by one place per
# repetition, and reversed in every second cycle of rotations (for three
# systems: A B C, B C A, C A B, C B A, A C B, B A C), so that over N or 2N
# repetitions each system runs in each place equally often. The first
# iperf3 of a round measured slower (bench/profile-datapath.sh with
# PROFILE_SYSTEMS in both orders); reversing alone (A B C, C B A) left the
# middle system never first, and the data path's on/off ratio 2-4 % low.
bench_in_order() {
	local rep=$1 n i start
	shift
	local -a sys=("$@")
	n=${#sys[@]}
	start=$(((rep - 1) % n))
	local -a out=()
	for ((i = 0; i < n; i++)); do out+=("${sys[(start + i) % n]}"); done
	if [ $(((rep - 1) / n % 2)) = 1 ]; then
		for ((i = n - 1; i >= 0; i--)); do printf '%s ' "${out[i]}"; done
	else
		printf '%s ' "${out[@]}"
	fi
	echo
}

# bench_connect_time UP-COMMAND...: runs the up command with the first-response
# timer (lib/httpwait.py: the web server's reply carrying the tunnel address)
# started just before it; prints "UP_MS HTTP_MS", the time until the command
# returned and until the first reply (NA: none within BENCH_CONNECT_TIMEOUT s).
# BENCH_HTTPWAIT_ARGS: more options for httpwait.py (--interval, --patience)
bench_connect_time() {
	local t0 hw up_ms res
	t0=$(bench_now)
	# shellcheck disable=SC2086
	lab_client "$BENCH_PY" "$BENCH_LIB/httpwait.py" "$t0" "$LAB_WEB4" "$LAB_TUN_CLIENT4" "${BENCH_CONNECT_TIMEOUT:-30}" \
		${BENCH_HTTPWAIT_ARGS:-} >"$BENCH_TMP/hw" &
	hw=$!
	"$@" || bench__log "$*: failed"
	up_ms=$(bench_ms_since "$t0")
	wait "$hw"
	res=$(sed -n 's/^http_ms=//p' "$BENCH_TMP/hw")
	echo "$up_ms ${res:-NA}"
}

# Data-path measurements run the tunnel's two ends on different CPUs: every
# process of the client's namespace (NetworkManager, the service, its
# wireguard-go or wg-quick's, iperf3 and latency.py) on BENCH_CPU_CLIENT, the
# tunnel server's (its wireguard-go, iperf3 server, web server) on
# BENCH_CPU_SERVER. The client's packets are handled in the kernel on the CPU
# that sends them, so the kill switch's whole cost lands on the client's
# CPU, the one measured. Left to the scheduler, four busy programs moved
# between two cores, and one system measured 622-820 Mbit/s within one
# connection (964-1,034 pinned; bench/README.md). BENCH_PIN=0: no pinning.
BENCH_CPU_CLIENT=0
BENCH_CPU_SERVER=1
bench__pinned() { [ "${BENCH_PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; }
# bench_cpu SIDE: the command words that run a program on SIDE's CPU (client
# or server), nothing when not pinning; used unquoted before the program
bench_cpu() {
	bench__pinned || return 0
	if [ "$1" = server ]; then echo "taskset -c $BENCH_CPU_SERVER"; else echo "taskset -c $BENCH_CPU_CLIENT"; fi
}
# bench_pin_ends: the processes running now in each end's namespace (all
# their threads) onto its CPU; children started later inherit it
bench_pin_ends() {
	local pid
	bench__pinned || return 0
	for pid in $(ip netns pids "$LAB_NS_CLIENT" 2>/dev/null); do
		taskset -a -p -c "$BENCH_CPU_CLIENT" "$pid" >/dev/null 2>&1
	done
	for pid in $(ip netns pids "$LAB_PREFIX-inet" 2>/dev/null); do
		taskset -a -p -c "$BENCH_CPU_SERVER" "$pid" >/dev/null 2>&1
	done
}

# bench_throughput SECONDS NAME: iperf3 TCP from the client to the tunnel
# server's address, Mbit/s received (nothing if it failed). A fresh one-test
# server each time: a client that hung (seen once with wg-quick) must not
# leave a busy server for every later run.
bench_throughput() {
	# shellcheck disable=SC2046
	lab__spawn "iperf3-$2" ip netns exec "$LAB_PREFIX-inet" $(bench_cpu server) iperf3 -s -1 -B "$LAB_TUN_SERVER4"
	lab_wait_for 10 lab__listening inet -ltn 5201 || bench__log "iperf3 server did not start"
	# shellcheck disable=SC2046
	lab_client $(bench_cpu client) timeout $(($1 + 15)) iperf3 -c "$LAB_TUN_SERVER4" -t "$1" --connect-timeout 3000 -J 2>/dev/null |
		"$BENCH_PY" -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' 2>/dev/null
	# A server whose test broke off waits for ever, on the port the next
	# run's server needs (-1 ends it only after a complete test).
	local pid
	pid=$(lab_pid "iperf3-$2") &&
		lab__stop_pid "$pid" "$(awk -v p="$pid" '$2 == p {s = $3} END {print s}' "$LAB_DIR/pids.list")" >/dev/null 2>&1
	return 0
}

# bench_latency N: HTTP request latency through the tunnel (lib/latency.py, N
# fresh connections to the tunnel-only web server): "MEDIAN,P90" in ms
bench_latency() {
	# shellcheck disable=SC2046
	lab_client $(bench_cpu client) timeout 60 "$BENCH_PY" "$BENCH_LIB/latency.py" "$LAB_TUN_WEB4" "$1" 2>/dev/null | sort -n |
		awk '{a[NR] = $1} END {p = int(NR * 0.9); if (p < 1) p = 1; if (NR) printf "%s,%s", a[int((NR + 1) / 2)], a[p]; else printf "NA,NA"}'
}

# bench_lab_start BUILDDIR DESTDIR: the build installed into DESTDIR (under
# the e2e tests' lock: one `make install` at a time in a build tree), the
# lab up with that plugin, the profiles imported. On failure, the log that
# says why goes to stderr. Logs in $BENCH_TMP.
bench_lab_start() {
	flock "$1/.e2e-install.lock" make -s -C "$1" install DESTDIR="$2" >"$BENCH_TMP/install.log" 2>&1 ||
		{ tail -30 "$BENCH_TMP/install.log" >&2; bench__log "make install DESTDIR failed"; return 1; }
	LAB_PLUGIN_DESTDIR=$2 LAB_NO_TRAP=1 lab_up >"$BENCH_TMP/lab.log" 2>&1 ||
		{ cat "$BENCH_TMP/lab.log" >&2; bench__log "lab_up failed"; return 1; }
	bench_write_configs || { bench__log "cannot write/import the profiles"; return 1; }
}

# The endpoint's name, as the lab's DNS knows it.
BENCH_ENDPOINT_HOST=vpn.lab.example

# bench_endpoint_lookups MARK_A MARK_B: how many queries for the endpoint's
# name the ISPs' resolvers logged after line MARK_A (ISP A) and MARK_B
# (ISP B): the lookups a client makes to reach its server after a roam
bench_endpoint_lookups() {
	local name=" ${BENCH_ENDPOINT_HOST//./\\.} from"
	{
		tail -n +"$(($1 + 1))" "$(lab_dns_log ispa)"
		tail -n +"$(($2 + 1))" "$(lab_dns_log ispb)"
	} 2>/dev/null | grep -Ec "query\[[A-Za-z0-9]+\]$name"
}

# Profiles: one wg-quick file for NetworkManager (imported twice), one with
# the seed's kill switch for wg-quick. Endpoint by name for both.
bench_write_configs() {
	local nm=$BENCH_TMP/bench.conf wq=$BENCH_TMP/$BENCH_WGQ_IF.conf
	local common
	common="PrivateKey = $(cat "$LAB_CLIENT_KEY")
Address = $LAB_TUN_CLIENT4/24, $LAB_TUN_CLIENT6/64
DNS = $LAB_TUN_DNS4"
	local peer="[Peer]
PublicKey = $(cat "$LAB_SERVER_PUB")
Endpoint = $BENCH_ENDPOINT_HOST:$LAB_WG_PORT
AllowedIPs = 0.0.0.0/0, ::/0
PersistentKeepalive = 25"
	printf '[Interface]\n%s\n\n%s\n' "$common" "$peer" >"$nm"
	# the seed's kill switch, verbatim (see /work/shared/seed-vpn-kill-switch.txt)
	cat >"$wq" <<-CONF
		[Interface]
		$common
		PostUp = iptables -I OUTPUT ! -o %i -m mark ! --mark \$(wg show %i fwmark) -m addrtype ! --dst-type LOCAL -j REJECT
		PostUp = ip6tables -I OUTPUT ! -o %i -m mark ! --mark \$(wg show %i fwmark) -m addrtype ! --dst-type LOCAL -j REJECT
		PreDown = iptables -D OUTPUT ! -o %i -m mark ! --mark \$(wg show %i fwmark) -m addrtype ! --dst-type LOCAL -j REJECT
		PreDown = ip6tables -D OUTPUT ! -o %i -m mark ! --mark \$(wg show %i fwmark) -m addrtype ! --dst-type LOCAL -j REJECT

		$peer
	CONF
	chmod 600 "$nm" "$wq"
	# wg-quick's DNS= needs resolvconf: a shim that only rewrites the client's
	# private /etc/resolv.conf (an overlay inside the client mount namespace)
	mkdir -p "$BENCH_TMP/bin"
	cat >"$BENCH_TMP/bin/resolvconf" <<-'SHIM'
		#!/bin/sh
		# bench shim of resolvconf for wg-quick, lab client only
		case "$1" in
		-a) cp /etc/resolv.conf /etc/resolv.conf.wgq 2>/dev/null; grep '^nameserver' >/etc/resolv.conf ;;
		-d) [ -f /etc/resolv.conf.wgq ] && mv /etc/resolv.conf.wgq /etc/resolv.conf ;;
		esac
		exit 0
	SHIM
	chmod 755 "$BENCH_TMP/bin/resolvconf"
	lab_client nmcli connection import type wireguard-killswitch file "$nm" >/dev/null || return 1
	lab_client nmcli connection modify bench connection.id bench-plugin +vpn.data kill-switch=on || return 1
	lab_client nmcli connection import type wireguard-killswitch file "$nm" >/dev/null || return 1
	lab_client nmcli connection modify bench connection.id bench-nokill +vpn.data kill-switch=off || return 1
}

bench__wgquick() { # ARGS...
	lab_client env PATH="$BENCH_TMP/bin:$PATH" WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go \
		WG_HIDE_KEYS=always wg-quick "$@"
}

# bench_up SYSTEM: returns when the system's own "up" command returns
bench_up() {
	case "$1" in
	plugin) lab_client timeout 40 nmcli --wait 40 connection up id bench-plugin >/dev/null ;;
	nokill) lab_client timeout 40 nmcli --wait 40 connection up id bench-nokill >/dev/null ;;
	wgquick) bench__wgquick up "$BENCH_TMP/$BENCH_WGQ_IF.conf" >>"$BENCH_TMP/wg-quick.log" 2>&1 ;;
	esac
}

# PIDs in the client namespace whose command line matches an ERE
bench_client_pids() {
	local pid
	for pid in $(ip netns pids "$LAB_NS_CLIENT" 2>/dev/null); do
		# not the service's short-lived libnftables children
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != wgks-nft ] || continue
		{ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -Eq "$1" && echo "$pid"
	done
}

bench_ifname() { # SYSTEM
	if [ "$1" = wgquick ]; then
		echo "$BENCH_WGQ_IF"
	else
		lab_client ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^wgks/ {sub(/@.*/, "", $2); print $2; exit}'
	fi
}

bench_service_pid() { bench_client_pids '^/usr/libexec/nm-wireguard-killswitch-service' | head -1; }

bench__vpn_gone() {
	[ -z "$(bench_client_pids '^/usr/libexec/nm-wireguard-killswitch-service --bus-name [^ ]*Connection_')" ] &&
		[ -z "$(bench_client_pids '^(/usr/bin/)?wireguard-go( -f)? wgks')" ] &&
		[ -z "$(lab_client ip -4 route show table 51820 2>/dev/null)$(lab_client ip -6 route show table 51820 2>/dev/null)" ]
}

# bench_down SYSTEM: back to "no VPN, plain uplink via ISP A", whatever state
# the failure left (kill switch released, wg-quick's leftovers removed)
bench_down() {
	local pid
	case "$1" in
	plugin | nokill)
		lab_client nmcli connection down id "bench-$1" >/dev/null 2>&1
		lab_client wg-killswitch release --yes >/dev/null 2>&1
		# The service, its wireguard-go and NetworkManager's routes in the
		# VPN's table finish after nmcli returns; the next system (same
		# key, same table) must not meet them. (wg-quick's dead data-path
		# rounds, bench/results/analysis.md 5, happen with this wait too.)
		lab_wait_for 10 bench__vpn_gone
		;;
	wgquick)
		bench__wgquick down "$BENCH_TMP/$BENCH_WGQ_IF.conf" >>"$BENCH_TMP/wg-quick.log" 2>&1 || {
			# the interface died with the failure: undo by hand what wg-quick set up
			lab_client sh -c "iptables -F OUTPUT; ip6tables -F OUTPUT
				for f in -4 -6; do
					while ip \$f rule show | grep -q 51820; do ip \$f rule del table 51820 2>/dev/null || ip \$f rule del table main suppress_prefixlength 0 2>/dev/null || break; done
					ip \$f route flush table 51820 2>/dev/null
				done
				nft delete table ip wg-quick-$BENCH_WGQ_IF 2>/dev/null; nft delete table ip6 wg-quick-$BENCH_WGQ_IF 2>/dev/null
				ip link del $BENCH_WGQ_IF 2>/dev/null
				[ -f /etc/resolv.conf.wgq ] && mv /etc/resolv.conf.wgq /etc/resolv.conf; rm -f /run/wireguard/$BENCH_WGQ_IF.sock
				true"
		}
		for pid in $(bench_client_pids "^(/usr/bin/)?wireguard-go( -f)? $BENCH_WGQ_IF( |\$)"); do kill -KILL "$pid" 2>/dev/null; done
		;;
	esac
	# NetworkManager may have been restarted, an uplink roamed
	bench_restore_uplink
}

bench__nm_restart() {
	local pid st
	pid=$(lab_pid client-nm)
	st=$(awk -v p="$pid" '$2 == p {s = $3} END {print s}' "$LAB_DIR/pids.list")
	lab__stop_pid "$pid" "$st"
	lab__spawn_client client-nm NetworkManager --debug
}

bench_restore_uplink() {
	if [ "$(ip -n "$LAB_NS_ISPB" -o link show lan | grep -c 'state UP\|,UP')" != 0 ]; then
		lab_uplink_down ispb
		lab_nm_wait_down eth1 20 >/dev/null 2>&1
	fi
	lab_uplink_up ispa
	lab_nm_wait eth0 30 >/dev/null 2>&1 || {
		bench__log "eth0 did not come back; restarting NetworkManager"
		bench__nm_restart
		lab_nm_wait eth0 30
	}
}

BENCH_SCENARIOS="ifdown wgkill svckill nmrestart uplinkloss roam"

# bench_fail SYSTEM SCENARIO: inject the failure (returns quickly, except
# roaming and uplink loss, which take their natural time); 2 = not applicable
bench_fail() {
	local sys=$1 ifn pid
	ifn=$(bench_ifname "$sys")
	case "$2" in
	ifdown) lab_client ip link set "$ifn" down ;;
	wgkill)
		pid=$(bench_client_pids "^(/usr/bin/)?wireguard-go( -f)? $ifn( |\$)" | head -1)
		[ -n "$pid" ] || { bench__log "no wireguard-go for $ifn"; return 1; }
		kill -KILL "$pid"
		;;
	svckill)
		[ "$sys" = wgquick ] && return 2   # wg-quick has no service
		pid=$(bench_service_pid)
		[ -n "$pid" ] || { bench__log "no service process"; return 1; }
		kill -KILL "$pid"
		;;
	nmrestart) bench__nm_restart ;;
	uplinkloss) lab_uplink_down ispa && sleep 2 && lab_uplink_up ispa ;;
	roam) lab_roam_to ispb >/dev/null 2>&1 ;;
	esac
}
