# shellcheck shell=bash
# The network lab for the hardening scripts (valgrind-cycle.sh,
# endurance.sh, secrets.sh): e2e_lab_up's install-then-lab_up, with a hook
# that may change the DESTDIR before the lab client mounts it over /usr
# (e.g. a valgrind wrapper in place of the service binary), and a build of
# its own when WGKS_TOP_BUILDDIR does not name one configured --prefix=/usr.

HLAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=hardening-lib.sh
. "$HLAB_DIR/hardening-lib.sh"
WGKS_TOP_BUILDDIR=${WGKS_TOP_BUILDDIR:-}
_hlab_builddir=$WGKS_TOP_BUILDDIR
# shellcheck source=../e2e/e2e-lib.sh
. "$WGKS_TOP_SRCDIR/tests/e2e/e2e-lib.sh"
WGKS_TOP_BUILDDIR=$_hlab_builddir

trap hlab_cleanup EXIT
trap 'exit 143' INT TERM

HLAB_SERVICE=/usr/libexec/nm-wireguard-killswitch-service
HLAB_TABLE=wireguard_killswitch
HLAB_STATE_DIR=

# hlab_build: sets WGKS_TOP_BUILDDIR to a build configured --prefix=/usr
# (the given one, or a fresh one in a temporary directory).
hlab_build() {
	if [ -n "$WGKS_TOP_BUILDDIR" ] && [ -f "$WGKS_TOP_BUILDDIR/Makefile" ]; then
		grep -q '^prefix = /usr$' "$WGKS_TOP_BUILDDIR/Makefile" ||
			{ hl_log "$WGKS_TOP_BUILDDIR is not configured --prefix=/usr"; return 1; }
		make -s -C "$WGKS_TOP_BUILDDIR" -j"$HL_JOBS" >/dev/null 2>&1 || return 1
		return 0
	fi
	local work src t0=$(date +%s)
	hl_tmpdir lab-build work || return 1
	src=$(hl_pristine_srcdir "$work") || return 1
	hl_configure_build "$src" "$work/build" --prefix=/usr --sysconfdir=/etc --libexecdir=/usr/libexec \
		--localstatedir=/var --disable-lab-tests --without-gtk3 --without-gtk4 CFLAGS="-g -O1" || return 1
	WGKS_TOP_BUILDDIR=$work/build
	hl_log "built $WGKS_TOP_BUILDDIR in $(($(date +%s) - t0)) s"
}

hlab_cleanup() {
	local status=$?
	e2e_cleanup
	[ -n "$HLAB_STATE_DIR" ] && rm -rf "$HLAB_STATE_DIR"
	hl_cleanup_tmp
	return $status
}

# hlab_up [HOOK]: install into a DESTDIR, run HOOK DESTDIR, bring the lab up.
hlab_up() {
	local hook=${1:-}
	# lockdown state of the boot unit: a private directory, never /var/lib
	HLAB_STATE_DIR=$(mktemp -d /tmp/wgks-hardening-state.XXXXXX)
	export WGKS_STATE_DIR=$HLAB_STATE_DIR
	export WGKS_HANDSHAKE_TIMEOUT=${WGKS_HANDSHAKE_TIMEOUT:-8}
	E2E_DESTDIR=$(mktemp -d /tmp/wgks-e2e-root.XXXXXX)
	trap hlab_cleanup EXIT
	trap 'exit 143' INT TERM
	make -s -C "$WGKS_TOP_BUILDDIR" install DESTDIR="$E2E_DESTDIR" >"$E2E_DESTDIR.install.log" 2>&1 || {
		cat "$E2E_DESTDIR.install.log" >&2
		rm -f "$E2E_DESTDIR.install.log"
		return 1
	}
	rm -f "$E2E_DESTDIR.install.log"
	if [ -n "$hook" ]; then
		"$hook" "$E2E_DESTDIR" || return 1
	fi
	LAB_PLUGIN_DESTDIR=$E2E_DESTDIR LAB_NO_TRAP=1 lab_up
}

# PIDs of every process in the client's network namespace
hlab_client_pids() { ip netns pids "$LAB_NS_CLIENT" 2>/dev/null; }

# hlab_pids_named COMM: PIDs in the client namespace whose /proc/PID/comm is COMM
hlab_pids_named() {
	local p
	for p in $(hlab_client_pids); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] && echo "$p"
	done
}

# hlab_service_pids: the VPN service processes (by executable path; under
# valgrind, by the real binary's path in the command line), not their
# short-lived libnftables children (comm wgks-nft)
hlab_service_pids() {
	local p
	for p in $(hlab_client_pids); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" != wgks-nft ] &&
			tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -q 'nm-wireguard-killswitch-service' && echo "$p"
	done
}

hlab_wggo_pids() { hlab_pids_named wireguard-go; }

hlab_nm_pid() { lab_pid client-nm; }

hlab_fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
hlab_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

hlab_tun_ifnames() { lab_client ip -o link show 2>/dev/null | awk -F': ' '/: wgks/ {sub(/@.*/, "", $2); print $2}'; }

hlab_table_present() { lab_client nft list table inet "$HLAB_TABLE" >/dev/null 2>&1; }

hlab_vpn_active() { [ "$(e2e_vpn_state "$1")" = activated ]; }
hlab_vpn_gone() { [ -z "$(e2e_vpn_state "$1")" ]; }

hlab_via_tunnel() { [ "$(e2e_curl "http://$LAB_WEB4/")" = "$LAB_TUN_CLIENT4" ]; }

# hlab_drop NAME: SIGKILL the tunnel's wireguard-go (a forced drop) and
# wait until NetworkManager no longer shows the VPN active.
hlab_drop() {
	local p n=0
	for p in $(hlab_wggo_pids); do
		kill -KILL "$p" && n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { hl_log "no wireguard-go to kill"; return 1; }
	lab_wait_for 30 hlab_vpn_gone "$1"
}

# hlab_release: lift the kill switch left after a drop
hlab_release() { lab_client env WGKS_STATE_DIR="$WGKS_STATE_DIR" wg-killswitch release --yes >/dev/null 2>&1; }
