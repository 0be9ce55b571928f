#!/bin/bash
# DNS matrix: NetworkManager DNS MODE x {full, split} x {connected, after an
# RA with new RDNSS servers while connected, after a DHCP renewal with a new
# DNS server while connected, after roaming to the other ISP, after
# disconnect}. Usage: dns-matrix.sh MODE (default | dnsmasq); the test
# scripts test-dns-matrix-<mode>.sh call it. Another lab (the VM lab with
# systemd-resolved) can reuse the cells: source this file with
# DNS_MATRIX_LIB=1 and define dm_mode_setup / dm_expect_split_other.
#
# Each cell asks unique probe names through the system resolver (getent,
# i.e. glibc and whatever resolv.conf points to) and sends one straight to
# the ISP resolver's address (dig @ISP, an application that ignores
# resolv.conf), then prints how many probe names the ISP resolvers' and the
# tunnel resolver's query logs show. Protected cells must show 0 at the ISPs.
#
# Probe names of a cell with tag T:
#   sys-T.lab.example   system resolver, the profile's domain (DNS = ..., lab.example)
#   sys-T.probe.test    system resolver, any other name
#   app-T.lab.example   dig straight to the ISP resolver (v4 and v6)
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/e2e-lib.sh"

DM_MODE=${1:-${DNS_MATRIX_MODE:-default}}

# ---------------------------------------------------------------- helpers

# dm_count WHERE PATTERN: probe names matching PATTERN in a resolver's query log
dm_count() {
	local log
	log=$(lab_dns_log "$1")
	[ -f "$log" ] || { echo 0; return; }
	grep -cE "query\[[A-Za-z0-9]+\] $2 from" "$log"
}
dm_isp_count() { echo $(($(dm_count ispa "$1") + $(dm_count ispb "$1"))); }

# dm_ask TAG: the cell's probes
dm_ask() {
	local t=$1 isp4 isp6
	isp4=$(dm_isp_addr 4) isp6=$(dm_isp_addr 6)
	lab_client timeout 10 getent ahosts "sys-$t.lab.example" >/dev/null 2>&1
	lab_client timeout 10 getent ahosts "sys-$t.probe.test" >/dev/null 2>&1
	lab_client dig +time=1 +tries=1 "@$isp4" "app-$t.lab.example" >/dev/null 2>&1
	lab_client dig +time=1 +tries=1 "@$isp6" "app-$t.lab.example" >/dev/null 2>&1
	sleep 0.3 # dnsmasq writes its log line after it answered
}

# The resolver of the ISP the client is on now
dm_isp_addr() { # 4|6
	if [ -n "$(lab_client_addr4 eth1)" ]; then
		[ "$1" = 4 ] && echo "$LAB_ISPB_GW4" || echo "$LAB_ISPB_GW6"
	else
		[ "$1" = 4 ] && echo "$LAB_ISPA_GW4" || echo "$LAB_ISPA_GW6"
	fi
}

# dm_cell TUNNEL PHASE: ask, print the counts, check them.
# PROTECTED (TUNNEL=full|split, PHASE!=disconnected): the names the tunnel owns
# never reach an ISP resolver, and the tunnel resolver saw them.
dm_cell() {
	local tun=$1 phase=$2 t isp_owned isp_other isp_app tun_owned tun_other name
	t=$DM_MODE-$tun-$phase
	name="$DM_MODE/$tun/$phase"
	dm_ask "$t"
	isp_owned=$(dm_isp_count "sys-$t\\.lab\\.example")
	isp_other=$(dm_isp_count "sys-$t\\.probe\\.test")
	isp_app=$(dm_isp_count "app-$t\\.lab\\.example")
	tun_owned=$(dm_count tun "sys-$t\\.lab\\.example")
	tun_other=$(dm_count tun "sys-$t\\.probe\\.test")
	printf '# CELL %-28s ISP: domain=%s other=%s app-direct=%s | tunnel DNS: domain=%s other=%s | ISP meters dns: a=%s b=%s\n' \
		"$name" "$isp_owned" "$isp_other" "$isp_app" "$tun_owned" "$tun_other" \
		"$(lab_leak_count ispa dns)" "$(lab_leak_count ispb dns)"
	lab_leak_reset ispa
	lab_leak_reset ispb
	if [ "$phase" = disconnected ]; then
		ok "$name: names go to the ISP's resolver again" test "$((isp_owned + isp_other))" -gt 0
		is "$name: the tunnel resolver sees none" "$((tun_owned + tun_other))" 0
		ok "$name: an application reaches the ISP resolver directly" test "$isp_app" -gt 0
		return
	fi
	is "$name: the ISP resolvers see no name of the tunnel's domain" "$isp_owned" 0
	ok "$name: the tunnel resolver answered them" test "$tun_owned" -gt 0
	if [ "$tun" = full ]; then
		is "$name: the ISP resolvers see no other name either" "$isp_other" 0
		ok "$name: the tunnel resolver answered the other names" test "$tun_other" -gt 0
		is "$name: an application asking the ISP resolver directly reaches nothing" "$isp_app" 0
	else
		dm_expect_split_other "$name" "$isp_other" "$tun_other"
		# A split tunnel leaves the uplink alone: an application that asks
		# the ISP's resolver directly gets there, by design (README).
		e2e__log "$name: app-direct to the ISP is not protected in a split tunnel (by design): $isp_app"
	fi
}

