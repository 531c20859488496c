"""DVM's MESSDdt warp (nowsyn/DVM @ c045693, ``BatchMetric.MESSDdt``), reused by MaGGIe, in two
compiled steps: each frame's squared-error map once, then the warped comparison of two maps.

A frame's map serves every pair it takes part in (DVM: as the pair's first frame, as the frame
every pair of the clip samples, and as the next frame of the corrected warp; MaGGIe: once per
window call), so the per-pixel division, square and mask are not redone per pair, and the pair
loop is left with the flow's clamps and one gather per pixel.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def error_map(p, g, m, out):
    """``float32((p/255 - g/255)^2) * m`` per pixel of 8-bit ``p``, ``g`` and a 0/1 mask ``m``, in
    float32 as DVM's torch code computes it (code / 255 divided in float32)."""
    h, w = p.shape
    k = np.float32(255)
    for y in range(h):
        pr, gr, mr, o = p[y], g[y], m[y], out[y]
        for x in range(w):
            d = np.float32(pr[x]) / k - np.float32(gr[x]) / k
            o[x] = np.float32(d * d) * np.float32(mr[x])
    return out


@njit(nogil=True, cache=True, fastmath={"reassoc"})
def warp_error(e0, e1, flow, fixed, idx):
    """``sum |e0 - e1~|``, float32 terms summed in float64, ``e1~`` being ``e1`` sampled through the
    rounded flow (dx, dy). As written in DVM (``fixed`` False), pixel (y, x) samples flat index
    ``clamp(x + dx, 0, H-1) * W + clamp(y + dy, 0, W-1)``; ``fixed`` samples
    ``(clamp(y + dy), clamp(x + dx))``. ``idx``: an int64 row of W (a row's indices first, then the
    gather, so that each loop vectorises; a row's terms are summed reassociated, then the rows in
    order)."""
    h, w = e0.shape
    e1f = e1.ravel()
    ff = flow.reshape(h, 2 * w)
    total = 0.0
    for y in range(h):
        fr, er = ff[y], e0[y]
        if fixed:
            for x in range(w):
                idx[x] = min(max(y + fr[2 * x + 1], 0), h - 1) * w + min(max(x + fr[2 * x], 0), w - 1)
        else:
            for x in range(w):
                idx[x] = min(max(x + fr[2 * x], 0), h - 1) * w + min(max(y + fr[2 * x + 1], 0), w - 1)
        s = 0.0
        for x in range(w):
            s += np.float64(abs(er[x] - e1f[idx[x]]))
        total += s
    return total


def dvm_warp_error(p0: np.ndarray, g0: np.ndarray, m0: np.ndarray, p1: np.ndarray, g1: np.ndarray,
                   m1: np.ndarray, flow: np.ndarray, fixed: bool) -> float:
    """``sum |(p0 - g0)^2 m0 - (p~ - g~)^2 m~|`` of one pair from 8-bit frames and 0/1 masks (see
    :func:`warp_error`); ``p1, g1, m1`` is the frame sampled (DVM hands the clip's frame 1 for
    every pair)."""
    e0 = error_map(p0, g0, m0, np.empty(p0.shape, np.float32))
    e1 = error_map(p1, g1, m1, np.empty(p1.shape, np.float32))
    w = p0.shape[1]
    return float(warp_error(e0, e1, np.ascontiguousarray(flow), fixed, np.empty(w, np.int64)))
