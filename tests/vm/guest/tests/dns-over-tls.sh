#!/bin/bash
# DNS over TLS through the tunnel under systemd-resolved: unbound inside the
# tunnel serves DNS over TLS on 10.66.0.53:853 with a certificate this test
# makes (its own CA, the server's address in subjectAltName); the profile has
# dns-over-tls=yes and connection.dns-over-tls=yes.
# 1. What NetworkManager 1.42 hands resolved for the VPN's link: the
#    profile's connection.dns-over-tls is not applied to a VPN connection
#    (resolvectl shows -DNSOverTLS); DNS goes to the tunnel's server in
#    clear, inside the tunnel. Printed and asserted as found, so that a fixed
#    NetworkManager makes this test say so.
# 2. What systemd-resolved 252 can do through the tunnel: DNSOverTLS=yes in
#    resolved.conf (the global mode, which applies to every link for which
#    NetworkManager sets none). With the CA unknown to the system, then with
#    it in the trust store. Counted at the tunnel server: queries arrive over
#    TLS on 853, none in clear on 53; ISP A's resolver and meter see nothing.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh
d=$LAB_DIR/dot
mkdir -p "$d"

dot_certs() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
		-subj "/CN=wgks VM lab DNS CA" 2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" \
			-subj "/CN=dns.lab.example" 2>/dev/null &&
		printf 'subjectAltName=IP:%s,IP:%s,DNS:dns.lab.example\n' "$LAB_TUN_DNS4" "$LAB_TUN_DNS6" >"$d/ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
			-out "$d/server.pem" -days 2 -extfile "$d/ext" 2>/dev/null
}

dot_unbound() {
	cat >"$d/unbound.conf" <<-CONF
		server:
		  username: ""
		  chroot: ""
		  directory: "$d"
		  pidfile: "$d/unbound.pid"
		  use-syslog: no
		  logfile: "$d/unbound.log"
		  verbosity: 1
		  log-queries: yes
		  do-daemonize: no
		  interface: $LAB_TUN_DNS4@853
		  tls-port: 853
		  tls-service-key: "$d/server.key"
		  tls-service-pem: "$d/server.pem"
		  access-control: 10.66.0.0/24 allow
		  do-ip6: no
		  module-config: "iterator"
		  local-zone: "." static
		  local-data: "secret.lab.example. A $LAB_TUN_WEB4"
		  local-data: "www.lab.example. A $LAB_WEB4"
		remote-control:
		  control-enable: no
	CONF
	unbound-checkconf "$d/unbound.conf" >/dev/null || return 1
	lab__spawn tun-unbound ip netns exec "$LAB_PREFIX-inet" unbound -d -c "$d/unbound.conf"
	lab_wait_for 20 lab__listening inet -ltn 853
}

# What reaches the tunnel's DNS address from the client, by port
dot_meter() {
	lab_ns inet nft -f - <<-NFT
		table inet wgks_vm_dot {
			counter tls {}
			counter plain {}
			chain in {
				type filter hook input priority -10; policy accept;
				iifname != "$LAB_WG_SERVER_IF" accept
				ip daddr $LAB_TUN_DNS4 tcp dport 853 counter name "tls"
				ip daddr $LAB_TUN_DNS4 meta l4proto { tcp, udp } th dport 53 counter name "plain"
			}
		}
	NFT
}
dot_count() { lab_ns inet nft list counter inet wgks_vm_dot "$1" | awk '$1 == "packets" {print $2}'; }
dot_reset() { lab_ns inet nft reset counters table inet wgks_vm_dot >/dev/null; lab_leak_reset ispa; }
dot_seen() { grep -q " ${1//./\\.}\. " "$d/unbound.log"; }

ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
vm_log "$(resolvectl --version | head -1); TLS backend: $(ldd /usr/lib/systemd/systemd-resolved 2>/dev/null | grep -o 'libssl[^ ]*\|libgnutls[^ ]*' | head -1)"
ok "a CA and a server certificate for $LAB_TUN_DNS4 (openssl)" dot_certs
ok "unbound serves DNS over TLS on $LAB_TUN_DNS4:853 in the tunnel" dot_unbound
ok "a meter at the tunnel server: 853 and 53 to the tunnel DNS" dot_meter

