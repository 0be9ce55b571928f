#!/bin/bash
# Kill switch, part 4: what the ruleset lets pass beside the tunnel, counted
# where it would arrive (nft counters in the ISP's, a "container's" and a
# stranger's namespace), for packets the leak probe never sends: DHCP ports
# to an internet host, neighbour discovery to the internet or with a low hop
# limit, forwarded DNS from a container with allow-lan=yes, LAN multicast
# beyond the local scopes, a neighbour probing the tunnel's address
# (CVE-2019-14899), the VPN side reaching a container, and a link created
# with the tunnel's name after the service was SIGKILLed.
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

e2e_write_config "$LAB_DIR/wgks.conf"
e2e_write_config "$LAB_DIR/wglan.conf"
e2e_import "$LAB_DIR/wgks.conf"
e2e_import "$LAB_DIR/wglan.conf"
lab_client nmcli connection modify wglan +vpn.data allow-lan=yes

CTR4=172.17.0.2
LAN_GW4=192.168.77.1
LAN_CLIENT4=192.168.77.10
# EUI-64 link-local addresses of the ISP A link (MACs fixed by the lab)
ISPA_LL=fe80::6c:61ff:fe62:a01
CLIENT_LL=fe80::6c:61ff:fe62:a10

# Sends test packets; runs in whichever namespace calls it.
SEND=$LAB_DIR/send.py
cat >"$SEND" <<-'EOF'
	import socket, struct, sys
	MARK = b"wgks-rules-test"
	def dev_opts(s, dev):
	    if dev:
	        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
	def udp(dst, dport, sport=0, dev="", mcif=""):
	    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
	    s = socket.socket(fam, socket.SOCK_DGRAM)
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	    dev_opts(s, dev)
	    if mcif:
	        idx = socket.if_nametoindex(mcif)
	        if fam == socket.AF_INET:
	            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, struct.pack("4s4si", bytes(4), bytes(4), idx))
	        else:
	            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
	    s.bind(("::" if fam == socket.AF_INET6 else "", int(sport)))
	    for _ in range(3):
	        try:
	            s.sendto(MARK, (dst, int(dport)))
	        except OSError as e:
	            print("# send to %s:%s: %s" % (dst, dport, e))
	def icmp6(kind, dst, hops, dev, src=""):
	    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
	    dev_opts(s, dev)
	    idx = socket.if_nametoindex(dev)
	    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, int(hops))
	    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, int(hops))
	    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
	    if src:
	        s.bind((src, 0, 0, idx))
	    target = socket.inet_pton(socket.AF_INET6, dst)
	    pkt = {"rs": struct.pack("!BBHI", 133, 0, 0, 0),
	           "ns": struct.pack("!BBHI", 135, 0, 0, 0) + target,
	           "na": struct.pack("!BBHI", 136, 0, 0, 0x60000000) + target,
	           "echo": struct.pack("!BBHHH", 128, 0, 0, 0x7777, 1) + MARK}[kind]
	    for _ in range(3):
	        try:
	            s.sendto(pkt, (dst, 0, 0, idx if dst.startswith(("fe80", "ff02")) else 0))
	        except OSError as e:
	            print("# %s to %s: %s" % (kind, dst, e))
	args = dict(a.split("=", 1) for a in sys.argv[2:])
	{"udp": udp, "icmp6": icmp6}[sys.argv[1]](**args)
EOF
send() { lab_client "$LAB_PYTHON" "$SEND" "$@"; }
send_in() { local ns=$1; shift; lab_ns "$ns" "$LAB_PYTHON" "$SEND" "$@"; }


# An extra namespace the lab's teardown deletes with its own.
extra_ns() { # NAME
	echo "$LAB_PREFIX-$1" >>"$LAB_DIR/netns.list"
	ip netns add "$LAB_PREFIX-$1" && ip -n "$LAB_PREFIX-$1" link set lo up
}

