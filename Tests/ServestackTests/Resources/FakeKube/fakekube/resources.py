"""Built-in resource table (as data), the resource registry (built-ins + CRDs),
discovery documents, a minimal OpenAPI v3 and server-side Table printing."""

import base64
import hashlib
import re
import threading

from . import util

STD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
NS_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
CREATE_ONLY = ["create"]
SUB_VERBS = ["get", "patch", "update"]

# group, versions (preferred first), plural, kind, namespaced, shortNames, categories, flags, verbs
# flags: status, scale, gen (metadata.generation maintained), log, token, finalize, eviction
BUILTINS = [
    ("", ["v1"], "bindings", "Binding", True, [], [], "", CREATE_ONLY),
    ("", ["v1"], "componentstatuses", "ComponentStatus", False, ["cs"], [], "", ["get", "list"]),
    ("", ["v1"], "configmaps", "ConfigMap", True, ["cm"], [], "", STD),
    ("", ["v1"], "endpoints", "Endpoints", True, ["ep"], [], "", STD),
    ("", ["v1"], "events", "Event", True, ["ev"], [], "", STD),
    ("", ["v1"], "limitranges", "LimitRange", True, ["limits"], [], "", STD),
    ("", ["v1"], "namespaces", "Namespace", False, ["ns"], [], "status finalize", NS_VERBS),
    ("", ["v1"], "nodes", "Node", False, ["no"], [], "status", STD),
    ("", ["v1"], "persistentvolumeclaims", "PersistentVolumeClaim", True, ["pvc"], [], "status", STD),
    ("", ["v1"], "persistentvolumes", "PersistentVolume", False, ["pv"], [], "status", STD),
    ("", ["v1"], "pods", "Pod", True, ["po"], ["all"], "status log eviction", STD),
    ("", ["v1"], "podtemplates", "PodTemplate", True, [], [], "", STD),
    ("", ["v1"], "replicationcontrollers", "ReplicationController", True, ["rc"], ["all"], "status scale gen", STD),
    ("", ["v1"], "resourcequotas", "ResourceQuota", True, ["quota"], [], "status", STD),
    ("", ["v1"], "secrets", "Secret", True, [], [], "", STD),
    ("", ["v1"], "serviceaccounts", "ServiceAccount", True, ["sa"], [], "token", STD),
    ("", ["v1"], "services", "Service", True, ["svc"], ["all"], "status", NS_VERBS + ["deletecollection"]),
    ("admissionregistration.k8s.io", ["v1"], "mutatingwebhookconfigurations", "MutatingWebhookConfiguration",
     False, [], ["api-extensions"], "gen", STD),
    ("admissionregistration.k8s.io", ["v1"], "validatingwebhookconfigurations",
     "ValidatingWebhookConfiguration", False, [], ["api-extensions"], "gen", STD),
    ("admissionregistration.k8s.io", ["v1"], "validatingadmissionpolicies", "ValidatingAdmissionPolicy",
     False, [], ["api-extensions"], "status gen", STD),
    ("admissionregistration.k8s.io", ["v1"], "validatingadmissionpolicybindings",
     "ValidatingAdmissionPolicyBinding", False, [], ["api-extensions"], "gen", STD),
    ("apiextensions.k8s.io", ["v1"], "customresourcedefinitions", "CustomResourceDefinition", False,
     ["crd", "crds"], ["api-extensions"], "status gen", STD),
    ("apiregistration.k8s.io", ["v1"], "apiservices", "APIService", False, [], ["api-extensions"], "status",
     STD),
    ("apps", ["v1"], "controllerrevisions", "ControllerRevision", True, [], [], "", STD),
    ("apps", ["v1"], "daemonsets", "DaemonSet", True, ["ds"], ["all"], "status gen", STD),
    ("apps", ["v1"], "deployments", "Deployment", True, ["deploy"], ["all"], "status scale gen", STD),
    ("apps", ["v1"], "replicasets", "ReplicaSet", True, ["rs"], ["all"], "status scale gen", STD),
    ("apps", ["v1"], "statefulsets", "StatefulSet", True, ["sts"], ["all"], "status scale gen", STD),
    ("authentication.k8s.io", ["v1"], "selfsubjectreviews", "SelfSubjectReview", False, [], [], "",
     CREATE_ONLY),
    ("authentication.k8s.io", ["v1"], "tokenreviews", "TokenReview", False, [], [], "", CREATE_ONLY),
    ("authorization.k8s.io", ["v1"], "localsubjectaccessreviews", "LocalSubjectAccessReview", True, [], [],
     "", CREATE_ONLY),
    ("authorization.k8s.io", ["v1"], "selfsubjectaccessreviews", "SelfSubjectAccessReview", False, [], [],
     "", CREATE_ONLY),
    ("authorization.k8s.io", ["v1"], "selfsubjectrulesreviews", "SelfSubjectRulesReview", False, [], [], "",
     CREATE_ONLY),
    ("authorization.k8s.io", ["v1"], "subjectaccessreviews", "SubjectAccessReview", False, [], [], "",
     CREATE_ONLY),
    ("autoscaling", ["v2", "v1"], "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, ["hpa"],
     ["all"], "status gen", STD),
    ("batch", ["v1"], "cronjobs", "CronJob", True, ["cj"], ["all"], "status gen", STD),
    ("batch", ["v1"], "jobs", "Job", True, [], ["all"], "status gen", STD),
    ("certificates.k8s.io", ["v1"], "certificatesigningrequests", "CertificateSigningRequest", False, ["csr"],
     [], "status", STD),
    ("coordination.k8s.io", ["v1"], "leases", "Lease", True, [], [], "", STD),
    ("discovery.k8s.io", ["v1"], "endpointslices", "EndpointSlice", True, [], [], "", STD),
    ("events.k8s.io", ["v1"], "events", "Event", True, ["ev"], [], "", STD),
    ("flowcontrol.apiserver.k8s.io", ["v1"], "flowschemas", "FlowSchema", False, [], [], "status gen", STD),
    ("flowcontrol.apiserver.k8s.io", ["v1"], "prioritylevelconfigurations", "PriorityLevelConfiguration",
     False, [], [], "status gen", STD),
    ("networking.k8s.io", ["v1"], "ingressclasses", "IngressClass", False, [], [], "", STD),
    ("networking.k8s.io", ["v1"], "ingresses", "Ingress", True, ["ing"], [], "status gen", STD),
    ("networking.k8s.io", ["v1"], "networkpolicies", "NetworkPolicy", True, ["netpol"], [], "gen", STD),
    ("node.k8s.io", ["v1"], "runtimeclasses", "RuntimeClass", False, [], [], "", STD),
    ("policy", ["v1"], "poddisruptionbudgets", "PodDisruptionBudget", True, ["pdb"], [], "status gen", STD),
    ("rbac.authorization.k8s.io", ["v1"], "clusterrolebindings", "ClusterRoleBinding", False, [], [], "", STD),
    ("rbac.authorization.k8s.io", ["v1"], "clusterroles", "ClusterRole", False, [], [], "", STD),
    ("rbac.authorization.k8s.io", ["v1"], "rolebindings", "RoleBinding", True, [], [], "", STD),
    ("rbac.authorization.k8s.io", ["v1"], "roles", "Role", True, [], [], "", STD),
    ("scheduling.k8s.io", ["v1"], "priorityclasses", "PriorityClass", False, ["pc"], [], "", STD),
    ("storage.k8s.io", ["v1"], "csidrivers", "CSIDriver", False, [], [], "", STD),
    ("storage.k8s.io", ["v1"], "csinodes", "CSINode", False, [], [], "", STD),
    ("storage.k8s.io", ["v1"], "csistoragecapacities", "CSIStorageCapacity", True, [], [], "", STD),
    ("storage.k8s.io", ["v1"], "storageclasses", "StorageClass", False, ["sc"], [], "", STD),
    ("storage.k8s.io", ["v1"], "volumeattachments", "VolumeAttachment", False, [], [], "status", STD),
]

