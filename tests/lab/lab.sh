# shellcheck shell=bash
# Network test lab for wireguard-killswitch: a client running a real
# NetworkManager behind two ISPs, an "internet" with a web server and a
# wireguard-go server, all in network namespaces joined by veth pairs.
# Nothing is attached to the host's network namespace.
#
# Usage (as root):   . tests/lab/lab.sh; lab_up; lab_client curl -s http://203.0.113.80/
# See tests/lab/README.md for the topology and the full function list.

LAB_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_KEYS=$LAB_SRCDIR/keys
if [ -z "${LAB_PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then LAB_PYTHON=/usr/bin/python3; else LAB_PYTHON=python3; fi
fi
export LAB_SRCDIR LAB_KEYS LAB_PYTHON

# ---- fixed addresses (documentation ranges; 10.66/fd00:66 only inside the tunnel)
export LAB_ISPA_GW4=198.51.100.1 LAB_ISPA_GW6=2001:db8:a::1 LAB_ISPA_NET6=2001:db8:a::/64
export LAB_ISPB_GW4=198.51.100.129 LAB_ISPB_GW6=2001:db8:b::1 LAB_ISPB_NET6=2001:db8:b::/64
export LAB_ISPA_CLIENT4=198.51.100.10 LAB_ISPB_CLIENT4=198.51.100.138
export LAB_CLIENT_MAC0=02:6c:61:62:0a:10 LAB_CLIENT_MAC1=02:6c:61:62:0b:10
# SLAAC (addr-gen-mode=eui64) addresses derived from the MACs above
export LAB_ISPA_CLIENT6=2001:db8:a:0:6c:61ff:fe62:a10 LAB_ISPB_CLIENT6=2001:db8:b:0:6c:61ff:fe62:b10
export LAB_WG_ENDPOINT4=203.0.113.1 LAB_WG_ENDPOINT6=2001:db8:ffff::1 LAB_WG_PORT=51820
export LAB_WEB4=203.0.113.80 LAB_WEB6=2001:db8:ffff::80
export LAB_TUN_SERVER4=10.66.0.1 LAB_TUN_SERVER6=fd00:66::1
export LAB_TUN_CLIENT4=10.66.0.2 LAB_TUN_CLIENT6=fd00:66::2
export LAB_TUN_DNS4=10.66.0.53 LAB_TUN_DNS6=fd00:66::53
export LAB_TUN_WEB4=10.66.0.80 LAB_TUN_WEB6=fd00:66::80
export LAB_WG_SERVER_IF=wgsrv0
export LAB_SERVER_KEY=$LAB_KEYS/server.key LAB_SERVER_PUB=$LAB_KEYS/server.pub
export LAB_CLIENT_KEY=$LAB_KEYS/client.key LAB_CLIENT_PUB=$LAB_KEYS/client.pub
export LAB_WRONG_SERVER_KEY=$LAB_KEYS/wrong-server.key LAB_WRONG_SERVER_PUB=$LAB_KEYS/wrong-server.pub

export LAB_LEAK_TABLE=wgks_leak
export LAB_LEAK_COUNTERS="wg dhcp nd dns ipv6_other other"

# ---------------------------------------------------------------- helpers

lab__log() { printf 'lab: %s\n' "$*" >&2; }

# Prints MSG and the tail of every lab log, returns 1.
lab__fail() {
	lab__log "ERROR: $*"
	lab_logs_tail 30 >&2
	return 1
}

lab__now_us() { echo "${EPOCHREALTIME/./}"; }

# lab_wait_for TIMEOUT_SECONDS CMD... : poll CMD every 0.1 s until it
# succeeds (0) or TIMEOUT passes (1). LAB_TIMEOUT_SCALE multiplies timeouts.
lab_wait_for() {
	local t=$1 end
	shift
	end=$(($(lab__now_us) + t * ${LAB_TIMEOUT_SCALE:-1} * 1000000))
	while :; do
		if "$@"; then return 0; fi
		if (($(lab__now_us) >= end)); then return 1; fi
		sleep 0.1
	done
}

# /proc/PID/stat fields after the ")" closing the command name: state is
# [0], starttime (clock ticks since boot) is [19].
lab__stat() { # PID -> array lab__st
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	read -ra lab__st <<<"${s##*) }"
}

lab__starttime() { # PID -> start time (recorded to guard against PID reuse)
	local -a lab__st
	lab__stat "$1" || return 1
	echo "${lab__st[19]}"
}

lab__pid_alive() { # PID STARTTIME
	local -a lab__st
	lab__stat "$1" || return 1
	[ "${lab__st[0]}" != Z ] && [ "${lab__st[0]}" != X ] && [ "${lab__st[19]}" = "$2" ]
}

# lab__spawn NAME CMD... : start CMD in the background (stdout+stderr to
# $LAB_DIR/log/NAME.log) and record "NAME PID STARTTIME" in pids.list.
lab__spawn() {
	local name=$1 pid
	shift
	"$@" </dev/null >>"$LAB_DIR/log/$name.log" 2>&1 &
	pid=$!
	disown "$pid" 2>/dev/null || true
	echo "$pid" >"$LAB_DIR/pids/$name.pid"
	echo "$name $pid $(lab__starttime "$pid" || echo 0)" >>"$LAB_DIR/pids.list"
}

lab_pid() { # NAME -> PID of a process the lab started
	cat "$LAB_DIR/pids/$1.pid" 2>/dev/null
}

lab__check_isp() {
	case "$1" in ispa | ispb) return 0 ;; esac
	lab__log "unknown ISP '$1' (want ispa or ispb)"
	return 1
}

