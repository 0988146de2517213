"""Structural-schema handling for custom resources, as the apiextensions apiserver
does it: drop nulls of non-nullable fields, prune unknown fields, apply defaults,
then validate type / required / enum. (CEL rules, formats and numeric/string
limits are not checked.)"""

from . import util
from .util import FieldError

_TYPES = {"object": dict, "array": list, "boolean": bool, "string": str}


def _go_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _type_ok(s, v):
    t = s.get("type")
    if s.get("x-kubernetes-int-or-string"):
        return isinstance(v, (int, str)) and not isinstance(v, bool)
    if not t:
        return True
    if t == "integer":
        return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, _TYPES.get(t, object))


def normalize(obj, schema):
    """Prune, drop nulls and default in place (object root)."""
    if not isinstance(schema, dict):
        return obj
    props = schema.get("properties") or {}
    for k in list(obj.keys()):
        if k in ("apiVersion", "kind", "metadata"):
            continue
        if k in props:
            obj[k] = _walk(obj[k], props[k])
            if obj[k] is _DROP:
                del obj[k]
        elif not schema.get("x-kubernetes-preserve-unknown-fields"):
            del obj[k]
    _defaults(obj, props)
    return obj


_DROP = object()


def _defaults(d, props):
    for k, ps in props.items():
        if k not in d and isinstance(ps, dict) and "default" in ps:
            d[k] = util.deep(ps["default"])
            if isinstance(d[k], (dict, list)):
                d[k] = _walk(d[k], ps)


def _walk(v, s):
    if not isinstance(s, dict):
        return v
    if v is None:
        return None if s.get("nullable") else _DROP
    if isinstance(v, dict) and (s.get("type") == "object" or "properties" in s or "additionalProperties" in s):
        if s.get("x-kubernetes-embedded-resource"):
            keep = {"apiVersion", "kind", "metadata"}
        else:
            keep = set()
        props = s.get("properties")
        ap = s.get("additionalProperties")
        preserve = s.get("x-kubernetes-preserve-unknown-fields")
        for k in list(v.keys()):
            if props is not None and k in props:
                nv = _walk(v[k], props[k])
            elif isinstance(ap, dict):
                nv = _walk(v[k], ap)
            elif ap is True or preserve or k in keep or (props is None and ap is None and not s.get("type")):
                continue
            elif props is None and ap is None:
                # "type: object" without properties: only preserve-unknown keeps content
                del v[k]
                continue
            else:
                del v[k]
                continue
            if nv is _DROP:
                del v[k]
            else:
                v[k] = nv
        if props:
            _defaults(v, props)
        return v
    if isinstance(v, list) and isinstance(s.get("items"), dict):
        out = []
        for x in v:
            nx = _walk(x, s["items"])
            out.append(None if nx is _DROP else nx)
        return out
    return v


def validate(obj, schema):
    errs = []
    if not isinstance(schema, dict):
        return errs
    props = schema.get("properties") or {}
    for k, ps in props.items():
        if k in ("apiVersion", "kind", "metadata"):
            continue
        if k in obj:
            _validate(obj[k], ps, k, errs)
    for req in schema.get("required") or []:
        if req not in obj and req not in ("apiVersion", "kind", "metadata"):
            errs.append(FieldError("Required", req))
    return errs


def _validate(v, s, path, errs):
    if not isinstance(s, dict):
        return
    if v is None:
        if not s.get("nullable") and s.get("type"):
            errs.append(FieldError("Invalid", path, util.GoRepr('"null"'),
                                   '%s in body must be of type %s: "null"' % (path, s.get("type"))))
        return
    if not _type_ok(s, v):
        t = "integer,string" if s.get("x-kubernetes-int-or-string") else s.get("type")
        errs.append(FieldError("Invalid", path, util.GoRepr('"%s"' % _go_type(v)),
                               '%s in body must be of type %s: "%s"' % (path, t, _go_type(v))))
        return
    enum = s.get("enum")
    if enum is not None and v not in enum:
        errs.append(FieldError("NotSupported", path, v, "supported values: " + ", ".join(
            '"%s"' % e if isinstance(e, str) else util.dumps(e) for e in enum)))
    if isinstance(v, dict):
        props = s.get("properties") or {}
        for k, x in v.items():
            if k in props:
                _validate(x, props[k], path + "." + k, errs)
            elif isinstance(s.get("additionalProperties"), dict):
                _validate(x, s["additionalProperties"], path + "." + k, errs)
        for req in s.get("required") or []:
            if req not in v:
                errs.append(FieldError("Required", path + "." + req))
    elif isinstance(v, list) and isinstance(s.get("items"), dict):
        for i, x in enumerate(v):
            _validate(x, s["items"], "%s[%d]" % (path, i), errs)
