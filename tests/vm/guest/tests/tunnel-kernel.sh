#!/bin/bash
# Full tunnel with an IP-literal endpoint on kernel WireGuard, DNS through
# systemd-resolved: HTTP and DNS through the tunnel, `~.` on the tunnel link,
# nothing but WireGuard through the ISP, and all of it undone at disconnect.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh

ok "NetworkManager has eth0 up with DHCPv4 and SLAAC from ISP A" vm_nm_wait_uplink eth0
is "resolv.conf is systemd-resolved's stub" "$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)" "127.0.0.53"
is "resolved has ISP A's resolver on eth0" "$(resolvectl dns eth0 | grep -o "$LAB_ISPA_GW4")" "$LAB_ISPA_GW4"
is "before the VPN, the web server sees the ISP address" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_ISPA_CLIENT4"

conf=$VM_PROFILES/wgip.conf
vm_write_config "$conf"
ok "nmcli imports the profile (endpoint $LAB_WG_ENDPOINT4)" vm_import "$conf"
t0=$(date +%s%N)
ok "nmcli connection up wgip" vm_up wgip
vm_log "connect took $((($(date +%s%N) - t0) / 1000000)) ms"
is "VPN is activated" "$(vm_state wgip)" "activated"
ifname=$(vm_tun_ifname)
vm_log "tunnel interface: $ifname"
is "the tunnel is a kernel WireGuard link" "$(ip -d -o link show "$ifname" | grep -o 'wireguard' | head -1)" "wireguard"
is "the service did not start wireguard-go" "$(vm_wireguard_go_count)" "0"
ok "the service logged the kernel backend" bash -c "journalctl -b --no-pager -o cat | grep -aq 'created WireGuard interface $ifname (kernel)'"

lab_leak_reset ispa
is "through the tunnel, the web server sees the tunnel address" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
is "IPv6 through the tunnel too" "$(vm_curl "http://[$LAB_WEB6]/")" "$LAB_TUN_CLIENT6"
is "a tunnel-only server answers" "$(vm_curl "http://$LAB_TUN_WEB4/")" "$LAB_TUN_CLIENT4"

domains=$(resolvectl domain "$ifname" 2>&1)
vm_log "resolvectl domain: $domains"
ok "resolved routes every name to the tunnel link (~.)" grep -q '~\.' <<<"$domains"
is "resolved has the tunnel DNS on the tunnel link" "$(resolvectl dns "$ifname" | grep -o "$LAB_TUN_DNS4")" "$LAB_TUN_DNS4"

is "DNS through the stub is answered by the tunnel resolver" "$(dig +short +time=3 +tries=1 secret.lab.example)" "$LAB_TUN_WEB4"
name1=$(vm_dns_fresh probe-dig)
dig +short +time=3 +tries=1 "$name1" >/dev/null
name2=$(vm_dns_fresh probe-resolvectl)
resolvectl query "$name2" >/dev/null 2>&1
name3=$(vm_dns_fresh probe-getent)
getent hosts "$name3" >/dev/null
for n in secret.lab.example "$name1" "$name2" "$name3"; do
	ok "the tunnel resolver saw $n" lab_dns_queried tun "$n"
	ok "ISP A's resolver never saw $n" bash -c "! grep -q '$n' '$(lab_dns_log ispa)'"
done
is "a query sent straight to ISP A's resolver gets no answer" \
	"$(dig +short +time=2 +tries=1 @"$LAB_ISPA_GW4" www.lab.example 2>/dev/null | grep -c "^$LAB_WEB4$")" "0"
vm_leaks_comment ispa
is "nothing but WireGuard left through ISP A meanwhile" "$(lab_leak_count ispa leaks)" "0"
ok "WireGuard packets were counted at ISP A" test "$(lab_leak_count ispa wg)" -gt 0

# --- disconnect -------------------------------------------------------------------
ok "nmcli connection down wgip" vm_down wgip
is "the plain uplink is back" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
ok "the kill-switch table is gone" bash -c "! nft list table inet wireguard_killswitch >/dev/null 2>&1"
ok "the tunnel interface is gone" bash -c "! ip link show '$ifname' >/dev/null 2>&1"
ok "no link holds ~. any more" bash -c "! resolvectl domain | grep -q '~\.'"
name4=$(vm_dns_fresh after-down)
is "DNS works again after disconnect" "$(dig +short +time=3 +tries=1 www.lab.example)" "$LAB_WEB4"
dig +short +time=3 +tries=1 "$name4" >/dev/null
ok "and goes to ISP A's resolver again" lab_dns_queried ispa "$name4"
ok "not to the tunnel's" bash -c "! grep -q '$name4' '$(lab_dns_log tun)'"
nmcli connection delete wgip >/dev/null
vm_finish
