#!/bin/bash
# Hostile and broken input from every side: connections sent over
# D-Bus straight to the VPN service (missing keys, wrong types, huge values,
# keys and values with newlines, duplicate peers, 10,000 and 10,001 peers),
# endpoints that do not resolve or resolve to loopback or to the tunnel's
# own network, a table of our name with foreign content, a wireguard-go
# that exits at once, answers garbage or never answers, and the service
# started twice. Each must give a clear error that
# names what is wrong and leave nothing half-done: no interface, no child
# process, no UAPI socket, no owner lock, and the kill-switch table either
# untouched or complete in the state the failure calls for.
set -uo pipefail
. "$(dirname "$0")/killswitch-lib.sh"
e2e_require_lab
ks_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

CALL=$WGKS_TOP_BUILDDIR/tests/e2e/wgks-vpn-call
GEN=$E2E_DIR/hostile-conn.py
FAKE_WG=$E2E_DIR/fake-wireguard-go.py
SVC=/usr/libexec/nm-wireguard-killswitch-service
BUS=org.freedesktop.NetworkManager.wireguard-killswitch.hostile
HS_PID= HS_ST= HS_N=0 HS_LOG=

[ -x "$CALL" ] || { echo "Bail out! $CALL is not built (make check builds it)"; exit 1; }

hs_bus_has() { # NAME: someone owns NAME on the client's bus
	lab_client dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}

# hs_start [VAR=VALUE...]: a service of our own in the client, on its own bus
# name, with the test's environment (no NetworkManager involved).
hs_start() {
	HS_N=$((HS_N + 1))
	lab__spawn_client "hostile-svc$HS_N" env WGKS_STATE_DIR="$WGKS_STATE_DIR" WGKS_HANDSHAKE_TIMEOUT=8 "$@" \
		"$SVC" --persist --debug --bus-name "$BUS"
	HS_PID=$(lab_pid "hostile-svc$HS_N")
	HS_ST=$(lab__starttime "$HS_PID")
	HS_LOG=$(lab_log_path "hostile-svc$HS_N")
	lab_wait_for 10 hs_bus_has "$BUS"
}

hs_stop() {
	[ -n "$HS_PID" ] && lab__stop_pid "$HS_PID" "$HS_ST"
	HS_PID=
}

