"""hpa: scales the target to minReplicas; ScalingActive=False as without metrics-server."""

from .. import util
from .common import set_cond


class Hpas:
    def hpas(self):
        st = self.s.store
        for key, h in list(st.bucket(("autoscaling", "horizontalpodautoscalers")).items()):
            spec = h.get("spec") or {}
            ref = spec.get("scaleTargetRef") or {}
            ns = h["metadata"]["namespace"]
            tr = self.s.registry.by_group_kind((ref.get("apiVersion") or "apps/v1").split("/")[0]
                                               if "/" in (ref.get("apiVersion") or "apps/v1") else "",
                                               ref.get("kind", ""))
            target = st.get(tr.gr, "%s/%s" % (ns, ref.get("name"))) if tr else None
            nowts = util.now_ts()
            status = util.deep(h.get("status") or {})
            conds = status.get("conditions") or []
            if target is None:
                conds = set_cond(conds, "AbleToScale", "False", "FailedGetScale",
                                 'the HPA controller was unable to get the target\'s current scale: %s "%s" not found'
                                 % (util.qualified(tr.group if tr else "", tr.plural if tr else ref.get("kind", "")),
                                    ref.get("name")), nowts)
                status["conditions"] = conds
                self.write_status(("autoscaling", "horizontalpodautoscalers"), h, status, "kube-controller-manager")
                continue
            cur = int((target.get("spec") or {}).get("replicas", 1))
            mn = int(spec.get("minReplicas", 1))
            mx = int(spec.get("maxReplicas", mn))
            desired = min(max(cur, mn), mx)
            if desired != cur and not target["metadata"].get("deletionTimestamp"):
                new = util.deep(target)
                new["spec"]["replicas"] = desired
                target2, _ = self.write(tr.gr, target, new, "kube-controller-manager")
                self.event(h, "SuccessfulRescale", "New size: %d; reason: Current number of replicas below "
                                                   "Spec.MinReplicas" % desired,
                           component="horizontal-pod-autoscaler")
            status["currentReplicas"] = int((target.get("status") or {}).get("replicas", 0))
            status["desiredReplicas"] = desired
            conds = set_cond(conds, "AbleToScale", "True", "SucceededGetScale",
                             "the HPA controller was able to get the target's current scale", nowts)
            conds = set_cond(conds, "ScalingActive", "False", "FailedGetResourceMetric",
                             "the HPA was unable to compute the replica count: failed to get cpu utilization: unable "
                             "to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the "
                             "server could not find the requested resource (get pods.metrics.k8s.io)", nowts)
            status["conditions"] = conds
            self.write_status(("autoscaling", "horizontalpodautoscalers"), h, status, "kube-controller-manager")
