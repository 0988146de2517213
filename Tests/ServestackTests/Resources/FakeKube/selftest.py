#!/usr/bin/env python3
"""Self-test of the fake apiserver's simulation (controllers, webhooks, faults,
watches, SSA semantics). Starts its own fake on a free port and stops it.

    python3 selftest.py [-k substring]
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from contract_check import Client  # noqa: E402

CONFIG = {
    "workloadReadyDelaySeconds": 0.3,
    "progressDeadlineSeconds": 1.5,
    "neverReady": ["bad/never"],
    "crashLoop": ["bad/crashy"],
    "unschedulable": ["bad/pending"],
    "webhookRefuseSeconds": {"hooks/slow-svc": 1.5},
    "bookmarkIntervalSeconds": 0.3,
}

RESULTS = []


def check(name, cond, detail=""):
    RESULTS.append((name, bool(cond)))
    print("%s %s%s" % ("PASS" if cond else "FAIL", name, ("  -- " + str(detail)[:600]) if not cond else ""))


def wait_for(fn, timeout=10.0, step=0.1):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = fn()
        if last:
            return last
        time.sleep(step)
    return last


def ns_obj(name, labels=None):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}}


def deployment(name, labels, image="registry.local/app:1", replicas=1, extra_spec=None, annotations=None):
    spec = {"containers": [{"name": "main", "image": image, "ports": [{"name": "https", "containerPort": 8443}]}]}
    spec.update(extra_spec or {})
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
         "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": spec}}}
    if annotations:
        d["metadata"]["annotations"] = annotations
    return d


def apply(c, path, obj, manager="selftest", force=True, dry=False):
    q = "?fieldManager=%s%s%s" % (manager, "&force=true" if force else "", "&dryRun=All" if dry else "")
    return c.req("PATCH", path + q, obj, ct="application/apply-patch+yaml")


def scenario_auth(c, kc):
    r = c.req("GET", "/api/v1/namespaces", token=False)
    check("auth: no token -> 401 Unauthorized", r[0] == 401 and r[2].get("reason") == "Unauthorized", r)
    r = c.req("GET", "/api/v1/namespaces", token="bogus")
    check("auth: bad token -> 401", r[0] == 401, r)
    rc = Client(kc, context="restricted")
    r = rc.req("GET", "/api/v1/namespaces/default/configmaps")
    check("auth: restricted 403 message", r[0] == 403 and r[2].get("message") ==
          'configmaps is forbidden: User "restricted" cannot list resource "configmaps" in API group "" in the '
          'namespace "default"', r)
    r = rc.req("GET", "/api/v1/namespaces/default/pods")
    check("auth: restricted allowed by restrictedRules", r[0] == 200, r[0])
    r = rc.req("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
               {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "configmaps"}}})
    check("auth: SSAR restricted denied", r[0] == 201 and r[2]["status"]["allowed"] is False, r)
    r = rc.req("GET", "/fake/config")
    check("auth: /fake/ is admin only", r[0] == 403, r[0])


def scenario_control(c):
    r = c.req("GET", "/fake/config")
    check("control: GET config", r[0] == 200 and r[2]["version"] == "v1.30.7", r[0])
    r = c.req("POST", "/fake/fault", {"path": "^/api/v1/namespaces$", "action": "429", "count": 1, "retryAfter": 2})
    check("control: add fault", r[0] == 201, r)
    c.conn = None
    conn = c._conn()
    conn.request("GET", "/api/v1/namespaces", headers={"Authorization": "Bearer " + c.token})
    resp = conn.getresponse()
    body = json.loads(resp.read())
    check("fault: 429 with Retry-After", resp.status == 429 and resp.getheader("Retry-After") == "2" and
          body.get("reason") == "TooManyRequests", (resp.status, body))
    r = c.req("GET", "/api/v1/namespaces")
    check("fault: only count=1 requests affected", r[0] == 200, r[0])
    c.req("POST", "/fake/fault", {"path": "/api/v1/nodes", "action": "503", "count": 2})
    codes = [c.req("GET", "/api/v1/nodes")[0] for _ in range(3)]
    check("fault: 503 twice then OK", codes == [503, 503, 200], codes)
    c.req("POST", "/fake/fault", {"path": "/api/v1/nodes", "action": "drop", "count": 1})
    try:
        c.conn = None
        conn = c._conn()
        conn.request("GET", "/api/v1/nodes", headers={"Authorization": "Bearer " + c.token})
        conn.getresponse().read()
        dropped = False
    except (http.client.HTTPException, OSError):
        dropped = True
    c.conn = None
    check("fault: drop closes the connection", dropped)
    c.req("POST", "/fake/fault", {"path": "/api/v1/nodes", "action": "delay", "delaySeconds": 0.5, "count": 1})
    t = time.time()
    r = c.req("GET", "/api/v1/nodes")
    check("fault: delay", r[0] == 200 and time.time() - t >= 0.5, time.time() - t)
    r = c.req("GET", "/fake/log")
    items = r[2]["items"]
    check("control: request log has method/path/status/contentType",
          all(k in items[-1] for k in ("method", "path", "query", "status", "contentType")), items[-1])


def scenario_crd(c):
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "gizmos.selftest.dev"},
           "spec": {"group": "selftest.dev", "scope": "Namespaced",
                    "names": {"plural": "gizmos", "kind": "Gizmo"},
                    "versions": [{"name": "v1", "served": True, "storage": True,
                                  "schema": {"openAPIV3Schema": {"type": "object",
                                                                 "x-kubernetes-preserve-unknown-fields": True}}}]}}
    c.req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    r = c.req("GET", "/apis/selftest.dev/v1/namespaces/default/gizmos")
    check("crd: CR 404 before Established", r[0] == 404, r[0])
    ok = wait_for(lambda: c.req("GET", "/apis/selftest.dev/v1/namespaces/default/gizmos")[0] == 200, 5)
    check("crd: CR served after Established", ok)
    c.req("POST", "/apis/selftest.dev/v1/namespaces/default/gizmos",
          {"apiVersion": "selftest.dev/v1", "kind": "Gizmo", "metadata": {"name": "g1"}, "spec": {"a": 1}})
    c.req("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.selftest.dev")
    gone = wait_for(lambda: c.req("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                                         "gizmos.selftest.dev")[0] == 404, 5)
    r = c.req("GET", "/apis/selftest.dev/v1")
    check("crd: delete removes CRD, CRs and discovery", gone and r[0] == 404, r[0])


def scenario_workloads(c):
    c.req("POST", "/api/v1/namespaces", ns_obj("apps1"))
    wait_for(lambda: c.req("GET", "/api/v1/namespaces/apps1/serviceaccounts/default")[0] == 200, 5)
    labels = {"app": "web"}
    apply(c, "/apis/apps/v1/namespaces/apps1/deployments/web", deployment("web", labels, replicas=2))
    apply(c, "/api/v1/namespaces/apps1/services/web",
          {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": labels, "ports": [{"port": 443, "targetPort": "https"}]}})
    d = wait_for(lambda: (lambda r: r[2] if r[0] == 200 and any(
        x["type"] == "Available" and x["status"] == "True" for x in (r[2].get("status") or {}).get("conditions", []))
        and r[2]["status"].get("availableReplicas") == 2 else None)(
        c.req("GET", "/apis/apps/v1/namespaces/apps1/deployments/web")), 10)
    check("workload: deployment Available", bool(d), d)
    if d:
        conds = {x["type"]: x for x in d["status"]["conditions"]}
        check("workload: deployment status fields", d["status"].get("observedGeneration") == 1 and
              d["status"].get("readyReplicas") == 2 and d["status"].get("updatedReplicas") == 2 and
              conds["Available"]["reason"] == "MinimumReplicasAvailable" and
              conds["Progressing"]["reason"] == "NewReplicaSetAvailable", d["status"])
    r = c.req("GET", "/api/v1/namespaces/apps1/pods?labelSelector=app%3Dweb")
    pods = r[2]["items"]
    okp = len(pods) == 2 and all(p["status"]["phase"] == "Running" and p["spec"].get("nodeName") and
                                 p["status"]["podIP"].startswith("10.244.") and
                                 p["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet" and
                                 p["status"]["containerStatuses"][0]["image"] == "registry.local/app:1"
                                 for p in pods)
    check("workload: pods running with owner refs, node, IP, image", okp, pods[:1])
    ep = wait_for(lambda: (lambda r: r[2] if r[0] == 200 and r[2].get("subsets") else None)(
        c.req("GET", "/api/v1/namespaces/apps1/endpoints/web")), 5)
    check("endpoints: ready addresses, named targetPort resolved",
          ep and len(ep["subsets"][0].get("addresses", [])) == 2 and ep["subsets"][0]["ports"][0]["port"] == 8443, ep)
    r = c.req("GET", "/apis/discovery.k8s.io/v1/namespaces/apps1/endpointslices?labelSelector="
                     "kubernetes.io%2Fservice-name%3Dweb")
    check("endpoints: EndpointSlice", r[0] == 200 and len(r[2]["items"]) == 1 and
          len(r[2]["items"][0]["endpoints"]) == 2, r[2])
    # no-op SSA of the same manifest must not write
    rv0 = c.req("GET", "/apis/apps/v1/namespaces/apps1/deployments/web")[2]["metadata"]["resourceVersion"]
    r = apply(c, "/apis/apps/v1/namespaces/apps1/deployments/web", deployment("web", labels, replicas=2))
    check("ssa: no-op apply keeps resourceVersion", r[0] == 200 and r[2]["metadata"]["resourceVersion"] == rv0,
          (r[0], r[2].get("metadata", {}).get("resourceVersion"), rv0))
    r = apply(c, "/apis/apps/v1/namespaces/apps1/deployments/web",
              deployment("web", labels, image="registry.local/app:2", replicas=2))
    check("ssa: spec change bumps generation", r[2]["metadata"]["generation"] == 2, r[2]["metadata"])
    d = wait_for(lambda: (lambda r: r[2] if r[2]["status"].get("observedGeneration") == 2 and
                          r[2]["status"].get("updatedReplicas") == 2 and r[2]["status"].get("availableReplicas") == 2
                          and r[2]["status"].get("replicas") == 2 else None)(
        c.req("GET", "/apis/apps/v1/namespaces/apps1/deployments/web")), 10)
    check("workload: rollout to new template", bool(d), d and d.get("status"))
    # GPU scheduling
    gpu = deployment("gpu", {"app": "gpu"}, extra_spec={})
    gpu["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"nvidia.com/gpu": "2"}}
    apply(c, "/apis/apps/v1/namespaces/apps1/deployments/gpu", gpu)
    big = deployment("gpu-big", {"app": "gpu-big"})
    big["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"nvidia.com/gpu": "8"}}
    apply(c, "/apis/apps/v1/namespaces/apps1/deployments/gpu-big", big)
    p = wait_for(lambda: (lambda r: r[2]["items"][0] if r[2]["items"] and r[2]["items"][0]["spec"].get("nodeName")
                          else None)(c.req("GET", "/api/v1/namespaces/apps1/pods?labelSelector=app%3Dgpu")), 5)
    check("scheduler: GPU pod lands on hollow-node-0", p and p["spec"]["nodeName"] == "hollow-node-0", p)
    p = wait_for(lambda: (lambda r: r[2]["items"][0] if r[2]["items"] and any(
        x["type"] == "PodScheduled" and x["status"] == "False" for x in r[2]["items"][0]["status"].get("conditions", []))
        else None)(c.req("GET", "/api/v1/namespaces/apps1/pods?labelSelector=app%3Dgpu-big")), 5)
    msg = [x for x in (p or {}).get("status", {}).get("conditions", []) if x["type"] == "PodScheduled"]
    check("scheduler: too many GPUs -> Unschedulable", msg and msg[0]["reason"] == "Unschedulable" and
          "Insufficient nvidia.com/gpu" in msg[0]["message"], msg)
    # job
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once"},
           "spec": {"template": {"spec": {"restartPolicy": "Never",
                                          "containers": [{"name": "c", "image": "busybox:1"}]}}}}
    c.req("POST", "/apis/batch/v1/namespaces/apps1/jobs", job)
    j = wait_for(lambda: (lambda r: r[2] if any(x["type"] == "Complete" and x["status"] == "True"
                                                for x in r[2].get("status", {}).get("conditions", [])) else None)(
        c.req("GET", "/apis/batch/v1/namespaces/apps1/jobs/once")), 5)
    check("job: completes", j and j["status"].get("succeeded") == 1, j and j.get("status"))


def scenario_failures(c):
    c.req("POST", "/api/v1/namespaces", ns_obj("bad"))
    wait_for(lambda: c.req("GET", "/api/v1/namespaces/bad/serviceaccounts/default")[0] == 200, 5)
    for n in ("never", "crashy", "pending"):
        apply(c, "/apis/apps/v1/namespaces/bad/deployments/" + n,
              deployment(n, {"app": n}, image="registry.local/%s:1" % n))
    p = wait_for(lambda: (lambda r: r[2]["items"][0] if r[2]["items"] and r[2]["items"][0]["status"].get(
        "containerStatuses") and "ImagePullBackOff" in json.dumps(r[2]["items"][0]["status"]) else None)(
        c.req("GET", "/api/v1/namespaces/bad/pods?labelSelector=app%3Dnever")), 5)
    check("neverReady: pod ImagePullBackOff", bool(p), p and p.get("status"))
    ev = wait_for(lambda: [e for e in c.req("GET", "/api/v1/namespaces/bad/events")[2]["items"]
                           if e["reason"] == "Failed" and e["message"].startswith(
                               'Failed to pull image "registry.local/never:1"')], 5)
    check("neverReady: Failed to pull image event", bool(ev) and ev[0]["involvedObject"]["kind"] == "Pod", ev)
    d = wait_for(lambda: (lambda r: r[2] if any(x["type"] == "Progressing" and
                                                x["reason"] == "ProgressDeadlineExceeded"
                                                for x in r[2].get("status", {}).get("conditions", [])) else None)(
        c.req("GET", "/apis/apps/v1/namespaces/bad/deployments/never")), 6)
    check("neverReady: ProgressDeadlineExceeded", bool(d) and any(
        x["type"] == "Available" and x["status"] == "False" for x in d["status"]["conditions"]), d and d["status"])
    p = wait_for(lambda: (lambda r: r[2]["items"][0] if r[2]["items"] and "CrashLoopBackOff" in json.dumps(
        r[2]["items"][0].get("status")) else None)(c.req("GET", "/api/v1/namespaces/bad/pods?labelSelector=app%3Dcrashy")), 5)
    cs = (p or {}).get("status", {}).get("containerStatuses", [{}])[0]
    check("crashLoop: lastState terminated Error exit 1",
          cs.get("lastState", {}).get("terminated", {}).get("reason") == "Error" and
          cs["lastState"]["terminated"]["exitCode"] == 1, cs)
    p = wait_for(lambda: (lambda r: r[2]["items"][0] if r[2]["items"] and any(
        x["type"] == "PodScheduled" and x["status"] == "False" for x in r[2]["items"][0]["status"].get("conditions", []))
        else None)(c.req("GET", "/api/v1/namespaces/bad/pods?labelSelector=app%3Dpending")), 5)
    cond = [x for x in (p or {}).get("status", {}).get("conditions", []) if x["type"] == "PodScheduled"]
    check("unschedulable: message", cond and cond[0]["message"] == "0/3 nodes are available: 3 Insufficient "
                                                                   "nvidia.com/gpu.", cond)
    # missing service account -> ReplicaSet FailedCreate
    sa = deployment("nosa", {"app": "nosa"}, extra_spec={"serviceAccountName": "ghost"})
    apply(c, "/apis/apps/v1/namespaces/bad/deployments/nosa", sa)
    d = wait_for(lambda: (lambda r: r[2] if any(x["type"] == "ReplicaFailure" for x in r[2].get("status", {}).get(
        "conditions", [])) else None)(c.req("GET", "/apis/apps/v1/namespaces/bad/deployments/nosa")), 5)
    check("admission: missing serviceaccount -> ReplicaFailure FailedCreate",
          bool(d) and any('serviceaccount "ghost" not found' in x.get("message", "")
                          for x in d["status"]["conditions"]), d and d["status"])


def webhook_cfg(name, svc_ns, svc, rules, annotations=None, failure="Fail", side="None", ns_sel=None):
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": name, "annotations": annotations or {}},
            "webhooks": [{"name": name + ".hooks.dev", "admissionReviewVersions": ["v1"], "sideEffects": side,
                          "failurePolicy": failure,
                          "clientConfig": {"service": {"name": svc, "namespace": svc_ns, "path": "/validate"}},
                          "rules": rules, "namespaceSelector": ns_sel or {}}]}


def scenario_webhooks(c):
    c.req("POST", "/api/v1/namespaces", ns_obj("hooks"))
    c.req("POST", "/api/v1/namespaces", ns_obj("guarded", {"guard": "yes"}))
    wait_for(lambda: c.req("GET", "/api/v1/namespaces/hooks/serviceaccounts/default")[0] == 200, 5)
    rules = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
              "resources": ["configmaps"]}]
    sel = {"matchLabels": {"guard": "yes"}}
    apply(c, "/api/v1/namespaces/hooks/services/hook-svc",
          {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "hook-svc"},
           "spec": {"selector": {"app": "hook"}, "ports": [{"port": 443, "targetPort": 8443}]}})
    apply(c, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/demo",
          webhook_cfg("demo", "hooks", "hook-svc", rules, ns_sel=sel))
    ip = c.req("GET", "/api/v1/namespaces/hooks/services/hook-svc")[2]["spec"]["clusterIP"]
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1"}}
    r = c.req("POST", "/api/v1/namespaces/guarded/configmaps?dryRun=All", cm)
    want = ('Internal error occurred: failed calling webhook "demo.hooks.dev": failed to call webhook: Post '
            '"https://hook-svc.hooks.svc:443/validate?timeout=10s": dial tcp %s:443: connect: connection refused' % ip)
    check("webhook: no endpoints -> connection refused (500 InternalError)",
          r[0] == 500 and r[2].get("reason") == "InternalError" and r[2].get("message") == want, r[2])
    r = c.req("POST", "/api/v1/namespaces/hooks/configmaps?dryRun=All", cm)
    check("webhook: namespaceSelector excludes other namespaces", r[0] == 201, r[0])
    apply(c, "/apis/apps/v1/namespaces/hooks/deployments/hook", deployment("hook", {"app": "hook"}))
    ok = wait_for(lambda: c.req("POST", "/api/v1/namespaces/guarded/configmaps?dryRun=All", cm)[0] == 201, 8)
    check("webhook: serves once pods are ready and caBundle injected", ok)
    vwc = c.req("GET", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/demo")[2]
    check("ca-injection: self-managed caBundle set", bool(vwc["webhooks"][0]["clientConfig"].get("caBundle")))
    deny = {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c2", "annotations": {"fake.servestack.dev/deny": "nope, not today"}}}
    r = c.req("POST", "/api/v1/namespaces/guarded/configmaps", deny)
    check("webhook: deny annotation -> 400 denied",
          r[0] == 400 and r[2].get("message") == 'admission webhook "demo.hooks.dev" denied the request: nope, not '
                                                 'today', r[2])
    # sideEffects Unknown + dryRun
    apply(c, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/demo",
          webhook_cfg("demo", "hooks", "hook-svc", rules, side="Unknown", ns_sel=sel))
    r = c.req("POST", "/api/v1/namespaces/guarded/configmaps?dryRun=All", cm)
    check("webhook: dryRun with sideEffects Unknown -> 400", r[0] == 400 and "does not support dry run" in
          r[2].get("message", ""), r[2])
    c.req("DELETE", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/demo")
    # refuse window after readiness
    apply(c, "/api/v1/namespaces/hooks/services/slow-svc",
          {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "slow-svc"},
           "spec": {"selector": {"app": "slow"}, "ports": [{"port": 443, "targetPort": 8443}]}})
    apply(c, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/slow",
          webhook_cfg("slow", "hooks", "slow-svc", rules, ns_sel=sel))
    apply(c, "/apis/apps/v1/namespaces/hooks/deployments/slow", deployment("slow", {"app": "slow"}))
    wait_for(lambda: c.req("GET", "/api/v1/namespaces/hooks/endpoints/slow-svc")[2].get("subsets"), 5)
    t_ready = time.time()
    r1 = c.req("POST", "/api/v1/namespaces/guarded/configmaps?dryRun=All", cm)
    ok = wait_for(lambda: c.req("POST", "/api/v1/namespaces/guarded/configmaps?dryRun=All", cm)[0] == 201, 6)
    check("webhook: refused for webhookRefuseSeconds after ready", r1[0] == 500 and "connection refused" in
          r1[2].get("message", "") and ok and time.time() - t_ready >= 1.0, (r1[0], time.time() - t_ready))
    c.req("DELETE", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/slow")
    # cert-manager annotation without a cainjector -> no caBundle -> x509
    apply(c, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/cm",
          webhook_cfg("cm", "hooks", "hook-svc", rules, ns_sel=sel,
                      annotations={"cert-manager.io/inject-ca-from": "hooks/hook-cert"}))
    r = c.req("POST", "/api/v1/namespaces/guarded/configmaps?dryRun=All", cm)
    check("webhook: empty caBundle -> x509 unknown authority",
          r[0] == 500 and "x509: certificate signed by unknown authority" in r[2].get("message", ""), r[2])
    apply(c, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/cm",
          webhook_cfg("cm", "hooks", "hook-svc", rules, ns_sel=sel, failure="Ignore",
                      annotations={"cert-manager.io/inject-ca-from": "hooks/hook-cert"}))
    r = c.req("POST", "/api/v1/namespaces/guarded/configmaps?dryRun=All", cm)
    check("webhook: failurePolicy Ignore lets requests through", r[0] == 201, r)
    c.req("DELETE", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/cm")


def scenario_namespace(c):
    c.req("POST", "/api/v1/namespaces", ns_obj("doomed"))
    c.req("POST", "/api/v1/namespaces/doomed/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                           "metadata": {"name": "stuck",
                                                                        "finalizers": ["selftest/hold"]}})
    r = c.req("DELETE", "/api/v1/namespaces/doomed")
    check("namespace: delete -> Terminating", r[0] == 200 and r[2]["status"]["phase"] == "Terminating", r[2])
    time.sleep(2.5)
    r = c.req("GET", "/api/v1/namespaces/doomed")
    conds = {x["type"]: x for x in r[2].get("status", {}).get("conditions", [])}
    check("namespace: stuck on finalizers", r[0] == 200 and "NamespaceFinalizersRemaining" in conds, r[2].get("status"))
    c.req("PATCH", "/api/v1/namespaces/doomed/configmaps/stuck", {"metadata": {"finalizers": None}},
          ct="application/merge-patch+json")
    ok = wait_for(lambda: c.req("GET", "/api/v1/namespaces/doomed")[0] == 404, 5)
    check("namespace: vanishes after finalizers removed", ok)


def scenario_kserve(c):
    # KServe is played by one stand-in only, the Swift tests' FakeInferenceController (it also routes requests
    # to the real model server): the fake runs no InferenceService controller, even with KServe's own
    # controller Deployment Available, so the stand-in is never raced.
    for plural, kind, scope in (("inferenceservices", "InferenceService", "Namespaced"),
                                ("clusterservingruntimes", "ClusterServingRuntime", "Cluster")):
        c.req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
              {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"name": plural + ".serving.kserve.io"},
               "spec": {"group": "serving.kserve.io", "scope": scope, "names": {"plural": plural, "kind": kind},
                        "versions": [{"name": "v1beta1" if scope == "Namespaced" else "v1alpha1", "served": True,
                                      "storage": True, "subresources": {"status": {}},
                                      "schema": {"openAPIV3Schema": {"type": "object",
                                                                     "x-kubernetes-preserve-unknown-fields": True}}}]}})
    c.req("POST", "/api/v1/namespaces", ns_obj("kserve"))
    c.req("POST", "/api/v1/namespaces", ns_obj("models"))
    wait_for(lambda: c.req("GET", "/api/v1/namespaces/kserve/serviceaccounts/default")[0] == 200 and
             c.req("GET", "/api/v1/namespaces/models/serviceaccounts/default")[0] == 200 and
             c.req("GET", "/apis/serving.kserve.io/v1beta1/inferenceservices")[0] == 200 and
             c.req("GET", "/apis/serving.kserve.io/v1alpha1/clusterservingruntimes")[0] == 200, 5)
    apply(c, "/apis/apps/v1/namespaces/kserve/deployments/kserve-controller-manager",
          deployment("kserve-controller-manager", {"control-plane": "kserve-controller-manager"}))
    # A runtime for the model format, so that nothing but the missing controller keeps a predictor away.
    c.req("POST", "/apis/serving.kserve.io/v1alpha1/clusterservingruntimes",
          {"apiVersion": "serving.kserve.io/v1alpha1", "kind": "ClusterServingRuntime",
           "metadata": {"name": "kserve-sklearnserver"},
           "spec": {"supportedModelFormats": [{"name": "sklearn", "autoSelect": True}],
                    "containers": [{"name": "kserve-container", "image": "kserve/sklearnserver:v0.16.0"}]}})
    available = wait_for(lambda: any(x["type"] == "Available" and x["status"] == "True" for x in (c.req(
        "GET", "/apis/apps/v1/namespaces/kserve/deployments/kserve-controller-manager")[2].get("status") or {}).get(
        "conditions", [])), 5)
    r = c.req("POST", "/apis/serving.kserve.io/v1beta1/namespaces/models/inferenceservices",
              {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": {"name": "iris"},
               "spec": {"predictor": {"sklearn": {"storageUri": "gs://x/y"}}}})
    check("kserve: InferenceService created while KServe's controller Deployment is Available",
          r[0] == 201 and available, (r[0], available))
    time.sleep(1.5)
    deps = c.req("GET", "/apis/apps/v1/namespaces/models/deployments")[2].get("items") or []
    check("kserve: the fake creates no predictor (FakeInferenceController plays KServe)", not deps,
          [d["metadata"]["name"] for d in deps])
    isvc = c.req("GET", "/apis/serving.kserve.io/v1beta1/namespaces/models/inferenceservices/iris")[2]
    check("kserve: the fake writes no InferenceService status", not isvc.get("status"), isvc.get("status"))


def scenario_watch(c):
    c.req("POST", "/api/v1/namespaces", ns_obj("w"))
    rv = c.req("GET", "/api/v1/namespaces/w/configmaps")[2]["metadata"]["resourceVersion"]

    def mutate():
        time.sleep(0.2)
        c2 = Client.__new__(Client)
        c2.__dict__.update(c.__dict__)
        c2.conn = None
        c2.req("POST", "/api/v1/namespaces/w/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                           "metadata": {"name": "a"}})

    t = time.time()
    code, ct, te, evs = c.stream("/api/v1/namespaces/w/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=1"
                                 "&resourceVersion=" + rv, 1, mutate)
    types = [e["type"] for e in evs]
    check("watch: ADDED + BOOKMARK, ends at timeoutSeconds", "ADDED" in types and "BOOKMARK" in types and
          0.9 <= time.time() - t < 3, (types, time.time() - t))
    c.req("PUT", "/fake/config", {"watchHistorySize": 10})
    for i in range(15):
        c.req("POST", "/api/v1/namespaces/w/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                          "metadata": {"name": "x%d" % i}})
    code, ct, te, evs = c.stream("/api/v1/namespaces/w/configmaps?watch=1&resourceVersion=" + rv, 2)
    check("watch: 410 Expired past the history window", evs and evs[0]["type"] == "ERROR" and
          evs[0]["object"]["code"] == 410 and evs[0]["object"]["reason"] == "Expired", evs[:1])
    c.req("PUT", "/fake/config", {"watchHistorySize": 1000})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="fakekube-selftest-")
    cfg = os.path.join(d, "config.json")
    with open(cfg, "w") as f:
        json.dump(CONFIG, f)
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_apiserver.py"), "--port", "0", "--dir", d,
                             "--config", cfg], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    check("startup: READY <port>", line.startswith("READY "), line)
    kc = os.path.join(d, "kubeconfig")
    c = Client(kc)
    try:
        for name, fn in (("auth", lambda: scenario_auth(c, kc)), ("control", lambda: scenario_control(c)),
                         ("crd", lambda: scenario_crd(c)), ("workloads", lambda: scenario_workloads(c)),
                         ("failures", lambda: scenario_failures(c)), ("webhooks", lambda: scenario_webhooks(c)),
                         ("namespace", lambda: scenario_namespace(c)), ("kserve", lambda: scenario_kserve(c)),
                         ("watch", lambda: scenario_watch(c))):
            if args.k and args.k not in name:
                continue
            try:
                fn()
            except Exception as e:  # report and continue with the next scenario
                import traceback
                traceback.print_exc()
                check("scenario %s raised" % name, False, e)
    finally:
        t = time.time()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(10)
        check("shutdown: SIGTERM exits 0 quickly", rc == 0 and time.time() - t < 5, (rc, time.time() - t))
    import shutil
    shutil.rmtree(d, ignore_errors=True)
    failed = [n for n, ok in RESULTS if not ok]
    print("%d passed, %d failed" % (len(RESULTS) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
