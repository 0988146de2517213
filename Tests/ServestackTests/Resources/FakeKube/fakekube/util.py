"""Shared helpers: Status errors shaped like the real apiserver's, selectors, time."""

import base64
import copy
import json
import random
import re
import time
import uuid
from datetime import datetime, timezone

# ---------------------------------------------------------------------------
# JSON


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def dumpb(obj):
    return (dumps(obj) + "\n").encode("utf-8")


def deep(obj):
    """Deep copy of JSON-like data (faster than copy.deepcopy for plain dicts)."""
    if isinstance(obj, dict):
        return {k: deep(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [deep(v) for v in obj]
    return obj


def now_ts(t=None):
    return datetime.fromtimestamp(time.time() if t is None else t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_ts(t=None):
    return datetime.fromtimestamp(time.time() if t is None else t, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(s):
    if not s:
        return None
    try:
        s2 = s.replace("Z", "+00:00")
        return datetime.fromisoformat(s2).timestamp()
    except ValueError:
        return None


def new_uid():
    return str(uuid.uuid4())


_SAFE = "bcdfghjklmnpqrstvwxz2456789"


def rand_suffix(n=5):
    return "".join(random.choice(_SAFE) for _ in range(n))


def safe_hash(data, n=10):
    """Deterministic short hash in Kubernetes' 'safe' alphabet (like pod-template-hash)."""
    h = 2166136261
    for b in data.encode("utf-8") if isinstance(data, str) else data:
        h ^= b
        h = (h * 16777619) & 0xFFFFFFFF
    out = ""
    while h and len(out) < n:
        out += _SAFE[h % len(_SAFE)]
        h //= len(_SAFE)
    return out or "b"


def b64(s):
    if isinstance(s, str):
        s = s.encode()
    return base64.b64encode(s).decode()


def age(ts, now=None):
    t = parse_ts(ts)
    if t is None:
        return "<unknown>"
    d = int((now or time.time()) - t)
    if d < 0:
        d = 0
    if d < 120:
        return "%ds" % d
    m = d // 60
    if m < 10:
        return "%dm%ds" % (m, d % 60) if d % 60 else "%dm" % m
    if m < 180:
        return "%dm" % m
    h = m // 60
    if h < 48:
        return "%dh" % h if h >= 8 or not m % 60 else "%dh%dm" % (h, m % 60)
    return "%dd" % (h // 24)


# ---------------------------------------------------------------------------
# Status errors


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        st = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
              "message": self.message}
        if self.reason:
            st["reason"] = self.reason
        if self.details is not None:
            st["details"] = self.details
        st["code"] = self.code
        return st


def qualified(group, resource):
    return resource if not group else "%s.%s" % (resource, group)


def _details(group, resource, name=None):
    d = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    if resource:
        d["kind"] = resource
    return d


def not_found(group, resource, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (qualified(group, resource), name),
                    _details(group, resource, name))


def not_found_generic():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(group, resource, name):
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (qualified(group, resource), name),
                    _details(group, resource, name))


def conflict(group, resource, name, msg):
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": %s'
                    % (qualified(group, resource), name, msg), _details(group, resource, name))


MODIFIED_MSG = "the object has been modified; please apply your changes to the latest version and try again"


def bad_request(msg):
    return ApiError(400, "BadRequest", msg)


def method_not_allowed(group=None, resource=None):
    return ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {})


class GoRepr(str):
    """A value rendered verbatim (Go %#v style) in 'Invalid value:' messages."""


def options_invalid(kind, field, ftype, value, detail=""):
    """Invalid CreateOptions/UpdateOptions/PatchOptions/DeleteOptions like the real server."""
    return invalid("meta.k8s.io", kind, "", [FieldError(ftype, field, value, detail)])


def unsupported_media_type():
    return ApiError(415, "UnsupportedMediaType", "415: Unsupported Media Type", {})


def forbidden(group, resource, name, msg):
    if resource is None:
        message = "forbidden: %s" % msg
        det = {}
    elif name:
        message = '%s "%s" is forbidden: %s' % (qualified(group, resource), name, msg)
        det = _details(group, resource, name)
    else:
        message = "%s is forbidden: %s" % (qualified(group, resource), msg)
        det = _details(group, resource)
    return ApiError(403, "Forbidden", message, det)


def internal_error(msg, group="", resource="", name=""):
    det = _details(group, resource, name)
    det["causes"] = [{"message": msg}]
    return ApiError(500, "InternalError", "Internal error occurred: %s" % msg, det)


def gone(msg):
    return ApiError(410, "Expired", msg)


class FieldError:
    """One validation error like field.Error in k8s.io/apimachinery."""

    def __init__(self, kind, field, value=None, detail=""):
        self.kind = kind  # Required | Invalid | Forbidden | TooLong | NotSupported | Duplicate
        self.field = field
        self.value = value
        self.detail = detail

    _REASONS = {"Required": ("FieldValueRequired", "Required value"),
                "Invalid": ("FieldValueInvalid", "Invalid value"),
                "Forbidden": ("FieldValueForbidden", "Forbidden"),
                "TooLong": ("FieldValueTooLong", "Too long"),
                "NotSupported": ("FieldValueNotSupported", "Unsupported value"),
                "Duplicate": ("FieldValueDuplicate", "Duplicate value")}

    def body(self):
        reason, text = self._REASONS[self.kind]
        if self.kind in ("Invalid", "NotSupported", "Duplicate"):
            v = self.value
            if type(v).__name__ in ("_GoRepr", "GoRepr"):
                vs = str(v)
            elif isinstance(v, str):
                vs = '"%s"' % v
            else:
                vs = dumps(v)
            msg = "%s: %s" % (text, vs)
            if self.detail:
                msg += ": " + self.detail
        else:
            msg = text
            if self.detail:
                msg += ": " + self.detail
        return reason, msg

    def text(self):
        return "%s: %s" % (self.field, self.body()[1])


def invalid(group, kind, name, errors):
    gk = kind if not group else "%s.%s" % (kind, group)
    if len(errors) == 1:
        agg = errors[0].text()
    else:
        agg = "[" + ", ".join(e.text() for e in errors) + "]"
    det = {}
    if name:
        det["name"] = name
    if group:
        det["group"] = group
    det["kind"] = kind
    det["causes"] = [{"reason": e.body()[0], "message": e.body()[1], "field": e.field} for e in errors]
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (gk, name or "", agg), det)


