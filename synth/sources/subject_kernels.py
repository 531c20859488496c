"""The compiled pixel loops of the procedural subjects' rendering (numba, nogil).

- :func:`finish`: premultiplied float RGBA (the warped sprite, over the region that can show the
  subject) to the uint8 straight colour and alpha of the whole image, in one pass (OpenCV needs
  a dozen passes and temporaries for the same arithmetic).
- :func:`cut_to_frame`: a subject rendered straight through an affine
  (``subject_render.render`` with a matrix) covers more than the frame does, but the output must
  show what a bilinear warp of the rendered frame with a zero border shows: nothing beyond the
  frame and a one-pixel ramp along its edges. The coverage of the frame at an output pixel whose
  centre maps to frame point ``(x, y)`` is ``clip(min(x + 1, W - x), 0, 1) * clip(min(y + 1, H - y),
  0, 1)``. Row by row, the loop finds the span the frame covers fully (left as it is) and the
  span it touches at all (outside it: zeros) in closed form, and computes the coverage only on
  the ramp between.

numba is imported, and the cached machine code loaded, on first use (:func:`kernels`), so that
opening a source stays fast.
"""

from __future__ import annotations

import functools
import math
from types import SimpleNamespace

import numpy as np


def _finish(acc, y0, x0, fill, eps, fgr, alpha):  # pragma: no cover - compiled
    """``fgr = (P + fill (d - a)) / d`` with ``d = max(a, eps)`` and ``alpha = a``, both rounded
    to uint8, where ``acc`` ((h, w, 4) float32 premultiplied RGBA) covers the output from row
    ``y0``, column ``x0``; elsewhere the output is empty (``fill``, alpha 0)."""
    h, w = alpha.shape
    ah, aw = acc.shape[0], acc.shape[1]
    scale = np.float32(255.0)
    half = np.float32(0.5)
    f0, f1, f2 = np.float32(fill[0]) / scale, np.float32(fill[1]) / scale, np.float32(fill[2]) / scale
    for y in range(h):
        for x in range(w):
            i, j = y - y0, x - x0
            if i < 0 or i >= ah or j < 0 or j >= aw:
                fgr[y, x, 0], fgr[y, x, 1], fgr[y, x, 2] = fill[0], fill[1], fill[2]
                alpha[y, x] = 0
                continue
            a = acc[i, j, 3]
            d = max(a, eps)
            gap = d - a
            s = scale / d
            fgr[y, x, 0] = np.uint8(min((acc[i, j, 0] + f0 * gap) * s + half, scale))
            fgr[y, x, 1] = np.uint8(min((acc[i, j, 1] + f1 * gap) * s + half, scale))
            fgr[y, x, 2] = np.uint8(min((acc[i, j, 2] + f2 * gap) * s + half, scale))
            alpha[y, x] = np.uint8(min(a * scale + half, scale))


def _frame_border(fgr, alpha, inv, width, height):  # pragma: no cover - compiled
    """Scale ``fgr`` (H, W, 3) and ``alpha`` (H, W) uint8 in place by the frame's coverage;
    ``inv`` (2, 3) takes output pixel centres to frame pixel centres."""
    h, w = alpha.shape
    tiny = 1e-6  # spans shrink (full) or grow (any) by this: rounding never skips a ramp pixel
    # per span: the bounds on frame x and on frame y
    bounds = np.array([[tiny, width - 1.0 - tiny, tiny, height - 1.0 - tiny],
                       [-1.0 - tiny, width + tiny, -1.0 - tiny, height + tiny]])
    ends = np.empty(4, np.int64)   # full0, full1, any0, any1
    for y in range(h):
        for s in range(2):
            lo, hi = 0.0, w - 1.0
            for axis in range(2):   # frame coordinate = k * x + e along the row
                k, e = inv[axis, 0], inv[axis, 1] * y + inv[axis, 2]
                low, up = bounds[s, 2 * axis], bounds[s, 2 * axis + 1]
                if abs(k) < 1e-12:
                    if e < low or e > up:
                        lo, hi = 1.0, 0.0
                else:
                    t0, t1 = (low - e) / k, (up - e) / k
                    lo, hi = max(lo, min(t0, t1)), min(hi, max(t0, t1))
            if lo > hi:
                ends[2 * s], ends[2 * s + 1] = w, -1
            elif s == 0:
                ends[0], ends[1] = math.ceil(lo), math.floor(hi)
            else:
                ends[2], ends[3] = max(math.floor(lo), 0), min(math.ceil(hi), w - 1)
        bx, by = inv[0, 1] * y + inv[0, 2], inv[1, 1] * y + inv[1, 2]
        for x in range(w):
            if ends[0] <= x <= ends[1]:
                continue
            if x < ends[2] or x > ends[3]:
                alpha[y, x] = 0
                fgr[y, x, 0] = 0
                fgr[y, x, 1] = 0
                fgr[y, x, 2] = 0
                continue
            fx = inv[0, 0] * x + bx
            fy = inv[1, 0] * x + by
            cover = (min(max(min(fx + 1.0, width - fx), 0.0), 1.0)
                     * min(max(min(fy + 1.0, height - fy), 0.0), 1.0))
            alpha[y, x] = np.uint8(alpha[y, x] * cover + 0.5)
            for ch in range(3):
                fgr[y, x, ch] = np.uint8(fgr[y, x, ch] * cover + 0.5)


@functools.cache
def kernels() -> SimpleNamespace:
    """The compiled loops (compiled, or loaded from numba's cache, on first use)."""
    import numba

    # no fastmath: approximate reciprocals and fused multiply-adds could change a rounded byte
    # between CPUs (AVX2 vs AVX-512), and datasets must be the same bytes everywhere
    return SimpleNamespace(finish=numba.njit(cache=True, nogil=True)(_finish),
                           frame_border=numba.njit(cache=True, nogil=True)(_frame_border))


def finish(acc: np.ndarray | None, origin: tuple[int, int], fill: np.ndarray, eps: float,
           size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """An ``(H, W, 3)`` uint8 straight-colour image and ``(H, W)`` uint8 alpha of ``size`` =
    (W, H) from the premultiplied float32 RGBA ``acc`` placed at ``origin`` = (y0, x0) (None:
    nothing); colour fades to ``fill`` where alpha is below ``eps`` and is ``fill`` outside."""
    w, h = size
    fgr, alpha = np.empty((h, w, 3), np.uint8), np.empty((h, w), np.uint8)
    if acc is None:
        acc, origin = np.zeros((0, 0, 4), np.float32), (0, 0)
    kernels().finish(np.ascontiguousarray(acc, np.float32), int(origin[0]), int(origin[1]),
                     np.asarray(fill, np.uint8), np.float32(eps), fgr, alpha)
    return fgr, alpha


def cut_to_frame(fgr: np.ndarray, alpha: np.ndarray, inverse: np.ndarray, frame: tuple[int, int]) -> None:
    """Zero ``fgr`` and ``alpha`` (uint8, the output of an affine from a frame of ``frame`` =
    (width, height); ``inverse`` (2, 3) takes output pixels back to frame pixels) outside the
    frame, ramping along its edges, in place."""
    kernels().frame_border(fgr, alpha, np.ascontiguousarray(inverse[:2], np.float64), float(frame[0]), float(frame[1]))
