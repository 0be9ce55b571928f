#!/bin/bash
# ExecStart of wgks-vm-lab.service: the lab at every boot, before NetworkManager.
set -uo pipefail
. /usr/local/lib/wgks-vm/vmlab.sh
vm_lab_up