# ---------------------------------------------------------------------------
# Names

_DNS1123_SUB = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")


def check_name(name, style):
    """Returns an error detail string or None."""
    if style == "label":
        if len(name) > 63:
            return "must be no more than 63 characters"
        if not _DNS1123_LABEL.match(name):
            return LABEL_MSG
        return None
    if style == "path":
        if name in (".", "..") or "/" in name or "%" in name:
            return 'may not contain "/"' if "/" in name else "may not be '.' or '..'"
        return None
    if len(name) > 253:
        return "must be no more than 253 characters"
    if not _DNS1123_SUB.match(name):
        return SUBDOMAIN_MSG
    return None


# ---------------------------------------------------------------------------
# Label selectors


class SelectorError(Exception):
    pass


def parse_label_selector(s):
    """Returns a list of requirements (key, op, values)."""
    reqs = []
    if not s:
        return reqs
    parts = []
    depth = 0
    cur = ""
    for c in s:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    for p in parts:
        p = p.strip()
        if not p:
            raise SelectorError("found '', expected: !, identifier, or 'end of string'")
        m = re.match(r"^([A-Za-z0-9./_-]+)\s+(in|notin)\s*\((.*)\)$", p)
        if m:
            vals = [v.strip() for v in m.group(3).split(",") if v.strip() != "" or True]
            vals = [v for v in vals]
            reqs.append((m.group(1), m.group(2), set(vals)))
            continue
        m = re.match(r"^([A-Za-z0-9./_-]+)\s*(==|!=|=)\s*([A-Za-z0-9._-]*)$", p)
        if m:
            op = {"=": "=", "==": "=", "!=": "!="}[m.group(2)]
            reqs.append((m.group(1), op, {m.group(3)}))
            continue
        m = re.match(r"^!\s*([A-Za-z0-9./_-]+)$", p)
        if m:
            reqs.append((m.group(1), "!", set()))
            continue
        m = re.match(r"^([A-Za-z0-9./_-]+)$", p)
        if m:
            reqs.append((m.group(1), "exists", set()))
            continue
        m = re.match(r"^([A-Za-z0-9./_-]+)\s*(>|<)\s*([0-9]+)$", p)
        if m:
            reqs.append((m.group(1), m.group(2), {m.group(3)}))
            continue
        raise SelectorError("unable to parse requirement: %s" % p)
    return reqs


def label_match(reqs, labels):
    labels = labels or {}
    for key, op, vals in reqs:
        has = key in labels
        v = labels.get(key)
        if op == "=":
            if not has or v not in vals:
                return False
        elif op == "!=":
            if has and v in vals:
                return False
        elif op == "in":
            if not has or v not in vals:
                return False
        elif op == "notin":
            if has and v in vals:
                return False
        elif op == "exists":
            if not has:
                return False
        elif op == "!":
            if has:
                return False
        elif op in (">", "<"):
            try:
                iv = int(v)
            except (TypeError, ValueError):
                return False
            lim = int(next(iter(vals)))
            if (op == ">" and not iv > lim) or (op == "<" and not iv < lim):
                return False
    return True


def selector_match(sel, labels):
    """metav1.LabelSelector (matchLabels/matchExpressions) against labels. None selector matches all."""
    if sel is None:
        return True
    labels = labels or {}
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        k = e.get("key")
        op = e.get("operator")
        vals = e.get("values") or []
        if op == "In" and labels.get(k) not in vals:
            return False
        if op == "NotIn" and k in labels and labels[k] in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def map_selector_match(sel, labels):
    labels = labels or {}
    return all(labels.get(k) == v for k, v in (sel or {}).items())


def parse_field_selector(s):
    reqs = []
    if not s:
        return reqs
    for p in s.split(","):
        p = p.strip()
        if not p:
            continue
        m = re.match(r"^([^=!]+?)\s*(==|!=|=)\s*(.*)$", p)
        if not m:
            raise SelectorError("invalid selector: '%s'; can't understand '%s'" % (s, p))
        op = "!=" if m.group(2) == "!=" else "="
        reqs.append((m.group(1).strip(), op, m.group(3).strip()))
    return reqs


def get_path(obj, dotted):
    cur = obj
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def field_match(reqs, obj):
    for field, op, val in reqs:
        v = get_path(obj, field)
        if v is None:
            v = ""
        if isinstance(v, bool):
            v = "true" if v else "false"
        v = str(v)
        if op == "=" and v != val:
            return False
        if op == "!=" and v == val:
            return False
    return True


def copy_obj(o):
    return copy.deepcopy(o)
