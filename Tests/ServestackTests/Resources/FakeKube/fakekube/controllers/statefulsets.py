"""statefulset: ordered pods `<name>-N` (OrderedReady waits for each to be Ready), replaced on a new revision."""

from .. import util
from .common import GR_POD, GR_STS, cond_true, set_cond


class StatefulSets:
    def statefulsets(self, now):
        st = self.s.store
        rsts = self.s.registry.any_version(*GR_STS)
        for key, ss in list(st.bucket(GR_STS).items()):
            md = ss["metadata"]
            if md.get("deletionTimestamp"):
                continue
            spec = ss.get("spec") or {}
            want = int(spec.get("replicas", 1))
            h = self.template_hash(ss, spec.get("template"))
            rev = "%s-%s" % (md["name"], h)
            pods = {p["metadata"]["name"]: p for p in self.owned(GR_POD, ss)}
            ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
            fail_msg = None
            for i in range(want):
                pname = "%s-%d" % (md["name"], i)
                p = pods.get(pname)
                if p is not None and (p["metadata"].get("labels") or {}).get("controller-revision-hash") != rev \
                        and not p["metadata"].get("deletionTimestamp"):
                    self.delete(GR_POD, p)
                    break
                if p is None:
                    pod = self._make_pod(ss, rsts, spec.get("template"), pname,
                                         {"controller-revision-hash": rev,
                                          "statefulset.kubernetes.io/pod-name": pname,
                                          "apps.kubernetes.io/pod-index": str(i)})
                    pod["spec"]["hostname"] = pname
                    if spec.get("serviceName"):
                        pod["spec"]["subdomain"] = spec["serviceName"]
                    p, err = self._create_pod(ss, GR_STS, pod, "statefulset-controller")
                    if p is None and err != "backoff":
                        fail_msg = err
                    break
                if ordered and not cond_true(p, "Ready"):
                    break
            for pname, p in pods.items():
                idx = pname.rsplit("-", 1)[-1]
                if idx.isdigit() and int(idx) >= want and not p["metadata"].get("deletionTimestamp"):
                    self.delete(GR_POD, p)
            live = [p for p in self.owned(GR_POD, ss) if not p["metadata"].get("deletionTimestamp")]
            ready = self._pod_counts(live)
            cur = sum(1 for p in live if (p["metadata"].get("labels") or {}).get("controller-revision-hash") == rev)
            status = {"observedGeneration": md.get("generation", 1), "replicas": len(live),
                      "currentRevision": rev, "updateRevision": rev, "collisionCount": 0}
            if ready:
                status["readyReplicas"] = ready
                status["availableReplicas"] = ready
            if cur:
                status["currentReplicas"] = cur
                status["updatedReplicas"] = cur
            status["availableReplicas"] = ready
            if fail_msg:
                status["conditions"] = set_cond((ss.get("status") or {}).get("conditions"), "ReplicaFailure",
                                                "True", "FailedCreate", fail_msg, util.now_ts())
            self.write_status(GR_STS, ss, status, "kube-controller-manager")
