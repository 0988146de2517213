#!/usr/bin/env python3
"""Loopback HTTP(S) server for the HTTP client's tests (Python 3 stdlib only).

Usage: test_server.py --port-file F [--cert C --key K [--client-ca CA]] [--proxy]
Binds 127.0.0.1 on a free port and writes the port number to F once it listens.

Endpoints (query parameters in brackets):
  /echo                      any method: JSON {method, path, headers, body_length, body_sha256, body}
  /status/<code>             that status with a small JSON body
  /flaky[key,fail,status,retry_after]  the first `fail` requests per key get `status` (+Retry-After), then 200
  /counter[key]              JSON {count, stream, gaps} for key: requests seen (flaky, drop), stream state,
                             seconds between consecutive /flaky requests (measured here, not by the client)
  /slow[delay]               sleeps, then 200
  /drop[key,times]           closes the connection without a response the first `times` requests per key
  /bytes[size,seed]          `size` deterministic bytes; X-Body-SHA256 header; Content-Length
  /upload                    reads the body (Content-Length), replies JSON {length, sha256}
  /redirect[to,code]         redirect to `to`
  /auth/basic[user,pass]     200 when Basic credentials match, else 401
  /auth/bearer[token]        200 when the Bearer token matches, else 401
  /stream[key,chunks,delay,hold]  chunked body: one chunk, sleep `delay`, next…; records per key whether the
                             client left. With hold=S the server sends chunk-0 and then waits up to S seconds
                             for /release of the key or for the client to disconnect, before the rest.
                             States: started, holding, aborted (client left), completed (after /release or
                             without hold), completed-unreleased (hold timed out: nobody released, nobody left)
  /release[key]              ends the hold of /stream for key
  /client-cert               JSON {subject} of the client certificate (HTTPS mode)
With --proxy it is a forward proxy stand-in: every request with an absolute URI is answered by the proxy
itself with JSON {proxied: <absolute URI>, method}.
"""
import argparse
import hashlib
import json
import os
import select
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

COUNTERS = {}
ARRIVALS = {}
STREAM_STATE = {}
RELEASES = {}
LOCK = threading.Lock()
PROXY_MODE = False


def bump(key):
    with LOCK:
        COUNTERS[key] = COUNTERS.get(key, 0) + 1
        return COUNTERS[key]


def release_event(key):
    with LOCK:
        return RELEASES.setdefault(key, threading.Event())


def set_state(key, state):
    with LOCK:
        STREAM_STATE[key] = state


def peer_closed(sock):
    """Whether the client has closed its end (EOF or reset) — without consuming any data it sent."""
    try:
        data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False
    except ValueError:
        # An SSLSocket refuses recv flags: over TLS only /release or the time limit end the hold.
        return False
    except OSError:
        return True
    return data == b""


def hold(key, sock, seconds):
    """Waits for /release of `key` or for the client to leave, at most `seconds`; returns what happened."""
    event = release_event(key)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if event.is_set():
            return "released"
        readable, _, _ = select.select([sock], [], [], 0.05)
        if readable:
            if peer_closed(sock):
                return "left"
            time.sleep(0.05)  # the client sent bytes (not ours to read): look again a little later
    return "timeout"


def pattern_block(seed):
    return bytes(((i * 7 + seed) % 256) for i in range(65536))