# ---------------------------------------------------------------- exec helpers

# lab_ns NAME CMD... : run CMD in the lab namespace NAME (ispa, ispb, inet;
# "client" means lab_client, so the client's private mounts are always seen)
lab_ns() {
	local ns=$1
	shift
	if [ "$ns" = client ]; then
		lab_client "$@"
	else
		ip netns exec "$LAB_PREFIX-$ns" "$@"
	fi
}

# lab_client CMD... : run CMD in the client's network + mount + UTS namespace
# (sees the client's private /run, /etc/resolv.conf, D-Bus, NetworkManager).
lab_client() {
	nsenter -t "$LAB_CLIENT_PID" -m -n -u --wd=/ -- "$@"
}

# lab__spawn_client NAME CMD... : lab__spawn inside the client namespaces
# (nsenter execs CMD, so the recorded PID is CMD's own)
lab__spawn_client() {
	local name=$1
	shift
	lab__spawn "$name" nsenter -t "$LAB_CLIENT_PID" -m -n -u --wd=/ -- "$@"
}

# lab_wg_server ARGS... : wg-uapi.py against the server's wireguard-go
# (e.g. lab_wg_server get; lab_wg_server handshake @$LAB_CLIENT_PUB)
lab_wg_server() {
	nsenter -t "$(lab_pid inet-wg)" -m -n -- "$LAB_PYTHON" "$LAB_SRCDIR/wg-uapi.py" "$LAB_WG_SERVER_IF" "$@"
}

# ---------------------------------------------------------------- logs

lab_log_path() { echo "$LAB_DIR/log/$1.log"; }

# lab_dns_log ispa|ispb|tun : path of that resolver's query log
lab_dns_log() { echo "$LAB_DIR/log/$1-dns.log"; }

# lab_dns_queried ispa|ispb|tun NAME : 0 if NAME was asked there (any type)
lab_dns_queried() {
	grep -Eq "query\[[A-Za-z0-9]+\] ${2//./\\.} from" "$(lab_dns_log "$1")" 2>/dev/null
}

lab_logs_tail() { # [LINES]
	local f n=${1:-30}
	[ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR/log" ] || return 0
	for f in "$LAB_DIR"/log/*.log; do
		[ -s "$f" ] || continue
		echo "----- ${f##*/} (last $n lines) -----"
		tail -n "$n" "$f"
	done
}

# ---------------------------------------------------------------- lab_up steps

# lab__netns_add NAME: the lab namespace NAME (recorded for lab_down), lo up
lab__netns_add() {
	echo "$LAB_PREFIX-$1" >>"$LAB_DIR/netns.list"
	ip netns add "$LAB_PREFIX-$1" && ip -n "$LAB_PREFIX-$1" link set lo up
}

# lab__router_sysctls NAME: forwarding, no DAD delays, keep v6 addresses
# while a link is down (roaming downs the ISP side of the client link)
lab__router_sysctls() {
	lab_ns "$1" sysctl -q -w net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1 \
		>/dev/null
}

lab__step_netns() {
	local ns
	for ns in client ispa ispb inet; do
		lab__netns_add "$ns" || return 1
	done
	# The client skips IPv6 duplicate address detection: it only delays SLAAC
	# by ~2 s per (re)connect, and nothing in the lab can collide.
	ip netns exec "$LAB_PREFIX-client" sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		>/dev/null || return 1
	for ns in ispa ispb inet; do
		lab__router_sysctls "$ns" || return 1
	done
}

