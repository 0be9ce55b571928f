#!/bin/bash
# ExecStart of wgks-vm-test.service: runs the tests listed in
# /etc/wgks-vm/tests, one after the other, and sends their TAP lines to the
# host over the virtio port wgks.tap (also to the console). A test that
# exits 100 asks for a reboot: it is run again after the boot with
# WGKS_VM_PHASE=2 (3, ...). At the end the guest powers off, which ends QEMU.
set -uo pipefail
lib=/usr/local/lib/wgks-vm
state=/var/lib/wgks-vm
port=/dev/virtio-ports/wgks.tap
mkdir -p "$state"
touch "$state/done"

out() { # LINE: to the host (and the console)
	printf '%s\n' "$1" >>"$port" 2>/dev/null
	printf '%s\n' "$1" >/dev/console
}

boot=$(($(cat "$state/boots" 2>/dev/null || echo 0) + 1))
echo "$boot" >"$state/boots"
out "wgks-vm: boot $boot, $(uname -r), systemd $(systemctl --version | awk 'NR == 1 {print $2}')"

# The plugin as Debian users get it: the two packages, from files, with apt,
# once, at the first boot (NetworkManager already runs, as on a user's
# system). The guest has no network: every dependency is in the image.
if compgen -G "$lib/debs/*.deb" >/dev/null && [ ! -e "$state/debs-installed" ]; then
	: >"$state/debs-installed"
	start=$(date +%s)
	(cd "$lib/debs" && DEBIAN_FRONTEND=noninteractive apt install -y ./network-manager-wireguard-killswitch*.deb) \
		</dev/null >"$state/apt-install.log" 2>&1
	rc=$?
	[ "$rc" = 0 ] || tail -20 "$state/apt-install.log" | while IFS= read -r line; do out "#   apt: $line"; done
	out "wgks-vm: apt install rc=$rc ($(($(date +%s) - start)) s): $(cd "$lib/debs" && echo ./*.deb)"
fi

[ -s /etc/wgks-vm/tests ] || { out "wgks-vm: no tests listed"; exit 0; }
while read -r t; do
	[ -n "$t" ] || continue
	grep -qx "$t" "$state/done" && continue
	phase=$(cat "$state/phase-$t" 2>/dev/null || echo 1)
	out "wgks-vm: begin $t phase $phase"
	start=$(date +%s)
	WGKS_VM_PHASE=$phase bash "$lib/tests/$t.sh" </dev/null 2>>"$state/$t.stderr" |
		while IFS= read -r line; do out "$line"; done
	rc=${PIPESTATUS[0]}
	if [ "$rc" = 100 ]; then
		echo $((phase + 1)) >"$state/phase-$t"
		out "wgks-vm: reboot $t after phase $phase ($(($(date +%s) - start)) s)"
		systemctl reboot
		exit 0
	fi
	[ -s "$state/$t.stderr" ] && tail -20 "$state/$t.stderr" | while IFS= read -r line; do out "#   stderr: $line"; done
	echo "$t" >>"$state/done"
	out "wgks-vm: end $t rc=$rc ($(($(date +%s) - start)) s)"
done </etc/wgks-vm/tests
out "wgks-vm: all done"
[ -e /etc/wgks-vm/keep-running ] || systemctl poweroff
