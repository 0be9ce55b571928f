#!/bin/bash
# The package as a user installs and upgrades it: `apt install` of the two
# .debs (run-guest-tests.sh, first boot) enables and starts the guardian,
# which blocks nothing with lockdown off; the VPN connects on kernel
# WireGuard; then `apt install` of a higher version while connected and a
# ~1 kpps probe runs: the table never goes away, ISP A's meter counts
# nothing but WireGuard, the tunnel still carries traffic, the guardian
# runs the new binary.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh

# --- install ----------------------------------------------------------------------
ok "install: the package is installed" vm_pkg_ensure_installed
is "install: $VM_PKG is installed at the base version" "$(vm_pkg_version)" "$(vm_deb_version "$VM_DEBS")"
is "install: $VM_PKG-gnome is installed too" "$(vm_pkg_status "$VM_PKG-gnome")" "ii"
is "install: the service is where Debian puts NetworkManager's VPN services" \
	"$(sed -n 's/^program=//p' /usr/lib/NetworkManager/VPN/nm-wireguard-killswitch-service.name)" \
	"/usr/lib/NetworkManager/nm-wireguard-killswitch-service"
is "install: the guardian $VM_GUARD is enabled" "$(systemctl is-enabled "$VM_GUARD" 2>&1)" "enabled"
is "install: the guardian is active" "$(systemctl is-active "$VM_GUARD" 2>&1)" "active"
ok "install: with lockdown off, no kill-switch table" bash -c "! nft list table inet wireguard_killswitch >/dev/null 2>&1"
ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
is "install: traffic flows through ISP A" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"

# --- connect ----------------------------------------------------------------------
conf=$VM_PROFILES/wgdeb.conf
vm_write_config "$conf"
ok "connect: nmcli imports the profile" vm_import "$conf"
ok "connect: nmcli connection up wgdeb" vm_up wgdeb
ifname=$(vm_tun_ifname)
is "connect: the tunnel is a kernel WireGuard link" "$(ip -d -o link show "$ifname" | grep -o 'wireguard' | head -1)" "wireguard"
is "connect: through the tunnel, the web server sees the tunnel address" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
svc_pid=$(vm_service_pid)
guard_pid=$(systemctl show -p MainPID --value "$VM_GUARD")

# --- upgrade while connected ------------------------------------------------------
new=$(vm_deb_version "$VM_DEBS_UPGRADE")
samples=$VM_STATE/table-samples
: >"$samples"
(while :; do
	if vm_table_present; then echo 1; else echo 0; fi
	sleep 0.1
done >>"$samples") &
sampler=$!
# and every change of the ruleset's tables, also one between two samples
events=$VM_STATE/table-events
nft monitor tables >"$events" 2>&1 &
monitor=$!
sleep 1
# a table of our own, so that the monitor is known to see deletions
nft add table inet wgks_vm_monitor_check && nft delete table inet wgks_vm_monitor_check
lab_leak_reset ispa
vm_probe_start
sleep 2
t0=$(date +%s%N)
ok "upgrade: apt install ./network-manager-wireguard-killswitch*.deb of $new while connected" vm_apt_install_from "$VM_DEBS_UPGRADE"
vm_log "apt install (upgrade) took $((($(date +%s%N) - t0) / 1000000)) ms"
sleep 3
vm_probe_stop
kill "$sampler" "$monitor" 2>/dev/null
wait "$sampler" "$monitor" 2>/dev/null
sed 's/^/# nft monitor: /' "$events"
vm_leaks_comment ispa
is "upgrade: nothing but WireGuard, DHCP and ND left through ISP A" "$(lab_leak_count ispa leaks)" "0"
vm_log "table samples during the upgrade: $(wc -l <"$samples"), absent in $(grep -c '^0' "$samples")"
ok "upgrade: the table was sampled" test "$(wc -l <"$samples")" -gt 10
is "upgrade: the kill-switch table never went away (samples)" "$(grep -c '^0' "$samples")" "0"
ok "upgrade: nft monitor saw the deletion of a test table" grep -q 'delete table inet wgks_vm_monitor_check' "$events"
is "upgrade: nothing deleted the kill-switch table (nft monitor)" "$(grep -c 'delete table inet wireguard_killswitch' "$events")" "0"
is "upgrade: $VM_PKG is at $new" "$(vm_pkg_version)" "$new"
is "upgrade: $VM_PKG-gnome is at $new" "$(dpkg-query -W -f '${Version}' "$VM_PKG-gnome")" "$new"
vm_log "VPN state after the upgrade: '$(vm_state wgdeb)'; service PID $svc_pid -> $(vm_service_pid)"
is "upgrade: the tunnel still carries traffic" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_TUN_CLIENT4" 30)" "$LAB_TUN_CLIENT4"
is "upgrade: the guardian is active" "$(systemctl is-active "$VM_GUARD" 2>&1)" "active"
ok "upgrade: the guardian was restarted (PID $guard_pid before)" \
	test "$(systemctl show -p MainPID --value "$VM_GUARD")" != "$guard_pid"
ok "upgrade: the guardian runs the new /usr/bin/wg-killswitch" vm_guard_runs_installed

# the next connection runs the new service
ok "upgrade: nmcli connection down wgdeb" vm_down wgdeb
is "upgrade: the plain uplink is back" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
ok "upgrade: nmcli connection up wgdeb with the new service" vm_up wgdeb
ok "upgrade: the service runs the new binary" \
	test "$(stat -L -c %i "/proc/$(vm_service_pid)/exe")" = "$(stat -c %i /usr/lib/NetworkManager/nm-wireguard-killswitch-service)"
is "upgrade: traffic goes through the tunnel" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
ok "nmcli connection down wgdeb" vm_down wgdeb
is "the plain uplink is back" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
nmcli connection delete wgdeb >/dev/null
vm_finish
