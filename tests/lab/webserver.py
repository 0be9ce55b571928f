#!/usr/bin/python3
"""Lab "internet" web server: answers every GET with the client's source
address as the body (no newline), so a test sees whether a request came
through the tunnel (10.66.0.x / fd00:66::x) or from an ISP address.

Usage: webserver.py PORT ADDRESS...   (one listening socket per address)
GET /            -> source address
GET /bytes/N     -> N bytes of 'x' (for transfer tests), N <= 100 MB
"""
import http.server
import ipaddress
import socket
import socketserver
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/bytes/"):
            try:
                n = min(int(self.path[len("/bytes/"):]), 100 * 1024 * 1024)
            except ValueError:
                n = 0
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"x" * 65536
            while n > 0:
                self.wfile.write(chunk[:n])
                n -= len(chunk)
            return
        body = self.client_address[0].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Server6(Server):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        super().server_bind()


def main():
    port = int(sys.argv[1])
    servers = []
    for addr in sys.argv[2:]:
        cls = Server6 if ipaddress.ip_address(addr).version == 6 else Server
        servers.append(cls((addr, port), Handler))
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    sys.stderr.write("webserver listening on port %d: %s\n" % (port, " ".join(sys.argv[2:])))
    sys.stderr.flush()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
