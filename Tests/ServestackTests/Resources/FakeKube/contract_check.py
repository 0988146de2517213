#!/usr/bin/env python3
"""Wire-level contract check: run the same raw HTTP requests against one or two
Kubernetes API servers and compare status codes, Status reasons and key fields.

    python3 contract_check.py --kubeconfig A                  # print observations
    python3 contract_check.py --kubeconfig REAL --kubeconfig FAKE   # compare

Uses a throwaway namespace fake-contract-<random> (deleted at the end). Never
prints tokens. Exit code 0 when the compared observations agree (differences
listed in KNOWN_DIFFERENCES are reported but do not fail), 1 otherwise.
"""

import argparse
import base64
import http.client
import json
import os
import random
import re
import ssl
import string
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakekube import yamlmini  # noqa: E402

# Observations where Kubernetes v1.20 legitimately differs from the modern
# (v1.30) behaviour the fake implements. key -> explanation
KNOWN_DIFFERENCES = {
    "auth.none": "the testenv runs with --anonymous-auth (403 for system:anonymous); the fake answers 401 "
                 "unless config anonymousAuth=true",
    "watch.410": "v1.20 still replays from etcd (not yet compacted) for resourceVersion=1; the fake keeps a "
                 "bounded history (watchHistorySize) and answers 410 Expired like a compacted/modern server",
    "ns.create.label": "kubernetes.io/metadata.name label is set by the apiserver since v1.21",
    "ssa.noop.rv_same": "v1.20 still writes managedFields timestamps on a no-op apply (fixed in v1.22+)",
    "ssa.noop.mf_time_same": "v1.20 still writes managedFields timestamps on a no-op apply (fixed in v1.22+)",
    "version.gitVersion": "different server versions",
    "discovery.apps.singularName": "APIResource.singularName is populated since v1.27",
    "discovery.cm.singularName": "APIResource.singularName is populated since v1.27",
}


class Client:
    def __init__(self, kubeconfig, context=None):
        cfg = yamlmini.load(open(kubeconfig).read())
        ctx_name = context or cfg.get("current-context")
        ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == ctx_name)
        cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in cfg["users"] if u["name"] == ctx["user"])
        self.contexts = {c["name"]: c["context"] for c in cfg["contexts"]}
        self.users = {u["name"]: u["user"] for u in cfg["users"]}
        m = re.match(r"https://([^:/]+):?(\d+)?", cluster["server"])
        self.host = m.group(1)
        self.port = int(m.group(2) or 443)
        sslctx = ssl.create_default_context()
        if cluster.get("certificate-authority-data"):
            self.ca_file = tempfile.NamedTemporaryFile("w", suffix=".crt", delete=False)
            self.ca_file.write(base64.b64decode(cluster["certificate-authority-data"]).decode())
            self.ca_file.close()
            sslctx.load_verify_locations(self.ca_file.name)
        elif cluster.get("certificate-authority"):
            sslctx.load_verify_locations(cluster["certificate-authority"])
        self.ssl = sslctx
        self.token = user.get("token")
        self.conn = None

    def _conn(self):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ssl, timeout=60)
        return self.conn

    def req(self, method, path, body=None, ct="application/json", token=True, headers=None, raw=False):
        h = {"Accept": "application/json", "User-Agent": "contract-check/1.0"}
        if token is True and self.token:
            h["Authorization"] = "Bearer " + self.token
        elif isinstance(token, str):
            h["Authorization"] = "Bearer " + token
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
            h["Content-Type"] = ct
        h.update(headers or {})
        for attempt in range(2):
            try:
                c = self._conn()
                c.request(method, path, body=body, headers=h)
                r = c.getresponse()
                data = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt:
                    raise
        ctype = r.getheader("Content-Type", "")
        if raw:
            return r.status, ctype, data
        try:
            j = json.loads(data) if data else None
        except ValueError:
            j = data.decode("utf-8", "replace")
        return r.status, ctype, j

    def stream(self, path, seconds, on_open=None):
        """Open a watch, optionally run on_open(), collect events until timeout."""
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ssl, timeout=seconds + 15)
        conn.request("GET", path, headers={"Authorization": "Bearer " + self.token, "Accept": "application/json"})
        r = conn.getresponse()
        if on_open:
            on_open()
        events = []
        buf = b""
        while True:
            chunk = r.read1(65536) if hasattr(r, "read1") else r.read(1)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    events.append(json.loads(line))
        conn.close()
        return r.status, r.getheader("Content-Type", ""), r.getheader("Transfer-Encoding", ""), events


def st(resp):
    """Reduce a (code, ctype, body) response to code + Status reason."""
    code, ctype, body = resp
    d = {"code": code}
    if isinstance(body, dict) and body.get("kind") == "Status":
        d["reason"] = body.get("reason", "")
        d["status"] = body.get("status")
        d["bodycode"] = body.get("code")
    return d