# discovery order of built-in groups (like the real aggregator's priorities)
GROUP_ORDER = ["", "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io",
               "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io", "networking.k8s.io",
               "policy", "rbac.authorization.k8s.io", "storage.k8s.io", "admissionregistration.k8s.io",
               "apiextensions.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "node.k8s.io",
               "discovery.k8s.io", "flowcontrol.apiserver.k8s.io"]

# names whose objects are named like DNS labels rather than subdomains
LABEL_NAMED = {("", "namespaces"), ("", "services")}
PATH_NAMED = {("rbac.authorization.k8s.io", r) for r in ("roles", "clusterroles", "rolebindings",
                                                          "clusterrolebindings")}
# resources the real server returns as object (not Status) on immediate delete
RETURN_DELETED = {("", "pods"), ("", "namespaces"), ("", "services"), ("", "persistentvolumes"),
                  ("", "persistentvolumeclaims"), ("apiextensions.k8s.io", "customresourcedefinitions")}


class Resource:
    __slots__ = ("group", "version", "plural", "kind", "namespaced", "verbs", "short", "singular",
                 "categories", "status", "scale", "generation", "subs", "crd", "list_kind", "schema",
                 "columns", "scale_paths", "served_versions", "storage_version", "conversion")

    def __init__(self, group, version, plural, kind, namespaced, verbs, short=(), categories=(), flags="",
                 crd=None, list_kind=None, schema=None, columns=None, singular=None):
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
        self.verbs = list(verbs)
        self.short = list(short)
        self.singular = singular or kind.lower()
        self.categories = list(categories)
        fl = set(flags.split())
        self.status = "status" in fl
        self.scale = "scale" in fl
        self.generation = "gen" in fl
        self.subs = fl & {"log", "token", "finalize", "eviction"}
        self.crd = crd
        self.list_kind = list_kind or kind + "List"
        self.schema = schema
        self.columns = columns
        self.scale_paths = None
        self.served_versions = None
        self.storage_version = version
        self.conversion = None

    @property
    def gr(self):
        return (self.group, self.plural)

    @property
    def api_version(self):
        return self.version if not self.group else "%s/%s" % (self.group, self.version)

    def name_style(self):
        if self.gr in LABEL_NAMED:
            return "label"
        if self.gr in PATH_NAMED:
            return "path"
        return "subdomain"

    def discovery_entries(self):
        # Every served version of a CRD announces the hash of its storage version, as the apiserver does
        # (kube-storage-version-migrator and StorageVersionMigrator watch it change).
        stored = self.storage_version if self.crd and self.storage_version else self.version
        h = base64.b64encode(hashlib.sha256(("%s/%s/%s" % (self.group, stored, self.kind)).encode())
                             .digest()[:8]).decode()
        main = {"name": self.plural, "singularName": self.singular, "namespaced": self.namespaced,
                "kind": self.kind, "verbs": self.verbs}
        if self.short:
            main["shortNames"] = self.short
        if self.categories:
            main["categories"] = self.categories
        if self.verbs != CREATE_ONLY:
            main["storageVersionHash"] = h
        out = [main]
        if self.status:
            out.append({"name": self.plural + "/status", "singularName": "", "namespaced": self.namespaced,
                        "kind": self.kind, "verbs": SUB_VERBS})
        if self.scale:
            out.append({"name": self.plural + "/scale", "singularName": "", "namespaced": self.namespaced,
                        "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": SUB_VERBS})
        if "log" in self.subs:
            out.append({"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod",
                        "verbs": ["get"]})
        if "eviction" in self.subs:
            out.append({"name": "pods/eviction", "singularName": "", "namespaced": True, "group": "policy",
                        "version": "v1", "kind": "Eviction", "verbs": ["create"]})
        if "token" in self.subs:
            out.append({"name": "serviceaccounts/token", "singularName": "", "namespaced": True,
                        "group": "authentication.k8s.io", "version": "v1", "kind": "TokenRequest",
                        "verbs": ["create"]})
        if "finalize" in self.subs:
            out.append({"name": "namespaces/finalize", "singularName": "", "namespaced": False,
                        "kind": "Namespace", "verbs": ["update"]})
        return sorted(out, key=lambda e: e["name"])


