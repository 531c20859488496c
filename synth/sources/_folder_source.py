"""The base of the sources that read a user's folder: its root, frame rate and cached listings."""

from __future__ import annotations

from ._cache import KeyedCache, TransientState
from ._folders import SPLITS, positive_float, positive_int, source_root


class FolderSource(TransientState):
    """``spec``, checked ``root`` and ``fps``; a listing per split cached; open clips cached.

    Subclasses set ``role`` ("foreground" or "background", for the error lines) and ``cached_clips``
    (whether they keep clips open, and take the ``cache`` option).
    """

    kind: str
    role: str
    needs_path = True
    cached_clips = False
    _transient = ("_listing", "_open")

    def __init__(self, spec: str, path: str, *, fps: float = 30.0, cache: int = 8):
        self.spec = spec
        self.root = source_root(path, self.role)
        self.fps = positive_float(fps, "fps")
        self.cache_size = positive_int(cache, "cache") if self.cached_clips else 0
        self.options = {"fps": self.fps}
        self._init_transient()

    def _init_transient(self) -> None:
        self._listing: KeyedCache[list] = KeyedCache(len(SPLITS))
        self._open: KeyedCache[tuple] | None = KeyedCache(self.cache_size) if self.cached_clips else None
