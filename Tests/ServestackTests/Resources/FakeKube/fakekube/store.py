"""In-memory object store with one global, monotonically increasing resourceVersion
and a bounded event history (for watches, consistent paging and 410 Gone)."""

import collections
import threading

from . import util


class Event:
    __slots__ = ("rv", "gr", "type", "obj", "prev")

    def __init__(self, rv, gr, etype, obj, prev):
        self.rv = rv
        self.gr = gr
        self.type = etype
        self.obj = obj
        self.prev = prev


class Expired(Exception):
    def __init__(self, rv, floor):
        super().__init__("too old resource version: %d (%d)" % (rv, floor))
        self.rv = rv
        self.floor = floor


def obj_key(obj):
    md = obj["metadata"]
    ns = md.get("namespace")
    return "%s/%s" % (ns, md["name"]) if ns else md["name"]


class Store:
    """Objects by group-resource; one global resourceVersion counter; per group-resource
    event history (like the per-resource watch caches of the real apiserver)."""

    def __init__(self, history_size=1000):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.rv = 0
        self.data = {}
        self.hist = {}
        self.floors = {}
        self.history_max = history_size
        self.floor = 0
        self.listeners = []

    def set_history_size(self, n):
        with self.lock:
            self.history_max = max(10, int(n))
            for gr in list(self.hist):
                self._trim(gr)

    def _trim(self, gr):
        h = self.hist[gr]
        while len(h) > self.history_max:
            ev = h.popleft()
            self.floors[gr] = ev.rv

    def start_recording(self):
        """Everything before this point is not replayable (like a fresh watch cache)."""
        with self.lock:
            self.floor = self.rv
            self.hist.clear()
            self.floors.clear()

    def next_rv(self):
        self.rv += 1
        return self.rv

    def get(self, gr, key):
        return self.data.get(gr, {}).get(key)

    def bucket(self, gr):
        return self.data.get(gr, {})

    def commit(self, gr, etype, obj, prev):
        """obj must already carry its new resourceVersion (== self.rv)."""
        key = obj_key(obj)
        b = self.data.setdefault(gr, {})
        if etype == "DELETED":
            b.pop(key, None)
        else:
            b[key] = obj
        ev = Event(self.rv, gr, etype, obj, prev)
        h = self.hist.get(gr)
        if h is None:
            h = self.hist[gr] = collections.deque()
        h.append(ev)
        self._trim(gr)
        for fn in self.listeners:
            fn(ev)
        self.cond.notify_all()
        return ev

    def floor_of(self, gr):
        return self.floors.get(gr, self.floor)

    def events_after(self, rv, gr):
        """Events of gr with rv > given rv."""
        floor = self.floor_of(gr)
        if rv < floor:
            raise Expired(rv, floor)
        out = []
        for ev in reversed(self.hist.get(gr, ())):
            if ev.rv <= rv:
                break
            out.append(ev)
        out.reverse()
        return out

    def snapshot(self, gr, rv):
        """The objects of gr as they were at resourceVersion rv."""
        if rv >= self.rv:
            return dict(self.bucket(gr))
        floor = self.floor_of(gr)
        if rv < floor:
            raise Expired(rv, floor)
        cur = dict(self.bucket(gr))
        for ev in reversed(self.hist.get(gr, ())):
            if ev.rv <= rv:
                break
            key = obj_key(ev.obj)
            if ev.type == "ADDED":
                cur.pop(key, None)
            elif ev.prev is not None:
                cur[key] = ev.prev
        return cur

    def wait(self, timeout):
        self.cond.wait(timeout)


def deep(o):
    return util.deep(o)
