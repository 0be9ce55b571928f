#!/bin/bash
# The VM lab (tests/vm/README.md): boots a Debian 12 guest with systemd,
# NetworkManager, systemd-resolved and kernel WireGuard under QEMU, the
# plugin installed as a distribution would, and runs the guest tests there
# as systemd units. Every TAP line of the guest becomes one result here.
#
#   tests/vm/test-vm.sh [GUEST-TEST...]     (default: all of them, in order)
set -uo pipefail
. "$(dirname "$0")/vm-lib.sh"
. "$WGKS_TOP_SRCDIR/tests/tap.sh"
vm_require

# Boot-order tests last: they reboot the guest.
all_tests="tunnel-kernel adopt-replace hostname-endpoint split-dns roam-crash nm-restart dns-matrix-resolved dns-over-tls hostname-modes lockdown-reboot nftables-service"
# The package lifecycle last: it removes and purges the plugin.
deb_tests="deb-upgrade deb-remove deb-purge"
[ "${WGKS_VM_INSTALL:-deb}" = make ] || all_tests="$all_tests $deb_tests"
tests=${*:-$all_tests}
# all of them in one boot take about 20 min under TCG on a busy 2-core machine
export WGKS_VM_TIMEOUT=${WGKS_VM_TIMEOUT:-2400}

t0=$(date +%s)
tap_ok "the image (tests/vm/packages.list) is built or taken from the cache" vm_setup || {
	echo "1..$tap_n"
	exit 1
}
vm__log "image ready after $(($(date +%s) - t0)) s"
t1=$(date +%s)
if [ "${WGKS_VM_INSTALL:-deb}" = make ]; then how="make install, /usr paths"; else how="the two .debs of this tree and of a higher version"; fi
# shellcheck disable=SC2086
tap_ok "the plugin is in the payload ($how)" vm_payload $tests || {
	echo "1..$tap_n"
	exit 1
}
vm__log "payload ready after $(($(date +%s) - t1)) s"
vm_run
vm__log "QEMU ran $VM_RUN_S s"

# Guest lines: "ok N - desc" / "not ok N - desc" are renumbered
# and prefixed with the guest test's name; "wgks-vm: ..." are the runner's.
cur=guest
declare -A ended=()
while IFS= read -r line; do
	line=${line%$'\r'}
	case "$line" in
	"wgks-vm: begin "*)
		cur=$(awk '{print $3}' <<<"$line")
		echo "# $line"
		;;
	"wgks-vm: end "*)
		ended[$(awk '{print $3}' <<<"$line")]=$(sed -n 's/.* rc=\([0-9]*\).*/\1/p' <<<"$line")
		echo "# $line"
		;;
	"wgks-vm: "*) echo "# $line" ;;
	"ok "* | "not ok "*)
		tap_n=$((tap_n + 1))
		res=${line%%ok *}ok
		desc=$(sed -E 's/^(not )?ok [0-9]+ ?-? ?//' <<<"$line")
		echo "$res $tap_n - $cur: $desc"
		if [ "$res" = "not ok" ]; then tap_failed=$((tap_failed + 1)); fi
		;;
	"1.."*) ;;
	"#"*) echo "$line" ;;
	*) echo "# $line" ;;
	esac
done <"$VM_DIR/tap.out"

[ "${WGKS_VM_INSTALL:-deb}" = make ] ||
	tap_ok "the guest installed the packages at its first boot (apt install ./network-manager-wireguard-killswitch*.deb)" \
		grep -q '^wgks-vm: apt install rc=0 ' "$VM_DIR/tap.out"
for t in $tests; do
	tap_ok "$t: the guest test ran to its end" test -n "${ended[$t]:-}"
done
tap_ok "the guest powered off by itself (no timeout)" test -z "${VM_TIMED_OUT:-}"
vm__log "total $(($(date +%s) - t0)) s"
echo "1..$tap_n"
if [ "$tap_failed" != 0 ]; then
	vm__log "console (last 60 lines):"
	tail -60 "$VM_DIR/console.log" | sed 's/^/#   /'
	exit 1
fi
exit 0
