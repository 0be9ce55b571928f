#!/bin/bash
# The plugin libraries export exactly their entry points (linker version
# scripts): nothing else of the plugin leaks into the host process.
set -u
top=${WGKS_TOP_BUILDDIR:-.}
n=0
fail=0
check() { # LIBRARY EXPECTED-SYMBOL
	local lib=$top/properties/.libs/$1 syms
	n=$((n + 1))
	if [ ! -f "$lib" ]; then
		echo "not ok $n - $1 exists"
		fail=1
		return
	fi
	syms=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort | tr '\n' ' ')
	if [ "$syms" = "$2 " ]; then
		echo "ok $n - $1 exports only $2"
	else
		echo "not ok $n - $1 exports only $2 (got: $syms)"
		fail=1
	fi
}
check libnm-vpn-plugin-wireguard-killswitch.so nm_vpn_editor_plugin_factory
[ -f "$top/properties/.libs/libnm-gtk4-vpn-plugin-wireguard-killswitch-editor.so" ] &&
	check libnm-gtk4-vpn-plugin-wireguard-killswitch-editor.so nm_wgks_editor_new
[ -f "$top/properties/.libs/libnm-vpn-plugin-wireguard-killswitch-editor.so" ] &&
	check libnm-vpn-plugin-wireguard-killswitch-editor.so nm_wgks_editor_new
echo "1..$n"
exit $fail