lab__step_links() {
	local c=$LAB_PREFIX-client a=$LAB_PREFIX-ispa b=$LAB_PREFIX-ispb i=$LAB_PREFIX-inet
	# each pair is created directly between two lab namespaces
	ip link add eth0 netns "$c" address "$LAB_CLIENT_MAC0" type veth peer name lan netns "$a" address 02:6c:61:62:0a:01 &&
		ip link add eth1 netns "$c" address "$LAB_CLIENT_MAC1" type veth peer name lan netns "$b" address 02:6c:61:62:0b:01 &&
		ip link add wan netns "$a" type veth peer name ispa netns "$i" &&
		ip link add wan netns "$b" type veth peer name ispb netns "$i" || return 1

	ip -n "$a" -batch - <<-EOF || return 1
		addr add 198.51.100.1/25 dev lan
		addr add 2001:db8:a::1/64 dev lan
		addr add 192.0.2.2/30 dev wan
		addr add 2001:db8:ff0a::2/64 dev wan
		link set lan up
		link set wan up
		route add default via 192.0.2.1
		route add default via 2001:db8:ff0a::1
	EOF
	ip -n "$b" -batch - <<-EOF || return 1
		addr add 198.51.100.129/25 dev lan
		addr add 2001:db8:b::1/64 dev lan
		addr add 192.0.2.6/30 dev wan
		addr add 2001:db8:ff0b::2/64 dev wan
		link set wan up
		route add default via 192.0.2.5
		route add default via 2001:db8:ff0b::1
	EOF
	# ISP B's LAN stays down (no carrier on the client's eth1) until lab_uplink_up ispb
	ip -n "$i" -batch - <<-EOF || return 1
		addr add 192.0.2.1/30 dev ispa
		addr add 2001:db8:ff0a::1/64 dev ispa
		addr add 192.0.2.5/30 dev ispb
		addr add 2001:db8:ff0b::1/64 dev ispb
		addr add $LAB_WG_ENDPOINT4/32 dev lo
		addr add $LAB_WEB4/32 dev lo
		addr add $LAB_WG_ENDPOINT6/128 dev lo
		addr add $LAB_WEB6/128 dev lo
		addr add $LAB_TUN_DNS4/32 dev lo
		addr add $LAB_TUN_WEB4/32 dev lo
		addr add $LAB_TUN_DNS6/128 dev lo
		addr add $LAB_TUN_WEB6/128 dev lo
		link set ispa up
		link set ispb up
		route add 198.51.100.0/25 via 192.0.2.2
		route add 198.51.100.128/25 via 192.0.2.6
		route add 2001:db8:a::/64 via 2001:db8:ff0a::2
		route add 2001:db8:b::/64 via 2001:db8:ff0b::2
	EOF
}

# Leak meter: counts what the client sends into an ISP, by kind. The
# buckets are exclusive and checked in this order.
lab__step_leak_meters() {
	local isp
	for isp in ispa ispb; do
		lab_ns "$isp" nft -f - <<-EOF || return 1
			table inet $LAB_LEAK_TABLE {
				counter wg {}
				counter dhcp {}
				counter nd {}
				counter dns {}
				counter ipv6_other {}
				counter other {}
				chain pre {
					type filter hook prerouting priority -300; policy accept;
					iifname != "lan" accept
					ip daddr $LAB_WG_ENDPOINT4 udp dport $LAB_WG_PORT counter name "wg" accept
					ip6 daddr $LAB_WG_ENDPOINT6 udp dport $LAB_WG_PORT counter name "wg" accept
					udp sport 68 udp dport 67 counter name "dhcp" accept
					udp dport 547 counter name "dhcp" accept
					icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect, mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } counter name "nd" accept
					udp dport { 53, 853 } counter name "dns" accept
					tcp dport { 53, 853 } counter name "dns" accept
					meta nfproto ipv6 counter name "ipv6_other" accept
					counter name "other" accept
				}
			}
		EOF
	done
}

lab__step_inet() {
	# The server's wireguard-go gets its own mount namespace with a tmpfs
	# /run, so its UAPI socket never appears in the host's /run/wireguard.
	# shellcheck disable=SC2016
	lab__spawn inet-wg env LOG_LEVEL=verbose ip netns exec "$LAB_PREFIX-inet" \
		unshare --mount --propagation private sh -c \
		'mount -t tmpfs -o mode=0755 lab-run /run && exec wireguard-go -f "$0"' "$LAB_WG_SERVER_IF"
	local wgpid
	wgpid=$(lab_pid inet-wg)
	lab_wait_for 10 nsenter -t "$wgpid" -m -- test -S "/run/wireguard/$LAB_WG_SERVER_IF.sock" ||
		{ lab__log "wireguard-go server did not create its UAPI socket"; return 1; }
	lab_wg_server set private_key="@$LAB_SERVER_KEY" listen_port="$LAB_WG_PORT" replace_peers=true \
		public_key="@$LAB_CLIENT_PUB" replace_allowed_ips=true \
		allowed_ip="$LAB_TUN_CLIENT4/32" allowed_ip="$LAB_TUN_CLIENT6/128" || return 1
	ip -n "$LAB_PREFIX-inet" -batch - <<-EOF || return 1
		addr add $LAB_TUN_SERVER4/24 dev $LAB_WG_SERVER_IF
		addr add $LAB_TUN_SERVER6/64 dev $LAB_WG_SERVER_IF
		link set $LAB_WG_SERVER_IF up
	EOF
	lab__inet_services
}

