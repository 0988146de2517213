"""Authentication (bearer tokens) and RBAC authorization like the real apiserver's."""

import base64
import json
import secrets
import threading
import time

from . import util

RBAC = "rbac.authorization.k8s.io"

DISCOVERY_PATHS = ("/api", "/api/*", "/apis", "/apis/*", "/version", "/version/", "/healthz", "/livez",
                   "/readyz", "/openapi", "/openapi/*", "/.well-known/openid-configuration",
                   "/openid/v1/jwks")


class User:
    __slots__ = ("name", "groups", "uid", "extra")

    def __init__(self, name, groups, uid=""):
        self.name = name
        self.groups = list(groups)
        self.uid = uid
        self.extra = {}

    @property
    def admin(self):
        return "system:masters" in self.groups

    def info(self):
        d = {"username": self.name, "groups": self.groups}
        if self.uid:
            d["uid"] = self.uid
        return d


def fake_jwt(sub, extra=None):
    def enc(d):
        return base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).decode().rstrip("=")
    claims = {"iss": "https://kubernetes.default.svc.cluster.local", "sub": sub, "iat": int(time.time()),
              "jti": secrets.token_hex(8)}
    if extra:
        claims.update(extra)
    return "%s.%s.%s" % (enc({"alg": "RS256", "kid": "fake"}), enc(claims), secrets.token_urlsafe(32))


class Authenticator:
    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = {}

    def add(self, token, user):
        with self.lock:
            self.tokens[token] = user

    def lookup(self, token):
        with self.lock:
            return self.tokens.get(token)

    def sa_token(self, ns, name, uid=""):
        u = User("system:serviceaccount:%s:%s" % (ns, name),
                 ["system:serviceaccounts", "system:serviceaccounts:%s" % ns, "system:authenticated"], uid)
        tok = fake_jwt(u.name, {"kubernetes.io": {"namespace": ns, "serviceaccount": {"name": name, "uid": uid}}})
        self.add(tok, u)
        return tok


def _match_list(lst, v):
    return bool(lst) and ("*" in lst or v in lst)


def rule_allows(rule, a):
    if a.get("path") is not None:
        if not _match_list(rule.get("verbs") or [], a["verb"]):
            return False
        for u in rule.get("nonResourceURLs") or []:
            if u == "*" or u == a["path"] or (u.endswith("*") and a["path"].startswith(u[:-1])):
                return True
        return False
    if not _match_list(rule.get("verbs") or [], a["verb"]):
        return False
    if not _match_list(rule.get("apiGroups") or [], a.get("group", "")):
        return False
    res = a.get("resource", "")
    sub = a.get("subresource", "")
    combined = res + ("/" + sub if sub else "")
    ok = False
    for r in rule.get("resources") or []:
        if r == "*" or r == combined or (sub and (r == res + "/*" or r == "*/" + sub)):
            ok = True
            break
    if not ok:
        return False
    names = rule.get("resourceNames") or []
    if names and a.get("name", "") not in names:
        return False
    nss = rule.get("namespaces")
    if nss and a.get("namespace", "") not in nss and "*" not in nss:
        return False
    return True


def _subject_matches(s, user):
    k = s.get("kind")
    if k == "User":
        return s.get("name") == user.name
    if k == "Group":
        return s.get("name") in user.groups
    if k == "ServiceAccount":
        return user.name == "system:serviceaccount:%s:%s" % (s.get("namespace", ""), s.get("name"))
    return False


def _subj_display(s):
    if s.get("kind") == "ServiceAccount":
        return {"kind": "ServiceAccount", "name": "%s/%s" % (s.get("name"), s.get("namespace", ""))}
    return s


