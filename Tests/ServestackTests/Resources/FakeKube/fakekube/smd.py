"""Field ownership (server-side apply), merges and patches.

A field set is a Python set of paths; a path is a tuple of path elements in the
fieldsV1 spelling: "f:<field>", "k:<json of key fields>", "v:<json value>".
List and map semantics come from the CRD schema (x-kubernetes-list-type,
x-kubernetes-list-map-keys, x-kubernetes-map-type, properties/additionalProperties)
for custom resources, and from a table of well-known field names for built-ins
(approximating the real OpenAPI schemas: containers/env/volumes/ports/... are
maps keyed by name/port, finalizers is a set, everything else atomic).
"""

import json

from . import util

# ---------------------------------------------------------------------------
# Type information

MAP_FIELDS = {"labels", "annotations", "data", "binaryData", "stringData", "nodeSelector", "matchLabels",
              "limits", "requests", "capacity", "allocatable", "parameters", "volumeAttributes", "hard", "used",
              "properties", "definitions", "patternProperties", "dependencies", "extra", "overhead",
              "attributes", "mountOptionsMap", "sysctlsMap"}

LIST_KEYS = {
    "containers": ["name"], "initContainers": ["name"], "ephemeralContainers": ["name"], "env": ["name"],
    "volumes": ["name"], "volumeMounts": ["mountPath"], "volumeDevices": ["devicePath"],
    "imagePullSecrets": ["name"], "ownerReferences": ["uid"], "conditions": ["type"], "webhooks": ["name"],
    "hostAliases": ["ip"], "topologySpreadConstraints": ["topologyKey", "whenUnsatisfiable"],
    "resourceClaims": ["name"], "secrets": ["name"], "schedulingGates": ["name"],
    "containerStatuses": ["name"], "initContainerStatuses": ["name"],
}
SET_FIELDS = {"finalizers"}
LABEL_SELECTORS = {"selector", "namespaceSelector", "objectSelector", "podSelector", "labelSelector",
                   "nodeSelector"}
# list fields that exist (as null) in a zero Go object, so a first write does not "add" them
NON_OMITEMPTY_LISTS = {"containers"}
# strategic-merge-patch merge keys (single key) for built-ins
SMP_KEYS = {"containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
            "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
            "imagePullSecrets": "name", "ownerReferences": "uid", "conditions": "type", "webhooks": "name",
            "hostAliases": "ip", "topologySpreadConstraints": "topologyKey", "secrets": "name",
            "resourceClaims": "name", "containerStatuses": "name", "initContainerStatuses": "name",
            "envFrom": None}
SMP_PRIMITIVE_MERGE = {"finalizers"}


def _ports_keys(items):
    for it in items:
        if isinstance(it, dict):
            if "containerPort" in it:
                return ["containerPort", "protocol"]
            if "port" in it and ("targetPort" in it or "nodePort" in it or "protocol" in it or "name" in it):
                return ["port", "protocol"]
    return None


class BT:
    """Heuristic type for built-in objects, keyed by field name."""
    __slots__ = ("name",)

    def __init__(self, name=None):
        self.name = name

    def dict_kind(self, value):
        if self.name in MAP_FIELDS:
            return "map"
        if self.name in LABEL_SELECTORS and isinstance(value, dict):
            if value and set(value) <= {"matchLabels", "matchExpressions"}:
                return "atomic"  # metav1.LabelSelector is +structType=atomic
            if self.name == "selector" and "matchLabels" not in value and "matchExpressions" not in value:
                return "map"
        return "struct"

    def declared(self, key):
        return True

    def field(self, key):
        return BT(key)

    def item(self):
        return BT(None)

    def list_kind(self, value):
        n = self.name
        if n in SET_FIELDS:
            return "set", None
        if n == "ports":
            keys = _ports_keys(value)
            if keys:
                return "map", keys
            return "atomic", None
        keys = LIST_KEYS.get(n)
        if keys:
            if all(isinstance(v, dict) and all(k in v for k in keys[:1]) for v in value):
                return "map", keys
        return "atomic", None

    def smp_key(self, value):
        n = self.name
        if n == "ports":
            for it in value:
                if isinstance(it, dict) and "containerPort" in it:
                    return "containerPort"
                if isinstance(it, dict) and "port" in it:
                    return "port"
            return None
        return SMP_KEYS.get(n)


