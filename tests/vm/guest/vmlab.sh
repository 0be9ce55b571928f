# shellcheck shell=bash
# Inside the VM: the namespace lab of tests/lab/lab.sh, with the guest's own
# root namespace as the client. The ISPs and the "internet" are namespaces
# vm-ispa, vm-ispb, vm-inet joined by veth to eth0/eth1 of the guest, which
# the guest's NetworkManager unit manages. The WireGuard server is kernel
# WireGuard (wgsrv0 in vm-inet, set up with wg).

VM_LIB=/usr/local/lib/wgks-vm
export LAB_PREFIX=vm LAB_DIR=/run/wgks-vm/lab
# shellcheck source=../../lab/lab.sh
. "$VM_LIB/lab/lab.sh"
# shellcheck source=../../tap.sh
. "$VM_LIB/lab/tap.sh"

# The client is the guest itself.
lab_client() { "$@"; }

vm__step_netns() {
	local ns
	for ns in ispa ispb inet; do
		lab__netns_add "$ns" && lab__router_sysctls "$ns" || return 1
	done
	sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 >/dev/null
	# lab__step_links puts eth0/eth1 into "$LAB_PREFIX-client": a name for
	# the guest's own namespace (PID 1's), never in netns.list
	ip netns attach "$LAB_PREFIX-client" 1
}

# The namespace lab's "internet" with a kernel WireGuard server; the tunnel's
# resolver also answers for the split tunnel's company.internal and for any
# name in lab.example (fresh names that no cache has seen).
vm__step_inet() {
	ip -n "$LAB_PREFIX-inet" link add "$LAB_WG_SERVER_IF" type wireguard || return 1
	ip netns exec "$LAB_PREFIX-inet" wg set "$LAB_WG_SERVER_IF" private-key "$LAB_SERVER_KEY" \
		listen-port "$LAB_WG_PORT" peer "$(cat "$LAB_CLIENT_PUB")" \
		allowed-ips "$LAB_TUN_CLIENT4/32,$LAB_TUN_CLIENT6/128" || return 1
	ip -n "$LAB_PREFIX-inet" -batch - <<-EOT || return 1
		addr add $LAB_TUN_SERVER4/24 dev $LAB_WG_SERVER_IF
		addr add $LAB_TUN_SERVER6/64 dev $LAB_WG_SERVER_IF nodad
		link set $LAB_WG_SERVER_IF up
	EOT
	lab__inet_services --local=/company.internal/ --host-record="intra.company.internal,$LAB_TUN_WEB4" \
		--address="/lab.example/$LAB_WEB4"
}

# vm_lab_up: the whole lab, at every boot, before NetworkManager starts.
vm_lab_up() {
	mkdir -p "$LAB_DIR/log" "$LAB_DIR/pids" "$LAB_DIR/run"
	: >"$LAB_DIR/pids.list"
	: >"$LAB_DIR/netns.list"
	local step
	for step in vm__step_netns lab__step_links lab__step_leak_meters vm__step_inet lab__step_isps; do
		"$step" || { lab__fail "vm_lab_up: $step failed"; return 1; }
	done
}

# ---------------------------------------------------------------- tests

VM_STATE=/var/lib/wgks-vm
VM_PROFILES=$VM_STATE/profiles
export WGKS_HANDSHAKE_TIMEOUT=${WGKS_HANDSHAKE_TIMEOUT:-8}

ok() { tap_ok "$@"; }
is() { tap_is "$@"; }
vm_log() { printf '# %s\n' "$*"; }

# vm_write_config FILE [ALLOWED_IPS] [ENDPOINT] [DNS]
vm_write_config() {
	local file=$1 allowed=${2:-0.0.0.0/0, ::/0} endpoint=${3:-$LAB_WG_ENDPOINT4:$LAB_WG_PORT}
	local dns=${4:-$LAB_TUN_DNS4, lab.example}
	mkdir -p "$(dirname "$file")"
	cat >"$file" <<-CONF
		[Interface]
		PrivateKey = $(cat "$LAB_CLIENT_KEY")
		Address = $LAB_TUN_CLIENT4/24, $LAB_TUN_CLIENT6/64
		DNS = $dns

		[Peer]
		PublicKey = $(cat "$LAB_SERVER_PUB")
		Endpoint = $endpoint
		AllowedIPs = $allowed
		PersistentKeepalive = 15
	CONF
	chmod 600 "$file"
}

