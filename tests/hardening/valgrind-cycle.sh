#!/bin/bash
# The VPN service under valgrind memcheck for one full cycle in the lab:
# connect, forced drop (SIGKILL of wireguard-go), reconnect, disconnect,
# then SIGTERM (the service's normal exit path). Zero memcheck errors and
# zero definitely lost bytes in every service process.
#
# NetworkManager starts the service from the .name file's program= path; the
# DESTDIR laid over /usr in the lab client gets a wrapper at that path which
# execs valgrind on the real binary (moved aside to *.real).
#
#   WGKS_TOP_BUILDDIR   a build configured --prefix=/usr (else one is made)
#   WGKS_KEEP=1         keep the valgrind logs (printed)
set -uo pipefail
. "$(dirname "$0")/lab-hardening.sh"
e2e_require_lab
command -v valgrind >/dev/null || { echo "1..0 # SKIP valgrind is not installed"; exit 0; }

hl_ok "a build configured --prefix=/usr" hlab_build || hl_finish
hl_tmpdir valgrind VG_DIR || hl_bail "no temporary directory"
chmod 0755 "$VG_DIR"

supp=()
[ -f /usr/share/glib-2.0/valgrind/glib.supp ] && supp+=(--suppressions=/usr/share/glib-2.0/valgrind/glib.supp)
supp+=(--suppressions="$HL_DIR/valgrind.supp")

install_wrapper() { # DESTDIR
	local d=$1
	mv "$d$HLAB_SERVICE" "$d$HLAB_SERVICE.real" || return 1
	cat >"$d$HLAB_SERVICE" <<-EOF
		#!/bin/sh
		# valgrind-cycle.sh: the service under memcheck (GLib with plain malloc).
		# Both allocator settings given, so the service does not execute
		# itself again to set them (the new image would run outside memcheck).
		export G_SLICE=always-malloc G_DEBUG=gc-friendly GLIBC_TUNABLES=glibc.malloc.tcache_count=0
		exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \\
			--show-leak-kinds=definite --errors-for-leak-kinds=definite \\
			--num-callers=30 --child-silent-after-fork=yes ${supp[*]} \\
			--log-file=$VG_DIR/service-%p.log $HLAB_SERVICE.real "\$@"
	EOF
	chmod 0755 "$d$HLAB_SERVICE"
	single_instance "$d"
}

not_table() { ! hlab_table_present; }

# NetworkManager gives a spawned VPN service 5 s to own its D-Bus name
# (fixed in nm-vpn-connection.c), too short for memcheck's start-up on a
# busy machine. So the service is started under memcheck before
# NetworkManager needs it, as one long-lived instance (--persist) for the
# whole cycle: the test DESTDIR's .name file says supports-multiple-
# connections=false, so NetworkManager looks for the fixed bus name and
# finds it owned. (The wrapper stays in place should NetworkManager spawn
# the service anyway.) One process through every state also shows leaks
# that accumulate across connections.
single_instance() { # DESTDIR
	local f
	for f in "$1"/usr/lib/NetworkManager/VPN/*.name "$1"/usr/lib/*/NetworkManager/VPN/*.name; do
		[ -f "$f" ] || continue
		sed -i 's/^supports-multiple-connections=.*/supports-multiple-connections=false/' "$f" || return 1
	done
	return 0
}
svc_owned() {
	lab_client gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
		--method org.freedesktop.DBus.NameHasOwner org.freedesktop.NetworkManager.wireguard-killswitch \
		2>/dev/null | grep -q true
}

# memcheck is slow: the handshake timeout gets room
export WGKS_HANDSHAKE_TIMEOUT=20
hl_ok "lab up with the service wrapped in valgrind" hlab_up install_wrapper || hl_bail "lab did not come up"

conf=$LAB_DIR/wgvg.conf
e2e_write_config "$conf"
hl_ok "import the lab profile" e2e_import "$conf"
lab__spawn_client vg-service "$HLAB_SERVICE" --persist
hl_ok "the service under memcheck owns its D-Bus name" lab_wait_for 120 svc_owned

t0=$(date +%s)
up_quiet() { e2e_up "$@" >/dev/null; }
hl_ok "connect under valgrind" up_quiet wgvg 90
hl_ok "traffic flows through the tunnel" lab_wait_for 10 hlab_via_tunnel
svc=$(hlab_service_pids | head -1)
hl_log "service (valgrind) pid: ${svc:-none}"

hl_ok "forced drop: SIGKILL wireguard-go, NetworkManager sees the VPN go" hlab_drop wgvg
hl_ok "no tunnel interface after the drop" test -z "$(hlab_tun_ifnames)"

hl_ok "reconnect" up_quiet wgvg 90
hl_ok "traffic flows again" lab_wait_for 10 hlab_via_tunnel
hl_ok "disconnect" e2e_down wgvg
hl_ok "the kill switch is lifted on a user disconnect" lab_wait_for 15 not_table
hl_log "cycle took $(($(date +%s) - t0)) s"

# End every service process the normal way (SIGTERM: main loop quits,
# shutdown, exit) so that memcheck writes its leak summary.
for p in $(hlab_service_pids); do
	kill -TERM "$p" 2>/dev/null
done
all_gone() { [ -z "$(hlab_service_pids)" ]; }
hl_ok "the service exits on SIGTERM" lab_wait_for 60 all_gone

# Every service process wrote one log.
logs=("$VG_DIR"/service-*.log)
hl_ok "valgrind logs were written (${#logs[@]})" test -e "${logs[0]}"
for log in "${logs[@]}"; do
	[ -e "$log" ] || continue
	name=${log##*/}
	errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
	definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1 | tr -d ,)
	hl_log "$name: ERROR SUMMARY ${errors:-?}, definitely lost ${definite:-0} bytes; $(grep -m1 'in use at exit' "$log" | sed 's/^==[0-9]*== *//')"
	hl_is "$name: memcheck finished with an error summary" "$([ -n "$errors" ] && echo yes)" yes
	hl_is "$name: zero memcheck errors" "${errors:-missing}" 0 || grep -v '^==[0-9]*== *$' "$log" | head -120 | sed 's/^/#   /'
	hl_is "$name: zero bytes definitely lost" "${definite:-0}" 0
done
[ "$tap_failed" = 0 ] || WGKS_KEEP=1
hl_finish
