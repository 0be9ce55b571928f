#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages, built as a distribution would: `make dist`, unpack the
# tarball in an empty directory, `dpkg-buildpackage -us -uc -b`. Then lintian
# (no error, no warning, every override explained), AppStream validation of
# the metainfo, the contents of both packages, and the maintainer scripts run
# for real against the kernel's nftables in a private network and mount
# namespace. TAP output.
#
# The .debs are left in $WGKS_DEB_DIR (default $builddir/deb) for the VM lab.
#
#   WGKS_TOP_BUILDDIR=DIR  a configured build tree (default ./_build)
#   WGKS_DEB_VERSION=V     build as version V (a changelog entry is added to
#                          the unpacked copy), e.g. a second build to upgrade to
#   WGKS_DEB_DIR=DIR       where the .debs go (default $builddir/deb)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${WGKS_TOP_BUILDDIR:-$top/_build}
debdir=${WGKS_DEB_DIR:-$builddir/deb}
. "$top/tests/tap.sh"

core=network-manager-wireguard-killswitch
gnome=network-manager-wireguard-killswitch-gnome
table="inet wireguard_killswitch"
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

diag() { sed 's/^/# /' "$@"; }

bail() {
	echo "Bail out! $*"
	exit 1
}

[ -f "$builddir/Makefile" ] || bail "$builddir is not a configured build tree"

# ------------------------------------------------------------------ build

rm -rf "$debdir"
mkdir -p "$debdir/work"
rm -f "$builddir"/NetworkManager-wireguard-killswitch-*.tar.xz
make -C "$builddir" dist >"$debdir/dist.log" 2>&1 || { diag "$debdir/dist.log" | tail -20; bail "make dist failed"; }
tarball=$(ls "$builddir"/NetworkManager-wireguard-killswitch-*.tar.xz | head -1)
tar -xf "$tarball" -C "$debdir/work" || bail "cannot unpack $tarball"
src=$(ls -d "$debdir"/work/NetworkManager-wireguard-killswitch-*/)
if [ -n "${WGKS_DEB_VERSION:-}" ]; then
	{
		printf '%s (%s) bookworm; urgency=medium\n\n  * Test build.\n\n' "$core" "$WGKS_DEB_VERSION"
		printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -l "$src/debian/changelog" -SMaintainer)" "$(date -R)"
		cat "$src/debian/changelog"
	} >"$tmp/changelog" && mv "$tmp/changelog" "$src/debian/changelog"
fi

t0=$(date +%s)
# Without -dbgsym packages: `apt install ./network-manager-wireguard-killswitch*.deb`
# installs exactly the two.
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) noautodbgsym ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b) \
	>"$debdir/build.log" 2>&1
rc=$?
build_s=$(($(date +%s) - t0))
tap_is "dpkg-buildpackage -us -uc -b builds from the dist tarball (${build_s} s)" "$rc" 0 ||
	{ tail -40 "$debdir/build.log" | diag; bail "no packages"; }
