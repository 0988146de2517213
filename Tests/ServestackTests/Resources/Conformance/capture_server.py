#!/usr/bin/env python3
"""Records every request it gets (method, path, headers, body) and answers 200; GET /__captured returns them.
Plays a Prometheus Pushgateway for servestack's tests. Listens on 127.0.0.1 only; prints READY <port>."""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CAPTURED = []
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if self.command == "GET" and self.path == "/__captured":
            with LOCK:
                return self.answer(200, CAPTURED)
        with LOCK:
            CAPTURED.append({"method": self.command, "path": self.path, "contentType": self.headers.get("Content-Type"), "body": body})
        self.answer(200, {})

    do_GET = do_PUT = do_POST = do_DELETE = handle_any


def main():
    parent = os.getppid()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
