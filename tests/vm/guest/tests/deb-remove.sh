#!/bin/bash
# `apt remove` takes wg-killswitch away, the only tool that lifts the kill
# switch: while connected and while in lockdown, the removal lifts the
# table, says so, and leaves the uplink working; nothing blocks afterwards.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh

ok "the package is installed" vm_pkg_ensure_installed
ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0

# --- remove while connected -------------------------------------------------------
conf=$VM_PROFILES/wgrm.conf
vm_write_config "$conf"
ok "nmcli imports the profile" vm_import "$conf"
ok "nmcli connection up wgrm" vm_up wgrm
is "traffic goes through the tunnel" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
ok "the kill-switch table is loaded" vm_table_present
ok "connected: apt remove $VM_PKG" vm_apt remove "$VM_PKG"
ok "connected: apt's output says the kill switch is lifted" \
	grep -q "^$VM_PKG: the kill switch is lifted: traffic flows without the VPN" "$VM_APT_LOG"
ok "connected: $VM_PKG is removed ($(vm_pkg_status "$VM_PKG"))" vm_pkg_removed "$VM_PKG"
ok "connected: $VM_PKG-gnome is removed with it ($(vm_pkg_status "$VM_PKG-gnome"))" vm_pkg_removed "$VM_PKG-gnome"
ok "connected: the kill-switch table is gone" bash -c "! nft list table inet wireguard_killswitch >/dev/null 2>&1"
is "connected: no tunnel interface is left" "$(ip -o link show | grep -c ': wgks')" "0"
is "connected: traffic flows through ISP A" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
is "connected: DNS works through ISP A" "$(dig +short +time=3 +tries=1 www.lab.example)" "$LAB_WEB4"
is "connected: no nftables table of the package is left" "$(nft list tables | grep -c wireguard_killswitch)" "0"
nmcli connection delete wgrm >/dev/null 2>&1

# --- remove in lockdown -----------------------------------------------------------
ok "lockdown: the package is installed again" vm_apt_install_from "$VM_DEBS"
ok "lockdown: wg-killswitch lockdown on" wg-killswitch lockdown on
ok "lockdown: the table is loaded" vm_table_present
ok "lockdown: traffic is blocked" vm_blocked "http://$LAB_WEB4/"
ok "lockdown: apt remove $VM_PKG" vm_apt remove "$VM_PKG"
ok "lockdown: apt's output says lockdown is off" grep -q "^$VM_PKG: lockdown is off now" "$VM_APT_LOG"
ok "lockdown: apt's output says the kill switch is lifted" \
	grep -q "^$VM_PKG: the kill switch is lifted: traffic flows without the VPN" "$VM_APT_LOG"
ok "lockdown: the kill-switch table is gone" bash -c "! nft list table inet wireguard_killswitch >/dev/null 2>&1"
is "lockdown: traffic flows through ISP A" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
is "lockdown: the guardian is not running" "$(systemctl is-active "$VM_GUARD" 2>&1)" "inactive"
is "lockdown: IPv6 flows through ISP A too" "$(vm_curl_until "http://[$LAB_WEB6]/" "$LAB_ISPA_CLIENT6")" "$LAB_ISPA_CLIENT6"
is "lockdown: DNS works through ISP A" "$(dig +short +time=3 +tries=1 www.lab.example)" "$LAB_WEB4"
vm_finish
