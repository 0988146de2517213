"""The simulation loop: one background thread runs every controller in turn, whenever something changed
or a timer is due.
"""

import threading
import time

from .base import SimBase
from .nodes import Nodes
from .bootstrap import Bootstrap
from .crds import Crds
from .namespaces import Namespaces
from .tokensecrets import TokenSecrets
from .aggregation import Aggregation
from .workloads import Workloads
from .deployments import Deployments
from .replicasets import ReplicaSets
from .statefulsets import StatefulSets
from .daemonsets import DaemonSets
from .jobs import Jobs
from .scheduler import Scheduler
from .kubelet import Kubelet
from .endpoints import Endpoints
from .hpas import Hpas
from .pdbs import Pdbs
from .services import Services
from .pvcs import Pvcs
from .certmanager import CertManager
from .cainjection import CaInjection
from .knative import KnativeRules
from .gc import GarbageCollector


class Sim(SimBase,
          Nodes,
          Bootstrap,
          Crds,
          Namespaces,
          TokenSecrets,
          Aggregation,
          Workloads,
          Deployments,
          ReplicaSets,
          StatefulSets,
          DaemonSets,
          Jobs,
          Scheduler,
          Kubelet,
          Endpoints,
          Hpas,
          Pdbs,
          Services,
          Pvcs,
          CertManager,
          CaInjection,
          KnativeRules,
          GarbageCollector):
    """Every simulated controller, run in turn by one background thread."""

    def start(self):
        self.thread = threading.Thread(target=self.run, name="controllers", daemon=True)
        self.thread.start()

    def run(self):
        st = self.s.store
        while not self.s.stopping.is_set():
            interval = float(self.s.cfg("controllerIntervalSeconds") or 0.05)
            try:
                now = time.time()
                if st.rv != self.last_rv or now >= self.next_due:
                    self.next_due = now + 1.0
                    self.last_rv = st.rv
                    self.reconcile()
            except Exception:  # keep simulating even if one pass hits a bug
                import traceback
                traceback.print_exc()
                time.sleep(0.5)
            time.sleep(interval)

    def reconcile(self):
        now = time.time()
        st = self.s.store
        steps = [self.crds, self.namespaces, self.token_secrets, self.aggregation, self.deployments,
                 self.replicasets, self.statefulsets, self.daemonsets, self.jobs, self.scheduler, self.kubelet,
                 self.endpoints, self.hpas, self.pdbs, self.services, self.pvcs]
        if self.s.cfg("certManager"):
            steps.append(self.cert_manager)
        steps.append(self.ca_injection)
        if self.s.cfg("knativeWebhookRules"):
            steps.append(self.knative_rules)
        if now - self.last_gc > 0.1:
            self.last_gc = now
            steps.append(self.gc)
        for step in steps:
            with st.lock:
                if step.__code__.co_argcount == 2:
                    step(now)
                else:
                    step()
            time.sleep(0)
