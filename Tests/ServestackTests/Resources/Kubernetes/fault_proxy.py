#!/usr/bin/env python3
"""A misbehaving TLS reverse proxy in front of a Kubernetes apiserver, for resilience tests (stdlib only).

    python3 fault_proxy.py --cert CRT --key KEY --upstream https://127.0.0.1:6443 --upstream-ca CA
                           [--seed N] [--drop R] [--drop-after R] [--delay R] [--r429 R] [--r503 R]
                           [--free N] [--methods PATCH,GET]

It terminates TLS itself (so it can answer on its own) and forwards each request to the upstream over TLS.
For every request, with the given probabilities (deterministic for a seed) it:
  drop        closes the connection without forwarding
  drop-after  forwards, gets the upstream answer, then closes the connection without answering
  delay       waits 0.3-0.8 s before forwarding
  r429/r503   answers 429 / 503 itself with `Retry-After: 1` and a Kubernetes Status body
The first --free requests and /__proxy/ requests are never faulted; --methods limits faults to methods.
Control: GET /__proxy/stats (counts), POST /__proxy/drop-all (closes every open client connection, e.g.
watches), POST /__proxy/config (JSON with the same rate names). Prints "READY <port>". Listens on
127.0.0.1 only and forwards only to the --upstream given (which the tests point at 127.0.0.1).
"""
import argparse
import http.client
import http.server
import json
import random
import socket
import ssl
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True

HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
       "expect"}


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.rates = {"drop": args.drop, "drop-after": args.drop_after, "delay": args.delay, "429": args.r429,
                      "503": args.r503}
        self.methods = set(m.strip().upper() for m in args.methods.split(",") if m.strip()) if args.methods else None
        self.random = random.Random(args.seed)
        self.free = args.free
        self.seen = 0
        self.stats = {"requests": 0, "forwarded": 0, "drop": 0, "drop-after": 0, "delay": 0, "429": 0, "503": 0}
        self.connections = set()

    def choose(self, method):
        with self.lock:
            self.seen += 1
            self.stats["requests"] += 1
            if self.seen <= self.free or (self.methods is not None and method not in self.methods):
                return None
            roll = self.random.random()
            for action in ("drop", "drop-after", "delay", "429", "503"):
                rate = self.rates.get(action, 0.0)
                if roll < rate:
                    self.stats[action] += 1
                    return action
                roll -= rate
            return None


def status_body(code, reason, message):
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason, "details": {"retryAfterSeconds": 1},
                       "code": code}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # no request logging (headers may carry tokens)
        pass

    def setup(self):
        super().setup()
        with self.server.state.lock:
            self.server.state.connections.add(self.connection)
        self.upstream = None

    def finish(self):
        with self.server.state.lock:
            self.server.state.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            return self.rfile.read(length)
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return b""

    def send_simple(self, code, body, headers=None):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def control(self, body):
        state = self.server.state
        path = urllib.parse.urlsplit(self.path).path
        if path == "/__proxy/stats":
            with state.lock:
                return self.send_simple(200, json.dumps(state.stats).encode())
        if path == "/__proxy/drop-all":
            with state.lock:
                conns = [c for c in state.connections if c is not self.connection]
            for c in conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return self.send_simple(200, json.dumps({"dropped": len(conns)}).encode())
        if path == "/__proxy/config":
            update = json.loads(body or b"{}")
            with state.lock:
                for k, v in update.items():
                    if k in state.rates:
                        state.rates[k] = float(v)
                    elif k == "free":
                        state.free = state.seen + int(v)
            return self.send_simple(200, json.dumps(state.rates).encode())
        self.send_simple(404, b"{}")

    def handle_any(self):
        body = self.read_body()
        if self.path.startswith("/__proxy/"):
            return self.control(body)
        action = self.server.state.choose(self.command)
        if action == "drop":
            return self.drop()
        if action == "delay":
            time.sleep(0.3 + 0.5 * random.random())
        if action == "429":
            return self.send_simple(429, status_body(429, "TooManyRequests", "Too many requests, please try again later."),
                                    {"Retry-After": "1"})
        if action == "503":
            return self.send_simple(503, status_body(503, "ServiceUnavailable",
                                                     "the server is currently unable to handle the request"),
                                    {"Retry-After": "1"})
        self.forward(body, drop_after=(action == "drop-after"))

    def forward(self, body, drop_after):
        server = self.server
        if self.upstream is None:
            self.upstream = http.client.HTTPSConnection(server.upstream_host, server.upstream_port,
                                                        context=server.upstream_ctx, timeout=900)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        headers["Host"] = "%s:%d" % (server.upstream_host, server.upstream_port)
        try:
            self.upstream.request(self.command, self.path, body=body if body or self.command in ("POST", "PUT", "PATCH")
                                  else None, headers=headers)
            resp = self.upstream.getresponse()
        except (OSError, http.client.HTTPException):
            self.upstream = None
            return self.drop()
        with server.state.lock:
            server.state.stats["forwarded"] += 1
        streaming = "watch=" in (urllib.parse.urlsplit(self.path).query or "") and resp.status == 200
        if drop_after and not streaming:
            resp.read()
            return self.drop()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        if not streaming:
            data = resp.read()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            while True:
                chunk = resp.read1(65536)
                if not chunk:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True
        finally:
            self.upstream.close()
            self.upstream = None


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, ctx, args):
        super().__init__(addr, Handler)
        self.ctx = ctx
        self.state = State(args)
        up = urllib.parse.urlsplit(args.upstream)
        self.upstream_host, self.upstream_port = up.hostname, up.port or 443
        self.upstream_ctx = ssl.create_default_context(cafile=args.upstream_ca)
        self.upstream_ctx.check_hostname = False

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--upstream-ca", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drop", type=float, default=0.0)
    ap.add_argument("--drop-after", type=float, default=0.0)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--r429", type=float, default=0.0)
    ap.add_argument("--r503", type=float, default=0.0)
    ap.add_argument("--free", type=int, default=0)
    ap.add_argument("--methods", default="")
    args = ap.parse_args()
    host = urllib.parse.urlsplit(args.upstream).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("refusing to forward to a non-loopback upstream: %s" % host)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])
    srv = Server(("127.0.0.1", args.port), ctx, args)
    print("READY %d" % srv.server_address[1], flush=True)
    srv.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