# Mode-specific: where other names go in a split tunnel.
if ! declare -F dm_expect_split_other >/dev/null; then
	dm_expect_split_other() { # NAME ISP_COUNT TUN_COUNT
		ok "$1: other names reach the ISP's resolver" test "$2" -gt 0
		case $DM_MODE in
		dnsmasq)
			# dnsmasq routes by domain: only lab.example goes to the tunnel
			is "$1: the tunnel resolver does not see other names" "$3" 0
			;;
		*)
			# resolv.conf has no domains: glibc asks the first server (the
			# tunnel's, REFUSED) and then the ISP's
			e2e__log "$1: other names asked at the tunnel resolver first: $3"
			;;
		esac
	}
fi

if ! declare -F dm_mode_setup >/dev/null; then
	# NetworkManager's [main] dns= for the namespace lab
	dm_mode_setup() {
		local d
		d=$(mktemp -d /tmp/wgks-dns-conf.XXXXXX)
		printf '[main]\ndns=%s\n' "$DM_MODE" >"$d/80-dns-mode.conf"
		export LAB_NM_CONF_D=$d
	}
fi

# The resolver the system uses: resolv.conf's first server
# shellcheck disable=SC2016 # awk's $2
dm_resolv_first() { lab_client awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf; }
dm__resolv_first_is() { [ "$(dm_resolv_first)" = "$1" ]; }

# Which servers NetworkManager's DNS manager uses for DOMAIN ("*" = default):
# what dnsmasq mode hands dnsmasq shows in NetworkManager's log; the
# configuration libnm reports is the same for every mode.
dm_dns_config() { lab_client busctl --json=short get-property org.freedesktop.NetworkManager \
	/org/freedesktop/NetworkManager/DnsManager org.freedesktop.NetworkManager.DnsManager Configuration 2>/dev/null; }

# dm_rdnss ADDR6: the ISP's router advertises a new RDNSS server (and DHCP
# option 6 for the next renewal) while the VPN is up
dm_rdnss() {
	local a6=$1 isp=ispa
	ip -n "$LAB_PREFIX-$isp" addr add "$a6/64" dev lan nodad 2>/dev/null
	lab_isp_dnsmasq_restart "$isp" "--dhcp-option=option6:dns-server,[$a6]" "--ra-param=lan,high,4" || return 1
	lab_wait_for 20 dm__eth0_has_dns "$a6"
}
# dm_dhcp ADDR4 ADDR6: a DHCPv4 renewal pushes a new DNS server while the VPN
# is up. NetworkManager renews only after T1 (minutes); a reapply with a
# changed ipv4.dhcp-timeout restarts its DHCP client now, as a renewal would
# (the RA keeps advertising ADDR6 as RDNSS).
dm_dhcp() {
	local a4=$1 a6=$2 isp=ispa
	DM_DHCP_TIMEOUT=$((${DM_DHCP_TIMEOUT:-45} + 1))
	ip -n "$LAB_PREFIX-$isp" addr add "$a4/25" dev lan 2>/dev/null
	lab_isp_dnsmasq_restart "$isp" "--dhcp-option=option:dns-server,$a4" \
		"--dhcp-option=option6:dns-server,[$a6]" "--ra-param=lan,high,4" || return 1
	lab_client nmcli connection modify lab-ispa ipv4.dhcp-timeout "$DM_DHCP_TIMEOUT" || return 1
	lab_client nmcli device reapply eth0 >/dev/null || return 1
	lab_wait_for 20 dm__eth0_has_dns "$a4"
}
dm__eth0_has_dns() { dm_dns_config | grep -qi "\"$1\""; }

