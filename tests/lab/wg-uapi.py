#!/usr/bin/python3
"""Minimal client for the WireGuard cross-platform UAPI (wireguard-go's
/run/wireguard/IFACE.sock), so the lab needs no wireguard-tools.

Usage:
  wg-uapi.py TARGET set KEY=VALUE...   send one set=1 request, exit 0 on errno=0
  wg-uapi.py TARGET get                print the state, keys as base64
  wg-uapi.py TARGET get-raw            print the state exactly as received
  wg-uapi.py TARGET handshake PUBKEY   print last_handshake_time_sec of a peer
  wg-uapi.py TARGET peer PUBKEY FIELD  print one field of a peer (e.g. rx_bytes)

TARGET is a socket path or an interface name (-> /run/wireguard/NAME.sock,
as seen from the caller's mount namespace).

Keys (private_key, public_key, preshared_key) may be given as base64,
as 64 hex digits, or as @FILE holding the base64 key; they are sent as
lowercase hex as the protocol wants. KEY=VALUE pairs are sent in the order
given: a public_key line starts a new peer section.
"""
import base64
import binascii
import os
import socket
import sys

KEY_FIELDS = ("private_key", "public_key", "preshared_key")


def sock_path(target):
    if "/" in target:
        return target
    return os.path.join("/run/wireguard", target + ".sock")


def key_to_hex(value):
    if value.startswith("@"):
        with open(value[1:]) as f:
            value = f.read().strip()
    if len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value):
        return value.lower()
    raw = base64.b64decode(value, validate=True)
    if len(raw) != 32:
        raise ValueError("key must be 32 bytes, got %d" % len(raw))
    return binascii.hexlify(raw).decode()


def hex_to_b64(value):
    return base64.b64encode(binascii.unhexlify(value)).decode()


def request(target, text):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sock_path(target))
    s.sendall(text.encode())
    buf = b""
    while not buf.endswith(b"\n\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf.decode()


def parse(reply):
    """Return (errno, interface_fields, [peer_fields...]) from a get reply."""
    iface, peers, errno = [], [], None
    cur = iface
    for line in reply.splitlines():
        if not line:
            continue
        k, _, v = line.partition("=")
        if k == "errno":
            errno = int(v)
        elif k == "public_key":
            cur = [(k, v)]
            peers.append(cur)
        else:
            cur.append((k, v))
    return errno, iface, peers


def cmd_set(target, pairs):
    lines = ["set=1"]
    for p in pairs:
        k, sep, v = p.partition("=")
        if not sep:
            sys.exit("wg-uapi: expected KEY=VALUE, got %r" % p)
        if k in KEY_FIELDS:
            v = key_to_hex(v)
        lines.append("%s=%s" % (k, v))
    reply = request(target, "\n".join(lines) + "\n\n")
    errno, _, _ = parse(reply)
    if errno != 0:
        sys.exit("wg-uapi: set failed: %s" % reply.strip())


def get(target):
    reply = request(target, "get=1\n\n")
    errno, iface, peers = parse(reply)
    if errno != 0:
        sys.exit("wg-uapi: get failed: %s" % reply.strip())
    return reply, iface, peers


def find_peer(peers, pubkey):
    want = key_to_hex(pubkey)
    for p in peers:
        if p[0][1] == want:
            return dict(p)
    sys.exit("wg-uapi: no such peer %s" % pubkey)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    target, cmd, args = argv[1], argv[2], argv[3:]
    if cmd == "set":
        cmd_set(target, args)
    elif cmd == "get-raw":
        sys.stdout.write(get(target)[0])
    elif cmd == "get":
        _, iface, peers = get(target)
        for group in [iface] + peers:
            for k, v in group:
                if k in KEY_FIELDS:
                    v = hex_to_b64(v) if k != "private_key" else "(hidden)"
                print("%s=%s" % (k, v))
    elif cmd == "handshake" and len(args) == 1:
        print(find_peer(get(target)[2], args[0]).get("last_handshake_time_sec", "0"))
    elif cmd == "peer" and len(args) == 2:
        print(find_peer(get(target)[2], args[0]).get(args[1], ""))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
