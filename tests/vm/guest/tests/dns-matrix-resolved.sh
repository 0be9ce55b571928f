#!/bin/bash
# The DNS matrix of tests/e2e/dns-matrix.sh under systemd-resolved:
# {full, split} x {connected, after an RA with a new RDNSS server, after a
# DHCP renewal with a new DNS server, after roaming to ISP B, after
# disconnect}. Each cell prints the ISP resolvers' count of probe names
# (getent through resolved's stub, so resolved's own upstream queries are
# what would reach the ISP; and dig straight at the ISP's resolver, an
# application that ignores resolv.conf). Also: wg-killswitch verify's DNS
# lines, and LLMNR from resolved, counted on the ISP's side of the wire,
# with and without allow-lan=yes.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh
export WGKS_TOP_SRCDIR=/usr/local/lib/wgks-vm/src DNS_MATRIX_LIB=1 DNS_MATRIX_MODE=resolved
dm_mode_setup() { :; }
# resolved routes by domain: in a split tunnel, names outside the profile's
# domains go to the uplink's server only
dm_expect_split_other() { # NAME ISP_COUNT TUN_COUNT
	ok "$1: other names reach the ISP's resolver" test "$2" -gt 0
	is "$1: the tunnel resolver does not see other names" "$3" 0
}
# shellcheck source=../../../e2e/dns-matrix.sh
. "$WGKS_TOP_SRCDIR/tests/e2e/dns-matrix.sh"
# lab.sh was sourced again by e2e-lib.sh: the client is the guest itself
lab_client() { "$@"; }

# company.internal in a split tunnel: the tunnel's resolver only
dmr_company() { # TAG
	local n="corp-$1.company.internal" isp tun
	timeout 10 getent ahosts "$n" >/dev/null 2>&1
	sleep 0.3
	isp=$(dm_isp_count "${n//./\\.}") tun=$(dm_count tun "${n//./\\.}")
	vm_log "CELL resolved/split/$1 company.internal: ISP=$isp tunnel DNS=$tun"
	is "split/$1: the ISP resolvers see no company.internal name" "$isp" 0
	ok "split/$1: the tunnel resolver answered $n" test "$tun" -gt 0
}

# LLMNR (UDP/TCP 5355) and mDNS (UDP 5353) that reach ISP A's side of eth0
dmr_llmnr_meter() {
	lab_ns ispa nft -f - <<-'NFT'
		table inet wgks_vm_llmnr {
			counter llmnr {}
			counter mdns {}
			counter mcast9 {}
			chain pre {
				type filter hook prerouting priority -310; policy accept;
				iifname != "lan" accept
				meta l4proto { tcp, udp } th dport 5355 counter name "llmnr"
				udp dport 5353 counter name "mdns"
				ip daddr 224.0.0.1 udp dport 9 counter name "mcast9"
			}
		}
	NFT
}
dmr_llmnr_count() { lab_ns ispa nft list counter inet wgks_vm_llmnr "${1:-llmnr}" | awk '$1 == "packets" {print $2}'; }
# dmr_mcast_send: three datagrams to 224.0.0.1:9 out of eth0 (multicast that allow-lan lets pass)
dmr_mcast_send() {
	"$LAB_PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(sys.argv[1]))
for _ in range(3):
    s.sendto(b"x", ("224.0.0.1", 9))' "$(lab_client_addr4 eth0)"
	sleep 0.5
}
dmr_llmnr_reset() { lab_ns ispa nft reset counters table inet wgks_vm_llmnr >/dev/null; }
# dmr_llmnr_ask TAG: single-label names, which resolved asks by LLMNR
dmr_llmnr_ask() {
	dmr_llmnr_reset
	resolvectl query -p llmnr "llmnr$1" >/dev/null 2>&1
	timeout 10 getent ahosts "llmnrget$1" >/dev/null 2>&1
	sleep 1
}

ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
# LLMNR on the uplink as a desktop may have it: resolved's own default
# (LLMNR=yes), asked for explicitly on the profile
ok "lab-ispa: connection.llmnr yes" nmcli connection modify lab-ispa connection.llmnr yes
ok "reapply eth0" nmcli device reapply eth0
sleep 2
vm_log "resolvectl llmnr eth0: $(resolvectl llmnr eth0 2>&1)"
ok "an LLMNR meter at ISP A" dmr_llmnr_meter
dmr_llmnr_ask base
vm_log "LLMNR before the VPN: $(dmr_llmnr_count) packets at ISP A"
ok "before the VPN, resolved's LLMNR reaches ISP A's side (the meter works)" test "$(dmr_llmnr_count)" -gt 0

