#!/bin/bash
# Lockdown across a real reboot: the boot unit blocks before NetworkManager
# starts, nothing leaks while the ISP's DHCP runs (a probe sends from early
# boot on), the VPN connects, and `wg-killswitch lockdown off` restores.
# Phase 1 connects with kill-switch=lockdown and asks for the reboot.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh
unit=wireguard-killswitch-lockdown.service

if [ "${WGKS_VM_PHASE:-1}" = 1 ]; then
	ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
	is "the lockdown unit is enabled (as the package installs it)" "$(systemctl is-enabled "$unit")" "enabled"
	conf=$VM_PROFILES/wglock.conf
	vm_write_config "$conf"
	ok "nmcli imports the profile" vm_import "$conf"
	ok "kill-switch=lockdown" nmcli connection modify wglock +vpn.data kill-switch=lockdown
	ok "nmcli connection up wglock" vm_up wglock
	is "traffic goes through the tunnel" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
	ok "lockdown is recorded" test -e /var/lib/wireguard-killswitch/lockdown
	ok "a leak probe is set up for the next boot" vm_boot_probe_enable
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ] || vm_finish
	exit 100   # reboot
fi

is "after the reboot, the lockdown unit is active" "$(systemctl is-active "$unit")" "active"
lock_t=$(vm_monotonic "$unit" ActiveEnterTimestampMonotonic)
nm_t=$(vm_monotonic NetworkManager.service ExecMainStartTimestampMonotonic)
vm_log "lockdown unit active at ${lock_t} us, NetworkManager started at ${nm_t} us"
ok "it was active before NetworkManager started" test "$lock_t" -gt 0 -a "$lock_t" -lt "$nm_t"
ok "the kill-switch table is loaded" vm_table_present
ok "NetworkManager brought eth0 up (DHCP works under lockdown)" vm_nm_wait_uplink eth0
ok "the boot probe sent packets during the boot" vm_boot_probe_stop
vm_leaks_comment ispa
is "nothing but DHCP and neighbour discovery left through ISP A since boot" "$(lab_leak_count ispa leaks)" "0"
is "and no WireGuard either (no VPN yet)" "$(lab_leak_count ispa wg)" "0"
ok "ISP A's resolver got no query since boot" bash -c "! grep -q 'query\[' '$(lab_dns_log ispa)'"
ok "without the VPN, traffic is blocked" bash -c "! curl -s --max-time 5 http://$LAB_WEB4/ >/dev/null"
ok "nmcli connection up wglock" vm_up wglock
is "traffic goes through the tunnel" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
ok "nmcli connection down wglock" vm_down wglock
sleep 2
ok "after disconnect, lockdown still blocks" bash -c "! curl -s --max-time 5 http://$LAB_WEB4/ >/dev/null"
ok "wg-killswitch lockdown off" wg-killswitch lockdown off
is "the plain uplink is back" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
ok "the table is gone" bash -c "! nft list table inet wireguard_killswitch >/dev/null 2>&1"
vm_leaks_comment ispa
nmcli connection delete wglock >/dev/null
vm_finish