# dm_verify TUNNEL: wg-killswitch verify's DNS lines (one each, PASS or FAIL)
dm_verify() {
	local out=$LAB_DIR/verify-$1.out l
	lab_client wg-killswitch verify --target "$LAB_WEB4:80" --dns "$(dm_isp_addr 4):53" >"$out" 2>&1
	sed 's/^/#   /' "$out"
	for l in dns-mode dns-link dns-tunnel dns-uplink; do
		ok "$1: verify: $l PASS" grep -qE "^PASS  $l " "$out"
	done
	# a split tunnel's other traffic leaves through the uplink: only the DNS lines count there
	if [ "$1" = full ]; then
		ok "$1: verify: no FAIL line" bash -c "! grep -q '^FAIL' '$out'"
	else
		ok "$1: verify: no FAIL among the DNS lines" bash -c "! grep -q '^FAIL  dns-' '$out'"
	fi
}

[ "${DNS_MATRIX_LIB:-0}" = 1 ] && return 0

# ---------------------------------------------------------------- the matrix

case $DM_MODE in
default | dnsmasq) ;;
*) echo "Bail out! unknown NetworkManager DNS mode $DM_MODE (default, dnsmasq)"; exit 1 ;;
esac
e2e_require_lab
export WGKS_HANDSHAKE_TIMEOUT=8
dm_mode_setup
e2e_lab_up || { echo "Bail out! lab did not come up"; exit 1; }
trap 'rm -rf "${LAB_NM_CONF_D:-}"; e2e_cleanup' EXIT
e2e__log "NetworkManager dns mode: $(lab_client busctl get-property org.freedesktop.NetworkManager \
	/org/freedesktop/NetworkManager/DnsManager org.freedesktop.NetworkManager.DnsManager Mode)"
if [ "$DM_MODE" = dnsmasq ]; then
	is "resolv.conf points to NetworkManager's dnsmasq" "$(dm_resolv_first)" "127.0.0.1"
fi

full=$LAB_DIR/dmfull.conf
split=$LAB_DIR/dmsplit.conf
# The endpoint as an address: resolving its name while the kill switch is
# connecting is another test's subject (and fails with dns=dnsmasq: the
# service opens the resolver hole for resolv.conf's 127.0.0.1 only, not for
# the upstream servers of NetworkManager's dnsmasq).
e2e_write_config "$full" "0.0.0.0/0, ::/0" "$LAB_WG_ENDPOINT4:$LAB_WG_PORT"
e2e_write_config "$split" "10.66.0.0/24, fd00:66::/64" "$LAB_WG_ENDPOINT4:$LAB_WG_PORT"
if ! e2e_import "$full" || ! e2e_import "$split"; then
	echo "Bail out! import failed"
	exit 1
fi

# before any VPN: the ISP answers (the meter works)
dm_cell none disconnected

