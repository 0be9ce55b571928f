#!/bin/bash
# DNS over TLS through the tunnel under systemd-resolved: unbound inside the
# tunnel serves DNS over TLS on 10.66.0.53:853 with a certificate this test
# makes (its own CA, the server's address in subjectAltName); the profile has
# dns-over-tls=yes and connection.dns-over-tls=yes. Counted at the tunnel
# server: queries arrive over TLS on 853, none in clear on 53; ISP A's
# resolver and meter see nothing. First without the CA in the system's
# trust store (what does resolved 252 do with a certificate it cannot
# verify?), then with it.
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

# --- the CA unknown to the system ------------------------------------------------------
ok "connect (CA not trusted)" vm_up wgdot
ifname=$(vm_tun_ifname)
st=$(resolvectl status "$ifname" 2>&1)
vm_log "resolvectl status $ifname:"
while IFS= read -r l; do vm_log "  $l"; done <<<"$st"
ok "resolved has DNS over TLS on the tunnel link (+DNSOverTLS)" grep -q '+DNSOverTLS' <<<"$st"
dot_reset
n0=$(vm_dns_fresh dot-untrusted)
r0=$(dig +short +time=5 +tries=1 "$n0" 2>&1; dig +short +time=5 +tries=1 www.lab.example 2>&1)
vm_log "untrusted CA: dig answered '${r0//$'\n'/ }'; at the tunnel server: tls=$(dot_count tls) plain=$(dot_count plain); unbound saw the name: $(dot_seen "$n0" && echo yes || echo no)"
is "untrusted CA: nothing in clear on 53 at the tunnel DNS" "$(dot_count plain)" 0
is "untrusted CA: ISP A's meter counts no DNS" "$(lab_leak_count ispa dns)" 0
ok "untrusted CA: ISP A's resolver never saw the name" bash -c "! grep -q '$n0' '$(lab_dns_log ispa)'"
if dot_seen "$n0"; then
	DOT_VALIDATES=no
	vm_log "resolved sent the query over a TLS session whose certificate it cannot verify"
else
	DOT_VALIDATES=yes
fi
ok "nmcli connection down wgdot" vm_down wgdot

# --- the CA in the system's trust store ----------------------------------------------------
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
dot_reset
is "DNS through the stub is answered over TLS" "$(dig +short +time=5 +tries=1 secret.lab.example)" "$LAB_TUN_WEB4"
n1=$(vm_dns_fresh dot-dig)
dig +short +time=5 +tries=1 "$n1" >/dev/null
n2=$(vm_dns_fresh dot-getent)
getent hosts "$n2" >/dev/null
n3=$(vm_dns_fresh dot-resolvectl)
resolvectl query "$n3" >/dev/null 2>&1
sleep 0.5
vm_log "CELL resolved/dot/connected tunnel server: tls=$(dot_count tls) plain=$(dot_count plain) | ISP A dns meter=$(lab_leak_count ispa dns)"
for n in secret.lab.example "$n1" "$n2" "$n3"; do
	ok "unbound answered $n (over TLS)" dot_seen "$n"
	ok "the tunnel's plain resolver never saw $n" bash -c "! grep -q '$n' '$(lab_dns_log tun)'"
	ok "ISP A's resolver never saw $n" bash -c "! grep -q '$n' '$(lab_dns_log ispa)'"
done
ok "TLS packets to 853 at the tunnel server" test "$(dot_count tls)" -gt 0
is "nothing in clear on 53 at the tunnel server" "$(dot_count plain)" 0
is "ISP A's meter counts no DNS" "$(lab_leak_count ispa dns)" 0
vm_leaks_comment ispa
is "nothing but WireGuard left through ISP A" "$(lab_leak_count ispa leaks)" "0"
vm_log "resolved validates the certificate in dns-over-tls=yes mode: $DOT_VALIDATES"
ok "nmcli connection down wgdot" vm_down wgdot
nmcli connection delete wgdot >/dev/null
vm_finish
