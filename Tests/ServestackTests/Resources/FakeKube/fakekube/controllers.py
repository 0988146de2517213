"""Simulated cluster components, run by one background thread.

Controllers (see README "Simulated controllers"): nodes, namespace-lifecycle,
serviceaccount/root-ca, crd-establishing, deployment, replicaset, statefulset,
daemonset, job, scheduler, kubelet, endpoints (+ endpointslices), garbage-collector,
hpa, pdb, service-loadbalancer, pv-provisioner, token-secrets, clusterrole-aggregation,
cert-manager (issuers/certificates), ca-injector, knative-webhook-rules, apiservices.
Every write goes through the same API pipeline as client requests (admission
webhooks included), and only when something actually changes.
"""

import fnmatch
import hashlib
import json
import threading
import time

from . import resources, util
from .util import ApiError

SYSTEM_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure")
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


class _IReq:
    """Stand-in request for internal writes."""

    def __init__(self):
        self.log = {}
        self.query = {}
        self.headers = {}
        self.path = ""
        self.closed = lambda: False


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


def _int_or_pct(v, total, round_up):
    if isinstance(v, str) and v.endswith("%"):
        x = total * int(v[:-1]) / 100.0
        import math
        return int(math.ceil(x)) if round_up else int(math.floor(x))
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def _qty(v):
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


