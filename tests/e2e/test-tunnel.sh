#!/bin/bash
# The tunnel under a real NetworkManager (issue: VPN service + lab):
# import with nmcli, connect through a host-name endpoint, traffic and DNS
# through the tunnel, disconnect, split tunnel, roaming, failures, secrets.
set -uo pipefail
# killswitch-lib.sh: e2e-lib.sh and the process helpers (ks_wggo_pid)
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
export WGKS_HANDSHAKE_TIMEOUT=8   # NetworkManager passes its environment to the service
e2e_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

full=$LAB_DIR/wglab.conf
split=$LAB_DIR/wgsplit.conf
wrongkey=$LAB_DIR/wgwrongkey.conf
noroute=$LAB_DIR/wgnoroute.conf
e2e_write_config "$full"
e2e_write_config "$split" "$LAB_TUN_SERVER4/32, 10.66.0.0/24"
e2e_write_config "$wrongkey" "0.0.0.0/0" "vpn.lab.example:51820" "$LAB_WRONG_SERVER_PUB"
e2e_write_config "$noroute" "0.0.0.0/0" "203.0.113.99:51820"

# --- import and connect ------------------------------------------------------
ok "nmcli imports the lab config as type wireguard-killswitch" e2e_import "$full"
is "imported profile keeps the host-name endpoint" \
	"$(lab_client nmcli -g vpn.data connection show wglab | tr ',' '\n' | sed -n 's/^ *peer.0.endpoint = //p' | sed 's/\\:/:/g')" \
	"vpn.lab.example:51820"
is "the private key is a secret, not data" \
	"$(lab_client nmcli -g vpn.data connection show wglab | grep -c "$(cat "$LAB_CLIENT_KEY")")" "0"
is "before the VPN, the web server sees the ISP address" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_ISPA_CLIENT4"

t0=$(date +%s%N)
ok "nmcli connection up wglab" e2e_up wglab
e2e__log "connect took $((($(date +%s%N) - t0) / 1000000)) ms"
is "VPN is activated" "$(e2e_vpn_state wglab)" "activated"
lab_leak_reset ispa
is "through the tunnel, the web server sees the tunnel address" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"
is "IPv6 through the tunnel too" "$(e2e_curl "http://[$LAB_WEB6]/")" "$LAB_TUN_CLIENT6"
is "a tunnel-only server answers" "$(e2e_curl "http://$LAB_TUN_WEB4/")" "$LAB_TUN_CLIENT4"
ok "the endpoint name was resolved through the ISP resolver" lab_dns_queried ispa vpn.lab.example
is "resolv.conf lists the tunnel DNS first" \
	"$(lab_client awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)" "$LAB_TUN_DNS4"
answer=$(lab_client dig +short +time=2 +tries=1 secret.lab.example)
is "DNS answers come from the tunnel resolver" "$answer" "$LAB_TUN_WEB4"
ok "the tunnel resolver logged the query" lab_dns_queried tun secret.lab.example
ok "the ISP resolver never saw it" bash -c "! grep -q secret.lab.example '$(lab_dns_log ispa)'"
is "nothing but WireGuard left through ISP A meanwhile" "$(lab_leak_count ispa leaks)" "0"
ok "WireGuard packets were counted at ISP A" test "$(lab_leak_count ispa wg)" -gt 0

ifname=$(lab_client ip -o link show | awk -F': ' '/: wgks/ {print $2; exit}')
e2e__log "tunnel interface: $ifname"
ok "the tunnel interface exists (wireguard-go)" lab_client ip link show "$ifname"

# --- secrets never leak --------------------------------------------------------

lab_client bash -c 'for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline; echo; tr "\0" "\n" <$p/environ; done 2>/dev/null' >"$LAB_DIR/proc.txt"
is "the private key is in no process's argv or environment" "$(grep -c -F -f "$LAB_CLIENT_KEY" "$LAB_DIR/proc.txt")" "0"
is "the private key is in no log" "$(cat "$LAB_DIR"/log/*.log | grep -c -F -f "$LAB_CLIENT_KEY")" "0"
hex=$(python3 -c "import base64,sys; print(base64.b64decode(open(sys.argv[1]).read().strip()).hex())" "$LAB_CLIENT_KEY")
echo "$hex" >"$LAB_DIR/hexkey"
is "nor its hex form (UAPI)" "$(cat "$LAB_DIR"/log/*.log | grep -c -F -f "$LAB_DIR/hexkey")" "0"
rm -f "$LAB_DIR/hexkey" "$LAB_DIR/proc.txt"

# the allocator settings the service gives itself stay its own
own_alloc() { tr '\0' '\n' <"/proc/$1/environ" | grep -c -x 'G_SLICE=always-malloc\|GLIBC_TUNABLES=glibc.malloc.tcache_count=0'; }
wgpid=$(ks_wggo_pid)
is "the service runs with its own allocator settings" "$(own_alloc "$(e2e_service_pid)")" "2"
ok "the tunnel's wireguard-go is found" test -n "$wgpid"
is "wireguard-go does not inherit them" "$(own_alloc "${wgpid:-0}" 2>/dev/null)" "0"

