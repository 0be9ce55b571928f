#!/bin/bash
# A profile whose endpoint is a host name (the seed's own example), under
# systemd-resolved: the name must be resolved through the ISP's resolver
# while the kill switch holds. /etc/resolv.conf says 127.0.0.53 here, and
# resolved's upstream query to the ISP is what the firewall must let pass.
# The service resolves the name itself (c-ares), from sockets with the
# tunnel's fwmark, straight at the uplink's DNS servers that NetworkManager
# knows, never through the stub.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh

ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
conf=$VM_PROFILES/wghost.conf
vm_write_config "$conf" "0.0.0.0/0, ::/0" "vpn.lab.example:$LAB_WG_PORT"
ok "nmcli imports the profile (endpoint vpn.lab.example)" vm_import "$conf"
t0=$(date +%s)
vm_up_metered wghost lab_leak_reset ispa
rc=$?
vm_log "nmcli connection up: exit $rc after $(($(date +%s) - t0)) s"
is "nmcli connection up wghost" "$rc" "0"
ok "the endpoint name was asked at ISP A's resolver" lab_dns_queried ispa vpn.lab.example
is "through the tunnel, the web server sees the tunnel address" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
vm_leaks_comment ispa
lookups=$(grep -c 'query\[[A-Z]*\] vpn\.lab\.example from' "$(lab_dns_log ispa)")
is "once the table was in place, nothing but WireGuard, DHCP and ND left through ISP A" \
	"$(($(lab_leak_count ispa other) + $(lab_leak_count ispa ipv6_other)))" "0"
ok "... and DNS only the service's endpoint lookups ($lookups at the resolver)" \
	test "$(lab_leak_count ispa dns)" -le "$lookups"
vm_log "the service's log about the endpoint:"
journalctl -b --no-pager -o cat | grep -a 'nm-wireguard-killswitch' | grep -ai 'resolv\|endpoint\|vpn.lab.example\|fail' |
	tail -15 | sed 's/^/#   /'
if [ "$rc" = 0 ]; then
	ok "nmcli connection down wghost" vm_down wghost
else
	nmcli connection down id wghost >/dev/null 2>&1
	ok "after the failed attempt, wg-killswitch release --yes lifts the table" wg-killswitch release --yes
fi
is "the plain uplink is back" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
nmcli connection delete wghost >/dev/null
vm_finish
