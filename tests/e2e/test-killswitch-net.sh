#!/bin/bash
# Kill switch, part 3: the network under the client changes:
# uplink loss, roaming ISP A -> ISP B, DHCP option 121 routes
# ("TunnelVision"), ISP IPv6 router advertisements with an IPv4-only
# tunnel, DHCP while blocked, allow-lan=yes.
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

# The endpoint as an IPv6 literal (vpn.lab.example resolves to v4 or v6 at
# random): over IPv6, a link flap once let the kernel pick the tunnel's own
# address as the source of the encrypted packets and the tunnel looped
# (fixed in the firewall); IPv4 transport is covered by test-tunnel.sh.
e2e_write_config "$LAB_DIR/wgks.conf" "0.0.0.0/0, ::/0" "[$LAB_WG_ENDPOINT6]:$LAB_WG_PORT"
e2e_write_config "$LAB_DIR/wglan.conf"
cat >"$LAB_DIR/wgv4.conf" <<-CONF
	[Interface]
	PrivateKey = $(cat "$LAB_CLIENT_KEY")
	Address = $LAB_TUN_CLIENT4/24
	DNS = $LAB_TUN_DNS4

	[Peer]
	PublicKey = $(cat "$LAB_SERVER_PUB")
	Endpoint = $LAB_WG_ENDPOINT4:$LAB_WG_PORT
	AllowedIPs = 0.0.0.0/0
	PersistentKeepalive = 15
CONF
chmod 600 "$LAB_DIR/wgv4.conf"
for c in wgks wglan wgv4; do e2e_import "$LAB_DIR/$c.conf"; done
lab_client nmcli connection modify wglan +vpn.data allow-lan=yes

ks_tunnel_flows() { # within 30 s (WireGuard re-handshakes after an outage)
	E2E_CURL_TIMEOUT=2 lab_wait_for 30 ks_via_tunnel
}

# --- 5. uplink loss --------------------------------------------------------------------------
ok "connect" ks_up wgks
ks_begin "5 (uplink loss)"
ok "5: pull ISP A's cable" lab_uplink_down ispa
sleep 2
ok "5: the kill-switch table is still there (state $(ks_table_state))" not ks__table_is absent
# Without a route to the endpoint the tunnel is blocked too: rejected at once.
ok "5: the tunnel is blocked while the endpoint is unroutable" ks_wait_table blocked 3
ok "5: curl --max-time 5 fails fast" ks_curl_fails_fast "http://$LAB_WEB4/"
ok "5: plug it back in" lab_uplink_up ispa
ok "5: eth0 comes back" lab_nm_wait eth0 20
t0=$(ks_ms)
ok "5: traffic flows through the tunnel again" ks_tunnel_flows
e2e__log "tunnel traffic again $(($(ks_ms) - t0)) ms after eth0 came back"
ks_end "5 (uplink loss)"

# --- 6. roaming ISP A -> ISP B ------------------------------------------------------------
KS_PROBE_TARGETS="$KS_PROBE_TARGETS $LAB_ISPB_GW4 $LAB_ISPB_GW6"
ks_begin "6 (roaming to ISP B)"
t0=$(ks_ms)
ok "6: roam to ISP B" lab_roam_to ispb
ok "6: traffic flows through the tunnel after the switch" ks_tunnel_flows
e2e__log "tunnel traffic again $(($(ks_ms) - t0)) ms after the roam began"
is "6: the VPN stayed activated" "$(e2e_vpn_state wgks)" activated
ks_end "6 (roaming to ISP B)"
ks_begin "6 (on ISP B)" 
sleep 3
ks_end "6 (on ISP B)"
r=$(ks_probe_replies "icmp $LAB_WEB4")
ok "6: on ISP B the probe's pings to the internet come back through the tunnel ($r)" test "$r" -gt 0
ok "6: ISP B carried WireGuard" test "$(lab_leak_count ispb wg)" -gt 0
ks_begin "6 (back to ISP A)"
t0=$(ks_ms)
ok "6: roam back to ISP A" lab_roam_to ispa
ok "6: traffic flows through the tunnel" ks_tunnel_flows
e2e__log "tunnel traffic again $(($(ks_ms) - t0)) ms after the roam began"
ks_end "6 (back to ISP A)"

# --- DHCP while blocked ------------------------------------------------------------------------
ok "blocked: drop the tunnel (ip link set <tun> down)" lab_client ip link set "$(ks_tun_ifname)" down
ok "blocked: the table blocks" ks_wait_table blocked 10
ks_begin "DHCP while blocked"
mark=$(wc -l <"$(lab_dns_log ispa)")
ok "blocked: re-activate eth0 (a full DHCP exchange)" lab_client nmcli connection up lab-ispa
ok "blocked: eth0 gets its lease and SLAAC address" lab_nm_wait eth0 20
ok "blocked: ISP A's DHCP server acknowledged it" \
	sh -c "tail -n +$mark '$(lab_dns_log ispa)' | grep -q 'DHCPACK(lan) $LAB_ISPA_CLIENT4'"
