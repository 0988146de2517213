"""replicaset: pods up or down to spec.replicas; creation failures become ReplicaFailure."""

from .. import util
from .common import GR_POD, GR_RS, cond_true, set_cond


class ReplicaSets:
    def replicasets(self, now):
        st = self.s.store
        rrs = self.s.registry.any_version(*GR_RS)
        for key, rs in list(st.bucket(GR_RS).items()):
            md = rs["metadata"]
            if md.get("deletionTimestamp"):
                continue
            spec = rs.get("spec") or {}
            want = int(spec.get("replicas", 1))
            pods = [p for p in self.owned(GR_POD, rs) if not p["metadata"].get("deletionTimestamp")]
            fail_msg = None
            if len(pods) < want:
                for _ in range(want - len(pods)):
                    pod = self._make_pod(rs, rrs, spec.get("template"), "%s-%s" % (md["name"], util.rand_suffix()))
                    p, err = self._create_pod(rs, GR_RS, pod, "replicaset-controller")
                    if p is None:
                        if err != "backoff":
                            fail_msg = err
                        break
                    pods.append(p)
            elif len(pods) > want:
                extra = sorted(pods, key=lambda p: (cond_true(p, "Ready"), p["metadata"]["creationTimestamp"]))
                for p in extra[:len(pods) - want]:
                    self.delete(GR_POD, p)
                    self.event(rs, "SuccessfulDelete", "Deleted pod: %s" % p["metadata"]["name"],
                               component="replicaset-controller")
                pods = extra[len(pods) - want:]
            ready = self._pod_counts(pods)
            old = rs.get("status") or {}
            status = {"replicas": len(pods), "observedGeneration": md.get("generation", 1)}
            if pods:
                status["fullyLabeledReplicas"] = len(pods)
            if ready:
                status["readyReplicas"] = ready
                status["availableReplicas"] = ready
            conds = old.get("conditions") or []
            if fail_msg:
                conds = set_cond(conds, "ReplicaFailure", "True", "FailedCreate", fail_msg, util.now_ts())
            elif len(pods) >= want:
                conds = [c for c in conds if c.get("type") != "ReplicaFailure"]
            if conds:
                status["conditions"] = conds
            self.write_status(GR_RS, rs, status, "kube-controller-manager")
