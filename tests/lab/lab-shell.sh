#!/bin/bash
# Interactive lab for debugging: brings the lab up (honouring the same env
# vars as lab_up, e.g. LAB_PLUGIN_PREFIX) and opens a shell with lab.sh
# loaded and attached. Leaving the shell tears the lab down.
#   sudo tests/lab/lab-shell.sh
#   [lab wgks123] # lab_client nmcli device; lab_leaks ispa; lab_client bash
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
. "$here/lab.sh"
lab_up
rc=$LAB_DIR/shellrc
printf '. %q\nlab_attach %q\nPS1=%q\n' "$here/lab.sh" "$LAB_DIR" "[lab $LAB_PREFIX] \\w# " >"$rc"
echo "lab is up: LAB_DIR=$LAB_DIR. Try: lab_client nmcli device; lab_leaks ispa; exit to tear down." >&2
bash --rcfile "$rc" -i || true