full=$VM_PROFILES/dmfull.conf
split=$VM_PROFILES/dmsplit.conf
vm_write_config "$full"
vm_write_config "$split" "10.66.0.0/24, fd00:66::/64" "$LAB_WG_ENDPOINT4:$LAB_WG_PORT" \
	"$LAB_TUN_DNS4, lab.example, company.internal"
ok "nmcli imports the full-tunnel profile" vm_import "$full"
ok "nmcli imports the split-tunnel profile" vm_import "$split"

# before any VPN: the ISP answers (the query logs and meters work)
dm_cell none disconnected

rdnss=0
for tun in full split; do
	rdnss=$((rdnss + 1))
	ok "$tun: connect" vm_up "dm$tun"
	ifname=$(vm_tun_ifname)
	lab_leak_reset ispa
	lab_leak_reset ispb
	vm_log "$tun: resolvectl domain $ifname: $(resolvectl domain "$ifname" 2>&1)"
	dm_cell "$tun" connected
	[ "$tun" = split ] && dmr_company connected
	dm_verify "$tun"

	dmr_llmnr_ask "$tun"
	is "$tun: resolved's LLMNR does not reach ISP A" "$(dmr_llmnr_count)" 0

	ok "$tun: the ISP's RA pushes a new RDNSS server while connected" dm_rdnss "2001:db8:a::5$rdnss"
	vm_log "$tun: resolvectl dns eth0 after the RA: $(resolvectl dns eth0 2>&1)"
	dig +time=1 +tries=1 "@2001:db8:a::5$rdnss" "app-$DM_MODE-$tun-rdnss-new.lab.example" >/dev/null 2>&1
	dm_cell "$tun" rdnss
	[ "$tun" = split ] && dmr_company rdnss
	if [ "$tun" = full ]; then
		is "$tun/rdnss: an application asking the new RDNSS server directly reaches nothing" \
			"$(dm_isp_count "app-$DM_MODE-$tun-rdnss-new\\.lab\\.example")" 0
	fi

	ok "$tun: a DHCP renewal pushes a new DNS server while connected" dm_dhcp "198.51.100.5$rdnss" "2001:db8:a::5$rdnss"
	is "$tun: the VPN is still activated after the renewal" "$(vm_state "dm$tun")" activated
	vm_log "$tun: resolvectl dns eth0 after the renewal: $(resolvectl dns eth0 2>&1)"
	dig +time=1 +tries=1 "@198.51.100.5$rdnss" "app-$DM_MODE-$tun-dhcp-new.lab.example" >/dev/null 2>&1
	dm_cell "$tun" dhcp
	[ "$tun" = split ] && dmr_company dhcp
	if [ "$tun" = full ]; then
		is "$tun/dhcp: an application asking the new DHCP DNS server directly reaches nothing" \
			"$(dm_isp_count "app-$DM_MODE-$tun-dhcp-new\\.lab\\.example")" 0
	fi

	ok "$tun: roam to ISP B" lab_roam_to ispb
	is "$tun: the VPN is still activated after roaming" "$(vm_state "dm$tun")" activated
	is "$tun: the tunnel carries traffic again" "$(vm_curl_until "http://$LAB_TUN_WEB4/" "$LAB_TUN_CLIENT4" 20)" "$LAB_TUN_CLIENT4"
	dm_cell "$tun" roamed
	[ "$tun" = split ] && dmr_company roamed

	ok "$tun: disconnect" vm_down "dm$tun"
	is "$tun: after disconnect, traffic leaves through ISP B again" \
		"$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPB_CLIENT4")" "$LAB_ISPB_CLIENT4"
	ok "$tun: no link holds ~. any more" bash -c "! resolvectl domain | grep -q '~\.'"
	dm_cell "$tun" disconnected
	ok "$tun: roam back to ISP A" lab_roam_to ispa
done

# --- LLMNR with allow-lan=yes -------------------------------------------------------
ok "allow-lan=yes on the full-tunnel profile" nmcli connection modify dmfull +vpn.data allow-lan=yes
ok "allow-lan: connect" vm_up dmfull
dmr_llmnr_ask allowlan
is "allow-lan: resolved's LLMNR does not reach ISP A" "$(dmr_llmnr_count)" 0
dmr_mcast_send
ok "allow-lan: it is in effect: other multicast (224.0.0.1:9) reaches ISP A" test "$(dmr_llmnr_count mcast9)" -gt 0
ok "allow-lan: disconnect" vm_down dmfull
nmcli connection delete dmfull dmsplit >/dev/null
vm_finish
