# shellcheck shell=bash
# End-to-end tests on the network lab: TAP output, the plugin installed with
# `make install DESTDIR=` and seen only inside the lab client's namespace.
#
# Env: WGKS_TOP_BUILDDIR (a build configured --prefix=/usr), WGKS_TOP_SRCDIR.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WGKS_TOP_SRCDIR=${WGKS_TOP_SRCDIR:-$(cd "$E2E_DIR/../.." && pwd)}
WGKS_TOP_BUILDDIR=${WGKS_TOP_BUILDDIR:-$WGKS_TOP_SRCDIR}
# shellcheck source=../lab/lab.sh
. "$WGKS_TOP_SRCDIR/tests/lab/lab.sh"

E2E_DESTDIR=

e2e__log() { printf '# %s\n' "$*"; }

# shellcheck source=../tap.sh
. "$WGKS_TOP_SRCDIR/tests/tap.sh"
ok() { tap_ok "$@"; }
is() { tap_is "$@"; }

# Needs root and network namespaces; anywhere else the lab cannot exist.
e2e_require_lab() {
	local probe=wgks-probe$$
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP the network lab needs root"
		exit 0
	fi
	if ! ip netns add "$probe" 2>/dev/null; then
		echo "1..0 # SKIP this machine cannot create network namespaces"
		exit 0
	fi
	ip netns del "$probe"
}

e2e_cleanup() {
	local status=$?
	lab_down
	[ -n "$E2E_DESTDIR" ] && rm -rf "$E2E_DESTDIR"
	E2E_DESTDIR=
	return $status
}

# Installs the build into a private DESTDIR and brings the lab up with it.
e2e_lab_up() {
	E2E_DESTDIR=$(mktemp -d /tmp/wgks-e2e-root.XXXXXX)
	trap e2e_cleanup EXIT
	trap 'exit 143' INT TERM
	# tests run in parallel: one `make install` at a time in the build tree
	flock "$WGKS_TOP_BUILDDIR/.e2e-install.lock" \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$WGKS_TOP_BUILDDIR" install DESTDIR="$E2E_DESTDIR" >"$E2E_DESTDIR.install.log" 2>&1 || {
		cat "$E2E_DESTDIR.install.log" >&2
		rm -f "$E2E_DESTDIR.install.log"
		return 1
	}
	rm -f "$E2E_DESTDIR.install.log"
	LAB_PLUGIN_DESTDIR=$E2E_DESTDIR LAB_NO_TRAP=1 lab_up
}

# e2e_write_config FILE [ALLOWED_IPS] [ENDPOINT] [SERVER_PUB_FILE]
# A wg-quick file for the lab's server, with the lab's test-only keys.
e2e_write_config() {
	local file=$1 allowed=${2:-0.0.0.0/0, ::/0} endpoint=${3:-vpn.lab.example:51820}
	local server_pub=${4:-$LAB_SERVER_PUB}
	cat >"$file" <<-CONF
		# lab client
		[Interface]
		PrivateKey = $(cat "$LAB_CLIENT_KEY")
		Address = $LAB_TUN_CLIENT4/24, $LAB_TUN_CLIENT6/64
		DNS = $LAB_TUN_DNS4, lab.example

		[Peer]
		PublicKey = $(cat "$server_pub")
		Endpoint = $endpoint
		AllowedIPs = $allowed
		PersistentKeepalive = 15
	CONF
	chmod 600 "$file"
}

# The client sees the file at the same path: LAB_DIR is not hidden from it.
e2e_import() { # FILE -> connection name
	lab_client nmcli connection import type wireguard-killswitch file "$1" >/dev/null
}

e2e_up() { # NAME [TIMEOUT]
	lab_client timeout "${2:-40}" nmcli --wait "${2:-40}" connection up id "$1"
}

e2e_down() {
	lab_client nmcli connection down id "$1" >/dev/null
}

e2e_curl() { # URL -> body (the web server answers with the client's address)
	lab_client curl -s --max-time "${E2E_CURL_TIMEOUT:-5}" "$1"
}

e2e_curl_until() { # URL EXPECTED: polls up to 10 s (roaming), prints the last body
	local reply= i
	for i in $(seq 1 20); do
		reply=$(E2E_CURL_TIMEOUT=2 e2e_curl "$1") && [ "$reply" = "$2" ] && break
		sleep 0.5
	done
	echo "$reply"
}

e2e_service_log() {
	lab_log_path client-nm
}

e2e_vpn_state() { # NAME -> GENERAL.STATE of the active connection, or nothing
	lab_client nmcli -g GENERAL.STATE connection show id "$1" 2>/dev/null || true
}

# The VPN service NetworkManager started, found by what it is (its program)
# among the processes inside the lab client's network namespace only: no
# process outside the lab can match.
e2e_service_pid() {
	local netns pid
	netns=$(readlink "/proc/$LAB_CLIENT_PID/ns/net")
	for pid in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$netns" ] || continue
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/libexec/nm-wireguard-killswitch-service ] || continue
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != wgks-nft ] || continue
		echo "$pid"
		return 0
	done
	return 1
}

e2e_finish() {
	echo "1..$tap_n"
	if [ "$tap_failed" != 0 ]; then
		e2e__log "$tap_failed of $tap_n failed; the service's log, then NetworkManager's last lines:"
		grep -a 'nm-wireguard-killswitch\[' "$(e2e_service_log)" 2>/dev/null | tail -80 | sed 's/^/#   /'
		grep -av 'DEBUG: (' "$(e2e_service_log)" 2>/dev/null | tail -30 | sed 's/^/#   /'
		exit 1
	fi
	exit 0
}