conf=$VM_PROFILES/wgdot.conf
vm_write_config "$conf"
ok "nmcli imports the profile" vm_import "$conf"
ok "dns-over-tls=yes and connection.dns-over-tls yes" \
	nmcli connection modify wgdot +vpn.data dns-over-tls=yes connection.dns-over-tls yes

# --- 1. NetworkManager's per-connection setting ------------------------------------------
ok "connect (the profile's connection.dns-over-tls=yes)" vm_up wgdot
ifname=$(vm_tun_ifname)
st=$(resolvectl status "$ifname" 2>&1)
vm_log "resolvectl status $ifname:"
while IFS= read -r l; do vm_log "  $l"; done <<<"$st"
wg-killswitch status >"$d/status-nm.out" 2>&1
vm_log "wg-killswitch status: $(grep -i 'dns' "$d/status-nm.out" | paste -sd'|')"
dot_reset
n0=$(vm_dns_fresh dot-nm)
dig +short +time=5 +tries=1 "$n0" >/dev/null 2>&1
sleep 0.5
vm_log "CELL resolved/dot/nm-per-connection tunnel server: tls=$(dot_count tls) plain=$(dot_count plain) | ISP A dns meter=$(lab_leak_count ispa dns)"
if grep -q '+DNSOverTLS' <<<"$st"; then
	vm_log "NetworkManager applied connection.dns-over-tls to the VPN's link"
	ok "per-connection: the query went over TLS" test "$(dot_count tls)" -gt 0
	is "per-connection: nothing in clear on 53" "$(dot_count plain)" 0
else
	ok "per-connection: NetworkManager $(NetworkManager --version) leaves DNS over TLS off on the VPN's link (-DNSOverTLS)" \
		grep -q -- '-DNSOverTLS' <<<"$st"
	ok "per-connection: so the query reached the tunnel's server in clear, inside the tunnel" lab_dns_queried tun "$n0"
	ok "per-connection: wg-killswitch status says DNS over TLS is NOT ACTIVE on the link" \
		grep -q '^DNS over TLS: *NOT ACTIVE: systemd-resolved uses DNSOverTLS=no' "$d/status-nm.out"
	wg-killswitch verify --target "$LAB_WEB4:80" --dns "$LAB_ISPA_GW4:53" >"$d/verify-nm.out" 2>&1
	while IFS= read -r l; do vm_log "  $l"; done <"$d/verify-nm.out"
	ok "per-connection: wg-killswitch verify FAILs the dns-tls line" grep -q '^FAIL  dns-tls ' "$d/verify-nm.out"
fi
is "per-connection: ISP A's meter counts no DNS" "$(lab_leak_count ispa dns)" 0
ok "per-connection: ISP A's resolver never saw the name" bash -c "! grep -q '$n0' '$(lab_dns_log ispa)'"
ok "nmcli connection down wgdot" vm_down wgdot

