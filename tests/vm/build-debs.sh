#!/bin/bash
# The two Debian packages for the VM lab, built as tests/pkg/test-deb.sh
# builds them (the distributed sources, `dpkg-buildpackage -us -uc -b`),
# twice: as the version in debian/changelog ("base", what the guest installs
# first) and as a higher version ("upgrade", what it upgrades to while
# connected). Cached in CACHEDIR by a hash of the distributed sources, so a
# second run of the VM lab on the same tree builds nothing.
#
#   build-debs.sh BUILDDIR CACHEDIR
#
# Prints the directory that holds base/*.deb and upgrade/*.deb on its last
# line; everything else is "# " comments.
set -uo pipefail

builddir=${1:?usage: build-debs.sh BUILDDIR CACHEDIR}
cache=${2:?usage: build-debs.sh BUILDDIR CACHEDIR}
mkdir -p "$cache" || exit 1
tmp=$(mktemp -d "$cache/tmp.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# The sources as `make dist` would pack them, without touching the build
# tree's own tarball (tests/pkg/test-deb.sh makes that one).
# (distdir must be relative: po/ prefixes it with "../")
rel=vm-distdir.$$
rm -rf "${builddir:?}/$rel"
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$builddir" distdir distdir="$rel" \
	>"$tmp/distdir.log" 2>&1 || ! mv "$builddir/$rel" "$tmp/src"; then
	rm -rf "${builddir:?}/$rel"
	sed 's/^/# /' "$tmp/distdir.log" | tail -20
	echo "# make distdir failed"
	exit 1
fi
# (the VM lab's own files are not part of the packages: changing a guest test
# rebuilds nothing)
key=$(cd "$tmp/src" && find . -path ./tests/vm -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
out=$cache/$key
exec {lock}>"$cache/.lock"
flock "$lock"
if [ -e "$out/ok" ]; then
	echo "# packages for sources $key from the cache $cache"
	echo "$out"
	exit 0
fi

version=$(dpkg-parsechangelog -l "$tmp/src/debian/changelog" -SVersion)
t0=$(date +%s)
rm -rf "$out"
mkdir -p "$out/base" "$out/upgrade"
for what in base upgrade; do
	src=$tmp/$what/NetworkManager-wireguard-killswitch
	mkdir -p "$tmp/$what"
	cp -a "$tmp/src" "$src"
	if [ "$what" = upgrade ]; then
		{
			printf 'network-manager-wireguard-killswitch (%s) bookworm; urgency=medium\n\n' "$version+vmupgrade1"
			printf '  * Test build: the upgrade of the VM lab.\n\n'
			printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -l "$src/debian/changelog" -SMaintainer)" "$(date -R)"
			cat "$src/debian/changelog"
		} >"$tmp/changelog" && mv "$tmp/changelog" "$src/debian/changelog"
	fi
	# The unit tests ran in the build tree already (nocheck); no -dbgsym
	# packages, so that ./network-manager-wireguard-killswitch*.deb are the two.
	(cd "$src" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=${WGKS_VM_DEB_JOBS:-2}" \
		dpkg-buildpackage -us -uc -b) >"$tmp/$what.log" 2>&1 || {
		tail -30 "$tmp/$what.log" | sed 's/^/# /'
		echo "# dpkg-buildpackage ($what) failed"
		rm -rf "$out"
		exit 1
	}
	mv "$tmp/$what"/*.deb "$out/$what/"
done
echo "$key" >"$out/ok"
echo "# packages $version and $version+vmupgrade1 built in $(($(date +%s) - t0)) s"
# packages of older sources are of no more use
for d in "$cache"/*/; do
	case "${d%/}" in "$out" | "$tmp") ;; *) rm -rf "${d%/}" ;; esac
done
echo "$out"
