"""nodes: the configured hollow nodes (`nodes` key), created at start and kept in line with the config."""

import hashlib

from .. import util

SYSTEM_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure")


class Nodes:
    def node_specs(self):
        nodes = self.s.cfg("nodes")
        if nodes is None:
            nodes = [{"name": "hollow-node-0", "labels": {"nvidia.com/gpu.present": "true"},
                      "capacity": {"nvidia.com/gpu": "4"}},
                     {"name": "hollow-node-1"}, {"name": "hollow-node-2"}]
        out = []
        for i, n in enumerate(nodes):
            if isinstance(n, str):
                n = {"name": n}
            out.append(dict(n, _index=i))
        return out

    def node_object(self, n):
        name = n["name"]
        i = n["_index"]
        cap = {"cpu": "8", "ephemeral-storage": "100Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
               "memory": "32Gi", "pods": "110"}
        cap.update({k: str(v) for k, v in (n.get("capacity") or {}).items()})
        alloc = dict(cap)
        alloc.update({k: str(v) for k, v in (n.get("allocatable") or {}).items()})
        labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
        labels.update(n.get("labels") or {})
        ready = n.get("ready", True)
        now = util.now_ts()
        conds = [{"type": t, "status": "False", "lastHeartbeatTime": now, "lastTransitionTime": now,
                  "reason": "Kubelet" + {"MemoryPressure": "HasSufficientMemory", "DiskPressure": "HasNoDiskPressure",
                                         "PIDPressure": "HasSufficientPID"}[t],
                  "message": "kubelet has " + {"MemoryPressure": "sufficient memory available",
                                               "DiskPressure": "no disk pressure",
                                               "PIDPressure": "sufficient PID available"}[t]}
                 for t in SYSTEM_CONDITIONS]
        conds.append({"type": "Ready", "status": "True" if ready else "False", "lastHeartbeatTime": now,
                      "lastTransitionTime": now, "reason": "KubeletReady" if ready else "KubeletNotReady",
                      "message": "kubelet is posting ready status" if ready else "container runtime is down"})
        ver = self.s.cfg("version")
        spec = {"podCIDR": "10.244.%d.0/24" % i, "podCIDRs": ["10.244.%d.0/24" % i]}
        if n.get("taints"):
            spec["taints"] = n["taints"]
        if n.get("unschedulable"):
            spec["unschedulable"] = True
        return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels,
                                                                 "annotations": n.get("annotations") or {
                                                                     "node.alpha.kubernetes.io/ttl": "0"}},
                "spec": spec,
                "status": {"capacity": cap, "allocatable": alloc, "conditions": conds,
                           # Loopback node addresses: a test that finds a NodePort through them must stay on this machine.
                           "addresses": [{"type": "InternalIP", "address": "127.0.0.%d" % (i + 10)},
                                         {"type": "Hostname", "address": name}],
                           "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                           "nodeInfo": {"machineID": hashlib.md5(name.encode()).hexdigest(),
                                        "systemUUID": util.new_uid(), "bootID": util.new_uid(),
                                        "kernelVersion": "6.1.0-fake", "osImage": "Debian GNU/Linux 12 (bookworm)",
                                        "containerRuntimeVersion": "containerd://1.7.22", "kubeletVersion": ver,
                                        "kubeProxyVersion": ver, "operatingSystem": "linux",
                                        "architecture": "amd64"}}}

    def sync_nodes(self):
        with self.s.store.lock:
            specs = self.node_specs()
            want = {n["name"]: n for n in specs}
            for name, node in list(self.s.store.bucket(("", "nodes")).items()):
                if name not in want and (node["metadata"].get("labels") or {}).get("fake.servestack.dev/node") != "manual":
                    self.delete(("", "nodes"), node, {"gracePeriodSeconds": 0})
            for name, n in want.items():
                cur = self.s.store.get(("", "nodes"), name)
                obj = self.node_object(n)
                if cur is None:
                    st = obj.pop("status")
                    o, err = self.create(("", "nodes"), obj, "kubelet")
                    if o is not None:
                        self.write_status(("", "nodes"), o, st, "kubelet")
                else:
                    new = util.deep(cur)
                    new["metadata"]["labels"] = obj["metadata"]["labels"]
                    new["spec"] = obj["spec"]
                    if new != cur:
                        cur, _ = self.write(("", "nodes"), cur, new, "kubelet")
                    if cur is not None:
                        st = util.deep(cur.get("status") or {})
                        st["capacity"] = obj["status"]["capacity"]
                        st["allocatable"] = obj["status"]["allocatable"]
                        for c in st.get("conditions") or []:
                            if c["type"] == "Ready":
                                want_s = "True" if n.get("ready", True) else "False"
                                if c["status"] != want_s:
                                    c["status"] = want_s
                                    c["lastTransitionTime"] = util.now_ts()
                                    c["reason"] = "KubeletReady" if want_s == "True" else "KubeletNotReady"
                        self.write_status(("", "nodes"), cur, st, "kubelet")
