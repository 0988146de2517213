"""namespace-lifecycle, serviceaccount and root-ca-publisher (plus istiod's root certificate): the per-namespace
defaults, and Terminating namespaces emptied before they go.
"""

from .. import util
from .common import GR_NS, set_cond


class Namespaces:
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