ok "blocked: DHCP packets were counted" test "$(lab_leak_count ispa dhcp)" -gt 0
ks_blocked_checks "DHCP while blocked"
ks_end "DHCP while blocked"
ks_reset wgks

# --- 9. IPv6 router advertisements, IPv4-only tunnel ------------------------------------
ok "9: eth0 has the ISP's IPv6 address (RA/SLAAC)" test -n "$(lab_client_addr6 eth0)"
ok "9: connect the IPv4-only tunnel (AllowedIPs 0.0.0.0/0)" ks_up wgv4
ks_begin "9 (IPv6 RA, IPv4-only tunnel)"
ok "9: IPv4 goes through the tunnel" ks_via_tunnel
ok "9: IPv6 to the internet fails fast" ks_curl_fails_fast "http://[$LAB_WEB6]/"
ok "9: IPv6 to the ISP's router fails fast" ks_curl_fails_fast "http://[$LAB_ISPA_GW6]:53/"
ok "9: no AAAA query leaves to the ISP" not ks_dig_answers AAAA @"$LAB_ISPA_GW6" www.lab.example
sleep 2
ks_end "9 (IPv6 RA, IPv4-only tunnel)"
is "9: not a single IPv6 packet other than ND/DHCPv6 at ISP A" "$(lab_leak_count ispa ipv6_other)" 0
ks_reset wgv4

# --- 8. DHCP option 121 ("TunnelVision") ----------------------------------------------------
ok "8: ISP A's DHCP now pushes 203.0.113.80/32 via 198.51.100.1" \
	lab_isp_dnsmasq_restart ispa "--dhcp-option=121,$LAB_WEB4/32,$LAB_ISPA_GW4"
ok "8: eth0 takes the new lease" lab_client nmcli connection up lab-ispa
lab_nm_wait eth0 20
rt=$(lab_client ip -4 route show "$LAB_WEB4/32")
e2e__log "route from DHCP: $rt"
ok "8: the pushed route is installed" grep -q "via $LAB_ISPA_GW4 dev eth0" <<<"$rt"
ok "8: connect" ks_up wgks
ks_begin "8 (DHCP option 121)"
got=$(E2E_CURL_TIMEOUT=5 e2e_curl "http://$LAB_WEB4/")
e2e__log "8: the web server saw: '${got:-nothing}'"
ok "8: 203.0.113.80 is reached through the tunnel or not at all, never from the ISP address" \
	test "$got" = "$LAB_TUN_CLIENT4" -o -z "$got"
sleep 2
ks_end "8 (DHCP option 121)"
ks_reset wgks
ok "8: ISP A without option 121 again" lab_isp_dnsmasq_restart ispa
lab_client nmcli connection up lab-ispa >/dev/null
lab_nm_wait eth0 20

# --- allow-lan=yes ---------------------------------------------------------------------------------
# A private LAN next to the ISP's: the ISP router gets 192.168.77.1 and a
# small TCP listener (started by PID, stopped by the lab's teardown).
lab_ns ispa ip addr add 192.168.77.1/24 dev lan
lab_client ip addr add 192.168.77.10/24 dev eth0
lab__spawn ispa-lanhost ip netns exec "$LAB_PREFIX-ispa" "$LAB_PYTHON" -m http.server --bind 0.0.0.0 8080
lab_wait_for 10 lab__listening ispa -ltn 8080
lanok() { lab_client curl -s -o /dev/null --max-time 3 "http://192.168.77.1:8080/"; }
ok "allow-lan: connect" ks_up wglan
ok "allow-lan: a host on the LAN answers" lanok
ok "allow-lan: the ISP's public address on the same link does not (fails fast)" \
	ks_curl_fails_fast "http://$LAB_ISPA_GW4:8080/"
ok "allow-lan: the internet goes through the tunnel" ks_via_tunnel
ok "allow-lan: DNS to the LAN is still rejected" not ks_dig_answers @192.168.77.1 lan.lab.example
lab_client ip link set "$(ks_tun_ifname)" down
ok "allow-lan: after a drop, the table blocks" ks_wait_table blocked 10
ok "allow-lan: the LAN host still answers" lanok
ok "allow-lan: the internet does not (fails fast)" ks_curl_fails_fast "http://$LAB_WEB4/"
ks_reset wglan

e2e_finish
