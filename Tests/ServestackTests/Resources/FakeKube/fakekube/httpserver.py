"""HTTPS transport: HTTP/1.1 keep-alive, chunked watch streams, fault injection,
request log. TLS handshakes happen on the per-connection thread."""

import collections
import re
import select
import socket
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import util
from .api import Request, err_resp
from .auth import User
from .util import ApiError


class Faults:
    """Inject failures: next N requests whose path matches a regex."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []
        self.seq = 0

    def add(self, spec):
        action = str(spec.get("action", "503"))
        if action not in ("429", "500", "503", "drop", "delay"):
            raise ValueError("action must be one of 429, 500, 503, drop, delay")
        f = {"id": 0, "path": spec.get("path", ".*"), "method": spec.get("method"), "action": action,
             "count": int(spec.get("count", 1)), "retryAfter": int(spec.get("retryAfter", 1)),
             "delaySeconds": float(spec.get("delaySeconds", 1.0)), "matched": 0,
             "_re": re.compile(spec.get("path", ".*")),
             "_mre": re.compile(spec["method"], re.I) if spec.get("method") else None}
        with self.lock:
            self.seq += 1
            f["id"] = self.seq
            self.items.append(f)
        return f["id"]

    def clear(self):
        with self.lock:
            self.items = []

    def list(self):
        with self.lock:
            return [{k: v for k, v in f.items() if not k.startswith("_")} for f in self.items]

    def take(self, method, path_qs):
        with self.lock:
            for f in self.items:
                if f["count"] <= 0:
                    continue
                if f["_mre"] is not None and not f["_mre"].fullmatch(method):
                    continue
                if not f["_re"].search(path_qs):
                    continue
                f["count"] -= 1
                f["matched"] += 1
                out = dict(f)
                self.items = [x for x in self.items if x["count"] > 0]
                return out
        return None


class RequestLog:
    def __init__(self, size):
        self.lock = threading.Lock()
        self._items = collections.deque(maxlen=size)
        self.seq = 0

    def add(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self._items.append(entry)

    def items(self, since=0):
        with self.lock:
            return [e for e in self._items if e["seq"] > since]

    def clear(self):
        with self.lock:
            self._items.clear()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube-apiserver"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def log_request(self, code="-", size="-"):
        pass

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _handle(self):
        api = self.server.api
        start = time.time()
        method = self.command
        body = self._read_body()
        req = Request(method, self.path, dict(self.headers.items()), body)
        entry = {"time": util.micro_ts(start), "method": method, "path": req.path, "query": req.raw_query,
                 "contentType": req.headers.get("content-type", ""), "userAgent": req.headers.get("user-agent", "")}
        resp = None
        try:
            fault = None
            if not req.path.startswith("/fake/"):
                fault = api.faults.take(method, self.path)
            if fault is not None:
                entry["fault"] = fault["action"]
                a = fault["action"]
                if a == "drop":
                    entry["status"] = 0
                    api.reqlog.add(entry)
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                if a == "delay":
                    time.sleep(fault["delaySeconds"])
                elif a == "429":
                    resp = err_resp(ApiError(429, "TooManyRequests", "Too many requests, please try again later.",
                                             {"retryAfterSeconds": fault["retryAfter"]},
                                             {"Retry-After": str(fault["retryAfter"])}))
                elif a == "503":
                    resp = err_resp(ApiError(503, "ServiceUnavailable",
                                             "the server is currently unable to handle the request",
                                             {"retryAfterSeconds": fault["retryAfter"]} if fault.get("retryAfter") else None,
                                             {"Retry-After": str(fault["retryAfter"])}))
                elif a == "500":
                    resp = err_resp(ApiError(500, "InternalError", "Internal error occurred: injected fault",
                                             {"causes": [{"message": "injected fault"}]}))
            if resp is None:
                resp = self._dispatch(api, req, len(body))
        except (ConnectionError, ssl.SSLError):
            raise
        except Exception as e:  # a bug in the fake must not kill the connection silently
            import traceback
            traceback.print_exc()
            resp = err_resp(ApiError(500, "InternalError", "Internal error occurred: fake apiserver bug: %r" % e))
        entry["status"] = resp.status
        entry["responseContentType"] = resp.ctype
        if req.user is not None:
            entry["user"] = req.user.name
        entry.update(req.log)
        if resp.stream is None:
            entry["durationMs"] = round((time.time() - start) * 1000, 2)
            api.reqlog.add(entry)
            self._send(resp)
        else:
            api.reqlog.add(entry)
            self._stream(resp, req)

    def _dispatch(self, api, req, body_len):
        auth = req.headers.get("authorization", "")
        user = None
        if auth.lower().startswith("bearer "):
            user = api.authn.lookup(auth[7:].strip())
            if user is None:
                return err_resp(ApiError(401, "Unauthorized", "Unauthorized"))
        elif api.cfg("anonymousAuth"):
            user = User("system:anonymous", ["system:unauthenticated"])
        else:
            return err_resp(ApiError(401, "Unauthorized", "Unauthorized"))
        req.user = user
        lim = int(api.cfg("maxRequestBodyBytes") or 0)
        if lim and body_len > lim:
            return err_resp(ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is %d" % lim))
        return api.handle(req)

    def _headers(self, resp):
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Type", resp.ctype)
        self.send_header("X-Kubernetes-Pf-Flowschema-Uid", "fake-flowschema")
        self.send_header("X-Kubernetes-Pf-Prioritylevel-Uid", "fake-prioritylevel")
        for k, v in resp.headers.items():
            self.send_header(k, v)

    def _send(self, resp):
        self.send_response(resp.status)
        self._headers(resp)
        self.send_header("Content-Length", str(len(resp.body)))
        # one write for headers and body (avoids Nagle/delayed-ACK stalls)
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(resp.body)
        self.flush_headers()

    def _stream(self, resp, req):
        sock = self.connection

        def closed():
            try:
                r, _, _ = select.select([sock], [], [], 0)
                if r:
                    if isinstance(sock, ssl.SSLSocket):
                        return True
                    return sock.recv(1, socket.MSG_PEEK) == b""
            except (OSError, ValueError):
                return True
            return False

        req.closed = closed
        self.send_response(resp.status)
        self._headers(resp)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        try:
            for chunk in resp.stream:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (OSError, ssl.SSLError):
            self.close_connection = True
        finally:
            try:
                resp.stream.close()
            except Exception:
                pass
        if closed():
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def handle(self):
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, socket.timeout, OSError):
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, addr, api, ssl_ctx):
        self.api = api
        self.ssl_ctx = ssl_ctx
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if self.ssl_ctx is not None:
            try:
                request.settimeout(30)
                request = self.ssl_ctx.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError):
                try:
                    request.close()
                except OSError:
                    pass
                return
        self.RequestHandlerClass(request, client_address, self)
        try:
            request.close()
        except OSError:
            pass

    def handle_error(self, request, client_address):
        pass
