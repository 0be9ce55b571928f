#!/bin/bash
# Secrets and privileges in the lab:
#  - the service runs with debug logging (NM_VPN_LOG_LEVEL=7, NetworkManager
#    at TRACE) through a connect with a private AND a preshared key, a forced
#    drop and a reconnect; then neither key (base64 or hex) may appear in any
#    log, in /proc/PID/cmdline or /proc/PID/environ of any lab process, or in
#    any file under the client's /run and the state directory;
#  - the service is not dumpable (PR_GET_DUMPABLE asked inside the process,
#    NetworkManager as the control);
#  - the D-Bus policy, as installed: on a private bus whose default policy
#    denies ownership (like the system bus), root may own the service names
#    and an unprivileged user may neither own them nor call the service;
#  - wg-killswitch release and lockdown refuse without root.
#
#   WGKS_TOP_BUILDDIR   a build configured --prefix=/usr (else one is made)
set -uo pipefail
. "$(dirname "$0")/lab-hardening.sh"
e2e_require_lab
command -v setpriv >/dev/null || { echo "1..0 # SKIP setpriv (util-linux) is missing"; exit 0; }

SVC_NAME=org.freedesktop.NetworkManager.wireguard-killswitch
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

hl_ok "a build configured --prefix=/usr" hlab_build || hl_finish
export NM_VPN_LOG_LEVEL=7 LAB_NM_LOG_LEVEL=TRACE
hl_ok "lab up (NetworkManager at TRACE, service at debug level)" hlab_up || hl_bail "lab did not come up"

# A preshared key on both sides, so that both secrets travel the whole path.
psk=$LAB_DIR/test.psk
python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())' >"$psk"
chmod 600 "$psk"
hl_ok "the lab server takes the preshared key" \
	lab_wg_server set public_key="@$LAB_CLIENT_PUB" preshared_key="@$psk"
conf=$LAB_DIR/wgsecret.conf
e2e_write_config "$conf"
sed -i "/^PublicKey/a PresharedKey = $(cat "$psk")" "$conf"
patterns=$LAB_DIR/keys.patterns
hl_key_patterns "$patterns" "$LAB_CLIENT_KEY" "$psk"

hl_ok "import (private and preshared key)" e2e_import "$conf"
up_quiet() { e2e_up "$@" >/dev/null; }
hl_ok "connect" up_quiet wgsecret 40
hl_ok "traffic flows through the tunnel (the preshared key matched)" lab_wait_for 10 hlab_via_tunnel
svc=$(hlab_service_pids | head -1)
hl_log "service pid: ${svc:-none}"
hl_ok "the service logged at debug level" grep -q 'nm-wireguard-killswitch\[[0-9]*\]: <debug>' "$(e2e_service_log)"

# --- not dumpable ---------------------------------------------------------------
# Dumpability asked inside the process (dumpable-of.c: prctl(PR_GET_DUMPABLE)
# run by ptrace in the process; /proc gives no such field, and the
# ptrace-permission side effects differ between kernels). NetworkManager is
# the control (dumpable).
dumpable_of=$LAB_DIR/dumpable-of
hl_ok "dumpable-of builds" ${CC:-cc} -O2 -Wall -Werror -o "$dumpable_of" "$(dirname "$0")/dumpable-of.c"
dumpable_of() { "$dumpable_of" "$1"; }
hl_is "control: NetworkManager is dumpable" "$(dumpable_of "$(hlab_nm_pid)")" 1
hl_is "the service is not dumpable (PR_GET_DUMPABLE in the process)" "$(dumpable_of "${svc:-0}")" 0
wggo=$(hlab_wggo_pids | head -1)
core_limit_zero() { [ -n "$1" ] && awk '/^Max core file size/ {v = $5} END {exit !(v == "0")}' "/proc/$1/limits"; }
hl_ok "wireguard-go (holds the keys too) cannot dump core (RLIMIT_CORE 0; exec resets dumpable)" core_limit_zero "$wggo"

# --- a drop and a reconnect: more log lines at debug level ----------------------
hl_ok "forced drop" hlab_drop wgsecret
hl_ok "reconnect" up_quiet wgsecret 40
hl_ok "disconnect" e2e_down wgsecret

