"""The fake apiserver's request handling: routing, discovery, CRUD, patch, server-side
apply, watch, subresources and the /fake/ control API. Transport-independent."""

import base64
import binascii
import json
import re
import threading
import time
import urllib.parse

from . import admission, auth, builtin, resources, smd, util, yamlmini
from .store import Expired, Store
from .util import ApiError

JSON = "application/json"
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
SMP = "application/strategic-merge-patch+json"
JSONPATCH = "application/json-patch+json"

DEFAULT_RESTRICTED_RULES = [
    {"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods", "services"],
     "namespaces": ["default"]},
    {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["namespaces", "nodes"]},
]

DEFAULT_CONFIG = {
    "version": "v1.30.7",
    "nodes": None,
    "crdEstablishDelaySeconds": 0.2,
    "workloadReadyDelaySeconds": 0.3,
    "neverReady": [],
    "crashLoop": [],
    "unschedulable": [],
    "webhookRefuseSeconds": {},
    "defaultStorageClass": True,
    "restrictedRules": DEFAULT_RESTRICTED_RULES,
    "watchHistorySize": 1000,
    "bookmarkIntervalSeconds": 1.0,
    "namespaceDeleteSeconds": 0.5,
    "podTerminationSeconds": 0.1,
    "progressDeadlineSeconds": 2.0,
    "maxRequestBodyBytes": 3145728,
    "maxObjectBytes": 1572864,
    "anonymousAuth": False,
    "loadBalancerIngressIP": None,
    "certManager": True,
    "secretVolumeGate": True,
    "knativeWebhookRules": True,
    "controllerIntervalSeconds": 0.05,
    "requestLogSize": 50000,
    "watchTimeoutSeconds": 1800,
}


class Request:
    def __init__(self, method, raw_path, headers, body, user=None):
        self.method = method
        parsed = urllib.parse.urlsplit(raw_path)
        self.path = urllib.parse.unquote(parsed.path) or "/"
        self.raw_query = parsed.query
        self.query = {}
        for k, v in urllib.parse.parse_qsl(parsed.query, keep_blank_values=True):
            self.query[k] = v
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body or b""
        self.user = user
        self.log = {}
        self.closed = lambda: False

    @property
    def content_type(self):
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    @property
    def accept(self):
        return self.headers.get("accept") or ""


class Response:
    def __init__(self, status, body=b"", ctype=JSON, headers=None, stream=None):
        self.status = status
        self.body = body
        self.ctype = ctype
        self.headers = headers or {}
        self.stream = stream


def json_resp(status, obj, headers=None):
    return Response(status, util.dumpb(obj), JSON, headers)


TEXT_404 = Response(404, b"404 page not found\n", "text/plain; charset=utf-8", {"X-Content-Type-Options": "nosniff"})


def err_resp(e):
    return Response(e.code, util.dumpb(e.status()), JSON, dict(e.headers))


def _truthy(v):
    return str(v).lower() in ("true", "1", "yes")


def _accept_as(accept):
    m = re.search(r"as=(Table|PartialObjectMetadataList|PartialObjectMetadata)", accept)
    if not m:
        return None
    # honour only if the first acceptable media type asks for it
    return m.group(1)


