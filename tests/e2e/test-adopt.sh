#!/bin/bash
# wg-killswitch adopt: a native NetworkManager WireGuard profile, made by
# `nmcli connection import type wireguard` (importing needs no kernel
# WireGuard: nothing is activated), becomes a kill-switch profile. Every
# field is compared with the original and with what the plugin's own
# wg-quick importer makes of the same file; the adopted profile connects
# through wireguard-go and passes the leak checks; --replace deletes the
# original only after the new profile has connected.
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

b64key() { "$LAB_PYTHON" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }
nmg() { lab_client nmcli -g "$1" connection show id "$2" 2>/dev/null; }
# vpn.data / vpn.secrets as sorted "key = value" lines
kv_sorted() { "$LAB_PYTHON" -c 'import re, sys; print("\n".join(sorted(re.split(r", (?=[a-z0-9.-]+ = )", sys.stdin.read().strip().replace("\\", "")))))'; }

# A profile's secrets as sorted "key = value" lines, from NetworkManager's
# GetSecrets over D-Bus. Not through `nmcli --show-secrets`: nmcli writes
# the answer into libnm's cached copy of the profile, and every GetSecrets
# makes NetworkManager announce the profile as Updated, on which libnm
# replaces that copy, secrets gone: under load nmcli then prints none.
secrets_of() { # NAME vpn|wireguard
	lab_client "$LAB_PYTHON" - "$1" "$2" <<-'EOF'
		import sys
		from gi.repository import Gio, GLib
		bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
		def call(path, iface, method, args=None):
		    return bus.call_sync("org.freedesktop.NetworkManager", path, "org.freedesktop.NetworkManager." + iface,
		                         method, args, None, Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
		for path in call("/org/freedesktop/NetworkManager/Settings", "Settings", "ListConnections"):
		    if call(path, "Settings.Connection", "GetSettings")["connection"]["id"] != sys.argv[1]:
		        continue
		    s = call(path, "Settings.Connection", "GetSecrets", GLib.Variant("(s)", (sys.argv[2],))).get(sys.argv[2], {})
		    kv = dict(s.get("secrets", {}))
		    if "private-key" in s:
		        kv["private-key"] = s["private-key"]
		    for i, peer in enumerate(s.get("peers", [])):
		        if "preshared-key" in peer:
		            kv["peer.%d.preshared-key" % i] = peer["preshared-key"]
		    print("\n".join("%s = %s" % kv for kv in sorted(kv.items())))
	EOF
}

native=$LAB_DIR/wgnat0.conf
e2e_write_config "$native"
peer2_pub=$(b64key)
peer2_psk=$(b64key)
cat >>"$native" <<-CONF
	MTU = 1380
	ListenPort = 51999

	[Peer]
	PublicKey = $peer2_pub
	PresharedKey = $peer2_psk
	AllowedIPs = 10.124.0.0/24
CONF
# MTU and ListenPort belong to [Interface]: move them up
"$LAB_PYTHON" - "$native" <<-'EOF'
	import sys
	p = sys.argv[1]; lines = open(p).read().splitlines()
	extra = [l for l in lines if l.startswith(("MTU", "ListenPort"))]
	lines = [l for l in lines if l not in extra]
	i = lines.index("[Interface]") + 1
	open(p, "w").write("\n".join(lines[:i] + extra + lines[i:]) + "\n")
EOF
cp "$native" "$LAB_DIR/ksref.conf"

ok "nmcli connection import type wireguard makes a native profile" \
	lab_client nmcli connection import type wireguard file "$native"
is "the native profile is of type wireguard" "$(nmg connection.type wgnat0)" wireguard
ok "the plugin's importer makes the reference profile from the same file" e2e_import "$LAB_DIR/ksref.conf"
# What the kill switch cannot express in a profile of its own, set on the original:
lab_client nmcli connection modify wgnat0 connection.autoconnect no ipv4.dns-priority -20 \
	ipv4.routes "10.125.0.0/24" +ipv4.dns-search corp.example ipv4.route-table 51900 ipv6.route-table 51900 \
	wireguard.ip4-auto-default-route yes wireguard.fwmark 0x5151 connection.mptcp-flags enabled

# --- adopt, keeping the original ------------------------------------------------
new="wgnat0 (kill switch)"
lab_client wg-killswitch adopt wgnat0 >"$LAB_DIR/adopt.out" 2>&1
rc=$?
sed 's/^/#   /' "$LAB_DIR/adopt.out"
is "adopt wgnat0: exit 0" "$rc" 0
is "adopt: the new profile is a kill-switch VPN" "$(nmg vpn.service-type "$new")" \
	org.freedesktop.NetworkManager.wireguard-killswitch
is "adopt: the original is kept" "$(nmg connection.type wgnat0)" wireguard
ok "adopt: names what it cannot carry over (ip4-auto-default-route)" \
	grep -q "not carried over: wireguard.ip4-auto-default-route" "$LAB_DIR/adopt.out"
ok "adopt: names what it cannot carry over (mptcp-flags)" \
	grep -q "not carried over: connection.mptcp-flags" "$LAB_DIR/adopt.out"
ok "adopt: no key in its output" not grep -qF -e "$(cat "$LAB_CLIENT_KEY")" -e "$peer2_psk" "$LAB_DIR/adopt.out"

data_new=$(nmg vpn.data "$new" | kv_sorted)
# fwmark and the extra search domain were set on the original after the import
data_ref=$(nmg vpn.data ksref | kv_sorted | grep -v -e '^fwmark = ' -e '^dns-search = ')
data_cmp=$(grep -v -e '^fwmark = ' -e '^dns-search = ' <<<"$data_new")
is "adopt: vpn.data equals the importer's for the same file (fwmark and search domains aside)" "$data_cmp" "$data_ref"
[ "$data_cmp" = "$data_ref" ] || diff <(echo "$data_ref") <(echo "$data_cmp") | sed 's/^/#   /'
has() { grep -qxF "$1" <<<"$data_new"; }
ok "adopt: address"            has "address = $LAB_TUN_CLIENT4/24, $LAB_TUN_CLIENT6/64"
ok "adopt: DNS server"         has "dns = $LAB_TUN_DNS4"
ok "adopt: DNS search (file and original)" has "dns-search = lab.example, corp.example"
ok "adopt: MTU"                has "mtu = 1380"
ok "adopt: listen port"        has "listen-port = 51999"
ok "adopt: fwmark"             has "fwmark = $((0x5151))"
ok "adopt: peer 0 public key"  has "peer.0.public-key = $(cat "$LAB_SERVER_PUB")"
ok "adopt: peer 0 endpoint"    has "peer.0.endpoint = vpn.lab.example:51820"
ok "adopt: peer 0 allowed IPs" has "peer.0.allowed-ips = 0.0.0.0/0, ::/0"
ok "adopt: peer 0 keepalive"   has "peer.0.persistent-keepalive = 15"
ok "adopt: peer 1 public key"  has "peer.1.public-key = $peer2_pub"
ok "adopt: peer 1 allowed IPs" has "peer.1.allowed-ips = 10.124.0.0/24"
ok "adopt: kill switch on"     has "kill-switch = on"
sec_new=$(secrets_of "$new" vpn)
sec_ref=$(secrets_of ksref vpn)
ok "adopt: the private key and peer 1's preshared key came over (equal to the importer's secrets)" \
	test -n "$sec_new" -a "$sec_new" = "$sec_ref" ||
	diff <(sed 's/ = .*/ = (value)/' <<<"$sec_ref") <(sed 's/ = .*/ = (value)/' <<<"$sec_new") | sed 's/^/#   /'  # names only, never a key
ok "adopt: private key = the original's" \
	grep -qxF "$(secrets_of wgnat0 wireguard | grep '^private-key = ')" <<<"$sec_new"
ok "adopt: preshared key of peer 1" grep -qxF "peer.1.preshared-key = $peer2_psk" <<<"$sec_new"
is "adopt: autoconnect" "$(nmg connection.autoconnect "$new")" "$(nmg connection.autoconnect wgnat0)"
is "adopt: ipv4.route-table" "$(nmg ipv4.route-table "$new")" 51900
is "adopt: ipv6.route-table" "$(nmg ipv6.route-table "$new")" 51900
is "adopt: ipv4.dns-priority (the user's negative one)" "$(nmg ipv4.dns-priority "$new")" -20
is "adopt: ipv4.routes" "$(nmg ipv4.routes "$new")" "$(nmg ipv4.routes wgnat0)"
is "adopt: ipv4.never-default (full tunnel takes the default route)" "$(nmg ipv4.never-default "$new")" no
is "adopt of a profile that does not exist fails" \
	"$(lab_client wg-killswitch adopt no-such-profile >/dev/null 2>&1; echo $?)" 3
lab_client wg-killswitch adopt ksref >"$LAB_DIR/adopt.err" 2>&1
is "adopt of a VPN profile (not wireguard) fails" "$?" 3
ok "... and the error names the profile and its type" \
	grep -q 'profile "ksref" is of type vpn, not wireguard' "$LAB_DIR/adopt.err"

# --- an agent-owned private key --------------------------------------------------------------
# The agent keeps what NetworkManager hands it, as a desktop's keyring agent
# does; it runs as the same user as adopt (NetworkManager asks only agents
# of the requester's uid). Changing the flag moves the key into the agent.
nm_file() { lab_client nmcli -g NAME,FILENAME connection show | sed -n "s/^$1://p"; }
agent_log=$LAB_DIR/agent.log
agent_start() {
	lab__spawn_client secret-agent "$LAB_PYTHON" "$E2E_DIR/secret-agent.py" "$agent_log"
	lab_wait_for 10 grep -q registered "$(lab_log_path secret-agent)"
}
agent_said() { grep -qxF "$1" "$agent_log"; }
cp "$native" "$LAB_DIR/wgagent.conf"
lab_client nmcli connection import type wireguard file "$LAB_DIR/wgagent.conf" >/dev/null
lab_client nmcli connection modify wgagent connection.autoconnect no
ok "a secret agent is registered" agent_start
lab_client nmcli connection modify wgagent wireguard.private-key-flags 1
ok "agent-owned: NetworkManager hands the key to the agent" \
	lab_wait_for 10 agent_said "SaveSecrets wgagent wireguard: private-key"
ok "agent-owned: NetworkManager does not store the private key" \
	not lab_client grep -q '^private-key=' "$(nm_file wgagent)"
agent="wgagent (kill switch)"
lab_client wg-killswitch adopt wgagent >"$LAB_DIR/adopt.out" 2>&1
is "adopt wgagent: exit 0" "$?" 0
sed 's/^/#   /' "$LAB_DIR/adopt.out"
sed 's/^/#   agent: /' "$agent_log"
ok "adopt asked the agent for the key" grep -q '^GetSecrets wgagent wireguard .*-> private-key$' "$agent_log"
ok "adopt: the agent-owned key came over (not named as missing)" not grep -q "not carried over: wireguard.private-key" "$LAB_DIR/adopt.out"
ok "adopt: the flag came over (agent-owned)" \
	grep -qxF "private-key-flags = 1" <<<"$(nmg vpn.data "$agent" | kv_sorted)"
ok "adopt: the new profile's key went to the agent" agent_said "SaveSecrets $agent vpn: secrets.private-key"
ok "adopt: NetworkManager stores no key for the new profile either" \
	not lab_client grep -q '^private-key=' "$(nm_file "$agent")"
ok "adopted agent-owned profile: connects, the key from the agent" ks_up "$agent"
ok "... NetworkManager asked the agent" grep -q "^GetSecrets $agent vpn .*-> secrets.private-key$" "$agent_log"
ok "... and traffic goes through the tunnel" ks_via_tunnel
ks_reset "$agent"
lab_client nmcli connection delete id "$agent" >/dev/null
# Without the agent nobody has the key: adopt says so and keeps the flag.
lab__stop_pid "$(lab_pid secret-agent)" "$(lab__starttime "$(lab_pid secret-agent)")"
lab_client wg-killswitch adopt wgagent >"$LAB_DIR/adopt.out" 2>&1
is "adopt wgagent without an agent: exit 0" "$?" 0
sed 's/^/#   /' "$LAB_DIR/adopt.out"
ok "adopt names the agent-owned key it could not get" \
	grep -q "not carried over: wireguard.private-key: agent-owned, and no secret agent of this user gave it" "$LAB_DIR/adopt.out"
ok "... keeps the flag" grep -qxF "private-key-flags = 1" <<<"$(nmg vpn.data "$agent" | kv_sorted)"
ok "... and the new profile has no private key (peer 1's system-owned preshared key only)" \
	test "$(secrets_of "$agent" vpn | sed 's/ = .*//')" = peer.1.preshared-key
lab_client nmcli connection delete id "$agent" >/dev/null
lab_client nmcli connection delete id wgagent >/dev/null

# --- --replace: connect once, then delete the original ------------------------------
lab_client nmcli connection delete id "$new" >/dev/null
t0=$(ks_ms)
lab_client wg-killswitch adopt --replace wgnat0 >"$LAB_DIR/adopt.out" 2>&1
rc=$?
sed 's/^/#   /' "$LAB_DIR/adopt.out"
e2e__log "adopt --replace: exit $rc after $(($(ks_ms) - t0)) ms"
is "adopt --replace: exit 0" "$rc" 0
is "adopt --replace: the new profile is connected" "$(e2e_vpn_state "$new")" activated
ok "adopt --replace: the original is deleted" test -z "$(nmg connection.type wgnat0)"
ok "adopt --replace: traffic goes through the tunnel" ks_via_tunnel
is "adopt --replace: the kill switch is armed" "$(ks_table_state)" connected
ks_begin "adopted, connected" 5
sleep 3
ks_end "adopted, connected"

wg=$(ks_wggo_pid)
ks_begin "adopted, wireguard-go killed"
ok "adopted: SIGKILL to wireguard-go" kill -KILL "$wg"
ks_blocked_checks "adopted, wireguard-go killed"
ks_end "adopted, wireguard-go killed"
ks_reset "$new"

# The rest of the leak matrix with the adopted profile.
ok "adopted: connect again" ks_up "$new"
ks_begin "adopted, tunnel link down"
ok "adopted: ip link set <tun> down" lab_client ip link set "$(ks_tun_ifname)" down
ks_blocked_checks "adopted, tunnel link down"
sleep 2
ks_end "adopted, tunnel link down"
ks_reset "$new"

ok "adopted: connect again" ks_up "$new"
svc=$(ks_service_pid)
ks_begin "adopted, service killed"
ok "adopted: SIGKILL the VPN service" kill -KILL "$svc"
lab_wait_for 15 ks_vpn_gone "$new"
ks_blocked_checks "adopted, service killed" connected
sleep 1
ks_end "adopted, service killed"
ks_reset "$new"

ok "adopted: connect again" ks_up "$new"
ks_begin "adopted, DNS straight to the ISP"
ok "adopted: dig @$LAB_ISPA_GW4 gets no answer" not ks_dig_answers @"$LAB_ISPA_GW4" adopted-direct.lab.example
ok "adopted: the ISP resolver never saw it" not lab_dns_queried ispa adopted-direct.lab.example
ok "adopted: nor any probe query" not lab_dns_queried ispa probe.lab.example
ks_end "adopted, DNS straight to the ISP"
ks_reset "$new"

# The adopted profile stays up while the network under it changes. Its
# endpoint is a host name (vpn.lab.example): after an outage or a roam the
# service looks it up again through the uplink's resolver, and nothing else.
ks_tunnel_flows() { E2E_CURL_TIMEOUT=2 lab_wait_for 30 ks_via_tunnel; }
ok "adopted: connect again" ks_up "$new"
ks_begin "adopted, uplink lost"
ok "adopted: pull ISP A's cable" lab_uplink_down ispa
ks_blocked_checks "adopted, uplink lost"
ok "adopted: plug ISP A's cable back in" lab_uplink_up ispa
ok "adopted: eth0 is back" lab_nm_wait eth0 20
ok "adopted: the tunnel carries traffic again" ks_tunnel_flows
ks_end_hostname "adopted, uplink lost" vpn.lab.example

KS_PROBE_TARGETS="$KS_PROBE_TARGETS $LAB_ISPB_GW6"
for isp in ispb ispa; do
	ks_begin "adopted, roaming to $isp"
	ok "adopted: roam to $isp" lab_roam_to "$isp"
	ok "adopted: on $isp, the tunnel carries traffic" ks_tunnel_flows
	is "adopted: on $isp, the VPN is still activated" "$(e2e_vpn_state "$new")" activated
	ks_end_hostname "adopted, roaming to $isp" vpn.lab.example
	[ "$isp" = ispb ] && ok "adopted: ISP B carried WireGuard" test "$(lab_leak_count ispb wg)" -gt 0
done

# NetworkManager stopped (the lab's, by its PID), then started again.
ks_begin "adopted, NetworkManager stopped and started"
ok "adopted: stop NetworkManager" lab_nm_stop
ks_blocked_checks "adopted, NetworkManager stopped"
ok "adopted: start NetworkManager" lab_nm_start
ok "adopted: NetworkManager is back with eth0" lab_nm_wait eth0 20
ks_blocked_checks "adopted, NetworkManager started again"
ks_end "adopted, NetworkManager stopped and started"
ks_reset "$new"
ok "adopted: after NetworkManager's restart the profile connects again" ks_up "$new"
ok "adopted: ... and carries traffic" ks_via_tunnel
ks_reset "$new"

e2e_finish
