#!/bin/bash
# One connection roams between two uplinks on kernel WireGuard; then the
# service is killed (SIGKILL) and the next connect cleans up after it.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh

ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
conf=$VM_PROFILES/wgroam.conf
vm_write_config "$conf"
ok "nmcli imports the profile" vm_import "$conf"
ok "nmcli connection up wgroam" vm_up wgroam
ifname=$(vm_tun_ifname)
uuid=$(nmcli -g connection.uuid connection show wgroam)

# --- roaming --------------------------------------------------------------------
ok "roam: unplug ISP A, plug ISP B, eth1 gets its lease" lab_roam_to ispb
lab_leak_reset ispb
is "after roaming to ISP B, traffic flows through the same tunnel" \
	"$(vm_curl_until "http://$LAB_WEB4/" "$LAB_TUN_CLIENT4" 20)" "$LAB_TUN_CLIENT4"
is "the VPN stayed activated while roaming" "$(vm_state wgroam)" "activated"
is "it is the same connection" "$(nmcli -g connection.uuid connection show --active wgroam)" "$uuid"
is "the same tunnel interface" "$(vm_tun_ifname)" "$ifname"
name=$(vm_dns_fresh roamed)
dig +short +time=3 +tries=1 "$name" >/dev/null
ok "after roaming, DNS still goes to the tunnel resolver" lab_dns_queried tun "$name"
ok "ISP B's resolver never saw it" bash -c "! grep -q '$name' '$(lab_dns_log ispb)'"
ok "resolved still routes every name to the tunnel link" bash -c "resolvectl domain '$ifname' | grep -q '~\.'"
vm_leaks_comment ispb
is "nothing but WireGuard left through ISP B" "$(lab_leak_count ispb leaks)" "0"
ok "ISP B carried the WireGuard packets" test "$(lab_leak_count ispb wg)" -gt 0
ok "roam back to ISP A" lab_roam_to ispa
is "and traffic flows through ISP A again" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_TUN_CLIENT4" 20)" "$LAB_TUN_CLIENT4"

# --- crash of the service ------------------------------------------------------------
svc=$(vm_service_pid)
ok "the service runs" test -n "$svc"
kill -9 "$svc"
ok "NetworkManager notices the dead service" \
	lab_wait_for 20 bash -c "[ \"\$(nmcli -g GENERAL.STATE connection show wgroam 2>/dev/null)\" != activated ]"
ok "after the crash, the kill switch still blocks" bash -c "! curl -s --max-time 5 http://$LAB_WEB4/ >/dev/null"
lab_leak_reset ispa
vm_log "after the crash: links $(ip -o link show | awk -F': ' '$2 ~ /^wgks/ {print $2}' | paste -sd' ')"
ok "reconnect after the crash" vm_up wgroam
is "exactly one tunnel interface" "$(ip -o link show | grep -c ': wgks')" "1"
is "traffic flows through the new tunnel" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
vm_leaks_comment ispa
is "nothing but WireGuard left through ISP A" "$(lab_leak_count ispa leaks)" "0"
ok "nmcli connection down wgroam" vm_down wgroam
is "the plain uplink is back" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
is "no tunnel interface is left" "$(ip -o link show | grep -c ': wgks')" "0"
nmcli connection delete wgroam >/dev/null
vm_finish