class Authorizer:
    def __init__(self, server):
        self.server = server

    def bindings_rules(self, user, ns):
        """Yield (rules, description) applicable to user in namespace ns (or cluster scope)."""
        st = self.server.store
        out = []
        crs = st.bucket((RBAC, "clusterroles"))
        roles = st.bucket((RBAC, "roles"))
        for b in st.bucket((RBAC, "clusterrolebindings")).values():
            subj = next((s for s in b.get("subjects") or [] if _subject_matches(s, user)), None)
            if subj is None:
                continue
            subj = _subj_display(subj)
            ref = b.get("roleRef") or {}
            role = crs.get(ref.get("name", ""))
            if role:
                out.append((role.get("rules") or [], 'RBAC: allowed by ClusterRoleBinding "%s" of ClusterRole "%s" to %s "%s"'
                            % (b["metadata"]["name"], ref.get("name"), subj.get("kind"), subj.get("name"))))
        if ns:
            for key, b in st.bucket((RBAC, "rolebindings")).items():
                if b["metadata"].get("namespace") != ns:
                    continue
                subj = next((s for s in b.get("subjects") or [] if _subject_matches(s, user)), None)
                if subj is None:
                    continue
                subj = _subj_display(subj)
                ref = b.get("roleRef") or {}
                if ref.get("kind") == "ClusterRole":
                    role = crs.get(ref.get("name", ""))
                else:
                    role = roles.get("%s/%s" % (ns, ref.get("name", "")))
                if role:
                    out.append((role.get("rules") or [], 'RBAC: allowed by RoleBinding "%s/%s" of %s "%s" to %s "%s"'
                                % (b["metadata"]["name"], ns, ref.get("kind"), ref.get("name"), subj.get("kind"),
                                   subj.get("name"))))
        return out

    def authorize(self, user, a):
        """a: dict(verb, group, resource, subresource, namespace, name) or dict(verb, path).
        Returns (allowed, reason)."""
        if user.admin:
            return True, ""
        if a.get("path") is not None and "system:authenticated" in user.groups:
            p = a["path"]
            for d in DISCOVERY_PATHS:
                if p == d or (d.endswith("*") and p.startswith(d[:-1])):
                    if a["verb"] == "get":
                        return True, ""
        if a.get("path") is None and a.get("verb") == "create" and a.get("group") in (
                "authorization.k8s.io", "authentication.k8s.io") and a.get("resource") in (
                "selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"):
            return True, ""
        with self.server.store.lock:
            if user.name == "restricted":
                rules = self.server.cfg("restrictedRules") or []
                for r in rules:
                    if rule_allows(r, a):
                        return True, ('RBAC: allowed by ClusterRoleBinding "fake:restricted" of ClusterRole '
                                      '"fake:restricted" to User "restricted"')
            for rules, why in self.bindings_rules(user, a.get("namespace", "")):
                for r in rules:
                    rr = dict(r)
                    rr.pop("namespaces", None)
                    if rule_allows(rr, a):
                        return True, why
        return False, ""

    def rules_review(self, user, ns):
        if user.admin:
            return ([{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                    [{"verbs": ["*"], "nonResourceURLs": ["*"]}])
        res = [{"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
                "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]},
               {"verbs": ["create"], "apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"]}]
        nonres = [{"verbs": ["get"], "nonResourceURLs": list(DISCOVERY_PATHS)}]
        with self.server.store.lock:
            if user.name == "restricted":
                for r in self.server.cfg("restrictedRules") or []:
                    nss = r.get("namespaces")
                    if nss and ns not in nss:
                        continue
                    rr = {k: v for k, v in r.items() if k != "namespaces"}
                    (nonres if "nonResourceURLs" in rr else res).append(rr)
            for rules, _ in self.bindings_rules(user, ns):
                for r in rules:
                    (nonres if "nonResourceURLs" in r else res).append(r)
        return res, nonres


def forbidden_message(user, a):
    if a.get("path") is not None:
        return 'User "%s" cannot %s path "%s"' % (user.name, a["verb"], a["path"])
    res = a.get("resource", "")
    if a.get("subresource"):
        res += "/" + a["subresource"]
    if a.get("namespace"):
        return 'User "%s" cannot %s resource "%s" in API group "%s" in the namespace "%s"' % (
            user.name, a["verb"], res, a.get("group", ""), a["namespace"])
    return 'User "%s" cannot %s resource "%s" in API group "%s" at the cluster scope' % (
        user.name, a["verb"], res, a.get("group", ""))


def forbidden_error(user, a, reason=""):
    msg = forbidden_message(user, a)
    if reason:
        msg += ": " + reason
    if a.get("path") is not None:
        return util.forbidden("", None, "", msg)
    return util.forbidden(a.get("group", ""), a.get("resource", ""), a.get("name", ""), msg)
