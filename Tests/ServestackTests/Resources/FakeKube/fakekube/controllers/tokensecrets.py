"""token-secrets: legacy `kubernetes.io/service-account-token` Secrets get their token, CA and namespace."""

from .. import util


class TokenSecrets:
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