class CRT:
    """Type from a CRD structural schema (None: deduced/unknown)."""
    __slots__ = ("s",)

    def __init__(self, schema):
        self.s = schema if isinstance(schema, dict) else None

    def dict_kind(self, value):
        s = self.s
        if s is None:
            return "deduced"
        if s.get("x-kubernetes-map-type") == "atomic":
            return "atomic"
        if s.get("x-kubernetes-embedded-resource") and "properties" not in s:
            return "deduced"
        if "properties" in s:
            return "struct"
        return "map" if s.get("additionalProperties") or s.get("x-kubernetes-preserve-unknown-fields") \
            else "deduced"

    def declared(self, key):
        return self.s is not None and key in (self.s.get("properties") or {})

    def field(self, key):
        s = self.s
        if s is None:
            return CRT(None)
        props = s.get("properties") or {}
        if key in props:
            if key == "metadata" and s.get("x-kubernetes-embedded-resource"):
                return BT("metadata")
            return CRT(props[key])
        ap = s.get("additionalProperties")
        if isinstance(ap, dict):
            return CRT(ap)
        return CRT(None)

    def item(self):
        s = self.s
        if s is None:
            return CRT(None)
        return CRT(s.get("items"))

    def list_kind(self, value):
        s = self.s
        if s is None:
            return "atomic", None
        lt = s.get("x-kubernetes-list-type")
        if lt == "map":
            return "map", list(s.get("x-kubernetes-list-map-keys") or [])
        if lt == "set":
            return "set", None
        return "atomic", None

    def smp_key(self, value):
        return None


class RootT:
    """Object root: metadata is always typed as built-in ObjectMeta."""
    __slots__ = ("inner",)

    def __init__(self, inner):
        self.inner = inner

    def dict_kind(self, value):
        return "struct"

    def declared(self, key):
        return key in ("apiVersion", "kind", "metadata") or self.inner.declared(key) or isinstance(self.inner, BT)

    def field(self, key):
        if key == "metadata":
            return BT("metadata")
        return self.inner.field(key)

    def item(self):
        return self.inner.item()

    def list_kind(self, value):
        return "atomic", None

    def smp_key(self, value):
        return None


def root_type(resource):
    if resource is not None and resource.crd:
        return RootT(CRT(resource.schema))
    return RootT(BT(None))


# ---------------------------------------------------------------------------
# Paths

def _key_obj(item, keys):
    d = {}
    for k in sorted(keys):
        v = item.get(k)
        if v is None and k == "protocol":
            v = "TCP"
        d[k] = v
    return d


def item_pe(item, lk, keys):
    if lk == "set":
        return "v:" + json.dumps(item, separators=(",", ":"))
    return "k:" + json.dumps(_key_obj(item, keys), separators=(",", ":"))


def path_string(path):
    """Human path like the real conflict messages: .spec.containers[name="x"].image"""
    out = ""
    for pe in path:
        t, v = pe[0], pe[2:]
        if t == "f":
            out += "." + v
        elif t == "k":
            d = json.loads(v)
            out += "[" + ",".join("%s=%s" % (k, json.dumps(d[k], separators=(",", ":"))) for k in d) + "]"
        elif t == "v":
            out += "[=" + v + "]"
        elif t == "i":
            out += "[" + v + "]"
    return out


CONTAINER = object()
STRIP_META = {"name", "namespace", "uid", "resourceVersion", "creationTimestamp", "generation",
              "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"}


def members(obj, T, update_style=False):
    """Map of member path -> leaf value (or CONTAINER) for an object (root dict)."""
    out = {}
    if not isinstance(obj, dict):
        return out
    for k, v in obj.items():
        if k in ("apiVersion", "kind"):
            continue
        if k == "metadata" and isinstance(v, dict):
            mt = T.field("metadata")
            for mk, mv in v.items():
                if mk in STRIP_META:
                    continue
                _walk_child(mv, mt.field(mk), ("f:metadata", "f:" + mk), out, update_style, True)
            continue
        _walk_child(v, T.field(k), ("f:" + k,), out, update_style, T.declared(k))
    return out


