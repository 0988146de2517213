#!/usr/bin/env python3
"""Inference endpoint for servestack's conformance tests: a REAL KServe model server behind a Host-routing proxy.

* Trains KServe's sklearn iris sample model (``svm.SVC(gamma='scale')`` on the iris data set, saved as
  ``model.joblib``, exactly as kserve/kserve docs/samples/v1beta1/sklearn/v1/README.md does) unless the model
  directory already holds one.
* Trains a second model the same way with the classes relabelled (class c becomes (c + 1) % 3), saved as
  ``model-v2.joblib``: the canary test's v2, whose answers say that v2 served them (KServe's sample request
  gets [1, 1] from v1 and [2, 2] from v2). Every name in ``--model-names`` is served with v1, and
  ``<name>-v2`` with v2.
* Serves it with the PyPI ``kserve`` ModelServer (REST only, v1 and v2 endpoints) under every name given in
  ``--model-names``. kserve 0.21 has no ``sklearnserver`` module, so a small ``kserve.Model`` subclass loads the
  joblib file the way KServe's sklearnserver does (``get_predict_input`` / ``get_predict_response``). KServe
  hard-codes ``host="0.0.0.0"``; uvicorn's Config is wrapped so the server binds 127.0.0.1 only.
* A reverse proxy on 127.0.0.1 plays the ingress gateway: it routes a request by its ``Host`` header to the
  model server when that host was registered (``POST /__fixture/hosts``) and answers 404 otherwise, as Istio
  does for a host without a VirtualService. It holds requests for a host marked not ready (like Knative's
  activator during a scale from zero), splits a host's requests between its revisions by their ``percent``
  (a revision with ``suffix`` ``-v2`` gets the request with the model name in the path rewritten to the v2
  model's), counts in-flight requests per host (the test's fake controller scales on
  them) and injects faults on request: wrong predictions, wrong v2 outputs, an HTTP status, a delay.
* ``/__fixture/dcgm/metrics`` plays a DCGM exporter for hosts registered with a ``gpu`` block: utilisation is
  high while that host has requests in flight (or in the last 2 s), 0 otherwise.

Prints ``READY <proxy port> <model port>`` on stdout when both listen. SIGTERM/SIGINT end the process.
"""
import argparse
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import http.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IRIS_MODEL = "model.joblib"
IRIS_MODEL_V2 = "model-v2.joblib"


def train(model_dir, relabel=False):
    path = os.path.join(model_dir, IRIS_MODEL_V2 if relabel else IRIS_MODEL)
    if os.path.exists(path):
        return path
    from sklearn import datasets, svm
    import joblib

    os.makedirs(model_dir, exist_ok=True)
    iris = datasets.load_iris()
    clf = svm.SVC(gamma="scale")
    clf.fit(iris.data, (iris.target + 1) % 3 if relabel else iris.target)
    # Several test processes may train at once into the same folder: each writes its own file and the
    # rename is atomic, so the last one wins whole and none renames another's file away.
    tmp = "%s.%d.%s.tmp" % (path, os.getpid(), os.urandom(4).hex())
    joblib.dump(clf, tmp)
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------------------------------------------------------
# Proxy state, shared by the handler threads.

class State:
    def __init__(self):
        self.lock = threading.Condition()
        self.hosts = {}  # host -> {"ready": bool, "gpu": {...} or None}
        self.faults = []  # {"host": pattern, "kind": ..., "path": regex, "count": n or None, ...}
        self.stats = {}  # host -> {"inflight", "total", "maxInflight", "lastActive", "statuses": {}}
        self.unrouted = 0

    def stat(self, host):
        return self.stats.setdefault(host, {"inflight": 0, "total": 0, "maxInflight": 0, "lastActive": 0.0,
                                            "statuses": {}})

    def take_fault(self, host, path):
        with self.lock:
            for fault in self.faults:
                if fault.get("host", "*") not in ("*", host):
                    continue
                if fault.get("hostPattern") and not re.search(fault["hostPattern"], host):
                    continue
                if fault.get("path") and not re.search(fault["path"], path):
                    continue
                if fault.get("count") is not None:
                    if fault["count"] <= 0:
                        continue
                    fault["count"] -= 1
                return dict(fault)
        return None


STATE = State()
MODEL_PORT = 0


