"""crd-establishing: NamesAccepted/Established after `crdEstablishDelaySeconds`, discovery registration,
and CRD deletion (its custom resources first, then the finalizer).
"""

import json

from .. import resources, util
from .common import GR_CRD, cond_true, set_cond


class Crds:
    def crds(self, now):
        st = self.s.store
        reg = self.s.registry
        for name, crd in list(st.bucket(GR_CRD).items()):
            md = crd["metadata"]
            uid = md["uid"]
            if md.get("deletionTimestamp"):
                self.crd_terminate(crd, now)
                continue
            established = cond_true(crd, "Established")
            if established and name in reg.crds and self.crd_rv.get(name) == md.get("resourceVersion"):
                continue
            self.crd_rv[name] = md.get("resourceVersion")
            sig = json.dumps([crd["spec"].get("versions"), crd["spec"].get("names"), crd["spec"].get("scope"),
                              crd["spec"].get("conversion")], sort_keys=True)
            if not established:
                seen = self.crd_seen.setdefault(uid, now)
                delay = float(self.s.cfg("crdEstablishDelaySeconds") or 0)
                if now - seen < delay:
                    self.due(seen + delay)
                    continue
                nowts = util.now_ts()
                names = dict(crd["spec"].get("names") or {})
                names.setdefault("singular", names.get("kind", "").lower())
                names.setdefault("listKind", names.get("kind", "") + "List")
                status = util.deep(crd.get("status") or {})
                status["acceptedNames"] = names
                conds = set_cond(status.get("conditions"), "NamesAccepted", "True", "NoConflicts",
                                 "no conflicts found", nowts)
                conds = set_cond(conds, "Established", "True", "InitialNamesAccepted",
                                 "the initial names have been accepted", nowts)
                status["conditions"] = conds
                reg.set_crd(name, resources.crd_resources(crd))
                self.crd_sig[name] = sig
                if crd is not None:
                    self.write_status(GR_CRD, crd, status, "kube-apiserver")
                    for v in crd["spec"].get("versions") or []:
                        if v.get("served"):
                            self.ensure_apiservice(crd["spec"]["group"], v["name"], local=False)
            elif self.crd_sig.get(name) != sig or name not in reg.crds:
                reg.set_crd(name, resources.crd_resources(crd))
                self.crd_sig[name] = sig
                names = dict(crd["spec"].get("names") or {})
                names.setdefault("singular", names.get("kind", "").lower())
                names.setdefault("listKind", names.get("kind", "") + "List")
                status = util.deep(crd.get("status") or {})
                status["acceptedNames"] = names
                stored = status.setdefault("storedVersions", [])
                for v in crd["spec"].get("versions") or []:
                    if v.get("storage") and v["name"] not in stored:
                        stored.append(v["name"])
                self.write_status(GR_CRD, crd, status, "kube-apiserver")
        for name in list(reg.crds):
            if st.get(GR_CRD, name) is None:
                reg.set_crd(name, None)
                self.crd_sig.pop(name, None)

    def crd_terminate(self, crd, now):
        st = self.s.store
        name = crd["metadata"]["name"]
        spec = crd["spec"]
        gr = (spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
        items = list(st.bucket(gr).values())
        nowts = util.now_ts()
        status = util.deep(crd.get("status") or {})
        status["conditions"] = set_cond(status.get("conditions"), "Terminating", "True",
                                        "InstanceDeletionInProgress", "CustomResource deletion is in progress", nowts)
        crd2, _ = self.write_status(GR_CRD, crd, status, "kube-apiserver")
        crd = crd2 or crd
        if items:
            for o in items:
                if not o["metadata"].get("deletionTimestamp"):
                    self.delete(gr, o)
            if any(st.bucket(gr).values()):
                return
        self.s.registry.set_crd(name, None)
        fin = [f for f in crd["metadata"].get("finalizers") or [] if f != "customresourcecleanup.apiextensions.k8s.io"]
        new = util.deep(crd)
        new["metadata"]["finalizers"] = fin
        if not fin:
            new["metadata"].pop("finalizers")
        self.write(GR_CRD, crd, new, "kube-apiserver")
