"""Simulated cluster components, run by one background thread (`Sim`, in sim.py).

One module per simulated controller (see README "Simulated controllers"): nodes, bootstrap (apiservices),
crds, namespaces (namespace-lifecycle, serviceaccount, root-ca-publisher), tokensecrets, aggregation,
deployments, replicasets, statefulsets, daemonsets, jobs (sharing workloads), scheduler, kubelet, endpoints
(+ endpointslices), hpas, pdbs, services (load balancers), pvcs, certmanager, cainjection, knative, gc.
Each is a mixin of `Sim`; base.py holds the shared state and the internal writes, common.py the helpers.
Every write goes through the same API pipeline as client requests (admission webhooks included), and only
when something actually changes.
"""

from .sim import Sim

__all__ = ["Sim"]
