"""In-memory sources: foregrounds and backgrounds you already hold as arrays.

They implement the source protocol of :mod:`mbench.synth.sources.base`, so they can be given to
:func:`mbench.synth.stream` and :class:`mbench.synth.SourceSet` wherever a spec string goes::

    fg = ArrayForegrounds({"train": {"me": (fgr_frames, pha_frames)}})   # (T, H, W, 3), (T, H, W)
    bg = ArrayBackgrounds({"train": {"room": room_image}})                 # (H, W, 3) or (T, H, W, 3)
    for seq in stream(fgr=[fg], bgr=[bg], seq_len=8, count=4): ...
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from mbench.errors import BadInput

from .sources.base import BackgroundItem, ForegroundClip


class ArrayForegrounds:
    """Foreground clips as ``{split: {clip id: (fgr (T, H, W, 3), pha (T, H, W)) uint8}}``."""

    def __init__(self, splits: Mapping[str, Mapping[str, tuple[np.ndarray, np.ndarray]]],
                 fps: float = 30.0, spec: str = "arrays"):
        self.spec = spec
        self._data: dict[ForegroundClip, tuple[np.ndarray, np.ndarray]] = {}
        self._clips: dict[str, list[ForegroundClip]] = {}
        for split, clips in splits.items():
            self._clips[split] = []
            for cid, (fgr, pha) in clips.items():
                fgr, pha = np.asarray(fgr), np.asarray(pha)
                if fgr.ndim != 4 or pha.ndim != 3 or len(fgr) != len(pha) or len(fgr) == 0:
                    raise BadInput(f"expected fgr (T, H, W, 3) and pha (T, H, W) with the same T > 0, "
                                   f"got {fgr.shape} and {pha.shape}", f"{spec}:{cid}")
                clip = ForegroundClip(spec, cid, len(fgr), fps, fgr.shape[1], fgr.shape[2])
                if clip in self._data:
                    raise BadInput("clip id used twice (ids must differ across splits)", f"{spec}:{cid}")
                self._data[clip] = (fgr, pha)
                self._clips[split].append(clip)

    def clips(self, split: str) -> list[ForegroundClip]:
        return list(self._clips.get(split, []))

    def frame(self, clip: ForegroundClip, index: int) -> tuple[np.ndarray, np.ndarray]:
        fgr, pha = self._data[clip]
        return fgr[index], pha[index]


class ArrayBackgrounds:
    """Backgrounds as ``{split: {id: image (H, W, 3) or video (T, H, W, 3) uint8}}``."""

    def __init__(self, splits: Mapping[str, Mapping[str, np.ndarray]], fps: float = 30.0,
                 spec: str = "arrays"):
        self.spec = spec
        self._data: dict[BackgroundItem, np.ndarray] = {}
        self._items: dict[str, list[BackgroundItem]] = {}
        for split, items in splits.items():
            self._items[split] = []
            for iid, arr in items.items():
                arr = np.asarray(arr)
                if arr.ndim == 3:
                    arr = arr[None]
                if arr.ndim != 4 or arr.shape[3] != 3 or len(arr) == 0:
                    raise BadInput(f"expected (H, W, 3) or (T, H, W, 3), got {arr.shape}", f"{spec}:{iid}")
                item = BackgroundItem(spec, iid, len(arr), fps, arr.shape[1], arr.shape[2])
                if item in self._data:
                    raise BadInput("background id used twice (ids must differ across splits)", f"{spec}:{iid}")
                self._data[item] = arr
                self._items[split].append(item)

    def items(self, split: str) -> list[BackgroundItem]:
        return list(self._items.get(split, []))

    def frame(self, item: BackgroundItem, index: int) -> np.ndarray:
        return self._data[item][index]


def demo_sources(seed: int = 0, *, size: tuple[int, int] = (96, 64), clips: int = 3, frames: int = 24,
                 splits: tuple[str, ...] = ("train", "valid", "test")
                 ) -> tuple[ArrayForegrounds, ArrayBackgrounds]:
    """Small in-memory sources for examples and tests: soft-edged discs moving over textured
    colours (foregrounds), noise-textured stills and drifting videos (backgrounds). Deterministic."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    fg, bg = {}, {}
    for s, split in enumerate(splits):
        fg[split], bg[split] = {}, {}
        for c in range(clips):
            rng = np.random.default_rng([seed, s, c])
            colour = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
            base = np.repeat(colour[None], frames, axis=0)
            r = h * rng.uniform(0.2, 0.35)
            cx = w * 0.5 + w * 0.2 * np.sin(np.arange(frames) * rng.uniform(0.1, 0.4))
            pha = np.stack([np.clip((r - np.hypot(xx - x, yy - h * 0.5)) / 2.0 + 0.5, 0, 1) for x in cx])
            fg[split][f"{split}-{c}"] = (base, np.round(pha * 255).astype(np.uint8))
            still = rng.integers(0, 256, (h + 8, w + 12, 3)).astype(np.uint8)
            video = np.stack([np.roll(still, k, axis=1) for k in range(frames)])
            bg[split][f"{split}-still-{c}"] = still
            bg[split][f"{split}-video-{c}"] = video
    return ArrayForegrounds(fg, spec="demo-fgr"), ArrayBackgrounds(bg, spec="demo-bgr")