mv "$debdir"/work/*.deb "$debdir"/work/*.changes "$debdir"/work/*.buildinfo "$debdir"/
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -SVersion)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
core_deb=$debdir/${core}_${version}_$arch.deb
gnome_deb=$debdir/${gnome}_${version}_$arch.deb
tap_is "exactly the two packages built" "$(cd "$debdir" && ls ./*.deb | LC_ALL=C sort | tr '\n' ' ')" \
	"$(printf './%s\n' "$(basename "$core_deb")" "$(basename "$gnome_deb")" | LC_ALL=C sort | tr '\n' ' ')"
grep -E '^# (TOTAL|PASS|FAIL|ERROR|SKIP):' "$debdir/build.log" | diag
unit_tests_ran() { grep -qE '^# PASS: +[1-9]' "$1" && grep -qE '^# SKIP: +0$' "$1"; }
tap_ok "the build ran the unit tests and none failed or was skipped" unit_tests_ran "$debdir/build.log"
tap_is "the build ran no lab test" "$(grep -cE '^(PASS|FAIL|SKIP|ERROR): tests/(e2e|lab)/' "$debdir/build.log")" 0

# ---------------------------------------------------------------- lintian

t0=$(date +%s)
lintian --fail-on error,warning "$debdir"/*.changes >"$debdir/lintian.log" 2>&1
rc=$?
lintian_s=$(($(date +%s) - t0))
grep -v '^running with root privileges' "$debdir/lintian.log" | diag
tap_is "lintian: no error, no warning (${lintian_s} s)" "$rc" 0

# Every override line follows a comment that says why.
unexplained=$(awk 'FNR == 1 { c = 0 } /^#/ { c = 1; next } /^[[:space:]]*$/ { c = 0; next }
	{ if (!c) print FILENAME ": " $0 }' "$src"/debian/*lintian-overrides 2>/dev/null)
tap_is "every lintian override has a comment" "$unexplained" ""

# --------------------------------------------------------------- contents

contents() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' | sort; }
contents "$core_deb" >"$tmp/core.list"
contents "$gnome_deb" >"$tmp/gnome.list"

expect_core="lib/systemd/system/wireguard-killswitch-lockdown.service
usr/bin/wg-killswitch
usr/lib/$triplet/NetworkManager/libnm-vpn-plugin-wireguard-killswitch.so
usr/lib/NetworkManager/VPN/nm-wireguard-killswitch-service.name
usr/lib/NetworkManager/nm-wireguard-killswitch-service
usr/share/dbus-1/system.d/nm-wireguard-killswitch-service.conf
usr/share/doc/$core/README.md.gz
usr/share/doc/$core/changelog.gz
usr/share/doc/$core/copyright
usr/share/lintian/overrides/$core
usr/share/locale/de/LC_MESSAGES/NetworkManager-wireguard-killswitch.mo
usr/share/locale/fr/LC_MESSAGES/NetworkManager-wireguard-killswitch.mo
usr/share/man/man8/wg-killswitch.8.gz
usr/share/polkit-1/actions/org.freedesktop.NetworkManager.wireguard-killswitch.policy"
expect_gnome="etc/xdg/autostart/org.freedesktop.NetworkManager.WireguardKillswitch.Notify.desktop
usr/lib/NetworkManager/wg-killswitch-notify
usr/share/applications/org.freedesktop.NetworkManager.WireguardKillswitch.Notify.desktop
usr/lib/$triplet/NetworkManager/libnm-gtk4-vpn-plugin-wireguard-killswitch-editor.so
usr/lib/$triplet/NetworkManager/libnm-vpn-plugin-wireguard-killswitch-editor.so
usr/lib/NetworkManager/nm-wireguard-killswitch-auth-dialog
usr/share/doc/$gnome/changelog.gz
usr/share/doc/$gnome/copyright
usr/share/metainfo/org.freedesktop.NetworkManager.wireguard-killswitch.metainfo.xml"
tap_is "$core holds exactly the service, core plugin, wg-killswitch, unit, D-Bus and polkit policies, .name, translations" \
	"$(cat "$tmp/core.list")" "$(sort <<<"$expect_core")" ||
	diff <(sort <<<"$expect_core") "$tmp/core.list" | diag
tap_is "$gnome holds exactly the two editors, the auth dialog, the notifier with its autostart and desktop files, and the metainfo" \
	"$(cat "$tmp/gnome.list")" "$(sort <<<"$expect_gnome")" ||
	diff <(sort <<<"$expect_gnome") "$tmp/gnome.list" | diag

dpkg-deb -x "$core_deb" "$tmp/root"
dpkg-deb -x "$gnome_deb" "$tmp/root"
name=$tmp/root/usr/lib/NetworkManager/VPN/nm-wireguard-killswitch-service.name
missing=""
for key in program plugin auth-dialog; do
	path=$(sed -n "s/^$key=//p" "$name")
	[ -f "$tmp/root$path" ] || missing="$missing $key=$path"
done
tap_is "the .name file points at the installed service, plugin and auth dialog" "$missing" ""
props=$(sed -n 's/^properties=//p' "$name")
tap_ok "the .name file's editor path is the GTK 3 editor's library" test -f "$tmp/root$props-editor.so"

metainfo=$tmp/root/usr/share/metainfo/org.freedesktop.NetworkManager.wireguard-killswitch.metainfo.xml
appstreamcli validate --no-net "$metainfo" >"$tmp/appstream.log" 2>&1
rc=$?
diag "$tmp/appstream.log"
tap_is "appstreamcli validate accepts the metainfo" "$rc" 0

# Debhelper's part of the scripts: the guardian is enabled and started on
# install, restarted after an upgrade (see debian/rules); NetworkManager is
# never restarted.
dpkg-deb -e "$core_deb" "$tmp/control"
tap_ok "postinst enables the lockdown unit" \
	grep -q "deb-systemd-helper enable 'wireguard-killswitch-lockdown.service'" "$tmp/control/postinst"
tap_ok "postinst starts (or restarts after an upgrade) the guardian" \
	grep -qF "deb-systemd-invoke \$_dh_action 'wireguard-killswitch-lockdown.service'" "$tmp/control/postinst"
tap_is "no maintainer script touches NetworkManager.service" \
	"$(cat "$tmp/control"/{preinst,postinst,prerm,postrm} 2>/dev/null |
		grep -E 'NetworkManager.service' | grep -v '^[[:space:]]*#')" ""

# ------------------------------------------------- maintainer scripts, live
#
# In a private network and mount namespace: the package's /usr over the
# real one, empty /run and /var/lib, no system bus (nmcli finds no
# NetworkManager). The table lives in that namespace's nftables only.

if [ "$(id -u)" != 0 ]; then
	for what in "remove in lockdown" "remove while a kill switch holds" "remove in lockdown after release" "remove stops the owner" \
		"remove with nothing on" \
		"upgrade keeps the table" "boot and remove" "purge"; do
		tap_n=$((tap_n + 1))
		echo "ok $tap_n # SKIP maintainer scripts, $what: needs root"
	done
else
	cat >"$tmp/ns.sh" <<-'EOF'
	set -u
	root=$1 control=$2 case=$3
	mount --make-rprivate /
	mount -t overlay overlay -o "lowerdir=$root/usr:/usr" /usr
	mount -t tmpfs tmpfs /run
	mount -t tmpfs tmpfs /var/lib
	mount -t tmpfs tmpfs /etc/systemd/system
	ip link set lo up
	table() { nft list table inet wireguard_killswitch >/dev/null 2>&1 && echo present || echo absent; }
	lockdown() { sed -n 's/^enabled=//p' /var/lib/wireguard-killswitch/lockdown 2>/dev/null; }
	case $case in
	lockdown)
		wg-killswitch lockdown on >/dev/null
		echo "before: table $(table), lockdown $(lockdown)"
		sh "$control/prerm" remove; echo "prerm exit $?"
		echo "after: table $(table), lockdown $(lockdown)"
		;;
	holds)
		wg-killswitch lockdown on >/dev/null
		sed -i 's/^enabled=.*/enabled=false/' /var/lib/wireguard-killswitch/lockdown
		echo "before: table $(table), lockdown $(lockdown)"
		sh "$control/prerm" remove; echo "prerm exit $?"
		echo "after: table $(table), lockdown $(lockdown)"
		;;
	released)
		wg-killswitch lockdown on >/dev/null
		wg-killswitch release --yes >/dev/null
		echo "before: table $(table), lockdown $(lockdown)"
		sh "$control/prerm" remove; echo "prerm exit $?"
		echo "after: table $(table), lockdown $(lockdown)"
		;;
	owner)
		# A stand-in for a service that holds the kill switch (a copy of
		# sleep under the service's name), then another program's PID.
		mkdir -p /run/fake /run/wireguard-killswitch
		cp "$(command -v sleep)" /run/fake/nm-wireguard-killswitch-service
		/run/fake/nm-wireguard-killswitch-service 60 & svc=$!
		sleep 60 & other=$!
		wg-killswitch lockdown on >/dev/null
		echo "$svc Office VPN" >/run/wireguard-killswitch/owner
		sh "$control/prerm" remove >/dev/null; echo "prerm exit $?"
		wait "$svc" 2>/dev/null
		[ -d "/proc/$svc" ] && echo "service: running" || echo "service: stopped"
		echo "$other Office VPN" >/run/wireguard-killswitch/owner
		wg-killswitch lockdown on >/dev/null
		sh "$control/prerm" remove >/dev/null; echo "prerm exit $?"
		[ -d "/proc/$other" ] && echo "other program: running" || echo "other program: stopped"
		kill "$svc" "$other" 2>/dev/null
		echo "after: table $(table)"
		;;
	nothing)
		sh "$control/prerm" remove; echo "prerm exit $?"
		echo "after: table $(table)"
		;;
	upgrade)
		wg-killswitch lockdown on >/dev/null
		sh "$control/prerm" upgrade 0.1.0; echo "prerm exit $?"
		sh "$control/postrm" upgrade 0.1.0; echo "postrm exit $?"
		echo "after: table $(table), lockdown $(lockdown)"
		;;
	boot)
		wg-killswitch boot; echo "fresh install: boot exit $?, table $(table)"
		mkdir -p /var/lib/wireguard-killswitch && echo garbage >/var/lib/wireguard-killswitch/lockdown
		wg-killswitch boot >/dev/null 2>&1; echo "unreadable state: boot exit $?, table $(table)"
		sh "$control/prerm" remove; echo "prerm exit $?"
		echo "after: table $(table), lockdown $(lockdown)"
		;;
	purge)
		wg-killswitch lockdown on >/dev/null
		mkdir -p /run/wireguard-killswitch && : >/run/wireguard-killswitch/status
		export DPKG_MAINTSCRIPT_PACKAGE=network-manager-wireguard-killswitch DPKG_MAINTSCRIPT_NAME=postrm
		sh "$control/prerm" remove >/dev/null; echo "prerm exit $?"
		sh "$control/postrm" remove; echo "postrm remove exit $?"
		sh "$control/postrm" purge; echo "postrm purge exit $?"
		echo "after: table $(table)," \
			"state $(ls -d /var/lib/wireguard-killswitch /run/wireguard-killswitch 2>/dev/null | tr '\n' ' ')"
		;;
	esac
	EOF
	live() {
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent \
			unshare --mount --net bash "$tmp/ns.sh" "$tmp/root" "$tmp/control" "$1" 2>&1
	}

	out=$(live lockdown)
	tap_is "remove in lockdown: prerm lifts the table, ends lockdown and says so" "$out" \
