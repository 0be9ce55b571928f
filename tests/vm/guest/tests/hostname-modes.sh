#!/bin/bash
# A host-name endpoint (vpn.lab.example) in each of NetworkManager's DNS
# modes: dns=systemd-resolved (the image's own), dns=dnsmasq and dns=default
# (NetworkManager writes /etc/resolv.conf), switched by a conf.d file and a
# restart of NetworkManager. In each: connect, a ~1 kpps probe and ISP A's
# meter, roaming to ISP B (the endpoint is resolved again through ISP B's
# resolver), the probe and ISP B's meter; then, on the same connection, the
# leak matrix with the probe running: tunnel link down, SIGKILL of the
# service, systemctl restart NetworkManager, loss of the uplink.
# The meters may count the service's own endpoint lookups (DNS to the
# uplink's resolver) and nothing else: each lookup is one line in that
# resolver's log and is subtracted.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh
hm_isp_a_resolver() { [[ "$1" == "${LAB_ISPA_GW4%.*}".* ]]; }  # 198.51.100.0/25 side of ISP A
conf_d=/etc/NetworkManager/conf.d/95-wgks-vm-dns-mode.conf

hm_ep_lines() { # ISP: endpoint lookups in its resolver's log
	local n
	n=$(grep -c 'query\[[A-Z]*\] vpn\.lab\.example from' "$(lab_dns_log "$1")" 2>/dev/null)
	echo "${n:-0}"
}
HM_EP0=
# The resolver's log is marked before the meter is zeroed: a lookup that
# passes the meter just after the reset is logged after the mark too.
hm_reset() { HM_EP0=$(hm_ep_lines "$1"); lab_leak_reset "$1"; }
# leaks since hm_reset, minus the endpoint lookups the resolver logged, and
# those only from the DNS count (one logged between mark and reset was not
# metered; it must not hide another packet)
hm_leaks() {
	local dns ep
	dns=$(lab_leak_count "$1" dns)
	ep=$(($(hm_ep_lines "$1") - HM_EP0))
	[ "$ep" -gt "$dns" ] && ep=$dns
	echo $(($(lab_leak_count "$1" leaks) - ep))
}
hm_ep_new() { [ "$(hm_ep_lines "$1")" -gt "$HM_EP0" ]; }
hm_check() { # LABEL ISP
	vm_leaks_comment "$2"
	vm_log "$1: endpoint lookups at $2 since the reset: $(($(hm_ep_lines "$2") - HM_EP0))"
	is "$1: nothing but WireGuard, DHCP, ND and the endpoint lookups left through $2" "$(hm_leaks "$2")" 0 || {
		vm_log "the service's endpoint lookups and $2's resolver:"
		vm_service_log | grep -a 'uplink DNS servers\|resolved to\|resolv' | tail -6 | sed 's/^/#   /'
		tail -6 "$(lab_dns_log "$2")" | sed 's/^/#   /'
	}
}
# hm_probe_stop LABEL: stops the probe, which started sending before the scenario began
hm_probe_stop() { ok "$1: the probe was sending" vm_probe_stop; }

hm_mode() { # MODE
	local mode=$1
	if [ "$mode" = systemd-resolved ]; then
		rm -f "$conf_d"
		systemctl unmask --runtime -q systemd-resolved 2>/dev/null
		systemctl start systemd-resolved || return 1
		ln -sfn ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf
	else
		printf '[main]\ndns=%s\nrc-manager=file\nsystemd-resolved=false\n' "$mode" >"$conf_d"
		systemctl mask --runtime -q systemd-resolved && systemctl stop systemd-resolved || return 1
		rm -f /etc/resolv.conf && : >/etc/resolv.conf
	fi
	systemctl restart NetworkManager && vm_nm_wait_uplink eth0
}

hm_profile() {
	local conf=$VM_PROFILES/wghm.conf
	nmcli connection delete wghm >/dev/null 2>&1
	vm_write_config "$conf" "0.0.0.0/0, ::/0" "vpn.lab.example:$LAB_WG_PORT" && vm_import "$conf"
}

hm_probe_window() { # LABEL ISP SECONDS
	hm_reset "$2"
	vm_probe_start
	sleep "$3"
	hm_probe_stop "$1"
	hm_check "$1" "$2"
}

