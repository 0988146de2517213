"""pdb: healthy/desired/expected pods and disruptionsAllowed."""

from .. import util
from .common import GR_POD, cond_true, int_or_pct, set_cond


class Pdbs:
    def pdbs(self):
        st = self.s.store
        pods = list(st.bucket(GR_POD).values())
        for key, pdb in list(st.bucket(("policy", "poddisruptionbudgets")).items()):
            spec = pdb.get("spec") or {}
            ns = pdb["metadata"]["namespace"]
            sel = spec.get("selector")
            matching = [p for p in pods if p["metadata"].get("namespace") == ns and sel is not None and
                        util.selector_match(sel, p["metadata"].get("labels")) and
                        not p["metadata"].get("deletionTimestamp")]
            healthy = sum(1 for p in matching if cond_true(p, "Ready"))
            expected = len(matching)
            if "minAvailable" in spec:
                desired = int_or_pct(spec["minAvailable"], expected, True)
            elif "maxUnavailable" in spec:
                desired = max(0, expected - int_or_pct(spec["maxUnavailable"], expected, True))
            else:
                desired = expected
            allowed = max(0, healthy - desired)
            nowts = util.now_ts()
            conds = set_cond((pdb.get("status") or {}).get("conditions"), "DisruptionAllowed",
                             "True" if allowed > 0 else "False",
                             "SufficientPods" if allowed > 0 else "InsufficientPods", "", nowts,
                             {"observedGeneration": pdb["metadata"].get("generation", 1)})
            status = {"observedGeneration": pdb["metadata"].get("generation", 1), "disruptionsAllowed": allowed,
                      "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected,
                      "conditions": conds}
            self.write_status(("policy", "poddisruptionbudgets"), pdb, status, "kube-controller-manager")
