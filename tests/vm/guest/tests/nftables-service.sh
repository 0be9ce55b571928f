#!/bin/bash
# Debian's nftables.service enabled (its /etc/nftables.conf begins with
# `flush ruleset`) together with lockdown: after shutdown and boot, the
# kill-switch table must still be there and nothing may leak.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh
unit=wireguard-killswitch-lockdown.service

if [ "${WGKS_VM_PHASE:-1}" = 1 ]; then
	ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
	ok "/etc/nftables.conf flushes the whole ruleset" grep -q '^flush ruleset' /etc/nftables.conf
	ok "systemctl enable nftables.service" systemctl -q enable nftables.service
	ok "wg-killswitch lockdown on" wg-killswitch lockdown on
	ok "lockdown blocks now" bash -c "! curl -s --max-time 5 http://$LAB_WEB4/ >/dev/null"
	ok "a leak probe is set up for the next boot" vm_boot_probe_enable
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ] || vm_finish
	exit 100
fi

is "after the reboot, nftables.service is active" "$(systemctl is-active nftables.service)" "active"
is "and so is the lockdown unit" "$(systemctl is-active "$unit")" "active"
nft_t=$(vm_monotonic nftables.service ActiveEnterTimestampMonotonic)
lock_t=$(vm_monotonic "$unit" ActiveEnterTimestampMonotonic)
nm_t=$(vm_monotonic NetworkManager.service ExecMainStartTimestampMonotonic)
vm_log "nftables.service at $nft_t us, lockdown unit at $lock_t us, NetworkManager at $nm_t us"
ok "the lockdown unit is ordered after nftables.service" bash -c "systemctl show -p After --value $unit | tr ' ' '\\n' | grep -qx nftables.service"
ok "and ran after it" test "$nft_t" -gt 0 -a "$nft_t" -lt "$lock_t"
ok "the kill-switch table survived nftables.service's flush" vm_table_present
ok "NetworkManager brought eth0 up" vm_nm_wait_uplink eth0
ok "the boot probe sent packets during the boot" vm_boot_probe_stop
vm_leaks_comment ispa
is "nothing but DHCP and neighbour discovery left through ISP A since boot" "$(lab_leak_count ispa leaks)" "0"
ok "without the VPN, traffic is blocked" bash -c "! curl -s --max-time 5 http://$LAB_WEB4/ >/dev/null"
ok "wg-killswitch lockdown off" wg-killswitch lockdown off
is "the plain uplink is back" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
systemctl disable nftables.service 2>/dev/null
vm_finish
