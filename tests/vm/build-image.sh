#!/bin/bash
# Builds the VM lab's Debian 12 image from Debian's archive into OUTDIR:
# base.img (raw ext4, the root), vmlinuz, initrd.img. No loop mounts:
# mmdebstrap fills a directory, mkfs.ext4 -d turns it into the disk.
#
#   build-image.sh OUTDIR            (root; network access to the archive)
#   WGKS_VM_MIRROR   Debian mirror (default: mmdebstrap's, deb.debian.org)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-image.sh OUTDIR}
suite=bookworm
size=${WGKS_VM_IMAGE_SIZE:-3G}

mkdir -p "$out"
work=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

packages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages.list" | tr -d ' \t' | paste -sd,)

# The payload disk (/dev/vdb: a plain tar stream, no file system) is unpacked
# onto the root by the initramfs, before systemd starts: units and enable
# links in it count from the first boot, without a daemon-reload. Only once
# per disk, so a reboot keeps what the tests changed. The hook files go in
# before the kernel is installed, so the kernel's own initramfs has them.
essential_hook='
mkdir -p "$1/etc/initramfs-tools/hooks" "$1/etc/initramfs-tools/scripts/init-bottom"
cat >"$1/etc/initramfs-tools/hooks/wgks-payload" <<"HOOK"
#!/bin/sh
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
copy_exec /usr/bin/tar /bin/tar
HOOK
cat >"$1/etc/initramfs-tools/scripts/init-bottom/wgks-payload" <<"SCRIPT"
#!/bin/sh
[ "$1" = prereqs ] && exit 0
# wgks VM lab: unpack the payload disk onto the root, once
done="${rootmnt}/var/lib/wgks-vm/payload-unpacked"
[ -b /dev/vdb ] || exit 0
[ -e "$done" ] && exit 0
if tar -C "${rootmnt}" --keep-directory-symlink --no-same-owner -xpf /dev/vdb; then
	mkdir -p "${rootmnt}/var/lib/wgks-vm" && : >"$done"
	echo "wgks-payload: unpacked /dev/vdb"
else
	echo "wgks-payload: cannot unpack /dev/vdb"
fi
SCRIPT
chmod 0755 "$1/etc/initramfs-tools/hooks/wgks-payload" "$1/etc/initramfs-tools/scripts/init-bottom/wgks-payload"
'

customize_hook='
echo wgks-vm >"$1/etc/hostname"
printf "127.0.0.1 localhost\n127.0.1.1 wgks-vm\n::1 localhost\n" >"$1/etc/hosts"
printf "/dev/vda / ext4 rw,errors=remount-ro 0 1\n" >"$1/etc/fstab"
chroot "$1" passwd -d root >/dev/null
# the debugging shell: root on the serial console without a password
mkdir -p "$1/etc/systemd/system/serial-getty@ttyS0.service.d"
printf "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %%I \$TERM\n" \
	>"$1/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
# nothing periodic during tests
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer \
	e2scrub_reap.service systemd-timesyncd.service; do
	ln -sf /dev/null "$1/etc/systemd/system/$u"
done
'

t0=$(date +%s)
mmdebstrap --variant=apt --include="$packages" \
	--essential-hook="$essential_hook" --customize-hook="$customize_hook" \
	"$suite" "$root" ${WGKS_VM_MIRROR:+"$WGKS_VM_MIRROR"} >"$work/mmdebstrap.log" 2>&1 || {
	tail -40 "$work/mmdebstrap.log" >&2
	exit 1
}
t1=$(date +%s)
# mmdebstrap puts the build host's resolv.conf back at the end: the guest
# uses systemd-resolved's stub, as the systemd-resolved package sets it up.
rm -f "$root/etc/resolv.conf"
ln -s ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"

kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -1)
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd.img"
rm -f "$work/base.img"
truncate -s "$size" "$work/base.img"
mkfs.ext4 -q -F -L wgks-root -d "$root" "$work/base.img"
t2=$(date +%s)
mv "$work/vmlinuz" "$work/initrd.img" "$work/base.img" "$out/"
echo "build-image: mmdebstrap $((t1 - t0)) s, disk $((t2 - t1)) s, $(du -sm "$root" | cut -f1) MB root"
