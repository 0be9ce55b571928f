#!/bin/bash
# Endpoint host names in NetworkManager's DNS modes, and the DNS hole while
# a name is resolved (issues 13 and 15): the service asks the uplink's DNS
# servers itself, from sockets carrying the tunnel's fwmark; the firewall
# lets only those marked queries through, only to those servers, and only
# while a name is being resolved.
#  - dns=default and dns=dnsmasq: a host-name endpoint connects, and is
#    resolved again through the new ISP's resolver after roaming;
#  - with IP-literal endpoints, no ruleset written during the whole connect
#    has a resolver element or a port-53 accept (nft monitor sees every one);
#  - the window: while a slow resolver holds the endpoint lookup open, an
#    unprivileged process (and root without the mark) sends UDP/53 with a
#    payload marker to that resolver; ISP A counts the marker: 0 expected.
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab

# roam.lab.example: A only at ISP A, AAAA only at ISP B, so the endpoint's
# address tells which ISP's resolver answered.
SLOW_DNS=192.0.2.53
export LAB_ISPA_DNSMASQ_OPTS="--host-record=roam.lab.example,$LAB_WG_ENDPOINT4"
export LAB_ISPB_DNSMASQ_OPTS="--host-record=roam.lab.example,$LAB_WG_ENDPOINT6"
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

e2e_write_config "$LAB_DIR/wghost.conf"
e2e_write_config "$LAB_DIR/wglit.conf" "0.0.0.0/0, ::/0" "$LAB_WG_ENDPOINT4:$LAB_WG_PORT"
e2e_write_config "$LAB_DIR/wgroam.conf" "0.0.0.0/0, ::/0" "roam.lab.example:$LAB_WG_PORT"
e2e_write_config "$LAB_DIR/wgslow.conf" "0.0.0.0/0, ::/0" "slow.lab.example:$LAB_WG_PORT"
for c in wghost wglit wgroam wgslow; do e2e_import "$LAB_DIR/$c.conf"; done

SVC_LOG=$(e2e_service_log)
rs_log_mark() { wc -c <"$SVC_LOG"; }
rs_log_since() { tail -c +"$(($1 + 1))" "$SVC_LOG"; }
rs_logged_since() { rs_log_since "$1" | grep -- "$2" >/dev/null; }

# nft monitor in the client: every ruleset the service writes, as it writes it
RS_MON_PID=
rs_monitor_start() {
	RS_MON_OUT=$LAB_DIR/monitor-$1.txt
	nsenter -t "$LAB_CLIENT_PID" -m -n -u --wd=/ -- nft monitor ruleset >"$RS_MON_OUT" 2>&1 &
	RS_MON_PID=$!
	lab_wait_for 10 rs__monitor_listening || e2e__log "nft monitor did not join the nftables group"
}
# nft monitor listens once its netlink socket (one of its fds, in the
# client's /proc/net/netlink) has joined a group; nsenter execs nft, so
# RS_MON_PID is nft's
rs__monitor_listening() {
	local inodes
	inodes=$(find "/proc/$RS_MON_PID/fd" -lname 'socket:*' -printf '%l ' 2>/dev/null | tr -c '0-9' ' ')
	[ -n "${inodes// /}" ] || return 1
	awk -v inodes="$inodes" 'BEGIN { n = split(inodes, a); for (i = 1; i <= n; i++) ours[a[i]] = 1 }
		$2 == 12 && $4 != "00000000" && ($10 in ours) { found = 1 } END { exit !found }' \
		"/proc/$RS_MON_PID/net/netlink" 2>/dev/null
}
rs_monitor_stop() {
	[ -n "$RS_MON_PID" ] || return 0
	kill -TERM "$RS_MON_PID" 2>/dev/null
	wait "$RS_MON_PID" 2>/dev/null
	RS_MON_PID=
}
rs_cleanup() {
	local status=$?
	rs_monitor_stop
	[ -n "${RS_SLOW_PID:-}" ] && kill -TERM "$RS_SLOW_PID" 2>/dev/null
	ks_cleanup
	return $status
}
trap rs_cleanup EXIT

rs_tunnel_flows() { E2E_CURL_TIMEOUT=2 lab_wait_for 30 ks_via_tunnel; }
rs_flush_output() { lab_client nft flush chain inet "$KS_TABLE" output; }
rs_output_restored() { lab_client nft list chain inet "$KS_TABLE" output | grep -q "policy drop" &&
	[ "$(lab_client nft list chain inet "$KS_TABLE" output | grep -c accept)" -gt 3 ]; }

