#!/usr/bin/python3
"""A broken wireguard-go for the hostile-input tests: started by the VPN
service in place of the real one (WGKS_WIREGUARD_GO), called as
"fake-wireguard-go.py -f IFNAME". FAKE_WG_MODE says how it misbehaves:

  exit     exits at once with status 1, before creating anything
  garbage  creates the tun interface and the UAPI socket, then answers
           every request with bytes that are no UAPI reply
  silent   creates both, accepts connections and never answers
"""
import fcntl
import os
import signal
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def make_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def serve(path, answer):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    held = []
    while True:
        conn, _ = srv.accept()
        conn.settimeout(2)
        try:
            conn.recv(65536)
        except OSError:
            pass
        if answer is None:
            held.append(conn)        # never answer, never close
            continue
        try:
            conn.sendall(answer)
        except OSError:
            pass
        conn.close()


def main():
    mode = os.environ.get("FAKE_WG_MODE", "exit")
    if len(sys.argv) != 3 or sys.argv[1] != "-f":
        sys.exit("usage: fake-wireguard-go.py -f IFNAME")
    ifname = sys.argv[2]
    print("fake wireguard-go (%s) for %s, PID %d" % (mode, ifname, os.getpid()), file=sys.stderr, flush=True)
    if mode == "exit":
        sys.exit(1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tun = make_tun(ifname)
    path = "/var/run/wireguard/%s.sock" % ifname
    try:
        if mode == "garbage":
            serve(path, b"\x00\xff\xfehello=\x01\x02\nerrno=banana\nprivate_key=zz\n\n")
        elif mode == "silent":
            serve(path, None)
        else:
            sys.exit("fake-wireguard-go.py: unknown FAKE_WG_MODE %r" % mode)
    finally:
        os.close(tun)


if __name__ == "__main__":
    main()
