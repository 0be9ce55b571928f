#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libnftables is loaded with dlopen() only while the table is written: the
# service and wg-killswitch do not link it. A libnftables that cannot be
# used (here: a library of that name without its functions) makes the
# command fail with the library and the missing function named, and the
# kernel's table stays as it is. Root; a private network namespace, state
# directories in a temporary directory.
set -u
top=${WGKS_TOP_BUILDDIR:-.}
src=${WGKS_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/tap.sh"
table="inet wireguard_killswitch"

if [ "$(id -u)" != 0 ]; then
	echo "Bail out! needs root (a private network namespace)"
	exit 1
fi
if [ -z "${WGKS_DLOPEN_IN_NETNS:-}" ]; then
	exec unshare --net env WGKS_DLOPEN_IN_NETNS=1 bash "$0" "$@"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lib" "$tmp/state" "$tmp/run" "$tmp/public"

for bin in src/nm-wireguard-killswitch-service src/wg-killswitch; do
	tap_is "$bin does not link libnftables" \
		"$(readelf -d "$top/$bin" 2>&1 | grep -cE 'NEEDED.*libnftables|Error')" 0
done

# a real shared library, loadable, with none of libnftables' functions
mnl=$(ldd "$top/src/wg-killswitch" | awk '$1 ~ /^libmnl\.so/ {print $3}')
cp "$mnl" "$tmp/lib/libnftables.so.1"

release() { # [ENV...]
	env WGKS_STATE_DIR="$tmp/state" WGKS_RUN_DIR="$tmp/run" WGKS_PUBLIC_DIR="$tmp/public" "$@" \
		"$top/src/wg-killswitch" release --yes >"$tmp/out" 2>&1
}

nft "add table $table; add chain $table output { type filter hook output priority 0; policy drop; }"
release LD_LIBRARY_PATH="$tmp/lib"
tap_is "release with an unusable libnftables fails (exit 3)" "$?" 3
tap_ok "the error names the library and the missing function" grep -q 'libnftables.so.1 has no nft_ctx_new' "$tmp/out" ||
	sed 's/^/# /' "$tmp/out"
tap_ok "the table is still in the kernel" bash -c "nft list table $table >/dev/null"

release
tap_is "release with libnftables succeeds" "$?" 0 || sed 's/^/# /' "$tmp/out"
tap_ok "the table is gone" bash -c "! nft list table $table >/dev/null 2>&1"

echo "1..$tap_n"
[ "$tap_failed" = 0 ]
