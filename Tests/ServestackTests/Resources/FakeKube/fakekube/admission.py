"""Simulated admission webhooks and conversion webhooks.

A webhook "answers" when its Service exists, selects at least one Ready pod, the
refuse window (config webhookRefuseSeconds) after it became ready has passed and
its caBundle is set. Otherwise the request fails exactly the way the real
apiserver reports it (500 InternalError "failed calling webhook ...").
"""

import time

from . import util

DENY_ANNOTATION = "fake.servestack.dev/deny"
SKIP_GROUPS = {"admissionregistration.k8s.io", "authorization.k8s.io", "authentication.k8s.io"}


def _rule_matches(rule, op, r, sub, exact):
    ops = rule.get("operations") or []
    if "*" not in ops and op not in ops:
        return False
    groups = rule.get("apiGroups") or []
    if "*" not in groups and r.group not in groups:
        return False
    versions = rule.get("apiVersions") or []
    if exact and "*" not in versions and r.version not in versions:
        return False
    ok = False
    for res in rule.get("resources") or []:
        if "/" in res:
            rr, ss = res.split("/", 1)
        else:
            rr, ss = res, ""
        if (rr == "*" or rr == r.plural) and (ss == "*" or ss == sub):
            ok = True
            break
    if not ok:
        return False
    scope = rule.get("scope") or "*"
    if scope == "Cluster" and r.namespaced:
        return False
    if scope == "Namespaced" and not r.namespaced:
        return False
    return True


class Webhooks:
    def __init__(self, server):
        self.server = server

    def service_state(self, ns, name):
        """(service or None, ready: bool, ready_since: float or None)"""
        st = self.server.store
        svc = st.get(("", "services"), "%s/%s" % (ns, name))
        if svc is None:
            return None, False, None
        sel = (svc.get("spec") or {}).get("selector")
        if not sel:
            # a selector-less service answers if someone maintains ready Endpoints for it
            ep = st.get(("", "endpoints"), "%s/%s" % (ns, name))
            ready = bool(ep and any(s.get("addresses") for s in ep.get("subsets") or []))
            return svc, ready, 0.0 if ready else None
        since = None
        for p in st.bucket(("", "pods")).values():
            md = p["metadata"]
            if md.get("namespace") != ns or md.get("deletionTimestamp"):
                continue
            if not util.map_selector_match(sel, md.get("labels")):
                continue
            if not _pod_ready(p):
                continue
            t = self.server.sim.pod_ready_at.get(md.get("uid"), 0.0)
            since = t if since is None else min(since, t)
        return svc, since is not None, since

    def call_error(self, wh):
        """None if the webhook answers, else the error text (without the outer wrapping)."""
        cc = wh.get("clientConfig") or {}
        svc_ref = cc.get("service")
        if not svc_ref:
            return None  # URL webhooks cannot be simulated: treated as answering
        ns = svc_ref.get("namespace", "")
        name = svc_ref.get("name", "")
        port = svc_ref.get("port") or 443
        path = svc_ref.get("path") or ""
        url = 'Post "https://%s.%s.svc:%s%s?timeout=%ds"' % (name, ns, port, path, wh.get("timeoutSeconds") or 10)
        svc, ready, since = self.service_state(ns, name)
        if svc is None:
            return 'failed to call webhook: %s: service "%s" not found' % (url, name)
        ip = (svc.get("spec") or {}).get("clusterIP") or "10.96.0.10"
        refused = 'failed to call webhook: %s: dial tcp %s:%s: connect: connection refused' % (url, ip, port)
        if not ready:
            return refused
        refuse = (self.server.cfg("webhookRefuseSeconds") or {}).get("%s/%s" % (ns, name), 0)
        if refuse and since is not None and time.time() - since < float(refuse):
            return refused
        if not cc.get("caBundle"):
            return ("failed to call webhook: %s: tls: failed to verify certificate: "
                    "x509: certificate signed by unknown authority" % url)
        return None

    def admit(self, op, r, ns, sub, obj, old, dry_run, phase):
        """Run matching webhooks of one phase ('mutating' | 'validating'). Raises ApiError."""
        if r.group in SKIP_GROUPS:
            return
        st = self.server.store
        gr = ("admissionregistration.k8s.io",
              "mutatingwebhookconfigurations" if phase == "mutating" else "validatingwebhookconfigurations")
        configs = sorted(st.bucket(gr).values(), key=lambda o: o["metadata"]["name"])
        if not configs:
            return
        ns_labels = None
        if r.namespaced and ns:
            nso = st.get(("", "namespaces"), ns)
            ns_labels = (nso or {}).get("metadata", {}).get("labels") or {}
        elif r.gr == ("", "namespaces"):
            ns_labels = ((obj or old) or {}).get("metadata", {}).get("labels") or {}
        new_labels = ((obj or {}).get("metadata") or {}).get("labels") or {}
        old_labels = ((old or {}).get("metadata") or {}).get("labels") or {}
        for cfg in configs:
            for wh in cfg.get("webhooks") or []:
                exact = wh.get("matchPolicy") == "Exact"
                if not any(_rule_matches(rule, op, r, sub, exact) for rule in wh.get("rules") or []):
                    continue
                nsel = wh.get("namespaceSelector")
                if ns_labels is not None and nsel and not util.selector_match(nsel, ns_labels):
                    continue
                osel = wh.get("objectSelector")
                if osel and not (util.selector_match(osel, new_labels) or
                                 (old is not None and util.selector_match(osel, old_labels))):
                    continue
                err = self.call_error(wh)
                name = wh.get("name", "")
                if err is not None:
                    if (wh.get("failurePolicy") or "Fail") == "Ignore":
                        continue
                    raise util.ApiError(500, "InternalError",
                                        'Internal error occurred: failed calling webhook "%s": %s' % (name, err),
                                        {"causes": [{"message": 'failed calling webhook "%s": %s' % (name, err)}]})
                if dry_run and (wh.get("sideEffects") or "Unknown") not in ("None", "NoneOnDryRun"):
                    raise util.bad_request('admission webhook "%s" does not support dry run' % name)
                self.server.sim.note_webhook_call(name)
                if phase == "validating":
                    target = obj if op != "DELETE" else old
                    ann = ((target or {}).get("metadata") or {}).get("annotations") or {}
                    if DENY_ANNOTATION in ann:
                        msg = ann[DENY_ANNOTATION]
                        raise util.ApiError(400, "", 'admission webhook "%s" denied the request: %s' % (name, msg))

    def conversion_error(self, r, from_version):
        """Error text if a CRD conversion webhook would fail, else None."""
        conv = r.conversion or {}
        if conv.get("strategy") != "Webhook":
            return None
        cc = ((conv.get("webhook") or {}).get("clientConfig")) or {}
        with self.server.store.lock:
            err = self.call_error({"clientConfig": cc, "timeoutSeconds": 30})
        if err is None:
            return None
        return "conversion webhook for %s/%s, Kind=%s failed: %s" % (
            r.group, from_version, r.kind, err.replace("failed to call webhook: ", ""))


def _pod_ready(p):
    for c in (p.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False