# lab__inet_services [DNSMASQ OPTIONS...]: what the "internet" serves beside
# the WireGuard server $LAB_WG_SERVER_IF, whichever kind that is: the web
# server, the guard that lets the tunnel-only services (10.66.0.53/.80 on
# lo) answer only through the tunnel, and the tunnel's resolver (the options
# add to its records, e.g. --host-record=... for a split tunnel's domain).
# Waits until the resolver and the web server listen.
# shellcheck disable=SC2120 # the VM lab (tests/vm/guest/vmlab.sh) passes options
lab__inet_services() {
	lab__spawn inet-web ip netns exec "$LAB_PREFIX-inet" "$LAB_PYTHON" "$LAB_SRCDIR/webserver.py" 80 \
		"$LAB_WEB4" "$LAB_WEB6" "$LAB_TUN_WEB4" "$LAB_TUN_WEB6"
	lab_ns inet nft -f - <<-EOF || return 1
		table inet wgks_guard {
			chain input {
				type filter hook input priority 0; policy accept;
				iifname { "lo", "$LAB_WG_SERVER_IF" } accept
				ip daddr 10.66.0.0/24 drop
				ip6 daddr fd00:66::/64 drop
			}
		}
	EOF
	lab__spawn tun-dnsmasq ip netns exec "$LAB_PREFIX-inet" dnsmasq -k -C /dev/null --user=root \
		--pid-file="$LAB_DIR/run/tun-dnsmasq.pid" \
		--listen-address="$LAB_TUN_DNS4" --listen-address="$LAB_TUN_DNS6" --bind-interfaces \
		--no-resolv --no-hosts --local=/lab.example/ \
		--host-record="www.lab.example,$LAB_WEB4" --host-record="secret.lab.example,$LAB_TUN_WEB4" \
		--host-record="vpn.lab.example,$LAB_WG_ENDPOINT4,$LAB_WG_ENDPOINT6" \
		--log-queries --log-facility="$(lab_dns_log tun)" "$@"
	lab__wait_dnsmasq tun-dnsmasq inet &&
		{ lab_wait_for 20 lab__listening inet -ltn 80 || { lab__log "web server did not start"; return 1; }; }
}

# lab__start_isp_dnsmasq ispa|ispb [EXTRA DNSMASQ OPTIONS...]
lab__start_isp_dnsmasq() {
	local isp=$1 range4 host net6 extra_var
	shift
	if [ "$isp" = ispa ]; then
		range4=198.51.100.10,198.51.100.100,255.255.255.128,10m
		host=$LAB_CLIENT_MAC0,$LAB_ISPA_CLIENT4 net6=2001:db8:a::
	else
		range4=198.51.100.138,198.51.100.200,255.255.255.128,10m
		host=$LAB_CLIENT_MAC1,$LAB_ISPB_CLIENT4 net6=2001:db8:b::
	fi
	# e.g. LAB_ISPA_DNSMASQ_OPTS="--dhcp-option=121,203.0.113.80/32,198.51.100.1"
	extra_var=LAB_${isp^^}_DNSMASQ_OPTS
	# shellcheck disable=SC2206
	local -a extra=(${!extra_var:-} "$@")
	lab__spawn "$isp-dnsmasq" ip netns exec "$LAB_PREFIX-$isp" dnsmasq -k -C /dev/null --user=root \
		--pid-file="$LAB_DIR/run/$isp-dnsmasq.pid" \
		--interface=lan --bind-dynamic \
		--dhcp-range="$range4" --dhcp-host="$host" --dhcp-authoritative --no-ping \
		--dhcp-leasefile="$LAB_DIR/run/$isp-dnsmasq.leases" \
		--enable-ra --dhcp-range="$net6,ra-only,64,10m" \
		--no-resolv --no-hosts --local=/lab.example/ \
		--host-record="vpn.lab.example,$LAB_WG_ENDPOINT4,$LAB_WG_ENDPOINT6" \
		--host-record="www.lab.example,$LAB_WEB4" \
		--log-queries --log-dhcp --log-facility="$(lab_dns_log "$isp")" \
		"${extra[@]}"
}

# lab__listening NS -lun|-ltn PORT: something in NS listens on PORT
lab__listening() {
	[ -n "$(ip netns exec "$LAB_PREFIX-$1" ss -H "$2" "sport = :$3" 2>/dev/null)" ]
}

# lab__wait_dnsmasq NAME NS: dnsmasq binds its DNS/DHCP sockets before it
# serves anything, so a bound port 53 means "ready" (no lost first RS/DISCOVER)
lab__wait_dnsmasq() {
	lab_wait_for 10 lab__listening "$2" -lun 53 || { lab__log "$1 did not start"; return 1; }
}

lab__step_isps() {
	lab__start_isp_dnsmasq ispa && lab__start_isp_dnsmasq ispb &&
		lab__wait_dnsmasq ispa-dnsmasq ispa && lab__wait_dnsmasq ispb-dnsmasq ispb
}

