#!/bin/bash
# wg-killswitch adopt --replace with the original profile active: a native
# NetworkManager WireGuard profile (kernel WireGuard) carries the traffic,
# adopt puts the new profile's blocking table in place, deactivates the
# original (both tunnels cannot run side by side: same key, same peer, and
# the original's routing would carry the new handshakes), connects the
# kill-switch profile once (its service takes the table over) and deletes
# the original. A probe runs throughout. From the moment the table is in
# place, while the original is still up, the ISP meters must count nothing
# but WireGuard, DHCP and ND, through the whole switch; before it, what left
# is logged apart (the native profile lets the uplink's own subnet, ISP A's
# router and resolver, bypass its tunnel).
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh

ok "NetworkManager has eth0 up" vm_nm_wait_uplink eth0
conf=$VM_PROFILES/wgnat.conf
vm_write_config "$conf"
ok "nmcli connection import type wireguard makes a native profile" \
	nmcli connection import type wireguard file "$conf"
is "it is of type wireguard" "$(nmcli -g connection.type connection show id wgnat 2>/dev/null)" wireguard
ok "the native profile connects (kernel WireGuard)" vm_up wgnat 60
is "through the native tunnel, the web server sees the tunnel address" \
	"$(vm_curl_until "http://$LAB_WEB4/" "$LAB_TUN_CLIENT4")" "$LAB_TUN_CLIENT4"

ar_native_gone() { ! ip link show wgnat >/dev/null 2>&1; }
# The order of the table's creation and the original's link removal, as the
# kernel announces them: both monitors append to one file as events come.
ar_events=$VM_STATE/adopt-events
: >"$ar_events"
stdbuf -oL nft monitor tables >>"$ar_events" 2>&1 &
mon_nft=$!
stdbuf -oL ip monitor link >>"$ar_events" 2>&1 &
mon_ip=$!
ar_first_line() { grep -n -m1 -e "$1" "$ar_events" | cut -d: -f1; }
VM_PROBE_TARGETS="$VM_PROBE_TARGETS $LAB_ISPB_GW4"
lab_leak_reset ispa
lab_leak_reset ispb
vm_probe_start
sleep 1
t0=$(date +%s%N)
wg-killswitch adopt --replace wgnat >"$VM_STATE/adopt.out" 2>&1 &
adopt_pid=$!
lab_wait_for 90 vm_table_present
vm_leaks_comment ispa
vm_log "while the native profile alone held the traffic: ispa leaks=$(lab_leak_count ispa leaks)"
lab_leak_reset ispa
lab_leak_reset ispb
ok "adopt deactivates the original (its interface goes)" lab_wait_for 90 ar_native_gone
wait "$adopt_pid"
rc=$?
sleep 1
kill "$mon_nft" "$mon_ip" 2>/dev/null
wait "$mon_nft" "$mon_ip" 2>/dev/null
t_line=$(ar_first_line 'add table inet wireguard_killswitch')
d_line=$(ar_first_line 'Deleted.*: wgnat:')
vm_log "kernel events: the table at line ${t_line:-none}, the original's link removed at line ${d_line:-none}"
ok "the kill switch's table is in place before the original's link goes" \
	test -n "$t_line" -a -n "$d_line" -a "${t_line:-0}" -lt "${d_line:-0}"
vm_log "adopt --replace: exit $rc after $((($(date +%s%N) - t0) / 1000000)) ms"
sed 's/^/#   /' "$VM_STATE/adopt.out"
if [ "$rc" != 0 ] || [ -n "${AR_JOURNAL:-}" ]; then
	vm_log "the switch in the journal (monotonic time):"
	journalctl -b --no-pager -o short-monotonic >"$VM_STATE/adopt-journal.txt" 2>&1
	grep -a -e 'nm-wireguard-killswitch\[' -e 'vpn\[.*\(set state\|connect\|dbus\|secrets\|starting\)' \
		-e 'device (wgnat)' -e 'audit: op' "$VM_STATE/adopt-journal.txt" | grep -v '<trace>' | tail -70 | sed 's/^/#   /'
fi
sleep 2
vm_probe_stop
vm_leaks_comment ispa
vm_leaks_comment ispb
is "adopt --replace: exit 0" "$rc" 0
is "from the table on, through the whole switch: nothing but WireGuard, DHCP and ND left through ISP A" "$(lab_leak_count ispa leaks)" 0
is "... nor through ISP B" "$(lab_leak_count ispb leaks)" 0

new="wgnat (kill switch)"
is "the new profile is activated" "$(vm_state "$new")" activated
is "it was connected once" "$(vm_service_log | grep -c "connecting \"$new\" on ")" 1
is "the original is no longer active" "$(nmcli -g NAME connection show --active | grep -cx wgnat)" 0
ok "the original is deleted" bash -c "! nmcli connection show id wgnat >/dev/null 2>&1"
ok "its interface is gone" bash -c "! ip link show wgnat >/dev/null 2>&1"
is "the kill switch is armed" "$(nft list table inet wireguard_killswitch | grep -o 'state=[a-z]*' | head -1)" state=connected
is "traffic goes through the new tunnel" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_TUN_CLIENT4")" "$LAB_TUN_CLIENT4"

ok "nmcli connection down" vm_down "$new"
is "the plain uplink is back" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
nmcli connection delete id "$new" >/dev/null
vm_finish