# hm_failures MODE: the leak matrix on the connected host-name profile, one
# scenario after the other, each with the probe running and ISP A metered
hm_failures() {
	local mode=$1 ifname svc t0
	t0=$(date +%s)
	ifname=$(vm_tun_ifname)
	hm_reset ispa
	vm_probe_start
	ok "$mode: ip link set $ifname down" ip link set "$ifname" down
	sleep 6
	hm_probe_stop "$mode/tunnel-link-down"
	hm_check "$mode/tunnel-link-down" ispa
	vm_log "after the link went down: VPN '$(vm_state wghm)'"
	nmcli connection down id wghm >/dev/null 2>&1
	ok "$mode: connect again after the link loss" vm_up wghm

	hm_reset ispa
	vm_probe_start
	svc=$(vm_service_pid)
	ok "$mode: SIGKILL to the service" kill -9 "$svc"
	lab_wait_for 20 bash -c "[ \"\$(nmcli -g GENERAL.STATE connection show wghm 2>/dev/null)\" != activated ]"
	sleep 3
	hm_probe_stop "$mode/service-sigkill"
	hm_check "$mode/service-sigkill" ispa
	ok "$mode: connect again after the crash (name resolved under the stale table)" vm_up wghm
	is "$mode: exactly one tunnel interface" "$(ip -o link show | grep -c ': wgks')" 1

	hm_reset ispa
	vm_probe_start
	ok "$mode: systemctl restart NetworkManager" systemctl restart NetworkManager
	ok "$mode: NetworkManager is back with eth0" vm_nm_wait_uplink eth0
	sleep 3
	hm_probe_stop "$mode/nm-restart"
	hm_check "$mode/nm-restart" ispa
	nmcli connection down id wghm >/dev/null 2>&1
	ok "$mode: connect again after the restart" vm_up wghm

	hm_reset ispa
	vm_probe_start
	ok "$mode: uplink loss (ISP A unplugged)" lab_uplink_down ispa
	sleep 5
	ok "$mode: ISP A plugged again" lab_uplink_up ispa
	ok "$mode: eth0 back" vm_nm_wait_uplink eth0
	is "$mode: the tunnel carries traffic again" \
		"$(vm_curl_until "http://$LAB_WEB4/" "$LAB_TUN_CLIENT4" 30)" "$LAB_TUN_CLIENT4"
	hm_probe_stop "$mode/uplink-loss"
	hm_check "$mode/uplink-loss" ispa
	vm_log "$mode: the failure scenarios took $(($(date +%s) - t0)) s"
}

for mode in systemd-resolved dnsmasq default; do
	vm_log "===== NetworkManager dns=$mode"
	ok "$mode: NetworkManager restarted with dns=$mode, eth0 up" hm_mode "$mode"
	vm_log "$mode: resolv.conf: $(grep '^nameserver' /etc/resolv.conf | paste -sd' ')"
	case $mode in
	systemd-resolved) is "$mode: resolv.conf is resolved's stub" "$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)" 127.0.0.53 ;;
	dnsmasq) is "$mode: resolv.conf is NetworkManager's dnsmasq" "$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)" 127.0.0.1 ;;
	# ISP A's DHCP server may hand out another of its resolvers by now (the
	# DNS matrix pushes new ones): any ISP A address, never a local stub.
	default) ok "$mode: resolv.conf names a resolver of ISP A, not a local stub" \
		hm_isp_a_resolver "$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)" ;;
	esac
	is "$mode: NetworkManager reports dns=$mode" \
		"$(busctl get-property org.freedesktop.NetworkManager /org/freedesktop/NetworkManager/DnsManager \
			org.freedesktop.NetworkManager.DnsManager Mode | awk '{print $2}' | tr -d '"')" "$mode"
	ok "$mode: the profile with Endpoint = vpn.lab.example:$LAB_WG_PORT" hm_profile
	ep_before=$(hm_ep_lines ispa)
	t0=$(date +%s)
	ok "$mode: nmcli connection up wghm" vm_up_metered wghm hm_reset ispa
	vm_log "$mode: connect took $(($(date +%s) - t0)) s"
	ok "$mode: the endpoint name was asked at ISP A's resolver" test "$(hm_ep_lines ispa)" -gt "$ep_before"
	hm_check "$mode/connect" ispa
	is "$mode: through the tunnel" "$(vm_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
	hm_probe_window "$mode/connected" ispa 5

	hm_reset ispb
	vm_probe_start
	ok "$mode: roam to ISP B" lab_roam_to ispb
	ok "$mode: after roaming, the endpoint is resolved again through ISP B's resolver" \
		lab_wait_for 30 hm_ep_new ispb
	is "$mode: the tunnel carries traffic through ISP B" \
		"$(vm_curl_until "http://$LAB_WEB4/" "$LAB_TUN_CLIENT4" 45)" "$LAB_TUN_CLIENT4"
	sleep 3
	hm_probe_stop "$mode/roamed"
	hm_check "$mode/roamed" ispb
	ok "$mode: ISP B carried the WireGuard packets" test "$(lab_leak_count ispb wg)" -gt 0
	ok "$mode: roam back to ISP A" lab_roam_to ispa
	is "$mode: through the tunnel over ISP A again" \
		"$(vm_curl_until "http://$LAB_WEB4/" "$LAB_TUN_CLIENT4" 20)" "$LAB_TUN_CLIENT4"

	hm_failures "$mode"

	ok "$mode: nmcli connection down wghm" vm_down wghm
	is "$mode: the plain uplink is back" "$(vm_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4"
	is "$mode: no tunnel interface is left" "$(ip -o link show | grep -c ': wgks')" 0
done
ok "back to dns=systemd-resolved" hm_mode systemd-resolved
nmcli connection delete wghm >/dev/null 2>&1
vm_finish
