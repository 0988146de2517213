"""The simulation's state and the plumbing every controller shares: internal writes through the API
pipeline (admission webhooks included, only real changes), events, and the helpers the API layer calls.
"""

import fnmatch
import time

from .. import util
from ..util import ApiError
from .common import GR_DEPLOY, GR_RS, cond_true, controller_ref


class _IReq:
    """Stand-in request for internal writes."""

    def __init__(self):
        self.log = {}
        self.query = {}
        self.headers = {}
        self.path = ""
        self.closed = lambda: False


class SimBase:
    def __init__(self, server):
        self.s = server
        server.sim = self
        self.pod_ready_at = {}
        self.pod_seen = {}
        self.pod_gate_clear = {}
        self.pod_term = {}
        self.webhook_calls = {}
        self.ip_next = 11
        self.ips = set()
        self.port_next = 30000
        self.pod_ip_next = {}
        self.crd_seen = {}
        self.ns_term = {}
        self.progress = {}
        self.events = {}
        self.backoff = {}
        self.next_due = 0.0
        self.last_rv = -1
        self.last_gc = 0.0
        self.crd_sig = {}
        self.crd_rv = {}
        self.hashes = {}
        self.thread = None

    def alloc_cluster_ip(self):
        while True:
            n = self.ip_next
            self.ip_next += 1
            ip = "10.96.%d.%d" % (n // 250, n % 250 + 1)
            if ip not in self.ips:
                self.ips.add(ip)
                return ip

    def alloc_node_port(self):
        self.port_next += 1
        return self.port_next

    def default_storage_class(self):
        for sc in self.s.store.bucket(("storage.k8s.io", "storageclasses")).values():
            if (sc["metadata"].get("annotations") or {}).get("storageclass.kubernetes.io/is-default-class") == "true":
                return sc["metadata"]["name"]
        return None

    def note_webhook_call(self, name):
        self.webhook_calls[name] = self.webhook_calls.get(name, 0) + 1

    def top_owner(self, pod):
        """'ns/name' of the workload owning a pod (Deployment through its ReplicaSet)."""
        ns = pod["metadata"].get("namespace")
        ref = controller_ref(pod)
        if ref is None:
            return "%s/%s" % (ns, pod["metadata"]["name"]), "Pod"
        if ref.get("kind") == "ReplicaSet":
            rs = self.s.store.get(GR_RS, "%s/%s" % (ns, ref.get("name")))
            if rs is not None:
                r2 = controller_ref(rs)
                if r2 is not None and r2.get("kind") == "Deployment":
                    return "%s/%s" % (ns, r2.get("name")), "Deployment"
        return "%s/%s" % (ns, ref.get("name")), ref.get("kind")

    def failing(self, pod, kind):
        lst = self.s.cfg(kind) or []
        owner, _ = self.top_owner(pod)
        me = "%s/%s" % (pod["metadata"].get("namespace"), pod["metadata"]["name"])
        for pat in lst:
            if fnmatch.fnmatchcase(owner, pat) or fnmatch.fnmatchcase(me, pat):
                return True
        return False

    def res(self, gr, obj=None):
        reg = self.s.registry
        if obj is not None and obj.get("apiVersion"):
            r = reg.by_kind(obj["apiVersion"], obj.get("kind", ""))
            if r is not None and r.gr == gr:
                return r
        return reg.any_version(*gr)

    def create(self, gr, obj, manager):
        r = self.res(gr, obj)
        if r is None:
            return None, None
        ns = obj["metadata"].get("namespace")
        try:
            o, _ = self.s.create(_IReq(), r, ns, obj, manager, False)
            return o, None
        except ApiError as e:
            return None, e

    def write(self, gr, old, new, manager, sub=""):
        r = self.res(gr, old)
        if r is None:
            return None, None
        md = old["metadata"]
        try:
            o, _ = self.s.finish_update(_IReq(), r, md.get("namespace"), md["name"], old, new, sub, manager, False)
            return o, None
        except ApiError as e:
            return None, e

    def write_status(self, gr, old, status, manager):
        if (old.get("status") or {}) == status:
            return old, None
        new = dict(old)
        new["metadata"] = dict(old["metadata"])
        new["status"] = status
        r = self.res(gr, old)
        if r is not None and not r.status:
            return self.write(gr, old, new, manager, "")
        return self.write(gr, old, new, manager, "status")

    def delete(self, gr, obj, opts=None):
        r = self.res(gr, obj)
        if r is None:
            return
        md = obj["metadata"]
        try:
            self.s.delete_obj(r, md.get("namespace"), md["name"], opts or {}, False, internal=True)
        except ApiError:
            pass

    def finalize(self, gr, obj):
        """Actually remove an object whose deletion is pending (finalizers done)."""
        st = self.s.store
        cur = st.get(gr, self._key(obj))
        if cur is None:
            return
        d = util.deep(cur)
        d["metadata"]["resourceVersion"] = str(st.next_rv())
        st.commit(gr, "DELETED", d, cur)

    def _key(self, obj):
        md = obj["metadata"]
        return "%s/%s" % (md["namespace"], md["name"]) if md.get("namespace") else md["name"]

    def event(self, obj, reason, message, etype="Normal", component="kubelet", once=True):
        md = obj["metadata"]
        k = (md.get("uid"), reason, message if once else "")
        now = time.time()
        prev = self.events.get(k)
        if prev is not None and (once or now - prev[0] < 5.0):
            return
        ns = md.get("namespace") or "default"
        ts = util.now_ts()
        if prev is not None:
            ev = self.s.store.get(("", "events"), "%s/%s" % (ns, prev[1]))
            if ev is not None:
                new = util.deep(ev)
                new["count"] = int(ev.get("count") or 1) + 1
                new["lastTimestamp"] = ts
                new["message"] = message
                self.write(("", "events"), ev, new, component)
                self.events[k] = (now, prev[1])
                return
        name = "%s.%s" % (md["name"], "%x" % int(now * 1e9))
        ev = {"apiVersion": "v1", "kind": "Event",
              "metadata": {"name": name, "namespace": ns},
              "involvedObject": {"kind": obj.get("kind"), "namespace": md.get("namespace"), "name": md["name"],
                                 "uid": md.get("uid"), "apiVersion": obj.get("apiVersion"),
                                 "resourceVersion": md.get("resourceVersion")},
              "reason": reason, "message": message, "source": {"component": component},
              "firstTimestamp": ts, "lastTimestamp": ts, "count": 1, "type": etype, "eventTime": None,
              "reportingComponent": component, "reportingInstance": ""}
        if not md.get("namespace"):
            ev["involvedObject"].pop("namespace")
        self.create(("", "events"), ev, component)
        self.events[k] = (now, name)

    def due(self, t):
        if t < self.next_due:
            self.next_due = t

    def deployment_available(self, pred):
        for d in self.s.store.bucket(GR_DEPLOY).values():
            if pred(d["metadata"]["name"]) and cond_true(d, "Available") and not d["metadata"].get("deletionTimestamp"):
                return True
        return False
