#!/bin/bash
# Builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined)
# in a temporary out-of-tree build and runs each for a bounded time, after
# replaying the checked-in corpus (fuzz/corpus/<target>, crash regressions
# included). TAP output; exit 1 on any crash, leak, timeout or property
# failure.
#
#   FUZZ_SECONDS=20      run time per target
#   FUZZ_TARGETS="..."   subset of: wgquick vpn-setting uapi
#   FUZZ_JOBS=1          parallel fuzzing jobs per target (-jobs/-workers)
#   WGKS_KEEP=1          keep the build and the grown corpus (printed)
#   CC=clang-14          the clang to use (default: clang, else clang-14)
#
# A crash leaves its input in the kept work dir as crash-<sha1>: copy it to
# fuzz/corpus/<target>/ so that every `make check` replays it from then on.
set -uo pipefail
. "$(dirname "$0")/hardening-lib.sh"

seconds=${FUZZ_SECONDS:-20}
targets=${FUZZ_TARGETS:-wgquick vpn-setting uapi}
fjobs=${FUZZ_JOBS:-1}

trap 'hl_cleanup_tmp' EXIT
trap 'exit 143' INT TERM

cc=${CC:-}
if [ -z "$cc" ]; then
	for c in clang clang-14; do command -v "$c" >/dev/null && { cc=$c; break; }; done
fi
if [ -z "$cc" ] || ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long s){return 0;}' |
	"$cc" -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
	echo "1..0 # SKIP no clang with libFuzzer (Debian: clang-14 libclang-rt-14-dev)"
	exit 0
fi

hl_tmpdir fuzz work || hl_bail "no temporary directory"
src=$(hl_pristine_srcdir "$work") || hl_bail "cannot prepare a source tree"
build=$work/build
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

# The libraries with coverage instrumentation, through the project's own
# build rules; the fuzz drivers are then linked with libFuzzer's main().
t0=$(date +%s)
build_libs() {
	mkdir -p "$build" && cd "$build" || return 1
	"$src/configure" CC="$cc" CFLAGS="-g -O1 -fsanitize=fuzzer-no-link $san" LDFLAGS="$san" \
		--disable-lab-tests --without-gtk3 --without-gtk4 >configure.out 2>&1 ||
		{ tail -20 configure.out >&2; return 1; }
	make -j"$HL_JOBS" shared/libwgks-shared.la src/libwgks-service.la >make.out 2>&1 ||
		{ grep -E 'error' make.out | head -20 >&2; return 1; }
}
hl_ok "build the libraries with $cc and coverage instrumentation" build_libs || hl_finish
# the same flags configure found for the libraries
mkvar() { sed -n "s/^$1 = //p" "$build/Makefile"; }
pkgcflags="$(mkvar GLIB_CFLAGS) $(mkvar LIBNM_CFLAGS) $(mkvar NETTLE_CFLAGS) $(mkvar LIBMNL_CFLAGS)"
pkglibs="$(mkvar GLIB_LIBS) $(mkvar LIBNM_LIBS) $(mkvar NETTLE_LIBS) $(mkvar LIBMNL_LIBS) $(mkvar LIBNFTABLES_LIBS)"

link_target() { # TARGET
	local t=$1 libs="$build/shared/.libs/libwgks-shared.a"
	[ "$t" = uapi ] && libs="$build/src/.libs/libwgks-service.a $libs"
	# shellcheck disable=SC2086
	"$cc" -g -O1 -fsanitize=fuzzer $san -I"$build" -I"$src/shared" -I"$src/src" -I"$src/fuzz" \
		$pkgcflags -o "$work/fuzz-$t" "$src/fuzz/fuzz-$t.c" $libs $pkglibs 2>"$work/link-$t.log" ||
		{ cat "$work/link-$t.log" >&2; return 1; }
}
for t in $targets; do
	hl_ok "link fuzz-$t" link_target "$t"
done
hl_log "build took $(($(date +%s) - t0)) s"

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export G_SLICE=always-malloc G_DEBUG=gc-friendly,fatal-criticals

run_target() { # TARGET
	local t=$1 corpus=$work/corpus-$t artifacts=$work/artifacts-$t log=$work/fuzz-$t.log
	mkdir -p "$corpus" "$artifacts"
	cp "$src/fuzz/corpus/$t"/* "$corpus/" 2>/dev/null
	# 1. the checked-in corpus, input by input: regressions first
	replay() { "$work/fuzz-$t" -runs=0 -artifact_prefix="$artifacts/" "$src/fuzz/corpus/$t" >"$work/replay-$t.log" 2>&1; }
	hl_ok "fuzz-$t replays fuzz/corpus/$t ($(ls "$src/fuzz/corpus/$t" | wc -l) inputs)" replay ||
		tail -40 "$work/replay-$t.log" | sed 's/^/#   /'
	# 2. bounded fuzzing, growing a private copy of the corpus
	local extra=()
	[ "$fjobs" -gt 1 ] && extra=(-jobs="$fjobs" -workers="$fjobs")
	"$work/fuzz-$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-dict="$src/fuzz/$t.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
		"${extra[@]}" "$corpus" >"$log" 2>&1
	local rc=$? crashes
	crashes=$(find "$artifacts" -type f | wc -l)
	hl_log "fuzz-$t: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}') runs, corpus $(ls "$corpus" | wc -l) inputs, exit $rc"
	if [ "$rc" = 0 ] && [ "$crashes" = 0 ]; then
		hl_ok "fuzz-$t for ${seconds}s: no crash, leak, timeout or property failure" true
	else
		hl_ok "fuzz-$t for ${seconds}s: no crash, leak, timeout or property failure" false
		grep -E -A30 '==ERROR|runtime error|fuzz property|deadly signal|Test unit written' "$log" | head -60 | sed 's/^/#   /'
		find "$artifacts" -type f | sed "s|^|#   crash input (copy to fuzz/corpus/$t/): |"
		WGKS_KEEP=1
	fi
}
for t in $targets; do
	[ -x "$work/fuzz-$t" ] && run_target "$t"
done
hl_finish