ok "meters at ISP A" ks_meter_up ispa \
	"dhcp_inet iifname \"lan\" udp sport 68 udp dport 67 ip daddr $LAB_WEB4" \
	"dhcp_gw iifname \"lan\" udp sport 68 udp dport 67 ip daddr $LAB_ISPA_GW4" \
	"dhcp6_inet iifname \"lan\" udp sport 546 udp dport 547 ip6 daddr $LAB_WEB6" \
	"nd_inet iifname \"lan\" ip6 daddr $LAB_WEB6 icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert }" \
	"nd_rs_other iifname \"lan\" icmpv6 type nd-router-solicit ip6 daddr != ff02::2" \
	"nd_hops iifname \"lan\" icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit != 255" \
	"dns_ctr iifname \"lan\" ip saddr $CTR4 meta l4proto { tcp, udp } th dport 53" \
	"udp_ctr iifname \"lan\" ip saddr $CTR4 udp dport 9999" \
	"mc_global4 iifname \"lan\" ip daddr 224.0.1.1" \
	"mc_global6 iifname \"lan\" ip6 daddr ff0e::101" \
	"mc_local4 iifname \"lan\" ip daddr 224.0.0.251" \
	"mc_admin4 iifname \"lan\" ip daddr 239.255.255.250" \
	"mc_local6 iifname \"lan\" ip6 daddr ff02::fb" \
	"mc_site6 iifname \"lan\" ip6 daddr ff05::1:3" \
	"tun_reply4 iifname \"lan\" ip saddr $LAB_TUN_CLIENT4" \
	"tun_reply6 iifname \"lan\" ip6 saddr $LAB_TUN_CLIENT6"

# --- DHCP ports ----------------------------------------------------------------------------
ok "connect" ks_up wgks
ks_leak_reset
ok "DHCP: a socket bound to port 68 sends to $LAB_WEB4:67" send udp dst="$LAB_WEB4" dport=67 sport=68 dev=eth0
ok "DHCP: a socket bound to port 546 sends to [$LAB_WEB6]:547" send udp dst="$LAB_WEB6" dport=547 sport=546 dev=eth0
ok "DHCP: a socket bound to port 68 sends to $LAB_ISPA_GW4:67" send udp dst="$LAB_ISPA_GW4" dport=67 sport=68 dev=eth0
ks_meter_wait ispa dhcp_gw # sent last: the others were counted before
is "DHCP: from port 68 to $LAB_WEB4:67, packets at ISP A" "$(ks_meter ispa dhcp_inet)" 0
is "DHCP: from port 546 to [$LAB_WEB6]:547 (global source), packets at ISP A" "$(ks_meter ispa dhcp6_inet)" 0
ok "DHCP: unicast within the uplink's subnet ($LAB_ISPA_GW4:67) still passes ($(ks_meter ispa dhcp_gw))" \
	test "$(ks_meter ispa dhcp_gw)" -gt 0

# --- neighbour discovery -------------------------------------------------------------------
send icmp6 kind=ns dst="$LAB_WEB6" hops=255 dev=eth0
send icmp6 kind=na dst="$LAB_WEB6" hops=255 dev=eth0
send icmp6 kind=rs dst="$LAB_WEB6" hops=255 dev=eth0
send icmp6 kind=rs dst=ff02::1 hops=255 dev=eth0
send icmp6 kind=ns dst=ff02::1:ff00:1 hops=64 dev=eth0
send icmp6 kind=na dst="$ISPA_LL" hops=64 dev=eth0
sleep 0.5
is "ND: solicitations/advertisements addressed to $LAB_WEB6, packets at ISP A" "$(ks_meter ispa nd_inet)" 0
is "ND: router solicitation to ff02::1 (not ff02::2), packets at ISP A" "$(ks_meter ispa nd_rs_other)" 0
is "ND: hop limit 64, packets at ISP A" "$(ks_meter ispa nd_hops)" 0
ok "ND: the uplink's IPv6 still works (SLAAC address on eth0)" test -n "$(lab_client_addr6 eth0)"
ks_no_leaks "DHCP ports and ND"
ks_reset wgks

