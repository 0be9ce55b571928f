#!/bin/bash
# Files that hang or break an importer, through the real nmcli and the
# installed plugin, as a user would import them: a FIFO and symlinks to
# /dev/zero and /dev/urandom are refused at once with an error naming the
# file (an importer that blocks or reads without end hangs nmcli for good),
# and a file that starts with a UTF-8 byte-order mark (Windows editors
# write one) is imported. Not in the sanitizer run: nmcli would load the
# instrumented plugin.
set -uo pipefail
. "$(dirname "$0")/e2e-lib.sh"
e2e_require_lab
e2e_lab_up || { echo "Bail out! lab did not come up"; exit 1; }

imp_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# (a timeout: an importer that blocks on the FIFO or reads /dev/zero without
# end must fail this test, not hang it)
mkfifo "$LAB_DIR/fifo.conf"
ln -s /dev/zero "$LAB_DIR/zero.conf"
ln -s /dev/urandom "$LAB_DIR/urandom.conf"
for f in fifo zero urandom; do
	t0=$(imp_ms)
	out=$(lab_client timeout 20 nmcli connection import type wireguard-killswitch file "$LAB_DIR/$f.conf" 2>&1)
	rc=$? ms=$(($(imp_ms) - t0))
	e2e__log "import $f.conf: exit $rc after $ms ms: ${out:0:300}"
	ok "import $f.conf: refused (exit $rc; 124 is the timeout)" test "$rc" != 0 -a "$rc" != 124
	ok "import $f.conf: refused within 5 s ($ms ms)" test "$ms" -lt 5000
	ok "import $f.conf: the error names the file" grep -qF "$f.conf: not a regular file" <<<"$out"
done
rm -f "$LAB_DIR/fifo.conf" "$LAB_DIR/zero.conf" "$LAB_DIR/urandom.conf"
e2e_write_config "$LAB_DIR/bom.conf"
{ printf '\xef\xbb\xbf'; cat "$LAB_DIR/bom.conf"; } >"$LAB_DIR/bom.tmp" && mv "$LAB_DIR/bom.tmp" "$LAB_DIR/bom.conf"
ok "import a file that starts with a UTF-8 byte-order mark" e2e_import "$LAB_DIR/bom.conf"
ok "the imported connection is there" lab_client nmcli connection delete id bom

e2e_finish
