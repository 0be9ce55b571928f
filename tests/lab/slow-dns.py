#!/usr/bin/python3
"""A tiny DNS responder that answers slowly: A and AAAA records given on
the command line, each answer sent --delay seconds after the query, so a
test can act while a name is being resolved. Other names get REFUSED.
Logs "QNAME QTYPE" per query to --log. UDP only; stdlib only.

slow-dns.py --listen 192.0.2.53 --delay 2 --log F --record NAME=ADDR ...
"""
import argparse
import ipaddress
import socket
import struct
import threading
import time


def parse_question(msg):
    labels, i = [], 12
    while msg[i]:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    qtype, qclass = struct.unpack("!HH", msg[i + 1:i + 5])
    return ".".join(labels), qtype, msg[12:i + 5]


def answer(msg, records):
    name, qtype, question = parse_question(msg)
    qid, flags = struct.unpack("!HH", msg[:4])
    answers = []
    for addr in records.get(name, []):
        ip = ipaddress.ip_address(addr)
        rtype = 1 if ip.version == 4 else 28
        if rtype == qtype:
            answers.append(struct.pack("!HHHIH", 0xC00C, rtype, 1, 5, len(ip.packed)) + ip.packed)
    rcode = 0 if name in records else 5
    head = struct.pack("!HHHHHH", qid, 0x8000 | (flags & 0x0100) | 0x0400 | rcode, 1, len(answers), 0, 0)
    return name, qtype, head + question + b"".join(answers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--delay", type=float, default=2.0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--record", action="append", default=[])
    a = ap.parse_args()
    records = {}
    for r in a.record:
        name, addr = r.split("=", 1)
        records.setdefault(name.lower(), []).append(addr)
    fam = socket.AF_INET6 if ":" in a.listen else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_DGRAM)
    sock.bind((a.listen, 53))
    log = open(a.log, "a", buffering=1)

    def reply(data, peer):
        time.sleep(a.delay)
        sock.sendto(data, peer)

    while True:
        msg, peer = sock.recvfrom(4096)
        try:
            name, qtype, data = answer(msg, records)
        except (IndexError, struct.error, UnicodeError):
            continue
        log.write("%.3f %s %d from %s\n" % (time.time(), name, qtype, peer[0]))
        threading.Thread(target=reply, args=(data, peer), daemon=True).start()


if __name__ == "__main__":
    main()
