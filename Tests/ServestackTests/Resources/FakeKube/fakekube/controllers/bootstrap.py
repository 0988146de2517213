"""What a fresh cluster has before anyone writes: system namespaces, nodes, priority classes, the default
ClusterRoles, the default StorageClass, the `kubernetes` Service, and Available APIServices.
"""

from .. import util
from .common import GR_NS, GR_SVC


class Bootstrap:
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