# hs_call CASE [ENDPOINT [CALL-OPTIONS...]]: generate the connection (an
# empty ENDPOINT keeps the lab's), send it; output in $HS_OUT, exit status
# in $HS_RC
hs_call() {
	local case=$1 endpoint=${2:-} t0
	shift $(($# >= 2 ? 2 : 1))
	t0=$(ks_ms)
	# never the previous case's result, whatever fails here
	HS_OUT="(the generator failed)" HS_RC=
	"$LAB_PYTHON" "$GEN" "$case" $endpoint >"$LAB_DIR/conn.gv" || return 1
	HS_OUT=$(lab_client "$CALL" --dest "$BUS" "$@" connect "$LAB_DIR/conn.gv" 2>&1)
	HS_RC=$?
	e2e__log "$case${endpoint:+ ($endpoint)}: exit $HS_RC after $(($(ks_ms) - t0)) ms: ${HS_OUT:0:300}"
}

hs_alive() { lab__pid_alive "$HS_PID" "$HS_ST"; }
hs_no_children() { [ -z "$(ks_child_pids "$HS_PID")" ]; }
hs_no_link() { [ -z "$(ks_tun_ifname)" ]; }
hs_no_socket() { ! lab_client sh -c 'ls /run/wireguard/*.sock' >/dev/null 2>&1; }
hs_link_up() { lab_client ip -o link show "$1" up | grep -q "$1"; }
hs_no_owner() { ! lab_client test -s /run/wireguard-killswitch/owner; }

# nothing_half_done LABEL TABLE-STATE
nothing_half_done() {
	ok "$1: the service is still running" hs_alive
	ok "$1: no tunnel interface" lab_wait_for 5 hs_no_link
	ok "$1: no child process (wireguard-go)" lab_wait_for 5 hs_no_children
	ok "$1: no UAPI socket left" hs_no_socket
	ok "$1: the owner lock is free" lab_wait_for 5 hs_no_owner
	is "$1: kill-switch table" "$(ks_table_state)" "$2"
}

# rejected CASE EXPECTED-TEXT [ENDPOINT]: refused at once, nothing touched
rejected() {
	local label="$1${3:+ ($3)}"
	hs_call "$1" "${3:-}"
	is "$label: Connect is refused" "$HS_RC" 3
	ok "$label: the error says \"$2\"" grep -qF -- "$2" <<<"$HS_OUT" \
		|| e2e__log "$label: got: ${HS_OUT:0:1000}"
	nothing_half_done "$label" absent
}

# failed_later CASE EXPECTED-LOG [ENDPOINT]: accepted, then fails; the kill
# switch blocks (fail closed) and nothing else is left
failed_later() {
	local case=$1 want=$2 endpoint=${3:-}
	hs_call "$case" "$endpoint" --wait 30
	is "$case${endpoint:+ ($endpoint)}: the connection fails" "$HS_RC" 4
	ok "$case: the service logs \"$want\"" lab_wait_for 5 grep -qF -- "$want" "$HS_LOG"
	nothing_half_done "$case${endpoint:+ ($endpoint)}" blocked
	ks_wgks release --yes >/dev/null 2>&1
	lab_wait_for 10 ks__table_is absent
}

is "before: no kill-switch table" "$(ks_table_state)" absent
ok "a service of our own owns $BUS" hs_start

# --- malformed connections over D-Bus -----------------------------------------
rejected no-vpn-setting "not a wireguard-killswitch VPN connection"
rejected data-wrong-type "vpn.data is empty or not a dictionary of strings"
rejected data-not-a-dict "vpn.data is empty or not a dictionary of strings"
rejected no-private-key "private-key"
rejected no-public-key "peer.0.public-key"
rejected no-address "address"
rejected bad-public-key "peer.0.public-key"
rejected mtu-huge '"mtu"'
rejected listen-port-huge '"listen-port"'
rejected keepalive-huge '"peer.0.persistent-keepalive"'
rejected dns-search-1mib '... (1048576 bytes)" for key "dns-search"'
rejected address-100k-prefixes 'too many tunnel addresses in "address": 100000 (at most 64)'
rejected peer-index-huge "peer.4294967296.public-key"
rejected peer-index-gap "peer 1 has no public key (key \"peer.1.public-key\")"
rejected newline-in-endpoint '"peer.0.endpoint"'
rejected newline-in-allowed-ips '"peer.0.allowed-ips"'
rejected newline-in-key 'listen-port\nprivate_key'
rejected newline-in-secret "invalid private-key"
rejected unknown-secret "peer.7.preshared-key"
rejected duplicate-peers "peers 0 and 1 have the same public key"
rejected own-public-key "peer 1 has this interface's own public key"
rejected peers-10001 "peer.10000."
ok "no secret reached the service's log" not grep -qF "$(cat "$LAB_CLIENT_KEY")" "$HS_LOG"

# --- endpoints that cannot be used ----------------------------------------------
rejected endpoint "loopback" "127.0.0.1:51820"
rejected endpoint "loopback" "[::1]:51820"
rejected endpoint "loopback" "0.0.0.0:51820"
rejected endpoint "tunnel's own addresses" "$LAB_TUN_CLIENT4:51820"
rejected endpoint "tunnel's own addresses" "$LAB_TUN_SERVER4:51820"
lab_client sh -c "echo '$LAB_TUN_SERVER4 inside.hostile.example' >>/etc/hosts"
failed_later endpoint 'cannot resolve endpoint host "nonexistent.invalid"' "nonexistent.invalid:51820"
failed_later endpoint 'endpoint host "localhost" resolves to' "localhost:51820"
failed_later endpoint "resolves to $LAB_TUN_SERVER4:51820, inside the tunnel's own addresses" "inside.hostile.example:51820"

# --- 10,000 peers: a profile at the limit connects, and leaves nothing ------------
t0=$(ks_ms)
hs_call peers-10000 "" --wait 60
is "10,000 peers: the tunnel comes up" "$HS_OUT" started
e2e__log "10,000 peers: connected in $(($(ks_ms) - t0)) ms"
tun=$(ks_tun_ifname)
is "10,000 peers: wireguard-go holds all of them" \
	"$(lab_client "$LAB_PYTHON" "$LAB_SRCDIR/wg-uapi.py" "$tun" get 2>/dev/null | grep -c '^public_key=')" 10000
is "10,000 peers: the kill switch is armed" "$(ks_table_state)" connected
ok "10,000 peers: disconnect" lab_client "$CALL" --dest "$BUS" disconnect
nothing_half_done "10,000 peers, after disconnect" blocked
ks_wgks release --yes >/dev/null 2>&1
lab_wait_for 10 ks__table_is absent

# --- a table of our name with foreign content ------------------------------------
lab_client nft -f - <<'NFT'
table inet wireguard_killswitch {
	set foreign_allow { type ipv4_addr; elements = { 203.0.113.80 } }
	chain foreign_bypass { type filter hook output priority -200; policy accept; }
}
NFT
is "foreign table: planted" "$(lab_client nft list table inet wireguard_killswitch | grep -c foreign_)" 2
hs_call valid "" --wait 30
is "foreign table: the tunnel comes up" "$HS_OUT" started
is "foreign table: the kill switch is armed" "$(ks_table_state)" connected
is "foreign table: no foreign chain or set is left in it" \
	"$(lab_client nft list table inet wireguard_killswitch | grep -c foreign_)" 0
ok "foreign table: disconnect" lab_client "$CALL" --dest "$BUS" disconnect
nothing_half_done "foreign table, after disconnect" blocked
ks_wgks release --yes >/dev/null 2>&1
lab_wait_for 10 ks__table_is absent

# --- the service started twice ---------------------------------------------------
hs_call valid "" --wait 30
is "twice: the first service connects" "$HS_OUT" started
first_pid=$HS_PID first_st=$HS_ST first_log=$HS_LOG tun=$(ks_tun_ifname) first_wggo=$(ks_child_pids "$HS_PID")
# (a timeout: a second service that waits for the name must fail this test, not hang it)
lab_client timeout 20 env WGKS_STATE_DIR="$WGKS_STATE_DIR" "$SVC" --persist --debug --bus-name "$BUS" \
	>"$LAB_DIR/second.log" 2>&1
is "twice, same bus name: the second process exits with status 1" "$?" 1
ok "twice, same bus name: it says why" grep -q "another process (PID $first_pid) already owns the D-Bus name $BUS" "$LAB_DIR/second.log"
is "twice, same bus name: the first tunnel is untouched" "$(ks_tun_ifname)" "$tun"
is "twice, same bus name: the table is untouched" "$(ks_table_state)" connected

BUS=$BUS.second
ok "twice, other bus name (as NetworkManager starts one per connection)" hs_start
hs_call valid
is "twice, same connection: Connect is refused" "$HS_RC" 3
ok "twice, same connection: the error names the owner" grep -qF "another WireGuard kill-switch connection is active (service PID $first_pid" <<<"$HS_OUT"
ok "twice, same connection: the second service started nothing" hs_no_children
is "twice, same connection: the first tunnel is untouched" "$(ks_tun_ifname)" "$tun"
is "twice, same connection: the table is untouched" "$(ks_table_state)" connected
ok "twice, same connection: the first tunnel is still up" hs_link_up "$tun"
is "twice, same connection: the first service keeps its wireguard-go" "$(ks_child_pids "$first_pid")" "$first_wggo"
hs_stop
BUS=${BUS%.second}
HS_PID=$first_pid HS_ST=$first_st HS_LOG=$first_log
hs_call valid
is "twice, same service: a second Connect is refused" "$HS_RC" 3
ok "twice, same service: the error says why" grep -qF "wrong plugin state" <<<"$HS_OUT"
is "twice, same service: the table is untouched" "$(ks_table_state)" connected
ok "disconnect" lab_client "$CALL" --dest "$BUS" disconnect
nothing_half_done "twice, after disconnect" blocked
ks_wgks release --yes >/dev/null 2>&1
lab_wait_for 10 ks__table_is absent
hs_stop

# --- a broken wireguard-go ---------------------------------------------------------
for mode in exit garbage silent; do
	case $mode in
	exit) want="exited with status 1 before it was ready" ;;
	garbage) want="malformed reply from wireguard-go, line 1" ;;
	silent) want="no complete answer from wireguard-go" ;;
	esac
	ok "wireguard-go that does '$mode': a service that starts it" hs_start WGKS_WIREGUARD_GO="$FAKE_WG" FAKE_WG_MODE=$mode
	failed_later valid "$want"
	ok "wireguard-go that does '$mode': the fake ran" grep -q "fake wireguard-go ($mode)" "$HS_LOG"
	hs_stop
done

e2e_finish
