"""What the workload controllers share: template hashes, owned objects, and pod creation with back-off
and FailedCreate/SuccessfulCreate events.
"""

import json
import time

from .. import util
from .common import GR_POD, cond_true, controller_ref, owner_ref


class Workloads:
    def template_hash(self, obj, tmpl):
        md = obj["metadata"]
        k = (md["uid"], md.get("generation"), md.get("resourceVersion") if not md.get("generation") else None)
        h = self.hashes.get(k)
        if h is None:
            h = util.safe_hash(json.dumps(tmpl or {}, sort_keys=True))
            self.hashes[k] = h
        return h

    def owned(self, gr, owner):
        uid = owner["metadata"]["uid"]
        ns = owner["metadata"].get("namespace")
        out = []
        for o in self.s.store.bucket(gr).values():
            if o["metadata"].get("namespace") != ns:
                continue
            ref = controller_ref(o)
            if ref and ref.get("uid") == uid:
                out.append(o)
        return out

    def _make_pod(self, owner, r_owner, tmpl, name, extra_labels=None, node=None):
        md = owner["metadata"]
        t = util.deep(tmpl or {})
        tm = t.get("metadata") or {}
        labels = dict(tm.get("labels") or {})
        labels.update(extra_labels or {})
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": md["namespace"], "labels": labels,
                            "ownerReferences": [owner_ref(owner, r_owner)]},
               "spec": t.get("spec") or {}}
        if tm.get("annotations"):
            pod["metadata"]["annotations"] = dict(tm["annotations"])
        if node:
            pod["spec"]["nodeName"] = node
        return pod

    def _create_pod(self, owner, gr_owner, pod, comp):
        bk = self.backoff.get(owner["metadata"]["uid"])
        now = time.time()
        if bk and now < bk:
            self.due(bk)
            return None, "backoff"
        p, err = self.create(GR_POD, pod, comp)
        if err is not None:
            self.backoff[owner["metadata"]["uid"]] = now + 1.0
            self.due(now + 1.0)
            msg = "Error creating: %s" % err.message
            self.event(owner, "FailedCreate", msg, "Warning", component=comp, once=False)
            return None, err.message
        self.backoff.pop(owner["metadata"]["uid"], None)
        self.event(owner, "SuccessfulCreate", "Created pod: %s" % p["metadata"]["name"], component=comp)
        return p, None

    def _pod_counts(self, pods):
        ready = sum(1 for p in pods if cond_true(p, "Ready"))
        return ready
