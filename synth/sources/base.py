"""What a source of foregrounds or backgrounds provides to the synthesis pipeline.

Sources are read-only views of material (built-in procedural subjects and textures, or the layouts
users already own). They never draw random numbers of their own except from the generator the
pipeline hands them, so a dataset is a pure function of (recipe, seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np


@dataclass(frozen=True)
class ForegroundClip:
    """One foreground clip of a source: colour + alpha frames."""

    source: str        # the source spec, e.g. "procedural" or "videomatte:/data/VM240K"
    id: str            # stable id within the source, e.g. "train/0003"
    num_frames: int
    fps: float
    height: int        # native size of the frames
    width: int


@dataclass(frozen=True)
class BackgroundItem:
    """One background: a still image (``num_frames == 1``) or a video."""

    source: str
    id: str
    num_frames: int
    fps: float
    height: int
    width: int

    @property
    def is_video(self) -> bool:
        return self.num_frames > 1


class ForegroundSource(Protocol):
    """A source of foreground clips.

    A source that renders its frames (rather than reading them) may also provide
    ``frame_warped(clip, index, matrix, size) -> (fgr, pha)``: the frame seen through the forward
    3x3 affine ``matrix`` (frame pixels -> output pixels) in an output of ``size`` = (width,
    height), zero outside the frame, as a bilinear warp of :meth:`frame` would give it. The
    pipeline then asks for that instead of warping the frame itself, so the frame is resampled
    once (``catalog.SourceSet.fg_warps``).
    """

    spec: str
    options: dict      # the effective options, JSON-serialisable (for the manifest)

    def clips(self, split: str) -> Sequence[ForegroundClip]:
        """The clips of ``split`` ("train", "valid", "test"), in a fixed order."""

    def frame(self, clip: ForegroundClip, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``index`` as (``(H, W, 3)`` RGB uint8 foreground, ``(H, W)`` uint8 alpha)."""


class BackgroundSource(Protocol):
    spec: str
    options: dict      # the effective options, JSON-serialisable (for the manifest)

    def items(self, split: str) -> Sequence[BackgroundItem]:
        """The backgrounds of ``split``, in a fixed order."""

    def frame(self, item: BackgroundItem, index: int) -> np.ndarray:
        """Frame ``index`` (0 for a still) as an ``(H, W, 3)`` RGB uint8 array."""
