# shellcheck shell=bash
# The VM lab on the host: a cached Debian 12 image (build-image.sh), the
# plugin installed into a payload as a distribution would, a QEMU boot on a
# copy-on-write overlay, TAP back over a virtio serial port.
#
# Env: WGKS_TOP_BUILDDIR (a build configured --prefix=/usr ...), WGKS_TOP_SRCDIR,
#      WGKS_VM_CACHE (image cache, default /var/cache/wgks-vm),
#      WGKS_VM_TIMEOUT (seconds for one QEMU run, default 1200),
#      WGKS_VM_MEM (MB, default 1536), WGKS_VM_SMP (default 2),
#      WGKS_VM_INSTALL (deb, default, or make), WGKS_VM_DEB_CACHE (the built
#      .debs, default $WGKS_TOP_BUILDDIR/vm-debs).

VM_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WGKS_TOP_SRCDIR=${WGKS_TOP_SRCDIR:-$(cd "$VM_SRCDIR/../.." && pwd)}
WGKS_TOP_BUILDDIR=${WGKS_TOP_BUILDDIR:-$WGKS_TOP_SRCDIR/_build}
WGKS_VM_CACHE=${WGKS_VM_CACHE:-/var/cache/wgks-vm}
VM_DIR=
VM_QEMU_PID=
VM_IMAGE=

vm__log() { printf '# %s\n' "$*"; }

# vm_require: root and the tools; prints a TAP skip plan and exits otherwise.
vm_require() {
	local t
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP the VM lab needs root (mmdebstrap)"
		exit 0
	fi
	for t in mmdebstrap qemu-system-x86_64 qemu-img mkfs.ext4 tar flock; do
		command -v "$t" >/dev/null || { echo "1..0 # SKIP $t is missing (tests/install-deps.sh)"; exit 0; }
	done
}

vm_cache_key() {
	cat "$VM_SRCDIR/packages.list" "$VM_SRCDIR/build-image.sh" | sha256sum | cut -c1-16
}

