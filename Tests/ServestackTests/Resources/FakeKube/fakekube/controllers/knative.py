"""knative-webhook-rules: the empty rules of `config.webhook.*` configurations are filled once their webhook
runs, as Knative does.
"""

from .. import util
from .common import GR_VWC


class KnativeRules:
    def knative_rules(self):
        st = self.s.store
        for key, cfg in list(st.bucket(GR_VWC).items()):
            whs = cfg.get("webhooks") or []
            if not any(w.get("name", "").startswith("config.webhook.") and not w.get("rules") for w in whs):
                continue
            new = util.deep(cfg)
            changed = False
            for w in new.get("webhooks") or []:
                if not w.get("name", "").startswith("config.webhook.") or w.get("rules"):
                    continue
                s = (w.get("clientConfig") or {}).get("service") or {}
                if not self.s.webhooks.service_state(s.get("namespace"), s.get("name"))[1]:
                    continue
                w["rules"] = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                               "resources": ["configmaps/*"], "scope": "*"}]
                changed = True
            if changed:
                self.write(GR_VWC, cfg, new, "webhook")
