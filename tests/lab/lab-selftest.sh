#!/bin/bash
# Self-test of the network lab itself, without the VPN plugin: TAP output
# (automake's tap-driver.sh), exit 0 only if every check passed.
# Needs root, network namespaces, NetworkManager, wireguard-go, dnsmasq, nft.
# Env: LAB_PLUGIN_PREFIX (optional; otherwise a dummy .name file is used to
# test the install hook), LAB_KEEP_DIR=1 keeps the run dir for debugging.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
. "$here/lab.sh"

n=0
failed=0
diag() { sed 's/^/# /'; }
pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}
fail() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	if [ -n "${2:-}" ]; then printf '%s\n' "$2" | diag; fi
	# the lab's logs once, at the first failure (lab_up prints its own)
	if [ "$failed" = 1 ] && [ "${3:-}" != nologs ]; then lab_logs_tail 15 2>&1 | diag; fi
}
# check DESC CMD... : CMD must succeed
check() {
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$d"; else fail "$d" "$out"; fi
}
# check_eq DESC EXPECTED CMD... : CMD's stdout must equal EXPECTED
check_eq() {
	local d=$1 want=$2 out
	shift 2
	out=$("$@" 2>&1) || true
	if [ "$out" = "$want" ]; then pass "$d"; else fail "$d" "expected '$want', got '$out'"; fi
}
# check_gt DESC MIN CMD... : CMD's stdout must be a number > MIN
check_gt() {
	local d=$1 min=$2 out
	shift 2
	out=$("$@" 2>&1) || true
	if [[ "$out" =~ ^[0-9]+$ ]] && [ "$out" -gt "$min" ]; then pass "$d"; else fail "$d" "expected > $min, got '$out'"; fi
}
not() { ! "$@"; }
bail() {
	echo "Bail out! $*"
	exit 1
}

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP lab needs root"
	exit 0
fi
for tool in ip nsenter unshare nft dnsmasq wireguard-go NetworkManager nmcli dbus-daemon udevadm curl dig; do
	if ! command -v "$tool" >/dev/null; then
		echo "1..0 # SKIP $tool not installed"
		exit 0
	fi
done

# ---- the install hook, with a dummy plugin unless a real prefix is given
tmp=$(mktemp -d /tmp/wgks-selftest.XXXXXX)
trap 'lab_down; rm -rf "$tmp"' EXIT
if [ -z "${LAB_PLUGIN_PREFIX:-}" ]; then
	mkdir -p "$tmp/prefix/lib/NetworkManager/VPN"
	printf '[VPN Connection]\nname=labdummy\nservice=org.freedesktop.NetworkManager.labdummy\nprogram=/bin/false\n' \
		>"$tmp/prefix/lib/NetworkManager/VPN/nm-labdummy-service.name"
	export LAB_PLUGIN_PREFIX=$tmp/prefix
fi

# ---------------------------------------------------------------- bring-up
t0=$(lab__now_us)
if lab_up; then
	pass "lab_up in $((($(lab__now_us) - t0) / 1000)) ms (prefix $LAB_PREFIX)"
else
	fail "lab_up" "" nologs
	bail "lab did not come up"
fi