# --- a container behind the client, allow-lan=yes ---------------------------------------
# 172.17.0.2 in its own namespace, routed (no NAT) through the client, which
# forwards; a LAN 192.168.77.0/24 beside ISP A's, with a resolver address.
extra_ns ctr
ip link add ctr0 netns "$LAB_PREFIX-client" type veth peer name eth0 netns "$LAB_PREFIX-ctr"
lab_client nmcli device set ctr0 managed no 2>/dev/null
lab_ns ctr ip addr add "$CTR4/16" dev eth0
lab_ns ctr ip link set eth0 up
lab_ns ctr ip route add default via 172.17.0.1
lab_client ip addr add 172.17.0.1/16 dev ctr0
lab_client ip link set ctr0 up
lab_client sysctl -q -w net.ipv4.ip_forward=1
lab_ns ispa ip addr add "$LAN_GW4/24" dev lan
lab_ns ispa ip route add 172.17.0.0/16 via "$LAN_CLIENT4"
lab_client ip addr add "$LAN_CLIENT4/24" dev eth0
ok "container meter" ks_meter_up ctr \
	"from_tunnel iifname \"eth0\" ip saddr $LAB_TUN_SERVER4 udp dport 9999"
# The VPN server routes 172.17.0.0/16 to the client (as if it pushed a route back).
lab_wg_server set public_key="@$LAB_CLIENT_PUB" allowed_ip=172.17.0.0/16 >/dev/null
lab_ns inet ip route add 172.17.0.0/16 dev "$LAB_WG_SERVER_IF"

ok "allow-lan: connect" ks_up wglan
ks_meter_reset ispa
for r in "$LAN_GW4" "$LAB_ISPA_GW4"; do
	send_in ctr udp dst="$r" dport=53
	lab_ns ctr dig +time=1 +tries=1 +tcp @"$r" fwd.lab.example >/dev/null 2>&1
done
send_in ctr udp dst="$LAN_GW4" dport=9999
ks_meter_wait ispa udp_ctr # sent last: the others were counted before
is "forwarded DNS: queries from the container to $LAN_GW4 and $LAB_ISPA_GW4 (UDP and TCP), packets at ISP A" \
	"$(ks_meter ispa dns_ctr)" 0
ok "forwarded: the container still reaches the LAN ($(ks_meter ispa udp_ctr) packets to $LAN_GW4:9999)" \
	test "$(ks_meter ispa udp_ctr)" -gt 0
body=$(lab_ns ctr curl -s --max-time 5 "http://$LAB_WEB4/")
is "forwarded: the container reaches the internet through the tunnel (replies pass)" "$body" "$CTR4"
lab_ns inet "$LAB_PYTHON" "$SEND" udp dst="$CTR4" dport=9999
sleep 0.5
is "from the tunnel: the VPN side's packets to the container, at the container" "$(ks_meter ctr from_tunnel)" 0

# --- LAN multicast -------------------------------------------------------------------------
ks_meter_reset ispa
send udp dst=224.0.1.1 dport=5000 mcif=eth0
send udp dst=ff0e::101 dport=5000 mcif=eth0
send udp dst=224.0.0.251 dport=5353 mcif=eth0
send udp dst=239.255.255.250 dport=1900 mcif=eth0
send udp dst=ff02::fb dport=5353 mcif=eth0
send udp dst=ff05::1:3 dport=5000 mcif=eth0
ks_meter_wait ispa mc_site6 # sent last: the others were counted before
is "multicast: to 224.0.1.1 (not local), packets at ISP A" "$(ks_meter ispa mc_global4)" 0
is "multicast: to ff0e::101 (global scope), packets at ISP A" "$(ks_meter ispa mc_global6)" 0
ok "multicast: 224.0.0.251 (mDNS) passes ($(ks_meter ispa mc_local4))" test "$(ks_meter ispa mc_local4)" -gt 0
ok "multicast: 239.255.255.250 (SSDP) passes ($(ks_meter ispa mc_admin4))" test "$(ks_meter ispa mc_admin4)" -gt 0
ok "multicast: ff02::fb passes ($(ks_meter ispa mc_local6))" test "$(ks_meter ispa mc_local6)" -gt 0
ok "multicast: ff05::1:3 (site scope) passes ($(ks_meter ispa mc_site6))" test "$(ks_meter ispa mc_site6)" -gt 0