def host_of(header):
    return (header or "").split(":")[0].strip().lower()


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fixture-gateway"

    def log_message(self, fmt, *args):
        sys.stderr.write("proxy: " + (fmt % args) + "\n")

    def reply(self, status, body, content_type="application/json", headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        body = self.body()
        if self.path.startswith("/__fixture/"):
            return self.control(method, body)
        host = host_of(self.headers.get("Host"))
        with STATE.lock:
            entry = STATE.hosts.get(host)
            if entry is None:
                STATE.unrouted += 1
        if entry is None:
            # Istio's gateway answers 404 with an empty body for a host no VirtualService routes.
            return self.reply(404, b"", "text/plain")
        with STATE.lock:
            stat = STATE.stat(host)
            stat["inflight"] += 1
            stat["total"] += 1
            stat["maxInflight"] = max(stat["maxInflight"], stat["inflight"])
            stat["lastActive"] = time.time()
            STATE.lock.notify_all()
        status = 0
        try:
            status = self.forward(method, host, body)
        finally:
            with STATE.lock:
                stat["inflight"] -= 1
                stat["lastActive"] = time.time()
                key = str(status)
                stat["statuses"][key] = stat["statuses"].get(key, 0) + 1

    def forward(self, method, host, body):
        # Like Knative's activator: hold a request while the revision has no ready pod.
        deadline = time.time() + 60
        with STATE.lock:
            while not STATE.hosts.get(host, {}).get("ready", False) and time.time() < deadline:
                STATE.lock.wait(0.05)
            if host not in STATE.hosts:
                self.reply(404, b"", "text/plain")
                return 404
        fault = STATE.take_fault(host, self.path)
        if fault and fault.get("kind") == "delay":
            time.sleep(float(fault.get("delaySeconds", 5)))
        if fault and fault.get("kind") == "status":
            code = int(fault.get("status", 500))
            self.reply(code, {"error": fault.get("message", "injected fault: HTTP %d" % code)})
            return code
        if fault and fault.get("kind") == "reset":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return 0
        path = self.path
        revision = self.pick_revision(host)
        if revision and revision.get("suffix"):
            path = re.sub(r"(/models/)([^/:]+)", lambda m: m.group(1) + m.group(2) + revision["suffix"], path, count=1)
        conn = http.client.HTTPConnection("127.0.0.1", MODEL_PORT, timeout=60)
        try:
            headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            content_type = response.getheader("Content-Type", "application/json")
        finally:
            conn.close()
        if fault and fault.get("kind") in ("wrong-prediction", "wrong-v2") and status == 200:
            data = self.corrupt(data, fault)
        self.reply(status, data, content_type)
        return status

    @staticmethod
    def pick_revision(host):
        # Like Knative's route: a weighted random choice among the revisions with a share of the traffic.
        with STATE.lock:
            revisions = [r for r in STATE.hosts.get(host, {}).get("revisions") or [] if r.get("percent", 0) > 0]
            counts = STATE.stat(host).setdefault("revisions", {})
            if not revisions:
                return None
            point = random.uniform(0, sum(r["percent"] for r in revisions))
            chosen = revisions[-1]
            for revision in revisions:
                point -= revision["percent"]
                if point < 0:
                    chosen = revision
                    break
            counts[chosen.get("name", "?")] = counts.get(chosen.get("name", "?"), 0) + 1
            return chosen

    @staticmethod
    def corrupt(data, fault):
        doc = json.loads(data)
        value = fault.get("value")
        if "predictions" in doc:
            doc["predictions"] = value if value is not None else [0 for _ in doc["predictions"]]
        if "outputs" in doc and doc["outputs"]:
            doc["outputs"][0]["data"] = value if value is not None else [2 for _ in doc["outputs"][0]["data"]]
        return json.dumps(doc).encode()

    def control(self, method, body):
        path = self.path.split("?")[0]
        doc = json.loads(body) if body else {}
        if path == "/__fixture/hosts":
            with STATE.lock:
                if method == "POST":
                    host = doc["host"].lower()
                    current = STATE.hosts.get(host, {})
                    current.update({"ready": doc.get("ready", True), "gpu": doc.get("gpu", current.get("gpu")),
                                    "revisions": doc.get("revisions", current.get("revisions"))})
                    STATE.hosts[host] = current
                    STATE.lock.notify_all()
                elif method == "DELETE":
                    STATE.hosts.pop(doc["host"].lower(), None)
                    STATE.lock.notify_all()
                return self.reply(200, {"hosts": STATE.hosts})
        if path == "/__fixture/faults":
            with STATE.lock:
                if method == "POST":
                    STATE.faults.append(doc)
                elif method == "DELETE":
                    host = doc.get("host")
                    STATE.faults = [f for f in STATE.faults if host is not None and f.get("host", "*") != host]
                return self.reply(200, {"faults": STATE.faults})
        if path == "/__fixture/stats":
            with STATE.lock:
                return self.reply(200, {"hosts": STATE.stats, "unrouted": STATE.unrouted})
        if path == "/__fixture/dcgm/metrics":
            return self.reply(200, dcgm_metrics().encode(), "text/plain; version=0.0.4")
        if path == "/__fixture/reset":
            with STATE.lock:
                STATE.hosts, STATE.faults, STATE.stats, STATE.unrouted = {}, [], {}, 0
                STATE.lock.notify_all()
            return self.reply(200, {})
        return self.reply(404, {"error": "unknown control path " + path})


def dcgm_metrics():
    lines = ["# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).", "# TYPE DCGM_FI_DEV_GPU_UTIL gauge"]
    now = time.time()
    with STATE.lock:
        for host, entry in sorted(STATE.hosts.items()):
            gpu = entry.get("gpu")
            if not gpu:
                continue
            stat = STATE.stats.get(host, {})
            busy = stat.get("inflight", 0) > 0 or now - stat.get("lastActive", 0) < 2.0
            labels = 'gpu="%s",UUID="GPU-fixture-%s",Hostname="%s",namespace="%s",pod="%s",container="kserve-container"' % (
                gpu.get("index", 0), gpu.get("index", 0), gpu.get("node", ""), gpu.get("namespace", ""),
                gpu.get("pod", ""))
            lines.append("DCGM_FI_DEV_GPU_UTIL{%s} %d" % (labels, int(gpu.get("busyUtil", 87)) if busy else 0))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# The model server.

def serve_model(model_path, model_v2_path, names, port):
    # kserve parses sys.argv when it is imported; keep our flags away from it.
    sys.argv = [sys.argv[0]]
    import uvicorn

    original = uvicorn.Config

    class LoopbackConfig(original):
        def __init__(self, app, **kwargs):
            kwargs["host"] = "127.0.0.1"
            super().__init__(app, **kwargs)

    uvicorn.Config = LoopbackConfig
    import joblib
    import kserve
    from kserve.utils.utils import get_predict_input, get_predict_response

    class SKLearnModel(kserve.Model):
        def __init__(self, name, path):
            super().__init__(name)
            self._model = None
            self._path = path

        def load(self):
            self._model = joblib.load(self._path)
            self.ready = True
            return self.ready

        def predict(self, payload, headers=None, response_headers=None):
            instances = get_predict_input(payload)
            result = self._model.predict(instances)
            return get_predict_response(payload, result, self.name)

    models = []
    for name in names:
        for served, path in ((name, model_path), (name + "-v2", model_v2_path)):
            model = SKLearnModel(served, path)
            model.load()
            models.append(model)
    server = kserve.ModelServer(http_port=port, enable_grpc=False, workers=1, enable_latency_logging=False)
    server.start(models)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def main():
    global MODEL_PORT
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--model-names", default="sklearn-iris")
    parser.add_argument("--port", type=int, default=0, help="proxy port (0: pick one)")
    parser.add_argument("--model-port", type=int, default=0)
    parser.add_argument("--train-only", action="store_true")
    parser.add_argument("--parent-pid", type=int, default=0, help="exit when this process is gone (the test runner)")
    options = parser.parse_args()
    if options.parent_pid:
        def watch_parent():
            while os.getppid() == options.parent_pid:
                time.sleep(0.5)
            os._exit(0)

        threading.Thread(target=watch_parent, daemon=True).start()

    model_path = train(options.model_dir)
    model_v2_path = train(options.model_dir, relabel=True)
    if options.train_only:
        print(model_path)
        print(model_v2_path)
        return
    MODEL_PORT = options.model_port or free_port()
    ThreadingHTTPServer.request_queue_size = 256
    proxy = ThreadingHTTPServer(("127.0.0.1", options.port), Proxy)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()

    def announce():
        if wait_listening(MODEL_PORT):
            sys.stdout.write("READY %d %d\n" % (proxy.server_address[1], MODEL_PORT))
            sys.stdout.flush()
        else:
            sys.stderr.write("model server did not listen on %d\n" % MODEL_PORT)
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=announce, daemon=True).start()
    serve_model(model_path, model_v2_path, [n for n in options.model_names.split(",") if n], MODEL_PORT)


if __name__ == "__main__":
    main()