class Sim:
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

    # -- helpers used by the API layer ------------------------------------------------
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

    # -- internal writes ------------------------------------------------------------------
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

    # -- bootstrap ------------------------------------------------------------------------
    def node_specs(self):
        nodes = self.s.cfg("nodes")
        if nodes is None:
            nodes = [{"name": "hollow-node-0", "labels": {"nvidia.com/gpu.present": "true"},
                      "capacity": {"nvidia.com/gpu": "4"}},
                     {"name": "hollow-node-1"}, {"name": "hollow-node-2"}]
        out = []
        for i, n in enumerate(nodes):
            if isinstance(n, str):
                n = {"name": n}
            out.append(dict(n, _index=i))
        return out

    def node_object(self, n):
        name = n["name"]
        i = n["_index"]
        cap = {"cpu": "8", "ephemeral-storage": "100Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
               "memory": "32Gi", "pods": "110"}
        cap.update({k: str(v) for k, v in (n.get("capacity") or {}).items()})
        alloc = dict(cap)
        alloc.update({k: str(v) for k, v in (n.get("allocatable") or {}).items()})
        labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
        labels.update(n.get("labels") or {})
        ready = n.get("ready", True)
        now = util.now_ts()
        conds = [{"type": t, "status": "False", "lastHeartbeatTime": now, "lastTransitionTime": now,
                  "reason": "Kubelet" + {"MemoryPressure": "HasSufficientMemory", "DiskPressure": "HasNoDiskPressure",
                                         "PIDPressure": "HasSufficientPID"}[t],
                  "message": "kubelet has " + {"MemoryPressure": "sufficient memory available",
                                               "DiskPressure": "no disk pressure",
                                               "PIDPressure": "sufficient PID available"}[t]}
                 for t in SYSTEM_CONDITIONS]
        conds.append({"type": "Ready", "status": "True" if ready else "False", "lastHeartbeatTime": now,
                      "lastTransitionTime": now, "reason": "KubeletReady" if ready else "KubeletNotReady",
                      "message": "kubelet is posting ready status" if ready else "container runtime is down"})
        ver = self.s.cfg("version")
        spec = {"podCIDR": "10.244.%d.0/24" % i, "podCIDRs": ["10.244.%d.0/24" % i]}
        if n.get("taints"):
            spec["taints"] = n["taints"]
        if n.get("unschedulable"):
            spec["unschedulable"] = True
        return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels,
                                                                 "annotations": n.get("annotations") or {
                                                                     "node.alpha.kubernetes.io/ttl": "0"}},
                "spec": spec,
                "status": {"capacity": cap, "allocatable": alloc, "conditions": conds,
                           # Loopback node addresses: a test that finds a NodePort through them must stay on this machine.
                           "addresses": [{"type": "InternalIP", "address": "127.0.0.%d" % (i + 10)},
                                         {"type": "Hostname", "address": name}],
                           "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                           "nodeInfo": {"machineID": hashlib.md5(name.encode()).hexdigest(),
                                        "systemUUID": util.new_uid(), "bootID": util.new_uid(),
                                        "kernelVersion": "6.1.0-fake", "osImage": "Debian GNU/Linux 12 (bookworm)",
                                        "containerRuntimeVersion": "containerd://1.7.22", "kubeletVersion": ver,
                                        "kubeProxyVersion": ver, "operatingSystem": "linux",
                                        "architecture": "amd64"}}}

    def sync_nodes(self):
        with self.s.store.lock:
            specs = self.node_specs()
            want = {n["name"]: n for n in specs}
            for name, node in list(self.s.store.bucket(("", "nodes")).items()):
                if name not in want and (node["metadata"].get("labels") or {}).get("fake.servestack.dev/node") != "manual":
                    self.delete(("", "nodes"), node, {"gracePeriodSeconds": 0})
            for name, n in want.items():
                cur = self.s.store.get(("", "nodes"), name)
                obj = self.node_object(n)
                if cur is None:
                    st = obj.pop("status")
                    o, err = self.create(("", "nodes"), obj, "kubelet")
                    if o is not None:
                        self.write_status(("", "nodes"), o, st, "kubelet")
                else:
                    new = util.deep(cur)
                    new["metadata"]["labels"] = obj["metadata"]["labels"]
                    new["spec"] = obj["spec"]
                    if new != cur:
                        cur, _ = self.write(("", "nodes"), cur, new, "kubelet")
                    if cur is not None:
                        st = util.deep(cur.get("status") or {})
                        st["capacity"] = obj["status"]["capacity"]
                        st["allocatable"] = obj["status"]["allocatable"]
                        for c in st.get("conditions") or []:
                            if c["type"] == "Ready":
                                want_s = "True" if n.get("ready", True) else "False"
                                if c["status"] != want_s:
                                    c["status"] = want_s
                                    c["lastTransitionTime"] = util.now_ts()
                                    c["reason"] = "KubeletReady" if want_s == "True" else "KubeletNotReady"
                        self.write_status(("", "nodes"), cur, st, "kubelet")

    def bootstrap(self):
        s = self.s
        st = s.store
        with st.lock:
            for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
                self.create(GR_NS, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                            "kube-apiserver")
            self.sync_nodes()
            for name, val in (("system-cluster-critical", 2000000000), ("system-node-critical", 2000001000)):
                self.create(("scheduling.k8s.io", "priorityclasses"),
                            {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                             "metadata": {"name": name}, "value": val, "preemptionPolicy": "PreemptLowerPriority",
                             "description": "Used for system critical pods that must run in the cluster, but can be "
                                            "moved to another node if necessary."}, "kube-apiserver")
            self.create(("rbac.authorization.k8s.io", "clusterroles"),
                        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                         "metadata": {"name": "cluster-admin",
                                      "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                                      "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
                         "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                                   {"nonResourceURLs": ["*"], "verbs": ["*"]}]}, "kube-apiserver")
            ro = ["get", "list", "watch"]
            rw = ro + ["create", "delete", "deletecollection", "patch", "update"]
            common = ["pods", "services", "endpoints", "configmaps", "persistentvolumeclaims", "serviceaccounts",
                      "events", "replicationcontrollers"]
            for name, verbs, extra in (("view", ro, []), ("edit", rw, ["secrets"]),
                                       ("admin", rw, ["secrets", "roles", "rolebindings"])):
                self.create(("rbac.authorization.k8s.io", "clusterroles"),
                            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                             "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
                             "rules": [{"apiGroups": [""], "resources": common + extra, "verbs": verbs},
                                       {"apiGroups": ["apps", "batch", "autoscaling", "policy", "networking.k8s.io"],
                                        "resources": ["*"], "verbs": verbs}] +
                                      ([{"apiGroups": ["rbac.authorization.k8s.io"],
                                         "resources": ["roles", "rolebindings"], "verbs": rw}]
                                       if name == "admin" else [])}, "kube-apiserver")
            self.create(("rbac.authorization.k8s.io", "clusterrolebindings"),
                        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                         "metadata": {"name": "cluster-admin",
                                      "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
                         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                     "name": "cluster-admin"},
                         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                                       "name": "system:masters"}]}, "kube-apiserver")
            if s.cfg("defaultStorageClass"):
                self.create(("storage.k8s.io", "storageclasses"),
                            {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                             "metadata": {"name": "default", "annotations": {
                                 "storageclass.kubernetes.io/is-default-class": "true"}},
                             "provisioner": "fake.servestack.dev/nfs", "reclaimPolicy": "Delete",
                             "volumeBindingMode": "Immediate", "allowVolumeExpansion": True}, "kube-apiserver")
            svc, _ = self.create(GR_SVC, {"apiVersion": "v1", "kind": "Service",
                                          "metadata": {"name": "kubernetes", "namespace": "default",
                                                       "labels": {"component": "apiserver",
                                                                  "provider": "kubernetes"}},
                                          "spec": {"clusterIP": "10.96.0.1",
                                                   "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                                              "targetPort": 6443}]}}, "kube-apiserver")
            self.ips.add("10.96.0.1")
            port = int(s.addr.rsplit(":", 1)[-1]) if ":" in s.addr else 6443
            self.create(("", "endpoints"), {"apiVersion": "v1", "kind": "Endpoints",
                                            "metadata": {"name": "kubernetes", "namespace": "default",
                                                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
                                            "subsets": [{"addresses": [{"ip": "127.0.0.1"}],
                                                         "ports": [{"name": "https", "port": port,
                                                                    "protocol": "TCP"}]}]}, "kube-apiserver")
            for g in s.registry.ordered_groups():
                for v in s.registry.groups[g]:
                    self.ensure_apiservice(g, v, local=True)
            self.reconcile()
            st.start_recording()

    def ensure_apiservice(self, g, v, local=True):
        name = "%s.%s" % (v, g) if g else v
        if self.s.store.get(("apiregistration.k8s.io", "apiservices"), name) is not None:
            return
        spec = {"version": v, "groupPriorityMinimum": 1000 if not local else 18000, "versionPriority": 15}
        if g:
            spec["group"] = g
        o, _ = self.create(("apiregistration.k8s.io", "apiservices"),
                           {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                            "metadata": {"name": name, "labels": {"kube-aggregator.kubernetes.io/automanaged": "onstart"
                                                                  if local else "true"}},
                            "spec": spec}, "kube-apiserver")
        if o is not None:
            self.write_status(("apiregistration.k8s.io", "apiservices"), o, {"conditions": [
                {"type": "Available", "status": "True", "lastTransitionTime": util.now_ts(), "reason": "Local",
                 "message": "Local APIServices are always available"}]}, "kube-apiserver")

    # -- loop -----------------------------------------------------------------------------
    def start(self):
        self.thread = threading.Thread(target=self.run, name="controllers", daemon=True)
        self.thread.start()

    def run(self):
        st = self.s.store
        while not self.s.stopping.is_set():
            interval = float(self.s.cfg("controllerIntervalSeconds") or 0.05)
            try:
                now = time.time()
                if st.rv != self.last_rv or now >= self.next_due:
                    self.next_due = now + 1.0
                    self.last_rv = st.rv
                    self.reconcile()
            except Exception:  # keep simulating even if one pass hits a bug
                import traceback
                traceback.print_exc()
                time.sleep(0.5)
            time.sleep(interval)

    def due(self, t):
        if t < self.next_due:
            self.next_due = t

    def reconcile(self):
        now = time.time()
        st = self.s.store
        steps = [self.crds, self.namespaces, self.token_secrets, self.aggregation, self.deployments,
                 self.replicasets, self.statefulsets, self.daemonsets, self.jobs, self.scheduler, self.kubelet,
                 self.endpoints, self.hpas, self.pdbs, self.services, self.pvcs]
        if self.s.cfg("certManager"):
            steps.append(self.cert_manager)
        steps.append(self.ca_injection)
        if self.s.cfg("knativeWebhookRules"):
            steps.append(self.knative_rules)
        if self.s.cfg("kserve"):
            steps.append(self.inference_services)
        if now - self.last_gc > 0.1:
            self.last_gc = now
            steps.append(self.gc)
        for step in steps:
            with st.lock:
                if step.__code__.co_argcount == 2:
                    step(now)
                else:
                    step()
            time.sleep(0)

    # -- CRDs ---------------------------------------------------------------------------
    def crds(self, now):
        st = self.s.store
        reg = self.s.registry
        for name, crd in list(st.bucket(GR_CRD).items()):
            md = crd["metadata"]
            uid = md["uid"]
            if md.get("deletionTimestamp"):
                self.crd_terminate(crd, now)
                continue
            established = cond_true(crd, "Established")
            if established and name in reg.crds and self.crd_rv.get(name) == md.get("resourceVersion"):
                continue
            self.crd_rv[name] = md.get("resourceVersion")
            sig = json.dumps([crd["spec"].get("versions"), crd["spec"].get("names"), crd["spec"].get("scope"),
                              crd["spec"].get("conversion")], sort_keys=True)
            if not established:
                seen = self.crd_seen.setdefault(uid, now)
                delay = float(self.s.cfg("crdEstablishDelaySeconds") or 0)
                if now - seen < delay:
                    self.due(seen + delay)
                    continue
                nowts = util.now_ts()
                names = dict(crd["spec"].get("names") or {})
                names.setdefault("singular", names.get("kind", "").lower())
                names.setdefault("listKind", names.get("kind", "") + "List")
                status = util.deep(crd.get("status") or {})
                status["acceptedNames"] = names
                conds = set_cond(status.get("conditions"), "NamesAccepted", "True", "NoConflicts",
                                 "no conflicts found", nowts)
                conds = set_cond(conds, "Established", "True", "InitialNamesAccepted",
                                 "the initial names have been accepted", nowts)
                status["conditions"] = conds
                reg.set_crd(name, resources.crd_resources(crd))
                self.crd_sig[name] = sig
                if crd is not None:
                    self.write_status(GR_CRD, crd, status, "kube-apiserver")
                    for v in crd["spec"].get("versions") or []:
                        if v.get("served"):
                            self.ensure_apiservice(crd["spec"]["group"], v["name"], local=False)
            elif self.crd_sig.get(name) != sig or name not in reg.crds:
                reg.set_crd(name, resources.crd_resources(crd))
                self.crd_sig[name] = sig
                names = dict(crd["spec"].get("names") or {})
                names.setdefault("singular", names.get("kind", "").lower())
                names.setdefault("listKind", names.get("kind", "") + "List")
                status = util.deep(crd.get("status") or {})
                status["acceptedNames"] = names
                stored = status.setdefault("storedVersions", [])
                for v in crd["spec"].get("versions") or []:
                    if v.get("storage") and v["name"] not in stored:
                        stored.append(v["name"])
                self.write_status(GR_CRD, crd, status, "kube-apiserver")
        for name in list(reg.crds):
            if st.get(GR_CRD, name) is None:
                reg.set_crd(name, None)
                self.crd_sig.pop(name, None)

    def crd_terminate(self, crd, now):
        st = self.s.store
        name = crd["metadata"]["name"]
        spec = crd["spec"]
        gr = (spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
        items = list(st.bucket(gr).values())
        nowts = util.now_ts()
        status = util.deep(crd.get("status") or {})
        status["conditions"] = set_cond(status.get("conditions"), "Terminating", "True",
                                        "InstanceDeletionInProgress", "CustomResource deletion is in progress", nowts)
        crd2, _ = self.write_status(GR_CRD, crd, status, "kube-apiserver")
        crd = crd2 or crd
        if items:
            for o in items:
                if not o["metadata"].get("deletionTimestamp"):
                    self.delete(gr, o)
            if any(st.bucket(gr).values()):
                return
        self.s.registry.set_crd(name, None)
        fin = [f for f in crd["metadata"].get("finalizers") or [] if f != "customresourcecleanup.apiextensions.k8s.io"]
        new = util.deep(crd)
        new["metadata"]["finalizers"] = fin
        if not fin:
            new["metadata"].pop("finalizers")
        self.write(GR_CRD, crd, new, "kube-apiserver")

    # -- namespaces -----------------------------------------------------------------------
    def namespaces(self, now):
        st = self.s.store
        # istiod publishes its root certificate into every namespace once it runs; Istio's gateways mount it.
        istiod = self.deployment_available(lambda n: n == "istiod")
        for name, ns in list(st.bucket(GR_NS).items()):
            md = ns["metadata"]
            if not md.get("deletionTimestamp"):
                if istiod and st.get(("", "configmaps"), "%s/istio-ca-root-cert" % name) is None:
                    self.create(("", "configmaps"), {"apiVersion": "v1", "kind": "ConfigMap",
                                                     "metadata": {"name": "istio-ca-root-cert", "namespace": name,
                                                                  "labels": {"istio.io/config": "true"}},
                                                     "data": {"root-cert.pem": self.s.ca_pem}}, "pilot-discovery")
                if st.get(("", "serviceaccounts"), "%s/default" % name) is None:
                    self.create(("", "serviceaccounts"), {"apiVersion": "v1", "kind": "ServiceAccount",
                                                          "metadata": {"name": "default", "namespace": name}},
                                "kube-controller-manager")
                if st.get(("", "configmaps"), "%s/kube-root-ca.crt" % name) is None:
                    self.create(("", "configmaps"), {"apiVersion": "v1", "kind": "ConfigMap",
                                                     "metadata": {"name": "kube-root-ca.crt", "namespace": name,
                                                                  "annotations": {
                                                                      "kubernetes.io/description":
                                                                          "Contains a CA bundle that can be used to "
                                                                          "verify the kube-apiserver when using "
                                                                          "internal endpoints such as the internal "
                                                                          "service IP or kubernetes.default.svc. No "
                                                                          "other usage is guaranteed across "
                                                                          "distributions of Kubernetes clusters."}},
                                                     "data": {"ca.crt": self.s.ca_pem}}, "kube-controller-manager")
                continue
            t0 = self.ns_term.setdefault(md["uid"], now)
            remaining = []
            finals = {}
            for gr, bucket in list(st.data.items()):
                if gr == GR_NS:
                    continue
                for key, o in list(bucket.items()):
                    if o["metadata"].get("namespace") != name:
                        continue
                    remaining.append((gr, o))
            for gr, o in remaining:
                if not o["metadata"].get("deletionTimestamp"):
                    self.delete(gr, o, {"propagationPolicy": "Background"})
                for f in o["metadata"].get("finalizers") or []:
                    finals[f] = finals.get(f, 0) + 1
            left = [(gr, o) for gr, bucket in st.data.items() if gr != GR_NS
                    for o in bucket.values() if o["metadata"].get("namespace") == name]
            delay = float(self.s.cfg("namespaceDeleteSeconds") or 0)
            nowts = util.now_ts()
            status = util.deep(ns.get("status") or {})
            status["phase"] = "Terminating"
            conds = status.get("conditions") or []
            if left:
                grs = {}
                for gr, o in left:
                    grs[gr] = grs.get(gr, 0) + 1
                msg = "Some resources are remaining: %s" % ", ".join(
                    "%s has %d resource instances" % (util.qualified(g, r), n) for (g, r), n in sorted(grs.items()))
                conds = set_cond(conds, "NamespaceContentRemaining", "True", "SomeResourcesRemain", msg, nowts)
                if finals:
                    conds = set_cond(conds, "NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
                                     "Some content in the namespace has finalizers remaining: %s" % ", ".join(
                                         "%s in %d resource instances" % (f, n) for f, n in sorted(finals.items())),
                                     nowts)
                if now - t0 > 2.0:
                    self.write_status(GR_NS, ns, dict(status, conditions=conds), "kube-controller-manager")
                self.due(now + 0.2)
                continue
            if now - t0 < delay:
                self.due(t0 + delay)
                continue
            # content gone: drop the "kubernetes" finalizer and remove the namespace
            new = util.deep(ns)
            new.setdefault("spec", {})["finalizers"] = []
            if not md.get("finalizers"):
                self.finalize(GR_NS, ns)
                self.ns_term.pop(md["uid"], None)
            else:
                self.write(GR_NS, ns, new, "kube-controller-manager")

    # -- token secrets & aggregation ------------------------------------------------------
    def token_secrets(self):
        st = self.s.store
        for key, sec in list(st.bucket(("", "secrets")).items()):
            if sec.get("type") != "kubernetes.io/service-account-token":
                continue
            if (sec.get("data") or {}).get("token"):
                continue
            ann = sec["metadata"].get("annotations") or {}
            san = ann.get("kubernetes.io/service-account.name")
            ns = sec["metadata"]["namespace"]
            sa = st.get(("", "serviceaccounts"), "%s/%s" % (ns, san)) if san else None
            if sa is None:
                continue
            tok = self.s.authn.sa_token(ns, san, sa["metadata"]["uid"])
            new = util.deep(sec)
            new["metadata"].setdefault("annotations", {})["kubernetes.io/service-account.uid"] = sa["metadata"]["uid"]
            new["data"] = {"token": util.b64(tok), "ca.crt": util.b64(self.s.ca_pem), "namespace": util.b64(ns)}
            self.write(("", "secrets"), sec, new, "kube-controller-manager")

    def aggregation(self):
        st = self.s.store
        crs = st.bucket((RBAC, "clusterroles"))
        for name, cr in list(crs.items()):
            agg = cr.get("aggregationRule")
            if not agg:
                continue
            rules = []
            for other_name in sorted(crs):
                other = crs[other_name]
                if other_name == name:
                    continue
                labels = other["metadata"].get("labels") or {}
                if any(util.selector_match(sel, labels) for sel in agg.get("clusterRoleSelectors") or []):
                    for rule in other.get("rules") or []:
                        if rule not in rules:
                            rules.append(rule)
            if (cr.get("rules") or []) != rules:
                new = util.deep(cr)
                new["rules"] = rules
                self.write((RBAC, "clusterroles"), cr, new, "clusterrole-aggregation-controller")

    # -- workloads ------------------------------------------------------------------------
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

    def deployments(self, now):
        st = self.s.store
        rdep = self.s.registry.any_version(*GR_DEPLOY)
        for key, d in list(st.bucket(GR_DEPLOY).items()):
            md = d["metadata"]
            if md.get("deletionTimestamp"):
                continue
            spec = d.get("spec") or {}
            replicas = int(spec.get("replicas", 1))
            h = self.template_hash(d, spec.get("template"))
            rs_name = "%s-%s" % (md["name"], h)
            ns = md["namespace"]
            rss = self.owned(GR_RS, d)
            new_rs = next((r for r in rss if r["metadata"]["name"] == rs_name), None)
            revs = [int((r["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", "0") or 0)
                    for r in rss]
            gen = md.get("generation", 1)
            prog = self.progress.get(md["uid"])
            if prog is None or prog[0] != gen:
                prog = (gen, now, util.now_ts())
                self.progress[md["uid"]] = prog
            if new_rs is None:
                tmpl = util.deep(spec.get("template") or {})
                tmpl.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = h
                sel = util.deep(spec.get("selector") or {})
                sel.setdefault("matchLabels", {})["pod-template-hash"] = h
                rev = (max(revs) + 1) if revs else 1
                rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                      "metadata": {"name": rs_name, "namespace": ns,
                                   "labels": dict(tmpl["metadata"]["labels"]),
                                   "annotations": {"deployment.kubernetes.io/desired-replicas": str(replicas),
                                                   "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                                                   "deployment.kubernetes.io/revision": str(rev)},
                                   "ownerReferences": [owner_ref(d, rdep)]},
                      "spec": {"replicas": replicas, "selector": sel, "template": tmpl}}
                if spec.get("minReadySeconds"):
                    rs["spec"]["minReadySeconds"] = spec["minReadySeconds"]
                new_rs, err = self.create(GR_RS, rs, "kube-controller-manager")
                if new_rs is not None:
                    self.event(d, "ScalingReplicaSet", "Scaled up replica set %s to %d" % (rs_name, replicas),
                               component="deployment-controller")
                continue
            old_rss = [r for r in rss if r is not new_rs]
            # scale the new RS; retire old ones once the new one is fully available (Recreate: at once)
            nrs_spec = new_rs.get("spec") or {}
            if int(nrs_spec.get("replicas", 0)) != replicas:
                n2 = util.deep(new_rs)
                n2["spec"]["replicas"] = replicas
                n2["metadata"].setdefault("annotations", {})["deployment.kubernetes.io/desired-replicas"] = str(replicas)
                new_rs, _ = self.write(GR_RS, new_rs, n2, "kube-controller-manager")
                if new_rs is None:
                    continue
            nst = new_rs.get("status") or {}
            new_avail = int(nst.get("availableReplicas", 0))
            recreate = (spec.get("strategy") or {}).get("type") == "Recreate"
            for o in old_rss:
                if int((o.get("spec") or {}).get("replicas", 0)) != 0 and (recreate or new_avail >= replicas):
                    o2 = util.deep(o)
                    o2["spec"]["replicas"] = 0
                    self.write(GR_RS, o, o2, "kube-controller-manager")
                    self.event(d, "ScalingReplicaSet", "Scaled down replica set %s to 0 from %d" % (
                        o["metadata"]["name"], int((o.get("spec") or {}).get("replicas", 0))),
                        component="deployment-controller")
            all_rs = [new_rs] + old_rss
            tot = sum(int((r.get("status") or {}).get("replicas", 0)) for r in all_rs)
            ready = sum(int((r.get("status") or {}).get("readyReplicas", 0)) for r in all_rs)
            avail = sum(int((r.get("status") or {}).get("availableReplicas", 0)) for r in all_rs)
            updated = int(nst.get("replicas", 0))
            ru = (spec.get("strategy") or {}).get("rollingUpdate") or {}
            max_unavail = 0 if recreate else _int_or_pct(ru.get("maxUnavailable", "25%"), replicas, False)
            status = {"observedGeneration": gen}
            if tot:
                status["replicas"] = tot
            if updated:
                status["updatedReplicas"] = updated
            if ready:
                status["readyReplicas"] = ready
            if avail:
                status["availableReplicas"] = avail
            if max(0, replicas - avail) or tot > avail:
                status["unavailableReplicas"] = max(replicas - avail, tot - avail, 0)
            old_status = d.get("status") or {}
            conds = old_status.get("conditions") or []
            nowts = util.now_ts()
            ex = {"lastUpdateTime": nowts}
            if avail >= replicas - max_unavail:
                conds = set_cond(conds, "Available", "True", "MinimumReplicasAvailable",
                                 "Deployment has minimum availability.", nowts, ex)
            else:
                conds = set_cond(conds, "Available", "False", "MinimumReplicasUnavailable",
                                 "Deployment does not have minimum availability.", nowts, ex)
            rsn = new_rs["metadata"]["name"]
            done = updated == replicas and avail == replicas and tot == replicas and int(
                nst.get("availableReplicas", 0)) == replicas
            if done:
                conds = set_cond(conds, "Progressing", "True", "NewReplicaSetAvailable",
                                 'ReplicaSet "%s" has successfully progressed.' % rsn, nowts, ex)
            else:
                deadline = float(self.s.cfg("progressDeadlineSeconds") or 600)
                if now - prog[1] >= deadline:
                    conds = set_cond(conds, "Progressing", "False", "ProgressDeadlineExceeded",
                                     'ReplicaSet "%s" has timed out progressing.' % rsn, nowts, ex)
                else:
                    self.due(prog[1] + deadline)
                    pc = next((c for c in conds if c.get("type") == "Progressing"), None)
                    if pc is None or pc.get("reason") not in ("ReplicaSetUpdated", "NewReplicaSetCreated") or \
                            pc.get("status") != "True":
                        conds = set_cond(conds, "Progressing", "True", "ReplicaSetUpdated",
                                         'ReplicaSet "%s" is progressing.' % rsn, nowts, ex)
            rf = get_cond(new_rs, "ReplicaFailure")
            if rf and rf.get("status") == "True":
                conds = set_cond(conds, "ReplicaFailure", "True", rf.get("reason", "FailedCreate"),
                                 rf.get("message", ""), nowts, ex)
            else:
                conds = [c for c in conds if c.get("type") != "ReplicaFailure"]
            order = {"Available": 0, "Progressing": 1, "ReplicaFailure": 2}
            conds.sort(key=lambda c: order.get(c.get("type"), 9))
            status["conditions"] = conds
            if old_status.get("collisionCount"):
                status["collisionCount"] = old_status["collisionCount"]
            self.write_status(GR_DEPLOY, d, status, "kube-controller-manager")

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

    def replicasets(self, now):
        st = self.s.store
        rrs = self.s.registry.any_version(*GR_RS)
        for key, rs in list(st.bucket(GR_RS).items()):
            md = rs["metadata"]
            if md.get("deletionTimestamp"):
                continue
            spec = rs.get("spec") or {}
            want = int(spec.get("replicas", 1))
            pods = [p for p in self.owned(GR_POD, rs) if not p["metadata"].get("deletionTimestamp")]
            fail_msg = None
            if len(pods) < want:
                for _ in range(want - len(pods)):
                    pod = self._make_pod(rs, rrs, spec.get("template"), "%s-%s" % (md["name"], util.rand_suffix()))
                    p, err = self._create_pod(rs, GR_RS, pod, "replicaset-controller")
                    if p is None:
                        if err != "backoff":
                            fail_msg = err
                        break
                    pods.append(p)
            elif len(pods) > want:
                extra = sorted(pods, key=lambda p: (cond_true(p, "Ready"), p["metadata"]["creationTimestamp"]))
                for p in extra[:len(pods) - want]:
                    self.delete(GR_POD, p)
                    self.event(rs, "SuccessfulDelete", "Deleted pod: %s" % p["metadata"]["name"],
                               component="replicaset-controller")
                pods = extra[len(pods) - want:]
            ready = self._pod_counts(pods)
            old = rs.get("status") or {}
            status = {"replicas": len(pods), "observedGeneration": md.get("generation", 1)}
            if pods:
                status["fullyLabeledReplicas"] = len(pods)
            if ready:
                status["readyReplicas"] = ready
                status["availableReplicas"] = ready
            conds = old.get("conditions") or []
            if fail_msg:
                conds = set_cond(conds, "ReplicaFailure", "True", "FailedCreate", fail_msg, util.now_ts())
            elif len(pods) >= want:
                conds = [c for c in conds if c.get("type") != "ReplicaFailure"]
            if conds:
                status["conditions"] = conds
            self.write_status(GR_RS, rs, status, "kube-controller-manager")

    def statefulsets(self, now):
        st = self.s.store
        rsts = self.s.registry.any_version(*GR_STS)
        for key, ss in list(st.bucket(GR_STS).items()):
            md = ss["metadata"]
            if md.get("deletionTimestamp"):
                continue
            spec = ss.get("spec") or {}
            want = int(spec.get("replicas", 1))
            h = self.template_hash(ss, spec.get("template"))
            rev = "%s-%s" % (md["name"], h)
            pods = {p["metadata"]["name"]: p for p in self.owned(GR_POD, ss)}
            ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
            fail_msg = None
            for i in range(want):
                pname = "%s-%d" % (md["name"], i)
                p = pods.get(pname)
                if p is not None and (p["metadata"].get("labels") or {}).get("controller-revision-hash") != rev \
                        and not p["metadata"].get("deletionTimestamp"):
                    self.delete(GR_POD, p)
                    break
                if p is None:
                    pod = self._make_pod(ss, rsts, spec.get("template"), pname,
                                         {"controller-revision-hash": rev,
                                          "statefulset.kubernetes.io/pod-name": pname,
                                          "apps.kubernetes.io/pod-index": str(i)})
                    pod["spec"]["hostname"] = pname
                    if spec.get("serviceName"):
                        pod["spec"]["subdomain"] = spec["serviceName"]
                    p, err = self._create_pod(ss, GR_STS, pod, "statefulset-controller")
                    if p is None and err != "backoff":
                        fail_msg = err
                    break
                if ordered and not cond_true(p, "Ready"):
                    break
            for pname, p in pods.items():
                idx = pname.rsplit("-", 1)[-1]
                if idx.isdigit() and int(idx) >= want and not p["metadata"].get("deletionTimestamp"):
                    self.delete(GR_POD, p)
            live = [p for p in self.owned(GR_POD, ss) if not p["metadata"].get("deletionTimestamp")]
            ready = self._pod_counts(live)
            cur = sum(1 for p in live if (p["metadata"].get("labels") or {}).get("controller-revision-hash") == rev)
            status = {"observedGeneration": md.get("generation", 1), "replicas": len(live),
                      "currentRevision": rev, "updateRevision": rev, "collisionCount": 0}
            if ready:
                status["readyReplicas"] = ready
                status["availableReplicas"] = ready
            if cur:
                status["currentReplicas"] = cur
                status["updatedReplicas"] = cur
            status["availableReplicas"] = ready
            if fail_msg:
                status["conditions"] = set_cond((ss.get("status") or {}).get("conditions"), "ReplicaFailure",
                                                "True", "FailedCreate", fail_msg, util.now_ts())
            self.write_status(GR_STS, ss, status, "kube-controller-manager")

    def eligible_nodes(self, pod_spec):
        out = []
        for name, n in sorted(self.s.store.bucket(("", "nodes")).items()):
            labels = n["metadata"].get("labels") or {}
            if not util.map_selector_match((pod_spec or {}).get("nodeSelector"), labels):
                continue
            if not self._affinity_ok(pod_spec, labels):
                continue
            out.append(n)
        return out

    def _affinity_ok(self, ps, labels):
        na = (((ps or {}).get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution")
        if not na:
            return True
        for term in na.get("nodeSelectorTerms") or []:
            ok = True
            for e in term.get("matchExpressions") or []:
                k, op, vals = e.get("key"), e.get("operator"), e.get("values") or []
                v = labels.get(k)
                if op == "In" and v not in vals or op == "NotIn" and v in vals or \
                        op == "Exists" and k not in labels or op == "DoesNotExist" and k in labels:
                    ok = False
                    break
            if ok:
                return True
        return False

    def daemonsets(self, now):
        st = self.s.store
        rds = self.s.registry.any_version(*GR_DS)
        for key, ds in list(st.bucket(GR_DS).items()):
            md = ds["metadata"]
            if md.get("deletionTimestamp"):
                continue
            spec = ds.get("spec") or {}
            tmpl = spec.get("template") or {}
            h = self.template_hash(ds, tmpl)
            nodes = [n["metadata"]["name"] for n in self.eligible_nodes(tmpl.get("spec"))]
            pods = [p for p in self.owned(GR_POD, ds) if not p["metadata"].get("deletionTimestamp")]
            by_node = {}
            for p in pods:
                by_node.setdefault((p.get("spec") or {}).get("nodeName"), []).append(p)
            for node in nodes:
                cur = by_node.get(node) or []
                stale = [p for p in cur if (p["metadata"].get("labels") or {}).get("controller-revision-hash") != h]
                for p in stale:
                    self.delete(GR_POD, p)
                if len(cur) - len(stale) == 0:
                    pod = self._make_pod(ds, rds, tmpl, "%s-%s" % (md["name"], util.rand_suffix()),
                                         {"controller-revision-hash": h, "pod-template-generation":
                                          str(md.get("generation", 1))}, node=node)
                    self._create_pod(ds, GR_DS, pod, "daemonset-controller")
            for node, ps in by_node.items():
                if node not in nodes:
                    for p in ps:
                        self.delete(GR_POD, p)
            live = [p for p in self.owned(GR_POD, ds) if not p["metadata"].get("deletionTimestamp")
                    and (p.get("spec") or {}).get("nodeName") in nodes]
            ready = self._pod_counts(live)
            upd = sum(1 for p in live if (p["metadata"].get("labels") or {}).get("controller-revision-hash") == h)
            status = {"currentNumberScheduled": len(live), "desiredNumberScheduled": len(nodes),
                      "numberMisscheduled": 0, "numberReady": ready, "observedGeneration": md.get("generation", 1)}
            if upd:
                status["updatedNumberScheduled"] = upd
            if ready:
                status["numberAvailable"] = ready
            if len(nodes) - ready > 0:
                status["numberUnavailable"] = len(nodes) - ready
            self.write_status(GR_DS, ds, status, "kube-controller-manager")

    def jobs(self, now):
        st = self.s.store
        rjob = self.s.registry.any_version(*GR_JOB)
        for key, job in list(st.bucket(GR_JOB).items()):
            md = job["metadata"]
            if md.get("deletionTimestamp"):
                continue
            spec = job.get("spec") or {}
            status = util.deep(job.get("status") or {})
            if cond_true(job, "Complete") or cond_true(job, "Failed") or spec.get("suspend"):
                continue
            pods = self.owned(GR_POD, job)
            status.setdefault("startTime", util.now_ts())
            if not pods:
                pod = self._make_pod(job, rjob, spec.get("template"), "%s-%s" % (md["name"], util.rand_suffix()))
                p, _ = self._create_pod(job, GR_JOB, pod, "job-controller")
                if p is not None:
                    pods = [p]
            succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
            failed = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Failed")
            active = sum(1 for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed"))
            nowts = util.now_ts()
            status["active"] = active
            status["ready"] = sum(1 for p in pods if cond_true(p, "Ready"))
            status["terminating"] = 0
            status["uncountedTerminatedPods"] = {}
            if not active:
                status.pop("active")
            if succeeded:
                status["succeeded"] = succeeded
            if failed:
                status["failed"] = failed
            completions = int(spec.get("completions", 1) or 1)
            if succeeded >= completions:
                conds = set_cond(status.get("conditions"), "SuccessCriteriaMet", "True", "CompletionsReached",
                                 "Reached expected number of succeeded pods", nowts,
                                 {"lastProbeTime": nowts})
                conds = set_cond(conds, "Complete", "True", "CompletionsReached",
                                 "Reached expected number of succeeded pods", nowts, {"lastProbeTime": nowts})
                status["conditions"] = conds
                status["completionTime"] = nowts
                status.pop("active", None)
                self.event(job, "Completed", "Job completed", component="job-controller")
            elif any(self.failing(p, "crashLoop") for p in pods):
                prog = self.progress.setdefault(md["uid"], (0, now, nowts))
                if now - prog[1] >= float(self.s.cfg("progressDeadlineSeconds") or 600):
                    conds = set_cond(status.get("conditions"), "FailureTarget", "True", "BackoffLimitExceeded",
                                     "Job has reached the specified backoff limit", nowts, {"lastProbeTime": nowts})
                    conds = set_cond(conds, "Failed", "True", "BackoffLimitExceeded",
                                     "Job has reached the specified backoff limit", nowts, {"lastProbeTime": nowts})
                    status["conditions"] = conds
                    status["failed"] = int(spec.get("backoffLimit", 6)) + 1
                    status.pop("active", None)
                    for p in pods:
                        self.delete(GR_POD, p)
                    self.event(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit",
                               "Warning", component="job-controller")
                else:
                    self.due(prog[1] + float(self.s.cfg("progressDeadlineSeconds") or 600))
            self.write_status(GR_JOB, job, status, "kube-controller-manager")

    # -- scheduler & kubelet -------------------------------------------------------------
    def _requests(self, ps):
        req = {}
        for c in (ps or {}).get("containers") or []:
            res = c.get("resources") or {}
            for k, v in list((res.get("requests") or {}).items()) + [
                    (k, v) for k, v in (res.get("limits") or {}).items() if k not in (res.get("requests") or {})]:
                if "/" in k:
                    req[k] = req.get(k, 0.0) + _qty(v)
        return req

    def scheduler(self, now):
        st = self.s.store
        pods = list(st.bucket(GR_POD).values())
        used = {}
        for p in pods:
            n = (p.get("spec") or {}).get("nodeName")
            if n and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                for k, v in self._requests(p.get("spec")).items():
                    used[(n, k)] = used.get((n, k), 0.0) + v
        nodes_all = list(st.bucket(("", "nodes")).values())
        total = len(nodes_all)
        per_node = {}
        for q in pods:
            n = (q.get("spec") or {}).get("nodeName")
            if n:
                per_node[n] = per_node.get(n, 0) + 1
        for p in pods:
            spec = p.get("spec") or {}
            if spec.get("nodeName") or p["metadata"].get("deletionTimestamp"):
                continue
            if (spec.get("schedulerName") or "default-scheduler") != "default-scheduler":
                continue
            nowts = util.now_ts()
            if self.failing(p, "unschedulable"):
                msg = "0/%d nodes are available: %d Insufficient nvidia.com/gpu." % (total, total)
                self._unschedulable(p, msg, nowts)
                continue
            reqs = self._requests(spec)
            reasons = {}
            chosen = None
            cands = []
            for n in sorted(nodes_all, key=lambda n: n["metadata"]["name"]):
                name = n["metadata"]["name"]
                labels = n["metadata"].get("labels") or {}
                if not cond_true(n, "Ready"):
                    reasons["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"] = reasons.get(
                        "node(s) had untolerated taint {node.kubernetes.io/not-ready: }", 0) + 1
                    continue
                if (n.get("spec") or {}).get("unschedulable"):
                    reasons["node(s) were unschedulable"] = reasons.get("node(s) were unschedulable", 0) + 1
                    continue
                if not util.map_selector_match(spec.get("nodeSelector"), labels) or not self._affinity_ok(spec, labels):
                    k = "node(s) didn't match Pod's node affinity/selector"
                    reasons[k] = reasons.get(k, 0) + 1
                    continue
                alloc = (n.get("status") or {}).get("allocatable") or {}
                short = [k for k, v in reqs.items() if _qty(alloc.get(k, 0)) - used.get((name, k), 0.0) < v]
                if short:
                    for k in short:
                        rk = "Insufficient %s" % k
                        reasons[rk] = reasons.get(rk, 0) + 1
                    continue
                cands.append((per_node.get(name, 0), name))
            if cands:
                chosen = sorted(cands)[0][1]
            if chosen is None:
                msg = "0/%d nodes are available: %s." % (total, ", ".join(
                    "%d %s" % (n, k) for k, n in sorted(reasons.items())))
                if total == 0:
                    msg = "no nodes available to schedule pods"
                self._unschedulable(p, msg, nowts)
                continue
            new = util.deep(p)
            new["spec"]["nodeName"] = chosen
            p2, err = self.write(GR_POD, p, new, "kube-scheduler")
            if p2 is None:
                continue
            per_node[chosen] = per_node.get(chosen, 0) + 1
            for k, v in reqs.items():
                used[(chosen, k)] = used.get((chosen, k), 0.0) + v
            status = util.deep(p2.get("status") or {})
            status["phase"] = "Pending"
            status["conditions"] = set_cond(status.get("conditions"), "PodScheduled", "True", None, None, nowts,
                                            {"lastProbeTime": None})
            for c in status["conditions"]:
                if c.get("type") == "PodScheduled":
                    c.pop("reason", None)
                    c.pop("message", None)
            status.setdefault("qosClass", "BestEffort")
            self.write_status(GR_POD, p2, status, "kube-scheduler")
            self.event(p2, "Scheduled", "Successfully assigned %s/%s to %s" % (
                p2["metadata"]["namespace"], p2["metadata"]["name"], chosen), component="default-scheduler")

    def _unschedulable(self, p, msg, nowts):
        status = util.deep(p.get("status") or {})
        status["phase"] = "Pending"
        status["conditions"] = set_cond(status.get("conditions"), "PodScheduled", "False", "Unschedulable", msg,
                                        nowts, {"lastProbeTime": None})
        status.setdefault("qosClass", "BestEffort")
        self.write_status(GR_POD, p, status, "kube-scheduler")
        self.event(p, "FailedScheduling", msg, "Warning", component="default-scheduler")

    def _missing_volumes(self, pod):
        st = self.s.store
        ns = pod["metadata"]["namespace"]
        for v in (pod.get("spec") or {}).get("volumes") or []:
            if "secret" in v:
                sec = v["secret"] or {}
                if not sec.get("optional") and st.get(("", "secrets"), "%s/%s" % (ns, sec.get("secretName"))) is None:
                    return v.get("name"), 'secret "%s" not found' % sec.get("secretName")
            if "configMap" in v:
                cm = v["configMap"] or {}
                if not cm.get("optional") and st.get(("", "configmaps"), "%s/%s" % (ns, cm.get("name"))) is None:
                    return v.get("name"), 'configmap "%s" not found' % cm.get("name")
        return None

    def _pod_ip(self, node):
        idx = 0
        for n in self.node_specs():
            if n["name"] == node:
                idx = n["_index"]
        c = self.pod_ip_next.get(node, 2)
        self.pod_ip_next[node] = c + 1
        return "10.244.%d.%d" % (idx, (c % 250) + 2)

    def kubelet(self, now):
        st = self.s.store
        delay = float(self.s.cfg("workloadReadyDelaySeconds") or 0)
        term = float(self.s.cfg("podTerminationSeconds") or 0)
        for key, p in list(st.bucket(GR_POD).items()):
            md = p["metadata"]
            uid = md["uid"]
            spec = p.get("spec") or {}
            if md.get("deletionTimestamp"):
                t0 = self.pod_term.setdefault(uid, now)
                if now - t0 >= term or not spec.get("nodeName"):
                    if not md.get("finalizers"):
                        self.finalize(GR_POD, p)
                        self.pod_term.pop(uid, None)
                        self.pod_ready_at.pop(uid, None)
                        self.pod_seen.pop(uid, None)
                else:
                    self.due(t0 + term)
                continue
            node = spec.get("nodeName")
            if not node:
                continue
            status = util.deep(p.get("status") or {})
            if status.get("phase") in ("Succeeded", "Failed"):
                continue
            seen = self.pod_seen.setdefault(uid, now)
            nowts = util.now_ts()
            containers = spec.get("containers") or []
            if not status.get("hostIP"):
                status["hostIP"] = "127.0.0.%d" % (10 + next((n["_index"] for n in self.node_specs()
                                                             if n["name"] == node), 0))
                status["hostIPs"] = [{"ip": status["hostIP"]}]
                status["startTime"] = nowts
            conds = status.get("conditions") or []
            conds = set_cond(conds, "PodScheduled", "True", None, None, nowts, {"lastProbeTime": None})
            for c in conds:
                if c["type"] == "PodScheduled":
                    c.pop("reason", None)
                    c.pop("message", None)
            if self.s.cfg("secretVolumeGate"):
                miss = self._missing_volumes(p)
            else:
                miss = None
            if miss is not None:
                status["phase"] = "Pending"
                status["containerStatuses"] = [{"name": c.get("name"), "image": c.get("image"), "imageID": "",
                                                "ready": False, "restartCount": 0, "started": False,
                                                "state": {"waiting": {"reason": "ContainerCreating"}},
                                                "lastState": {}} for c in containers]
                conds = set_cond(conds, "Ready", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % " ".join(c.get("name", "") for c in containers),
                                 nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "ContainersReady", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % " ".join(c.get("name", "") for c in containers),
                                 nowts, {"lastProbeTime": None})
                status["conditions"] = conds
                self.write_status(GR_POD, p, status, "kubelet")
                self.event(p, "FailedMount", 'MountVolume.SetUp failed for volume "%s" : %s' % miss, "Warning")
                self.pod_gate_clear.pop(uid, None)
                continue
            gate = self.pod_gate_clear.setdefault(uid, now)
            ready_at = max(seen + delay, gate + min(delay, 0.1))
            if now < ready_at:
                self.due(ready_at)
                if "containerStatuses" not in status:
                    status["phase"] = "Pending"
                    status["containerStatuses"] = [{"name": c.get("name"), "image": c.get("image"), "imageID": "",
                                                    "ready": False, "restartCount": 0, "started": False,
                                                    "state": {"waiting": {"reason": "ContainerCreating"}},
                                                    "lastState": {}} for c in containers]
                    status["conditions"] = set_cond(conds, "Ready", "False", "ContainersNotReady",
                                                    "containers with unready status: [%s]" % " ".join(
                                                        c.get("name", "") for c in containers), nowts,
                                                    {"lastProbeTime": None})
                    self.write_status(GR_POD, p, status, "kubelet")
                continue
            if not status.get("podIP"):
                ip = self._pod_ip(node)
                status["podIP"] = ip
                status["podIPs"] = [{"ip": ip}]
            names = " ".join(c.get("name", "") for c in containers)
            if self.failing(p, "neverReady"):
                status["phase"] = "Pending"
                css = []
                for c in containers:
                    css.append({"name": c.get("name"), "image": c.get("image"), "imageID": "", "ready": False,
                                "restartCount": 0, "started": False, "lastState": {},
                                "state": {"waiting": {"reason": "ImagePullBackOff",
                                                      "message": 'Back-off pulling image "%s"' % c.get("image")}}})
                    self.event(p, "Pulling", 'Pulling image "%s"' % c.get("image"), component="kubelet")
                    self.event(p, "Failed", 'Failed to pull image "%s": rpc error: code = NotFound desc = failed to '
                               'pull and unpack image "%s": failed to resolve reference "%s": not found'
                               % (c.get("image"), c.get("image"), c.get("image")), "Warning")
                    self.event(p, "Failed", "Error: ErrImagePull", "Warning")
                    self.event(p, "BackOff", 'Back-off pulling image "%s"' % c.get("image"), "Normal")
                status["containerStatuses"] = css
                conds = set_cond(conds, "Initialized", "True", None, None, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "Ready", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % names, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "ContainersReady", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % names, nowts, {"lastProbeTime": None})
                status["conditions"] = self._clean_conds(conds)
                self.write_status(GR_POD, p, status, "kubelet")
                continue
            if self.failing(p, "crashLoop"):
                status["phase"] = "Running"
                css = []
                old_css = {c.get("name"): c for c in (p.get("status") or {}).get("containerStatuses") or []}
                bump = now - self.pod_ready_at.get(uid, 0) >= 2.0
                if bump:
                    self.pod_ready_at[uid] = now
                self.due(now + 2.0)
                for c in containers:
                    oc = old_css.get(c.get("name")) or {}
                    rc = int(oc.get("restartCount", 0)) + (1 if bump else 0)
                    css.append({"name": c.get("name"), "image": c.get("image"),
                                "imageID": "docker.io/%s@sha256:%s" % (c.get("image"), hashlib.sha256(
                                    str(c.get("image")).encode()).hexdigest()),
                                "containerID": "containerd://" + hashlib.sha256((uid + c.get("name", "")).encode())
                                .hexdigest(), "ready": False, "started": False, "restartCount": rc,
                                "state": {"waiting": {"reason": "CrashLoopBackOff",
                                                      "message": "back-off %ds restarting failed container=%s pod=%s_%s(%s)"
                                                                 % (min(300, 10 * 2 ** min(rc, 5)), c.get("name"),
                                                                    md["name"], md["namespace"], uid)}},
                                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": nowts,
                                                             "finishedAt": nowts,
                                                             "containerID": "containerd://" + hashlib.sha256(
                                                                 (uid + c.get("name", "")).encode()).hexdigest()}}})
                    self.event(p, "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)" % (
                        c.get("name"), md["name"], md["namespace"], uid), "Warning", once=False)
                status["containerStatuses"] = css
                conds = set_cond(conds, "Initialized", "True", None, None, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "Ready", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % names, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "ContainersReady", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % names, nowts, {"lastProbeTime": None})
                status["conditions"] = self._clean_conds(conds)
                self.write_status(GR_POD, p, status, "kubelet")
                continue
            job_pod = (controller_ref(p) or {}).get("kind") == "Job" or spec.get("restartPolicy") in (
                "Never", "OnFailure") and (controller_ref(p) or {}).get("kind") != "ReplicaSet"
            css = []
            for c in containers:
                cid = "containerd://" + hashlib.sha256((uid + c.get("name", "")).encode()).hexdigest()
                cs = {"name": c.get("name"), "image": c.get("image"),
                      "imageID": "docker.io/%s@sha256:%s" % (c.get("image"), hashlib.sha256(
                          str(c.get("image")).encode()).hexdigest()),
                      "containerID": cid, "lastState": {}, "restartCount": 0}
                if job_pod:
                    cs.update({"ready": False, "started": False,
                               "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": nowts,
                                                        "finishedAt": nowts, "containerID": cid}}})
                else:
                    cs.update({"ready": True, "started": True, "state": {"running": {"startedAt": nowts}}})
                old_cs = next((o for o in (p.get("status") or {}).get("containerStatuses") or []
                               if o.get("name") == c.get("name") and o.get("ready") == cs["ready"]
                               and "running" in (o.get("state") or {})), None)
                if old_cs is not None and not job_pod:
                    cs = old_cs
                css.append(cs)
            status["containerStatuses"] = css
            conds = set_cond(conds, "PodReadyToStartContainers", "True", None, None, nowts, {"lastProbeTime": None})
            conds = set_cond(conds, "Initialized", "True", None, None, nowts, {"lastProbeTime": None})
            if job_pod:
                status["phase"] = "Succeeded"
                conds = set_cond(conds, "Ready", "False", "PodCompleted", None, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "ContainersReady", "False", "PodCompleted", None, nowts,
                                 {"lastProbeTime": None})
            else:
                status["phase"] = "Running"
                conds = set_cond(conds, "Ready", "True", None, None, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "ContainersReady", "True", None, None, nowts, {"lastProbeTime": None})
            status["conditions"] = self._clean_conds(conds)
            before = p.get("status") or {}
            if before.get("phase") != status["phase"] and not job_pod:
                for c in containers:
                    self.event(p, "Pulled", 'Container image "%s" already present on machine' % c.get("image"))
                    self.event(p, "Created", "Created container %s" % c.get("name"))
                    self.event(p, "Started", "Started container %s" % c.get("name"))
            p2, _ = self.write_status(GR_POD, p, status, "kubelet")
            if p2 is not None and not job_pod and uid not in self.pod_ready_at:
                self.pod_ready_at[uid] = now

    def _clean_conds(self, conds):
        order = {"PodReadyToStartContainers": 0, "Initialized": 1, "Ready": 2, "ContainersReady": 3,
                 "PodScheduled": 4}
        out = []
        for c in conds:
            c = dict(c)
            if c.get("reason") is None:
                c.pop("reason", None)
            if c.get("message") is None:
                c.pop("message", None)
            out.append(c)
        out.sort(key=lambda c: order.get(c.get("type"), 9))
        return out

    # -- endpoints ---------------------------------------------------------------------
    def endpoints(self):
        st = self.s.store
        pods = list(st.bucket(GR_POD).values())
        for key, svc in list(st.bucket(GR_SVC).items()):
            md = svc["metadata"]
            spec = svc.get("spec") or {}
            sel = spec.get("selector")
            if not sel or md.get("deletionTimestamp"):
                continue
            ns = md["namespace"]
            ready, notready = [], []
            for p in pods:
                pm = p["metadata"]
                if pm.get("namespace") != ns or not util.map_selector_match(sel, pm.get("labels")):
                    continue
                ip = (p.get("status") or {}).get("podIP")
                if not ip or (p.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                    continue
                addr = {"ip": ip, "nodeName": (p.get("spec") or {}).get("nodeName"),
                        "targetRef": {"kind": "Pod", "namespace": ns, "name": pm["name"], "uid": pm["uid"]}}
                if cond_true(p, "Ready") and not pm.get("deletionTimestamp"):
                    ready.append((addr, p))
                else:
                    notready.append((addr, p))
            ports = []
            for sp in spec.get("ports") or []:
                tp = sp.get("targetPort", sp.get("port"))
                port = tp
                if isinstance(tp, str):
                    port = None
                    for _, p in ready + notready:
                        for c in (p.get("spec") or {}).get("containers") or []:
                            for cp in c.get("ports") or []:
                                if cp.get("name") == tp:
                                    port = cp.get("containerPort")
                    if port is None:
                        continue
                e = {"port": port, "protocol": sp.get("protocol", "TCP")}
                if sp.get("name"):
                    e = {"name": sp["name"], **e}
                if sp.get("appProtocol"):
                    e["appProtocol"] = sp["appProtocol"]
                ports.append(e)
            subsets = []
            if (ready or notready) and ports:
                ss = {}
                if ready:
                    ss["addresses"] = sorted([a for a, _ in ready], key=lambda a: a["ip"])
                if notready:
                    ss["notReadyAddresses"] = sorted([a for a, _ in notready], key=lambda a: a["ip"])
                ss["ports"] = ports
                subsets = [ss]
            ep_key = "%s/%s" % (ns, md["name"])
            ep = st.get(("", "endpoints"), ep_key)
            labels = dict(md.get("labels") or {})
            if ep is None:
                body = {"apiVersion": "v1", "kind": "Endpoints",
                        "metadata": {"name": md["name"], "namespace": ns, "labels": labels}}
                if subsets:
                    body["subsets"] = subsets
                self.create(("", "endpoints"), body, "kube-controller-manager")
            elif (ep.get("subsets") or []) != subsets:
                new = util.deep(ep)
                if subsets:
                    new["subsets"] = subsets
                else:
                    new.pop("subsets", None)
                self.write(("", "endpoints"), ep, new, "kube-controller-manager")
            # EndpointSlice
            es_name = "%s-%s" % (md["name"][:57], util.safe_hash(md["uid"], 5))
            es_key = "%s/%s" % (ns, es_name)
            eps = [{"addresses": [a["ip"]], "conditions": {"ready": r, "serving": r, "terminating": False},
                    "nodeName": a["nodeName"], "targetRef": a["targetRef"]}
                   for lst, r in ((ready, True), (notready, False)) for a, _ in lst]
            eps.sort(key=lambda e: e["addresses"][0])
            es = st.get(("discovery.k8s.io", "endpointslices"), es_key)
            body_ports = [dict(p) for p in ports] if eps else []
            if es is None:
                rsvc = self.s.registry.any_version(*GR_SVC)
                self.create(("discovery.k8s.io", "endpointslices"),
                            {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                             "metadata": {"name": es_name, "namespace": ns,
                                          "labels": dict(labels, **{"kubernetes.io/service-name": md["name"],
                                                                     "endpointslice.kubernetes.io/managed-by":
                                                                         "endpointslice-controller.k8s.io"}),
                                          "ownerReferences": [dict(owner_ref(svc, rsvc), controller=True)]},
                             "addressType": "IPv4", "endpoints": eps, "ports": body_ports or None},
                            "kube-controller-manager")
            elif (es.get("endpoints") or []) != eps or (es.get("ports") or []) != body_ports:
                new = util.deep(es)
                new["endpoints"] = eps
                new["ports"] = body_ports or None
                self.write(("discovery.k8s.io", "endpointslices"), es, new, "kube-controller-manager")

    # -- misc controllers ------------------------------------------------------------------
    def hpas(self):
        st = self.s.store
        for key, h in list(st.bucket(("autoscaling", "horizontalpodautoscalers")).items()):
            spec = h.get("spec") or {}
            ref = spec.get("scaleTargetRef") or {}
            ns = h["metadata"]["namespace"]
            tr = self.s.registry.by_group_kind((ref.get("apiVersion") or "apps/v1").split("/")[0]
                                               if "/" in (ref.get("apiVersion") or "apps/v1") else "",
                                               ref.get("kind", ""))
            target = st.get(tr.gr, "%s/%s" % (ns, ref.get("name"))) if tr else None
            nowts = util.now_ts()
            status = util.deep(h.get("status") or {})
            conds = status.get("conditions") or []
            if target is None:
                conds = set_cond(conds, "AbleToScale", "False", "FailedGetScale",
                                 'the HPA controller was unable to get the target\'s current scale: %s "%s" not found'
                                 % (util.qualified(tr.group if tr else "", tr.plural if tr else ref.get("kind", "")),
                                    ref.get("name")), nowts)
                status["conditions"] = conds
                self.write_status(("autoscaling", "horizontalpodautoscalers"), h, status, "kube-controller-manager")
                continue
            cur = int((target.get("spec") or {}).get("replicas", 1))
            mn = int(spec.get("minReplicas", 1))
            mx = int(spec.get("maxReplicas", mn))
            desired = min(max(cur, mn), mx)
            if desired != cur and not target["metadata"].get("deletionTimestamp"):
                new = util.deep(target)
                new["spec"]["replicas"] = desired
                target2, _ = self.write(tr.gr, target, new, "kube-controller-manager")
                self.event(h, "SuccessfulRescale", "New size: %d; reason: Current number of replicas below "
                                                   "Spec.MinReplicas" % desired,
                           component="horizontal-pod-autoscaler")
            status["currentReplicas"] = int((target.get("status") or {}).get("replicas", 0))
            status["desiredReplicas"] = desired
            conds = set_cond(conds, "AbleToScale", "True", "SucceededGetScale",
                             "the HPA controller was able to get the target's current scale", nowts)
            conds = set_cond(conds, "ScalingActive", "False", "FailedGetResourceMetric",
                             "the HPA was unable to compute the replica count: failed to get cpu utilization: unable "
                             "to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the "
                             "server could not find the requested resource (get pods.metrics.k8s.io)", nowts)
            status["conditions"] = conds
            self.write_status(("autoscaling", "horizontalpodautoscalers"), h, status, "kube-controller-manager")

    def pdbs(self):
        st = self.s.store
        pods = list(st.bucket(GR_POD).values())
        for key, pdb in list(st.bucket(("policy", "poddisruptionbudgets")).items()):
            spec = pdb.get("spec") or {}
            ns = pdb["metadata"]["namespace"]
            sel = spec.get("selector")
            matching = [p for p in pods if p["metadata"].get("namespace") == ns and sel is not None and
                        util.selector_match(sel, p["metadata"].get("labels")) and
                        not p["metadata"].get("deletionTimestamp")]
            healthy = sum(1 for p in matching if cond_true(p, "Ready"))
            expected = len(matching)
            if "minAvailable" in spec:
                desired = _int_or_pct(spec["minAvailable"], expected, True)
            elif "maxUnavailable" in spec:
                desired = max(0, expected - _int_or_pct(spec["maxUnavailable"], expected, True))
            else:
                desired = expected
            allowed = max(0, healthy - desired)
            nowts = util.now_ts()
            conds = set_cond((pdb.get("status") or {}).get("conditions"), "DisruptionAllowed",
                             "True" if allowed > 0 else "False",
                             "SufficientPods" if allowed > 0 else "InsufficientPods", "", nowts,
                             {"observedGeneration": pdb["metadata"].get("generation", 1)})
            status = {"observedGeneration": pdb["metadata"].get("generation", 1), "disruptionsAllowed": allowed,
                      "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected,
                      "conditions": conds}
            self.write_status(("policy", "poddisruptionbudgets"), pdb, status, "kube-controller-manager")

    def services(self):
        ip = self.s.cfg("loadBalancerIngressIP")
        if not ip:
            return
        for key, svc in list(self.s.store.bucket(GR_SVC).items()):
            if (svc.get("spec") or {}).get("type") != "LoadBalancer":
                continue
            want = {"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}
            self.write_status(GR_SVC, svc, want, "service-controller")

    def pvcs(self):
        st = self.s.store
        for key, pvc in list(st.bucket(("", "persistentvolumeclaims")).items()):
            if (pvc.get("status") or {}).get("phase") == "Bound" or pvc["metadata"].get("deletionTimestamp"):
                continue
            spec = pvc.get("spec") or {}
            sc_name = spec.get("storageClassName")
            sc = st.get(("storage.k8s.io", "storageclasses"), sc_name) if sc_name else None
            if sc is None:
                continue
            md = pvc["metadata"]
            pv_name = "pvc-%s" % md["uid"]
            size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
            if st.get(("", "persistentvolumes"), pv_name) is None:
                pv, _ = self.create(("", "persistentvolumes"), {
                    "apiVersion": "v1", "kind": "PersistentVolume",
                    "metadata": {"name": pv_name, "annotations": {"pv.kubernetes.io/provisioned-by": sc["provisioner"]}},
                    "spec": {"capacity": {"storage": size}, "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                             "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                             "storageClassName": sc_name, "volumeMode": spec.get("volumeMode", "Filesystem"),
                             "claimRef": {"kind": "PersistentVolumeClaim", "namespace": md["namespace"],
                                          "name": md["name"], "uid": md["uid"], "apiVersion": "v1"},
                             "csi": {"driver": sc["provisioner"], "volumeHandle": pv_name}}},
                    "persistentvolume-controller")
                if pv is not None:
                    self.write_status(("", "persistentvolumes"), pv, {"phase": "Bound"}, "persistentvolume-controller")
                    self.event(pvc, "ProvisioningSucceeded", "Successfully provisioned volume %s" % pv_name,
                               component=sc["provisioner"])
            new = util.deep(pvc)
            new["spec"]["volumeName"] = pv_name
            new["metadata"].setdefault("annotations", {})["pv.kubernetes.io/bind-completed"] = "yes"
            pvc2, _ = self.write(("", "persistentvolumeclaims"), pvc, new, "persistentvolume-controller")
            if pvc2 is not None:
                self.write_status(("", "persistentvolumeclaims"), pvc2,
                                  {"phase": "Bound", "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                                   "capacity": {"storage": size}}, "persistentvolume-controller")

    # -- cert-manager & CA injection ------------------------------------------------------
    def deployment_available(self, pred):
        for d in self.s.store.bucket(GR_DEPLOY).values():
            if pred(d["metadata"]["name"]) and cond_true(d, "Available") and not d["metadata"].get("deletionTimestamp"):
                return True
        return False

    def cert_manager(self):
        st = self.s.store
        if not self.deployment_available(lambda n: n == "cert-manager"):
            return
        nowts = util.now_ts()
        for gr in ((CM, "issuers"), (CM, "clusterissuers")):
            for key, iss in list(st.bucket(gr).items()):
                spec = iss.get("spec") or {}
                if "acme" in spec:
                    want = ("False", "ErrRegisterACMEAccount", "Failed to register ACME account: Get \"%s\": dial "
                            "tcp: lookup %s: no such host" % ((spec["acme"] or {}).get("server", ""),
                                                             ((spec["acme"] or {}).get("server", "").split("/") + ["", "", ""])[2]))
                elif "ca" in spec:
                    sec_ns = iss["metadata"].get("namespace") or "cert-manager"
                    ok = st.get(("", "secrets"), "%s/%s" % (sec_ns, (spec["ca"] or {}).get("secretName"))) is not None
                    want = ("True", "KeyPairVerified", "Signing CA verified") if ok else (
                        "False", "ErrGetKeyPair", "Error getting keypair for CA issuer: secret \"%s\" not found" %
                        (spec["ca"] or {}).get("secretName"))
                else:
                    want = ("True", "IsReady", "")
                status = util.deep(iss.get("status") or {})
                status["conditions"] = set_cond(status.get("conditions"), "Ready", want[0], want[1], want[2], nowts,
                                                {"observedGeneration": iss["metadata"].get("generation", 1)})
                self.write_status(gr, iss, status, "cert-manager-issuers")
        for key, cert in list(st.bucket((CM, "certificates")).items()):
            spec = cert.get("spec") or {}
            md = cert["metadata"]
            ns = md["namespace"]
            ref = spec.get("issuerRef") or {}
            if ref.get("group", CM) != CM:
                continue
            if ref.get("kind", "Issuer") == "ClusterIssuer":
                iss = st.get((CM, "clusterissuers"), ref.get("name", ""))
            else:
                iss = st.get((CM, "issuers"), "%s/%s" % (ns, ref.get("name", "")))
            sec_name = spec.get("secretName")
            if not sec_name:
                continue
            status = util.deep(cert.get("status") or {})
            if iss is None or not cond_true(iss, "Ready"):
                status["conditions"] = set_cond(status.get("conditions"), "Ready", "False", "DoesNotExist" if iss is None
                                                else "Pending", 'Issuing certificate as Secret does not exist',
                                                nowts, {"observedGeneration": md.get("generation", 1)})
                self.write_status((CM, "certificates"), cert, status, "cert-manager-certificates-readiness")
                continue
            sec = st.get(("", "secrets"), "%s/%s" % (ns, sec_name))
            if sec is None:
                seed = md["uid"]
                ca = fake_pem("CERTIFICATE", "ca" + seed)
                self.create(("", "secrets"), {
                    "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                    "metadata": {"name": sec_name, "namespace": ns,
                                 "labels": {"controller.cert-manager.io/fao": "true"},
                                 "annotations": {"cert-manager.io/certificate-name": md["name"],
                                                 "cert-manager.io/issuer-name": ref.get("name", ""),
                                                 "cert-manager.io/issuer-kind": ref.get("kind", "Issuer"),
                                                 "cert-manager.io/issuer-group": ref.get("group", ""),
                                                 "cert-manager.io/common-name": spec.get("commonName", ""),
                                                 "cert-manager.io/alt-names": ",".join(spec.get("dnsNames") or [])}},
                    "data": {"ca.crt": util.b64(ca), "tls.crt": util.b64(fake_pem("CERTIFICATE", seed)),
                             "tls.key": util.b64(fake_pem("PRIVATE KEY", seed))}},
                    "cert-manager-certificates-issuing")
                continue
            if not cond_true(cert, "Ready"):
                status["conditions"] = set_cond(status.get("conditions"), "Ready", "True", "Ready",
                                                "Certificate is up to date and has not expired", nowts,
                                                {"observedGeneration": md.get("generation", 1)})
                status["notBefore"] = nowts
                status["notAfter"] = util.now_ts(time.time() + 90 * 86400)
                status["renewalTime"] = util.now_ts(time.time() + 60 * 86400)
                status["revision"] = 1
                self.write_status((CM, "certificates"), cert, status, "cert-manager-certificates-readiness")
                self.event(cert, "Issuing", "The certificate has been successfully issued",
                           component="cert-manager-certificates-issuing")

    def _bundle_for(self, obj, svc_refs):
        """caBundle the injector (or the webhook itself) would write, or None if not yet."""
        st = self.s.store
        ann = obj["metadata"].get("annotations") or {}
        cm_keys = ("cert-manager.io/inject-ca-from", "cert-manager.io/inject-ca-from-secret",
                   "cert-manager.io/inject-apiserver-ca")
        if any(k in ann for k in cm_keys):
            if not self.deployment_available(lambda n: n.endswith("cainjector")):
                return None
            if ann.get("cert-manager.io/inject-ca-from"):
                ns, _, name = ann["cert-manager.io/inject-ca-from"].partition("/")
                cert = st.get((CM, "certificates"), "%s/%s" % (ns, name))
                if cert is None or not cond_true(cert, "Ready"):
                    return None
                sec = st.get(("", "secrets"), "%s/%s" % (ns, (cert.get("spec") or {}).get("secretName")))
                if sec is None:
                    return None
                d = sec.get("data") or {}
                return d.get("ca.crt") or d.get("tls.crt")
            if ann.get("cert-manager.io/inject-ca-from-secret"):
                ns, _, name = ann["cert-manager.io/inject-ca-from-secret"].partition("/")
                sec = st.get(("", "secrets"), "%s/%s" % (ns, name))
                if sec is None:
                    # cert-manager's webhook creates its own CA secret once it runs
                    for sns, sname in svc_refs:
                        if self.s.webhooks.service_state(sns, sname)[1]:
                            ca = fake_pem("CERTIFICATE", "dyn" + name)
                            self.create(("", "secrets"), {
                                "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                                "metadata": {"name": name, "namespace": ns,
                                             "annotations": {"cert-manager.io/allow-direct-injection": "true"}},
                                "data": {"ca.crt": util.b64(ca), "tls.crt": util.b64(ca),
                                         "tls.key": util.b64(fake_pem("PRIVATE KEY", "dyn" + name))}},
                                "cert-manager-webhook")
                            break
                    return None
                d = sec.get("data") or {}
                return d.get("ca.crt") or d.get("tls.crt")
            return util.b64(self.s.ca_pem)
        # self-managed certificates (Knative, Istio): the webhook pod patches its own caBundle
        for sns, sname in svc_refs:
            if self.s.webhooks.service_state(sns, sname)[1]:
                return util.b64(fake_pem("CERTIFICATE", "self/%s/%s" % (sns, sname)))
        return None

    def ca_injection(self):
        st = self.s.store
        for gr in (GR_MWC, GR_VWC):
            for key, cfg in list(st.bucket(gr).items()):
                whs = cfg.get("webhooks") or []
                refs = []
                for w in whs:
                    s = (w.get("clientConfig") or {}).get("service")
                    if s:
                        refs.append((s.get("namespace"), s.get("name")))
                if not refs:
                    continue
                if all((w.get("clientConfig") or {}).get("caBundle") for w in whs) and not any(
                        k.startswith("cert-manager.io/inject") for k in (cfg["metadata"].get("annotations") or {})):
                    continue
                bundle = self._bundle_for(cfg, refs)
                if not bundle:
                    continue
                if all((w.get("clientConfig") or {}).get("caBundle") == bundle for w in whs):
                    continue
                new = util.deep(cfg)
                for w in new.get("webhooks") or []:
                    w.setdefault("clientConfig", {})["caBundle"] = bundle
                ann = cfg["metadata"].get("annotations") or {}
                mgr = "cainjector" if any(k.startswith("cert-manager.io/inject") for k in ann) else "webhook"
                self.write(gr, cfg, new, mgr)
        for key, crd in list(st.bucket(GR_CRD).items()):
            conv = (crd.get("spec") or {}).get("conversion") or {}
            if conv.get("strategy") != "Webhook":
                continue
            cc = ((conv.get("webhook") or {}).get("clientConfig")) or {}
            s = cc.get("service")
            if not s:
                continue
            if cc.get("caBundle") and not any(k.startswith("cert-manager.io/inject")
                                              for k in (crd["metadata"].get("annotations") or {})):
                continue
            bundle = self._bundle_for(crd, [(s.get("namespace"), s.get("name"))])
            if not bundle or cc.get("caBundle") == bundle:
                continue
            new = util.deep(crd)
            new["spec"]["conversion"]["webhook"]["clientConfig"]["caBundle"] = bundle
            self.write(GR_CRD, crd, new, "cainjector")

    def knative_rules(self):
        st = self.s.store
        for key, cfg in list(st.bucket(GR_VWC).items()):
            whs = cfg.get("webhooks") or []
            if not any(w.get("name", "").startswith("config.webhook.") and not w.get("rules") for w in whs):
                continue
            new = util.deep(cfg)
            changed = False
            for w in new.get("webhooks") or []:
                if not w.get("name", "").startswith("config.webhook.") or w.get("rules"):
                    continue
                s = (w.get("clientConfig") or {}).get("service") or {}
                if not self.s.webhooks.service_state(s.get("namespace"), s.get("name"))[1]:
                    continue
                w["rules"] = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                               "resources": ["configmaps/*"], "scope": "*"}]
                changed = True
            if changed:
                self.write(GR_VWC, cfg, new, "webhook")

    # -- KServe InferenceServices (simplified) ------------------------------------------
    def _runtime_image(self, ns, fmt):
        st = self.s.store
        cands = [o for o in st.bucket(("serving.kserve.io", "servingruntimes")).values()
                 if o["metadata"].get("namespace") == ns]
        cands += list(st.bucket(("serving.kserve.io", "clusterservingruntimes")).values())
        for rt in cands:
            spec = rt.get("spec") or {}
            if spec.get("disabled"):
                continue
            for f in spec.get("supportedModelFormats") or []:
                if f.get("name") == fmt and f.get("autoSelect", True):
                    cs = spec.get("containers") or [{}]
                    return rt["metadata"]["name"], cs[0].get("image")
        return None, None

    def inference_services(self):
        st = self.s.store
        isvcs = st.bucket(("serving.kserve.io", "inferenceservices"))
        if not isvcs or not self.deployment_available(lambda n: n == "kserve-controller-manager"):
            return
        knative = any(d["metadata"]["name"] == "controller" and d["metadata"].get("namespace") == "knative-serving"
                      for d in st.bucket(GR_DEPLOY).values())
        for key, isvc in list(isvcs.items()):
            md = isvc["metadata"]
            if md.get("deletionTimestamp"):
                continue
            ns, name = md["namespace"], md["name"]
            pred = (isvc.get("spec") or {}).get("predictor") or {}
            mode = (md.get("annotations") or {}).get("serving.kserve.io/deploymentMode") or (
                "Serverless" if knative else "RawDeployment")
            fmt, comp = None, {}
            if isinstance(pred.get("model"), dict):
                comp = pred["model"]
                fmt = (comp.get("modelFormat") or {}).get("name")
            else:
                for k, v in pred.items():
                    if isinstance(v, dict) and k not in ("containers", "tolerations", "affinity", "nodeSelector",
                                                         "model", "logger", "batcher"):
                        fmt, comp = k, v
                        break
            nowts = util.now_ts()
            status = util.deep(isvc.get("status") or {})
            image = None
            if pred.get("containers"):
                image = pred["containers"][0].get("image")
                comp = pred["containers"][0]
            elif fmt:
                _, image = self._runtime_image(ns, fmt)
            if not image:
                msg = "No runtime found to support predictor with model type: {%s <nil>}" % fmt
                for t in ("PredictorReady", "Ready"):
                    status["conditions"] = set_cond(status.get("conditions"), t, "False", "NoSupportingRuntime",
                                                    msg, nowts)
                self.write_status(("serving.kserve.io", "inferenceservices"), isvc, status, "manager")
                continue
            dname = "%s-predictor" % name + ("-00001-deployment" if mode == "Serverless" else "")
            labels = {"serving.kserve.io/inferenceservice": name, "component": "predictor",
                      "app": "isvc.%s-predictor" % name}
            container = {"name": "kserve-container", "image": image}
            for k in ("args", "env", "resources", "command", "ports"):
                if comp.get(k):
                    container[k] = util.deep(comp[k])
            podspec = {"containers": [container]}
            for k in ("nodeSelector", "tolerations", "affinity", "serviceAccountName", "imagePullSecrets"):
                if pred.get(k):
                    podspec[k] = util.deep(pred[k])
            want = {"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": dname, "namespace": ns, "labels": dict(labels),
                                 "ownerReferences": [owner_ref(isvc, self.res(("serving.kserve.io",
                                                                               "inferenceservices"), isvc))]},
                    "spec": {"replicas": int(pred.get("minReplicas", 1) or 1),
                             "selector": {"matchLabels": {"app": labels["app"]}},
                             "template": {"metadata": {"labels": dict(labels)}, "spec": podspec}}}
            dep = st.get(GR_DEPLOY, "%s/%s" % (ns, dname))
            if dep is None:
                dep, err = self.create(GR_DEPLOY, want, "manager")
                if err is not None:
                    status["conditions"] = set_cond(status.get("conditions"), "Ready", "False", "CreateFailed",
                                                    err.message, nowts)
                    self.write_status(("serving.kserve.io", "inferenceservices"), isvc, status, "manager")
                    continue
            svc_name = "%s-predictor" % name
            if st.get(GR_SVC, "%s/%s" % (ns, svc_name)) is None:
                self.create(GR_SVC, {"apiVersion": "v1", "kind": "Service",
                                     "metadata": {"name": svc_name, "namespace": ns, "labels": dict(labels),
                                                  "ownerReferences": want["metadata"]["ownerReferences"]},
                                     "spec": {"selector": {"app": labels["app"]},
                                              "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}},
                            "manager")
            avail = get_cond(dep, "Available") or {}
            ok = avail.get("status") == "True"
            url = "http://%s.%s.example.com" % (name, ns) if mode == "Serverless" else \
                "http://%s-%s.example.com" % (name, ns)
            reason = None if ok else (avail.get("reason") or "PredictorNotReady")
            msg = None if ok else (avail.get("message") or "Predictor is not ready")
            for t in ("IngressReady", "PredictorReady", "Ready"):
                st_ = "True" if ok or t == "IngressReady" else "False"
                status["conditions"] = set_cond(status.get("conditions"), t, st_, None if st_ == "True" else reason,
                                                None if st_ == "True" else msg, nowts)
            status["conditions"] = [{k: v for k, v in c.items() if v is not None} for c in status["conditions"]]
            status["deploymentMode"] = mode
            status["observedGeneration"] = md.get("generation", 1)
            if ok:
                status["url"] = url
                status["address"] = {"url": "http://%s-predictor.%s.svc.cluster.local" % (name, ns)}
                status["components"] = {"predictor": {"url": "http://%s-predictor-%s.example.com" % (name, ns)}}
                status["modelStatus"] = {"transitionStatus": "UpToDate", "states": {
                    "activeModelState": "Loaded", "targetModelState": "Loaded"},
                    "copies": {"failedCopies": 0, "totalCopies": 1}}
            else:
                status["modelStatus"] = {"transitionStatus": "InProgress", "states": {
                    "activeModelState": "Pending", "targetModelState": "Loaded"}}
            self.write_status(("serving.kserve.io", "inferenceservices"), isvc, status, "manager")

    # -- garbage collection -----------------------------------------------------------------
    def gc(self):
        st = self.s.store
        uids = {}
        for gr, bucket in st.data.items():
            for o in bucket.values():
                uids[o["metadata"].get("uid")] = (gr, o)
        dependents = {}
        for gr, bucket in list(st.data.items()):
            for o in list(bucket.values()):
                refs = o["metadata"].get("ownerReferences")
                if not refs:
                    continue
                alive = []
                for ref in refs:
                    owner = uids.get(ref.get("uid"))
                    if owner is not None:
                        alive.append((ref, owner))
                        dependents.setdefault(ref.get("uid"), []).append((gr, o))
                if not alive:
                    if not o["metadata"].get("deletionTimestamp"):
                        self.delete(gr, o, {"propagationPolicy": "Background"})
                    continue
                for ref, (ogr, owner) in alive:
                    omd = owner["metadata"]
                    if omd.get("deletionTimestamp") and "foregroundDeletion" in (omd.get("finalizers") or []):
                        if not o["metadata"].get("deletionTimestamp"):
                            self.delete(gr, o, {"propagationPolicy": "Foreground"})
                    elif omd.get("deletionTimestamp") and "orphan" in (omd.get("finalizers") or []):
                        new = util.deep(o)
                        new["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != omd.get("uid")]
                        if not new["metadata"]["ownerReferences"]:
                            new["metadata"].pop("ownerReferences")
                        self.write(gr, o, new, "garbage-collector")
        for uid, (gr, o) in uids.items():
            md = o["metadata"]
            if not md.get("deletionTimestamp"):
                continue
            fins = md.get("finalizers") or []
            drop = None
            if "foregroundDeletion" in fins:
                blocking = [d for d in dependents.get(uid, []) if st.get(d[0], self._key(d[1])) is not None]
                if not blocking:
                    drop = "foregroundDeletion"
            elif "orphan" in fins:
                if not dependents.get(uid):
                    drop = "orphan"
            if drop:
                cur = st.get(gr, self._key(o))
                if cur is None:
                    continue
                new = util.deep(cur)
                new["metadata"]["finalizers"] = [f for f in fins if f != drop]
                if not new["metadata"]["finalizers"]:
                    new["metadata"].pop("finalizers")
                self.write(gr, cur, new, "garbage-collector")
