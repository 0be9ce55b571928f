#!/usr/bin/python3
# Steady leak probe for the lab (python3 stdlib only, needs root for ICMP).
#
# Sends about RATE packets per second, round-robin over TCP connects, UDP
# datagrams, ICMP echo requests and DNS queries to every TARGET, for at most
# DURATION seconds (or until SIGTERM/SIGINT), then writes what happened as
# JSON to --out: per kind, packets sent, replies received (TCP connected, DNS
# answered, echo answered) and send/connect errors by errno name.
#
#   probe.py --duration 30 --rate 1000 --out /tmp/x.json \
#       --target 203.0.113.80 --target 198.51.100.1 [--target 2001:db8:ffff::80]
#
# It never retries or waits for anything: a blocked packet costs an errno,
# a lost one costs nothing, so the rate stays steady whatever the firewall does.
import argparse
import errno
import json
import os
import select
import signal
import socket
import struct
import sys
import time

PENDING_TCP_MAX = 256
TCP_GIVE_UP_S = 1.0

stop = False


def on_signal(signum, frame):
    global stop
    stop = True


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def dns_query(qid):
    # A query for probe.lab.example (NXDOMAIN everywhere), so a resolver's
    # query log shows whether a probe query ever reached it.
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in (b"probe", b"lab", b"example"):
        q += bytes([len(label)]) + label
    return q + b"\0" + struct.pack("!HH", 1, 1)


class Stats:
    def __init__(self):
        self.d = {}

    def kind(self, k):
        return self.d.setdefault(k, {"sent": 0, "replies": 0, "errors": {}})

    def sent(self, k):
        self.kind(k)["sent"] += 1

    def reply(self, k):
        self.kind(k)["replies"] += 1

    def error(self, k, e):
        name = errno.errorcode.get(e, str(e))
        errs = self.kind(k)["errors"]
        errs[name] = errs.get(name, 0) + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--target", action="append", default=[])
    ap.add_argument("--tcp-port", type=int, default=80)
    ap.add_argument("--udp-port", type=int, default=9)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    st = Stats()
    ident = os.getpid() & 0xFFFF

    icmp4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    icmp6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    udp4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for s in (icmp4, icmp6, udp4, udp6):
        s.setblocking(False)
    targets = []
    for t in args.target:
        fam = socket.AF_INET6 if ":" in t else socket.AF_INET
        targets.append((t, fam))

    # one round: every kind to every target
    plan = []
    for t, fam in targets:
        for kind in ("tcp", "udp", "icmp", "dns"):
            plan.append((kind, t, fam))
    if not plan:
        print("probe.py: no --target", file=sys.stderr)
        return 2
    interval = 1.0 / args.rate
    pending = {}  # fd -> (socket, stats key, deadline)
    dns_ids = {}
    seq = 0
    start = time.monotonic()
    next_send = start
    i = 0

    def drain(timeout):
        r_list = [icmp4, icmp6, udp4, udp6]
        w_list = [p[0] for p in pending.values()]
        try:
            r, w, _ = select.select(r_list, w_list, [], max(0.0, timeout))
        except InterruptedError:
            return
        for s in r:
            while True:
                try:
                    data, addr = s.recvfrom(2048)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    # ICMP errors surface on UDP sockets as errno: not replies
                    break
                src = addr[0]
                if s is icmp4:
                    hl = (data[0] & 0x0F) * 4
                    if len(data) >= hl + 8 and data[hl] == 0:
                        rid = struct.unpack("!H", data[hl + 4:hl + 6])[0]
                        if rid == ident:
                            st.reply("icmp " + src)
                elif s is icmp6:
                    if len(data) >= 8 and data[0] == 129:
                        rid = struct.unpack("!H", data[4:6])[0]
                        if rid == ident:
                            st.reply("icmp " + src)
                else:
                    if len(data) >= 2:
                        qid = struct.unpack("!H", data[:2])[0]
                        if qid in dns_ids:
                            st.reply("dns " + dns_ids.pop(qid))
        now = time.monotonic()
        for s in w:
            fd = s.fileno()
            sock, key, _ = pending.pop(fd)
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == 0:
                st.reply(key)
            else:
                st.error(key, err)
            sock.close()
        for fd in [fd for fd, p in pending.items() if p[2] < now]:
            sock, key, _ = pending.pop(fd)
            st.error(key, errno.ETIMEDOUT)
            sock.close()

    while not stop:
        now = time.monotonic()
        if now - start >= args.duration:
            break
        if now < next_send:
            drain(next_send - now)
            continue
        next_send += interval
        if next_send < now - 1.0:  # never burst to catch up more than 1 s
            next_send = now
        kind, t, fam = plan[i % len(plan)]
        i += 1
        key = kind + " " + t
        try:
            if kind == "tcp":
                if len(pending) >= PENDING_TCP_MAX:
                    continue
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.setblocking(False)
                rc = s.connect_ex((t, args.tcp_port))
                st.sent(key)
                if rc in (0,):
                    st.reply(key)
                    s.close()
                elif rc == errno.EINPROGRESS:
                    pending[s.fileno()] = (s, key, time.monotonic() + TCP_GIVE_UP_S)
                else:
                    st.error(key, rc)
                    s.close()
            elif kind == "udp":
                st.sent(key)
                (udp6 if fam == socket.AF_INET6 else udp4).sendto(b"wgks-probe", (t, args.udp_port))
            elif kind == "icmp":
                seq = (seq + 1) & 0xFFFF
                st.sent(key)
                if fam == socket.AF_INET6:
                    # the kernel fills in the ICMPv6 checksum
                    icmp6.sendto(struct.pack("!BBHHH", 128, 0, 0, ident, seq) + b"wgks", (t, 0))
                else:
                    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"wgks"
                    c = checksum(hdr)
                    icmp4.sendto(struct.pack("!BBHHH", 8, 0, c, ident, seq) + b"wgks", (t, 0))
            else:
                seq = (seq + 1) & 0xFFFF
                dns_ids[seq] = t
                st.sent(key)
                (udp6 if fam == socket.AF_INET6 else udp4).sendto(dns_query(seq), (t, 53))
        except OSError as e:
            st.error(key, e.errno or 0)
    drain(0)
    for sock, key, _ in pending.values():
        sock.close()
    elapsed = time.monotonic() - start
    total = sum(v["sent"] for v in st.d.values())
    out = {"elapsed": round(elapsed, 3), "sent": total,
           "rate": round(total / elapsed, 1) if elapsed > 0 else 0, "kinds": st.d}
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    os.rename(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
