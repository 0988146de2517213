#!/usr/bin/env python3
"""Fake Kubernetes API server for servestack tests (Python 3.11, stdlib only).

    python3 fake_apiserver.py --port 0 --dir STATE_DIR [--config config.json]
                              [--cert CRT --key KEY --ca CA]

Serves HTTPS on 127.0.0.1, writes STATE_DIR/kubeconfig (contexts "fake" = admin,
"restricted" = limited RBAC), STATE_DIR/port, prints "READY <port>" and serves
until SIGTERM/SIGINT. See README.md beside this file.
"""

import sys

sys.dont_write_bytecode = True  # keep the test Resources folder free of __pycache__

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import ssl  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakekube import api as api_mod  # noqa: E402
from fakekube import auth, controllers, httpserver  # noqa: E402


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_certs(d):
    """CA + serving certificate for 127.0.0.1/localhost (EC P-256), reused if present."""
    pki = os.path.join(d, "pki")
    os.makedirs(pki, exist_ok=True)
    ca_key, ca_crt = os.path.join(pki, "ca.key"), os.path.join(pki, "ca.crt")
    key, crt = os.path.join(pki, "apiserver.key"), os.path.join(pki, "apiserver.crt")
    if all(os.path.exists(p) for p in (ca_key, ca_crt, key, crt)):
        return crt, key, ca_crt
    run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ca_key])
    run(["openssl", "req", "-x509", "-new", "-key", ca_key, "-sha256", "-days", "3650", "-subj",
         "/CN=fake-kube-ca", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature", "-out", ca_crt])
    run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
    csr = os.path.join(pki, "apiserver.csr")
    run(["openssl", "req", "-new", "-key", key, "-subj", "/CN=kube-apiserver", "-out", csr])
    ext = os.path.join(pki, "apiserver.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,"
                "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,"
                "DNS:kubernetes.default.svc.cluster.local\n")
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-days",
         "3650", "-sha256", "-extfile", ext, "-out", crt])
    for p in (ca_key, key):
        os.chmod(p, 0o600)
    return crt, key, ca_crt


def write_kubeconfig(d, port, ca_pem, admin_tok, restricted_tok):
    ca_b64 = base64.b64encode(ca_pem.encode()).decode()
    server = "https://127.0.0.1:%d" % port
    text = ("apiVersion: v1\nkind: Config\n"
            "clusters:\n- name: fake\n  cluster:\n    server: %s\n    certificate-authority-data: %s\n"
            "users:\n- name: admin\n  user:\n    token: %s\n- name: restricted\n  user:\n    token: %s\n"
            "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: admin\n"
            "- name: restricted\n  context:\n    cluster: fake\n    user: restricted\n    namespace: default\n"
            "current-context: fake\n") % (server, ca_b64, admin_tok, restricted_tok)
    path = os.path.join(d, "kubeconfig")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="fake Kubernetes API server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--dir", required=True, help="state directory (kubeconfig, port, pki)")
    ap.add_argument("--config", help="JSON config file")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--ca")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    config = {}
    if args.config:
        with open(args.config) as f:
            config = json.load(f)
    if args.cert and args.key and args.ca:
        crt, key, ca = args.cert, args.key, args.ca
    else:
        crt, key, ca = make_certs(args.dir)
    with open(ca) as f:
        ca_pem = f.read()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    ctx.set_alpn_protocols(["http/1.1"])

    api = api_mod.ApiServer(config)
    api.ca_pem = ca_pem
    api.faults = httpserver.Faults()
    api.reqlog = httpserver.RequestLog(int(api.cfg("requestLogSize")))
    srv = httpserver.Server(("127.0.0.1", args.port), api, ctx)
    port = srv.server_address[1]
    api.addr = "127.0.0.1:%d" % port

    admin_tok = secrets.token_urlsafe(32)
    restricted_tok = secrets.token_urlsafe(32)
    api.authn.add(admin_tok, auth.User("admin", ["system:masters", "system:authenticated"]))
    api.authn.add(restricted_tok, auth.User("restricted", ["system:authenticated"]))

    sim = controllers.Sim(api)
    sim.bootstrap()
    sim.start()

    write_kubeconfig(args.dir, port, ca_pem, admin_tok, restricted_tok)
    with open(os.path.join(args.dir, "port"), "w") as f:
        f.write("%d\n" % port)

    def stop(signum, frame):
        api.stopping.set()
        with api.store.lock:
            api.store.cond.notify_all()
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("READY %d" % port, flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
