"""Procedural camera motion over a still: smooth pan, zoom, roll and a little hand-held shake.

A :class:`CameraPath` turns a still picture into a background video: frame ``k`` views the
still through a window whose centre, scale and angle are closed-form signals of ``t = k / fps``
(so any frame is computed directly). The path is drawn so that the window never leaves the
picture: the still is first scaled so that the widest window fits with a margin, and the pan's
amplitude is bounded by the slack left around it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .signals import Signal, draw_signal


@dataclass(frozen=True)
class CameraPath:
    """A window path over a (pre-scaled) still of ``base_size``, output frames of ``size``."""

    size: tuple[int, int]          # output (width, height)
    base_size: tuple[int, int]     # (width, height) the still is resized to before warping
    pan_x: Signal                  # window centre offset from the still's centre, pixels
    pan_y: Signal
    zoom: Signal                   # in [-1, 1]: mapped to a scale in [1, 1 + max_zoom]
    max_zoom: float
    roll: Signal                   # radians

    def matrix(self, t: float) -> np.ndarray:
        """The 2x3 matrix taking output pixel (x, y) to still pixel (for WARP_INVERSE_MAP)."""
        w, h = self.size
        bw, bh = self.base_size
        scale = 1.0 / (1.0 + self.max_zoom * 0.5 * (1.0 + self.zoom(t)))
        a = self.roll(t)
        c, s = math.cos(a) * scale, math.sin(a) * scale
        cx, cy = (bw - 1) / 2 + self.pan_x(t), (bh - 1) / 2 + self.pan_y(t)
        ox, oy = (w - 1) / 2, (h - 1) / 2
        return np.array([[c, -s, cx - c * ox + s * oy], [s, c, cy - s * ox - c * oy]], np.float64)

    def frame(self, base: np.ndarray, t: float) -> np.ndarray:
        """The view at ``t`` of ``base`` (already resized to ``base_size``; see :func:`prepare_still`),
        RGB."""
        out = cv2.warpAffine(base, self.matrix(t), self.size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REFLECT)
        return cv2.cvtColor(out, cv2.COLOR_RGBA2RGB) if base.shape[2] == 4 else out


def draw_camera(rng: np.random.Generator, still_size: tuple[int, int], size: tuple[int, int]) -> CameraPath:
    """A random path for output frames of ``size`` over a still of ``still_size`` (both (w, h))."""
    w, h = size
    max_roll = math.radians(rng.uniform(0.0, 4.0))
    max_zoom = rng.uniform(0.0, 0.3)
    # half-extents of the widest window (no zoom, full roll), in output pixels
    ex = w / 2 * math.cos(0.0) + h / 2 * math.sin(max_roll)
    ey = w / 2 * math.sin(max_roll) + h / 2
    cover = rng.uniform(0.55, 0.9)   # share of the still the widest window spans
    sw, sh = still_size
    scale = max(ex / (cover * sw / 2), ey / (cover * sh / 2))    # still pixels -> base pixels
    bw, bh = max(int(math.ceil(sw * scale)), int(2 * ex) + 2), max(int(math.ceil(sh * scale)), int(2 * ey) + 2)
    slack_x, slack_y = max(bw / 2 - ex - 1, 0.0), max(bh / 2 - ey - 1, 0.0)
    pace = rng.uniform(0.3, 1.0)
    shake = rng.uniform(0.0, 1.5)
    # |pan| <= slack: the waves take at most slack - shake, the shake the rest
    pan_x = _with_shake(draw_signal(rng, max(slack_x - shake, 0.0) * pace, (0.01, 0.12)), rng, shake)
    pan_y = _with_shake(draw_signal(rng, max(slack_y - shake, 0.0) * pace, (0.01, 0.12)), rng, shake)
    zoom = draw_signal(rng, 1.0, (0.01, 0.08), n_waves=2)
    roll = draw_signal(rng, max_roll, (0.02, 0.15), n_waves=2)
    return CameraPath(size=(w, h), base_size=(bw, bh), pan_x=pan_x, pan_y=pan_y, zoom=zoom,
                      max_zoom=float(max_zoom), roll=roll)


def _with_shake(signal: Signal, rng: np.random.Generator, amplitude: float) -> Signal:
    """Add hand-held shake (two fast waves whose amplitudes sum to ``amplitude``) to a pan."""
    shake = tuple((float(amplitude * w), float(rng.uniform(1.0, 4.0)), float(rng.uniform(0, 2 * math.pi)))
                  for w in rng.dirichlet(np.ones(2)))
    return Signal(signal.waves + shake, signal.starts, signal.events)


def prepare_still(still: np.ndarray, path: CameraPath) -> np.ndarray:
    """Resize the RGB ``still`` to the path's ``base_size`` (area filter when shrinking), with a
    fourth, padding channel: OpenCV warps 4-channel bytes about twice as fast as 3-channel ones,
    and :meth:`CameraPath.frame` drops it again."""
    bw, bh = path.base_size
    shrink = bw < still.shape[1]
    base = cv2.resize(still, (bw, bh), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return cv2.cvtColor(base, cv2.COLOR_RGB2RGBA)
