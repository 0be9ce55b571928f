#!/bin/bash
# The unit tests (and the fuzz corpus replays) and the lab tests that drive
# the service without nmcli (lab self-test, hostile input) in an
# AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer build: a
# separate out-of-tree build with --enable-sanitizers, `make check` there,
# one TAP result per test program. Any sanitizer report fails: reports go
# to files (a service's stderr may end in another program's log), and
# every file is shown. The nmcli-driven lab tests stay out: nmcli would
# load the instrumented editor library into an uninstrumented process,
# and with libasan preloaded nmcli deadlocks in this GLib.
#
#   WGKS_KEEP=1     keep the build directory
#   WGKS_SAN_ARGS   extra configure arguments (default: no GTK editors, whose
#                   toolkits leak by design at exit and would need a long
#                   suppression list of GTK/fontconfig internals)
set -uo pipefail
. "$(dirname "$0")/hardening-lib.sh"

trap 'hl_cleanup_tmp' EXIT
trap 'exit 143' INT TERM

hl_tmpdir asan work || hl_bail "no temporary directory"
src=$(hl_pristine_srcdir "$work") || hl_bail "cannot prepare a source tree"
build=$work/build

# Sanitizer runtime options for every test process.
#  - abort on the first report, with a stack, and fail the test;
#  - LeakSanitizer on (leaks count), with the few suppressions of GLib's and
#    libnm's own process-lifetime allocations in lsan.supp (each explained);
#  - GLib 2.74's slice allocator hides frees from ASan: plain malloc instead.
san_logs=$work/san-logs
mkdir -p "$san_logs" && chmod 0777 "$san_logs"
export ASAN_OPTIONS="log_path=$san_logs/asan:abort_on_error=1:halt_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:print_summary=1"
export UBSAN_OPTIONS="log_path=$san_logs/ubsan:print_stacktrace=1:halt_on_error=1:abort_on_error=1"
export LSAN_OPTIONS="suppressions=$HL_DIR/lsan.supp:print_suppressions=0"
export G_SLICE=always-malloc
export G_DEBUG=gc-friendly

t0=$(date +%s)
# shellcheck disable=SC2086
hl_ok "configure --enable-sanitizers and build (-Werror)" \
	hl_configure_build "$src" "$build" --enable-sanitizers --enable-werror --disable-lab-tests \
	--prefix=/usr --sysconfdir=/etc --libexecdir=/usr/libexec --localstatedir=/var \
	${WGKS_SAN_ARGS:---without-gtk3 --without-gtk4} || { hl_finish; }
hl_log "build took $(($(date +%s) - t0)) s"

t0=$(date +%s)
make -C "$build" -j"$HL_JOBS" check >"$build/check.out" 2>&1
check_rc=$?
make -C "$build" -j"$HL_JOBS" check TESTS="tests/lab/lab-selftest.sh tests/e2e/test-hostile.sh" \
	>>"$build/check.out" 2>&1 || check_rc=$?
hl_log "make check took $(($(date +%s) - t0)) s (exit $check_rc)"

# One result per test program, from automake's .trs files; a sanitizer
# report in the log fails the test even if the test itself said ok.
ntests=0
while IFS= read -r trs; do
	ntests=$((ntests + 1))
	name=${trs#"$build"/}
	name=${name%.trs}
	log=${trs%.trs}.log
	bad=$(awk '$1 == ":test-result:" && ($2 == "FAIL" || $2 == "ERROR" || $2 == "XPASS") { n++ } END { print n + 0 }' "$trs")
	good=$(awk '$1 == ":test-result:" && $2 == "PASS" { n++ } END { print n + 0 }' "$trs")
	reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)Sanitizer' "$log" 2>/dev/null)
	reports=${reports:-0}
	if [ "$bad" = 0 ] && [ "$reports" = 0 ]; then
		hl_ok "$name under ASan+UBSan+LSan ($good passed)" true
	else
		hl_ok "$name under ASan+UBSan+LSan ($bad failed, $reports sanitizer reports)" false
		grep -E -A25 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|^not ok' "$log" | head -80 | sed 's/^/#   /'
	fi
done < <(find "$build" -name '*.trs' | sort)
hl_ok "make check ran test programs" test "$ntests" -gt 0
hl_ok "make check ran the lab tests against the sanitized service" \
	test -n "$(find "$build/tests/e2e" -name 'test-hostile.trs' 2>/dev/null)"
san_reports=$(find "$san_logs" -type f | sort)
hl_ok "no sanitizer report from any process (tests, the service, wg-killswitch)" test -z "$san_reports" || {
	for f in $san_reports; do
		echo "#   == $f"
		head -60 "$f" | sed 's/^/#   /'
	done
}
hl_is "make check exit status" "$check_rc" 0 || tail -30 "$build/check.out" | sed 's/^/#   /'
hl_finish