vm_import() { nmcli connection import type wireguard-killswitch file "$1" >/dev/null; }
# Generous: under TCG on a busy host one activation has taken over a minute.
vm_up() { timeout "${2:-120}" nmcli --wait "${2:-120}" connection up id "$1"; }
vm_down() { nmcli connection down id "$1" >/dev/null; }
vm_state() { nmcli -g GENERAL.STATE connection show id "$1" 2>/dev/null || true; }
vm_curl() { curl -s --max-time "${VM_CURL_TIMEOUT:-5}" "$1"; }
vm_curl_until() { # URL EXPECTED [SECONDS]
	local reply='' end=$((SECONDS + ${3:-15}))
	while [ $SECONDS -lt $end ]; do
		reply=$(VM_CURL_TIMEOUT=2 vm_curl "$1") && [ "$reply" = "$2" ] && break
		sleep 0.5
	done
	echo "$reply"
}
vm_tun_ifname() { ip -o link show | awk -F': ' '$2 ~ /^wgks/ {sub(/@.*/, "", $2); print $2; exit}'; }
vm_service_pid() { ps -C nm-wireguard-killswitch-service -o pid= | awk '{print $1; exit}'; }
vm_wireguard_go_count() { ps -C wireguard-go -o pid= | wc -l; }
vm_service_log() { journalctl -q -b --no-pager -o cat _COMM=nm-wireguard-k 2>/dev/null; journalctl -q -b --no-pager -o cat -u NetworkManager | grep -a 'nm-wireguard-killswitch' ; }
vm_leaks_comment() { # ISP: counters as one TAP comment line
	vm_log "leak counters $1: $(lab_leaks "$1" | paste -sd' ')"
}
# vm_dns_fresh NAME-PREFIX: a name nobody asked before (no resolver cache)
vm_dns_fresh() { echo "$1-$(date +%s%N | cut -c8-16).lab.example"; }
vm_table_present() { nft list table inet wireguard_killswitch >/dev/null 2>&1; }
# vm_up_metered NAME RESET-CMD...: nmcli connection up NAME, with RESET-CMD
# (which zeroes a leak meter) run the moment the kill switch's table is in
# place: before it, the system may send what it likes (resolved's LLMNR,
# say). Returns nmcli's status.
vm_up_metered() {
	local name=$1 pid
	shift
	vm_up "$name" >/dev/null 2>&1 &
	pid=$!
	lab_wait_for 60 vm_table_present
	"$@"
	wait "$pid"
}

# vm_nm_wait_uplink [DEV]: NetworkManager activated DEV with DHCPv4 + SLAAC
vm_nm_wait_uplink() { lab_nm_wait "${1:-eth0}" "${2:-60}"; }

vm_finish() {
	echo "1..$tap_n"
	if [ "$tap_failed" != 0 ]; then
		vm_log "$tap_failed of $tap_n failed; the service's log:"
		vm_service_log | tail -60 | sed 's/^/#   /'
		vm_log "NetworkManager's last lines:"
		journalctl -q -b --no-pager -o short-monotonic -u NetworkManager | tail -30 | sed 's/^/#   /'
		exit 1
	fi
	exit 0
}

# ---------------------------------------------------------------- reboots

VM_BOOT_PROBE_OUT=$VM_STATE/boot-probe.json

# vm_boot_probe_enable: from the next boot on, a leak probe (~200 packets/s
# of TCP, UDP, ICMP and DNS to the internet and the ISP) runs from right
# after the lab exists, before NetworkManager starts, until stopped.
vm_boot_probe_enable() {
	local t args=""
	for t in "$LAB_WEB4" "$LAB_ISPA_GW4" "$LAB_WEB6" "$LAB_ISPA_GW6"; do args+=" --target $t"; done
	rm -f "$VM_BOOT_PROBE_OUT"
	cat >/etc/systemd/system/wgks-vm-boot-probe.service <<-UNIT
		[Unit]
		Description=wgks VM lab: leak probe from early boot on
		DefaultDependencies=no
		After=wgks-vm-lab.service
		Before=NetworkManager.service

		[Service]
		ExecStart=$LAB_PYTHON $VM_LIB/lab/probe.py --duration 600 --rate 200 --out $VM_BOOT_PROBE_OUT$args

		[Install]
		WantedBy=sysinit.target
	UNIT
	systemctl enable wgks-vm-boot-probe.service 2>/dev/null
}

# vm_boot_probe_stop: stops it (the probe writes its summary on SIGTERM),
# disables it, prints the summary as a comment; true if it sent packets.
vm_boot_probe_stop() {
	systemctl stop wgks-vm-boot-probe.service
	systemctl disable wgks-vm-boot-probe.service 2>/dev/null
	[ -s "$VM_BOOT_PROBE_OUT" ] || { vm_log "boot probe: no summary"; return 1; }
	"$LAB_PYTHON" - "$VM_BOOT_PROBE_OUT" <<-'PY'
		import json, sys
		d = json.load(open(sys.argv[1]))
		kinds = d.get("kinds", d)
		total = 0
		parts = []
		for k, v in sorted(kinds.items()):
		    if isinstance(v, dict) and "sent" in v:
		        total += v["sent"]
		        parts.append("%s sent=%d replies=%d" % (k, v["sent"], v["replies"]))
		print("# boot probe: " + "; ".join(parts))
		sys.exit(0 if total > 0 else 1)
	PY
}

