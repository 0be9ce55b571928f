#!/bin/bash
# DNS side channels while dns-leak-protection=yes (the default): LLMNR
# (UDP/TCP 5355), mDNS (UDP 5353), DNS over TLS (TCP 853) and DNS over QUIC
# (UDP 853), each counted where it would arrive (nft counters in ISP A's
# namespace, on the client's LAN link) and at the tunnel server, with
# allow-lan=no and =yes, full and split tunnel. mDNS to 224.0.0.251 /
# ff02::fb with allow-lan=yes is the one exception (printers; README).
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

e2e_write_config "$LAB_DIR/scfull.conf"
e2e_write_config "$LAB_DIR/sclan.conf"
e2e_write_config "$LAB_DIR/scsplit.conf" "10.66.0.0/24, fd00:66::/64"
for c in scfull sclan scsplit; do e2e_import "$LAB_DIR/$c.conf"; done
lab_client nmcli connection modify sclan +vpn.data allow-lan=yes

# a private LAN beside ISP A's, as in test-killswitch-net.sh
LAN_GW4=192.168.77.1
lab_ns ispa ip addr add "$LAN_GW4/24" dev lan
lab_client ip addr add 192.168.77.10/24 dev eth0

SEND=$LAB_DIR/side.py
cat >"$SEND" <<-'EOF'
	import socket, struct, sys
	def query(name):
	    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
	    return struct.pack("!HHHHHH", 0x7777, 0, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)
	def udp(dst, port, name, dev):
	    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
	    s = socket.socket(fam, socket.SOCK_DGRAM)
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
	    idx = socket.if_nametoindex(dev)
	    if fam == socket.AF_INET:
	        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, struct.pack("4s4si", bytes(4), bytes(4), idx))
	        addr = (dst, int(port))
	    else:
	        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
	        addr = (dst, int(port), 0, idx if dst.startswith(("fe80", "ff02")) else 0)
	    for _ in range(3):
	        try:
	            s.sendto(query(name), addr)
	        except OSError as e:
	            print("# udp %s:%s: %s" % (dst, port, e))
	def tcp(dst, port, name, dev):
	    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
	    s = socket.socket(fam, socket.SOCK_STREAM)
	    if dev != "-":
	        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
	    s.settimeout(2)
	    try:
	        s.connect((dst, int(port)))
	    except OSError as e:
	        print("# tcp %s:%s: %s" % (dst, port, e))
	kind, dst, port, name, dev = sys.argv[1:6]
	{"udp": udp, "tcp": tcp}[kind](dst, port, name, dev)
EOF
send() { lab_client "$LAB_PYTHON" "$SEND" "$@"; }

meter_rules=(
	"llmnr_udp iifname \"lan\" udp dport 5355"
	"llmnr_tcp iifname \"lan\" tcp dport 5355"
	"mdns_group iifname \"lan\" udp dport 5353 ip daddr 224.0.0.251"
	"mdns_group6 iifname \"lan\" udp dport 5353 ip6 daddr ff02::fb"
	"mdns_unicast iifname \"lan\" udp dport 5353 ip daddr != 224.0.0.251"
	"dot iifname \"lan\" tcp dport 853"
	"doq iifname \"lan\" udp dport 853"
)
ok "meters at ISP A" ks_meter_up ispa "${meter_rules[@]}"
ok "meters at the tunnel server" ks_meter_up inet "dot_tun iifname \"$LAB_WG_SERVER_IF\" ip daddr $LAB_TUN_DNS4 tcp dport 853" \
	"doq_tun iifname \"$LAB_WG_SERVER_IF\" ip daddr $LAB_TUN_DNS4 udp dport 853"

