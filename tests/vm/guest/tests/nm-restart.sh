#!/bin/bash
# The kill switch while NetworkManager itself goes away, as a unit:
# `systemctl restart NetworkManager` and `systemctl stop NetworkManager`
# with the VPN up and a ~1 kpps probe running; ISP A's leak meter must
# count nothing but WireGuard, DHCP and neighbour discovery.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh

ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
conf=$VM_PROFILES/wgnm.conf
vm_write_config "$conf"
ok "nmcli imports the profile" vm_import "$conf"
ok "nmcli connection up wgnm" vm_up wgnm

# --- restart ------------------------------------------------------------------
lab_leak_reset ispa
vm_probe_start
sleep 2
ok "systemctl restart NetworkManager" systemctl restart NetworkManager
ok "NetworkManager is back with eth0" vm_nm_wait_uplink eth0
sleep 3
vm_probe_stop
vm_leaks_comment ispa
is "restart: nothing but WireGuard, DHCP and ND left through ISP A" "$(lab_leak_count ispa leaks)" "0"
ok "the kill-switch table is still loaded" vm_table_present
vm_log "after the restart: VPN state '$(vm_state wgnm)', links $(ip -o link show | awk -F': ' '$2 ~ /^wgks/ {print $2}' | paste -sd' ')"
vm_log "wg-killswitch status: $(wg-killswitch status 2>&1 | head -3 | paste -sd' ')"
ok "nmcli connection up wgnm again" vm_up wgnm
is "traffic goes through the tunnel" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
is "exactly one tunnel interface" "$(ip -o link show | grep -c ': wgks')" "1"

# --- stop -------------------------------------------------------------------------
lab_leak_reset ispa
vm_probe_start
sleep 2
ok "systemctl stop NetworkManager" systemctl stop NetworkManager
sleep 10
vm_probe_stop
vm_leaks_comment ispa
is "stopped: nothing but WireGuard, DHCP and ND left through ISP A" "$(lab_leak_count ispa leaks)" "0"
ok "the kill-switch table is still loaded" vm_table_present
ok "systemctl start NetworkManager" systemctl start NetworkManager
ok "NetworkManager is back with eth0" vm_nm_wait_uplink eth0
ok "nmcli connection up wgnm after the stop" vm_up wgnm
is "traffic goes through the tunnel" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
ok "nmcli connection down wgnm" vm_down wgnm
is "the plain uplink is back" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
is "no tunnel interface is left" "$(ip -o link show | grep -c ': wgks')" "0"
nmcli connection delete wgnm >/dev/null
vm_finish
