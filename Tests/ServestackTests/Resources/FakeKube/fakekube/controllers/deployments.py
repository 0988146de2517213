"""deployment: a ReplicaSet per template hash, rollouts (RollingUpdate/Recreate), and the status and
conditions (Available, Progressing with the progress deadline, ReplicaFailure).
"""

from .. import util
from .common import GR_DEPLOY, GR_RS, get_cond, int_or_pct, owner_ref, set_cond


class Deployments:
    def deployments(self, now):
        st = self.s.store
        rdep = self.s.registry.any_version(*GR_DEPLOY)
        for key, d in list(st.bucket(GR_DEPLOY).items()):
            md = d["metadata"]
            if md.get("deletionTimestamp"):
                continue
            spec = d.get("spec") or {}
            replicas = int(spec.get("replicas", 1))
            h = self.template_hash(d, spec.get("template"))
            rs_name = "%s-%s" % (md["name"], h)
            ns = md["namespace"]
            rss = self.owned(GR_RS, d)
            new_rs = next((r for r in rss if r["metadata"]["name"] == rs_name), None)
            revs = [int((r["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", "0") or 0)
                    for r in rss]
            gen = md.get("generation", 1)
            prog = self.progress.get(md["uid"])
            if prog is None or prog[0] != gen:
                prog = (gen, now, util.now_ts())
                self.progress[md["uid"]] = prog
            if new_rs is None:
                tmpl = util.deep(spec.get("template") or {})
                tmpl.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = h
                sel = util.deep(spec.get("selector") or {})
                sel.setdefault("matchLabels", {})["pod-template-hash"] = h
                rev = (max(revs) + 1) if revs else 1
                rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                      "metadata": {"name": rs_name, "namespace": ns,
                                   "labels": dict(tmpl["metadata"]["labels"]),
                                   "annotations": {"deployment.kubernetes.io/desired-replicas": str(replicas),
                                                   "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                                                   "deployment.kubernetes.io/revision": str(rev)},
                                   "ownerReferences": [owner_ref(d, rdep)]},
                      "spec": {"replicas": replicas, "selector": sel, "template": tmpl}}
                if spec.get("minReadySeconds"):
                    rs["spec"]["minReadySeconds"] = spec["minReadySeconds"]
                new_rs, err = self.create(GR_RS, rs, "kube-controller-manager")
                if new_rs is not None:
                    self.event(d, "ScalingReplicaSet", "Scaled up replica set %s to %d" % (rs_name, replicas),
                               component="deployment-controller")
                continue
            old_rss = [r for r in rss if r is not new_rs]
            # scale the new RS; retire old ones once the new one is fully available (Recreate: at once)
            nrs_spec = new_rs.get("spec") or {}
            if int(nrs_spec.get("replicas", 0)) != replicas:
                n2 = util.deep(new_rs)
                n2["spec"]["replicas"] = replicas
                n2["metadata"].setdefault("annotations", {})["deployment.kubernetes.io/desired-replicas"] = str(replicas)
                new_rs, _ = self.write(GR_RS, new_rs, n2, "kube-controller-manager")
                if new_rs is None:
                    continue
            nst = new_rs.get("status") or {}
            new_avail = int(nst.get("availableReplicas", 0))
            recreate = (spec.get("strategy") or {}).get("type") == "Recreate"
            for o in old_rss:
                if int((o.get("spec") or {}).get("replicas", 0)) != 0 and (recreate or new_avail >= replicas):
                    o2 = util.deep(o)
                    o2["spec"]["replicas"] = 0
                    self.write(GR_RS, o, o2, "kube-controller-manager")
                    self.event(d, "ScalingReplicaSet", "Scaled down replica set %s to 0 from %d" % (
                        o["metadata"]["name"], int((o.get("spec") or {}).get("replicas", 0))),
                        component="deployment-controller")
            all_rs = [new_rs] + old_rss
            tot = sum(int((r.get("status") or {}).get("replicas", 0)) for r in all_rs)
            ready = sum(int((r.get("status") or {}).get("readyReplicas", 0)) for r in all_rs)
            avail = sum(int((r.get("status") or {}).get("availableReplicas", 0)) for r in all_rs)
            updated = int(nst.get("replicas", 0))
            ru = (spec.get("strategy") or {}).get("rollingUpdate") or {}
            max_unavail = 0 if recreate else int_or_pct(ru.get("maxUnavailable", "25%"), replicas, False)
            status = {"observedGeneration": gen}
            if tot:
                status["replicas"] = tot
            if updated:
                status["updatedReplicas"] = updated
            if ready:
                status["readyReplicas"] = ready
            if avail:
                status["availableReplicas"] = avail
            if max(0, replicas - avail) or tot > avail:
                status["unavailableReplicas"] = max(replicas - avail, tot - avail, 0)
            old_status = d.get("status") or {}
            conds = old_status.get("conditions") or []
            nowts = util.now_ts()
            ex = {"lastUpdateTime": nowts}
            if avail >= replicas - max_unavail:
                conds = set_cond(conds, "Available", "True", "MinimumReplicasAvailable",
                                 "Deployment has minimum availability.", nowts, ex)
            else:
                conds = set_cond(conds, "Available", "False", "MinimumReplicasUnavailable",
                                 "Deployment does not have minimum availability.", nowts, ex)
            rsn = new_rs["metadata"]["name"]
            done = updated == replicas and avail == replicas and tot == replicas and int(
                nst.get("availableReplicas", 0)) == replicas
            if done:
                conds = set_cond(conds, "Progressing", "True", "NewReplicaSetAvailable",
                                 'ReplicaSet "%s" has successfully progressed.' % rsn, nowts, ex)
            else:
                deadline = float(self.s.cfg("progressDeadlineSeconds") or 600)
                if now - prog[1] >= deadline:
                    conds = set_cond(conds, "Progressing", "False", "ProgressDeadlineExceeded",
                                     'ReplicaSet "%s" has timed out progressing.' % rsn, nowts, ex)
                else:
                    self.due(prog[1] + deadline)
                    pc = next((c for c in conds if c.get("type") == "Progressing"), None)
                    if pc is None or pc.get("reason") not in ("ReplicaSetUpdated", "NewReplicaSetCreated") or \
                            pc.get("status") != "True":
                        conds = set_cond(conds, "Progressing", "True", "ReplicaSetUpdated",
                                         'ReplicaSet "%s" is progressing.' % rsn, nowts, ex)
            rf = get_cond(new_rs, "ReplicaFailure")
            if rf and rf.get("status") == "True":
                conds = set_cond(conds, "ReplicaFailure", "True", rf.get("reason", "FailedCreate"),
                                 rf.get("message", ""), nowts, ex)
            else:
                conds = [c for c in conds if c.get("type") != "ReplicaFailure"]
            order = {"Available": 0, "Progressing": 1, "ReplicaFailure": 2}
            conds.sort(key=lambda c: order.get(c.get("type"), 9))
            status["conditions"] = conds
            if old_status.get("collisionCount"):
                status["collisionCount"] = old_status["collisionCount"]
            self.write_status(GR_DEPLOY, d, status, "kube-controller-manager")
