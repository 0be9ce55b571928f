#!/bin/bash
# `apt purge` while connected and in lockdown: no table, no unit, no state
# file and no file of either package is left, and traffic flows.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh

ok "the package is installed" vm_pkg_ensure_installed
ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
conf=$VM_PROFILES/wgpurge.conf
vm_write_config "$conf"
ok "nmcli imports the profile" vm_import "$conf"
ok "nmcli connection up wgpurge" vm_up wgpurge
ok "wg-killswitch lockdown on" wg-killswitch lockdown on
ok "the lockdown state file exists" test -f /var/lib/wireguard-killswitch/lockdown
ok "the run-time state exists" test -d /run/wireguard-killswitch
files=$VM_STATE/package-files
dpkg -L "$VM_PKG" "$VM_PKG-gnome" | sort -u >"$files"
vm_log "$(wc -l <"$files") paths in the two packages"

ok "apt purge $VM_PKG $VM_PKG-gnome" vm_apt purge "$VM_PKG" "$VM_PKG-gnome"
ok "apt's output says the kill switch is lifted" \
	grep -q "^$VM_PKG: the kill switch is lifted: traffic flows without the VPN" "$VM_APT_LOG"
is "neither package is known to dpkg any more" "$(vm_pkg_status "$VM_PKG" | sed 's/^un$//')$(vm_pkg_status "$VM_PKG-gnome" | sed 's/^un$//')" ""
is "no nftables table of the package is left" "$(nft list tables | grep -c wireguard_killswitch)" "0"
is "systemd knows no $VM_GUARD" "$(systemctl list-unit-files --no-legend "$VM_GUARD" | wc -l)" "0"
is "no enable link of the guardian is left" "$(find /etc/systemd -name "$VM_GUARD" | paste -sd' ')" ""
ok "no /var/lib/wireguard-killswitch" test ! -e /var/lib/wireguard-killswitch
ok "no /run/wireguard-killswitch" test ! -e /run/wireguard-killswitch
left=$(while read -r f; do [ -e "$f" ] && [ ! -d "$f" ] && echo "$f"; done <"$files")
is "no file of either package is left" "$left" ""
is "no tunnel interface is left" "$(ip -o link show | grep -c ': wgks')" "0"
is "traffic flows through ISP A" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
is "DNS works through ISP A" "$(dig +short +time=3 +tries=1 www.lab.example)" "$LAB_WEB4"
nmcli connection delete wgpurge >/dev/null 2>&1
vm_finish
