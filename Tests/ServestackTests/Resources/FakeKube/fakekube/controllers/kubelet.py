"""kubelet: scheduled pods become Running/Ready after `workloadReadyDelaySeconds`, or stay in the configured
failure (missing volume, neverReady, crashLoop); Job pods succeed; deleted pods go after their grace.
"""

import hashlib

from .. import util
from .common import GR_POD, controller_ref, set_cond


class Kubelet:
    def _missing_volumes(self, pod):
        st = self.s.store
        ns = pod["metadata"]["namespace"]
        for v in (pod.get("spec") or {}).get("volumes") or []:
            if "secret" in v:
                sec = v["secret"] or {}
                if not sec.get("optional") and st.get(("", "secrets"), "%s/%s" % (ns, sec.get("secretName"))) is None:
                    return v.get("name"), 'secret "%s" not found' % sec.get("secretName")
            if "configMap" in v:
                cm = v["configMap"] or {}
                if not cm.get("optional") and st.get(("", "configmaps"), "%s/%s" % (ns, cm.get("name"))) is None:
                    return v.get("name"), 'configmap "%s" not found' % cm.get("name")
        return None

    def _pod_ip(self, node):
        idx = 0
        for n in self.node_specs():
            if n["name"] == node:
                idx = n["_index"]
        c = self.pod_ip_next.get(node, 2)
        self.pod_ip_next[node] = c + 1
        return "10.244.%d.%d" % (idx, (c % 250) + 2)

    def kubelet(self, now):
        st = self.s.store
        delay = float(self.s.cfg("workloadReadyDelaySeconds") or 0)
        term = float(self.s.cfg("podTerminationSeconds") or 0)
        for key, p in list(st.bucket(GR_POD).items()):
            md = p["metadata"]
            uid = md["uid"]
            spec = p.get("spec") or {}
            if md.get("deletionTimestamp"):
                t0 = self.pod_term.setdefault(uid, now)
                if now - t0 >= term or not spec.get("nodeName"):
                    if not md.get("finalizers"):
                        self.finalize(GR_POD, p)
                        self.pod_term.pop(uid, None)
                        self.pod_ready_at.pop(uid, None)
                        self.pod_seen.pop(uid, None)
                else:
                    self.due(t0 + term)
                continue
            node = spec.get("nodeName")
            if not node:
                continue
            status = util.deep(p.get("status") or {})
            if status.get("phase") in ("Succeeded", "Failed"):
                continue
            seen = self.pod_seen.setdefault(uid, now)
            nowts = util.now_ts()
            containers = spec.get("containers") or []
            if not status.get("hostIP"):
                status["hostIP"] = "127.0.0.%d" % (10 + next((n["_index"] for n in self.node_specs()
                                                             if n["name"] == node), 0))
                status["hostIPs"] = [{"ip": status["hostIP"]}]
                status["startTime"] = nowts
            conds = status.get("conditions") or []
            conds = set_cond(conds, "PodScheduled", "True", None, None, nowts, {"lastProbeTime": None})
            for c in conds:
                if c["type"] == "PodScheduled":
                    c.pop("reason", None)
                    c.pop("message", None)
            if self.s.cfg("secretVolumeGate"):
                miss = self._missing_volumes(p)
            else:
                miss = None
            if miss is not None:
                status["phase"] = "Pending"
                status["containerStatuses"] = [{"name": c.get("name"), "image": c.get("image"), "imageID": "",
                                                "ready": False, "restartCount": 0, "started": False,
                                                "state": {"waiting": {"reason": "ContainerCreating"}},
                                                "lastState": {}} for c in containers]
                conds = set_cond(conds, "Ready", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % " ".join(c.get("name", "") for c in containers),
                                 nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "ContainersReady", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % " ".join(c.get("name", "") for c in containers),
                                 nowts, {"lastProbeTime": None})
                status["conditions"] = conds
                self.write_status(GR_POD, p, status, "kubelet")
                self.event(p, "FailedMount", 'MountVolume.SetUp failed for volume "%s" : %s' % miss, "Warning")
                self.pod_gate_clear.pop(uid, None)
                continue
            gate = self.pod_gate_clear.setdefault(uid, now)
            ready_at = max(seen + delay, gate + min(delay, 0.1))
            if now < ready_at:
                self.due(ready_at)
                if "containerStatuses" not in status:
                    status["phase"] = "Pending"
                    status["containerStatuses"] = [{"name": c.get("name"), "image": c.get("image"), "imageID": "",
                                                    "ready": False, "restartCount": 0, "started": False,
                                                    "state": {"waiting": {"reason": "ContainerCreating"}},
                                                    "lastState": {}} for c in containers]
                    status["conditions"] = set_cond(conds, "Ready", "False", "ContainersNotReady",
                                                    "containers with unready status: [%s]" % " ".join(
                                                        c.get("name", "") for c in containers), nowts,
                                                    {"lastProbeTime": None})
                    self.write_status(GR_POD, p, status, "kubelet")
                continue
            if not status.get("podIP"):
                ip = self._pod_ip(node)
                status["podIP"] = ip
                status["podIPs"] = [{"ip": ip}]
            names = " ".join(c.get("name", "") for c in containers)
            if self.failing(p, "neverReady"):
                status["phase"] = "Pending"
                css = []
                for c in containers:
                    css.append({"name": c.get("name"), "image": c.get("image"), "imageID": "", "ready": False,
                                "restartCount": 0, "started": False, "lastState": {},
                                "state": {"waiting": {"reason": "ImagePullBackOff",
                                                      "message": 'Back-off pulling image "%s"' % c.get("image")}}})
                    self.event(p, "Pulling", 'Pulling image "%s"' % c.get("image"), component="kubelet")
                    self.event(p, "Failed", 'Failed to pull image "%s": rpc error: code = NotFound desc = failed to '
                               'pull and unpack image "%s": failed to resolve reference "%s": not found'
                               % (c.get("image"), c.get("image"), c.get("image")), "Warning")
                    self.event(p, "Failed", "Error: ErrImagePull", "Warning")
                    self.event(p, "BackOff", 'Back-off pulling image "%s"' % c.get("image"), "Normal")
                status["containerStatuses"] = css
                conds = set_cond(conds, "Initialized", "True", None, None, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "Ready", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % names, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "ContainersReady", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % names, nowts, {"lastProbeTime": None})
                status["conditions"] = self._clean_conds(conds)
                self.write_status(GR_POD, p, status, "kubelet")
                continue
            if self.failing(p, "crashLoop"):
                status["phase"] = "Running"
                css = []
                old_css = {c.get("name"): c for c in (p.get("status") or {}).get("containerStatuses") or []}
                bump = now - self.pod_ready_at.get(uid, 0) >= 2.0
                if bump:
                    self.pod_ready_at[uid] = now
                self.due(now + 2.0)
                for c in containers:
                    oc = old_css.get(c.get("name")) or {}
                    rc = int(oc.get("restartCount", 0)) + (1 if bump else 0)
                    css.append({"name": c.get("name"), "image": c.get("image"),
                                "imageID": "docker.io/%s@sha256:%s" % (c.get("image"), hashlib.sha256(
                                    str(c.get("image")).encode()).hexdigest()),
                                "containerID": "containerd://" + hashlib.sha256((uid + c.get("name", "")).encode())
                                .hexdigest(), "ready": False, "started": False, "restartCount": rc,
                                "state": {"waiting": {"reason": "CrashLoopBackOff",
                                                      "message": "back-off %ds restarting failed container=%s pod=%s_%s(%s)"
                                                                 % (min(300, 10 * 2 ** min(rc, 5)), c.get("name"),
                                                                    md["name"], md["namespace"], uid)}},
                                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": nowts,
                                                             "finishedAt": nowts,
                                                             "containerID": "containerd://" + hashlib.sha256(
                                                                 (uid + c.get("name", "")).encode()).hexdigest()}}})
                    self.event(p, "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)" % (
                        c.get("name"), md["name"], md["namespace"], uid), "Warning", once=False)
                status["containerStatuses"] = css
                conds = set_cond(conds, "Initialized", "True", None, None, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "Ready", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % names, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "ContainersReady", "False", "ContainersNotReady",
                                 "containers with unready status: [%s]" % names, nowts, {"lastProbeTime": None})
                status["conditions"] = self._clean_conds(conds)
                self.write_status(GR_POD, p, status, "kubelet")
                continue
            job_pod = (controller_ref(p) or {}).get("kind") == "Job" or spec.get("restartPolicy") in (
                "Never", "OnFailure") and (controller_ref(p) or {}).get("kind") != "ReplicaSet"
            css = []
            for c in containers:
                cid = "containerd://" + hashlib.sha256((uid + c.get("name", "")).encode()).hexdigest()
                cs = {"name": c.get("name"), "image": c.get("image"),
                      "imageID": "docker.io/%s@sha256:%s" % (c.get("image"), hashlib.sha256(
                          str(c.get("image")).encode()).hexdigest()),
                      "containerID": cid, "lastState": {}, "restartCount": 0}
                if job_pod:
                    cs.update({"ready": False, "started": False,
                               "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": nowts,
                                                        "finishedAt": nowts, "containerID": cid}}})
                else:
                    cs.update({"ready": True, "started": True, "state": {"running": {"startedAt": nowts}}})
                old_cs = next((o for o in (p.get("status") or {}).get("containerStatuses") or []
                               if o.get("name") == c.get("name") and o.get("ready") == cs["ready"]
                               and "running" in (o.get("state") or {})), None)
                if old_cs is not None and not job_pod:
                    cs = old_cs
                css.append(cs)
            status["containerStatuses"] = css
            conds = set_cond(conds, "PodReadyToStartContainers", "True", None, None, nowts, {"lastProbeTime": None})
            conds = set_cond(conds, "Initialized", "True", None, None, nowts, {"lastProbeTime": None})
            if job_pod:
                status["phase"] = "Succeeded"
                conds = set_cond(conds, "Ready", "False", "PodCompleted", None, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "ContainersReady", "False", "PodCompleted", None, nowts,
                                 {"lastProbeTime": None})
            else:
                status["phase"] = "Running"
                conds = set_cond(conds, "Ready", "True", None, None, nowts, {"lastProbeTime": None})
                conds = set_cond(conds, "ContainersReady", "True", None, None, nowts, {"lastProbeTime": None})
            status["conditions"] = self._clean_conds(conds)
            before = p.get("status") or {}
            if before.get("phase") != status["phase"] and not job_pod:
                for c in containers:
                    self.event(p, "Pulled", 'Container image "%s" already present on machine' % c.get("image"))
                    self.event(p, "Created", "Created container %s" % c.get("name"))
                    self.event(p, "Started", "Started container %s" % c.get("name"))
            p2, _ = self.write_status(GR_POD, p, status, "kubelet")
            if p2 is not None and not job_pod and uid not in self.pod_ready_at:
                self.pod_ready_at[uid] = now

    def _clean_conds(self, conds):
        order = {"PodReadyToStartContainers": 0, "Initialized": 1, "Ready": 2, "ContainersReady": 3,
                 "PodScheduled": 4}
        out = []
        for c in conds:
            c = dict(c)
            if c.get("reason") is None:
                c.pop("reason", None)
            if c.get("message") is None:
                c.pop("message", None)
            out.append(c)
        out.sort(key=lambda c: order.get(c.get("type"), 9))
        return out
