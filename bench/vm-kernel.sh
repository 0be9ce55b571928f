#!/bin/bash
# Kernel WireGuard in the benchmark: boots the real-system VM lab
# (tests/vm: Debian 12 under QEMU TCG, NetworkManager as a unit, kernel
# WireGuard, the ISPs and the internet as namespaces in the guest, the plugin
# installed from its .debs) once, runs bench/vm-kernel-guest.sh there as the
# only guest test and writes what it measured:
#   OUTDIR/kernel.csv          system,rep,connect_ms,throughput_mbps,latency_median_ms
#   OUTDIR/kernel-machine.txt  guest and host versions, order, QEMU's time
# Everything stays inside the guest; the host's network is never touched.
# Absolute numbers under emulation mean nothing: report.py uses the ratios.
#
#   sudo bench/vm-kernel.sh [OUTDIR]        (default bench/results)
#
# Env: WGKS_TOP_BUILDDIR  a build configured --prefix=/usr ... (default ./_build)
#      VMBENCH_REPS       repetitions of each system (default 4: A B C D D C B A twice)
#      VMBENCH_IPERF_T    seconds of iperf3 per run (default 5)
#      VMBENCH_LAT_N      HTTP requests per run for the latency (default 100)
#      VMBENCH_SYSTEMS    default "plugin nokill nm-native wgquick"
#      VMBENCH_TRACE=1    the journal of each warm-up connect in the log
#      and those of tests/vm/vm-lib.sh (WGKS_VM_INSTALL, WGKS_VM_KEEP, ...)
# Exit: 0 with a complete kernel.csv, 1 if the run broke, 77 if the VM lab
# cannot run here (not root, tools missing).
set -uo pipefail
bench_dir=$(cd "$(dirname "$0")" && pwd)
out=${1:-$bench_dir/results}
# shellcheck source=../tests/vm/vm-lib.sh
. "$bench_dir/../tests/vm/vm-lib.sh"
log() { printf 'vm-kernel: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { log "needs root (the VM lab's image)"; exit 77; }
for t in mmdebstrap qemu-system-x86_64 qemu-img mkfs.ext4 tar flock; do
	command -v "$t" >/dev/null || { log "$t is missing (tests/install-deps.sh)"; exit 77; }
done
[ -f "$WGKS_TOP_BUILDDIR/Makefile" ] || { log "no configured build in $WGKS_TOP_BUILDDIR (WGKS_TOP_BUILDDIR)"; exit 1; }

# the guest script as a guest test, bench-lib.sh with the helpers it calls,
# the run's parameters
vm_kernel_payload() {
	local root=$1 lib=$1/usr/local/lib/wgks-vm
	install -d "$lib/bench" "$lib/tests" "$root/etc/wgks-vm" || return 1
	install -m 0644 "$bench_dir/vm-kernel-guest.sh" "$lib/tests/bench-kernel.sh" &&
		install -m 0644 "$bench_dir/lib/bench-lib.sh" "$bench_dir/lib/httpwait.py" "$bench_dir/lib/latency.py" "$lib/bench/" &&
		cat >"$root/etc/wgks-vm/bench.env" <<-ENV
			REPS=${VMBENCH_REPS:-4}
			IPERF_T=${VMBENCH_IPERF_T:-5}
			LAT_N=${VMBENCH_LAT_N:-100}
			SYSTEMS="${VMBENCH_SYSTEMS:-plugin nokill nm-native wgquick}"
			TRACE=${VMBENCH_TRACE:-0}
		ENV
}
# shellcheck disable=SC2034 # read by vm_payload
VM_PAYLOAD_HOOK=vm_kernel_payload
# the whole run takes 4.5 min under TCG on a quiet host, 17 min on a busy one
export WGKS_VM_TIMEOUT=${WGKS_VM_TIMEOUT:-1500}

t0=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
vm_setup || { log "no VM image"; exit 1; }
log "image ready after $(($(date +%s) - t0)) s"
vm_payload bench-kernel || { log "cannot build the payload (plugin packages)"; exit 1; }
log "payload ready after $(($(date +%s) - t0)) s; booting (TCG)"
vm_run
log "QEMU ran $VM_RUN_S s"

tap=$VM_DIR/tap.out
grep -v '^kernel-' "$tap" | sed 's/\r$//'
mkdir -p "$out"
rows=$(sed -n 's/\r$//; s/^kernel\.csv: //p' "$tap")
{
	echo "system,rep,connect_ms,throughput_mbps,latency_median_ms"
	[ -n "$rows" ] && echo "$rows"
} >"$out/kernel.csv.new"
{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "git=$(git -C "$WGKS_TOP_SRCDIR" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "emulation=QEMU TCG (no KVM), ${WGKS_VM_SMP:-2} vCPUs, ${WGKS_VM_MEM:-1536} MB, under nice"
	echo "host_cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "host_nproc=$(nproc)"
	echo "host_loadavg_at_start=$load0"
	echo "host_loadavg_at_end=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "qemu_seconds=$VM_RUN_S"
	sed -n 's/\r$//; s/^kernel-info: //p' "$tap"
} >"$out/kernel-machine.txt"

n=$(grep -c . <<<"$rows")
systems=${VMBENCH_SYSTEMS:-plugin nokill nm-native wgquick}
want=$((${VMBENCH_REPS:-4} * $(wc -w <<<"$systems")))
failed=$(grep -c '^not ok' "$tap")
if [ -n "${VM_TIMED_OUT:-}" ] || ! grep -q '^wgks-vm: end bench-kernel rc=0' "$tap" || [ "$n" != "$want" ] ||
	grep -q ',NA' <<<"$rows"; then
	log "incomplete: $n of $want runs, $failed failed checks$([ -n "${VM_TIMED_OUT:-}" ] && echo ', QEMU timed out'); console (last 40 lines):"
	tail -40 "$VM_DIR/console.log" | sed 's/^/#   /' >&2
	mv "$out/kernel.csv.new" "$out/kernel.csv.incomplete"
	exit 1
fi
mv "$out/kernel.csv.new" "$out/kernel.csv"
log "$n runs in $(($(date +%s) - t0)) s -> $out/kernel.csv"