_VER = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_key(v):
    """Kube-aware version priority: GA > beta > alpha, higher numbers first; others last."""
    m = _VER.match(v)
    if not m:
        return (3, 0, 0, v)
    major = int(m.group(1))
    if not m.group(2):
        return (0, -major, 0, v)
    minor = int(m.group(3))
    return (1 if m.group(2) == "beta" else 2, -major, -minor, v)


def crd_resources(crd):
    """Resources for every served version of an apiextensions.k8s.io/v1 CRD."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group", "")
    out = []
    versions = spec.get("versions") or []
    served = [v["name"] for v in versions if v.get("served")]
    storage = next((v["name"] for v in versions if v.get("storage")), served[0] if served else "")
    for v in versions:
        if not v.get("served"):
            continue
        subs = v.get("subresources") or {}
        flags = "gen"
        if "status" in subs:
            flags += " status"
        if "scale" in subs:
            flags += " scale"
        r = Resource(group, v["name"], names.get("plural", ""), names.get("kind", ""),
                     spec.get("scope") == "Namespaced", STD, names.get("shortNames") or [],
                     names.get("categories") or [], flags, crd=crd["metadata"]["name"],
                     list_kind=names.get("listKind"), schema=(v.get("schema") or {}).get("openAPIV3Schema"),
                     columns=v.get("additionalPrinterColumns"), singular=names.get("singular"))
        if "scale" in subs:
            r.scale_paths = subs["scale"]
        r.served_versions = served
        r.storage_version = storage
        r.conversion = spec.get("conversion")
        out.append(r)
    return out


class Registry:
    """Resources served by the fake: built-ins plus established CRDs."""

    def __init__(self):
        self.lock = threading.RLock()
        self.builtin = []
        for g, vers, plural, kind, ns, short, cats, flags, verbs in BUILTINS:
            for v in vers:
                self.builtin.append(Resource(g, v, plural, kind, ns, verbs, short, cats, flags))
        self.crds = {}  # crd name -> [Resource]
        self._rebuild()

    def _rebuild(self):
        index = {}
        by_kind = {}
        groups = {}
        for r in self.builtin + [r for rs in self.crds.values() for r in rs]:
            index[(r.group, r.version, r.plural)] = r
            by_kind.setdefault((r.group, r.kind), []).append(r)
            by_kind.setdefault((r.group, r.version, r.kind), []).append(r)
            groups.setdefault(r.group, [])
            if r.version not in groups[r.group]:
                groups[r.group].append(r.version)
        for g, vs in groups.items():
            if g in GROUP_ORDER:
                # keep the table order (preferred first) for built-ins
                continue
            vs.sort(key=version_key)
        self.index = index
        self.by_kind_map = by_kind
        self.groups = groups

    def set_crd(self, name, resources):
        with self.lock:
            if resources:
                self.crds[name] = resources
            else:
                self.crds.pop(name, None)
            self._rebuild()

    def get(self, group, version, plural):
        return self.index.get((group, version, plural))

    def any_version(self, group, plural):
        for v in self.groups.get(group, []):
            r = self.index.get((group, v, plural))
            if r:
                return r
        return None

    def by_kind(self, api_version, kind):
        if "/" in api_version:
            g, v = api_version.split("/", 1)
        else:
            g, v = "", api_version
        rs = self.by_kind_map.get((g, v, kind))
        return rs[0] if rs else None

    def by_group_kind(self, group, kind):
        rs = self.by_kind_map.get((group, kind))
        return rs[0] if rs else None

    def preferred(self, group):
        vs = self.groups.get(group)
        return vs[0] if vs else None

    def ordered_groups(self):
        gs = [g for g in GROUP_ORDER if g in self.groups]
        gs += sorted(g for g in self.groups if g not in GROUP_ORDER)
        return gs

    def resources_in(self, group, version):
        return sorted((r for (g, v, _), r in self.index.items() if g == group and v == version),
                      key=lambda r: r.plural)

    # -- discovery ---------------------------------------------------------
    def api_versions(self, addr):
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": addr}]}

    def _group_doc(self, g):
        vs = self.groups[g]
        versions = [{"groupVersion": "%s/%s" % (g, v), "version": v} for v in vs]
        return {"name": g, "versions": versions, "preferredVersion": versions[0]}

    def api_group_list(self):
        with self.lock:
            return {"kind": "APIGroupList", "apiVersion": "v1",
                    "groups": [self._group_doc(g) for g in self.ordered_groups() if g]}

    def api_group(self, g):
        with self.lock:
            if not g or g not in self.groups:
                return None
            d = self._group_doc(g)
            d = dict(d)
            return {"kind": "APIGroup", "apiVersion": "v1", **d}

    def api_resource_list(self, g, v):
        with self.lock:
            rs = self.resources_in(g, v)
            if not rs:
                return None
            entries = []
            for r in rs:
                entries.extend(r.discovery_entries())
            return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": v if not g else "%s/%s" % (g, v),
                    "resources": entries}

    # -- OpenAPI v3 (just enough for kubectl's fieldValidation support check) ------------
    def openapi_root(self):
        with self.lock:
            paths = {}
            for g in self.ordered_groups():
                for v in self.groups[g]:
                    key = "api/v1" if not g else "apis/%s/%s" % (g, v)
                    h = hashlib.sha256(("%s|%s|%s" % (key, len(self.resources_in(g, v)),
                                                      ",".join(r.plural for r in self.resources_in(g, v))))
                                       .encode()).hexdigest()[:32].upper()
                    paths[key] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (key, h)}
            return {"paths": paths}

    def openapi_gv(self, key):
        if key == "api/v1":
            g, v = "", "v1"
        elif key.startswith("apis/") and key.count("/") == 2:
            _, g, v = key.split("/")
        else:
            return None
        with self.lock:
            rs = self.resources_in(g, v)
            if not rs:
                return None
            prefix = "/api/v1" if not g else "/apis/%s/%s" % (g, v)
            paths = {}
            qp = [{"name": n, "in": "query", "schema": {"type": "string"}, "uniqueItems": True}
                  for n in ("dryRun", "fieldManager", "fieldValidation")]
            qp.append({"name": "force", "in": "query", "schema": {"type": "boolean"}, "uniqueItems": True})
            for r in rs:
                if "patch" not in r.verbs:
                    continue
                gvk = {"group": g, "version": v, "kind": r.kind}
                if r.namespaced:
                    p = "%s/namespaces/{namespace}/%s/{name}" % (prefix, r.plural)
                else:
                    p = "%s/%s/{name}" % (prefix, r.plural)
                paths[p] = {"patch": {"operationId": "patch%s" % r.kind, "parameters": qp,
                                      "x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": gvk,
                                      "responses": {"200": {"description": "OK"}}},
                            "parameters": [{"name": "name", "in": "path", "required": True,
                                            "schema": {"type": "string"}}]}
            return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "unversioned"},
                    "paths": paths, "components": {"schemas": {}}}


# ---------------------------------------------------------------------------
# Table printing (server-side printing, as kubectl get asks for it)

def _col(name, typ="string", fmt="", desc="", prio=0):
    return {"name": name, "type": typ, "format": fmt, "description": desc or name, "priority": prio}


def _cond(obj, t):
    for c in ((obj.get("status") or {}).get("conditions") or []):
        if c.get("type") == t:
            return c
    return None


def _pod_row(o):
    st = o.get("status") or {}
    spec = o.get("spec") or {}
    css = st.get("containerStatuses") or []
    total = len(spec.get("containers") or [])
    ready = sum(1 for c in css if c.get("ready"))
    restarts = sum(c.get("restartCount", 0) for c in css)
    reason = st.get("reason") or st.get("phase") or "Unknown"
    for c in css:
        w = (c.get("state") or {}).get("waiting")
        if w and w.get("reason"):
            reason = w["reason"]
        t = (c.get("state") or {}).get("terminated")
        if t and t.get("reason") and reason in ("Running", "Pending"):
            reason = t["reason"]
    if st.get("phase") == "Pending" and not css:
        pc = _cond(o, "PodScheduled")
        if pc and pc.get("status") == "False":
            reason = "Pending"
    if o["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return ["%d/%d" % (ready, total), reason, str(restarts)], [st.get("podIP") or "<none>",
                                                                 spec.get("nodeName") or "<none>", "<none>",
                                                                 "<none>"]


def _images(o):
    cs = ((o.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
    return ",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)


def _sel(o):
    s = (o.get("spec") or {}).get("selector") or {}
    ml = s.get("matchLabels") if isinstance(s, dict) else None
    if ml is None:
        ml = s if isinstance(s, dict) else {}
    return ",".join("%s=%s" % kv for kv in sorted(ml.items()) if isinstance(kv[1], str)) or "<none>"


def table_for(r, objs, list_rv, cont="", now=None, include_object="Metadata"):
    """Build a meta.k8s.io/v1 Table for objects of resource r."""
    name_col = _col("Name", "string", "name",
                    "Name must be unique within a namespace. Is required when creating resources, although some "
                    "resources may allow a client to request the generation of an appropriate name automatically. "
                    "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
                    "updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
    age_col = _col("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this "
                   "object was created.")
    gr = r.gr

    def row_cells(o):
        md = o["metadata"]
        a = util.age(md.get("creationTimestamp"), now)
        st = o.get("status") or {}
        spec = o.get("spec") or {}
        if gr == ("", "pods"):
            main, extra = _pod_row(o)
            return [md["name"]] + main + [a] + extra
        if gr == ("apps", "deployments"):
            c, i = _images(o)
            return [md["name"], "%d/%d" % (st.get("readyReplicas", 0), spec.get("replicas", 1)),
                    st.get("updatedReplicas", 0), st.get("availableReplicas", 0), a, c, i, _sel(o)]
        if gr in (("apps", "replicasets"), ("apps", "statefulsets")):
            c, i = _images(o)
            if gr[1] == "statefulsets":
                return [md["name"], "%d/%d" % (st.get("readyReplicas", 0), spec.get("replicas", 1)), a, c, i]
            return [md["name"], spec.get("replicas", 1), st.get("replicas", 0), st.get("readyReplicas", 0), a,
                    c, i, _sel(o)]
        if gr == ("apps", "daemonsets"):
            c, i = _images(o)
            ns = ",".join("%s=%s" % kv for kv in sorted(((spec.get("template") or {}).get("spec") or {})
                                                         .get("nodeSelector", {}).items())) or "<none>"
            return [md["name"], st.get("desiredNumberScheduled", 0), st.get("currentNumberScheduled", 0),
                    st.get("numberReady", 0), st.get("updatedNumberScheduled", 0),
                    st.get("numberAvailable", 0), ns, a, c, i, _sel(o)]
        if gr == ("", "nodes"):
            rc = _cond(o, "Ready")
            status = "Ready" if rc and rc.get("status") == "True" else "NotReady"
            if spec.get("unschedulable"):
                status += ",SchedulingDisabled"
            roles = ",".join(sorted(k.split("/", 1)[1] for k in (md.get("labels") or {})
                                    if k.startswith("node-role.kubernetes.io/"))) or "<none>"
            ni = st.get("nodeInfo") or {}
            addrs = {x.get("type"): x.get("address") for x in st.get("addresses") or []}
            return [md["name"], status, roles, a, ni.get("kubeletVersion", ""), addrs.get("InternalIP", "<none>"),
                    addrs.get("ExternalIP", "<none>"), ni.get("osImage", ""), ni.get("kernelVersion", ""),
                    ni.get("containerRuntimeVersion", "")]
        if gr == ("", "namespaces"):
            return [md["name"], st.get("phase", "Active"), a]
        if gr == ("", "services"):
            ports = ",".join("%s/%s" % (p.get("port"), p.get("protocol", "TCP")) if not p.get("nodePort") else
                             "%s:%s/%s" % (p.get("port"), p.get("nodePort"), p.get("protocol", "TCP"))
                             for p in spec.get("ports") or []) or "<none>"
            ing = ((st.get("loadBalancer") or {}).get("ingress") or [])
            ext = ",".join(i.get("ip") or i.get("hostname", "") for i in ing) or (
                "<pending>" if spec.get("type") == "LoadBalancer" else "<none>")
            return [md["name"], spec.get("type", "ClusterIP"), spec.get("clusterIP", "<none>"), ext, ports, a,
                    _sel(o)]
        if gr == ("batch", "jobs"):
            comp = "%d/%d" % (st.get("succeeded", 0), spec.get("completions", 1))
            status = "Running"
            if _cond(o, "Complete") and _cond(o, "Complete").get("status") == "True":
                status = "Complete"
            elif _cond(o, "Failed") and _cond(o, "Failed").get("status") == "True":
                status = "Failed"
            return [md["name"], status, comp, "", a]
        if gr in (("", "events"),):
            io = o.get("involvedObject") or {}
            return [util.age(o.get("lastTimestamp") or md.get("creationTimestamp"), now), o.get("type", ""),
                    o.get("reason", ""), "%s/%s" % ((io.get("kind") or "").lower(), io.get("name", "")),
                    o.get("message", "")]
        if gr == ("apiextensions.k8s.io", "customresourcedefinitions"):
            return [md["name"], md.get("creationTimestamp")]
        if gr == ("", "configmaps"):
            return [md["name"], len(o.get("data") or {}) + len(o.get("binaryData") or {}), a]
        if gr == ("", "secrets"):
            return [md["name"], o.get("type", "Opaque"), len(o.get("data") or {}), a]
        if r.columns is not None:
            cells = [md["name"]]
            for c in r.columns:
                v = jsonpath_get(o, c.get("jsonPath", ""))
                if c.get("type") == "date" and isinstance(v, str):
                    v = util.age(v, now)
                cells.append(v if v is not None else None)
            if not any(c.get("name", "").lower() == "age" for c in r.columns):
                cells.append(a)
            return cells
        return [md["name"], a]

    if gr == ("", "pods"):
        cols = [name_col, _col("Ready"), _col("Status"), _col("Restarts", "string"), age_col, _col("IP", prio=1),
                _col("Node", prio=1), _col("Nominated Node", prio=1), _col("Readiness Gates", prio=1)]
    elif gr == ("apps", "deployments"):
        cols = [name_col, _col("Ready"), _col("Up-to-date", "integer"), _col("Available", "integer"), age_col,
                _col("Containers", prio=1), _col("Images", prio=1), _col("Selector", prio=1)]
    elif gr == ("apps", "replicasets"):
        cols = [name_col, _col("Desired", "integer"), _col("Current", "integer"), _col("Ready", "integer"),
                age_col, _col("Containers", prio=1), _col("Images", prio=1), _col("Selector", prio=1)]
    elif gr == ("apps", "statefulsets"):
        cols = [name_col, _col("Ready"), age_col, _col("Containers", prio=1), _col("Images", prio=1)]
    elif gr == ("apps", "daemonsets"):
        cols = [name_col, _col("Desired", "integer"), _col("Current", "integer"), _col("Ready", "integer"),
                _col("Up-to-date", "integer"), _col("Available", "integer"), _col("Node Selector"), age_col,
                _col("Containers", prio=1), _col("Images", prio=1), _col("Selector", prio=1)]
    elif gr == ("", "nodes"):
        cols = [name_col, _col("Status"), _col("Roles"), age_col, _col("Version"), _col("Internal-IP", prio=1),
                _col("External-IP", prio=1), _col("OS-Image", prio=1), _col("Kernel-Version", prio=1),
                _col("Container-Runtime", prio=1)]
    elif gr == ("", "namespaces"):
        cols = [name_col, _col("Status"), age_col]
    elif gr == ("", "services"):
        cols = [name_col, _col("Type"), _col("Cluster-IP"), _col("External-IP"), _col("Port(s)"), age_col,
                _col("Selector", prio=1)]
    elif gr == ("batch", "jobs"):
        cols = [name_col, _col("Status"), _col("Completions"), _col("Duration"), age_col]
    elif gr == ("", "events"):
        cols = [_col("Last Seen"), _col("Type"), _col("Reason"), _col("Object"), _col("Message")]
    elif gr == ("apiextensions.k8s.io", "customresourcedefinitions"):
        cols = [name_col, _col("Created At", "date")]
    elif gr == ("", "configmaps"):
        cols = [name_col, _col("Data", "integer"), age_col]
    elif gr == ("", "secrets"):
        cols = [name_col, _col("Type"), _col("Data", "integer"), age_col]
    elif r.columns is not None:
        cols = [name_col] + [_col(c.get("name", ""), c.get("type", "string"), c.get("format", ""),
                                  c.get("description", ""), c.get("priority", 0)) for c in r.columns]
        if not any(c.get("name", "").lower() == "age" for c in r.columns):
            cols.append(age_col)
    else:
        cols = [name_col, age_col]
    rows = []
    for o in objs:
        row = {"cells": row_cells(o)}
        if include_object == "Object":
            row["object"] = o
        elif include_object != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": o["metadata"]}
        rows.append(row)
    meta = {"resourceVersion": list_rv}
    if cont:
        meta["continue"] = cont
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": cols,
            "rows": rows}


def jsonpath_get(obj, path):
    """Tiny JSONPath subset used by additionalPrinterColumns: .a.b, [0], [?(@.k=="v")]."""
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    cur = [obj]
    i = 0
    toks = re.findall(r"\.([A-Za-z0-9_\-]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_\-]+)\s*==\s*[\"']([^\"']*)[\"']\)\]|"
                      r"\[\*\]|\[['\"]([^'\"]+)['\"]\]", path)
    for fld, idx, fk, fv, quoted in toks:
        nxt = []
        for c in cur:
            if fld or quoted:
                k = fld or quoted
                if isinstance(c, dict) and k in c:
                    nxt.append(c[k])
            elif idx:
                if isinstance(c, list) and int(idx) < len(c):
                    nxt.append(c[int(idx)])
            elif fk:
                if isinstance(c, list):
                    nxt.extend(e for e in c if isinstance(e, dict) and str(e.get(fk)) == fv)
            else:
                if isinstance(c, list):
                    nxt.extend(c)
        cur = nxt
        i += 1
    if not cur:
        return None
    if len(cur) == 1:
        return cur[0]
    return " ".join(str(c) for c in cur)
