#!/usr/bin/env python3
"""A Docker registry token service for tests (distribution's token auth), standard library only.

GET /token?service=S&scope=repository:NAME:ACTIONS&scope=...  with Basic USER:PASSWORD grants the scopes
asked for; a wrong password gets 401; no credentials get a token with no access. Tokens are RS256 JWTs
signed with `openssl dgst -sha256 -sign KEY` and carry the signing certificate in `x5c`, which the
registry trusts through its `rootcertbundle`. Each request is logged as one JSON line to LOG.

usage: token_server.py PORT KEY CERT_DER ISSUER USER PASSWORD LOG
"""
import base64, json, subprocess, sys, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

port, key, cert_der, issuer, user, password, log_path = sys.argv[1:8]
with open(cert_der, "rb") as f:
    x5c = base64.b64encode(f.read()).decode()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [x5c]}
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input.encode(),
                               capture_output=True, check=True).stdout
    return signing_input + "." + b64(signature)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        account = None
        if auth.startswith("Basic "):
            given = base64.b64decode(auth[6:]).decode()
            if given != f"{user}:{password}":
                self.log({"path": url.path, "scopes": query.get("scope", []), "result": 401})
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"details":"incorrect username or password"}')
                return
            account = user
        access = []
        if account:
            for scope in query.get("scope", []):
                kind, name, actions = scope.split(":")[0], ":".join(scope.split(":")[1:-1]), scope.split(":")[-1]
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        claims = {"iss": issuer, "sub": account or "", "aud": query.get("service", [""])[0], "exp": now + 300,
                  "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()), "access": access}
        token = sign(claims)
        self.log({"path": url.path, "scopes": query.get("scope", []), "account": account, "result": 200})
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log(self, entry):
        with open(log_path, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()
