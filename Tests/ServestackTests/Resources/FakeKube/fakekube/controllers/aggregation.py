"""clusterrole-aggregation: ClusterRoles with an aggregationRule collect the rules of the roles it selects."""

from .. import util
from .common import RBAC


class Aggregation:
    def aggregation(self):
        st = self.s.store
        crs = st.bucket((RBAC, "clusterroles"))
        for name, cr in list(crs.items()):
            agg = cr.get("aggregationRule")
            if not agg:
                continue
            rules = []
            for other_name in sorted(crs):
                other = crs[other_name]
                if other_name == name:
                    continue
                labels = other["metadata"].get("labels") or {}
                if any(util.selector_match(sel, labels) for sel in agg.get("clusterRoleSelectors") or []):
                    for rule in other.get("rules") or []:
                        if rule not in rules:
                            rules.append(rule)
            if (cr.get("rules") or []) != rules:
                new = util.deep(cr)
                new["rules"] = rules
                self.write((RBAC, "clusterroles"), cr, new, "clusterrole-aggregation-controller")
