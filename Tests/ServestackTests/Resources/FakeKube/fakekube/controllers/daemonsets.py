"""daemonset: one pod per eligible node, replaced on a new template."""

from .. import util
from .common import GR_DS, GR_POD


class DaemonSets:
    def daemonsets(self, now):
        st = self.s.store
        rds = self.s.registry.any_version(*GR_DS)
        for key, ds in list(st.bucket(GR_DS).items()):
            md = ds["metadata"]
            if md.get("deletionTimestamp"):
                continue
            spec = ds.get("spec") or {}
            tmpl = spec.get("template") or {}
            h = self.template_hash(ds, tmpl)
            nodes = [n["metadata"]["name"] for n in self.eligible_nodes(tmpl.get("spec"))]
            pods = [p for p in self.owned(GR_POD, ds) if not p["metadata"].get("deletionTimestamp")]
            by_node = {}
            for p in pods:
                by_node.setdefault((p.get("spec") or {}).get("nodeName"), []).append(p)
            for node in nodes:
                cur = by_node.get(node) or []
                stale = [p for p in cur if (p["metadata"].get("labels") or {}).get("controller-revision-hash") != h]
                for p in stale:
                    self.delete(GR_POD, p)
                if len(cur) - len(stale) == 0:
                    pod = self._make_pod(ds, rds, tmpl, "%s-%s" % (md["name"], util.rand_suffix()),
                                         {"controller-revision-hash": h, "pod-template-generation":
                                          str(md.get("generation", 1))}, node=node)
                    self._create_pod(ds, GR_DS, pod, "daemonset-controller")
            for node, ps in by_node.items():
                if node not in nodes:
                    for p in ps:
                        self.delete(GR_POD, p)
            live = [p for p in self.owned(GR_POD, ds) if not p["metadata"].get("deletionTimestamp")
                    and (p.get("spec") or {}).get("nodeName") in nodes]
            ready = self._pod_counts(live)
            upd = sum(1 for p in live if (p["metadata"].get("labels") or {}).get("controller-revision-hash") == h)
            status = {"currentNumberScheduled": len(live), "desiredNumberScheduled": len(nodes),
                      "numberMisscheduled": 0, "numberReady": ready, "observedGeneration": md.get("generation", 1)}
            if upd:
                status["updatedNumberScheduled"] = upd
            if ready:
                status["numberAvailable"] = ready
            if len(nodes) - ready > 0:
                status["numberUnavailable"] = len(nodes) - ready
            self.write_status(GR_DS, ds, status, "kube-controller-manager")