rdnss=0
for tun in full split; do
	rdnss=$((rdnss + 1))
	ok "$tun: connect" e2e_up "dm$tun"
	lab_leak_reset ispa
	lab_leak_reset ispb
	[ "$DM_MODE" = default ] && is "$tun: resolv.conf lists the tunnel DNS first" "$(dm_resolv_first)" "$LAB_TUN_DNS4"
	e2e__log "$tun: DNS configuration: $(dm_dns_config)"
	dm_cell "$tun" connected
	dm_verify "$tun"

	ok "$tun: the ISP's RA pushes a new RDNSS server while connected" dm_rdnss "2001:db8:a::5$rdnss"
	[ "$DM_MODE" = default ] && is "$tun: after the RA, resolv.conf still lists the tunnel DNS first" \
		"$(dm_resolv_first)" "$LAB_TUN_DNS4"
	lab_client dig +time=1 +tries=1 "@2001:db8:a::5$rdnss" "app-$DM_MODE-$tun-rdnss-new.lab.example" >/dev/null 2>&1
	dm_cell "$tun" rdnss
	if [ "$tun" = full ]; then
		is "$tun/rdnss: an application asking the new RDNSS server directly reaches nothing" \
			"$(dm_isp_count "app-$DM_MODE-$tun-rdnss-new\\.lab\\.example")" 0
	fi

	ok "$tun: a DHCP renewal pushes a new DNS server while connected" dm_dhcp "198.51.100.5$rdnss" "2001:db8:a::5$rdnss"
	ok "$tun: the VPN is still activated after the renewal" test "$(e2e_vpn_state "dm$tun")" = activated
	[ "$DM_MODE" = default ] && is "$tun: after the renewal, resolv.conf still lists the tunnel DNS first" \
		"$(dm_resolv_first)" "$LAB_TUN_DNS4"
	lab_client dig +time=1 +tries=1 "@198.51.100.5$rdnss" "app-$DM_MODE-$tun-dhcp-new.lab.example" >/dev/null 2>&1
	dm_cell "$tun" dhcp
	if [ "$tun" = full ]; then
		is "$tun/dhcp: an application asking the new DHCP DNS server directly reaches nothing" \
			"$(dm_isp_count "app-$DM_MODE-$tun-dhcp-new\\.lab\\.example")" 0
	fi

	ok "$tun: roam to ISP B" lab_roam_to ispb
	ok "$tun: the VPN is still activated after roaming" test "$(e2e_vpn_state "dm$tun")" = activated
	is "$tun: the tunnel carries traffic again" "$(e2e_curl_until "http://$LAB_TUN_WEB4/" "$LAB_TUN_CLIENT4")" "$LAB_TUN_CLIENT4"
	[ "$DM_MODE" = default ] && is "$tun: after roaming, resolv.conf lists the tunnel DNS first" \
		"$(dm_resolv_first)" "$LAB_TUN_DNS4"
	dm_cell "$tun" roamed

	ok "$tun: disconnect" e2e_down "dm$tun"
	is "$tun: after disconnect, traffic leaves through ISP B again" \
		"$(e2e_curl_until "http://$LAB_WEB4/" "$LAB_ISPB_CLIENT4")" "$LAB_ISPB_CLIENT4"
	[ "$DM_MODE" = default ] && ok "$tun: after disconnect, resolv.conf is the ISP's" \
		lab_wait_for 10 dm__resolv_first_is "$LAB_ISPB_GW4"
	dm_cell "$tun" disconnected
	ok "$tun: roam back to ISP A" lab_roam_to ispa
done

# --- dns-over-tls where the resolver cannot do it --------------------------------
# Neither dns=default nor dns=dnsmasq can encrypt: the service says so, and
# does not try systemd-resolved's link setting.
ok "dns-over-tls=yes through nmcli" lab_client nmcli connection modify dmfull +vpn.data dns-over-tls=yes
ok "dot: connect" e2e_up dmfull
ok "dot: the service warns that dns=$DM_MODE cannot do DNS over TLS" \
	grep -q "DNS mode \"$DM_MODE\" cannot do DNS over TLS" "$(e2e_service_log)"
ok "dot: the service does not claim to set DNSOverTLS in systemd-resolved" \
	bash -c "! grep -q 'DNS over TLS: set\\|DNSOverTLS on the tunnel' '$(e2e_service_log)'"
lab_client wg-killswitch status >"$LAB_DIR/status.out" 2>&1
sed 's/^/#   /' "$LAB_DIR/status.out"
ok "dot: wg-killswitch status says it is not active" grep -q "^DNS over TLS: *NOT ACTIVE" "$LAB_DIR/status.out"
ok "dot: wg-killswitch status names the DNS mode" grep -q "^DNS mode: *NetworkManager dns=$DM_MODE" "$LAB_DIR/status.out"
lab_client wg-killswitch verify --target "$LAB_WEB4:80" --dns "$LAB_ISPA_GW4:53" >"$LAB_DIR/verify-dot.out" 2>&1
is "dot: verify exits 1" "$?" 1
sed 's/^/#   /' "$LAB_DIR/verify-dot.out"
ok "dot: verify FAILs the dns-tls line" grep -q "^FAIL  dns-tls " "$LAB_DIR/verify-dot.out"
ok "dot: disconnect" e2e_down dmfull

e2e_finish
