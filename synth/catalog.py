"""The sources of a run: parsing ``--fgr`` / ``--bgr`` arguments, opening them, listing their
clips per split, and reading frames with the checks every source gets.

A source argument is ``KIND`` or ``KIND:PATH``, optionally followed by ``@WEIGHT`` (default 1):
``--bgr images:/data/bg@0.7 --bgr builtin@0.3`` draws 70 % of the backgrounds from the folder.
Weights matter where a split draws at random (``foreground_order`` / ``background_order`` =
``random``); ordered draws (``shuffle``, ``cycle``) walk the sources' clips in the order given.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from mbench.errors import BadInput

from .sources.base import BackgroundItem, ForegroundClip

_WEIGHT = re.compile(r"^(?P<spec>.+?)@(?P<weight>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)$")


@dataclass(frozen=True)
class SourceArg:
    """A source spec with its mixing weight."""

    spec: str
    weight: float = 1.0


def parse_source_arg(text: str) -> SourceArg:
    """Parse ``KIND[:PATH][@WEIGHT]``; a relative PATH is made absolute (the manifest records it)."""
    text = text.strip()
    m = _WEIGHT.match(text)
    spec, weight = (m["spec"], float(m["weight"])) if m else (text, 1.0)
    if not spec or not 0 < weight < float("inf"):
        raise BadInput("a source is KIND or KIND:PATH, optionally @WEIGHT with a finite WEIGHT > 0", text)
    kind, sep, path = spec.partition(":")
    if sep and path:
        spec = f"{kind}:{os.path.abspath(os.path.expanduser(path))}"
    return SourceArg(spec, weight)


def _open(arg: Any, role: str, options: dict):
    """A source object from a :class:`SourceArg`, a spec string, or an object already open."""
    if isinstance(arg, str):
        arg = parse_source_arg(arg)
    if isinstance(arg, SourceArg):
        from . import sources  # the registry: imported when a spec has to be opened

        opener = sources.open_foreground if role == "fgr" else sources.open_background
        kind = arg.spec.partition(":")[0]
        return opener(arg.spec, **options.get(kind, {})), arg.weight
    if isinstance(arg, tuple) and len(arg) == 2:
        return arg[0], float(arg[1])
    return arg, 1.0


class SourceSet:
    """Opened foreground and background sources, each with a weight.

    Parameters
    ----------
    fgr, bgr : sequence
        Each item a spec string (``"KIND:PATH@W"``), a :class:`SourceArg`, an object implementing
        the source protocol of :mod:`mbench.synth.sources.base`, or ``(object, weight)``.
    fgr_options, bgr_options : dict, optional
        ``{kind: {option: value}}`` given to the registry when a spec of that kind is opened
        (a recipe's ``[sources] fgr_options`` / ``bgr_options``).
    """

    def __init__(self, fgr: Sequence[Any], bgr: Sequence[Any], fgr_options: dict | None = None,
                 bgr_options: dict | None = None):
        if not fgr or not bgr:
            raise BadInput("at least one foreground and one background source are needed",
                           "--fgr" if not fgr else "--bgr")
        self.fgr = [_open(a, "fgr", fgr_options or {}) for a in fgr]
        self.bgr = [_open(a, "bgr", bgr_options or {}) for a in bgr]
        self._fg: dict[str, list[tuple[int, ForegroundClip]]] = {}
        self._bg: dict[str, list[tuple[int, BackgroundItem]]] = {}
        self._bg_kind: dict[tuple[str, str], list[tuple[int, BackgroundItem]]] = {}
        self._weights: dict[tuple[str, str, str], np.ndarray] = {}
        self._fg_by_id: dict[tuple[int, str, str], ForegroundClip] = {}
        self._bg_by_id: dict[tuple[int, str, str], BackgroundItem] = {}

    def describe(self) -> dict:
        """The sources as the manifest records them."""
        return {role: [{"spec": str(getattr(src, "spec", repr(src))), "weight": w,
                        "options": getattr(src, "options", {})} for src, w in group]
                for role, group in (("fgr", self.fgr), ("bgr", self.bgr))}

    def spec(self, role: str, index: int) -> str:
        """The spec of source ``index`` of ``role`` ("fgr" or "bgr")."""
        src = (self.fgr if role == "fgr" else self.bgr)[index][0]
        return str(getattr(src, "spec", repr(src)))

    @classmethod
    def for_recipe(cls, recipe: dict, fgr: Sequence[Any] | None = None, bgr: Sequence[Any] | None = None
                   ) -> "SourceSet":
        """The sources of a run: ``fgr`` / ``bgr`` or else the recipe's, with the recipe's options."""
        src = recipe["sources"]
        return cls(list(fgr or src["fgr"]), list(bgr or src["bgr"]), src["fgr_options"], src["bgr_options"])

    def fg_catalog(self, split: str) -> list[tuple[int, ForegroundClip]]:
        """``(source index, clip)`` for every foreground clip of ``split``, sources in order."""
        if split not in self._fg:
            found = []
            for i, (src, _) in enumerate(self.fgr):
                for clip in src.clips(split):
                    found.append((i, clip))
                    self._fg_by_id[(i, split, clip.id)] = clip
            if not found:
                specs = ", ".join(str(getattr(s, "spec", s)) for s, _ in self.fgr)
                raise BadInput(f"no foreground clips in split '{split}'", specs)
            self._fg[split] = found
        return self._fg[split]

    def bg_catalog(self, split: str, kind: str = "any") -> list[tuple[int, BackgroundItem]]:
        """``(source index, item)`` for the backgrounds of ``split`` (``kind``: any, image, video)."""
        if split not in self._bg:
            found = []
            for i, (src, _) in enumerate(self.bgr):
                for item in src.items(split):
                    found.append((i, item))
                    self._bg_by_id[(i, split, item.id)] = item
            self._bg[split] = found
        if (split, kind) in self._bg_kind:
            return self._bg_kind[(split, kind)]
        want = {"any": lambda it: True, "image": lambda it: not it.is_video,
                "video": lambda it: it.is_video}[kind]
        items = [(i, it) for i, it in self._bg[split] if want(it)]
        if not items:
            specs = ", ".join(str(getattr(s, "spec", s)) for s, _ in self.bgr)
            what = {"any": "backgrounds", "image": "background images", "video": "background videos"}[kind]
            raise BadInput(f"no {what} in split '{split}'", specs)
        self._bg_kind[(split, kind)] = items
        return items

    def weights(self, role: str, entries: list[tuple[int, Any]], key: tuple = ()) -> np.ndarray:
        """Per-entry probabilities: each source's weight shared evenly among its entries (kept
        under ``key`` when one is given)."""
        if key and (role, *key) in self._weights:
            return self._weights[(role, *key)]
        group = self.fgr if role == "fgr" else self.bgr
        counts = np.bincount([i for i, _ in entries], minlength=len(group)).astype(float)
        w = np.array([group[i][1] / counts[i] for i, _ in entries], dtype=float)
        w /= w.sum()
        if key:
            self._weights[(role, *key)] = w
        return w

    def fg_clip(self, source: int, split: str, clip_id: str) -> ForegroundClip:
        self.fg_catalog(split)
        return self._fg_by_id[(source, split, clip_id)]

    def bg_item(self, source: int, split: str, item_id: str) -> BackgroundItem:
        self.bg_catalog(split)
        return self._bg_by_id[(source, split, item_id)]

    def read_fg(self, source: int, clip: ForegroundClip, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``index`` of a foreground clip as uint8 ``(fgr (H, W, 3), pha (H, W))``, checked."""
        src = self.fgr[source][0]
        fgr, pha = src.frame(clip, index)
        where = f"{getattr(src, 'spec', src)} clip {clip.id} frame {index}"
        return _checked_fg(fgr, pha, (clip.width, clip.height), "clip", where)

    def fg_warps(self, source: int, clip: ForegroundClip, work: Sequence[int]) -> bool:
        """Whether foreground ``source`` renders ``clip``'s frames through an affine itself
        (``frame_warped``) and the frames need no shrinking first (``work`` is their own size)."""
        return (hasattr(self.fgr[source][0], "frame_warped")
                and (int(work[0]), int(work[1])) == (clip.width, clip.height))

    def read_fg_warped(self, source: int, clip: ForegroundClip, index: int, matrix: np.ndarray,
                       size: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``index`` seen through the forward affine ``matrix`` in an output of ``size``
        (``frame_warped``; see :meth:`fg_warps`), checked as :meth:`read_fg` checks frames."""
        src = self.fgr[source][0]
        fgr, pha = src.frame_warped(clip, index, matrix, tuple(size))
        where = f"{getattr(src, 'spec', src)} clip {clip.id} frame {index}"
        return _checked_fg(fgr, pha, tuple(size), "output", where)

    def read_bg(self, source: int, item: BackgroundItem, index: int) -> np.ndarray:
        """Frame ``index`` of a background as uint8 ``(H, W, 3)``, checked."""
        src = self.bgr[source][0]
        bgr = src.frame(item, index)
        where = f"{getattr(src, 'spec', src)} background {item.id} frame {index}"
        if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
            raise BadInput(f"background is {bgr.dtype} {bgr.shape}, expected uint8 (H, W, 3)", where)
        if bgr.shape[:2] != (item.height, item.width):
            raise BadInput(f"frame is {bgr.shape[1]}x{bgr.shape[0]} but the background is "
                           f"{item.width}x{item.height}", where)
        return bgr


def _checked_fg(fgr: np.ndarray, pha: np.ndarray, size: tuple[int, int], what: str,
                where: str) -> tuple[np.ndarray, np.ndarray]:
    """A source's foreground frame, checked: uint8 ``(H, W, 3)`` and ``(H, W)`` of ``size``."""
    if fgr.ndim != 3 or fgr.shape[2] != 3 or fgr.dtype != np.uint8:
        raise BadInput(f"foreground is {fgr.dtype} {fgr.shape}, expected uint8 (H, W, 3)", where)
    if pha.ndim == 3 and pha.shape[2] == 1:
        pha = pha[:, :, 0]
    if pha.shape != fgr.shape[:2]:
        raise BadInput(f"alpha is {pha.shape[1]}x{pha.shape[0]} but the foreground is "
                       f"{fgr.shape[1]}x{fgr.shape[0]}", where)
    if pha.dtype != np.uint8:
        raise BadInput(f"alpha is {pha.dtype}, expected uint8", where)
    if fgr.shape[:2] != (size[1], size[0]):
        raise BadInput(f"frame is {fgr.shape[1]}x{fgr.shape[0]} but the {what} is {size[0]}x{size[1]}", where)
    return fgr, pha
