#!/bin/bash
# The whole test suite, as CI runs it: install dependencies, build with
# warnings as errors, run `make check` (unit tests and the network lab) and
# `make distcheck`, the packaging tests (tests/pkg/), then print one summary
# line "N passed, N failed, N skipped".
#
#   WGKS_SKIP_DEPS=1   do not run apt-get (dependencies already installed)
#   WGKS_BUILDDIR=DIR  build there instead of ./_build
#   WGKS_SKIP_DEB=1    do not run the packaging tests (tests/pkg/)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${WGKS_BUILDDIR:-$top/_build}
jobs=$(nproc 2>/dev/null || echo 2)

[ "${WGKS_SKIP_DEPS:-0}" = 1 ] || "$top/tests/install-deps.sh"

cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p "$builddir"
cd "$builddir"
"$top/configure" --enable-werror --prefix=/usr --sysconfdir=/etc \
	--libexecdir=/usr/libexec --localstatedir=/var >/dev/null
make -j"$jobs" >/dev/null

status=0
make -j"$jobs" check || status=$?

# Sum the automake test logs: every TAP result counts once.
count() { find "$builddir" -name '*.trs' -exec cat {} + 2>/dev/null |
	awk -v r="$1" '$1 == ":test-result:" && $2 == r { n++ } END { print n + 0 }'; }
passed=$(count PASS)
failed=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
skipped=$(count SKIP)
# make check can fail outside any single test (a build or harness error)
[ "$status" = 0 ] || [ "$failed" != 0 ] || failed=1

if [ "$status" = 0 ]; then
	make -j"$jobs" distcheck >"$builddir/distcheck.log" 2>&1 || {
		echo "make distcheck failed; last lines of $builddir/distcheck.log:" >&2
		tail -40 "$builddir/distcheck.log" >&2
		status=1
		failed=$((failed + 1))
	}
	[ "$status" != 0 ] || passed=$((passed + 1))   # distcheck itself is one test
fi

# Packaging: configure naming the Debian package of a missing build
# dependency, and the Debian packages built from `make dist` as a
# distribution would, with lintian and the maintainer scripts. TAP; each
# result counts. The .debs stay in $builddir/deb for the VM lab.
if [ "$status" = 0 ] && [ "${WGKS_SKIP_DEB:-0}" != 1 ]; then
	for t in test-configure test-deb; do
		pkg_log=$builddir/$t.log
		pkg_status=0
		WGKS_TOP_SRCDIR="$top" WGKS_TOP_BUILDDIR="$builddir" "$top/tests/pkg/$t.sh" >"$pkg_log" 2>&1 ||
			pkg_status=$?
		pskipped=$(grep -c '^ok .*# SKIP' "$pkg_log" || true)
		passed=$((passed + $(grep -c '^ok ' "$pkg_log" || true) - pskipped))
		skipped=$((skipped + pskipped))
		pfailed=$(grep -c '^not ok ' "$pkg_log" || true)
		failed=$((failed + pfailed))
		grep -E '^(not ok|Bail out)|^# packages' "$pkg_log" | sed "s|^|tests/pkg/$t.sh: |" || true
		if [ "$pkg_status" != 0 ]; then
			status=1
			if [ "$pfailed" = 0 ]; then
				failed=$((failed + 1))
				tail -30 "$pkg_log" >&2
			fi
		fi
	done
fi

# Hardening: static analysis, sanitizers, short fuzzing, valgrind, secrets and
# privileges, endurance (bounded with CI=true). Each script is TAP; the
# results count like the others.
if [ "$status" = 0 ] && [ "${WGKS_SKIP_HARDENING:-0}" != 1 ]; then
	hardening_log=$builddir/hardening.log
	CI=true WGKS_TOP_SRCDIR="$top" WGKS_TOP_BUILDDIR="$builddir" "$top/tests/hardening/run-all.sh" \
		>"$hardening_log" 2>&1 || status=$?
	passed=$((passed + $(grep -c '^\[[^]]*\] ok ' "$hardening_log" || true)))
	hfailed=$(grep -c '^\[[^]]*\] not ok ' "$hardening_log" || true)
	failed=$((failed + hfailed))
	grep -E '^== |^\[[^]]*\] (not ok|Bail out)' "$hardening_log" || true
	if [ "$status" != 0 ] && [ "$hfailed" = 0 ]; then
		failed=$((failed + 1))
		tail -30 "$hardening_log" >&2
	fi
fi

# The benchmark's quick mode, so that it keeps working (no timing verdicts).
if [ "$status" = 0 ] && [ "${WGKS_SKIP_BENCH:-0}" != 1 ]; then
	if WGKS_BUILDDIR=$builddir WGKS_NO_BUILD=1 "$top/bench/run.sh" --quick >"$builddir/bench-quick.log" 2>&1; then
		passed=$((passed + 1))
		echo "PASS: bench/run.sh --quick"
	else
		echo "FAIL: bench/run.sh --quick; last lines of $builddir/bench-quick.log:" >&2
		tail -40 "$builddir/bench-quick.log" >&2
		status=1
		failed=$((failed + 1))
	fi
fi

if [ "$status" != 0 ]; then
	for log in $(find "$builddir" -name '*.log' -path '*tests*' -newer "$builddir/Makefile"); do
		grep -q '^\(not ok\|# FAIL\|ERROR\)' "$log" 2>/dev/null && { echo "=== $log"; tail -60 "$log"; }
	done >&2 || true
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" = 0 ] && [ "$failed" = 0 ]
