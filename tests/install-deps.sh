#!/bin/bash
# Installs every package needed to build, test and demo the plugin on Debian 12.
set -euo pipefail

packages=(
	# build
	build-essential autoconf automake libtool pkg-config autopoint gettext
	libglib2.0-dev libglib2.0-dev-bin libnm-dev libnftables-dev libmnl-dev nettle-dev libjson-glib-dev
	libc-ares-dev
	libgtk-4-dev libgtk-4-bin libnma-gtk4-dev libgtk-3-dev libnma-dev
	# network lab: a real NetworkManager, WireGuard in user space, DHCP/DNS, probes
	network-manager wireguard-go dnsmasq-base nftables iproute2 udev dbus
	curl dnsutils python3 procps util-linux iperf3
	# Debian packages (tests/pkg/test-deb.sh): build, lintian, AppStream
	debhelper dpkg-dev fakeroot lintian appstream
	# VM lab: a Debian 12 image from the archive, booted under QEMU (TCG)
	mmdebstrap qemu-system-x86 qemu-utils seabios e2fsprogs
	# editor tests and screenshots
	xvfb xauth imagemagick
	# desktop notification test: a real notification daemon, pkexec for Release
	notification-daemon pkexec polkitd python3-dbus python3-gi gir1.2-nm-1.0
	# analysers, sanitizers, fuzzing
	valgrind gdb cppcheck clang-tidy clang-14 libclang-rt-14-dev
	# benchmarks: the alternatives compared (wg-quick with the seed's iptables
	# kill switch, inside the lab only) and the plots
	wireguard-tools iptables python3-matplotlib linux-perf
	# benchmarks: the idle footprint anchor (nm-openvpn-service, never connected)
	network-manager-openvpn
)

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (apt-get install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-deps: ${#packages[@]} packages present"