# --- 2. resolved's DNSOverTLS=yes, the CA unknown to the system --------------------------------
dot_global() {
	mkdir -p /etc/systemd/resolved.conf.d &&
		printf '[Resolve]\nDNSOverTLS=yes\n' >/etc/systemd/resolved.conf.d/90-wgks-vm-dot.conf &&
		systemctl restart systemd-resolved && sleep 2
}
ok "resolved.conf.d: DNSOverTLS=yes; resolved restarts" dot_global
ok "connect (CA not trusted)" vm_up wgdot
ifname=$(vm_tun_ifname)
st=$(resolvectl status "$ifname" 2>&1)
vm_log "resolvectl status $ifname: $(grep -i 'protocols' <<<"$st")"
ok "+DNSOverTLS on the tunnel link" grep -q '+DNSOverTLS' <<<"$st"
dot_reset
n1=$(vm_dns_fresh dot-untrusted)
r1=$(dig +short +time=5 +tries=1 "$n1" 2>&1; dig +short +time=5 +tries=1 www.lab.example 2>&1)
sleep 0.5
vm_log "CELL resolved/dot/untrusted-ca tunnel server: tls=$(dot_count tls) plain=$(dot_count plain) | ISP A dns meter=$(lab_leak_count ispa dns) | answers: '${r1//$'\n'/ }'"
ok "untrusted CA: resolved tried TLS on 853" test "$(dot_count tls)" -gt 0
is "untrusted CA: nothing in clear on 53 at the tunnel DNS" "$(dot_count plain)" 0
ok "untrusted CA: unbound never got a query (resolved rejected the certificate)" bash -c "! grep -q 'dot-untrusted' '$d/unbound.log'"
is "untrusted CA: no answer for www.lab.example" "$(grep -c "^$LAB_WEB4$" <<<"$r1")" 0
is "untrusted CA: ISP A's meter counts no DNS" "$(lab_leak_count ispa dns)" 0
ok "untrusted CA: ISP A's resolver never saw the name" bash -c "! grep -q '$n1' '$(lab_dns_log ispa)'"
ok "nmcli connection down wgdot" vm_down wgdot

# --- 3. the CA in the system's trust store ----------------------------------------------------
dot_trust() {
	mkdir -p /etc/ssl/certs &&
		cp "$d/ca.pem" /etc/ssl/certs/wgks-vm-lab-ca.pem &&
		openssl rehash /etc/ssl/certs 2>/dev/null
	cat "$d/ca.pem" >>/etc/ssl/certs/ca-certificates.crt
	systemctl restart systemd-resolved && sleep 2
}
ok "the CA goes into the system trust store; resolved restarts" dot_trust
ok "connect (CA trusted)" vm_up wgdot
ifname=$(vm_tun_ifname)
ok "+DNSOverTLS on the tunnel link" bash -c "resolvectl status '$ifname' | grep -q '+DNSOverTLS'"
wg-killswitch status >"$d/status-global.out" 2>&1
vm_log "wg-killswitch status: $(grep -i 'dns' "$d/status-global.out" | paste -sd'|')"
ok "wg-killswitch status says DNS over TLS is on" grep -q '^DNS over TLS: *yes (systemd-resolved)' "$d/status-global.out"
dot_reset
is "DNS through the stub is answered over TLS" "$(dig +short +time=5 +tries=1 secret.lab.example)" "$LAB_TUN_WEB4"
n2=$(vm_dns_fresh dot-dig)
dig +short +time=5 +tries=1 "$n2" >/dev/null
n3=$(vm_dns_fresh dot-getent)
getent hosts "$n3" >/dev/null
n4=$(vm_dns_fresh dot-resolvectl)
resolvectl query "$n4" >/dev/null 2>&1
sleep 0.5
vm_log "CELL resolved/dot/trusted-ca tunnel server: tls=$(dot_count tls) plain=$(dot_count plain) | ISP A dns meter=$(lab_leak_count ispa dns)"
for n in "$n2" "$n3" "$n4"; do
	ok "unbound answered $n (over TLS)" dot_seen "$n"
	ok "the tunnel's plain resolver never saw $n" bash -c "! grep -q '$n' '$(lab_dns_log tun)'"
	ok "ISP A's resolver never saw $n" bash -c "! grep -q '$n' '$(lab_dns_log ispa)'"
done
ok "TLS packets to 853 at the tunnel server" test "$(dot_count tls)" -gt 0
is "nothing in clear on 53 at the tunnel server" "$(dot_count plain)" 0
is "ISP A's meter counts no DNS" "$(lab_leak_count ispa dns)" 0
vm_leaks_comment ispa
is "nothing but WireGuard left through ISP A" "$(lab_leak_count ispa leaks)" "0"
ok "nmcli connection down wgdot" vm_down wgdot
nmcli connection delete wgdot >/dev/null
rm -f /etc/systemd/resolved.conf.d/90-wgks-vm-dot.conf
systemctl restart systemd-resolved
vm_finish
