"""scheduler: nodeSelector, required node affinity and extended resources (`nvidia.com/gpu`) against node
allocatable; otherwise Unschedulable with a real-style message and a FailedScheduling event.
"""

from .. import util
from .common import GR_POD, cond_true, quantity, set_cond


class Scheduler:
    def _requests(self, ps):
        req = {}
        for c in (ps or {}).get("containers") or []:
            res = c.get("resources") or {}
            for k, v in list((res.get("requests") or {}).items()) + [
                    (k, v) for k, v in (res.get("limits") or {}).items() if k not in (res.get("requests") or {})]:
                if "/" in k:
                    req[k] = req.get(k, 0.0) + quantity(v)
        return req

    def scheduler(self, now):
        st = self.s.store
        pods = list(st.bucket(GR_POD).values())
        used = {}
        for p in pods:
            n = (p.get("spec") or {}).get("nodeName")
            if n and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                for k, v in self._requests(p.get("spec")).items():
                    used[(n, k)] = used.get((n, k), 0.0) + v
        nodes_all = list(st.bucket(("", "nodes")).values())
        total = len(nodes_all)
        per_node = {}
        for q in pods:
            n = (q.get("spec") or {}).get("nodeName")
            if n:
                per_node[n] = per_node.get(n, 0) + 1
        for p in pods:
            spec = p.get("spec") or {}
            if spec.get("nodeName") or p["metadata"].get("deletionTimestamp"):
                continue
            if (spec.get("schedulerName") or "default-scheduler") != "default-scheduler":
                continue
            nowts = util.now_ts()
            if self.failing(p, "unschedulable"):
                msg = "0/%d nodes are available: %d Insufficient nvidia.com/gpu." % (total, total)
                self._unschedulable(p, msg, nowts)
                continue
            reqs = self._requests(spec)
            reasons = {}
            chosen = None
            cands = []
            for n in sorted(nodes_all, key=lambda n: n["metadata"]["name"]):
                name = n["metadata"]["name"]
                labels = n["metadata"].get("labels") or {}
                if not cond_true(n, "Ready"):
                    reasons["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"] = reasons.get(
                        "node(s) had untolerated taint {node.kubernetes.io/not-ready: }", 0) + 1
                    continue
                if (n.get("spec") or {}).get("unschedulable"):
                    reasons["node(s) were unschedulable"] = reasons.get("node(s) were unschedulable", 0) + 1
                    continue
                if not util.map_selector_match(spec.get("nodeSelector"), labels) or not self._affinity_ok(spec, labels):
                    k = "node(s) didn't match Pod's node affinity/selector"
                    reasons[k] = reasons.get(k, 0) + 1
                    continue
                alloc = (n.get("status") or {}).get("allocatable") or {}
                short = [k for k, v in reqs.items() if quantity(alloc.get(k, 0)) - used.get((name, k), 0.0) < v]
                if short:
                    for k in short:
                        rk = "Insufficient %s" % k
                        reasons[rk] = reasons.get(rk, 0) + 1
                    continue
                cands.append((per_node.get(name, 0), name))
            if cands:
                chosen = sorted(cands)[0][1]
            if chosen is None:
                msg = "0/%d nodes are available: %s." % (total, ", ".join(
                    "%d %s" % (n, k) for k, n in sorted(reasons.items())))
                if total == 0:
                    msg = "no nodes available to schedule pods"
                self._unschedulable(p, msg, nowts)
                continue
            new = util.deep(p)
            new["spec"]["nodeName"] = chosen
            p2, err = self.write(GR_POD, p, new, "kube-scheduler")
            if p2 is None:
                continue
            per_node[chosen] = per_node.get(chosen, 0) + 1
            for k, v in reqs.items():
                used[(chosen, k)] = used.get((chosen, k), 0.0) + v
            status = util.deep(p2.get("status") or {})
            status["phase"] = "Pending"
            status["conditions"] = set_cond(status.get("conditions"), "PodScheduled", "True", None, None, nowts,
                                            {"lastProbeTime": None})
            for c in status["conditions"]:
                if c.get("type") == "PodScheduled":
                    c.pop("reason", None)
                    c.pop("message", None)
            status.setdefault("qosClass", "BestEffort")
            self.write_status(GR_POD, p2, status, "kube-scheduler")
            self.event(p2, "Scheduled", "Successfully assigned %s/%s to %s" % (
                p2["metadata"]["namespace"], p2["metadata"]["name"], chosen), component="default-scheduler")

    def _unschedulable(self, p, msg, nowts):
        status = util.deep(p.get("status") or {})
        status["phase"] = "Pending"
        status["conditions"] = set_cond(status.get("conditions"), "PodScheduled", "False", "Unschedulable", msg,
                                        nowts, {"lastProbeTime": None})
        status.setdefault("qosClass", "BestEffort")
        self.write_status(GR_POD, p, status, "kube-scheduler")
        self.event(p, "FailedScheduling", msg, "Warning", component="default-scheduler")

    def eligible_nodes(self, pod_spec):
        out = []
        for name, n in sorted(self.s.store.bucket(("", "nodes")).items()):
            labels = n["metadata"].get("labels") or {}
            if not util.map_selector_match((pod_spec or {}).get("nodeSelector"), labels):
                continue
            if not self._affinity_ok(pod_spec, labels):
                continue
            out.append(n)
        return out

    def _affinity_ok(self, ps, labels):
        na = (((ps or {}).get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution")
        if not na:
            return True
        for term in na.get("nodeSelectorTerms") or []:
            ok = True
            for e in term.get("matchExpressions") or []:
                k, op, vals = e.get("key"), e.get("operator"), e.get("values") or []
                v = labels.get(k)
                if op == "In" and v not in vals or op == "NotIn" and v in vals or \
                        op == "Exists" and k not in labels or op == "DoesNotExist" and k in labels:
                    ok = False
                    break
            if ok:
                return True
        return False
