#!/usr/bin/python3
"""Request latency through the tunnel: N times connect + GET /bytes/1 +
full response on a fresh TCP connection; prints each latency in ms.

Usage: latency.py HOST N
"""
import socket
import sys
import time


def main():
    host, n = sys.argv[1], int(sys.argv[2])
    for _ in range(n):
        t = time.perf_counter()
        s = socket.create_connection((host, 80), timeout=2)
        s.sendall(b"GET /bytes/1 HTTP/1.0\r\nHost: bench\r\n\r\n")
        while s.recv(4096):
            pass
        s.close()
        print("%.3f" % ((time.perf_counter() - t) * 1000))


if __name__ == "__main__":
    main()
