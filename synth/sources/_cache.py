"""A small thread-safe cache of values built on demand, for sources' per-clip state.

Sources keep what is costly to rebuild (a procedural subject, a decoded still, an open video)
per clip. The cache only saves time: a value is a pure function of its key, so results never
depend on what was cached before. Concurrent requests for one key build it once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


class KeyedCache(Generic[V]):
    """A least-recently-used map of at most ``capacity`` values, each built by ``build()`` once.

    Parameters
    ----------
    capacity : int
        Values kept; the least recently used is dropped beyond it (``on_evict`` is called on it).
    on_evict : callable, optional
        Called with a dropped value (e.g. to close a video file).
    """

    def __init__(self, capacity: int, on_evict: Callable[[V], None] | None = None):
        self.capacity = max(1, int(capacity))
        self._on_evict = on_evict
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._building: dict[Hashable, threading.Event] = {}

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        """The value of ``key``, built by ``build()`` if it is not cached."""
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                event = self._building.get(key)
                if event is None:
                    event = self._building[key] = threading.Event()
                    break
            event.wait()  # another thread is building it; take its result (or build if it failed)
        try:
            value = build()
        except BaseException:
            with self._lock:
                del self._building[key]
            event.set()
            raise
        evicted = []
        with self._lock:
            self._items[key] = value
            del self._building[key]
            while len(self._items) > self.capacity:
                evicted.append(self._items.popitem(last=False)[1])
        event.set()
        if self._on_evict is not None:
            for old in evicted:
                self._on_evict(old)
        return value

    def clear(self) -> None:
        with self._lock:
            items = list(self._items.values())
            self._items.clear()
        if self._on_evict is not None:
            for old in items:
                self._on_evict(old)


class TransientState:
    """Mixin for sources that travel to worker processes: caches are dropped when pickled.

    A subclass creates its caches and locks in ``_init_transient()`` and lists their attribute
    names in ``_transient``; unpickling calls ``_init_transient()`` again.
    """

    _transient: tuple[str, ...] = ()

    def _init_transient(self) -> None:  # pragma: no cover - every subclass overrides it
        pass

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        for name in self._transient:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._init_transient()