# rs_hostname_mode MODE: a host-name endpoint connects; roaming re-resolves it
rs_hostname_mode() {
	local m=$1 off
	off=$(wc -l <"$(lab_dns_log ispa)")
	rs_monitor_start "$m"
	ok "$m: a host-name endpoint (vpn.lab.example) connects" ks_up wghost
	rs_monitor_stop
	ok "$m: traffic flows through the tunnel" rs_tunnel_flows
	ok "$m: ISP A's resolver answered the endpoint name" \
		bash -c "tail -n +$((off + 1)) '$(lab_dns_log ispa)' | grep -q 'query\[[A]*\] vpn.lab.example'"
	ok "$m: while it was resolved, the resolver rule carried the mark" \
		grep -q "meta mark 0x0000ca6c ip daddr @resolvers4 .*dport 53 accept" "$RS_MON_OUT"
	ok "$m: ... and no ruleset had a port-53 accept without the mark" \
		not bash -c "grep 'dport 53 accept' '$RS_MON_OUT' | grep -qv 'meta mark'"
	is "$m: after the lookup, the table has no resolver left" \
		"$(lab_client nft list set inet "$KS_TABLE" resolvers4 | grep -c elements)" 0
	ok "$m: disconnect" e2e_down wghost
	ks_wait_table absent 10

	off=$(rs_log_mark)
	ok "$m: roam.lab.example connects through ISP A" ks_up wgroam
	ok "$m: ISP A resolved it to its IPv4 address" \
		rs_logged_since "$off" "endpoint roam.lab.example resolved to $LAB_WG_ENDPOINT4:$LAB_WG_PORT"
	off=$(rs_log_mark)
	ok "$m: roam to ISP B" lab_roam_to ispb
	ok "$m: after roaming, the endpoint is resolved again through ISP B (its IPv6 address)" \
		lab_wait_for 20 rs_logged_since "$off" "moved from $LAB_WG_ENDPOINT4:$LAB_WG_PORT to \[$LAB_WG_ENDPOINT6\]:$LAB_WG_PORT"
	ok "$m: traffic flows through the tunnel on ISP B" rs_tunnel_flows
	ok "$m: ISP B carried WireGuard to the new address" test "$(lab_leak_count ispb wg)" -gt 0
	ok "$m: 5 s after its last table write the service has ended its nftables helper and unloaded libnftables" \
		lab_wait_for 15 ks_nft_released
	ok "$m: another process flushes the table's output chain" rs_flush_output
	ok "$m: ... restored with its rules within 5 s" lab_wait_for 5 rs_output_restored
	ok "$m: ... and the helper that restored it ends again" lab_wait_for 15 ks_nft_released
	off=$(rs_log_mark)
	ok "$m: roam back to ISP A" lab_roam_to ispa
	ok "$m: resolved again through ISP A (IPv4)" \
		lab_wait_for 20 rs_logged_since "$off" "to $LAB_WG_ENDPOINT4:$LAB_WG_PORT"
	ok "$m: traffic flows through the tunnel on ISP A" rs_tunnel_flows
	ok "$m: disconnect" e2e_down wgroam
	ks_wait_table absent 10
}

# --- IP-literal endpoints: no DNS hole at any point -------------------------------
rs_part_literal() {
rs_monitor_start literal
ok "literal: the IP-literal endpoint connects" ks_up wglit
rs_monitor_stop
ok "literal: nft monitor saw the service write its table" grep -q "add table inet $KS_TABLE" "$RS_MON_OUT"
e2e__log "literal: $(grep -c "^add rule inet $KS_TABLE output" "$RS_MON_OUT") output rules written while connecting"
ok "literal: no resolver element in any ruleset written" not grep -qE "add element inet $KS_TABLE resolvers" "$RS_MON_OUT"
ok "literal: no port-53 accept rule in any ruleset written" not grep -qE "dport 53 accept" "$RS_MON_OUT"
ok "literal: disconnect" e2e_down wglit
ks_wait_table absent 10
}

# --- dns=default (NetworkManager writes resolv.conf) -----------------------------------
rs_part_default() {
is "default: resolv.conf names ISP A's resolver" \
	"$(lab_client awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)" "$LAB_ISPA_GW4"
rs_hostname_mode default
}

# --- dns=dnsmasq (resolv.conf: 127.0.0.1) -----------------------------------------------
rs_part_dnsmasq() {
ok "dnsmasq: switch NetworkManager to dns=dnsmasq" lab_nm_dns dnsmasq
is "dnsmasq: resolv.conf names the local dnsmasq" \
	"$(lab_client awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)" 127.0.0.1
ok "dnsmasq: names resolve through the local dnsmasq" test "$(lab_client dig +short +time=2 +tries=1 www.lab.example)" = "$LAB_WEB4"
rs_hostname_mode dnsmasq
}

