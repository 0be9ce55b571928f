#!/bin/bash
# Long-lived holder of the lab client's private mount (and UTS) namespace.
# Started by lab.sh as:
#   ip netns exec CLIENT unshare --mount --uts --propagation private \
#       client-holder.sh CLIENTDIR
# It mounts the client's private views, touches CLIENTDIR/ready and then
# becomes `sleep infinity`; its PID is the handle for `nsenter -t PID -m -n -u`.
# Everything mounted here lives only in this mount namespace and vanishes
# with the last process in it: nothing to unmount on the host.
set -euo pipefail
d=$1

# private /dev: udevd (which sees every uevent of the machine) and anything
# it runs can only ever touch these nodes, never the host's /dev.
declare -a nodes=()
for n in null zero full random urandom tty net/tun; do
	[ -c "/dev/$n" ] || continue
	nodes+=("$n $(stat -c '%t %T %a' "/dev/$n")")
done
mount -t tmpfs -o mode=0755,nosuid lab-dev /dev
mkdir -p /dev/net /dev/pts /dev/shm
for entry in "${nodes[@]}"; do
	read -r n major minor mode <<<"$entry"
	mknod -m "$mode" "/dev/$n" c "$((16#$major))" "$((16#$minor))"
done
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 lab-devpts /dev/pts
ln -s pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777,nosuid,nodev lab-shm /dev/shm
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr

# private /run: D-Bus socket, NetworkManager runtime dir, udev database,
# /run/wireguard UAPI sockets of the product's wireguard-go.
mount -t tmpfs -o mode=0755,nosuid,nodev lab-run /run
mkdir -p /run/dbus /run/udev /run/wireguard /run/NetworkManager /run/lock

# private /var/lib: NetworkManager's state and the kill switch's lockdown
# state of the client never land on the host, nor in another lab
mount -t tmpfs -o mode=0755 lab-var-lib /var/lib
mkdir -p /var/lib/NetworkManager

# /etc overlay: NetworkManager replaces /etc/resolv.conf by rename(), which
# a bind-mounted file would refuse (EBUSY). Writes land in CLIENTDIR/etc-upper.
mount -t overlay lab-etc -o "lowerdir=/etc,upperdir=$d/etc-upper,workdir=$d/etc-work" /etc
mount -t tmpfs -o mode=0755 lab-nm-conf /etc/NetworkManager
cp -a "$d/nm/." /etc/NetworkManager/

# the plugin under test, installed with DESTDIR, at its real paths (read-only)
if [ -L "$d/usr-overlay" ]; then
	mount -t overlay lab-usr -o "ro,lowerdir=$(readlink -f "$d/usr-overlay"):/usr" /usr
fi

# udevd gets only the network rules (no RUN+= of block/dm/usb rules here)
mount --bind "$d/udev-rules" /lib/udev/rules.d

hostname wgks-lab-client
touch "$d/ready"
exec sleep infinity