def body_chunks(size, seed):
    block = pattern_block(seed)
    remaining = size
    while remaining > 0:
        piece = block if remaining >= len(block) else block[:remaining]
        remaining -= len(piece)
        yield piece


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "servestack-test/1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()

    # --- helpers ---
    def query(self):
        parts = urlsplit(self.path)
        return parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        digest = hashlib.sha256()
        data = bytearray()
        remaining = length
        while remaining > 0:
            piece = self.rfile.read(min(remaining, 1 << 20))
            if not piece:
                break
            digest.update(piece)
            if len(data) < 65536:
                data.extend(piece[: 65536 - len(data)])
            remaining -= len(piece)
        return length - remaining, digest.hexdigest(), bytes(data)

    def reply(self, status, payload, headers=None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or []):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # --- dispatch ---
    def handle_any(self):
        if PROXY_MODE:
            length, sha, _ = self.read_body()
            return self.reply(200, {"proxied": self.path, "method": self.command})
        path, q = self.query()
        if path == "/echo":
            length, sha, data = self.read_body()
            try:
                text = data.decode()
            except UnicodeDecodeError:
                text = None
            return self.reply(200, {
                "method": self.command, "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body_length": length, "body_sha256": sha, "body": text,
            }, [("X-Echo-Method", self.command), ("X-Multi", "one"), ("X-Multi", "two")])
        if path == "/upload":
            length, sha, _ = self.read_body()
            return self.reply(200, {"length": length, "sha256": sha})
        body_length, body_sha, _ = self.read_body()
        if path.startswith("/status/"):
            return self.reply(int(path.rsplit("/", 1)[1]), {"status": int(path.rsplit("/", 1)[1])})
        if path == "/flaky":
            key = q.get("key", "default")
            count = bump(key)
            with LOCK:
                ARRIVALS.setdefault(key, []).append(time.monotonic())
            if count <= int(q.get("fail", "1")):
                headers = [("Retry-After", q["retry_after"])] if "retry_after" in q else []
                return self.reply(int(q.get("status", "503")), {"attempt": count}, headers)
            return self.reply(200, {"attempt": count, "body_length": body_length, "body_sha256": body_sha})
        if path == "/counter":
            key = q.get("key", "")
            with LOCK:
                times = ARRIVALS.get(key, [])
                gaps = [later - earlier for earlier, later in zip(times, times[1:])]
                return self.reply(200, {"count": COUNTERS.get(key, 0), "stream": STREAM_STATE.get(key, ""),
                                        "gaps": gaps})
        if path == "/release":
            release_event(q.get("key", "stream")).set()
            return self.reply(200, {"released": q.get("key", "stream")})
        if path == "/slow":
            time.sleep(float(q.get("delay", "1")))
            return self.reply(200, {"slept": float(q.get("delay", "1"))})
        if path == "/drop":
            count = bump(q.get("key", "drop"))
            if count <= int(q.get("times", "1")):
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            return self.reply(200, {"attempt": count})
        if path == "/bytes":
            size = int(q.get("size", "1024"))
            seed = int(q.get("seed", "0"))
            digest = hashlib.sha256()
            for piece in body_chunks(size, seed):
                digest.update(piece)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.send_header("X-Body-SHA256", digest.hexdigest())
            self.end_headers()
            if self.command != "HEAD":
                for piece in body_chunks(size, seed):
                    self.wfile.write(piece)
            return
        if path == "/zeros":
            # A large body served as fast as the socket takes it (streaming memory tests).
            size = int(q.get("size", "1024"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block = bytes(1 << 20)
            remaining = size
            while remaining > 0:
                piece = block if remaining >= len(block) else block[:remaining]
                self.wfile.write(piece)
                remaining -= len(piece)
            return
        if path == "/redirect":
            self.send_response(int(q.get("code", "302")))
            self.send_header("Location", q.get("to", "/echo"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/auth/basic":
            import base64
            expected = "Basic " + base64.b64encode(f"{q.get('user')}:{q.get('pass')}".encode()).decode()
            ok = self.headers.get("Authorization") == expected
            return self.reply(200 if ok else 401, {"ok": ok}, [] if ok else [("WWW-Authenticate", 'Basic realm="t"')])
        if path == "/auth/bearer":
            ok = self.headers.get("Authorization") == "Bearer " + q.get("token", "")
            return self.reply(200 if ok else 401, {"ok": ok}, [] if ok else [("WWW-Authenticate", 'Bearer realm="t"')])
        if path == "/stream":
            key = q.get("key", "stream")
            chunks = int(q.get("chunks", "3"))
            delay = float(q.get("delay", "0"))
            hold_seconds = float(q.get("hold", "0"))
            set_state(key, "started")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            outcome = "completed"
            try:
                for i in range(chunks):
                    if i == 0 and hold_seconds > 0:
                        # Before chunk-0 leaves, so that a client holding chunk-0 can never see "started".
                        set_state(key, "holding")
                    data = f"chunk-{i}\n".encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                    if i == 0 and hold_seconds > 0:
                        held = hold(key, self.connection, hold_seconds)
                        if held == "left":
                            raise ConnectionResetError("the client left during the hold")
                        if held == "timeout":
                            outcome = "completed-unreleased"
                    elif i + 1 < chunks and delay > 0:
                        time.sleep(delay)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                set_state(key, outcome)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                set_state(key, "aborted")
                self.close_connection = True
            return
        if path == "/client-cert":
            cert = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
            subject = dict(x[0] for x in cert["subject"]) if cert else {}
            return self.reply(200, {"subject": subject})
        return self.reply(404, {"error": "no such endpoint", "path": path})

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    tls_context = None

    def get_request(self):
        sock, address = super().get_request()
        if self.tls_context is not None:
            # The handshake happens in the handler's thread (first read), not in the accept loop.
            sock = self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        pass


def main():
    global PROXY_MODE
    # The test runner's threads block most signals and children inherit the mask: unblock SIGTERM so
    # that the test's stop() ends the server at once instead of after its SIGKILL grace period.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--client-ca")
    parser.add_argument("--proxy", action="store_true")
    args = parser.parse_args()
    PROXY_MODE = args.proxy
    server = Server(("127.0.0.1", 0), Handler)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        context.set_alpn_protocols(["http/1.1"])
        if args.client_ca:
            context.load_verify_locations(args.client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
        server.tls_context = context
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