# side_channels LABEL: every side channel once (3 datagrams or a connect each)
side_channels() {
	ks_meter_reset ispa
	ks_meter_reset inet
	send udp 224.0.0.252 5355 llmnr-probe eth0       # LLMNR, as resolved sends it per link
	send udp ff02::1:3 5355 llmnr-probe eth0
	send tcp "$LAN_GW4" 5355 llmnr-probe eth0         # LLMNR over TCP to a LAN host
	send udp 224.0.0.251 5353 printer.local eth0     # mDNS, .local
	send udp ff02::fb 5353 printer.local eth0
	send udp 224.0.0.251 5353 secret.example eth0    # mDNS for a name outside .local
	send udp "$LAN_GW4" 5353 secret.example eth0      # unicast mDNS to a LAN host
	send tcp "$LAB_ISPA_GW4" 853 x -                  # DoT to the ISP's resolver (routing decides)
	send tcp "$LAN_GW4" 853 x eth0                    # DoT to a LAN resolver
	send tcp "$LAB_WEB4" 853 x eth0                   # DoT to a public server, bound to the uplink
	send udp "$LAB_ISPA_GW4" 853 x eth0               # DoQ to the ISP's resolver
	send udp "$LAN_GW4" 853 x eth0                    # DoQ to a LAN resolver
	send tcp "$LAB_TUN_DNS4" 853 x -                  # DoT to the tunnel's DNS server
	send udp "$LAB_TUN_DNS4" 853 x wgks0 2>/dev/null || send udp "$LAB_TUN_DNS4" 853 x "$(ks_tun_ifname)"
	# the last two, through wireguard-go, arrive after the ones via the uplink
	ks_meter_wait inet dot_tun
	ks_meter_wait inet doq_tun
	local c line="" 
	for c in llmnr_udp llmnr_tcp mdns_group mdns_group6 mdns_unicast dot doq; do
		line+=" $c=$(ks_meter ispa "$c")"
	done
	e2e__log "COUNTERS $1 at ISP A:$line | at the tunnel DNS: dot=$(ks_meter inet dot_tun) doq=$(ks_meter inet doq_tun)"
}

check_closed() { # LABEL ALLOW_LAN
	is "$1: LLMNR over UDP (224.0.0.252, ff02::1:3), packets at ISP A" "$(ks_meter ispa llmnr_udp)" 0
	is "$1: LLMNR over TCP to a LAN host, packets at ISP A" "$(ks_meter ispa llmnr_tcp)" 0
	is "$1: unicast mDNS to a LAN host, packets at ISP A" "$(ks_meter ispa mdns_unicast)" 0
	is "$1: DNS over TLS to the ISP, the LAN and a public server, packets at ISP A" "$(ks_meter ispa dot)" 0
	is "$1: DNS over QUIC to the ISP and the LAN, packets at ISP A" "$(ks_meter ispa doq)" 0
	ok "$1: DNS over TLS to the tunnel's DNS server arrives there ($(ks_meter inet dot_tun))" test "$(ks_meter inet dot_tun)" -gt 0
	ok "$1: DNS over QUIC to the tunnel's DNS server arrives there ($(ks_meter inet doq_tun))" test "$(ks_meter inet doq_tun)" -gt 0
	if [ "$2" = yes ]; then
		# the exception: mDNS to the mDNS groups (printers, .local)
		ok "$1: mDNS to 224.0.0.251 passes with allow-lan=yes ($(ks_meter ispa mdns_group))" test "$(ks_meter ispa mdns_group)" -gt 0
		ok "$1: mDNS to ff02::fb passes with allow-lan=yes ($(ks_meter ispa mdns_group6))" test "$(ks_meter ispa mdns_group6)" -gt 0
	else
		is "$1: mDNS to 224.0.0.251, packets at ISP A" "$(ks_meter ispa mdns_group)" 0
		is "$1: mDNS to ff02::fb, packets at ISP A" "$(ks_meter ispa mdns_group6)" 0
	fi
}

ok "full tunnel: connect" ks_up scfull
side_channels "full, allow-lan=no"
check_closed "full, allow-lan=no" no
ks_reset scfull

ok "full tunnel, allow-lan=yes: connect" ks_up sclan
side_channels "full, allow-lan=yes"
check_closed "full, allow-lan=yes" yes
ks_reset sclan

ok "split tunnel: connect" ks_up scsplit
side_channels "split, allow-lan=no"
check_closed "split, allow-lan=no" no
ks_reset scsplit

e2e_finish
