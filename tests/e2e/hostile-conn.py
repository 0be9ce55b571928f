#!/usr/bin/python3
"""Writes one connection, as GVariant text of type a{sa{sv}}, for
wgks-vpn-call: a valid profile for the lab's server, or that profile broken
in one named way (the hostile-input tests, tests/e2e/test-hostile.sh).

Usage: hostile-conn.py CASE [ENDPOINT]     (the cases are in build() below)
Reads the lab's key files and addresses from the environment (LAB_*).
"""
import base64
import os
import sys

SERVICE = "org.freedesktop.NetworkManager.wireguard-killswitch"
UUID = "6f0e2c1a-5b7d-4e44-9a8f-77c1d0a1e5b1"


def gv_str(s):
    """A GVariant text string literal: quotes, backslashes and control
    characters escaped, so keys and values reach the service byte for byte."""
    out = []
    for c in s:
        if c in "'\\":
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    return "'" + "".join(out) + "'"


def gv_dict_ss(d):
    if not d:
        return "@a{ss} {}"
    return "{" + ", ".join(gv_str(k) + ": " + gv_str(v) for k, v in d.items()) + "}"


def read_key(env):
    with open(os.environ[env]) as f:
        return f.read().strip()


def fake_key(i):
    """A distinct 32-byte public key per index (never a real one)."""
    raw = (b"wgks-hostile-peer-%08d" % i).ljust(32, b"\x5a")
    return base64.b64encode(raw).decode()


def base(endpoint=None):
    data = {
        "address": "%s/24, %s/64" % (os.environ["LAB_TUN_CLIENT4"], os.environ["LAB_TUN_CLIENT6"]),
        "dns": os.environ["LAB_TUN_DNS4"],
        "kill-switch": "on",
        "peer.0.public-key": read_key("LAB_SERVER_PUB"),
        "peer.0.endpoint": endpoint or "%s:%s" % (os.environ["LAB_WG_ENDPOINT4"], os.environ["LAB_WG_PORT"]),
        "peer.0.allowed-ips": "0.0.0.0/0, ::/0",
        "peer.0.persistent-keepalive": "15",
    }
    secrets = {"private-key": read_key("LAB_CLIENT_KEY")}
    return data, secrets


def many_peers(data, n):
    for i in range(1, n):
        data["peer.%d.public-key" % i] = fake_key(i)
        data["peer.%d.allowed-ips" % i] = "10.%d.%d.%d/32" % (128 + i // 65536, (i // 256) % 256, i % 256)
        if i % 10 == 0:
            data["peer.%d.endpoint" % i] = "192.0.2.%d:%d" % (1 + i % 250, 20000 + i)


def build(case, endpoint):
    data, secrets = base(endpoint)
    vpn_data = None       # GVariant text replacing vpn.data, for type errors
    vpn = True
    if case in ("valid", "endpoint"):
        pass
    elif case == "no-vpn-setting":
        vpn = False
    elif case == "data-wrong-type":
        vpn_data = "<@a{su} {'mtu': 1400}>"
    elif case == "data-not-a-dict":
        vpn_data = "<'address=10.66.0.2/24'>"
    elif case == "no-private-key":
        secrets = {}
    elif case == "no-public-key":
        del data["peer.0.public-key"]
    elif case == "no-address":
        del data["address"]
    elif case == "bad-public-key":
        data["peer.0.public-key"] = "not-base64!"
    elif case == "mtu-huge":
        data["mtu"] = "99999999999999999999999"
    elif case == "listen-port-huge":
        data["listen-port"] = "65536"
    elif case == "keepalive-huge":
        data["peer.0.persistent-keepalive"] = "4294967297"
    elif case == "dns-search-1mib":
        data["dns-search"] = "a" * (1 << 20)
    elif case == "address-100k-prefixes":
        data["address"] = ", ".join("10.%d.%d.%d/32" % (i >> 16, (i >> 8) & 255, i & 255) for i in range(100000))
    elif case == "peer-index-huge":
        data["peer.4294967296.public-key"] = fake_key(1)
    elif case == "peer-index-gap":
        data["peer.9999.public-key"] = fake_key(1)
    elif case == "newline-in-endpoint":
        data["peer.0.endpoint"] += "\nprivate_key=" + "00" * 32
    elif case == "newline-in-allowed-ips":
        data["peer.0.allowed-ips"] = "0.0.0.0/0\nendpoint=192.0.2.66:1"
    elif case == "newline-in-key":
        data["listen-port\nprivate_key=" + "00" * 32] = "1"
    elif case == "newline-in-secret":
        secrets["private-key"] += "\npublic_key=" + "00" * 32
    elif case == "unknown-secret":
        secrets["peer.7.preshared-key"] = secrets["private-key"]
    elif case == "duplicate-peers":
        data["peer.1.public-key"] = data["peer.0.public-key"]
        data["peer.1.allowed-ips"] = "192.0.2.0/24"
    elif case == "own-public-key":
        data["peer.1.public-key"] = read_key("LAB_CLIENT_PUB")
    elif case == "peers-10000":
        many_peers(data, 10000)
    elif case == "peers-10001":
        many_peers(data, 10001)
    else:
        sys.exit("hostile-conn.py: unknown case %r" % case)

    settings = ["'connection': {'id': <'hostile'>, 'uuid': <%s>, 'type': <'vpn'>}" % gv_str(UUID)]
    if vpn:
        settings.append("'vpn': {'service-type': <%s>, 'data': %s, 'secrets': <%s>}" % (
            gv_str(SERVICE), vpn_data or "<" + gv_dict_ss(data) + ">", gv_dict_ss(secrets)))
    return "{" + ", ".join(settings) + "}\n"


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: hostile-conn.py CASE [ENDPOINT]")
    sys.stdout.write(build(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else None))


if __name__ == "__main__":
    main()
