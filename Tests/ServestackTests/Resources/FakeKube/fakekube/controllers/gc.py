"""garbage-collector: dependents of deleted owners (background, foreground, orphan)."""

from .. import util


class GarbageCollector:
    def gc(self):
        st = self.s.store
        uids = {}
        for gr, bucket in st.data.items():
            for o in bucket.values():
                uids[o["metadata"].get("uid")] = (gr, o)
        dependents = {}
        for gr, bucket in list(st.data.items()):
            for o in list(bucket.values()):
                refs = o["metadata"].get("ownerReferences")
                if not refs:
                    continue
                alive = []
                for ref in refs:
                    owner = uids.get(ref.get("uid"))
                    if owner is not None:
                        alive.append((ref, owner))
                        dependents.setdefault(ref.get("uid"), []).append((gr, o))
                if not alive:
                    if not o["metadata"].get("deletionTimestamp"):
                        self.delete(gr, o, {"propagationPolicy": "Background"})
                    continue
                for ref, (ogr, owner) in alive:
                    omd = owner["metadata"]
                    if omd.get("deletionTimestamp") and "foregroundDeletion" in (omd.get("finalizers") or []):
                        if not o["metadata"].get("deletionTimestamp"):
                            self.delete(gr, o, {"propagationPolicy": "Foreground"})
                    elif omd.get("deletionTimestamp") and "orphan" in (omd.get("finalizers") or []):
                        new = util.deep(o)
                        new["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != omd.get("uid")]
                        if not new["metadata"]["ownerReferences"]:
                            new["metadata"].pop("ownerReferences")
                        self.write(gr, o, new, "garbage-collector")
        for uid, (gr, o) in uids.items():
            md = o["metadata"]
            if not md.get("deletionTimestamp"):
                continue
            fins = md.get("finalizers") or []
            drop = None
            if "foregroundDeletion" in fins:
                blocking = [d for d in dependents.get(uid, []) if st.get(d[0], self._key(d[1])) is not None]
                if not blocking:
                    drop = "foregroundDeletion"
            elif "orphan" in fins:
                if not dependents.get(uid):
                    drop = "orphan"
            if drop:
                cur = st.get(gr, self._key(o))
                if cur is None:
                    continue
                new = util.deep(cur)
                new["metadata"]["finalizers"] = [f for f in fins if f != drop]
                if not new["metadata"]["finalizers"]:
                    new["metadata"].pop("finalizers")
                self.write(gr, cur, new, "garbage-collector")
