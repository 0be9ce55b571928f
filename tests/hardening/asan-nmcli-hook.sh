#!/bin/sh
# WGKS_E2E_DESTDIR_HOOK of the sanitizer run (sanitizers.sh): nmcli loads
# the plugin's editor library, which that build instruments, and the ASan
# runtime must come first in such a process. In the lab's /usr overlay,
# nmcli becomes a wrapper that preloads it; leak checking stays off for
# nmcli itself (not our code), memory errors in the plugin are reported.
#
# Usage: asan-nmcli-hook.sh DESTDIR
set -eu
d=$1
asan=$(readlink -f "$(gcc -print-file-name=libasan.so)")
[ -f "$asan" ] || { echo "asan-nmcli-hook: no libasan.so" >&2; exit 1; }
install -D -m 0755 /usr/bin/nmcli "$d/usr/libexec/wgks-asan/nmcli"
cat >"$d/usr/bin/nmcli" <<WRAPPER
#!/bin/sh
LD_PRELOAD=$asan ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0" exec /usr/libexec/wgks-asan/nmcli "\$@"
WRAPPER
chmod 0755 "$d/usr/bin/nmcli"
