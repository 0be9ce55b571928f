#!/bin/bash
# Split tunnel with its own domain under systemd-resolved: company.internal
# goes to the tunnel's resolver, every other name to the ISP's.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh

ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
conf=$VM_PROFILES/wgsplit.conf
vm_write_config "$conf" "10.66.0.0/24, fd00:66::/64" "$LAB_WG_ENDPOINT4:$LAB_WG_PORT" "$LAB_TUN_DNS4, company.internal"
ok "nmcli imports the split-tunnel profile" vm_import "$conf"
ok "nmcli connection up wgsplit" vm_up wgsplit
ifname=$(vm_tun_ifname)
domains=$(resolvectl domain "$ifname" 2>&1)
vm_log "resolvectl domain: $domains"
ok "the tunnel link has the domain company.internal" grep -q 'company\.internal' <<<"$domains"
ok "and not ~. (a split tunnel does not own all of DNS)" bash -c "! grep -q '~\.' <<<'$domains'"
is "tunnel networks go through the tunnel" "$(vm_curl "http://$LAB_TUN_WEB4/")" "$LAB_TUN_CLIENT4"
is "everything else keeps the uplink" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_ISPA_CLIENT4"
is "intra.company.internal is answered by the tunnel resolver" \
	"$(dig +short +time=3 +tries=1 intra.company.internal)" "$LAB_TUN_WEB4"
ok "the tunnel resolver logged it" lab_dns_queried tun intra.company.internal
ok "ISP A's resolver never saw it" bash -c "! grep -q 'company\.internal' '$(lab_dns_log ispa)'"
name=$(vm_dns_fresh split-other)
dig +short +time=3 +tries=1 "$name" >/dev/null
ok "another name ($name) goes to ISP A's resolver" lab_dns_queried ispa "$name"
ok "not to the tunnel's" bash -c "! grep -q '$name' '$(lab_dns_log tun)'"
is "and www.lab.example is answered" "$(dig +short +time=3 +tries=1 www.lab.example)" "$LAB_WEB4"
ok "nmcli connection down wgsplit" vm_down wgsplit
ok "the company.internal domain is gone from resolved" bash -c "! resolvectl domain | grep -q 'company\.internal'"
nmcli connection delete wgsplit >/dev/null
vm_finish
