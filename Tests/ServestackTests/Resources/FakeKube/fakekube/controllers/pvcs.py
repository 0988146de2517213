"""pv-provisioner: claims of an existing StorageClass get a PersistentVolume and are Bound."""

from .. import util


class Pvcs:
    def pvcs(self):
        st = self.s.store
        for key, pvc in list(st.bucket(("", "persistentvolumeclaims")).items()):
            if (pvc.get("status") or {}).get("phase") == "Bound" or pvc["metadata"].get("deletionTimestamp"):
                continue
            spec = pvc.get("spec") or {}
            sc_name = spec.get("storageClassName")
            sc = st.get(("storage.k8s.io", "storageclasses"), sc_name) if sc_name else None
            if sc is None:
                continue
            md = pvc["metadata"]
            pv_name = "pvc-%s" % md["uid"]
            size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
            if st.get(("", "persistentvolumes"), pv_name) is None:
                pv, _ = self.create(("", "persistentvolumes"), {
                    "apiVersion": "v1", "kind": "PersistentVolume",
                    "metadata": {"name": pv_name, "annotations": {"pv.kubernetes.io/provisioned-by": sc["provisioner"]}},
                    "spec": {"capacity": {"storage": size}, "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                             "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                             "storageClassName": sc_name, "volumeMode": spec.get("volumeMode", "Filesystem"),
                             "claimRef": {"kind": "PersistentVolumeClaim", "namespace": md["namespace"],
                                          "name": md["name"], "uid": md["uid"], "apiVersion": "v1"},
                             "csi": {"driver": sc["provisioner"], "volumeHandle": pv_name}}},
                    "persistentvolume-controller")
                if pv is not None:
                    self.write_status(("", "persistentvolumes"), pv, {"phase": "Bound"}, "persistentvolume-controller")
                    self.event(pvc, "ProvisioningSucceeded", "Successfully provisioned volume %s" % pv_name,
                               component=sc["provisioner"])
            new = util.deep(pvc)
            new["spec"]["volumeName"] = pv_name
            new["metadata"].setdefault("annotations", {})["pv.kubernetes.io/bind-completed"] = "yes"
            pvc2, _ = self.write(("", "persistentvolumeclaims"), pvc, new, "persistentvolume-controller")
            if pvc2 is not None:
                self.write_status(("", "persistentvolumeclaims"), pvc2,
                                  {"phase": "Bound", "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                                   "capacity": {"storage": size}}, "persistentvolume-controller")
