"""Exact integer error sums of image mattes against a trimap, with and without forcing the known
regions (GFM's "trimap" metrics and fg/bg SAD; mmagic's masked prediction), in one pass."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def forced_sums(p, g, t, fg_value, bg_value, region_value):
    """Sums over raveled integer mattes ``p``, ``g`` and trimap ``t``.

    Returns ``(abs_all, sq_all, abs_forced, sq_forced, abs_fg, abs_bg, n_region, n_other)``:
    |p - g| and (p - g)^2 over all pixels; the same with p forced to ``fg_value`` where
    ``t == 255`` and to ``bg_value`` where ``t == 0``; |p - g| (unforced) over t == 255 and over
    t == 0; the count of ``t == region_value``; the count of t neither 0 nor 255.
    """
    sa = ss = fa = fs = afg = abg = np.int64(0)
    nr = no = np.int64(0)
    for i in range(p.size):
        tv = t[i]
        d = np.int64(p[i]) - np.int64(g[i])
        ad = abs(d)
        sa += ad
        ss += d * d
        if tv == 255:
            f = np.int64(fg_value) - np.int64(g[i])
            afg += ad
        elif tv == 0:
            f = np.int64(bg_value) - np.int64(g[i])
            abg += ad
        else:
            f = d
            no += 1
        fa += abs(f)
        fs += f * f
        if tv == region_value:
            nr += 1
    return sa, ss, fa, fs, afg, abg, nr, no


@njit(nogil=True, cache=True)
def force_known(p, t, fg_value, bg_value):
    """A copy of ``p`` set to ``fg_value`` where ``t == 255`` and ``bg_value`` where ``t == 0``."""
    out = np.empty_like(p)
    for i in range(p.size):
        tv = t[i]
        out[i] = fg_value if tv == 255 else (bg_value if tv == 0 else p[i])
    return out
