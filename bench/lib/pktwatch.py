#!/usr/bin/python3
"""Prints one line per packet seen on an interface, with its epoch time, for
the roaming trace (bench/trace-roaming.sh): "t kind detail". Kinds: arp,
dhcp, wg-init, wg-resp, wg-cookie, wg-data (by WireGuard's message type,
UDP to/from PORT, both families), udp, tcp, icmp, icmp6-rs/ra/ns/na/mld,
udp6, ip6. Stops after SECONDS.

Usage: pktwatch.py IFACE SECONDS WG_PORT
"""
import socket
import struct
import sys
import time

WG = {1: "wg-init", 2: "wg-resp", 3: "wg-cookie", 4: "wg-data"}


def describe(frame, wg_port):
    eth_type = struct.unpack("!H", frame[12:14])[0]
    if eth_type == 0x0806:
        op = struct.unpack("!H", frame[20:22])[0]
        return "arp", "%s who-has %s" % ("request" if op == 1 else "reply", socket.inet_ntoa(frame[38:42]))
    if eth_type == 0x86DD:
        return describe6(frame[14:], wg_port)
    if eth_type != 0x0800:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    proto = ip[9]
    src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    l4 = ip[ihl:]
    if proto == 17:
        sport, dport = struct.unpack("!HH", l4[:4])
        if 67 in (sport, dport):
            return "dhcp", "%s > %s type %d" % (src, dst, dhcp_type(l4[8:]))
        if wg_port in (sport, dport) and len(l4) > 8:
            return WG.get(l4[8], "udp"), "%s:%d > %s:%d len %d" % (src, sport, dst, dport, len(l4) - 8)
        return "udp", "%s:%d > %s:%d" % (src, sport, dst, dport)
    if proto == 6:
        return "tcp", "%s > %s" % (src, dst)
    if proto == 1:
        return "icmp", "%s > %s type %d" % (src, dst, l4[0])
    return "ip", "%s > %s proto %d" % (src, dst, proto)


ICMP6 = {133: "rs", 134: "ra", 135: "ns", 136: "na", 143: "mld"}


def describe6(ip, wg_port):
    nh, l4 = ip[6], ip[40:]
    src, dst = socket.inet_ntop(socket.AF_INET6, ip[8:24]), socket.inet_ntop(socket.AF_INET6, ip[24:40])
    if nh == 0 and len(l4) > 8:  # hop-by-hop options (MLD)
        nh, l4 = l4[0], l4[(l4[1] + 1) * 8:]
    if nh == 58:
        t = l4[0]
        detail = "%s > %s" % (src, dst)
        if t in (135, 136):
            detail += " target %s" % socket.inet_ntop(socket.AF_INET6, l4[8:24])
        return "icmp6-" + ICMP6.get(t, str(t)), detail
    if nh == 17:
        sport, dport = struct.unpack("!HH", l4[:4])
        if wg_port in (sport, dport) and len(l4) > 8:
            return WG.get(l4[8], "udp6"), "[%s]:%d > [%s]:%d len %d" % (src, sport, dst, dport, len(l4) - 8)
        return "udp6", "[%s]:%d > [%s]:%d" % (src, sport, dst, dport)
    return "ip6", "%s > %s nh %d" % (src, dst, nh)


def dhcp_type(bootp):
    opts = bootp[240:]
    i = 0
    while i + 1 < len(opts) and opts[i] != 255:
        if opts[i] == 0:
            i += 1
            continue
        if opts[i] == 53:
            return opts[i + 2]
        i += 2 + opts[i + 1]
    return 0


def main():
    iface, secs, wg_port = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    s.settimeout(0.2)
    end = time.time() + secs
    print("ready", flush=True)
    while time.time() < end:
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        d = describe(frame, wg_port)
        if d:
            print("%.6f %s %s %s" % (time.time(), "out" if addr[2] == socket.PACKET_OUTGOING else "in", d[0], d[1]),
                  flush=True)


if __name__ == "__main__":
    main()