def _walk_dict(value, T, path, out, upd, kind):
    for k, v in value.items():
        if v is None and k == "creationTimestamp":
            continue  # zero metav1.Time in templates: never owned
        declared = kind == "struct" and T.declared(k)
        _walk_child(v, T.field(k), path + ("f:" + k,), out, upd, declared)


def _walk_child(v, T, p, out, upd, declared):
    if v is None:
        out[p] = None
        return
    if isinstance(v, dict):
        kind = T.dict_kind(v)
        if kind == "atomic":
            out[p] = v
            return
        if not v:
            # an empty declared struct/map is not a member of an applied configuration
            if upd or not declared:
                out[p] = v
            return
        if not declared or (upd and kind in ("map", "deduced")):
            out[p] = CONTAINER
        _walk_dict(v, T, p, out, upd, kind)
        return
    if isinstance(v, list):
        lk, keys = T.list_kind(v)
        if lk == "atomic":
            out[p] = v
            return
        if not declared or (upd and p[-1][2:] not in NON_OMITEMPTY_LISTS):
            out[p] = CONTAINER
        it = T.item()
        for item in v:
            if lk == "map" and not isinstance(item, dict):
                out[p] = v
                return
            pe = item_pe(item, lk, keys)
            ip = p + (pe,)
            if lk == "set":
                out[ip] = item
            else:
                out[ip] = CONTAINER
                _walk_dict(item, it, ip, out, upd, it.dict_kind(item) if it.dict_kind(item) != "atomic" else "struct")
        return
    out[p] = v


def compare(old_m, new_m):
    """(added, modified, removed) path sets between two member maps."""
    old_keys = old_m.keys()
    new_keys = new_m.keys()
    added = set(new_keys - old_keys)
    removed = set(old_keys - new_keys)
    modified = set()
    for p in old_keys & new_keys:
        a = old_m[p]
        b = new_m[p]
        if a is CONTAINER and b is CONTAINER:
            continue
        if a is CONTAINER or b is CONTAINER or a != b or type(a) != type(b) and not (
                isinstance(a, (int, float)) and isinstance(b, (int, float))):
            modified.add(p)
    return added, modified, removed


# ---------------------------------------------------------------------------
# fieldsV1 encoding

def _pe_sort(pe):
    return ({"f": 0, "v": 2, "k": 1, "i": 3}.get(pe[0], 4), pe)


def encode_fields(paths):
    root = {}
    memb = set()
    for p in paths:
        node = root
        for pe in p:
            node = node.setdefault(pe, {})
        memb.add(p)

    def emit(node, prefix):
        d = {}
        if prefix in memb and node:
            d["."] = {}
        for pe in sorted(node, key=_pe_sort):
            d[pe] = emit(node[pe], prefix + (pe,))
        return d

    return emit(root, ())


def decode_fields(fv):
    out = set()

    def walk(d, prefix):
        for k, v in d.items():
            if k == ".":
                out.add(prefix)
                continue
            p = prefix + (k,)
            if not v:
                out.add(p)
            else:
                walk(v, p)

    if isinstance(fv, dict):
        walk(fv, ())
    out.discard(())
    return out


# ---------------------------------------------------------------------------
# Merge (apply) and removal

def merge_into(live, cfg, T):
    """Merge applied configuration cfg into live (mutates and returns live)."""
    if not isinstance(live, dict):
        return util.deep(cfg)
    kind = T.dict_kind(cfg)
    if kind == "atomic":
        return util.deep(cfg)
    for k, cv in cfg.items():
        if T is not None and isinstance(T, RootT) and k in ("apiVersion", "kind"):
            live[k] = cv
            continue
        lv = live.get(k)
        ct = T.field(k)
        if isinstance(cv, dict) and isinstance(lv, dict):
            live[k] = merge_into(lv, cv, ct)
        elif isinstance(cv, list) and isinstance(lv, list):
            live[k] = merge_list(lv, cv, ct)
        else:
            live[k] = util.deep(cv)
    return live