# vm_image_ensure: the cached image for this packages.list + build script,
# built if missing (one build at a time: flock). Sets VM_IMAGE (its dir).
vm_image_ensure() {
	local key dir t0 d
	key=$(vm_cache_key)
	dir=$WGKS_VM_CACHE/$key
	mkdir -p "$WGKS_VM_CACHE" || return 1
	exec {vm_lock_fd}>"$WGKS_VM_CACHE/.lock"
	flock "$vm_lock_fd"
	if [ ! -e "$dir/ok" ]; then
		t0=$(date +%s)
		rm -rf "$dir"
		"$VM_SRCDIR/build-image.sh" "$dir" | sed 's/^/# /' || { exec {vm_lock_fd}>&-; return 1; }
		echo "$key" >"$dir/ok"
		vm__log "image $key built in $(($(date +%s) - t0)) s"
		# images of other package lists: keep the two used last (other
		# branches' test runs on this machine use them), delete the rest
		for d in $(ls -td "$WGKS_VM_CACHE"/*/ok 2>/dev/null | tail -n +4); do
			rm -rf "$(dirname "$d")"
		done
	else
		touch "$dir/ok"
		vm__log "image $key from the cache $WGKS_VM_CACHE"
	fi
	exec {vm_lock_fd}>&-
	VM_IMAGE=$dir
}

# vm_install_plugin DESTDIR: the plugin as Debian users get it. The two
# .debs (build-debs.sh: this tree's version and a higher one for the upgrade
# test) go into the payload; the guest installs them with
# `apt install ./network-manager-wireguard-killswitch*.deb` at its first
# boot (run-guest-tests.sh). WGKS_VM_INSTALL=make: `make install` of the
# build tree instead (vm_install_plugin_make), for quick rounds of changes.
vm_install_plugin() {
	local dest=$1 out
	[ "${WGKS_VM_INSTALL:-deb}" = make ] && { vm_install_plugin_make "$dest"; return; }
	out=$("$VM_SRCDIR/build-debs.sh" "$WGKS_TOP_BUILDDIR" "${WGKS_VM_DEB_CACHE:-$WGKS_TOP_BUILDDIR/vm-debs}")
	grep '^#' <<<"$out"
	VM_DEBS=$(tail -1 <<<"$out")
	[ -d "$VM_DEBS/base" ] || return 1
	install -d "$dest/usr/local/lib/wgks-vm/debs" "$dest/usr/local/lib/wgks-vm/debs-upgrade"
	install -m 0644 "$VM_DEBS"/base/network-manager-wireguard-killswitch*.deb "$dest/usr/local/lib/wgks-vm/debs/" &&
		install -m 0644 "$VM_DEBS"/upgrade/network-manager-wireguard-killswitch*.deb "$dest/usr/local/lib/wgks-vm/debs-upgrade/"
}

# vm_install_plugin_make DESTDIR: `make install` (/usr paths, the unit in
# systemd's unit directory, enabled as the package's postinst would).
vm_install_plugin_make() {
	local dest=$1 unit=wireguard-killswitch-lockdown.service
	flock "$WGKS_TOP_BUILDDIR/.e2e-install.lock" \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$WGKS_TOP_BUILDDIR" install DESTDIR="$dest" \
		>"$VM_DIR/install.log" 2>&1 || { sed 's/^/# /' "$VM_DIR/install.log"; return 1; }
	[ -f "$dest/usr/lib/systemd/system/$unit" ] || { vm__log "make install put no $unit under /usr/lib/systemd/system"; return 1; }
	[ -x "$dest/usr/libexec/nm-wireguard-killswitch-service" ] || { vm__log "no service under /usr/libexec"; return 1; }
	mkdir -p "$dest/etc/systemd/system/sysinit.target.wants"
	ln -sf "/usr/lib/systemd/system/$unit" "$dest/etc/systemd/system/sysinit.target.wants/$unit"
}

# vm_payload TESTS...: the tar the guest's initramfs unpacks onto its root:
# the plugin, the lab and the guest tests, their units, NetworkManager's
# config and uplink profiles, the list of tests to run.
# VM_PAYLOAD_HOOK: a function called with the payload's root before the tests
# are listed, to add files (bench/vm-kernel.sh adds its guest script there as
# a test and the benchmark's helpers).
vm_payload() {
	local root=$VM_DIR/payload-root t g=$VM_SRCDIR/guest
	mkdir -p "$root"
	vm_install_plugin "$root" || return 1
	install -d "$root/usr/local/lib/wgks-vm/tests" "$root/usr/local/lib/wgks-vm/lab/keys" \
		"$root/etc/wgks-vm" "$root/etc/NetworkManager/conf.d" \
		"$root/etc/NetworkManager/system-connections" \
		"$root/etc/systemd/system/sysinit.target.wants" "$root/etc/systemd/system/multi-user.target.wants"
	install -m 0644 "$g/vmlab.sh" "$g/lab-up.sh" "$g/run-guest-tests.sh" "$root/usr/local/lib/wgks-vm/"
	install -m 0644 "$g"/tests/*.sh "$root/usr/local/lib/wgks-vm/tests/"
	install -m 0644 "$WGKS_TOP_SRCDIR/tests/lab/lab.sh" "$WGKS_TOP_SRCDIR/tests/lab/probe.py" \
		"$WGKS_TOP_SRCDIR/tests/lab/webserver.py" "$WGKS_TOP_SRCDIR/tests/tap.sh" "$root/usr/local/lib/wgks-vm/lab/"
	install -m 0600 "$WGKS_TOP_SRCDIR"/tests/lab/keys/* "$root/usr/local/lib/wgks-vm/lab/keys/"
	# the namespace lab's DNS matrix (DNS_MATRIX_LIB=1), laid out as in the source tree
	install -d "$root/usr/local/lib/wgks-vm/src/tests/e2e"
	install -m 0644 "$WGKS_TOP_SRCDIR/tests/e2e/dns-matrix.sh" "$WGKS_TOP_SRCDIR/tests/e2e/e2e-lib.sh" \
		"$root/usr/local/lib/wgks-vm/src/tests/e2e/"
	ln -sfn ../../lab "$root/usr/local/lib/wgks-vm/src/tests/lab"
	ln -sfn ../../lab/tap.sh "$root/usr/local/lib/wgks-vm/src/tests/tap.sh"
	install -m 0644 "$g/wgks-vm-lab.service" "$g/wgks-vm-test.service" "$root/etc/systemd/system/"
	ln -sf ../wgks-vm-lab.service "$root/etc/systemd/system/sysinit.target.wants/wgks-vm-lab.service"
	ln -sf ../wgks-vm-test.service "$root/etc/systemd/system/multi-user.target.wants/wgks-vm-test.service"
	install -m 0644 "$g/nm/90-wgks-vm.conf" "$root/etc/NetworkManager/conf.d/"
	install -m 0600 "$WGKS_TOP_SRCDIR"/tests/lab/nm/system-connections/*.nmconnection \
		"$root/etc/NetworkManager/system-connections/"
	if [ -n "${VM_PAYLOAD_HOOK:-}" ]; then "$VM_PAYLOAD_HOOK" "$root" || return 1; fi
	: >"$root/etc/wgks-vm/tests"
	for t in "$@"; do
		[ -f "$root/usr/local/lib/wgks-vm/tests/$t.sh" ] || { vm__log "no guest test $t"; return 1; }
		echo "$t" >>"$root/etc/wgks-vm/tests"
	done
	[ "${VM_KEEP_RUNNING:-0}" = 1 ] && : >"$root/etc/wgks-vm/keep-running"
	tar -C "$root" --owner=0 --group=0 --numeric-owner -cf "$VM_DIR/payload.tar" . || return 1
	rm -rf "$root"
}

vm_cleanup() {
	local status=$?
	vm_qemu_stop
	[ -n "$VM_DIR" ] && [ -z "${WGKS_VM_KEEP:-}" ] && rm -rf "$VM_DIR"
	VM_DIR=
	return $status
}

vm_qemu_stop() {
	[ -n "$VM_QEMU_PID" ] || return 0
	if kill -0 "$VM_QEMU_PID" 2>/dev/null; then
		kill -TERM "$VM_QEMU_PID" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$VM_QEMU_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$VM_QEMU_PID" 2>/dev/null
	fi
	wait "$VM_QEMU_PID" 2>/dev/null
	VM_QEMU_PID=
}

# vm_setup: run dir, traps, image, overlay.
vm_setup() {
	VM_DIR=$(mktemp -d /tmp/wgks-vm.XXXXXX) || return 1
	trap vm_cleanup EXIT
	trap 'exit 143' INT TERM
	vm_image_ensure || return 1
	qemu-img create -q -f qcow2 -b "$VM_IMAGE/base.img" -F raw "$VM_DIR/disk.qcow2"
}

# vm_qemu_args CONSOLE: the QEMU command line (CONSOLE: "stdio" or a file)
vm_qemu_args() {
	local console=$1
	# shellcheck disable=SC2054 # QEMU's option values contain commas
	VM_QEMU=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "${WGKS_VM_SMP:-2}" -m "${WGKS_VM_MEM:-1536}"
		-nic none -display none -monitor none -no-user-config -nodefaults
		-kernel "$VM_IMAGE/vmlinuz" -initrd "$VM_IMAGE/initrd.img"
		-append "root=/dev/vda rw console=ttyS0 mitigations=off ${WGKS_VM_APPEND:-}"
		-drive "file=$VM_DIR/disk.qcow2,format=qcow2,if=virtio"
		-drive "file=$VM_DIR/payload.tar,format=raw,if=virtio,readonly=on"
		-device virtio-serial-pci
		-chardev "file,id=tap,path=$VM_DIR/tap.out" -device virtserialport,chardev=tap,name=wgks.tap
		-object rng-random,filename=/dev/urandom,id=rng0 -device virtio-rng-pci,rng=rng0)
	if [ "$console" = stdio ]; then
		VM_QEMU+=(-serial mon:stdio)
	else
		VM_QEMU+=(-serial "file:$console")
	fi
}

# vm_run: boots the guest, waits until it powers off (or WGKS_VM_TIMEOUT).
vm_run() {
	local t0 limit=${WGKS_VM_TIMEOUT:-1200}
	t0=$(date +%s)
	vm_qemu_args "$VM_DIR/console.log"
	: >"$VM_DIR/tap.out"
	# nice: the VM's two busy vCPU threads must not slow the timing checks of
	# lab tests that make check runs at the same time
	nice -n 10 "${VM_QEMU[@]}" </dev/null >"$VM_DIR/qemu.log" 2>&1 &
	VM_QEMU_PID=$!
	while kill -0 "$VM_QEMU_PID" 2>/dev/null; do
		if (($(date +%s) - t0 > limit)); then
			vm__log "QEMU still running after $limit s: stopping it"
			vm_qemu_stop
			VM_TIMED_OUT=1
			break
		fi
		sleep 1
	done
	wait "$VM_QEMU_PID" 2>/dev/null
	VM_QEMU_PID=
	VM_RUN_S=$(($(date +%s) - t0))
}