# --- CVE-2019-14899: a LAN neighbour probes the tunnel's address on eth0 --------------------
ks_meter_reset ispa
lab_ns ispa ip route add "$LAB_TUN_CLIENT4/32" via "$LAN_CLIENT4" dev lan
lab_ns ispa ip -6 route add "$LAB_TUN_CLIENT6/128" via "$CLIENT_LL" dev lan
lab_ns ispa ping -c 3 -i 0.2 -W 1 -I "$LAN_GW4" "$LAB_TUN_CLIENT4" >/dev/null 2>&1
send_in ispa udp dst="$LAB_TUN_CLIENT4" dport=9
send_in ispa icmp6 kind=echo dst="$LAB_TUN_CLIENT6" hops=64 dev=lan src="$ISPA_LL"
sleep 0.5
is "CVE-2019-14899: answers from $LAB_TUN_CLIENT4 on eth0 (ping, UDP)" "$(ks_meter ispa tun_reply4)" 0
is "CVE-2019-14899: answers from $LAB_TUN_CLIENT6 on eth0 (ping from link-local)" "$(ks_meter ispa tun_reply6)" 0
ok "the tunnel still carries traffic" ks_via_tunnel
ks_reset wglan

# --- a namesake of the tunnel after a service SIGKILL ----------------------------------------
# The table stays (state connected); a link created later with the tunnel's
# name, here a veth into a stranger's namespace, must get nothing.
ok "connect" ks_up wgks
tun=$(ks_tun_ifname)
svc=$(ks_service_pid)
wgpid=$(ks_wggo_pid)
e2e__log "tunnel $tun (index $(lab_client cat "/sys/class/net/$tun/ifindex")), service $svc, wireguard-go $wgpid"
ok "SIGKILL the service" kill -KILL "$svc"
lab_wait_for 15 ks_vpn_gone wgks
[ -n "$wgpid" ] && kill -KILL "$wgpid" 2>/dev/null
tun_gone() { ! lab_client ip link show "$tun" >/dev/null 2>&1; }
lab_wait_for 5 tun_gone || lab_client ip link del "$tun"
is "the table stays after the SIGKILL" "$(ks_table_state)" connected
extra_ns stranger
ip link add "$tun" netns "$LAB_PREFIX-client" type veth peer name x0 netns "$LAB_PREFIX-stranger"
lab_client nmcli device set "$tun" managed no 2>/dev/null
lab_ns stranger ip addr add 192.0.2.202/29 dev x0
lab_ns stranger ip link set x0 up
lab_client ip addr add 192.0.2.201/29 dev "$tun"
lab_client ip link set "$tun" up
e2e__log "namesake $tun, index $(lab_client cat "/sys/class/net/$tun/ifindex")"
ok "stranger's meter" ks_meter_up stranger "namesake iifname \"x0\" ip saddr 192.0.2.201"
send udp dst=192.0.2.202 dport=9999
lab_client ping -c 2 -i 0.2 -W 1 192.0.2.202 >/dev/null 2>&1
is "namesake: packets the client sent through the new $tun, at its far end" "$(ks_meter stranger namesake)" 0
ks_reset wgks

e2e_finish