def merge_list(lv, cv, T):
    lk, keys = T.list_kind(cv)
    if lk == "atomic":
        return util.deep(cv)
    if lk == "set":
        out = list(lv)
        for x in cv:
            if x not in out:
                out.append(util.deep(x))
        return out
    if not all(isinstance(x, dict) for x in lv) or not all(isinstance(x, dict) for x in cv):
        return util.deep(cv)
    it = T.item()
    idx = {}
    for i, x in enumerate(lv):
        idx[item_pe(x, lk, keys)] = i
    out = list(lv)
    for x in cv:
        pe = item_pe(x, lk, keys)
        if pe in idx:
            out[idx[pe]] = merge_into(out[idx[pe]], x, it)
        else:
            idx[pe] = len(out)
            out.append(util.deep(x))
    return out


def _find(container, pe):
    """Locate the child for path element pe: returns (kind, index_or_key) or None."""
    t, v = pe[0], pe[2:]
    if t == "f":
        if isinstance(container, dict) and v in container:
            return ("d", v)
        return None
    if not isinstance(container, list):
        return None
    if t == "k":
        want = json.loads(v)
        for i, it in enumerate(container):
            if isinstance(it, dict) and all((it.get(k) if not (k == "protocol" and it.get(k) is None) else "TCP")
                                            == val for k, val in want.items()):
                return ("l", i)
        return None
    if t == "v":
        want = json.loads(v)
        for i, it in enumerate(container):
            if it == want:
                return ("l", i)
        return None
    return None


def _get(obj, path):
    cur = obj
    for pe in path:
        f = _find(cur, pe)
        if f is None:
            return None, False
        cur = cur[f[1]]
    return cur, True


def remove_paths(obj, to_remove, keep):
    """Remove member paths from obj unless a kept path lies beneath them; prune emptied parents."""
    keep_prefixes = set()
    for p in keep:
        for i in range(1, len(p)):
            keep_prefixes.add(p[:i])
    touched_parents = set()
    for p in sorted(to_remove, key=len, reverse=True):
        if p in keep_prefixes:
            continue
        parent, ok = _get(obj, p[:-1])
        if not ok:
            continue
        f = _find(parent, p[-1])
        if f is None:
            continue
        if f[0] == "d":
            del parent[f[1]]
        else:
            del parent[f[1]]
        touched_parents.add(p[:-1])
    # prune parents that became empty and nobody owns
    for pp in sorted(touched_parents, key=len, reverse=True):
        q = pp
        while q:
            node, ok = _get(obj, q)
            if not ok or node not in ({}, []) or q in keep or q in keep_prefixes or q[-1][0] != "f":
                break
            parent, _ = _get(obj, q[:-1])
            del parent[q[-1][2:]]
            q = q[:-1]
    return obj


# ---------------------------------------------------------------------------
# Managed fields bookkeeping

class Managers:
    """Decoded metadata.managedFields: ordered dict key -> entry (with 'set')."""

    def __init__(self, mf):
        self.entries = {}
        for e in mf or []:
            if not isinstance(e, dict):
                continue
            key = self.key(e.get("manager", ""), e.get("operation", ""), e.get("apiVersion", ""),
                           e.get("subresource", ""))
            self.entries[key] = {"manager": e.get("manager", ""), "operation": e.get("operation", ""),
                                 "apiVersion": e.get("apiVersion", ""), "time": e.get("time"),
                                 "subresource": e.get("subresource", ""),
                                 "set": decode_fields(e.get("fieldsV1"))}

    @staticmethod
    def key(manager, op, api_version, sub):
        return (manager, op, api_version if op == "Update" else "", sub or "")

    def others(self, key):
        return [(k, e) for k, e in self.entries.items() if k != key]

    def union_all(self):
        u = set()
        for e in self.entries.values():
            u |= e["set"]
        return u

    def encode(self):
        out = []
        for e in self.entries.values():
            if not e["set"]:
                continue
            d = {"manager": e["manager"], "operation": e["operation"], "apiVersion": e["apiVersion"]}
            if e.get("time"):
                d["time"] = e["time"]
            d["fieldsType"] = "FieldsV1"
            d["fieldsV1"] = encode_fields(e["set"])
            if e.get("subresource"):
                d["subresource"] = e["subresource"]
            out.append(d)
        out.sort(key=lambda d: (d["operation"], util.parse_ts(d.get("time")) or 0, d["manager"],
                                d["apiVersion"], d.get("subresource", "")))
        return out


