"""service-loadbalancer: LoadBalancer Services get `loadBalancerIngressIP` (only when it is configured)."""

from .common import GR_SVC


class Services:
    def services(self):
        ip = self.s.cfg("loadBalancerIngressIP")
        if not ip:
            return
        for key, svc in list(self.s.store.bucket(GR_SVC).items()):
            if (svc.get("spec") or {}).get("type") != "LoadBalancer":
                continue
            want = {"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}
            self.write_status(GR_SVC, svc, want, "service-controller")
