# shellcheck shell=bash
# The common start of the diagnosis tools (profile-datapath.sh,
# table-cost.sh, trace-roaming.sh): root, the build in WGKS_BUILDDIR (default
# ./_build) installed into a temporary DESTDIR, the lab up with its profiles.
# At exit, whatever the reason, the lab goes down and the temporary files
# go. Sourced at the top level of the tool (its traps must be the tool's),
# after it has set:
#   BENCH_TOOL   its name, for messages and temporary directories
#   bench_dir    the directory of bench/
top=$(cd "$bench_dir/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "$BENCH_TOOL: needs root" >&2; exit 2; }
builddir=${WGKS_BUILDDIR:-$top/_build}
BENCH_TMP=$(mktemp -d "/tmp/wgks-$BENCH_TOOL.XXXXXX")
DESTDIR_=$(mktemp -d "/tmp/wgks-$BENCH_TOOL-root.XXXXXX")
export BENCH_TMP
# shellcheck source=../../tests/lab/lab.sh
. "$top/tests/lab/lab.sh"
# shellcheck source=bench-lib.sh
. "$bench_dir/lib/bench-lib.sh"
bench__tool_cleanup() {
	local rc=$?
	lab_down
	rm -rf "$BENCH_TMP" "$DESTDIR_"
	exit "$rc"
}
trap bench__tool_cleanup EXIT
trap 'exit 143' INT TERM
bench_lab_start "$builddir" "$DESTDIR_" || exit 1