"before: table present, lockdown true
$core: lockdown is off now (it was \"on\")
$core: the kill switch is lifted: traffic flows without the VPN
prerm exit 0
after: table absent, lockdown false"

	out=$(live holds)
	tap_is "remove while a kill switch holds: prerm lifts the table and says so" "$out" \
"before: table present, lockdown false
$core: the kill switch is lifted: traffic flows without the VPN
prerm exit 0
after: table absent, lockdown false"

	out=$(live released)
	tap_is "remove in lockdown after release: prerm ends lockdown and says so" "$out" \
"before: table absent, lockdown true
$core: lockdown is off now (it was \"on\")
prerm exit 0
after: table absent, lockdown false"

	out=$(live owner)
	tap_is "remove stops the service that holds the kill switch, and no other program" "$out" \
"prerm exit 0
service: stopped
prerm exit 0
other program: running
after: table absent"

	out=$(live nothing)
	tap_is "remove with nothing on: prerm says nothing and blocks nothing" "$out" \
"prerm exit 0
after: table absent"

	out=$(live upgrade)
	tap_is "upgrade keeps the table and lockdown" "$out" \
"prerm exit 0
postrm exit 0
after: table present, lockdown true"

	out=$(live boot)
	tap_is "the lockdown unit blocks nothing after a fresh install, fails closed on unreadable state, and remove lifts that" \
		"$out" \
"fresh install: boot exit 0, table absent
unreadable state: boot exit 3, table present
$core: lockdown is off now (it was \"state file unreadable (boot will block)\")
$core: the kill switch is lifted: traffic flows without the VPN
prerm exit 0
after: table absent, lockdown false"

	out=$(live purge)
	tap_is "purge leaves no table and no state file" "$out" \
"prerm exit 0
postrm remove exit 0
postrm purge exit 0
after: table absent, state "
fi

[ "$tap_failed" != 0 ] || rm -rf "$debdir/work"
echo "# packages in $debdir: build ${build_s} s, lintian ${lintian_s} s"
echo "1..$tap_n"
[ "$tap_failed" = 0 ]