# --- roaming -------------------------------------------------------------------
uuid=$(lab_client nmcli -g connection.uuid connection show wglab)
lab_roam_to ispb
lab_leak_reset ispb
is "after roaming to ISP B, traffic flows through the same tunnel" "$(e2e_curl_until "http://$LAB_WEB4/" "$LAB_TUN_CLIENT4")" "$LAB_TUN_CLIENT4"
is "the VPN stayed activated while roaming" "$(e2e_vpn_state wglab)" "activated"
is "it is the same connection" "$(lab_client nmcli -g connection.uuid connection show --active wglab)" "$uuid"
ok "ISP B carried the WireGuard packets" test "$(lab_leak_count ispb wg)" -gt 0
lab_roam_to ispa
is "and back to ISP A" "$(e2e_curl_until "http://$LAB_WEB4/" "$LAB_TUN_CLIENT4")" "$LAB_TUN_CLIENT4"

# --- a crashed service leaves its interface; the next connect cleans up -------------
svc=$(e2e_service_pid)
ok "the service runs as a child of NetworkManager" test -n "$svc"
kill -9 "$svc"
ok "NetworkManager notices the dead service" lab_wait_for 15 bash -c "[ \"\$(lab_client nmcli -g GENERAL.STATE connection show wglab 2>/dev/null)\" != activated ]"
ok "wireguard-go went down with the service" lab_wait_for 10 bash -c "! lab_client ip link show '$ifname' >/dev/null 2>&1"
# A crash at a worse moment can leave the interface: make such a leftover.
ok "a leftover interface of the same name" lab_client ip tuntap add mode tun name "$ifname"
ok "reconnect after the crash" e2e_up wglab
is "exactly one tunnel interface" "$(lab_client ip -o link show | grep -c ': wgks')" "1"
is "traffic flows through the new tunnel" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_TUN_CLIENT4"

# --- disconnect ------------------------------------------------------------------
ok "nmcli connection down wglab" e2e_down wglab
is "the plain uplink is back" "$(e2e_curl_until "http://$LAB_WEB4/" "$LAB_ISPA_CLIENT4")" "$LAB_ISPA_CLIENT4" ||
	lab_client wg-killswitch status | sed 's/^/# /'
ok "the tunnel interface is gone" bash -c "! lab_client ip link show '$ifname' 2>/dev/null"
ok "no wireguard-go is left" bash -c "! lab_client sh -c 'for p in /proc/[0-9]*; do tr \"\\0\" \" \" <\$p/cmdline; echo; done' 2>/dev/null | grep -q '^wireguard-go\\|/wireguard-go '"
is "resolv.conf is the ISP's again" "$(lab_client awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)" "$LAB_ISPA_GW4"

# --- split tunnel ----------------------------------------------------------------
ok "import the split-tunnel profile" e2e_import "$split"
ok "connect the split tunnel" e2e_up wgsplit
is "tunnel networks go through the tunnel" "$(e2e_curl "http://$LAB_TUN_WEB4/")" "$LAB_TUN_CLIENT4"
is "everything else keeps the uplink" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_ISPA_CLIENT4"
is "the default route stays on the uplink" "$(lab_client ip -4 route show default | awk '{print $5; exit}')" "eth0"
ok "disconnect the split tunnel" e2e_down wgsplit

# --- failures ----------------------------------------------------------------------
fail_fast() { # NAME: activation must fail, within the handshake timeout + margin
	local start=$(date +%s) rc
	e2e_up "$1" 30 >/dev/null 2>&1
	rc=$?
	e2e__log "$1: nmcli exit $rc after $(($(date +%s) - start)) s"
	[ "$rc" != 0 ] && [ $(($(date +%s) - start)) -le 25 ]
}
ok "import a profile with the wrong server key" e2e_import "$wrongkey"
ok "a wrong server key fails activation within the timeout" fail_fast wgwrongkey
ok "the service says why" grep -q "no handshake" "$(e2e_service_log)"
ok "import a profile with an unreachable endpoint" e2e_import "$noroute"
ok "an unreachable endpoint fails activation within the timeout" fail_fast wgnoroute
ok "no tunnel interface is left after failures" bash -c "! lab_client ip -o link show | grep -q wgks"
# A failed activation keeps the kill switch (on by default) closed ...
ok "after a failed activation, traffic stays blocked" bash -c "! E2E_CURL_TIMEOUT=5 e2e_curl http://$LAB_WEB4/"
# ... until the user lifts it explicitly.
ok "wg-killswitch release --yes lifts it" lab_client wg-killswitch release --yes
is "the plain uplink works after release" "$(e2e_curl "http://$LAB_WEB4/")" "$LAB_ISPA_CLIENT4"

e2e_finish
