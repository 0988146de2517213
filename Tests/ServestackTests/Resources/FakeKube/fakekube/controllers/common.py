"""Names and helpers the simulated controllers share: group/resource keys, conditions, owner references,
quantities.
"""

import hashlib

RBAC = "rbac.authorization.k8s.io"
CM = "cert-manager.io"

GR_DEPLOY = ("apps", "deployments")
GR_RS = ("apps", "replicasets")
GR_STS = ("apps", "statefulsets")
GR_DS = ("apps", "daemonsets")
GR_JOB = ("batch", "jobs")
GR_POD = ("", "pods")
GR_SVC = ("", "services")
GR_NS = ("", "namespaces")
GR_CRD = ("apiextensions.k8s.io", "customresourcedefinitions")
GR_MWC = ("admissionregistration.k8s.io", "mutatingwebhookconfigurations")
GR_VWC = ("admissionregistration.k8s.io", "validatingwebhookconfigurations")


def fake_pem(label, seed):
    body = hashlib.sha256(("%s|%s" % (label, seed)).encode()).digest() * 24
    import base64
    b = base64.b64encode(body).decode()
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)


def set_cond(conds, ctype, status, reason, message, now, extra=None):
    """Set a condition keeping lastTransitionTime when status is unchanged. Returns new list."""
    conds = [dict(c) for c in (conds or [])]
    for c in conds:
        if c.get("type") == ctype:
            if c.get("status") != status:
                c["lastTransitionTime"] = now
                if "lastUpdateTime" in c or (extra and "lastUpdateTime" in extra):
                    c["lastUpdateTime"] = now
            elif (c.get("reason") != reason or c.get("message") != message) and "lastUpdateTime" in c:
                c["lastUpdateTime"] = now
            c["status"] = status
            c["reason"] = reason
            c["message"] = message
            return conds
    c = {"type": ctype, "status": status}
    if extra:
        c.update(extra)
    c.update({"lastTransitionTime": now, "reason": reason, "message": message})
    conds.append(c)
    return conds


def get_cond(obj, ctype):
    for c in ((obj.get("status") or {}).get("conditions") or []):
        if c.get("type") == ctype:
            return c
    return None


def cond_true(obj, ctype):
    c = get_cond(obj, ctype)
    return bool(c and c.get("status") == "True")


def controller_ref(obj):
    for o in obj["metadata"].get("ownerReferences") or []:
        if o.get("controller"):
            return o
    return None


def owner_ref(obj, r):
    md = obj["metadata"]
    return {"apiVersion": r.api_version, "kind": r.kind, "name": md["name"], "uid": md["uid"], "controller": True,
            "blockOwnerDeletion": True}


def int_or_pct(v, total, round_up):
    if isinstance(v, str) and v.endswith("%"):
        x = total * int(v[:-1]) / 100.0
        import math
        return int(math.ceil(x)) if round_up else int(math.floor(x))
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def quantity(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        s = str(v)
        for suf, mul in (("m", 0.001), ("k", 1e3), ("Ki", 1024), ("M", 1e6), ("Mi", 1 << 20), ("G", 1e9),
                         ("Gi", 1 << 30), ("T", 1e12), ("Ti", 1 << 40)):
            if s.endswith(suf):
                try:
                    return float(s[:-len(suf)]) * mul
                except ValueError:
                    return 0.0
        return 0.0
