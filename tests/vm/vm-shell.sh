#!/bin/bash
# Interactive debugging: boots the VM lab's guest with the plugin installed
# and the lab up, root shell on the serial console (this terminal).
# Optional arguments: guest tests to run first (their TAP lines appear on the
# console; the guest stays up afterwards). Leave with `poweroff` in the guest,
# or Ctrl-A X (QEMU). The overlay disk is thrown away at exit.
#
#   sudo tests/vm/vm-shell.sh [GUEST-TEST...]
set -uo pipefail
. "$(dirname "$0")/vm-lib.sh"
[ "$(id -u)" = 0 ] || { echo "vm-shell: run as root" >&2; exit 1; }
vm_setup || { echo "vm-shell: no image" >&2; exit 1; }
VM_KEEP_RUNNING=1 vm_payload "$@" || { echo "vm-shell: cannot build the payload" >&2; exit 1; }
vm_qemu_args stdio
echo "vm-shell: booting (about a minute under TCG); the run dir is $VM_DIR" >&2
echo "vm-shell: in the guest: . /usr/local/lib/wgks-vm/vmlab.sh; lab_leaks ispa; ip netns exec vm-ispa ..." >&2
"${VM_QEMU[@]}"