def norm_msg(msg, ns):
    if not isinstance(msg, str):
        return msg
    msg = msg.replace(ns, "<ns>").replace(ns.split("-")[-1] + ".fake-contract.dev", "<grp>.fake-contract.dev")
    msg = re.sub(r'User "[^"]+"', 'User "<user>"', msg)
    msg = re.sub(r"too old resource version: \d+ \(\d+\)", "too old resource version: N (M)", msg)
    msg = re.sub(r'generate-[a-z0-9]{5}', "generate-XXXXX", msg)
    return msg


def norm(v, ns):
    """Recursively normalise namespace names and generated names."""
    if isinstance(v, str):
        return norm_msg(v, ns)
    if isinstance(v, list):
        return [norm(x, ns) for x in v]
    if isinstance(v, dict):
        return {k: norm(x, ns) for k, x in v.items()}
    return v


def run_checks(c, ns):
    obs = {}
    P = "/api/v1/namespaces/%s" % ns

    def rec(key, val):
        obs[key] = norm(val, ns)

    # ---- version & discovery
    code, _, v = c.req("GET", "/version")
    rec("version.code", code)
    rec("version.keys", sorted(k for k in ("major", "minor", "gitVersion", "platform") if k in (v or {})))
    rec("version.gitVersion", (v or {}).get("gitVersion"))
    code, _, d = c.req("GET", "/api")
    rec("discovery.api", [code, d.get("kind"), d.get("versions")])
    code, _, d = c.req("GET", "/api/v1")
    cm = next(r for r in d["resources"] if r["name"] == "configmaps")
    rec("discovery.api_v1", [code, d.get("kind"), d.get("groupVersion")])
    rec("discovery.cm", [cm["namespaced"], cm["kind"], sorted(cm["verbs"]), cm.get("shortNames")])
    rec("discovery.cm.singularName", cm.get("singularName"))
    nsr = next(r for r in d["resources"] if r["name"] == "namespaces")
    rec("discovery.ns", [nsr["namespaced"], sorted(nsr["verbs"])])
    rec("discovery.ns_status", any(r["name"] == "namespaces/status" for r in d["resources"]))
    code, _, d = c.req("GET", "/apis")
    apps = next(g for g in d["groups"] if g["name"] == "apps")
    rec("discovery.apis", [code, d.get("kind"), d.get("apiVersion"), apps["preferredVersion"]])
    code, _, d = c.req("GET", "/apis/apps")
    rec("discovery.apis_apps", [code, d.get("kind"), d.get("name")])
    code, _, d = c.req("GET", "/apis/apps/v1")
    byname = {r["name"]: r for r in d["resources"]}
    rec("discovery.apps", [code, d.get("groupVersion"), byname["deployments"]["kind"],
                           byname["deployments"].get("shortNames"), sorted(byname["deployments/status"]["verbs"]),
                           byname["deployments/scale"].get("group"), byname["deployments/scale"].get("kind")])
    rec("discovery.apps.singularName", byname["deployments"].get("singularName"))
    # ---- authentication
    for key, tok in (("auth.none", False), ("auth.bad", "not-a-valid-token")):
        code, _, b = c.req("GET", "/api/v1/namespaces", token=tok)
        rec(key, [code, (b or {}).get("reason") if isinstance(b, dict) else None,
                  (b or {}).get("message") if isinstance(b, dict) else b])
    # ---- not found shapes
    code, ct, b = c.req("GET", "/api/v1/foos")
    rec("404.unknown_resource", [code, (b or {}).get("reason"), (b or {}).get("message"), (b or {}).get("details")])
    code, ct, b = c.req("GET", "/apis/nonexistent.example.com/v1/foos")
    rec("404.unknown_group_resource", [code, b.get("reason") if isinstance(b, dict) else "text"])
    code, ct, b = c.req("GET", "/apis/nonexistent.example.com")
    rec("404.unknown_group", [code, b.get("reason") if isinstance(b, dict) else "text"])
    code, ct, b = c.req("GET", "/nonexistent-path")
    rec("404.non_api_path", [code, ct.split(";")[0], b if isinstance(b, str) else b.get("reason")])
    # ---- namespace
    code, _, b = c.req("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                      "metadata": {"name": ns}})
    rec("ns.create", [code, b["status"]["phase"], b["spec"].get("finalizers")])
    rec("ns.create.label", (b["metadata"].get("labels") or {}).get("kubernetes.io/metadata.name"))
    time.sleep(1.0)
    # ---- configmap create
    cmb = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1", "labels": {"app": "x"}},
           "data": {"a": "1"}}
    code, _, b = c.req("POST", P + "/configmaps", cmb)
    rec("cm.create", [code, b.get("kind"), b.get("apiVersion"), type(b["metadata"].get("resourceVersion")).__name__,
                      bool(b["metadata"].get("uid")), bool(b["metadata"].get("creationTimestamp")),
                      "generation" in b["metadata"],
                      [(m.get("manager"), m.get("operation"), m.get("fieldsType"), m.get("fieldsV1"))
                       for m in b["metadata"].get("managedFields") or []]])
    cm1_rv = b["metadata"]["resourceVersion"]
    r = c.req("POST", P + "/configmaps", cmb)
    rec("cm.create.dup", [st(r), norm_msg(r[2].get("message"), ns), r[2].get("details")])
    r = c.req("POST", P + "/configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})
    rec("cm.create.noname", [st(r), r[2].get("message"), r[2].get("details")])
    r = c.req("POST", P + "/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": {"name": "Bad_Name"}})
    rec("cm.create.badname", [st(r), (r[2].get("details") or {}).get("causes", [{}])[0].get("field"),
                              (r[2].get("details") or {}).get("causes", [{}])[0].get("reason")])
    code, _, b = c.req("POST", P + "/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                   "metadata": {"generateName": "generate-"}})
    rec("cm.create.generateName", [code, bool(re.match(r"^generate-[a-z0-9]{5}$", b["metadata"]["name"]))])
    r = c.req("POST", "/api/v1/namespaces/%s-missing/configmaps" % ns, cmb)
    rec("cm.create.missing_ns", [st(r), norm_msg(r[2].get("message"), ns), r[2].get("details")])
    r = c.req("POST", P + "/configmaps", dict(cmb, metadata={"name": "cm9", "namespace": "other"}))
    rec("cm.create.ns_mismatch", [st(r), r[2].get("message")])
    r = c.req("POST", P + "/configmaps", b"{not json")
    rec("cm.create.badjson", st(r))
    # ---- get
    code, _, b = c.req("GET", P + "/configmaps/cm1")
    rec("cm.get", [code, b.get("kind"), b["data"]])
    r = c.req("GET", P + "/configmaps/missing")
    rec("cm.get.missing", [st(r), r[2].get("message"), r[2].get("details")])
    # ---- list & paging
    for i in range(5):
        c.req("POST", P + "/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": {"name": "page-%d" % i,
                                                       "labels": {"page": "yes", "idx": str(i),
                                                                  "tier": "a" if i % 2 else "b"}}})
    code, _, b = c.req("GET", P + "/configmaps?labelSelector=page%3Dyes&limit=2")
    first_rv = b["metadata"]["resourceVersion"]
    names = [i["metadata"]["name"] for i in b["items"]]
    item_has_kind = "kind" in b["items"][0]
    cont = b["metadata"].get("continue")
    pages = 1
    rvs_same = True
    # a write between pages must not show up in later pages (consistent snapshot)
    c.req("POST", P + "/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": "page-9", "labels": {"page": "yes"}}})
    while cont:
        code, _, b = c.req("GET", P + "/configmaps?labelSelector=page%3Dyes&limit=2&continue=" + cont)
        names += [i["metadata"]["name"] for i in b["items"]]
        rvs_same = rvs_same and b["metadata"]["resourceVersion"] == first_rv
        cont = b["metadata"].get("continue")
        pages += 1
    rec("list.paging", [b.get("kind"), names, pages, rvs_same, item_has_kind])
    code, _, b = c.req("GET", P + "/configmaps?limit=2")
    rec("list.remainingItemCount", b["metadata"].get("remainingItemCount"))
    r = c.req("GET", P + "/configmaps?limit=2&continue=bm90LWEtdG9rZW4")
    rec("list.bad_continue", st(r))
    for sel in ("page=yes,tier!=a", "tier in (a)", "idx", "!idx", "tier notin (a),page"):
        code, _, b = c.req("GET", P + "/configmaps?labelSelector=" + sel.replace(" ", "%20").replace("!", "%21")
                           .replace("(", "%28").replace(")", "%29").replace("=", "%3D").replace(",", "%2C"))
        rec("list.selector[%s]" % sel, [code, sorted(i["metadata"]["name"] for i in b.get("items", [])
                                                     if not i["metadata"]["name"].startswith("kube-root"))])
    code, _, b = c.req("GET", P + "/configmaps?fieldSelector=metadata.name%3Dcm1")
    rec("list.fieldSelector", [code, [i["metadata"]["name"] for i in b["items"]]])
    r = c.req("GET", P + "/configmaps?fieldSelector=spec.foo%3Dbar")
    rec("list.fieldSelector.bad", st(r))
    r = c.req("GET", P + "/configmaps?labelSelector=a%3D%3D%3D")
    rec("list.labelSelector.bad", st(r))
    # ---- update / conflict
    code, _, cur = c.req("GET", P + "/configmaps/cm1")
    stale = json.loads(json.dumps(cur))
    stale["metadata"]["resourceVersion"] = cm1_rv
    stale["data"]["a"] = "stale"
    c.req("PATCH", P + "/configmaps/cm1", {"data": {"b": "2"}}, ct="application/merge-patch+json")
    r = c.req("PUT", P + "/configmaps/cm1", stale)
    rec("update.conflict", [st(r), norm_msg(r[2].get("message"), ns), r[2].get("details")])
    code, _, cur = c.req("GET", P + "/configmaps/cm1")
    cur["data"]["c"] = "3"
    code, _, b = c.req("PUT", P + "/configmaps/cm1", cur)
    rec("update.ok", [code, b["data"], b["metadata"]["resourceVersion"] != cur["metadata"]["resourceVersion"]])
    code, _, b2 = c.req("PUT", P + "/configmaps/cm1", b)
    rec("update.identical_rv_same", [code, b2["metadata"]["resourceVersion"] == b["metadata"]["resourceVersion"]])
    r = c.req("PUT", P + "/configmaps/cm1", dict(b, metadata=dict(b["metadata"], name="other")))
    rec("update.name_mismatch", [st(r), r[2].get("message")])
    r = c.req("PUT", P + "/configmaps/nothere", dict(b, metadata={"name": "nothere"}))
    rec("update.missing", st(r))
    # ---- patches
    code, _, b = c.req("PATCH", P + "/configmaps/cm1", {"data": {"a": None, "m": "merge"}},
                       ct="application/merge-patch+json")
    rec("patch.merge", [code, b["data"]])
    code, _, b = c.req("PATCH", P + "/configmaps/cm1", {"data": {"s": "smp"}},
                       ct="application/strategic-merge-patch+json")
    rec("patch.smp", [code, b["data"]])
    code, _, b = c.req("PATCH", P + "/configmaps/cm1", [{"op": "add", "path": "/data/j", "value": "jp"},
                                                        {"op": "replace", "path": "/data/m", "value": "jp2"}],
                       ct="application/json-patch+json")
    rec("patch.json", [code, b["data"]])
    r = c.req("PATCH", P + "/configmaps/cm1", [{"op": "test", "path": "/data/j", "value": "nope"}],
              ct="application/json-patch+json")
    rec("patch.json.testfail", st(r))
    r = c.req("PATCH", P + "/configmaps/cm1", [{"op": "remove", "path": "/data/nothere"}],
              ct="application/json-patch+json")
    rec("patch.json.missingpath", st(r))
    r = c.req("PATCH", P + "/configmaps/cm1", {"data": {}}, ct="application/xml")
    rec("patch.badtype", st(r))
    r = c.req("PATCH", P + "/configmaps/missing", {"data": {}}, ct="application/merge-patch+json")
    rec("patch.missing", [st(r), r[2].get("message")])
    r = c.req("PATCH", P + "/configmaps/cm1", {"metadata": {"resourceVersion": "1"}, "data": {"x": "y"}},
              ct="application/merge-patch+json")
    rec("patch.merge.stale_rv", st(r))
    # ---- server-side apply
    ap = P + "/configmaps/ssa1?fieldManager=mgr-a"
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa1", "labels": {"l": "1"}},
            "data": {"k1": "v1", "k2": "v2"}}
    code, _, b = c.req("PATCH", ap, body, ct="application/apply-patch+yaml")
    mf = b["metadata"].get("managedFields") or []
    rec("ssa.create", [code, [(m["manager"], m["operation"], m.get("fieldsV1")) for m in mf]])
    rv1 = b["metadata"]["resourceVersion"]
    t1 = mf[0].get("time")
    time.sleep(1.1)
    code, _, b = c.req("PATCH", ap, body, ct="application/apply-patch+yaml")
    rec("ssa.noop.code", code)
    rec("ssa.noop.rv_same", b["metadata"]["resourceVersion"] == rv1)
    rec("ssa.noop.mf_time_same", (b["metadata"].get("managedFields") or [{}])[0].get("time") == t1)
    code, _, b = c.req("PATCH", ap, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa1\n  labels:\n    l: '1'\n"
                                    "data:\n  k1: v1\n  k2: v2\n", ct="application/apply-patch+yaml")
    rec("ssa.yaml_body.noop", [code, b["metadata"]["resourceVersion"] == rv1 or None])
    r = c.req("PATCH", P + "/configmaps/ssa1?fieldManager=mgr-b",
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa1"}, "data": {"k1": "other"}},
              ct="application/apply-patch+yaml")
    causes = (r[2].get("details") or {}).get("causes") or []
    rec("ssa.conflict", [st(r), r[2].get("message"), [(x.get("type"), x.get("message"), x.get("field"))
                                                      for x in causes]])
    code, _, b = c.req("PATCH", P + "/configmaps/ssa1?fieldManager=mgr-b&force=true",
                       {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa1"},
                        "data": {"k1": "other"}}, ct="application/apply-patch+yaml")
    rec("ssa.force", [code, b["data"], sorted((m["manager"], m["operation"], json.dumps(m.get("fieldsV1"),
                                                                                        sort_keys=True))
                                              for m in b["metadata"]["managedFields"])])
    # mgr-a drops k2 -> removed; k1 now owned by mgr-b only -> stays
    code, _, b = c.req("PATCH", ap, {"apiVersion": "v1", "kind": "ConfigMap",
                                     "metadata": {"name": "ssa1", "labels": {"l": "1"}}},
                       ct="application/apply-patch+yaml")
    rec("ssa.remove_field", [code, b.get("data")])
    r = c.req("PATCH", P + "/configmaps/ssa1", body, ct="application/apply-patch+yaml")
    rec("ssa.no_manager", [st(r), r[2].get("message")])
    code, _, b = c.req("PATCH", P + "/configmaps/ssa2?fieldManager=mgr-a&dryRun=All",
                       dict(body, metadata={"name": "ssa2"}), ct="application/apply-patch+yaml")
    r2 = c.req("GET", P + "/configmaps/ssa2")
    rec("ssa.dryrun_create", [code, r2[0], "resourceVersion" in b["metadata"]])
    # update by a client-side-apply manager then conflicting apply (deployment replicas)
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "d1", "labels": {"app": "d1"}},
           "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "d1"}},
                    "template": {"metadata": {"labels": {"app": "d1"}},
                                 "spec": {"containers": [{"name": "c", "image": "nginx:1.25",
                                                          "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}}}
    code, _, b = c.req("POST", "/apis/apps/v1/namespaces/%s/deployments?fieldManager=kubectl-client-side-apply" % ns,
                       dep)
    rec("dep.create", [code, b["metadata"].get("generation"), b.get("status", {}).get("replicas")])
    r = c.req("PATCH", "/apis/apps/v1/namespaces/%s/deployments/d1?fieldManager=kubectl" % ns,
              {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d1"},
               "spec": {"replicas": 3}}, ct="application/apply-patch+yaml")
    causes = (r[2].get("details") or {}).get("causes") or []
    rec("ssa.conflict.update_manager", [st(r), r[2].get("message"),
                                        [(x.get("type"), x.get("message"), x.get("field")) for x in causes]])
    code, _, b = c.req("PATCH", "/apis/apps/v1/namespaces/%s/deployments/d1" % ns,
                       {"metadata": {"labels": {"extra": "1"}}}, ct="application/merge-patch+json")
    rec("dep.label_no_generation", [code, b["metadata"]["generation"]])
    code, _, b = c.req("PATCH", "/apis/apps/v1/namespaces/%s/deployments/d1" % ns,
                       {"spec": {"replicas": 2}, "status": {"replicas": 99}}, ct="application/merge-patch+json")
    rec("dep.spec_generation", [code, b["metadata"]["generation"], b.get("status", {}).get("replicas") != 99])
    code, _, b = c.req("PATCH", "/apis/apps/v1/namespaces/%s/deployments/d1/status" % ns,
                       {"spec": {"replicas": 7}, "status": {"observedGeneration": 42}},
                       ct="application/merge-patch+json")
    rec("dep.status_patch", [code, b["spec"]["replicas"], b["status"].get("observedGeneration"),
                             b["metadata"]["generation"]])
    code, _, b = c.req("GET", "/apis/apps/v1/namespaces/%s/deployments/d1/scale" % ns)
    rec("dep.scale", [code, b.get("kind"), b.get("apiVersion"), b.get("spec")])
    # managedFields (fieldsV1) of a realistic apply and of a create, compared verbatim
    rich = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "mf", "labels": {"app": "mf"}, "annotations": {"a": "b"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "mf"}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
                     "template": {"metadata": {"labels": {"app": "mf"}}, "spec": {
                         "serviceAccountName": "default", "nodeSelector": {"kubernetes.io/os": "linux"},
                         "tolerations": [{"key": "k", "operator": "Exists"}],
                         "containers": [{"name": "c", "image": "nginx:1", "args": ["--x"],
                                         "env": [{"name": "A", "value": "1"},
                                                 {"name": "B", "valueFrom": {"fieldRef": {"fieldPath":
                                                                                          "metadata.name"}}}],
                                         "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}],
                                         "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "100m"}},
                                         "volumeMounts": [{"name": "v", "mountPath": "/v"}],
                                         "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}],
                         "volumes": [{"name": "v", "emptyDir": {}}]}}}}
    code, _, b = c.req("PATCH", "/apis/apps/v1/namespaces/%s/deployments/mf?fieldManager=m" % ns, rich,
                       ct="application/apply-patch+yaml")
    rec("ssa.fieldsV1.deployment", [code, [m.get("fieldsV1") for m in b["metadata"].get("managedFields", [])],
                                    b["spec"]["template"]["metadata"]])
    code, _, b = c.req("PATCH", "/api/v1/namespaces/%s/services/mf?fieldManager=m" % ns,
                       {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "mf"},
                        "spec": {"selector": {"app": "mf"}, "ports": [{"name": "http", "port": 80,
                                                                      "targetPort": "http", "protocol": "TCP"}]}},
                       ct="application/apply-patch+yaml")
    rec("ssa.fieldsV1.service", [code, [m.get("fieldsV1") for m in b["metadata"].get("managedFields", [])]])
    code, _, b = c.req("POST", P + "/configmaps?fieldManager=kubectl-create",
                       {"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "mf", "labels": {"x": "y"}, "finalizers": ["a/b"]}, "data": {"k": "v"}})
    rec("create.fieldsV1", [code, [(m.get("manager"), m.get("operation"), m.get("fieldsV1"))
                                   for m in b["metadata"].get("managedFields", [])]])
    c.req("PATCH", P + "/configmaps/mf", {"metadata": {"finalizers": None}}, ct="application/merge-patch+json")
    # ---- dry run
    code, _, b = c.req("POST", P + "/configmaps?dryRun=All", {"apiVersion": "v1", "kind": "ConfigMap",
                                                              "metadata": {"name": "dry1"}})
    r2 = c.req("GET", P + "/configmaps/dry1")
    rec("dryrun.create", [code, r2[0], bool(b["metadata"].get("uid")), b["metadata"].get("resourceVersion")])
    code, _, b = c.req("DELETE", P + "/configmaps/cm1?dryRun=All")
    r2 = c.req("GET", P + "/configmaps/cm1")
    rec("dryrun.delete", [code, r2[0]])
    r = c.req("POST", P + "/configmaps?dryRun=Bogus", {"apiVersion": "v1", "kind": "ConfigMap",
                                                      "metadata": {"name": "dry2"}})
    rec("dryrun.bad_value", st(r))
    # ---- delete
    code, _, b = c.req("DELETE", P + "/configmaps/cm1")
    rec("delete", [code, b.get("kind"), b.get("status"), sorted((b.get("details") or {}).keys())])
    r = c.req("DELETE", P + "/configmaps/cm1")
    rec("delete.again", [st(r), r[2].get("message")])
    code, _, b = c.req("DELETE", "/apis/apps/v1/namespaces/%s/deployments/d1?propagationPolicy=Foreground" % ns)
    rec("delete.foreground", [code, b.get("kind"), "foregroundDeletion" in (b.get("metadata", {}).get("finalizers")
                                                                            or [])])
    r = c.req("DELETE", P + "/configmaps/page-0?propagationPolicy=Sometimes")
    rec("delete.bad_policy", st(r))
    # ---- finalizers
    c.req("POST", P + "/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": "fin1", "finalizers": ["example.com/hold"]}})
    code, _, b = c.req("DELETE", P + "/configmaps/fin1")
    rec("finalizer.delete", [code, b.get("kind"), bool(b["metadata"].get("deletionTimestamp"))])
    code, _, b = c.req("GET", P + "/configmaps/fin1")
    rec("finalizer.still_there", code)
    code, _, b = c.req("PATCH", P + "/configmaps/fin1", {"metadata": {"finalizers": None}},
                       ct="application/merge-patch+json")
    r2 = c.req("GET", P + "/configmaps/fin1")
    rec("finalizer.release", [code, r2[0]])
    # ---- watch
    code, _, b = c.req("GET", P + "/configmaps?limit=1")
    rv = b["metadata"]["resourceVersion"]

    def mutate():
        c2 = Client.__new__(Client)
        c2.__dict__.update(c.__dict__)
        c2.conn = None
        c2.req("POST", P + "/configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w1"}})
        c2.req("PATCH", P + "/configmaps/w1", {"data": {"x": "1"}}, ct="application/merge-patch+json")
        c2.req("DELETE", P + "/configmaps/w1")

    code, ct, te, evs = c.stream(P + "/configmaps?watch=1&resourceVersion=%s&timeoutSeconds=3" % rv, 3, mutate)
    rec("watch.events", [code, ct.split(";")[0], te, [(e["type"], e["object"]["metadata"]["name"],
                                                       e["object"].get("kind")) for e in evs if e["type"] != "BOOKMARK"]])
    code, ct, te, evs = c.stream(P + "/configmaps?watch=1&resourceVersion=1&timeoutSeconds=2", 2)
    e0 = evs[0] if evs else {}
    rec("watch.410", [code, e0.get("type"), (e0.get("object") or {}).get("code"),
                      (e0.get("object") or {}).get("reason"),
                      norm_msg((e0.get("object") or {}).get("message"), ns)])
    code, ct, te, evs = c.stream(P + "/configmaps?watch=true&labelSelector=page%3Dyes&timeoutSeconds=1", 1)
    rec("watch.initial", [code, sorted(set(e["type"] for e in evs)), len(evs)])
    code, ct, te, evs = c.stream(P + "/configmaps?watch=1&fieldSelector=metadata.name%3Dpage-1&timeoutSeconds=1", 1)
    rec("watch.fieldselector", [e["object"]["metadata"]["name"] for e in evs])
    # ---- forbidden (service account token, created the same way on every server)
    c.req("POST", P + "/serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                           "metadata": {"name": "limited"}})
    c.req("POST", P + "/secrets", {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                                   "metadata": {"name": "limited-token",
                                                "annotations": {"kubernetes.io/service-account.name": "limited"}}})
    tok = None
    for _ in range(50):
        code, _, b = c.req("GET", P + "/secrets/limited-token")
        if code == 200 and (b.get("data") or {}).get("token"):
            tok = base64.b64decode(b["data"]["token"]).decode()
            break
        time.sleep(0.2)
    if tok:
        r = c.req("GET", P + "/configmaps", token=tok)
        rec("403.list", [st(r), norm_msg(r[2].get("message"), ns), r[2].get("details")])
        r = c.req("GET", P + "/configmaps/page-1", token=tok)
        rec("403.get", [st(r), norm_msg(r[2].get("message"), ns), r[2].get("details")])
        r = c.req("GET", "/api/v1/nodes", token=tok)
        rec("403.cluster", [st(r), norm_msg(r[2].get("message"), ns)])
        r = c.req("GET", "/api", token=tok)
        rec("403.discovery_allowed", r[0])
        ssar = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"namespace": ns, "verb": "list", "resource": "configmaps"}}}
        code, _, b = c.req("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar, token=tok)
        rec("ssar.restricted", [code, b.get("kind"), (b.get("status") or {}).get("allowed")])
        c.req("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/roles" % ns,
              {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "cm-reader"},
               "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]})
        c.req("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/rolebindings" % ns,
              {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "cm-reader"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "cm-reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "limited", "namespace": ns}]})
        allowed = None
        for _ in range(25):
            code, _, b = c.req("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar, token=tok)
            allowed = (b.get("status") or {}).get("allowed")
            if allowed:
                break
            time.sleep(0.2)
        rec("ssar.after_binding", [allowed, norm_msg((b.get("status") or {}).get("reason"), ns)])
        r = c.req("GET", P + "/configmaps?limit=1", token=tok)
        rec("rbac.binding_allows", r[0])
    ssar = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"namespace": ns, "verb": "delete", "resource": "nodes"}}}
    code, _, b = c.req("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar)
    rec("ssar.admin", [code, (b.get("status") or {}).get("allowed")])
    r = c.req("GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
    rec("ssar.get_not_allowed", st(r))
    # ---- CRDs and custom resources
    group = "%s.fake-contract.dev" % ns.split("-")[-1]
    crd_name = "widgets." + group
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": crd_name},
           "spec": {"group": group, "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"],
                              "categories": ["fakecontract"]},
                    "versions": [{"name": "v1", "served": True, "storage": True,
                                  "subresources": {"status": {}},
                                  "schema": {"openAPIV3Schema": {
                                      "type": "object",
                                      "properties": {
                                          "spec": {"type": "object", "properties": {
                                              "size": {"type": "integer"},
                                              "tags": {"type": "array", "items": {"type": "string"},
                                                       "x-kubernetes-list-type": "set"}}},
                                          "status": {"type": "object",
                                                     "properties": {"ready": {"type": "boolean"}}}}}}}]}}
    code, _, b = c.req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    rec("crd.create", [code, b.get("kind"), b["metadata"].get("generation"), b["spec"].get("conversion")])
    r = c.req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
              dict(crd, metadata={"name": "wrong." + group}))
    rec("crd.create.badname", [st(r), (r[2].get("details") or {}).get("causes", [{}])[0].get("field")])
    est = None
    for _ in range(100):
        code, _, b = c.req("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd_name)
        conds = {x["type"]: x for x in (b.get("status") or {}).get("conditions") or []}
        if conds.get("Established", {}).get("status") == "True":
            est = conds
            break
        time.sleep(0.1)
    rec("crd.established", [sorted((k, v.get("status"), v.get("reason")) for k, v in (est or {}).items()),
                            (b.get("status") or {}).get("acceptedNames"), (b.get("status") or {}).get("storedVersions"),
                            b["metadata"].get("finalizers")])
    crp = "/apis/%s/v1/namespaces/%s/widgets" % (group, ns)
    for _ in range(50):
        code, _, d = c.req("GET", "/apis/%s/v1" % group)
        if code == 200:
            break
        time.sleep(0.1)
    byname = {x["name"]: x for x in (d or {}).get("resources", [])} if isinstance(d, dict) else {}
    rec("crd.discovery", [code, sorted(byname), (byname.get("widgets") or {}).get("kind"),
                          (byname.get("widgets") or {}).get("shortNames"),
                          (byname.get("widgets") or {}).get("categories"),
                          sorted((byname.get("widgets") or {}).get("verbs") or []),
                          sorted((byname.get("widgets/status") or {}).get("verbs") or [])])
    code, _, d = c.req("GET", "/apis/%s" % group)
    rec("crd.discovery.group", [code, (d or {}).get("preferredVersion") if isinstance(d, dict) else d])
    w = {"apiVersion": group + "/v1", "kind": "Widget", "metadata": {"name": "w1"},
         "spec": {"size": 1, "tags": ["a"]}, "status": {"ready": True}}
    for _ in range(50):
        code, _, b = c.req("POST", crp, w)
        if code != 404:
            break
        time.sleep(0.1)
    rec("cr.create", [code, b.get("kind"), b["metadata"].get("generation"), b.get("status")])
    r = c.req("POST", crp, {"apiVersion": group + "/v1", "kind": "Widget", "metadata": {"name": "bad"},
                            "spec": {"size": "big"}})
    rec("cr.invalid_type", [st(r), norm_msg(r[2].get("message"), ns),
                            [(x.get("reason"), x.get("field")) for x in (r[2].get("details") or {}).get("causes", [])]])
    code, _, b = c.req("POST", crp, {"apiVersion": group + "/v1", "kind": "Widget", "metadata": {"name": "pruned"},
                                     "spec": {"size": 3, "unknownField": "x"}, "extra": {"a": 1}})
    rec("cr.pruning", [code, b.get("spec"), "extra" in b])
    code, _, b = c.req("GET", crp)
    rec("cr.list", [code, b.get("kind"), [(i.get("kind"), i.get("apiVersion") == group + "/v1")
                                          for i in b.get("items", [])]])
    r = c.req("PATCH", crp + "/w1", {"spec": {"size": 2}}, ct="application/strategic-merge-patch+json")
    rec("cr.smp", st(r))
    code, _, b = c.req("PATCH", crp + "/w1", {"spec": {"size": 2}, "status": {"ready": False}},
                       ct="application/merge-patch+json")
    rec("cr.spec_patch", [code, b["metadata"]["generation"], b.get("status")])
    code, _, b = c.req("PATCH", crp + "/w1", {"metadata": {"labels": {"x": "y"}}}, ct="application/merge-patch+json")
    rec("cr.label_patch", [code, b["metadata"]["generation"]])
    code, _, b = c.req("PATCH", crp + "/w1/status", {"status": {"ready": True}, "spec": {"size": 9}},
                       ct="application/merge-patch+json")
    rec("cr.status_patch", [code, b["metadata"]["generation"], b.get("status"), b["spec"]["size"]])
    code, _, b = c.req("PATCH", crp + "/w2?fieldManager=a", {"apiVersion": group + "/v1", "kind": "Widget",
                                                          "metadata": {"name": "w2"},
                                                          "spec": {"tags": ["x", "y"], "size": 1}},
                       ct="application/apply-patch+yaml")
    rec("cr.ssa.create", [code, [(m["manager"], m.get("fieldsV1")) for m in b["metadata"]["managedFields"]]])
    code, _, b = c.req("PATCH", crp + "/w2?fieldManager=b", {"apiVersion": group + "/v1", "kind": "Widget",
                                                          "metadata": {"name": "w2"}, "spec": {"tags": ["z"]}},
                       ct="application/apply-patch+yaml")
    rec("cr.ssa.set_merge", [code, b["spec"].get("tags")])
    r = c.req("PATCH", crp + "/w2?fieldManager=b", {"apiVersion": group + "/v1", "kind": "Widget",
                                                 "metadata": {"name": "w2"}, "spec": {"tags": ["z"], "size": 5}},
              ct="application/apply-patch+yaml")
    rec("cr.ssa.conflict", [st(r), r[2].get("message")])
    r = c.req("GET", "/apis/%s/v1/namespaces/%s/gadgets" % (group, ns))
    rec("cr.unknown_resource", [r[0], r[1].split(";")[0]])
    code, _, b = c.req("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd_name)
    rec("crd.delete", [code, b.get("kind"), bool((b.get("metadata") or {}).get("deletionTimestamp"))])
    gone = None
    for _ in range(100):
        r = c.req("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd_name)
        if r[0] == 404:
            gone = True
            break
        time.sleep(0.2)
    r2 = c.req("GET", crp + "/w1")
    rec("crd.delete.gone", [gone, r2[0], r2[1].split(";")[0]])
    # ---- size limit
    big = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {"x": "a" * (3_500_000)}}
    r = c.req("POST", P + "/configmaps", big)
    rec("413.body", [st(r), r[2].get("message") if isinstance(r[2], dict) else None])
    # ---- namespace deletion
    r = c.req("DELETE", "/api/v1/namespaces/default?dryRun=All")
    rec("ns.delete_default", [st(r), r[2].get("message") if isinstance(r[2], dict) else None])
    code, _, b = c.req("DELETE", "/api/v1/namespaces/" + ns)
    rec("ns.delete", [code, b.get("kind"), (b.get("status") or {}).get("phase")])
    r = c.req("POST", P + "/configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late"}})
    rec("ns.create_in_terminating", [st(r), norm_msg(r[2].get("message"), ns)])
    gone = False
    for _ in range(240):
        code, _, b = c.req("GET", "/api/v1/namespaces/" + ns)
        if code == 404:
            gone = True
            break
        time.sleep(0.5)
    rec("ns.gone", gone)
    return obs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubeconfig", action="append", required=True)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = []
    for kc in args.kubeconfig:
        ns = "fake-contract-" + "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(6))
        c = Client(kc)
        try:
            results.append(run_checks(c, ns))
        finally:
            c.req("DELETE", "/api/v1/namespaces/" + ns)
    if len(results) == 1:
        for k, v in results[0].items():
            print("%-34s %s" % (k, json.dumps(v, sort_keys=True)[:400]))
        return 0
    a, b = results[0], results[1]
    bad = 0
    same = 0
    for k in list(dict.fromkeys(list(a) + list(b))):
        va, vb = a.get(k), b.get(k)
        if va == vb:
            same += 1
            continue
        known = KNOWN_DIFFERENCES.get(k)
        tag = "KNOWN" if known else "DIFF "
        if not known:
            bad += 1
        print("%s %s\n   A: %s\n   B: %s%s" % (tag, k, json.dumps(va, sort_keys=True)[:600],
                                              json.dumps(vb, sort_keys=True)[:600],
                                              ("\n   why: " + known) if known else ""))
    print("%d same, %d different (%d known)" % (same, len(set(a) | set(b)) - same,
                                               len(set(a) | set(b)) - same - bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
