"""Per-pixel sums behind MAD/SAD, MSE, dtSSD and the foreground errors, in one fused pass.

Integer frames (uint8, uint16) are summed exactly in int64 (docs/reference.md 1.4). Float frames follow
the reference arithmetic: differences and squares in float32 (as NumPy does on float32 arrays),
accumulated in float64 so that summation adds no error of its own.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def int_sums(p, g, pp, gp, region, use_prev, use_region, region_value):
    """Return (sum |p-g|, sum (p-g)^2, sum ((p-pp)-(g-gp))^2, pixels counted) over raveled arrays."""
    sa = np.int64(0)
    ss = np.int64(0)
    st = np.int64(0)
    n = np.int64(0)
    for i in range(p.size):
        if use_region and region[i] != region_value:
            continue
        d = np.int64(p[i]) - np.int64(g[i])
        sa += abs(d)
        ss += d * d
        if use_prev:
            t = d - (np.int64(pp[i]) - np.int64(gp[i]))
            st += t * t
        n += 1
    return sa, ss, st, n


@njit(nogil=True, cache=True)
def float_sums(p, g, pp, gp, region, use_prev, use_region, region_value):
    """Float32 counterpart of :func:`int_sums` (values already scaled to [0, 1])."""
    sa = 0.0
    ss = 0.0
    st = 0.0
    n = np.int64(0)
    for i in range(p.size):
        if use_region and region[i] != region_value:
            continue
        d = np.float32(p[i] - g[i])
        sa += abs(d)
        ss += np.float32(d * d)
        if use_prev:
            t = np.float32(np.float32(p[i] - pp[i]) - np.float32(g[i] - gp[i]))
            st += np.float32(t * t)
        n += 1
    return sa, ss, st, n


@njit(nogil=True, cache=True)
def int_fgr_sums(fp, fg, gpha):
    """Sum |F_p - F_g| and (F_p - F_g)^2 over pixels where the true alpha is above 0, all channels."""
    sa = np.int64(0)
    ss = np.int64(0)
    n = np.int64(0)
    h, w, c = fp.shape
    for y in range(h):
        for x in range(w):
            if gpha[y, x] == 0:
                continue
            for k in range(c):
                d = np.int64(fp[y, x, k]) - np.int64(fg[y, x, k])
                sa += abs(d)
                ss += d * d
            n += c
    return sa, ss, n


@njit(nogil=True, cache=True)
def float_fgr_sums(fp, fg, gpha):
    sa = 0.0
    ss = 0.0
    n = np.int64(0)
    h, w, c = fp.shape
    for y in range(h):
        for x in range(w):
            if gpha[y, x] <= 0:
                continue
            for k in range(c):
                d = np.float32(fp[y, x, k] - fg[y, x, k])
                sa += abs(d)
                ss += np.float32(d * d)
            n += c
    return sa, ss, n