names=$(basename -a "$LAB_PLUGIN_PREFIX"/lib/NetworkManager/VPN/*.name "$LAB_PLUGIN_PREFIX"/lib/*/NetworkManager/VPN/*.name \
	"$LAB_PLUGIN_PREFIX"/etc/NetworkManager/VPN/*.name 2>/dev/null | head -n 1)
check "plugin .name file installed in client's /etc/NetworkManager/VPN" \
	lab_client test -f "/etc/NetworkManager/VPN/$names"
check "host /etc/NetworkManager/VPN untouched" test ! -e "/etc/NetworkManager/VPN/$names"

check_eq "NetworkManager got DHCPv4 lease from ISP A on eth0" "$LAB_ISPA_CLIENT4" lab_client_addr4 eth0
check_eq "NetworkManager got SLAAC address from ISP A's RA on eth0" "$LAB_ISPA_CLIENT6" lab_client_addr6 eth0
no_carrier() { [ "$(lab_client cat "/sys/class/net/$1/carrier" 2>/dev/null || echo 0)" != 1 ]; }
check "eth1 (ISP B) starts without carrier" no_carrier eth1
check "NetworkManager wrote the client's resolv.conf with ISP A's resolver" \
	lab_client grep -qx "nameserver $LAB_ISPA_GW4" /etc/resolv.conf
check "host /etc/resolv.conf has no lab resolver" not grep -q 198.51.100 /etc/resolv.conf

check_eq "curl http://$LAB_WEB4/ answers with the ISP A address" "$LAB_ISPA_CLIENT4" \
	lab_client curl -s -m 5 "http://$LAB_WEB4/"
check_eq "curl http://[$LAB_WEB6]/ answers with the ISP A v6 address" "$LAB_ISPA_CLIENT6" \
	lab_client curl -s -m 5 "http://[$LAB_WEB6]/"
check_eq "vpn.lab.example (A) via the resolver in resolv.conf" "$LAB_WG_ENDPOINT4" \
	lab_client dig +short +time=2 +tries=2 vpn.lab.example A
check_eq "vpn.lab.example (AAAA) via the resolver in resolv.conf" "$LAB_WG_ENDPOINT6" \
	lab_client dig +short +time=2 +tries=2 vpn.lab.example AAAA
check "ISP A's query log shows vpn.lab.example" lab_dns_queried ispa vpn.lab.example
check_gt "leak meter ispa counts dhcp" 0 lab_leak_count ispa dhcp
check_gt "leak meter ispa counts dns" 0 lab_leak_count ispa dns
check_gt "leak meter ispa counts other (plain http)" 0 lab_leak_count ispa other
check_gt "leak meter ispa counts ipv6_other (plain http over v6)" 0 lab_leak_count ispa ipv6_other
check_eq "leak meter ispa: no wg yet" 0 lab_leak_count ispa wg
check "tunnel-only web server unreachable without the tunnel" \
	not lab_client curl -s -m 2 "http://$LAB_TUN_WEB4/"

# ---------------------------------------------------------------- manual tunnel
check "lab_leak_reset ispa" lab_leak_reset ispa
check_eq "counters are zero after reset" 0 lab_leak_count ispa leaks
check "manual wireguard-go client up (UAPI, client key, endpoint $LAB_WG_ENDPOINT4:$LAB_WG_PORT)" lab_manual_wg_up wgman0
check_eq "curl http://$LAB_TUN_WEB4/ through the tunnel answers $LAB_TUN_CLIENT4" "$LAB_TUN_CLIENT4" \
	lab_client curl -s -m 5 "http://$LAB_TUN_WEB4/"
check_eq "curl http://[$LAB_TUN_WEB6]/ through the tunnel answers $LAB_TUN_CLIENT6" "$LAB_TUN_CLIENT6" \
	lab_client curl -s -m 5 "http://[$LAB_TUN_WEB6]/"
check_eq "dig @$LAB_TUN_DNS4 secret.lab.example" "$LAB_TUN_WEB4" \
	lab_client dig +short +time=2 +tries=2 @"$LAB_TUN_DNS4" secret.lab.example
check "tunnel resolver logged secret.lab.example" lab_dns_queried tun secret.lab.example
check "ISP A never saw secret.lab.example" not lab_dns_queried ispa secret.lab.example
check_gt "server saw a handshake from the client key" 0 lab_wg_server handshake "@$LAB_CLIENT_PUB"
check_gt "leak meter ispa counts wg" 0 lab_leak_count ispa wg
check_eq "leak meter ispa: tunnel traffic made no leaks" 0 lab_leak_count ispa leaks
check "manual wireguard-go client stopped" lab_manual_wg_down wgman0
check "wireguard-go UAPI socket gone" not lab_client test -e /run/wireguard/wgman0.sock

hs_before=$(lab_wg_server handshake "@$LAB_CLIENT_PUB")
wrong_key_up() { LAB_MANUAL_WG_SERVER_PUB=$LAB_WRONG_SERVER_PUB lab_manual_wg_up wgbad0; }
check "manual client with the wrong server key up" wrong_key_up
check "wrong server key: no traffic through the tunnel" not lab_client curl -s -m 2 "http://$LAB_TUN_WEB4/"
check_eq "wrong server key: server saw no new handshake" "$hs_before" lab_wg_server handshake "@$LAB_CLIENT_PUB"
check "manual client with the wrong key stopped" lab_manual_wg_down wgbad0

# ---------------------------------------------------------------- roaming
t0=$(lab__now_us)
check "roam: unplug ISP A, plug ISP B" lab_roam_to ispb
echo "# roaming to ISP B took $((($(lab__now_us) - t0) / 1000)) ms"
check_eq "eth1 got the DHCPv4 lease from ISP B" "$LAB_ISPB_CLIENT4" lab_client_addr4 eth1
check_eq "eth1 got the SLAAC address from ISP B" "$LAB_ISPB_CLIENT6" lab_client_addr6 eth1
check_eq "eth0 no longer has an address" "" lab_client_addr4 eth0
check_eq "curl via ISP B answers with the ISP B address" "$LAB_ISPB_CLIENT4" \
	lab_client curl -s -m 5 "http://$LAB_WEB4/"
check "resolv.conf now names ISP B's resolver" lab_client grep -qx "nameserver $LAB_ISPB_GW4" /etc/resolv.conf
check_gt "leak meter ispb counts other" 0 lab_leak_count ispb other
check "roam back: unplug ISP B, plug ISP A" lab_roam_to ispa
check_eq "curl via ISP A again" "$LAB_ISPA_CLIENT4" lab_client curl -s -m 5 "http://$LAB_WEB4/"

# ---------------------------------------------------------------- teardown
# remember what must disappear
dir=$LAB_DIR prefix=$LAB_PREFIX
cp "$LAB_DIR/pids.list" "$tmp/pids.list"
declare -a inodes=()
for ns in client ispa ispb inet; do inodes+=("net:[$(stat -L -c %i "/run/netns/$prefix-$ns")]"); done
inodes+=("$(readlink "/proc/$LAB_CLIENT_PID/ns/mnt")" "$(readlink "/proc/$(lab_pid inet-wg)/ns/mnt")")

# not via check: lab_down must run in this shell (it unsets LAB_DIR)
if lab_down; then pass "lab_down"; else fail "lab_down"; fi
if lab_down; then pass "lab_down again is a no-op"; else fail "lab_down again"; fi
lab_netns_left() { ip netns list | grep -q "^$prefix-"; }
check "no lab namespace left" not lab_netns_left
check "no process the lab started is alive" lab__none_alive "$tmp/pids.list"
leftover=""
for p in /proc/[0-9]*; do
	for k in net mnt; do
		l=$(readlink "$p/ns/$k" 2>/dev/null) || continue
		for i in "${inodes[@]}"; do [ "$l" != "$i" ] || leftover+=" ${p#/proc/}"; done
	done
done
check "no process left in the lab's network or mount namespaces" test -z "$leftover"
check "no host mount refers to the lab" not grep -qE "$dir|$prefix" /proc/mounts
check "run dir removed" test ! -e "$dir"
check "no UAPI socket of the lab in the host's /run/wireguard" \
	not test -e "/run/wireguard/$LAB_WG_SERVER_IF.sock" -o -e /run/wireguard/wgman0.sock -o -e /run/wireguard/wgbad0.sock

echo "1..$n"
echo "lab-selftest: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