# vm_monotonic UNIT PROPERTY: a unit's timestamp (µs since boot)
vm_monotonic() { systemctl show -p "$2" --value "$1"; }

# ---------------------------------------------------------------- leak probe

VM_PROBE_PID=
VM_PROBE_OUT=
VM_PROBE_TARGETS=${VM_PROBE_TARGETS:-"$LAB_WEB4 $LAB_ISPA_GW4 $LAB_WEB6 $LAB_ISPA_GW6"}

# vm_probe_start [RATE]: the namespace lab's probe (TCP, UDP, ICMP, DNS to
# the internet and the ISP) in the background, ~RATE packets/s (default 1000)
vm_probe_start() {
	local t
	local -a args=()
	for t in $VM_PROBE_TARGETS; do args+=(--target "$t"); done
	VM_PROBE_OUT=$(mktemp /run/wgks-vm-probe.XXXXXX)
	"$LAB_PYTHON" "$VM_LIB/lab/probe.py" --duration 300 --rate "${1:-1000}" --out "$VM_PROBE_OUT" "${args[@]}" \
		</dev/null >/dev/null 2>&1 &
	VM_PROBE_PID=$!
	# a busy TCG guest can take seconds to start Python: a scenario counts
	# from the moment the probe sends
	lab_wait_for 30 vm__probe_sending "$VM_PROBE_PID"
}
# its sockets exist once its signal handlers are in place
vm__probe_sending() { find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | grep -q .; }

# vm_probe_stop: SIGTERM to the probe's PID, its summary as a comment;
# true if it sent packets
vm_probe_stop() {
	local rc
	[ -n "$VM_PROBE_PID" ] || return 1
	kill -TERM "$VM_PROBE_PID" 2>/dev/null
	wait "$VM_PROBE_PID" 2>/dev/null
	VM_PROBE_PID=
	[ -s "$VM_PROBE_OUT" ] || { vm_log "probe: no summary"; rm -f "$VM_PROBE_OUT"; return 1; }
	"$LAB_PYTHON" - "$VM_PROBE_OUT" <<-'PY'
		import json, sys
		d = json.load(open(sys.argv[1]))
		print("# probe: %d packets in %.1f s (%.0f/s), %d replies" % (
		    d["sent"], d["elapsed"], d["rate"], sum(v["replies"] for v in d["kinds"].values())))
		sys.exit(0 if d["sent"] > 0 else 1)
	PY
	rc=$?
	rm -f "$VM_PROBE_OUT"
	return $rc
}

# ---------------------------------------------------------------- packages

VM_DEBS=$VM_LIB/debs
VM_DEBS_UPGRADE=$VM_LIB/debs-upgrade
VM_PKG=network-manager-wireguard-killswitch
VM_GUARD=wireguard-killswitch-lockdown.service
VM_APT_LOG=$VM_STATE/apt.log

# vm_apt ARGS...: apt as a user runs it; its output in $VM_APT_LOG and as
# comments
vm_apt() {
	local rc
	DEBIAN_FRONTEND=noninteractive apt -y "$@" </dev/null >"$VM_APT_LOG" 2>&1
	rc=$?
	grep -v '^WARNING: apt does not have a stable CLI\|^(Reading database\|^$' "$VM_APT_LOG" | tail -25 | sed 's/^/#   apt: /'
	return $rc
}
# vm_apt_install_from DIR: apt install ./network-manager-wireguard-killswitch*.deb in DIR
vm_apt_install_from() { (cd "$1" && vm_apt install ./network-manager-wireguard-killswitch*.deb); }
vm_pkg_version() { dpkg-query -W -f '${Version}' "$VM_PKG" 2>/dev/null; }
vm_pkg_status() { dpkg-query -W -f '${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' '; }
vm_pkg_removed() { case "$(vm_pkg_status "$1")" in i*) return 1 ;; esac; }
vm_deb_version() { dpkg-deb -f "$(ls "$1"/"$VM_PKG"_*.deb)" Version; }
vm_pkg_ensure_installed() { [ "$(vm_pkg_status "$VM_PKG")" = ii ] || vm_apt_install_from "$VM_DEBS"; }
# vm_guard_runs_installed: the guardian's main process runs the installed
# /usr/bin/wg-killswitch (same inode), not a deleted older one
vm_guard_runs_installed() {
	local pid
	pid=$(systemctl show -p MainPID --value "$VM_GUARD")
	[ -n "$pid" ] && [ "$pid" != 0 ] || return 1
	[ "$(stat -L -c %i "/proc/$pid/exe")" = "$(stat -c %i /usr/bin/wg-killswitch)" ]
}
# vm_blocked URL: no reply within 3 s
vm_blocked() { ! VM_CURL_TIMEOUT=3 vm_curl "$1" >/dev/null; }
