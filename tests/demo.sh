#!/bin/bash
# Live demo in the network lab: installs what is missing, builds, starts the
# lab (a client with a real NetworkManager behind an ISP, a WireGuard server
# on a little "internet"), imports a wg-quick config with nmcli, connects,
# shows traffic and DNS through the tunnel, drops the tunnel to show the kill
# switch, disconnects, and tears everything down. Nothing touches the host's
# own network: everything runs in network namespaces of its own.
#
#   WGKS_SKIP_DEPS=1   do not run apt-get
#   WGKS_BUILDDIR=DIR  build there instead of ./_build
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${WGKS_BUILDDIR:-$top/_build}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" || true; }

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it builds network namespaces)" >&2; exit 1; }
[ "${WGKS_SKIP_DEPS:-0}" = 1 ] || "$top/tests/install-deps.sh"

say "Building"
cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p "$builddir"
cd "$builddir"
[ -f Makefile ] || "$top/configure" --prefix=/usr --sysconfdir=/etc --libexecdir=/usr/libexec \
	--localstatedir=/var >/dev/null
make -j"$(nproc)" >/dev/null
echo "built in $builddir"

export WGKS_TOP_SRCDIR=$top WGKS_TOP_BUILDDIR=$builddir
# shellcheck source=e2e/e2e-lib.sh
. "$top/tests/e2e/e2e-lib.sh"

say "Starting the lab (client + NetworkManager, ISP with DHCP/DNS, internet with a WireGuard server)"
e2e_lab_up
c() { printf 'client$ %s\n' "$*"; lab_client "$@" || true; }

say "Without VPN: the web server sees the ISP address"
c curl -s --max-time 5 "http://$LAB_WEB4/"; echo

say "Importing a wg-quick file (its endpoint is a host name)"
conf=$LAB_DIR/demo.conf
e2e_write_config "$conf"
sed 's/^PrivateKey = .*/PrivateKey = (hidden)/' "$conf"
c nmcli connection import type wireguard-killswitch file "$conf"

say "Connecting"
c nmcli connection up demo
c nmcli -f NAME,TYPE,DEVICE,STATE connection show --active

say "Through the tunnel: the web server sees the tunnel address, DNS comes from the tunnel resolver"
c curl -s --max-time 5 "http://$LAB_WEB4/"; echo
c dig +short secret.lab.example
sleep 6   # one round of the service's 5 s handshake watch
c wg-killswitch status

say "The seed's test: drop the tunnel without disconnecting (ip link set <tunnel> down)"
tun=$(lab_client ip -o link show | awk -F': ' '/: wgks/ {print $2; exit}')
c ip link set "$tun" down
sleep 1
lab_leak_reset ispa
printf 'client$ curl -s --max-time 5 http://%s/\n' "$LAB_WEB4"
start=$(date +%s%N)
if lab_client curl -s --max-time 5 "http://$LAB_WEB4/"; then
	echo "  !! reached the internet outside the tunnel"
else
	echo "  -> blocked after $((($(date +%s%N) - start) / 1000000)) ms: the kill switch holds"
fi
echo "packets from the client that left ISP A unencrypted meanwhile: $(lab_leak_count ispa leaks)"
echo "(within 5 s the service notices the downed tunnel, fails the VPN and the table goes to \"blocked\")"
sleep 6
c nmcli -f NAME,STATE connection show --active
c wg-killswitch status

say "The VPN failed, so the kill switch stays (when in doubt, block)"
c curl -s --max-time 5 "http://$LAB_WEB4/"; echo
say "Lifting it explicitly brings the plain uplink back"
c wg-killswitch release --yes
c curl -s --max-time 5 "http://$LAB_WEB4/"; echo

say "Tearing the lab down"
lab_down
echo "done: no namespace, process or mount of the demo is left"
