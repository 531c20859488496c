"""The built-in foreground source: procedural subjects (``--fgr procedural``).

Each clip is a different person-like subject (portrait silhouette, hair of many thin strands,
optional sheer veil or scarf, patterned clothes) that sways, turns its head and has hair moving
in the wind, with motion blur on quick moves. Clip ``i`` of split ``s`` is built from the
generator ``default_rng([seed, SPLIT_STREAMS[s], i])``, so the splits never share a subject and a
frame is a pure function of (seed, clip id, frame index): the same bytes whatever the call order
or thread. Building a subject takes tens of milliseconds and is cached per clip; a frame then
costs one or a few warps of the subject's sprite (see ``subject_render.py``). The synthesis
pipeline asks for frames already seen through its augmentation's affine (``frame_warped``), so
the sprite is resampled once, straight into the output.
"""

from __future__ import annotations

import numpy as np

from mbench.errors import BadInput

from ._cache import KeyedCache, TransientState
from ._folders import SPLITS, check_split, frame_size, per_split_counts, positive_float, positive_int
from .base import ForegroundClip
from .subject import Subject, build_subject
from .subject_render import node_coords, render

SPLIT_STREAMS = {"train": 0, "valid": 1, "test": 2}   # the generator stream of each split
DEFAULT_CLIPS = {"train": 100, "valid": 10, "test": 25}
DEFAULT_FRAMES = 300                                   # 10 s at 30 fps
DEFAULT_SIZE = (768, 432)                              # 16:9, the size of DVM's background clips


class ProceduralForeground(TransientState):
    """Procedural subjects as foreground clips.

    Parameters
    ----------
    spec : str
        The source spec, ``"procedural"``.
    seed : int
        Selects the population of subjects (default 0: the built-in "dataset").
    clips : int or dict
        Clips per split: one number for every split or ``{"train": N, ...}``
        (default ``{"train": 100, "valid": 10, "test": 25}``).
    frames : int
        Frames per clip (default 300). A clip's first frames do not depend on this.
    size : (width, height) or "WxH"
        Native frame size (default 768x432); the subject is framed for it.
    fps : float
        Frame rate (default 30, as VideoMatte240K).
    cache : int
        Subjects kept built (default 8); only a matter of speed.
    """

    kind = "procedural"
    needs_path = False
    _transient = ("_subjects", "_nodes", "_grids")

    def __init__(self, spec: str = "procedural", *, seed: int = 0, clips=None, frames: int = DEFAULT_FRAMES,
                 size=DEFAULT_SIZE, fps: float = 30.0, cache: int = 8):
        self.spec = spec
        self.seed = positive_int(seed, "seed", minimum=0)
        self.counts = per_split_counts(clips, "clips", DEFAULT_CLIPS)
        self.frames = positive_int(frames, "frames")
        self.size = frame_size(size)
        self.fps = positive_float(fps, "fps")
        self.cache_size = positive_int(cache, "cache")
        self.options = {"seed": self.seed, "clips": dict(self.counts), "frames": self.frames,
                        "size": list(self.size), "fps": self.fps}
        self._init_transient()

    def _init_transient(self) -> None:
        self._subjects: KeyedCache[Subject] = KeyedCache(self.cache_size)
        self._nodes = self._grid(self.size)
        self._grids: KeyedCache[tuple[np.ndarray, np.ndarray]] = KeyedCache(4)

    @staticmethod
    def _grid(size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        nodes = node_coords(*size)
        for a in nodes:
            a.setflags(write=False)
        return nodes

    def clips(self, split: str) -> list[ForegroundClip]:
        """The clips of ``split``: ids ``"<split>/0000"``, ``"<split>/0001"``, ..."""
        check_split(split)
        w, h = self.size
        return [ForegroundClip(self.spec, f"{split}/{i:04d}", self.frames, self.fps, h, w)
                for i in range(self.counts[split])]

    def _parse(self, clip: ForegroundClip) -> tuple[str, int]:
        split, _, index = clip.id.partition("/")
        if split not in SPLITS or not index.isdigit():
            raise BadInput("not a clip id of the procedural source (expected <split>/<number>)", clip.id)
        if (clip.width, clip.height) != self.size:
            raise BadInput(f"clip is {clip.width}x{clip.height} but this source renders "
                           f"{self.size[0]}x{self.size[1]}", clip.id)
        return split, int(index)

    def subject(self, clip: ForegroundClip) -> Subject:
        """The subject of ``clip`` (built once, then cached)."""
        split, index = self._parse(clip)
        key = (split, index)
        return self._subjects.get(key, lambda: build_subject(
            np.random.default_rng([self.seed, SPLIT_STREAMS[split], index]), self.size))

    def frame(self, clip: ForegroundClip, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``index`` of ``clip``: ``(H, W, 3)`` RGB uint8 and ``(H, W)`` uint8 alpha."""
        if not 0 <= index < clip.num_frames:
            raise IndexError(f"frame {index} out of range for clip {clip.id} ({clip.num_frames} frames)")
        return render(self.subject(clip), index / self.fps, self.fps, self._nodes)

    def frame_warped(self, clip: ForegroundClip, index: int, matrix: np.ndarray,
                     size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``index`` seen through the forward affine ``matrix`` (frame pixels -> output
        pixels, 3x3) in an output of ``size`` = (width, height), zero outside the frame: what
        ``cv2.warpAffine`` (bilinear, zero border) of :meth:`frame` gives, resampled once."""
        if not 0 <= index < clip.num_frames:
            raise IndexError(f"frame {index} out of range for clip {clip.id} ({clip.num_frames} frames)")
        size = (int(size[0]), int(size[1]))
        nodes = self._grids.get(size, lambda: self._grid(size))
        return render(self.subject(clip), index / self.fps, self.fps, nodes, np.asarray(matrix, np.float64), size)
