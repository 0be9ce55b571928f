#!/usr/bin/python3
"""Waits for the first HTTP response through the tunnel and prints the
milliseconds since T0 (an epoch time taken by the caller), or "timeout".

A new non-blocking attempt (connect + GET / + read) starts every INTERVAL
seconds without waiting for the ones in flight, each abandoned after
PATIENCE seconds (default 1), so a SYN dropped during a transition costs
nothing but that attempt: the resolution is INTERVAL. Under emulation (the
VM lab) a reply can take longer than 1 s and 100 attempts a second swamp the
guest: there --interval 0.1 --patience 5. Done when a body equals EXPECT (the web server
answers with the request's source address, i.e. the tunnel address).
With --iface DEV it also prints when DEV first had an IPv4 address (the DHCP
exchange of a roaming test) and an IPv6 default route (router discovery:
the lab's endpoint name resolves to IPv6 first, so the tunnel waits for
it), checked every INTERVAL as well.

Usage: httpwait.py T0 HOST EXPECT TIMEOUT [--iface DEV] [--interval S] [--patience S]
"""
import errno
import fcntl
import selectors
import socket
import struct
import sys
import time


def has_ipv4(dev):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", dev.encode()[:15]))  # SIOCGIFADDR
        return True
    except OSError:
        return False
    finally:
        s.close()


def has_default6(dev):
    try:
        with open("/proc/net/ipv6_route") as f:
            for line in f:
                v = line.split()
                if v[1] == "00" and int(v[0], 16) == 0 and v[9] == dev and int(v[4], 16) != 0:
                    return True
    except OSError:
        pass
    return False


def main():
    t0, host, expect, timeout = float(sys.argv[1]), sys.argv[2], sys.argv[3].encode(), float(sys.argv[4])
    args = sys.argv[5:]
    iface = args[args.index("--iface") + 1] if "--iface" in args else None
    interval = float(args[args.index("--interval") + 1]) if "--interval" in args else 0.01
    patience = float(args[args.index("--patience") + 1]) if "--patience" in args else 1.0
    sel = selectors.DefaultSelector()
    iface_ms = route6_ms = None
    end = time.time() + timeout
    next_start = 0.0
    inflight = {}  # sock -> [deadline, state, buffer]
    count = {"started": 0, "other_body": 0, "failed": 0, "expired": 0}  # for the timeout line
    while time.time() < end:
        now = time.time()
        if iface and iface_ms is None and has_ipv4(iface):
            iface_ms = (now - t0) * 1000
        if iface and route6_ms is None and has_default6(iface):
            route6_ms = (now - t0) * 1000
        if now >= next_start and len(inflight) < 200:
            next_start = now + interval
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex((host, 80))
            if rc in (0, errno.EINPROGRESS):
                inflight[s] = [now + patience, "connect", b""]
                count["started"] += 1
                sel.register(s, selectors.EVENT_WRITE)
            else:
                s.close()
        for key, _ in sel.select(timeout=interval / 2):
            s = key.fileobj
            st = inflight[s]
            try:
                if st[1] == "connect":
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                        raise OSError("connect failed")
                    s.send(b"GET / HTTP/1.0\r\nHost: bench\r\n\r\n")
                    st[1] = "read"
                    sel.modify(s, selectors.EVENT_READ)
                    continue
                chunk = s.recv(4096)
                if chunk:
                    st[2] += chunk
                    continue
                if st[2].split(b"\r\n\r\n", 1)[-1] == expect:
                    ms = (time.time() - t0) * 1000
                    out = "http_ms=%.1f" % ms
                    if iface:
                        out += " iface_ms=%s" % ("%.1f" % iface_ms if iface_ms is not None else "NA")
                        out += " route6_ms=%s" % ("%.1f" % route6_ms if route6_ms is not None else "NA")
                    print(out)
                    return 0
                count["other_body"] += 1
                raise OSError("other body")
            except OSError as e:
                if str(e) != "other body":
                    count["failed"] += 1
                sel.unregister(s)
                s.close()
                del inflight[s]
        now = time.time()
        for s in [s for s, st in inflight.items() if st[0] < now]:
            count["expired"] += 1
            sel.unregister(s)
            s.close()
            del inflight[s]
    print("timeout " + " ".join("%s=%d" % kv for kv in count.items()))
    return 1


if __name__ == "__main__":
    sys.exit(main())