def manager_label(e):
    s = '"%s"' % e["manager"]
    if e.get("subresource"):
        s += ' with subresource "%s"' % e["subresource"]
    if e["operation"] == "Update":
        s += " using %s" % e["apiVersion"]
    return s


class ApplyConflict(Exception):
    def __init__(self, conflicts):
        super().__init__("conflict")
        self.conflicts = conflicts  # list of (entry, path)

    def error(self):
        causes = [{"reason": "FieldManagerConflict", "message": "conflict with %s" % manager_label(e),
                   "field": path_string(p)} for e, p in self.conflicts]
        if len(self.conflicts) == 1:
            e, p = self.conflicts[0]
            msg = "Apply failed with 1 conflict: conflict with %s: %s" % (manager_label(e), path_string(p))
        else:
            by = {}
            for e, p in self.conflicts:
                by.setdefault(manager_label(e), []).append(path_string(p))
            lines = []
            for m in sorted(by):
                lines.append("conflicts with %s:" % m)
                lines.extend("- %s" % p for p in sorted(by[m]))
            msg = "Apply failed with %d conflicts: %s" % (len(self.conflicts), "\n".join(lines))
        return util.ApiError(409, "Conflict", msg, {"causes": causes})


def apply(live_proj, cfg_proj, T, managers, key, force):
    """Server-side apply on projected objects.

    live_proj: current object restricted to the fields this endpoint manages (or {}).
    cfg_proj: applied configuration restricted the same way.
    Returns the new projected object; updates managers in place.
    """
    new_set = set(members(cfg_proj, T).keys())
    merged = merge_into(util.deep(live_proj), cfg_proj, T)
    live_m = members(live_proj, T)
    merged_m = members(merged, T)
    added, modified, removed = compare(live_m, merged_m)
    changed = added | modified
    conflicts = []
    for k, e in managers.others(key):
        c = e["set"] & changed
        for p in sorted(c):
            conflicts.append((e, p))
    if conflicts and not force:
        raise ApplyConflict(conflicts)
    for k, e in managers.others(key):
        e["set"] = e["set"] - changed
    mine = managers.entries.get(key)
    last = mine["set"] if mine else set()
    if mine is None:
        mine = {"manager": key[0], "operation": "Apply", "apiVersion": "", "time": None,
                "subresource": key[3], "set": set()}
        managers.entries[key] = mine
    mine["set"] = new_set
    owned_now = managers.union_all()
    to_remove = last - owned_now
    if to_remove:
        remove_paths(merged, to_remove, owned_now)
    return merged


def update(old_proj, new_proj, T, managers, key, api_version):
    """Ownership bookkeeping for a non-apply write by manager key."""
    a, m, r = compare(members(old_proj, T, True), members(new_proj, T, True))
    changed = a | m
    for k, e in managers.others(key):
        e["set"] = (e["set"] - changed) - r
    mine = managers.entries.get(key)
    if mine is None:
        mine = {"manager": key[0], "operation": "Update", "apiVersion": api_version, "time": None,
                "subresource": key[3], "set": set()}
        managers.entries[key] = mine
    mine["set"] = (mine["set"] - r) | changed
    return bool(changed or r)


# ---------------------------------------------------------------------------
# Patches