# --- the window: a slow answer holds the lookup open -------------------------------------
rs_part_window() {
MARK_HEX=0x574b5350  # "WKSP": first 4 bytes of the probe's UDP payload
# ISP A's dnsmasq (which listens on lo too, unless told not to) hands out
# the slow resolver, which listens on ISP A's lo.
ok "window: ISP A's DHCP now names the slow resolver $SLOW_DNS" \
	lab_isp_dnsmasq_restart ispa --except-interface=lo "--dhcp-option=option:dns-server,$SLOW_DNS"
lab_ns ispa ip addr add "$SLOW_DNS/32" dev lo
lab__spawn ispa-slowdns ip netns exec "$LAB_PREFIX-ispa" "$LAB_PYTHON" "$LAB_SRCDIR/slow-dns.py" \
	--listen "$SLOW_DNS" --delay 4 --log "$LAB_DIR/log/slow-dns.log" \
	--record "slow.lab.example=$LAB_WG_ENDPOINT4"
RS_SLOW_PID=$(lab_pid ispa-slowdns)
lab_ns ispa nft -f - <<-EOF
	table inet wgks_marker {
		counter marked {}
		chain pre {
			type filter hook prerouting priority -310; policy accept;
			iifname "lan" udp dport 53 @th,64,32 $MARK_HEX counter name "marked"
		}
	}
EOF
rs_marked() { lab_ns ispa nft list counter inet wgks_marker marked | awk '$1 == "packets" {print $2}'; }
# rs_send [setpriv args...]: 5 datagrams to the slow resolver's port 53
rs_send() {
	lab_client "$@" "$LAB_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    try:
        s.sendto(b"WKSP" + b"window-probe", (sys.argv[1], 53))
    except OSError as e:
        print("# sendto:", e)
' "$SLOW_DNS"
}
UNPRIV=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

ok "window: slow resolver listening" lab_wait_for 10 lab__listening ispa -lun 53
ok "window: dns=default, eth0 renews its lease" lab_nm_dns default
lab_client nmcli connection up lab-ispa >/dev/null 2>&1
lab_nm_wait eth0 20
is "window: resolv.conf names the slow resolver" \
	"$(lab_client awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)" "$SLOW_DNS"
rs_send "${UNPRIV[@]}"
ok "window: control without VPN: the unprivileged sender reaches the resolver (the meter counts)" \
	lab_wait_for 3 test "$(rs_marked)" -ge 5
lab_ns ispa nft reset counters table inet wgks_marker >/dev/null

e2e_up wgslow 40 >/dev/null 2>&1 &
uppid=$!
# (grep without -q: under pipefail, nft killed by SIGPIPE would fail the pipe)
rs_window_open() { lab_client nft list set inet "$KS_TABLE" resolvers4 2>/dev/null | grep "elements = { $SLOW_DNS" >/dev/null; }
ok "window: the table lets the lookup to $SLOW_DNS through" lab_wait_for 10 rs_window_open
rs_send "${UNPRIV[@]}"
rs_send
ok "window: the lookup was still open while the probes were sent" rs_window_open
ok "window: the slow resolver got the endpoint query" grep -q slow.lab.example "$LAB_DIR/log/slow-dns.log"
is "window: ISP A saw no marked datagram (unprivileged, and root without the mark)" "$(rs_marked)" 0
wait "$uppid"
ok "window: the slow host name connects" test "$?" = 0
ok "window: traffic flows through the tunnel" rs_tunnel_flows
ok "window: disconnect" e2e_down wgslow
ks_wait_table absent 10

# The service dies while the lookup is open: what stays is the marked
# exception, and the kernel drops its servers after their timeout.
lab_ns ispa nft reset counters table inet wgks_marker >/dev/null
e2e_up wgslow 40 >/dev/null 2>&1 &
uppid=$!
ok "window, service killed: the lookup is open" lab_wait_for 10 rs_window_open
svc=$(ks_service_pid)
ok "window, service killed: SIGKILL the service (PID ${svc:-none})" kill -KILL "$svc"
t0=$(ks_ms)
wait "$uppid"
is "window, service killed: the table stays (connecting)" "$(ks_table_state)" connecting
rs_send "${UNPRIV[@]}"
rs_send
is "window, service killed: still no marked datagram reached ISP A" "$(rs_marked)" 0
ok "window, service killed: the resolver leaves the table by itself within 25 s" lab_wait_for 25 not rs_window_open
e2e__log "the resolver expired $(($(ks_ms) - t0)) ms after the kill"
ok "window, service killed: no resolver element is left" \
	not lab_client sh -c "nft list table inet $KS_TABLE | grep -q 'elements = { $SLOW_DNS'"
ks_wgks status >"$LAB_DIR/status.out" 2>&1
sed 's/^/#   /' "$LAB_DIR/status.out"
ok "window, service killed: wg-killswitch status calls the expired table intact" grep -q "intact" "$LAB_DIR/status.out"
ks_reset wgslow
}

# RS_PARTS: run only some parts (debugging)
for part in ${RS_PARTS:-literal default dnsmasq window}; do
	"rs_part_$part"
done

e2e_finish
