#!/bin/bash
# Removes what crashed lab runs left behind (e.g. after kill -9 of a test):
#  1. run dirs ${LAB_TMPDIR:-/tmp}/wgks-lab.* whose owner process is gone:
#     their recorded processes, namespaces and the dir itself;
#  2. namespaces named wgks<PID>-{client,ispa,ispb,inet} whose <PID> is dead
#     and that no live run dir claims: the processes inside them and the
#     namespaces.
# Runs of live owners are never touched. -n: only print what would be done.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
. "$here/lab.sh"

dry=0
[ "${1:-}" = -n ] && dry=1

say() { echo "lab-cleanup-stale: $*"; }

owner_alive() { # RUNDIR
	local pid st
	pid=$(sed -n 's/^owner=//p' "$1/owner" 2>/dev/null)
	st=$(sed -n 's/^owner_start=//p' "$1/owner" 2>/dev/null)
	[ -n "$pid" ] && lab__pid_alive "$pid" "$st"
}

declare -A live_prefixes=()
for dir in "${LAB_TMPDIR:-/tmp}"/wgks-lab.*; do
	[ -d "$dir" ] || continue
	if [ ! -f "$dir/owner" ]; then
		# lab_up writes owner first thing; a dir without it is not ours to judge
		say "skipping $dir (no owner file)"
		continue
	fi
	if owner_alive "$dir"; then
		live_prefixes[$(sed -n 's/^prefix=//p' "$dir/owner")]=1
		continue
	fi
	say "stale run dir $dir (prefix $(sed -n 's/^prefix=//p' "$dir/owner"))"
	[ "$dry" = 1 ] || lab__teardown_dir "$dir"
done

for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
	[[ "$ns" =~ ^(wgks([0-9]+))-(client|ispa|ispb|inet)$ ]] || continue
	prefix=${BASH_REMATCH[1]} pid=${BASH_REMATCH[2]}
	[ -z "${live_prefixes[$prefix]:-}" ] || continue
	if kill -0 "$pid" 2>/dev/null; then
		say "keeping $ns: process $pid is alive"
		continue
	fi
	say "stale namespace $ns"
	[ "$dry" = 1 ] && continue
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	if ! lab_wait_for 5 lab__netns_pids_empty "$ns"; then
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		lab_wait_for 5 lab__netns_pids_empty "$ns"
	fi
	ip netns del "$ns"
done
exit 0
