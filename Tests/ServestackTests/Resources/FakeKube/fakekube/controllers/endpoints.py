"""endpoints and endpointslice: per selector Service, ready and notReady addresses, named target ports."""

from .. import util
from .common import GR_POD, GR_SVC, cond_true, owner_ref


class Endpoints:
    def endpoints(self):
        st = self.s.store
        pods = list(st.bucket(GR_POD).values())
        for key, svc in list(st.bucket(GR_SVC).items()):
            md = svc["metadata"]
            spec = svc.get("spec") or {}
            sel = spec.get("selector")
            if not sel or md.get("deletionTimestamp"):
                continue
            ns = md["namespace"]
            ready, notready = [], []
            for p in pods:
                pm = p["metadata"]
                if pm.get("namespace") != ns or not util.map_selector_match(sel, pm.get("labels")):
                    continue
                ip = (p.get("status") or {}).get("podIP")
                if not ip or (p.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                    continue
                addr = {"ip": ip, "nodeName": (p.get("spec") or {}).get("nodeName"),
                        "targetRef": {"kind": "Pod", "namespace": ns, "name": pm["name"], "uid": pm["uid"]}}
                if cond_true(p, "Ready") and not pm.get("deletionTimestamp"):
                    ready.append((addr, p))
                else:
                    notready.append((addr, p))
            ports = []
            for sp in spec.get("ports") or []:
                tp = sp.get("targetPort", sp.get("port"))
                port = tp
                if isinstance(tp, str):
                    port = None
                    for _, p in ready + notready:
                        for c in (p.get("spec") or {}).get("containers") or []:
                            for cp in c.get("ports") or []:
                                if cp.get("name") == tp:
                                    port = cp.get("containerPort")
                    if port is None:
                        continue
                e = {"port": port, "protocol": sp.get("protocol", "TCP")}
                if sp.get("name"):
                    e = {"name": sp["name"], **e}
                if sp.get("appProtocol"):
                    e["appProtocol"] = sp["appProtocol"]
                ports.append(e)
            subsets = []
            if (ready or notready) and ports:
                ss = {}
                if ready:
                    ss["addresses"] = sorted([a for a, _ in ready], key=lambda a: a["ip"])
                if notready:
                    ss["notReadyAddresses"] = sorted([a for a, _ in notready], key=lambda a: a["ip"])
                ss["ports"] = ports
                subsets = [ss]
            ep_key = "%s/%s" % (ns, md["name"])
            ep = st.get(("", "endpoints"), ep_key)
            labels = dict(md.get("labels") or {})
            if ep is None:
                body = {"apiVersion": "v1", "kind": "Endpoints",
                        "metadata": {"name": md["name"], "namespace": ns, "labels": labels}}
                if subsets:
                    body["subsets"] = subsets
                self.create(("", "endpoints"), body, "kube-controller-manager")
            elif (ep.get("subsets") or []) != subsets:
                new = util.deep(ep)
                if subsets:
                    new["subsets"] = subsets
                else:
                    new.pop("subsets", None)
                self.write(("", "endpoints"), ep, new, "kube-controller-manager")
            # EndpointSlice
            es_name = "%s-%s" % (md["name"][:57], util.safe_hash(md["uid"], 5))
            es_key = "%s/%s" % (ns, es_name)
            eps = [{"addresses": [a["ip"]], "conditions": {"ready": r, "serving": r, "terminating": False},
                    "nodeName": a["nodeName"], "targetRef": a["targetRef"]}
                   for lst, r in ((ready, True), (notready, False)) for a, _ in lst]
            eps.sort(key=lambda e: e["addresses"][0])
            es = st.get(("discovery.k8s.io", "endpointslices"), es_key)
            body_ports = [dict(p) for p in ports] if eps else []
            if es is None:
                rsvc = self.s.registry.any_version(*GR_SVC)
                self.create(("discovery.k8s.io", "endpointslices"),
                            {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                             "metadata": {"name": es_name, "namespace": ns,
                                          "labels": dict(labels, **{"kubernetes.io/service-name": md["name"],
                                                                     "endpointslice.kubernetes.io/managed-by":
                                                                         "endpointslice-controller.k8s.io"}),
                                          "ownerReferences": [dict(owner_ref(svc, rsvc), controller=True)]},
                             "addressType": "IPv4", "endpoints": eps, "ports": body_ports or None},
                            "kube-controller-manager")
            elif (es.get("endpoints") or []) != eps or (es.get("ports") or []) != body_ports:
                new = util.deep(es)
                new["endpoints"] = eps
                new["ports"] = body_ports or None
                self.write(("discovery.k8s.io", "endpointslices"), es, new, "kube-controller-manager")