class ApiServer:
    def __init__(self, config=None, addr="127.0.0.1:0"):
        self.config = dict(DEFAULT_CONFIG)
        self.config.update(config or {})
        self.addr = addr
        self.registry = resources.Registry()
        self.store = Store(int(self.config["watchHistorySize"]))
        self.authn = auth.Authenticator()
        self.authz = auth.Authorizer(self)
        self.webhooks = admission.Webhooks(self)
        self.ca_pem = ""
        self.sim = None  # set by controllers.Sim
        self.stopping = threading.Event()
        self.audit_seq = 0

    # -- config -----------------------------------------------------------------
    def cfg(self, key):
        v = self.config.get(key)
        if v is None and key in DEFAULT_CONFIG:
            return DEFAULT_CONFIG[key]
        return v

    # -- entry point ------------------------------------------------------------
    def handle(self, req):
        try:
            return self._route(req)
        except ApiError as e:
            return err_resp(e)
        except smd.ApplyConflict as c:
            return err_resp(c.error())

    def _authorize(self, req, attrs):
        ok, reason = self.authz.authorize(req.user, attrs)
        if not ok:
            raise auth.forbidden_error(req.user, attrs, reason)

    def _nonresource(self, req, verb="get"):
        self._authorize(req, {"verb": verb, "path": req.path})

    def _route(self, req):
        p = req.path
        if len(p) > 1 and p.endswith("/"):
            p = p.rstrip("/")
        if p.startswith("/fake/") or p == "/fake":
            return self.handle_fake(req, p)
        if p in ("/healthz", "/livez", "/readyz") or p.startswith(("/healthz/", "/livez/", "/readyz/")):
            self._nonresource(req)
            return Response(200, b"ok", "text/plain; charset=utf-8")
        if p == "/version":
            self._nonresource(req)
            return json_resp(200, self.version_doc())
        if p == "/api":
            self._nonresource(req)
            return json_resp(200, self.registry.api_versions(self.addr))
        if p == "/apis":
            self._nonresource(req)
            return json_resp(200, self.registry.api_group_list())
        if p == "/openapi/v2":
            self._nonresource(req)
            if "protobuf" in req.accept:
                return Response(200, self.openapi_v2_proto(), "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
            return json_resp(200, {"swagger": "2.0", "info": {"title": "Kubernetes", "version": self.cfg("version")},
                                   "paths": {}, "definitions": {}})
        if p == "/openapi/v3":
            self._nonresource(req)
            return json_resp(200, self.registry.openapi_root())
        if p.startswith("/openapi/v3/"):
            self._nonresource(req)
            doc = self.registry.openapi_gv(p[len("/openapi/v3/"):])
            if doc is None:
                return Response(404, b"404 page not found\n", "text/plain; charset=utf-8")
            return json_resp(200, doc)
        parts = [x for x in p.split("/") if x]
        if parts and parts[0] == "api":
            if len(parts) == 1:
                return json_resp(200, self.registry.api_versions(self.addr))
            if parts[1] != "v1":
                self._nonresource(req)
                raise util.not_found_generic()
            return self.resource_request(req, "", "v1", parts[2:])
        if parts and parts[0] == "apis" and len(parts) >= 2:
            group = parts[1]
            if len(parts) == 2:
                self._nonresource(req)
                doc = self.registry.api_group(group)
                if doc is None:
                    return TEXT_404
                return json_resp(200, doc)
            if parts[2] not in self.registry.groups.get(group, []):
                self._nonresource(req)
                return TEXT_404
            return self.resource_request(req, group, parts[2], parts[3:])
        self._nonresource(req)
        return json_resp(404, {"paths": self.root_paths()})

    def root_paths(self):
        out = ["/api", "/api/v1", "/apis", "/apis/", "/healthz", "/livez", "/openapi/v2", "/openapi/v3",
               "/openapi/v3/", "/readyz", "/version"]
        for g in self.registry.ordered_groups():
            if g:
                out.append("/apis/" + g)
                out.extend("/apis/%s/%s" % (g, v) for v in self.registry.groups[g])
        return sorted(out)

    def openapi_v2_proto(self):
        """A minimal gnostic openapi_v2.Document: swagger "2.0" and info only (no models)."""
        def field(num, data):
            data = data.encode() if isinstance(data, str) else data
            return bytes([(num << 3) | 2, len(data)]) + data
        info = field(1, "Kubernetes") + field(2, self.cfg("version"))
        return field(1, "2.0") + field(2, info)

    def version_doc(self):
        v = self.cfg("version")
        m = re.match(r"v(\d+)\.(\d+)", v)
        return {"major": m.group(1) if m else "1", "minor": m.group(2) if m else "30", "gitVersion": v,
                "gitCommit": "fake0000000000000000000000000000000000000", "gitTreeState": "clean",
                "buildDate": "2024-11-20T00:00:00Z", "goVersion": "go1.22.8", "compiler": "gc",
                "platform": "linux/amd64"}

    # -- resource routing -----------------------------------------------------
    def resource_request(self, req, group, version, segs):
        watch = False
        if segs and segs[0] == "watch":
            watch = True
            segs = segs[1:]
        if not segs:
            self._nonresource(req)
            doc = self.registry.api_resource_list(group, version)
            if doc is None:
                raise util.not_found_generic()
            return json_resp(200, doc)
        ns = None
        if segs[0] == "namespaces" and len(segs) >= 3 and not (
                group == "" and len(segs) == 3 and segs[2] in ("status", "finalize")):
            ns = segs[1]
            segs = segs[2:]
        if len(segs) > 3:
            raise util.not_found_generic()
        plural = segs[0]
        name = segs[1] if len(segs) > 1 else None
        sub = segs[2] if len(segs) > 2 else ""
        m = req.method
        q = req.query
        if m == "GET":
            if name is None:
                verb = "watch" if (watch or _truthy(q.get("watch", ""))) else "list"
            else:
                verb = "watch" if watch else "get"
        elif m == "POST":
            verb = "create"
        elif m == "PUT":
            verb = "update"
        elif m == "PATCH":
            verb = "patch"
        elif m == "DELETE":
            verb = "delete" if name is not None else "deletecollection"
        else:
            verb = m.lower()
        attrs = {"verb": verb, "group": group, "resource": plural, "subresource": sub, "namespace": ns or "",
                 "name": name or ""}
        if not req.user.admin:
            self._authorize(req, attrs)
        with self.registry.lock:
            r = self.registry.get(group, version, plural)
        if r is None:
            if group not in resources.GROUP_ORDER:
                return TEXT_404  # CRD groups: the apiextensions handler delegates to "404 page not found"
            raise util.not_found_generic()
        if r.namespaced and ns is None and name is not None:
            raise util.not_found_generic()
        if not r.namespaced and ns is not None:
            raise util.not_found_generic()
        req.log.update({"group": group, "resource": plural, "namespace": ns or "", "name": name or "",
                        "subresource": sub, "verb": verb})
        if sub:
            return self.subresource(req, r, ns, name, sub, verb)
        if verb in ("list", "watch") and name is None:
            if verb not in r.verbs:
                raise util.method_not_allowed()
            if verb == "watch":
                return self.watch(req, r, ns)
            return self.list(req, r, ns)
        if verb == "watch":
            # /watch/.../name : watch a single object
            req.query["fieldSelector"] = "metadata.name=%s" % name
            return self.watch(req, r, ns)
        if verb not in r.verbs and not (verb == "get" and "get" in r.verbs):
            raise util.method_not_allowed(group, plural)
        if verb == "get":
            return self.get(req, r, ns, name)
        if verb == "create":
            if name is not None:
                raise util.method_not_allowed(group, plural)
            return self.create_entry(req, r, ns)
        if verb == "update":
            return self.update(req, r, ns, name, "")
        if verb == "patch":
            return self.patch(req, r, ns, name, "")
        if verb == "delete":
            return self.delete(req, r, ns, name)
        if verb == "deletecollection":
            return self.delete_collection(req, r, ns)
        raise util.method_not_allowed(group, plural)

    # -- helpers ----------------------------------------------------------------
    def key(self, r, ns, name):
        return "%s/%s" % (ns, name) if r.namespaced else name

    def parse_body(self, req, allow_yaml=False, kind=""):
        ct = req.content_type
        body = req.body
        try:
            if ct in ("application/yaml", "application/x-yaml", "text/yaml", APPLY) or (
                    allow_yaml and not body.lstrip().startswith((b"{", b"["))):
                text = body.decode("utf-8")
                if text.lstrip().startswith("{"):
                    return json.loads(text)
                return yamlmini.load(text)
            if not body:
                raise ValueError("unexpected end of JSON input")
            return json.loads(body)
        except (ValueError, UnicodeDecodeError, yamlmini.YAMLError) as e:
            if ct == APPLY or allow_yaml:
                raise util.bad_request("error decoding YAML: %s" % e)
            raise util.bad_request("the object provided is unrecognized (must be of type %s): couldn't get "
                                   "version/kind; json parse error: %s (%s)"
                                   % (kind, e, body[:64].decode("utf-8", "replace")))

    def dry_run(self, req, opts=None, kind=None):
        if kind is None:
            kind = {"POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions",
                    "DELETE": "DeleteOptions"}.get(req.method, "CreateOptions")
        v = req.query.get("dryRun")
        vals = []
        if v is not None:
            vals = [v]
        if opts and isinstance(opts.get("dryRun"), list):
            vals += opts["dryRun"]
        for x in vals:
            if x != "All":
                raise util.options_invalid(kind, "dryRun", "NotSupported",
                                           util.GoRepr('[]string{"%s"}' % '", "'.join(vals)), 'supported values: "All"')
        return bool(vals)

    def manager_name(self, req):
        fm = req.query.get("fieldManager")
        if fm is not None:
            if len(fm) > 128:
                raise util.bad_request("fieldManager: Too long: may not be longer than 128 characters")
            return fm
        ua = req.headers.get("user-agent", "")
        return ua.split("/")[0][:128] if ua else "unknown"

    def out(self, r, obj, strip_type=False):
        """Object as served at r's version (conversion = apiVersion rewrite)."""
        if obj is None:
            return None
        o = dict(obj)
        if r.crd and o.get("apiVersion") != r.api_version:
            stored_v = (o.get("apiVersion") or "").split("/")[-1]
            err = self.webhooks.conversion_error(r, stored_v)
            if err:
                raise util.internal_error(err)
        if strip_type and not r.crd:
            o.pop("apiVersion", None)
            o.pop("kind", None)
        else:
            o["apiVersion"] = r.api_version
            o["kind"] = r.kind
            if not r.crd:
                o = {"kind": r.kind, "apiVersion": r.api_version, **{k: v for k, v in o.items()
                                                                      if k not in ("kind", "apiVersion")}}
        return o

    def check_namespace(self, r, ns, create=True, name=""):
        if not r.namespaced:
            return
        nso = self.store.get(("", "namespaces"), ns)
        if nso is None:
            raise util.not_found("", "namespaces", ns)
        if create and nso["metadata"].get("deletionTimestamp"):
            raise util.ApiError(403, "Forbidden", "%s \"%s\" is forbidden: unable to create new content in "
                                "namespace %s because it is being terminated" % (
                                    util.qualified(r.group, r.plural), name, ns),
                                {"name": name, **({"group": r.group} if r.group else {}), "kind": r.plural,
                                 "causes": [{"reason": "NamespaceTerminating",
                                             "message": "namespace %s is being terminated" % ns,
                                             "field": "metadata.namespace"}]})

    def size_check(self, obj):
        lim = int(self.cfg("maxObjectBytes") or 0)
        if lim and len(util.dumps(obj)) > lim:
            raise util.ApiError(500, "", "etcdserver: request is too large")

    # -- GET ------------------------------------------------------------------------
    def get(self, req, r, ns, name):
        with self.store.lock:
            obj = self.store.get(r.gr, self.key(r, ns, name))
            if obj is None:
                raise util.not_found(r.group, r.plural, name)
            o = self.out(r, obj)
        as_ = _accept_as(req.accept)
        if as_ == "Table":
            return json_resp(200, resources.table_for(r, [o], o["metadata"].get("resourceVersion", ""),
                                                      include_object=req.query.get("includeObject", "Metadata")))
        if as_ == "PartialObjectMetadata":
            return json_resp(200, {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                   "metadata": o["metadata"]})
        return json_resp(200, o)

    # -- LIST -----------------------------------------------------------------------
    def _selectors(self, req, r):
        try:
            lreqs = util.parse_label_selector(req.query.get("labelSelector", ""))
        except util.SelectorError as e:
            raise util.bad_request(str(e))
        try:
            freqs = util.parse_field_selector(req.query.get("fieldSelector", ""))
        except util.SelectorError as e:
            raise util.bad_request(str(e))
        allowed = {"metadata.name", "metadata.namespace"}
        extra = {("", "pods"): {"spec.nodeName", "status.phase", "spec.restartPolicy", "spec.schedulerName",
                                "spec.serviceAccountName", "status.podIP", "status.nominatedNodeName",
                                "spec.hostNetwork"},
                 ("", "events"): {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                                  "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                                  "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"},
                 ("", "secrets"): {"type"}, ("", "namespaces"): {"status.phase"},
                 ("", "nodes"): {"spec.unschedulable"}, ("batch", "jobs"): {"status.successful"},
                 ("apps", "replicasets"): {"status.replicas"}}.get(r.gr, set())
        for f, _, _ in freqs:
            if f not in allowed and f not in extra:
                raise util.bad_request('"%s" is not a known field selector: only "metadata.name", '
                                       '"metadata.namespace"' % f if not extra else
                                       "field label not supported: %s" % f)
        return lreqs, freqs

    def _matches(self, obj, ns, lreqs, freqs):
        md = obj["metadata"]
        if ns is not None and md.get("namespace") != ns:
            return False
        if lreqs and not util.label_match(lreqs, md.get("labels")):
            return False
        if freqs and not util.field_match(freqs, obj):
            return False
        return True

    def list(self, req, r, ns):
        lreqs, freqs = self._selectors(req, r)
        q = req.query
        limit = int(q.get("limit") or 0) if (q.get("limit") or "0").isdigit() else 0
        cont = q.get("continue") or ""
        rv_q = q.get("resourceVersion")
        rv_match = q.get("resourceVersionMatch")
        start = ""
        with self.store.lock:
            try:
                if cont:
                    try:
                        tok = json.loads(base64.b64decode(cont + "=" * (-len(cont) % 4)).decode())
                        list_rv = int(tok["rv"])
                        start = tok["start"]
                        if tok.get("v") != "meta.k8s.io/v1":
                            raise ValueError("bad version")
                    except (ValueError, KeyError, binascii.Error, UnicodeDecodeError, TypeError) as e:
                        raise util.bad_request("invalid continue token: continue key is not valid: %s" % e)
                    bucket = self.store.snapshot(r.gr, list_rv)
                elif rv_q and rv_match == "Exact":
                    list_rv = int(rv_q)
                    bucket = self.store.snapshot(r.gr, list_rv)
                else:
                    list_rv = self.store.rv
                    bucket = self.store.bucket(r.gr)
            except Expired as e:
                if cont:
                    raise util.gone("The provided continue parameter is too old to display a consistent list "
                                    "result. You can start a new list without the continue parameter, or use the "
                                    "continue token in this response to retrieve the remainder of the results. "
                                    "Continuing with the provided token results in an inconsistent list - objects "
                                    "that were created, modified, or deleted between the time the first chunk was "
                                    "returned and now may show up in the list.")
                raise util.gone(str(e))
            keys = sorted(bucket.keys())
            if start:
                keys = [k for k in keys if k >= start]
            items = []
            next_key = None
            remaining = 0
            for i, k in enumerate(keys):
                o = bucket[k]
                if not self._matches(o, ns, lreqs, freqs):
                    continue
                if limit and len(items) >= limit:
                    next_key = k
                    if not lreqs and not freqs:
                        remaining = sum(1 for kk in keys[i:] if self._matches(bucket[kk], ns, None, None))
                    break
                items.append(o)
            objs = [self.out(r, o) for o in items]
        meta = {"resourceVersion": str(list_rv)}
        if next_key is not None:
            token = {"v": "meta.k8s.io/v1", "rv": list_rv, "start": next_key}
            meta["continue"] = base64.b64encode(util.dumps(token).encode()).decode().rstrip("=")
            if remaining:
                meta["remainingItemCount"] = remaining
        as_ = _accept_as(req.accept)
        if as_ == "Table":
            return json_resp(200, resources.table_for(r, objs, str(list_rv), meta.get("continue", ""),
                                                      include_object=req.query.get("includeObject", "Metadata")))
        if as_ in ("PartialObjectMetadataList", "PartialObjectMetadata"):
            return json_resp(200, {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                                   "metadata": meta,
                                   "items": [{"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                              "metadata": o["metadata"]} for o in objs]})
        if not r.crd:
            for o in objs:
                o.pop("kind", None)
                o.pop("apiVersion", None)
        return json_resp(200, {"kind": r.list_kind, "apiVersion": r.api_version, "metadata": meta, "items": objs})

    # -- WATCH ----------------------------------------------------------------------
    def watch(self, req, r, ns):
        lreqs, freqs = self._selectors(req, r)
        q = req.query
        rv_q = q.get("resourceVersion") or ""
        bookmarks = _truthy(q.get("allowWatchBookmarks", ""))
        send_initial = _truthy(q.get("sendInitialEvents", ""))
        try:
            timeout = float(q.get("timeoutSeconds") or self.cfg("watchTimeoutSeconds"))
        except ValueError:
            raise util.bad_request("timeoutSeconds: invalid value")
        as_table = _accept_as(req.accept) == "Table"
        initial = []
        error = None
        with self.store.lock:
            if rv_q in ("", "0") or send_initial:
                cursor = self.store.rv
                for k in sorted(self.store.bucket(r.gr)):
                    o = self.store.bucket(r.gr)[k]
                    if self._matches(o, ns, lreqs, freqs):
                        initial.append(("ADDED", o))
            else:
                try:
                    cursor = int(rv_q)
                except ValueError:
                    raise util.bad_request("resourceVersion: Invalid value: \"%s\": must be a number" % rv_q)
                try:
                    self.store.events_after(cursor, r.gr)
                except Expired as e:
                    error = util.gone(str(e)).status()
        interval = float(self.cfg("bookmarkIntervalSeconds") or 1.0)
        server = self

        def encode(etype, obj):
            if etype in ("ERROR",):
                return util.dumpb({"type": etype, "object": obj})
            o = server.out(r, obj)
            if as_table and etype != "BOOKMARK":
                o = resources.table_for(r, [o], o["metadata"].get("resourceVersion", ""),
                                        include_object=q.get("includeObject", "Metadata"))
            return util.dumpb({"type": etype, "object": o})

        def bookmark(rv, initial_end=False):
            md = {"resourceVersion": str(rv)}
            if initial_end:
                md["annotations"] = {"k8s.io/initial-events-end": "true"}
            return util.dumpb({"type": "BOOKMARK", "object": {"kind": r.kind, "apiVersion": r.api_version,
                                                               "metadata": md}})

        def gen():
            if error is not None:
                yield util.dumpb({"type": "ERROR", "object": error})
                return
            try:
                for etype, o in initial:
                    yield encode(etype, o)
            except ApiError as e:
                yield util.dumpb({"type": "ERROR", "object": e.status()})
                return
            cur = cursor
            if send_initial and bookmarks:
                yield bookmark(cur, True)
            deadline = time.time() + timeout
            last_bm = time.time()
            while not server.stopping.is_set() and not req.closed():
                now = time.time()
                if now >= deadline:
                    return
                out = []
                with server.store.lock:
                    try:
                        evs = server.store.events_after(cur, r.gr)
                    except Expired as e:
                        yield util.dumpb({"type": "ERROR", "object": util.gone(str(e)).status()})
                        return
                    if not evs:
                        server.store.wait(min(deadline - now, max(0.05, interval - (now - last_bm)), 0.5))
                        try:
                            evs = server.store.events_after(cur, r.gr)
                        except Expired as e:
                            yield util.dumpb({"type": "ERROR", "object": util.gone(str(e)).status()})
                            return
                    for ev in evs:
                        cur = ev.rv
                        newm = self._matches(ev.obj, ns, lreqs, freqs)
                        if ev.type == "ADDED":
                            if newm:
                                out.append(("ADDED", ev.obj))
                        elif ev.type == "DELETED":
                            if newm or (ev.prev is not None and self._matches(ev.prev, ns, lreqs, freqs)):
                                out.append(("DELETED", ev.obj))
                        else:
                            oldm = ev.prev is not None and self._matches(ev.prev, ns, lreqs, freqs)
                            if newm and oldm:
                                out.append(("MODIFIED", ev.obj))
                            elif newm:
                                out.append(("ADDED", ev.obj))
                            elif oldm:
                                out.append(("DELETED", ev.obj))
                    latest = server.store.rv
                try:
                    for etype, o in out:
                        yield encode(etype, o)
                except ApiError as e:
                    yield util.dumpb({"type": "ERROR", "object": e.status()})
                    return
                if bookmarks and time.time() - last_bm >= interval:
                    last_bm = time.time()
                    cur = max(cur, latest) if not out else cur
                    yield bookmark(cur)

        return Response(200, ctype=JSON, stream=gen())

    # -- CREATE ---------------------------------------------------------------------
    def create_entry(self, req, r, ns):
        if r.gr[0] in ("authorization.k8s.io", "authentication.k8s.io"):
            return self.review(req, r, ns)
        body = self.parse_body(req, kind=r.kind)
        if not isinstance(body, dict):
            raise util.bad_request("Object 'Kind' is missing in '%s'" % req.body[:100].decode("utf-8", "replace"))
        dry = self.dry_run(req)
        manager = self.manager_name(req)
        with self.store.lock:
            obj, code = self.create(req, r, ns, body, manager, dry)
        req.log["changed"] = not dry
        req.log["resourceVersion"] = obj["metadata"].get("resourceVersion")
        return json_resp(code, self.out(r, obj))

    def _check_type(self, r, body):
        av = body.get("apiVersion")
        kind = body.get("kind")
        if av and av != r.api_version:
            # other served versions of the same resource are accepted (converted)
            g = av.split("/")[0] if "/" in av else ""
            if g != r.group:
                raise util.bad_request("the API version in the data (%s) does not match the expected API version "
                                       "(%s)" % (av, r.api_version))
        if kind and kind != r.kind:
            raise util.bad_request(
                "%s in version \"%s\" cannot be handled as a %s: no kind \"%s\" is registered for version \"%s\""
                % (kind, r.version, r.kind, kind, r.api_version))

    def _prepare_meta(self, r, ns, body):
        md = body.get("metadata")
        if md is None:
            md = body["metadata"] = {}
        if not isinstance(md, dict):
            raise util.bad_request("metadata: expected object")
        if r.namespaced:
            if md.get("namespace") and md["namespace"] != ns:
                raise util.bad_request("the namespace of the provided object does not match the namespace sent "
                                       "on the request")
            md["namespace"] = ns
        else:
            md.pop("namespace", None)
        return md

    def create(self, req, r, ns, body, manager, dry, applied=None):
        """Create pipeline (store lock held). Returns (obj, 201)."""
        self._check_type(r, body)
        obj = util.deep(body) if applied is None else applied
        obj["apiVersion"] = r.api_version
        obj["kind"] = r.kind
        md = self._prepare_meta(r, ns, obj)
        name = md.get("name") or ""
        if not name and md.get("generateName"):
            name = md["generateName"] + util.rand_suffix(5)
            md["name"] = name
        if not name:
            raise util.invalid(r.group, r.kind, "", [util.FieldError("Required", "metadata.name", None,
                                                                     "name or generateName is required")])
        detail = util.check_name(name, r.name_style())
        if detail:
            raise util.invalid(r.group, r.kind, name, [util.FieldError("Invalid", "metadata.name", name, detail)])
        self.check_namespace(r, ns, True, name)
        if r.crd:
            crd = self.store.get(("apiextensions.k8s.io", "customresourcedefinitions"), r.crd)
            if crd and crd["metadata"].get("deletionTimestamp"):
                raise util.ApiError(405, "MethodNotAllowed",
                                    "create not allowed while custom resource definition is terminating",
                                    {"group": r.group, "kind": r.plural})
        for k in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "selfLink", "generation"):
            md.pop(k, None)
        md["uid"] = util.new_uid()
        md["creationTimestamp"] = util.now_ts()
        if r.generation:
            md["generation"] = 1
        if r.status and applied is None:
            obj.pop("status", None)
        builtin.default(r, obj, self)
        T = smd.root_type(r)
        if applied is None:
            managers = smd.Managers([])
            mf_in = md.pop("managedFields", None)
            key = smd.Managers.key(manager, "Update", r.api_version, "")
            smd.update({}, self.project(r, obj, ""), T, managers, key, r.api_version)
            if mf_in:
                pass
        else:
            managers = req._apply_managers
            key = req._apply_key
        self.admit("CREATE", r, ns, "", obj, None, dry)
        if self.store.get(r.gr, self.key(r, ns, name)) is not None:
            raise util.already_exists(r.group, r.plural, name)
        if r.gr == ("", "pods"):
            self.pod_admission(obj)
        self.set_managed(obj, managers, key, True)
        self.size_check(obj)
        if dry:
            return obj, 201
        rv = self.store.next_rv()
        md["resourceVersion"] = str(rv)
        self.store.commit(r.gr, "ADDED", obj, None)
        return obj, 201

    def pod_admission(self, obj):
        spec = obj.get("spec") or {}
        ns = obj["metadata"].get("namespace")
        san = spec.get("serviceAccountName") or "default"
        if self.store.get(("", "serviceaccounts"), "%s/%s" % (ns, san)) is None:
            name = obj["metadata"].get("name") or obj["metadata"].get("generateName", "")
            raise util.forbidden("", "pods", name, "error looking up service account %s/%s: serviceaccount \"%s\" "
                                 "not found" % (ns, san, san))
        pcn = spec.get("priorityClassName")
        if pcn:
            pc = self.store.get(("scheduling.k8s.io", "priorityclasses"), pcn)
            if pc is None:
                raise util.forbidden("", "pods", obj["metadata"].get("name", ""),
                                     "no PriorityClass with name %s was found" % pcn)
            spec["priority"] = pc.get("value", 0)

    def admit(self, op, r, ns, sub, obj, old, dry):
        self.webhooks.admit(op, r, ns, sub, obj, old, dry, "mutating")
        if op != "DELETE" and sub == "":
            errs = builtin.validate(r, obj, old, self)
            if errs:
                raise util.invalid(r.group, r.kind, obj["metadata"].get("name", ""), errs)
        elif op == "UPDATE" and sub == "status" and r.gr == ("apiextensions.k8s.io", "customresourcedefinitions"):
            errs = builtin.validate_crd_stored_versions(obj)
            if errs:
                raise util.invalid(r.group, r.kind, obj["metadata"].get("name", ""), errs)
        self.webhooks.admit(op, r, ns, sub, obj, old, dry, "validating")

    def project(self, r, obj, sub):
        if obj is None:
            return {}
        if sub == "status":
            return {"status": obj["status"]} if "status" in obj else {}
        if r.status:
            return {k: v for k, v in obj.items() if k != "status"}
        return obj

    def set_managed(self, obj, managers, key, changed):
        e = managers.entries.get(key)
        if e is not None and changed:
            e["time"] = util.now_ts()
            e["apiVersion"] = obj.get("apiVersion", "")
        enc = managers.encode()
        if enc:
            obj["metadata"]["managedFields"] = enc
        else:
            obj["metadata"].pop("managedFields", None)

    # -- UPDATE / PATCH / APPLY -----------------------------------------------------
    def _load_old(self, r, ns, name):
        old = self.store.get(r.gr, self.key(r, ns, name))
        if old is None:
            raise util.not_found(r.group, r.plural, name)
        return old

    def update(self, req, r, ns, name, sub):
        body = self.parse_body(req, kind=r.kind)
        if not isinstance(body, dict):
            raise util.bad_request("Object 'Kind' is missing")
        dry = self.dry_run(req)
        manager = self.manager_name(req)
        self._check_type(r, body)
        md = self._prepare_meta(r, ns, body)
        if md.get("name") != name:
            raise util.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                   % (md.get("name", ""), name))
        with self.store.lock:
            old = self._load_old(r, ns, name)
            rv = md.get("resourceVersion")
            if rv and rv != old["metadata"].get("resourceVersion"):
                raise util.conflict(r.group, r.plural, name, util.MODIFIED_MSG)
            if sub == "status":
                new = util.deep(old)
                if "status" in body:
                    new["status"] = body["status"]
                else:
                    new.pop("status", None)
            else:
                new = util.deep(body)
                if r.status:
                    if "status" in old:
                        new["status"] = util.deep(old["status"])
                    else:
                        new.pop("status", None)
            reset_mf = isinstance(md.get("managedFields"), list) and md["managedFields"] == [{}]
            obj, changed = self.finish_update(req, r, ns, name, old, new, sub, manager, dry, reset_mf=reset_mf)
        req.log["changed"] = changed and not dry
        req.log["resourceVersion"] = obj["metadata"].get("resourceVersion")
        return json_resp(200, self.out(r, obj))

    def finish_update(self, req, r, ns, name, old, new, sub, manager, dry, managers=None, key=None,
                      reset_mf=False):
        """Common tail of update/patch/apply (store lock held). Returns (obj, changed)."""
        new["apiVersion"] = r.api_version
        new["kind"] = r.kind
        nmd = new.setdefault("metadata", {})
        omd = old["metadata"]
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation",
                  "name", "namespace"):
            if k in omd:
                nmd[k] = omd[k]
            else:
                nmd.pop(k, None)
        nmd["resourceVersion"] = omd.get("resourceVersion")
        nmd.pop("managedFields", None)
        if sub == "":
            builtin.default(r, new, self, old)
        T = smd.root_type(r)
        if managers is None:
            managers = smd.Managers([] if reset_mf else omd.get("managedFields"))
            key = smd.Managers.key(manager, "Update", r.api_version, sub)
            smd.update(self.project(r, old, sub), self.project(r, new, sub), T, managers, key, r.api_version)
        if r.generation and sub == "":
            skip = ("metadata", "status") if r.status else ("metadata",)
            a = {k: v for k, v in old.items() if k not in skip and k not in ("apiVersion", "kind")}
            b = {k: v for k, v in new.items() if k not in skip and k not in ("apiVersion", "kind")}
            if a != b:
                nmd["generation"] = int(omd.get("generation") or 0) + 1
        op = "UPDATE"
        self.admit(op, r, ns, sub, new, old, dry)
        old_sets = smd.Managers(omd.get("managedFields"))
        same_sets = {k: e["set"] for k, e in old_sets.entries.items()} == {
            k: e["set"] for k, e in managers.entries.items() if e["set"]}
        strip_old = {k: v for k, v in old.items() if k != "metadata"}
        strip_new = {k: v for k, v in new.items() if k != "metadata"}
        md_old = {k: v for k, v in omd.items() if k != "managedFields"}
        md_new = {k: v for k, v in nmd.items() if k != "managedFields"}
        obj_changed = strip_old != strip_new or md_old != md_new
        if not obj_changed and same_sets and not reset_mf:
            return old, False
        self.set_managed(new, managers, key, obj_changed or not same_sets)
        self.size_check(new)
        if dry:
            return new, True
        if nmd.get("deletionTimestamp") and not nmd.get("finalizers") and r.gr != ("", "pods") and not (
                r.gr == ("", "namespaces") and (new.get("spec") or {}).get("finalizers")):
            rv = self.store.next_rv()
            nmd["resourceVersion"] = str(rv)
            self.store.commit(r.gr, "DELETED", new, old)
            return new, True
        rv = self.store.next_rv()
        nmd["resourceVersion"] = str(rv)
        self.store.commit(r.gr, "MODIFIED", new, old)
        return new, True

    def patch(self, req, r, ns, name, sub):
        ct = req.content_type
        if ct == APPLY:
            return self.apply(req, r, ns, name, sub)
        if ct not in (MERGE, SMP, JSONPATCH) or (ct == SMP and r.crd):
            raise util.unsupported_media_type()
        if req.query.get("force") is not None:
            raise util.bad_request("force: Invalid value: true: may not be specified for non-apply patch")
        try:
            patch = json.loads(req.body or b"null")
        except ValueError as e:
            raise util.bad_request("error decoding patch: %s" % e)
        dry = self.dry_run(req)
        manager = self.manager_name(req)
        T = smd.root_type(r)
        with self.store.lock:
            old = self._load_old(r, ns, name)
            base = self.out(r, old)
            try:
                if ct == MERGE:
                    if not isinstance(patch, dict):
                        raise util.bad_request("json: cannot unmarshal %s into Go value of type map[string]interface {}"
                                               % type(patch).__name__)
                    patched = smd.merge_patch(base, patch)
                elif ct == SMP:
                    if not isinstance(patch, dict):
                        raise util.bad_request("json: cannot unmarshal array into Go value of type "
                                               "map[string]interface {}")
                    patched = smd.strategic_merge_patch(base, patch, T)
                else:
                    patched = smd.json_patch(base, patch)
            except smd.JSONPatchError:
                raise util.ApiError(422, "Invalid", "the server rejected our request due to an error in our request",
                                    {})
            except ValueError as e:
                raise util.bad_request(str(e))
            if not isinstance(patched, dict):
                raise util.bad_request("patch produced a non-object")
            pmd = patched.setdefault("metadata", {})
            if not isinstance(pmd, dict):
                raise util.bad_request("metadata: expected object")
            if pmd.get("name") and pmd["name"] != name:
                raise util.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                       % (pmd["name"], name))
            pmd["name"] = name
            if r.namespaced and pmd.get("namespace") not in (None, ns):
                raise util.bad_request("the namespace of the provided object does not match the namespace sent on "
                                       "the request")
            rv = pmd.get("resourceVersion")
            if rv and rv != old["metadata"].get("resourceVersion"):
                raise util.conflict(r.group, r.plural, name, util.MODIFIED_MSG)
            if sub == "status":
                new = util.deep(old)
                if "status" in patched:
                    new["status"] = patched["status"]
                else:
                    new.pop("status", None)
            else:
                new = patched
                if r.status:
                    if "status" in old:
                        new["status"] = util.deep(old["status"])
                    else:
                        new.pop("status", None)
            obj, changed = self.finish_update(req, r, ns, name, old, new, sub, manager, dry)
        req.log["changed"] = changed and not dry
        req.log["resourceVersion"] = obj["metadata"].get("resourceVersion")
        return json_resp(200, self.out(r, obj))

    def apply(self, req, r, ns, name, sub):
        manager = req.query.get("fieldManager")
        if not manager:
            raise util.options_invalid("PatchOptions", "fieldManager", "Required", None, "is required for apply patch")
        if len(manager) > 128:
            raise util.bad_request("fieldManager: Too long: may not be longer than 128 characters")
        force = _truthy(req.query.get("force", "false"))
        cfg = self.parse_body(req, allow_yaml=True)
        if not isinstance(cfg, dict):
            raise util.bad_request("error decoding YAML: expected an object")
        if not cfg.get("kind"):
            raise util.bad_request("Object 'Kind' is missing in '%s'" % util.dumps(cfg)[:200])
        if not cfg.get("apiVersion"):
            raise util.bad_request("Object 'apiVersion' is missing in '%s'" % util.dumps(cfg)[:200])
        self._check_type(r, cfg)
        md = cfg.get("metadata")
        if md is None:
            md = cfg["metadata"] = {}
        if not isinstance(md, dict):
            raise util.bad_request("metadata: expected object")
        if md.get("managedFields") is not None:
            raise util.bad_request("metadata.managedFields must be nil")
        if md.get("name") and md["name"] != name:
            raise util.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                   % (md["name"], name))
        md["name"] = name
        if r.namespaced:
            if md.get("namespace") and md["namespace"] != ns:
                raise util.bad_request("the namespace of the provided object does not match the namespace sent on "
                                       "the request")
        else:
            md.pop("namespace", None)
        dry = self.dry_run(req)
        T = smd.root_type(r)
        cfg_clean = util.deep(cfg)
        cfg_clean["apiVersion"] = r.api_version
        cmd = cfg_clean["metadata"]
        rv_pre = cmd.pop("resourceVersion", None)
        for k in ("uid", "creationTimestamp", "generation", "selfLink", "deletionTimestamp",
                  "deletionGracePeriodSeconds"):
            cmd.pop(k, None)
        key = smd.Managers.key(manager, "Apply", "", sub)
        with self.store.lock:
            old = self.store.get(r.gr, self.key(r, ns, name))
            if old is None:
                if sub:
                    raise util.not_found(r.group, r.plural, name)
                if rv_pre:
                    raise util.not_found(r.group, r.plural, name)
                managers = smd.Managers([])
                cfg_proj = self.project(r, cfg_clean, "")
                base = {"apiVersion": r.api_version, "kind": r.kind, "metadata": {"name": name}}
                if r.namespaced:
                    base["metadata"]["namespace"] = ns
                merged = smd.apply(base, cfg_proj, T, managers, key, force)
                req._apply_managers = managers
                req._apply_key = key
                obj, code = self.create(req, r, ns, merged, manager, dry, applied=merged)
                req.log["changed"] = not dry
                req.log["resourceVersion"] = obj["metadata"].get("resourceVersion")
                return json_resp(code, self.out(r, obj))
            if rv_pre and rv_pre != old["metadata"].get("resourceVersion"):
                raise util.conflict(r.group, r.plural, name, util.MODIFIED_MSG)
            managers = smd.Managers(old["metadata"].get("managedFields"))
            live = self.out(r, old)
            live_proj = self.project(r, live, sub)
            cfg_proj = self.project(r, cfg_clean, sub)
            merged = smd.apply(live_proj, cfg_proj, T, managers, key, force)
            if sub == "status":
                new = util.deep(old)
                if "status" in merged:
                    new["status"] = merged["status"]
                else:
                    new.pop("status", None)
            else:
                new = merged
                if r.status and "status" in old:
                    new["status"] = util.deep(old["status"])
            obj, changed = self.finish_update(req, r, ns, name, old, new, sub, manager, dry, managers, key)
        req.log["changed"] = changed and not dry
        req.log["resourceVersion"] = obj["metadata"].get("resourceVersion")
        return json_resp(200, self.out(r, obj))

    # -- DELETE -----------------------------------------------------------------------
    def _delete_opts(self, req):
        opts = {}
        if req.body:
            try:
                opts = json.loads(req.body)
            except ValueError as e:
                raise util.bad_request("error decoding delete options: %s" % e)
            if not isinstance(opts, dict):
                opts = {}
        q = req.query
        if "propagationPolicy" in q:
            opts["propagationPolicy"] = q["propagationPolicy"]
        if "gracePeriodSeconds" in q:
            try:
                opts["gracePeriodSeconds"] = int(q["gracePeriodSeconds"])
            except ValueError:
                raise util.bad_request("gracePeriodSeconds: invalid value")
        if "orphanDependents" in q:
            opts["orphanDependents"] = _truthy(q["orphanDependents"])
        pp = opts.get("propagationPolicy")
        if pp is not None and pp not in ("Foreground", "Background", "Orphan"):
            raise util.options_invalid("DeleteOptions", "propagationPolicy", "NotSupported", pp,
                                       'supported values: "Foreground", "Background", "Orphan", "nil"')
        return opts

    def delete(self, req, r, ns, name):
        opts = self._delete_opts(req)
        dry = self.dry_run(req, opts)
        with self.store.lock:
            res, code = self.delete_obj(r, ns, name, opts, dry)
        req.log["changed"] = not dry
        return json_resp(code, res)

    def delete_obj(self, r, ns, name, opts, dry, internal=False):
        old = self._load_old(r, ns, name)
        omd = old["metadata"]
        pre = opts.get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != omd.get("uid"):
            raise util.conflict(r.group, r.plural, name, "Precondition failed: UID in precondition: %s, UID in object "
                                "meta: %s" % (pre["uid"], omd.get("uid")))
        if pre.get("resourceVersion") and pre["resourceVersion"] != omd.get("resourceVersion"):
            raise util.conflict(r.group, r.plural, name, "Precondition failed: ResourceVersion in precondition: %s, "
                                "ResourceVersion in object meta: %s" % (pre["resourceVersion"],
                                                                        omd.get("resourceVersion")))
        if r.gr == ("", "namespaces") and name in ("default", "kube-system", "kube-public") and not internal:
            raise util.forbidden("", "namespaces", name, "this namespace may not be deleted")
        if not internal:
            self.admit("DELETE", r, ns, "", None, old, dry)
        finals = list(omd.get("finalizers") or [])
        crd_cleanup = r.gr == ("apiextensions.k8s.io", "customresourcedefinitions") and not omd.get("deletionTimestamp")
        if crd_cleanup and "customresourcecleanup.apiextensions.k8s.io" not in finals:
            finals.append("customresourcecleanup.apiextensions.k8s.io")
        pp = opts.get("propagationPolicy")
        if pp is None and opts.get("orphanDependents") is True:
            pp = "Orphan"
        if pp == "Foreground" and "foregroundDeletion" not in finals:
            finals.append("foregroundDeletion")
        if pp == "Orphan" and "orphan" not in finals:
            finals.append("orphan")
        graceful = False
        grace = opts.get("gracePeriodSeconds")
        if r.gr == ("", "pods") and (old.get("spec") or {}).get("nodeName"):
            if grace is None:
                grace = (old.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
            graceful = grace > 0
        if omd.get("deletionTimestamp"):
            if r.gr == ("", "pods") and grace == 0 and not finals:
                pass
            else:
                return self.out(r, old), 200
        if r.gr == ("", "namespaces") or finals or graceful:
            new = util.deep(old)
            md = new["metadata"]
            md["deletionTimestamp"] = util.now_ts(time.time() + (grace if graceful else 0))
            md["deletionGracePeriodSeconds"] = grace if graceful else 0
            if finals:
                md["finalizers"] = finals
            if r.gr == ("", "namespaces"):
                new.setdefault("status", {})["phase"] = "Terminating"
            if crd_cleanup:
                st = new.setdefault("status", {})
                st["conditions"] = [c for c in st.get("conditions") or [] if c.get("type") != "Terminating"] + [
                    {"type": "Terminating", "status": "True", "lastTransitionTime": util.now_ts(),
                     "reason": "InstanceDeletionPending",
                     "message": "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon"}]
            if r.generation and md.get("generation"):
                md["generation"] = int(md["generation"]) + 1
            if dry:
                return self.out(r, new), 200
            md["resourceVersion"] = str(self.store.next_rv())
            self.store.commit(r.gr, "MODIFIED", new, old)
            code = 202 if opts.get("orphanDependents") is False else 200
            return self.out(r, new), code
        if dry:
            deleted = old
        else:
            deleted = util.deep(old)
            deleted["metadata"]["resourceVersion"] = str(self.store.next_rv())
            self.store.commit(r.gr, "DELETED", deleted, old)
        if r.gr in resources.RETURN_DELETED:
            return self.out(r, deleted), 200
        det = {"name": name}
        if r.group:
            det["group"] = r.group
        det["kind"] = r.plural
        det["uid"] = omd.get("uid")
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": det}, 200

    def delete_collection(self, req, r, ns):
        lreqs, freqs = self._selectors(req, r)
        opts = self._delete_opts(req)
        dry = self.dry_run(req, opts)
        deleted = []
        with self.store.lock:
            for k in sorted(self.store.bucket(r.gr)):
                o = self.store.bucket(r.gr).get(k)
                if o is None or not self._matches(o, ns, lreqs, freqs):
                    continue
                md = o["metadata"]
                res, _ = self.delete_obj(r, md.get("namespace"), md["name"], opts, dry)
                deleted.append(self.out(r, o, strip_type=True))
            rv = self.store.rv
        req.log["changed"] = bool(deleted) and not dry
        return json_resp(200, {"kind": r.list_kind, "apiVersion": r.api_version,
                               "metadata": {"resourceVersion": str(rv)}, "items": deleted})

    # -- subresources -------------------------------------------------------------
    def subresource(self, req, r, ns, name, sub, verb):
        if sub == "status" and r.status:
            if verb == "get":
                return self.get(req, r, ns, name)
            if verb == "update":
                return self.update(req, r, ns, name, "status")
            if verb == "patch":
                return self.patch(req, r, ns, name, "status")
            raise util.method_not_allowed(r.group, r.plural + "/status")
        if sub == "scale" and r.scale:
            return self.scale(req, r, ns, name, verb)
        if sub == "log" and r.gr == ("", "pods") and verb == "get":
            with self.store.lock:
                pod = self._load_old(r, ns, name)
            c = req.query.get("container") or ((pod.get("spec") or {}).get("containers") or [{}])[0].get("name", "")
            lines = "fake log line 1 from %s/%s container %s\n" % (ns, name, c)
            if self.sim and self.sim.failing(pod, "crashLoop"):
                lines += "Error: simulated crash (exit code 1)\n"
            return Response(200, lines.encode(), "text/plain")
        if sub == "token" and r.gr == ("", "serviceaccounts") and verb == "create":
            return self.token_request(req, ns, name)
        if sub == "eviction" and r.gr == ("", "pods") and verb == "create":
            with self.store.lock:
                self.delete_obj(r, ns, name, {}, self.dry_run(req))
            return json_resp(201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                   "code": 201})
        if sub == "finalize" and r.gr == ("", "namespaces") and verb == "update":
            body = self.parse_body(req)
            with self.store.lock:
                old = self._load_old(r, None, name)
                new = util.deep(old)
                new.setdefault("spec", {})["finalizers"] = (body.get("spec") or {}).get("finalizers") or []
                obj, changed = self.finish_update(req, r, None, name, old, new, "", self.manager_name(req),
                                                  self.dry_run(req))
            return json_resp(200, self.out(r, obj))
        raise util.not_found_generic()

    def scale(self, req, r, ns, name, verb):
        paths = r.scale_paths or {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
                                  "labelSelectorPath": ".status.selector"}

        def getp(o, p):
            return util.get_path(o, p.lstrip(".")) if p else None

        def to_scale(o):
            sel = getp(o, paths.get("labelSelectorPath"))
            if not r.crd:
                s = (o.get("spec") or {}).get("selector") or {}
                sel = ",".join("%s=%s" % kv for kv in sorted((s.get("matchLabels") or {}).items()))
            md = o["metadata"]
            return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                    "metadata": {"name": md["name"], "namespace": md.get("namespace"), "uid": md.get("uid"),
                                 "resourceVersion": md.get("resourceVersion"),
                                 "creationTimestamp": md.get("creationTimestamp")},
                    "spec": {"replicas": getp(o, paths.get("specReplicasPath")) or 0},
                    "status": {"replicas": getp(o, paths.get("statusReplicasPath")) or 0,
                               **({"selector": sel} if sel else {})}}

        with self.store.lock:
            old = self._load_old(r, ns, name)
            if verb == "get":
                return json_resp(200, to_scale(old))
            cur = to_scale(old)
            if verb == "update":
                body = self.parse_body(req)
                new_scale = body
            elif verb == "patch":
                patch = json.loads(req.body or b"{}")
                if req.content_type == JSONPATCH:
                    new_scale = smd.json_patch(cur, patch)
                else:
                    new_scale = smd.merge_patch(cur, patch)
            else:
                raise util.method_not_allowed(r.group, r.plural + "/scale")
            rv = (new_scale.get("metadata") or {}).get("resourceVersion")
            if rv and rv != old["metadata"].get("resourceVersion"):
                raise util.conflict(r.group, r.plural, name, util.MODIFIED_MSG)
            replicas = (new_scale.get("spec") or {}).get("replicas", 0)
            new = util.deep(old)
            node = new
            parts = paths.get("specReplicasPath", ".spec.replicas").lstrip(".").split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = replicas
            obj, _ = self.finish_update(req, r, ns, name, old, new, "", self.manager_name(req), self.dry_run(req))
            return json_resp(200, to_scale(obj))

    def token_request(self, req, ns, name):
        body = {}
        if req.body:
            body = self.parse_body(req)
        with self.store.lock:
            sa = self.store.get(("", "serviceaccounts"), "%s/%s" % (ns, name))
            if sa is None:
                raise util.not_found("", "serviceaccounts", name)
            uid = sa["metadata"].get("uid", "")
        spec = dict((body or {}).get("spec") or {})
        exp = int(spec.get("expirationSeconds") or 3600)
        spec["expirationSeconds"] = exp
        spec.setdefault("audiences", ["https://kubernetes.default.svc.cluster.local"])
        spec.setdefault("boundObjectRef", None)
        tok = self.authn.sa_token(ns, name, uid)
        return json_resp(201, {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                               "metadata": {"name": name, "namespace": ns, "creationTimestamp": None},
                               "spec": spec, "status": {"token": tok,
                                                        "expirationTimestamp": util.now_ts(time.time() + exp)}})

    def review(self, req, r, ns):
        body = self.parse_body(req)
        if not isinstance(body, dict):
            raise util.bad_request("invalid body")
        spec = body.get("spec") or {}
        user = req.user
        kind = r.kind
        out = {"kind": kind, "apiVersion": r.api_version, "metadata": {"creationTimestamp": None}, "spec": spec}
        if kind in ("SubjectAccessReview", "LocalSubjectAccessReview"):
            user = auth.User(spec.get("user", ""), spec.get("groups") or [], spec.get("uid", ""))
            if kind == "LocalSubjectAccessReview":
                out["metadata"]["namespace"] = ns
        if kind in ("SelfSubjectAccessReview", "SubjectAccessReview", "LocalSubjectAccessReview"):
            ra = spec.get("resourceAttributes")
            nra = spec.get("nonResourceAttributes")
            if ra:
                a = {"verb": ra.get("verb", ""), "group": ra.get("group", ""), "resource": ra.get("resource", ""),
                     "subresource": ra.get("subresource", ""),
                     "namespace": ns if kind == "LocalSubjectAccessReview" else ra.get("namespace", ""),
                     "name": ra.get("name", "")}
            elif nra:
                a = {"verb": nra.get("verb", ""), "path": nra.get("path", "")}
            else:
                raise util.invalid(r.group, kind, "", [util.FieldError(
                    "Invalid", "spec.resourceAttributes", None,
                    "exactly one of nonResourceAttributes or resourceAttributes must be specified")])
            ok, why = self.authz.authorize(user, a)
            st = {"allowed": ok}
            if why:
                st["reason"] = why
            out["status"] = st
            return json_resp(201, out)
        if kind == "SelfSubjectRulesReview":
            res, nonres = self.authz.rules_review(user, spec.get("namespace", ""))
            out["status"] = {"resourceRules": res, "nonResourceRules": nonres, "incomplete": False}
            return json_resp(201, out)
        if kind == "SelfSubjectReview":
            out.pop("spec", None)
            out["status"] = {"userInfo": user.info()}
            return json_resp(201, out)
        if kind == "TokenReview":
            u = self.authn.lookup(spec.get("token", ""))
            if u is None:
                out["status"] = {"user": {}, "error": "invalid bearer token"}
            else:
                out["status"] = {"authenticated": True, "user": u.info(),
                                 "audiences": spec.get("audiences") or ["https://kubernetes.default.svc.cluster.local"]}
            return json_resp(201, out)
        raise util.method_not_allowed(r.group, r.plural)

    # -- /fake control API ----------------------------------------------------------
    def handle_fake(self, req, p):
        if not req.user.admin:
            raise auth.forbidden_error(req.user, {"verb": req.method.lower(), "path": req.path})
        if p == "/fake/config":
            if req.method == "GET":
                return json_resp(200, self.config)
            if req.method in ("PUT", "PATCH", "POST"):
                try:
                    upd = json.loads(req.body or b"{}")
                except ValueError as e:
                    raise util.bad_request(str(e))
                if not isinstance(upd, dict):
                    raise util.bad_request("config must be an object")
                with self.store.lock:
                    if req.method == "PUT" and _truthy(req.query.get("replace", "")):
                        self.config = dict(DEFAULT_CONFIG)
                    self.config.update(upd)
                    if "watchHistorySize" in upd:
                        self.store.set_history_size(upd["watchHistorySize"])
                    if "nodes" in upd and self.sim:
                        self.sim.sync_nodes()
                return json_resp(200, self.config)
        if p == "/fake/fault":
            f = self.faults
            if req.method == "GET":
                return json_resp(200, {"faults": f.list()})
            if req.method == "DELETE":
                f.clear()
                return json_resp(200, {"faults": []})
            if req.method == "POST":
                try:
                    spec = json.loads(req.body or b"{}")
                    fid = f.add(spec)
                except (ValueError, re.error) as e:
                    raise util.bad_request("invalid fault: %s" % e)
                return json_resp(201, {"id": fid, "faults": f.list()})
        if p == "/fake/log":
            if req.method == "DELETE":
                self.reqlog.clear()
                return json_resp(200, {"items": []})
            since = int(req.query.get("since") or 0)
            return json_resp(200, {"items": self.reqlog.items(since)})
        if p == "/fake/state":
            with self.store.lock:
                return json_resp(200, {"resourceVersion": str(self.store.rv),
                                       "historyFloors": {"%s/%s" % gr: f for gr, f in self.store.floors.items()},
                                       "webhookCalls": dict(self.sim.webhook_calls) if self.sim else {}})
        raise util.not_found_generic()
