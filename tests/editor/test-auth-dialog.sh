#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The auth dialog's side of the secret agent protocol, without a display:
# external UI mode (GNOME Shell) and non-interactive answers. TAP output.
top_builddir=${WGKS_TOP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
dialog="$top_builddir/auth-dialog/nm-wireguard-killswitch-auth-dialog"
service=org.freedesktop.NetworkManager.wireguard-killswitch
key=wqZQM/Upo/JoUnUIZQUl6wuXyZ0aiNk2OrqAETkeMFs=
psk=0Mm097w9XfgJwuFDg16eYLR4xZA57iPr6p8M5BbujHs=
peer=SrO3pWvLEwbZu0rF15x7+axEzF3iuM0vR5lu1fH+pIk=
n=0
failed=0

ok () {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

# stdin as NetworkManager writes it: data items, secrets, DONE.
details () {
	printf 'DATA_KEY=address\nDATA_VAL=10.0.0.2/24\n\n'
	printf 'DATA_KEY=private-key-flags\nDATA_VAL=%s\n\n' "$1"
	printf 'DATA_KEY=peer.0.public-key\nDATA_VAL=%s\n\n' "$peer"
	printf 'DATA_KEY=peer.0.endpoint\nDATA_VAL=vpn.example.com:51820\n\n'
	printf 'DATA_KEY=peer.0.preshared-key-flags\nDATA_VAL=%s\n\n' "$2"
	[ -n "$3" ] && printf 'SECRET_KEY=private-key\nSECRET_VAL=%s\n\n' "$3"
	[ -n "$4" ] && printf 'SECRET_KEY=peer.0.preshared-key\nSECRET_VAL=%s\n\n' "$4"
	printf 'DONE\n\n'
}

run () {
	flags_key=$1 flags_psk=$2 secret_key=$3 secret_psk=$4
	shift 4
	details "$flags_key" "$flags_psk" "$secret_key" "$secret_psk" |
		"$dialog" -u 0d6e2a6c-0000-4000-8000-000000000001 -n office -s "$service" "$@"
}

group_value () { # FILE GROUP KEY
	awk -v g="[$2]" -v k="$3" '$0 == g { in_g = 1; next } /^\[/ { in_g = 0 } in_g && index($0, k "=") == 1 { print substr($0, length(k) + 2) }' "$1"
}

echo "1..12"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# Private key kept by the agent and known; preshared key asked every time.
run 1 2 "$key" "" -i --external-ui-mode > "$out"; ok $? "external UI mode succeeds"
[ "$(group_value "$out" "VPN Plugin UI" Version)" = 2 ]; ok $? "keyfile version 2"
[ "$(group_value "$out" "VPN Plugin UI" Title)" = "Authenticate VPN office" ]; ok $? "title names the connection"
[ "$(group_value "$out" private-key Value)" = "$key" ] &&
	[ "$(group_value "$out" private-key ShouldAsk)" = false ] &&
	[ "$(group_value "$out" private-key IsSecret)" = true ]; ok $? "known private key is passed on, not asked"
[ "$(group_value "$out" peer.0.preshared-key ShouldAsk)" = true ] &&
	[ "$(group_value "$out" peer.0.preshared-key Value)" = "" ] &&
	group_value "$out" peer.0.preshared-key Label | grep -q "vpn.example.com"; ok $? "always-asked preshared key is asked, labelled with the endpoint"

# A value that came along for an "ask every time" secret is not reused.
run 1 2 "$key" "$psk" -i --external-ui-mode > "$out"
[ "$(group_value "$out" peer.0.preshared-key Value)" = "" ]; ok $? "not-saved secret is not reused"

# An invalid stored key must be asked for again.
run 1 2 "not-a-key" "" -i --external-ui-mode > "$out"
[ "$(group_value "$out" private-key ShouldAsk)" = true ]; ok $? "invalid known key is asked again"

run 1 2 "$key" "" -i -r --external-ui-mode > "$out"
[ "$(group_value "$out" private-key ShouldAsk)" = true ]; ok $? "reprompt asks for known secrets too"

# Hints restrict what is asked and carry the prompt.
run 1 2 "$key" "" -i --external-ui-mode -t peer.0.preshared-key -t "x-vpn-message:Enter the key" > "$out"
! grep -q '^\[private-key\]' "$out" && grep -q '^\[peer.0.preshared-key\]' "$out" &&
	[ "$(group_value "$out" "VPN Plugin UI" Description)" = "Enter the key" ]; ok $? "hints select the secrets and the prompt"

# Without interaction the known secrets are returned in the line protocol.
run 1 0 "$key" "$psk" > "$out"
printf 'private-key\n%s\npeer.0.preshared-key\n%s\n\n\n' "$key" "$psk" | cmp -s - "$out"; ok $? "non-interactive answer: name/value lines, then an empty pair"

# System-kept secrets NetworkManager did not pass are not invented.
run 0 0 "" "" > "$out"
printf '\n\n' | cmp -s - "$out"; ok $? "nothing known: empty answer"

details 1 2 "$key" "" | "$dialog" -u x -n office -s org.example.other >/dev/null 2>&1
[ $? -ne 0 ]; ok $? "another service type is refused"
exit $failed
