#!/usr/bin/python3
"""Steady leak probe for the benchmark: about RATE packets per second,
round-robin over TCP (SYN to the web server), UDP, ICMP echo, DNS (to the
tunnel resolver and to whatever /etc/resolv.conf names right now) and
UDP over IPv6. Runs inside the lab client; never waits for answers.

Usage: probe.py SECONDS [RATE]   -> prints "sent=N errors=N" at the end
"""
import errno
import os
import socket
import struct
import sys
import time

WEB4, WEB6, TUN_DNS4 = "203.0.113.80", "2001:db8:ffff::80", "10.66.0.53"


def dns_query(qid):
    q = struct.pack("!HHHHHH", qid & 0xFFFF, 0x0100, 1, 0, 0, 0)
    for label in b"www.lab.example".split(b"."):
        q += bytes([len(label)]) + label
    return q + b"\0" + struct.pack("!HH", 1, 1)


def icmp_echo(seq):
    def csum(b):
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        s = (s >> 16) + (s & 0xFFFF)
        s += s >> 16
        return ~s & 0xFFFF
    hdr = struct.pack("!BBHHH", 8, 0, 0, os.getpid() & 0xFFFF, seq & 0xFFFF) + b"wgks-bench-probe"
    return hdr[:2] + struct.pack("!H", csum(hdr)) + hdr[4:]


def system_resolver():
    try:
        with open("/etc/resolv.conf") as f:
            for line in f:
                p = line.split()
                if len(p) >= 2 and p[0] == "nameserver":
                    return p[1].split("%")[0]
    except OSError:
        pass
    return None


def main():
    seconds = float(sys.argv[1])
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 1000.0
    udp4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    for s in (udp4, udp6, icmp):
        s.setblocking(False)
    sent = errors = 0
    resolver, resolver_t = system_resolver(), time.monotonic()
    start = time.monotonic()
    i = 0
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due = start + i / rate
        if due > now:
            time.sleep(due - now)
        kind = i % 6
        try:
            if kind == 0:
                t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                t.setblocking(False)
                try:
                    t.connect((WEB4, 80))
                except BlockingIOError:
                    pass
                t.close()
            elif kind == 1:
                udp4.sendto(b"wgks-bench-probe", (WEB4, 9))
            elif kind == 2:
                icmp.sendto(icmp_echo(i), (WEB4, 0))
            elif kind == 3:
                udp4.sendto(dns_query(i), (TUN_DNS4, 53))
            elif kind == 4:
                if now - resolver_t > 0.2:
                    resolver, resolver_t = system_resolver(), now
                if resolver:
                    fam = socket.AF_INET6 if ":" in resolver else socket.AF_INET
                    (udp6 if fam == socket.AF_INET6 else udp4).sendto(dns_query(i), (resolver, 53))
            else:
                udp6.sendto(b"wgks-bench-probe", (WEB6, 9))
            sent += 1
        except OSError as e:
            errors += 1
            if e.errno not in (errno.EPERM, errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH,
                               errno.EAGAIN, errno.ENOBUFS, errno.EINVAL, errno.EADDRNOTAVAIL):
                raise
        i += 1
    print("sent=%d errors=%d" % (sent, errors))


if __name__ == "__main__":
    main()