# --- keys nowhere -----------------------------------------------------------------
grep_keys() { grep -c -F -f "$patterns" "$@" 2>/dev/null | awk -F: '{s += $NF} END {print s + 0}'; }
logs=$(ls "$LAB_DIR"/log/*.log)
hl_log "logs: $(echo $logs | wc -w) files, $(cat $logs | wc -l) lines"
hl_is "no key (base64 or hex) in any lab log" "$(grep_keys $logs)" 0
proc_dump() { # every process of the lab namespaces: cmdline and environ
	local ns p
	for ns in $(cat "$LAB_DIR/netns.list"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline"
			tr '\0' '\n' 2>/dev/null <"/proc/$p/environ"
		done
	done
}
proc_dump >"$LAB_DIR/proc.txt"
hl_ok "process arguments and environments were read ($(wc -l <"$LAB_DIR/proc.txt") lines)" test -s "$LAB_DIR/proc.txt"
hl_is "no key in any lab process's cmdline or environ" "$(grep_keys "$LAB_DIR/proc.txt")" 0
rm -f "$LAB_DIR/proc.txt"
hl_is "no key in any file under the client's /run" \
	"$(lab_client grep -rlF -f "$patterns" /run 2>/dev/null | wc -l)" 0
hl_is "no key in the kill switch's state directory" "$(grep -rlF -f "$patterns" "$WGKS_STATE_DIR" 2>/dev/null | wc -l)" 0
hl_is "the state directory's files are root-only (no group/other bits)" \
	"$(find "$WGKS_STATE_DIR" -type f -perm /077 | wc -l)" 0

# --- privileges: wg-killswitch ------------------------------------------------------
ks() { lab_client "${NOBODY[@]}" env WGKS_STATE_DIR="$WGKS_STATE_DIR" wg-killswitch "$@"; }
ks_quiet() { ks "$@" >/dev/null 2>&1; }
hl_ok "wg-killswitch release refuses without root" not ks_quiet release --yes
says_root() { local out; out=$(ks "$@" 2>&1); grep -qi 'root' <<<"$out"; }
hl_ok "... and says that root is needed" says_root release --yes
hl_ok "wg-killswitch lockdown on refuses without root" not ks_quiet lockdown on
hl_ok "wg-killswitch lockdown off refuses without root" not ks_quiet lockdown off

# --- privileges: the D-Bus policy as installed ------------------------------------
hl_tmpdir dbus bus || hl_bail "no temporary directory"
chmod 0755 "$bus"
policy_dir=$E2E_DESTDIR/usr/share/dbus-1/system.d
hl_ok "the policy file is installed" test -f "$policy_dir/nm-wireguard-killswitch-service.conf"
cat >"$bus/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$bus/socket</listen>
  <auth>EXTERNAL</auth>
  <!-- the system bus's default policy (Debian's system.conf) -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
  </policy>
  <includedir>$policy_dir</includedir>
</busconfig>
EOF
lab__spawn_client private-bus dbus-daemon --nofork --nopidfile --nosyslog --config-file="$bus/bus.conf"
bus_up() { [ -S "$bus/socket" ]; }
hl_ok "a private bus with the installed policy" lab_wait_for 10 bus_up
chmod 0666 "$bus/socket"
addr=unix:path=$bus/socket
request_name() { # NAME [as-nobody]: RequestName (DO_NOT_QUEUE); prints the reply or the error
	local pre=()
	[ "${2:-}" = nobody ] && pre=("${NOBODY[@]}")
	lab_client "${pre[@]}" gdbus call --address "$addr" --dest org.freedesktop.DBus \
		--object-path /org/freedesktop/DBus --method org.freedesktop.DBus.RequestName "$1" 4 2>&1
}
hl_is "root owns $SVC_NAME" "$(request_name "$SVC_NAME")" "(uint32 1,)"
hl_is "root owns $SVC_NAME.Connection_7" "$(request_name "$SVC_NAME.Connection_7")" "(uint32 1,)"
out=$(request_name "$SVC_NAME" nobody)
hl_ok "an unprivileged user cannot own $SVC_NAME" grep -q 'AccessDenied' <<<"$out" || hl_log "$out"
out=$(request_name "$SVC_NAME.Connection_7" nobody)
hl_ok "an unprivileged user cannot own $SVC_NAME.Connection_7" grep -q 'AccessDenied' <<<"$out" || hl_log "$out"
hl_is "control: the bus denies ownership by default (even root cannot own an unrelated name)" \
	"$(request_name org.example.Unrelated | grep -c AccessDenied)" 1

# The real service owns its name on the private bus (inside the client's
# namespaces, so nothing it does touches the host); nobody may not call it.
lab__spawn_client private-service env DBUS_SYSTEM_BUS_ADDRESS="$addr" NM_VPN_LOG_LEVEL=7 \
	"$HLAB_SERVICE" --bus-name "$SVC_NAME.Connection_99" --persist
owned() { lab_client gdbus call --address "$addr" --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
	--method org.freedesktop.DBus.NameHasOwner "$SVC_NAME.Connection_99" 2>/dev/null | grep -q true; }
hl_ok "the service owns its name on the private bus" lab_wait_for 15 owned
call_service() { # [nobody]
	local pre=()
	[ "${1:-}" = nobody ] && pre=("${NOBODY[@]}")
	lab_client "${pre[@]}" gdbus call --address "$addr" --dest "$SVC_NAME.Connection_99" \
		--object-path /org/freedesktop/NetworkManager/VPN/Plugin \
		--method org.freedesktop.DBus.Properties.Get org.freedesktop.NetworkManager.VPN.Plugin State 2>&1
}
out=$(call_service nobody)
hl_ok "an unprivileged user cannot call the service" grep -q 'AccessDenied' <<<"$out" || hl_log "$out"
out=$(call_service)
hl_ok "root can (control)" grep -q 'uint32' <<<"$out" || hl_log "$out"
hl_finish
