"""ca-injector: webhook configurations and CRD conversion webhooks get their caBundle, from cert-manager's
cainjector (annotations `cert-manager.io/inject-*`) or, unannotated, from the webhook itself once it runs.
"""

from .. import util
from .common import CM, GR_CRD, GR_MWC, GR_VWC, cond_true, fake_pem


class CaInjection:
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
