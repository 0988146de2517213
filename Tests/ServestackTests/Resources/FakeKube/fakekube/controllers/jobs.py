"""job: one pod; Complete when it succeeds, BackoffLimitExceeded when it crash-loops past the deadline."""

from .. import util
from .common import GR_JOB, GR_POD, cond_true, set_cond


class Jobs:
    def jobs(self, now):
        st = self.s.store
        rjob = self.s.registry.any_version(*GR_JOB)
        for key, job in list(st.bucket(GR_JOB).items()):
            md = job["metadata"]
            if md.get("deletionTimestamp"):
                continue
            spec = job.get("spec") or {}
            status = util.deep(job.get("status") or {})
            if cond_true(job, "Complete") or cond_true(job, "Failed") or spec.get("suspend"):
                continue
            pods = self.owned(GR_POD, job)
            status.setdefault("startTime", util.now_ts())
            if not pods:
                pod = self._make_pod(job, rjob, spec.get("template"), "%s-%s" % (md["name"], util.rand_suffix()))
                p, _ = self._create_pod(job, GR_JOB, pod, "job-controller")
                if p is not None:
                    pods = [p]
            succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
            failed = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Failed")
            active = sum(1 for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed"))
            nowts = util.now_ts()
            status["active"] = active
            status["ready"] = sum(1 for p in pods if cond_true(p, "Ready"))
            status["terminating"] = 0
            status["uncountedTerminatedPods"] = {}
            if not active:
                status.pop("active")
            if succeeded:
                status["succeeded"] = succeeded
            if failed:
                status["failed"] = failed
            completions = int(spec.get("completions", 1) or 1)
            if succeeded >= completions:
                conds = set_cond(status.get("conditions"), "SuccessCriteriaMet", "True", "CompletionsReached",
                                 "Reached expected number of succeeded pods", nowts,
                                 {"lastProbeTime": nowts})
                conds = set_cond(conds, "Complete", "True", "CompletionsReached",
                                 "Reached expected number of succeeded pods", nowts, {"lastProbeTime": nowts})
                status["conditions"] = conds
                status["completionTime"] = nowts
                status.pop("active", None)
                self.event(job, "Completed", "Job completed", component="job-controller")
            elif any(self.failing(p, "crashLoop") for p in pods):
                prog = self.progress.setdefault(md["uid"], (0, now, nowts))
                if now - prog[1] >= float(self.s.cfg("progressDeadlineSeconds") or 600):
                    conds = set_cond(status.get("conditions"), "FailureTarget", "True", "BackoffLimitExceeded",
                                     "Job has reached the specified backoff limit", nowts, {"lastProbeTime": nowts})
                    conds = set_cond(conds, "Failed", "True", "BackoffLimitExceeded",
                                     "Job has reached the specified backoff limit", nowts, {"lastProbeTime": nowts})
                    status["conditions"] = conds
                    status["failed"] = int(spec.get("backoffLimit", 6)) + 1
                    status.pop("active", None)
                    for p in pods:
                        self.delete(GR_POD, p)
                    self.event(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit",
                               "Warning", component="job-controller")
                else:
                    self.due(prog[1] + float(self.s.cfg("progressDeadlineSeconds") or 600))
            self.write_status(GR_JOB, job, status, "kube-controller-manager")