# Copies the VPN plugin's .name files from a `make install` prefix.
lab__install_plugin() {
	local p=$LAB_PLUGIN_PREFIX f n=0
	[ -d "$p" ] || { lab__log "LAB_PLUGIN_PREFIX=$p is not a directory"; return 1; }
	mkdir -p "$LAB_DIR/client/nm/VPN"
	for f in "$p"/lib/NetworkManager/VPN/*.name "$p"/lib/*/NetworkManager/VPN/*.name \
		"$p"/etc/NetworkManager/VPN/*.name; do
		[ -f "$f" ] || continue
		cp "$f" "$LAB_DIR/client/nm/VPN/"
		lab__log "VPN plugin: ${f#"$p"/}"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { lab__log "no VPN .name file under $p/{lib,lib/*,etc}/NetworkManager/VPN"; return 1; }
}

lab__prepare_client_dir() {
	local d=$LAB_DIR/client f
	mkdir -p "$d/etc-upper/systemd/network" "$d/etc-work" "$d/nm/system-connections" \
		"$d/nm/conf.d" "$d/nm/VPN" "$d/nm/dnsmasq.d" "$d/udev-rules"
	# resolv.conf stays empty until NetworkManager writes it (never the host's)
	echo "# lab client: written by NetworkManager" >"$d/etc-upper/resolv.conf"
	echo wgks-lab-client >"$d/etc-upper/hostname"
	# never rename interfaces or randomize MACs in the lab
	printf '[Match]\nOriginalName=*\n\n[Link]\nNamePolicy=keep\nMACAddressPolicy=none\n' \
		>"$d/etc-upper/systemd/network/99-default.link"
	cp "$LAB_SRCDIR/nm/NetworkManager.conf" "$d/nm/"
	cp "$LAB_SRCDIR"/nm/system-connections/*.nmconnection "$d/nm/system-connections/"
	chmod 0600 "$d"/nm/system-connections/*
	# NetworkManager waits carrier-wait-timeout (default 5 s) after carrier
	# loss before it deactivates a device; 1 s keeps roaming tests short.
	printf '[device-lab-carrier]\nmatch-device=interface-name:eth*\ncarrier-wait-timeout=%s\n' \
		"${LAB_NM_CARRIER_WAIT_MS:-1000}" >"$d/nm/conf.d/90-lab-carrier.conf"
	if [ -n "${LAB_NM_LOG_LEVEL:-}" ]; then
		printf '[logging]\nlevel=%s\n' "$LAB_NM_LOG_LEVEL" >"$d/nm/conf.d/90-lab-log-level.conf"
	fi
	if [ -n "${LAB_NM_CONF_D:-}" ]; then
		cp "$LAB_NM_CONF_D"/*.conf "$d/nm/conf.d/" || return 1
	fi
	if [ -n "${LAB_PLUGIN_PREFIX:-}" ]; then
		lab__install_plugin || return 1
	fi
	# LAB_PLUGIN_DESTDIR: a `make install DESTDIR=...` of a --prefix=/usr
	# build, laid over /usr inside the client's mount namespace only.
	if [ -n "${LAB_PLUGIN_DESTDIR:-}" ]; then
		[ -d "$LAB_PLUGIN_DESTDIR/usr" ] || { lab__log "LAB_PLUGIN_DESTDIR=$LAB_PLUGIN_DESTDIR has no usr/"; return 1; }
		ln -sfn "$LAB_PLUGIN_DESTDIR/usr" "$d/usr-overlay"
	fi
	for f in 75-net-description.rules 80-net-setup-link.rules 84-nm-drivers.rules 85-nm-unmanaged.rules; do
		[ -f "/lib/udev/rules.d/$f" ] && cp "/lib/udev/rules.d/$f" "$d/udev-rules/"
	done
	cp "$LAB_SRCDIR/dbus-system.conf" "$d/"
}

lab__step_client() {
	local d=$LAB_DIR/client
	lab__prepare_client_dir || return 1
	lab__spawn client-holder ip netns exec "$LAB_PREFIX-client" \
		unshare --mount --uts --propagation private bash "$LAB_SRCDIR/client-holder.sh" "$d"
	LAB_CLIENT_PID=$(lab_pid client-holder)
	export LAB_CLIENT_PID
	lab_wait_for 10 test -e "$d/ready" || { lab__log "client namespace holder did not get ready"; return 1; }

	lab__spawn_client client-dbus dbus-daemon --nofork --nopidfile --nosyslog --config-file="$d/dbus-system.conf"
	lab_wait_for 10 lab_client test -S /run/dbus/system_bus_socket || { lab__log "dbus-daemon did not start"; return 1; }

	lab__spawn_client client-udevd /lib/systemd/systemd-udevd
	lab_wait_for 10 lab_client test -S /run/udev/control || { lab__log "systemd-udevd did not start"; return 1; }
	lab_client udevadm trigger --subsystem-match=net --action=add || return 1
	lab_client udevadm settle --timeout=10 || return 1

	lab__spawn_client client-nm NetworkManager --debug
}

# ---------------------------------------------------------------- public API

# lab_up: build the whole lab (see README). Env: LAB_PLUGIN_PREFIX,
# LAB_PREFIX, LAB_NO_TRAP, LAB_NO_WAIT, LAB_NM_CONF_D, LAB_ISP{A,B}_DNSMASQ_OPTS.
lab_up() {
	if [ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR" ]; then
		lab__log "a lab is already up in $LAB_DIR"
		return 1
	fi
	LAB_PREFIX=${LAB_PREFIX:-wgks$$}
	LAB_DIR=$(mktemp -d "${LAB_TMPDIR:-/tmp}/wgks-lab.XXXXXX") || return 1
	export LAB_PREFIX LAB_DIR
	export LAB_NS_CLIENT=$LAB_PREFIX-client LAB_NS_ISPA=$LAB_PREFIX-ispa \
		LAB_NS_ISPB=$LAB_PREFIX-ispb LAB_NS_INET=$LAB_PREFIX-inet
	mkdir -p "$LAB_DIR/log" "$LAB_DIR/pids" "$LAB_DIR/run"
	: >"$LAB_DIR/pids.list"
	: >"$LAB_DIR/netns.list"
	printf 'owner=%s\nowner_start=%s\nprefix=%s\n' "$$" "$(lab__starttime $$)" "$LAB_PREFIX" >"$LAB_DIR/owner"
	lab__install_trap

	local step t0 t times=""
	t0=$(lab__now_us)
	for step in lab__step_netns lab__step_links lab__step_leak_meters lab__step_inet \
		lab__step_isps lab__step_client; do
		t=$(lab__now_us)
		"$step" || { lab__fail "lab_up: $step failed"; return 1; }
		times+=" ${step#lab__step_}=$((($(lab__now_us) - t) / 1000))"
	done
	if [ "${LAB_NO_WAIT:-0}" != 1 ]; then
		t=$(lab__now_us)
		lab_nm_wait eth0 || return 1
		times+=" nm_wait=$((($(lab__now_us) - t) / 1000))"
	fi
	lab__log "up in $((($(lab__now_us) - t0) / 1000)) ms ($times ms): prefix $LAB_PREFIX, dir $LAB_DIR"
}

# lab_attach DIR: use a lab that another shell brought up (debugging,
# split setup/teardown scripts). Sets the same variables lab_up sets.
lab_attach() {
	local dir=$1
	[ -f "$dir/owner" ] || { lab__log "$dir is not a lab run dir"; return 1; }
	LAB_DIR=$dir
	LAB_PREFIX=$(sed -n 's/^prefix=//p' "$dir/owner")
	LAB_CLIENT_PID=$(cat "$dir/pids/client-holder.pid")
	export LAB_DIR LAB_PREFIX LAB_CLIENT_PID
	export LAB_NS_CLIENT=$LAB_PREFIX-client LAB_NS_ISPA=$LAB_PREFIX-ispa \
		LAB_NS_ISPB=$LAB_PREFIX-ispb LAB_NS_INET=$LAB_PREFIX-inet
}

lab__install_trap() {
	[ "${LAB_NO_TRAP:-0}" = 1 ] && return 0
	if [ -z "$(trap -p EXIT)" ]; then
		trap 'lab_down' EXIT
	elif ! trap -p EXIT | grep -q lab_down; then
		lab__log "note: an EXIT trap is already set; make sure it calls lab_down"
	fi
	[ -n "$(trap -p INT)" ] || trap 'exit 130' INT
	[ -n "$(trap -p TERM)" ] || trap 'exit 143' TERM
}

lab__nm_running() {
	[ "$(lab_client nmcli -t -f RUNNING general 2>/dev/null)" = running ]
}

lab__dev_state() { # DEV -> NM state number (100 = activated)
	lab_client nmcli -g GENERAL.STATE device show "$1" 2>/dev/null | cut -d' ' -f1
}

# lab_client_addr4 DEV / lab_client_addr6 DEV: the device's global address (empty if none)
lab_client_addr4() {
	lab_client ip -4 -o addr show dev "$1" scope global 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}'
}
lab_client_addr6() {
	lab_client ip -6 -o addr show dev "$1" scope global -tentative 2>/dev/null |
		awk '{split($4, a, "/"); print a[1]; exit}'
}

lab__dev_ready() { # DEV
	[ "$(lab__dev_state "$1")" = 100 ] && [ -n "$(lab_client_addr4 "$1")" ] &&
		{ [ "${LAB_NM_WAIT_V6:-1}" = 0 ] || [ -n "$(lab_client_addr6 "$1")" ]; }
}

# lab_nm_wait [DEV] [TIMEOUT]: wait until NetworkManager runs and DEV
# (default eth0) is activated with a DHCPv4 address and (unless
# LAB_NM_WAIT_V6=0) a global IPv6 address from the ISP's RA.
lab_nm_wait() {
	local dev=${1:-eth0} t=${2:-30}
	lab_wait_for 15 lab__nm_running || { lab__fail "NetworkManager is not running"; return 1; }
	lab_wait_for "$t" lab__dev_ready "$dev" || {
		lab_client nmcli device status >&2 || true
		lab_client ip addr >&2 || true
		lab__fail "$dev did not get its addresses within ${t}s"
		return 1
	}
}

lab__dev_not_active() { [ "$(lab__dev_state "$1")" != 100 ]; }

# lab_nm_wait_down DEV [TIMEOUT]: wait until NetworkManager deactivated DEV
lab_nm_wait_down() {
	lab_wait_for "${2:-30}" lab__dev_not_active "$1" || { lab__fail "$1 is still activated"; return 1; }
}

# lab_uplink_down ispa|ispb / lab_uplink_up ispa|ispb: pull / plug the
# client's cable to that ISP (the ISP side of the veth goes down/up, so the
# client's eth0/eth1 loses/gets carrier and NetworkManager reacts to that).
lab_uplink_down() {
	lab__check_isp "$1" || return 1
	ip -n "$LAB_PREFIX-$1" link set lan down
}
lab_uplink_up() {
	lab__check_isp "$1" || return 1
	ip -n "$LAB_PREFIX-$1" link set lan up
}

# lab_roam_to ispa|ispb: unplug the other ISP, plug this one, wait for the lease
lab_roam_to() {
	local to=$1 from dev olddev
	lab__check_isp "$to" || return 1
	if [ "$to" = ispa ]; then from=ispb dev=eth0 olddev=eth1; else from=ispa dev=eth1 olddev=eth0; fi
	# NetworkManager keeps a device activated (and its default route) for
	# carrier-wait-timeout after carrier loss; wait for that so the new
	# uplink is the only one.
	lab_uplink_down "$from" && lab_nm_wait_down "$olddev" && lab_uplink_up "$to" && lab_nm_wait "$dev"
}

# lab_nm_stop: stop the client's NetworkManager (TERM to its recorded PID,
# KILL after 5 s), as a shutdown or crash of NetworkManager would; whatever it
# spawned (a VPN service) keeps running. lab_nm_start starts a new one (same
# name, log appended); lab_nm_restart = both, then waits for eth0.
lab_nm_stop() {
	local pid
	pid=$(lab_pid client-nm) || return 1
	lab__stop_pid "$pid" "$(awk -v p="$pid" '$2 == p {s = $3} END {print s}' "$LAB_DIR/pids.list")"
}
lab_nm_start() {
	lab__spawn_client client-nm NetworkManager --debug
}
lab_nm_restart() {
	lab_nm_stop && lab_nm_start && lab_nm_wait "${1:-eth0}"
}

# lab_nm_dns default|dnsmasq|systemd-resolved: NetworkManager's DNS mode
# ([main] dns=), written into the client's conf.d; NetworkManager restarts
# and eth0 comes back. With dnsmasq, NetworkManager runs its own dnsmasq in
# the client and resolv.conf says 127.0.0.1.
lab_nm_dns() {
	case $1 in default | dnsmasq | systemd-resolved) ;; *) lab__log "lab_nm_dns: unknown mode $1"; return 1 ;; esac
	lab_client sh -c "printf '[main]\ndns=%s\n' '$1' >/etc/NetworkManager/conf.d/90-lab-dns.conf" &&
		lab_nm_restart eth0
}

# lab_isp_dnsmasq_restart ispa|ispb [EXTRA DNSMASQ OPTIONS...]
lab_isp_dnsmasq_restart() {
	local isp=$1 pid
	lab__check_isp "$isp" || return 1
	shift
	pid=$(lab_pid "$isp-dnsmasq")
	lab__stop_pid "$pid" "$(awk -v p="$pid" '$2 == p {s = $3} END {print s}' "$LAB_DIR/pids.list")"
	lab__start_isp_dnsmasq "$isp" "$@" && lab__wait_dnsmasq "$isp-dnsmasq" "$isp"
}

# lab_leaks ispa|ispb: print the ISP's leak counters as name=packets lines
lab_leaks() {
	lab__check_isp "$1" || return 1
	lab_ns "$1" nft list counters table inet "$LAB_LEAK_TABLE" |
		awk '$1 == "counter" {name = $2} $1 == "packets" && name != "" {print name "=" $2; name = ""}'
}

# lab_leak_count ispa|ispb NAME: packets of one counter; NAME "leaks" is
# dns + ipv6_other + other (everything but wg, dhcp and nd)
lab_leak_count() {
	local isp=$1 name=$2 out
	out=$(lab_leaks "$isp") || return 1
	if [ "$name" = leaks ]; then
		awk -F= '$1 == "dns" || $1 == "ipv6_other" || $1 == "other" {s += $2} END {print s + 0}' <<<"$out"
	else
		awk -F= -v n="$name" '$1 == n {print $2; f = 1} END {if (!f) exit 1}' <<<"$out"
	fi
}

# lab_leak_reset ispa|ispb: zero the ISP's leak counters
lab_leak_reset() {
	lab__check_isp "$1" || return 1
	lab_ns "$1" nft reset counters table inet "$LAB_LEAK_TABLE" >/dev/null
}

# lab_manual_wg_up [IFNAME]: a plain wireguard-go client in the client
# namespace (without NetworkManager or the plugin), configured through UAPI
# with the client key, for tests of the lab itself.
lab_manual_wg_up() {
	local ifn=${1:-wgman0} pid
	lab__spawn_client "manual-wg-$ifn" env LOG_LEVEL=verbose wireguard-go -f "$ifn"
	pid=$(lab_pid "manual-wg-$ifn")
	lab_wait_for 10 lab_client test -S "/run/wireguard/$ifn.sock" || { lab__fail "manual wireguard-go did not start"; return 1; }
	lab_client "$LAB_PYTHON" "$LAB_SRCDIR/wg-uapi.py" "$ifn" set private_key="@$LAB_CLIENT_KEY" \
		replace_peers=true public_key="@${LAB_MANUAL_WG_SERVER_PUB:-$LAB_SERVER_PUB}" \
		endpoint="$LAB_WG_ENDPOINT4:$LAB_WG_PORT" replace_allowed_ips=true \
		allowed_ip=10.66.0.0/24 allowed_ip=fd00:66::/64 || return 1
	lab_client ip addr add "$LAB_TUN_CLIENT4/24" dev "$ifn" || return 1
	lab_client ip addr add "$LAB_TUN_CLIENT6/64" dev "$ifn" nodad || return 1
	lab_client ip link set "$ifn" up || return 1
	[ -n "$pid" ]
}

lab_manual_wg_down() {
	local ifn=${1:-wgman0} pid
	pid=$(lab_pid "manual-wg-$ifn") || return 0
	lab__stop_pid "$pid" "$(awk -v p="$pid" '$2 == p {s = $3} END {print s}' "$LAB_DIR/pids.list")"
	rm -f "$LAB_DIR/pids/manual-wg-$ifn.pid"
}

# lab__stop_pid PID STARTTIME: TERM, wait up to 5 s, then KILL
lab__stop_pid() {
	local pid=$1 st=$2
	lab__pid_alive "$pid" "$st" || return 0
	kill -TERM "$pid" 2>/dev/null || true
	lab_wait_for 5 lab__pid_dead "$pid" "$st" && return 0
	kill -KILL "$pid" 2>/dev/null || true
	lab_wait_for 5 lab__pid_dead "$pid" "$st"
}
lab__pid_dead() { ! lab__pid_alive "$1" "$2"; }

lab__any_alive() { # FILE of "name pid start" lines
	local name pid st
	while read -r name pid st; do
		lab__pid_alive "$pid" "$st" && return 0
	done <"$1"
	return 1
}

lab__none_alive() { ! lab__any_alive "$1"; }

lab__netns_pids_empty() {
	local ns
	for ns in "$@"; do
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || return 1
	done
}

# lab__teardown_dir DIR: stop everything recorded in DIR, delete its
# namespaces and DIR. Shared by lab_down and lab-cleanup-stale.sh.
lab__teardown_dir() {
	local dir=$1 name pid st ns
	local -a nss=()
	[ -f "$dir/netns.list" ] && mapfile -t nss <"$dir/netns.list"
	if [ -f "$dir/pids.list" ]; then
		# newest first: NetworkManager before D-Bus before the holder
		tac "$dir/pids.list" | while read -r name pid st; do
			lab__pid_alive "$pid" "$st" && kill -TERM "$pid" 2>/dev/null
		done
		lab_wait_for 5 lab__none_alive "$dir/pids.list" ||
			while read -r name pid st; do
				lab__pid_alive "$pid" "$st" && kill -KILL "$pid" 2>/dev/null
			done <"$dir/pids.list"
	fi
	# Whatever is still inside a lab namespace was started by a lab process
	# (e.g. the VPN service and its wireguard-go spawned by NetworkManager).
	for ns in "${nss[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			lab__log "stopping stray process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) in $ns"
			kill -TERM "$pid" 2>/dev/null
		done
	done
	if ! lab_wait_for 5 lab__netns_pids_empty "${nss[@]}"; then
		for ns in "${nss[@]}"; do
			for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		done
		lab_wait_for 5 lab__netns_pids_empty "${nss[@]}"
	fi
	for ns in "${nss[@]}"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns"
	done
	if [ "${LAB_KEEP_DIR:-0}" = 1 ]; then
		lab__log "kept $dir"
	else
		rm -rf "$dir"
	fi
	return 0
}

# lab_down: stop exactly what lab_up started, delete the namespaces and the
# run dir. Idempotent; lab_up installs it as EXIT trap (unless LAB_NO_TRAP=1).
lab_down() {
	[ -n "${LAB_DIR:-}" ] || return 0
	if [ -d "$LAB_DIR" ]; then
		(
			set +eu
			lab__teardown_dir "$LAB_DIR"
		)
	fi
	unset LAB_DIR LAB_CLIENT_PID
	return 0
}