def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return util.deep(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(target.get(k), v)
    return out


def strategic_merge_patch(target, patch, T):
    if not isinstance(patch, dict):
        return util.deep(patch)
    if not isinstance(target, dict):
        target = {}
    if patch.get("$patch") == "replace":
        p = {k: v for k, v in patch.items() if k != "$patch"}
        return util.deep(p)
    if patch.get("$patch") == "delete":
        return None
    out = dict(target)
    retain = patch.get("$retainKeys")
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys"):
            continue
        if k.startswith("$setElementOrder/"):
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            fld = k.split("/", 1)[1]
            if isinstance(out.get(fld), list):
                out[fld] = [x for x in out[fld] if x not in (v or [])]
            continue
        ct = T.field(k)
        if v is None:
            out.pop(k, None)
            continue
        tv = target.get(k)
        if isinstance(v, dict):
            r = strategic_merge_patch(tv, v, ct)
            if r is None:
                out.pop(k, None)
            else:
                out[k] = r
        elif isinstance(v, list):
            out[k] = _smp_list(tv if isinstance(tv, list) else [], v, ct, k)
        else:
            out[k] = v
    if isinstance(retain, list):
        for k in list(out):
            if k not in retain and k not in patch:
                out.pop(k, None)
    return out


def _smp_list(tv, pv, T, name):
    if name in SMP_PRIMITIVE_MERGE:
        out = list(tv)
        for x in pv:
            if x not in out:
                out.append(x)
        return out
    key = T.smp_key(pv) if hasattr(T, "smp_key") else None
    if not key or not all(isinstance(x, dict) for x in pv):
        return [x for x in util.deep(pv) if not (isinstance(x, dict) and x.get("$patch"))]
    out = [util.deep(x) for x in tv]
    it = T.item()
    for x in pv:
        kv = x.get(key)
        idx = next((i for i, e in enumerate(out) if isinstance(e, dict) and e.get(key) == kv), None)
        if x.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if x.get("$patch") == "replace":
            continue
        if idx is None:
            out.append({k: v for k, v in util.deep(x).items() if not k.startswith("$")})
        else:
            out[idx] = strategic_merge_patch(out[idx], x, it)
    return out


class JSONPatchError(Exception):
    pass


def _ptr(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise JSONPatchError("invalid JSON pointer %s" % json.dumps(path))
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _resolve(doc, parts):
    cur = doc
    for p in parts:
        if isinstance(cur, dict):
            if p not in cur:
                raise JSONPatchError("doc is missing path: %s" % ("/" + "/".join(parts)))
            cur = cur[p]
        elif isinstance(cur, list):
            try:
                cur = cur[int(p)]
            except (ValueError, IndexError):
                raise JSONPatchError("doc is missing path: %s" % ("/" + "/".join(parts)))
        else:
            raise JSONPatchError("doc is missing path: %s" % ("/" + "/".join(parts)))
    return cur


def json_patch(doc, ops):
    if not isinstance(ops, list):
        raise ValueError("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = util.deep(doc)
    for op in ops:
        kind = op.get("op")
        path = _ptr(op.get("path", ""))
        if kind == "test":
            cur = _resolve(doc, path)
            if cur != op.get("value"):
                raise JSONPatchError("testing value %s failed: test failed" % op.get("path"))
            continue
        if kind in ("move", "copy"):
            frm = _ptr(op.get("from", ""))
            val = util.deep(_resolve(doc, frm))
            if kind == "move":
                doc = _remove(doc, frm)
            doc = _add(doc, path, val)
            continue
        if kind == "add":
            doc = _add(doc, path, util.deep(op.get("value")))
        elif kind == "remove":
            doc = _remove(doc, path)
        elif kind == "replace":
            _resolve(doc, path)
            doc = _remove(doc, path)
            doc = _add(doc, path, util.deep(op.get("value")))
        else:
            raise JSONPatchError("Unexpected kind: %s" % kind)
    return doc


def _add(doc, parts, val):
    if not parts:
        return val
    parent = _resolve(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = val
    elif isinstance(parent, list):
        if last == "-":
            parent.append(val)
        else:
            try:
                i = int(last)
            except ValueError:
                raise JSONPatchError("add operation does not apply: doc is missing path")
            if i < 0 or i > len(parent):
                raise JSONPatchError("add operation does not apply: doc is missing path: \"%s\": "
                                     "unable to add element: index out of bounds" % ("/" + "/".join(parts)))
            parent.insert(i, val)
    else:
        raise JSONPatchError("add operation does not apply: doc is missing path: \"%s\"" % ("/" + "/".join(parts)))
    return doc


def _remove(doc, parts):
    parent = _resolve(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise JSONPatchError("remove operation does not apply: doc is missing path: \"%s\""
                                 % ("/" + "/".join(parts)))
        del parent[last]
    elif isinstance(parent, list):
        try:
            del parent[int(last)]
        except (ValueError, IndexError):
            raise JSONPatchError("remove operation does not apply: doc is missing path: \"%s\""
                                 % ("/" + "/".join(parts)))
    return doc
