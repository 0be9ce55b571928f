#!/bin/bash
# Every hardening check in sequence, as CI runs them:
#   analyse.sh  sanitizers.sh  fuzz-short.sh  valgrind-cycle.sh  secrets.sh  endurance.sh
# Each prints TAP; this prints one line per script and exits 1 if any failed.
# The lab scripts share one build configured --prefix=/usr: WGKS_TOP_BUILDDIR
# (e.g. the _build of tests/run-tests.sh) or one made here.
#
#   WGKS_HARDENING_ONLY="fuzz-short secrets"   run a subset
#   CI default: FUZZ_SECONDS=20 (set CI=true or pass it explicitly); the
#   endurance loop runs in full (200 cycles, 50 drops, about a minute) everywhere
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lab-hardening.sh"
trap 'hl_cleanup_tmp' EXIT

if [ "${CI:-}" = true ]; then
	export FUZZ_SECONDS=${FUZZ_SECONDS:-20}
fi
scripts=${WGKS_HARDENING_ONLY:-analyse sanitizers fuzz-short valgrind-cycle secrets endurance}

if echo " $scripts " | grep -qE ' (valgrind-cycle|secrets|endurance) '; then
	hlab_build || { echo "run-all: cannot build for the lab" >&2; exit 1; }
	export WGKS_TOP_BUILDDIR
fi

status=0
for s in $scripts; do
	t0=$(date +%s)
	out=$("$here/$s.sh" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed "s|^|[$s] |"
	pass=$(grep -c '^ok ' <<<"$out")
	fail=$(grep -c '^not ok ' <<<"$out")
	echo "== $s: exit $rc, $pass ok, $fail not ok, $(($(date +%s) - t0)) s"
	[ "$rc" = 0 ] || status=1
done
exit $status
