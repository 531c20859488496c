"""The connectivity error (Conn): one union-find sweep over the ten nested threshold levels.

For thresholds t_k = 0.1 k (k = 1..10), Omega_k is the largest 4-connected component of
``(p >= t_k) & (g >= t_k)``. A pixel's *level* ``L = min(level(p), level(g))`` says for which k it lies
in that intersection, so the ten sets are nested: ``{L >= k}``.

The image is cut into *runs*: maximal stretches of one row with one level (a scan produces them,
see :mod:`.scan`). Runs are added to a union-find in decreasing level order (union by size, no
path compression), so every level's components are built in one sweep; each union edge remembers
the level at which it was made, and "the root of a run at level k" is found by climbing only edges
made at level k or above. A pixel's round-down value is ``l = t_{k*-1}``, with ``k*`` the first level
whose Omega does not hold it (``t_10 = 1``: never dropped).

Pixels with ``p == g`` contribute exactly 0 (they share ``l``), so only the differing pixels that
the scan listed are scored. Ties between equal-size components go to the one whose first pixel
comes first in row-major order (OpenCV, used by RobustVideoMatting) or column-major order
(MATLAB's bwlabel, used by the Deep Image Matting code).
"""

from __future__ import annotations

import numpy as np
from numba import njit

LEVELS = 10


def thresholds() -> np.ndarray:
    """t_0..t_10 as float32, computed as the reference does (``np.arange(0, 1.1, 0.1)``)."""
    return np.arange(0, 1 + 0.1, 0.1).astype(np.float32)


def level_lut(max_value: int) -> np.ndarray:
    """Level (0..10) of each integer code: how many t_k (k >= 1) satisfy ``float32(a/max) >= t_k``."""
    t = thresholds()
    a = np.arange(max_value + 1, dtype=np.float32) / np.float32(max_value)
    return (a[:, None] >= t[None, 1:]).sum(axis=1).astype(np.uint8)


def phi_lut(max_value: int) -> np.ndarray:
    """phi(a, l_j) = 1 - d [d >= 0.15], d = a - l_j, in float32, for each code a and j = 0..10."""
    t = thresholds()
    a = np.arange(max_value + 1, dtype=np.float32) / np.float32(max_value)
    d = a[:, None] - t[None, :]
    return (np.float32(1) - d * (d >= np.float32(0.15))).astype(np.float32)


@njit(nogil=True, cache=True)
def levels_from_lut(p, g, lut):
    """Per-pixel level ``min(lut[p], lut[g])`` of raveled integer mattes."""
    lev = np.empty(p.size, np.uint8)
    for i in range(p.size):
        a = lut[p[i]]
        b = lut[g[i]]
        lev[i] = a if a < b else b
    return lev


@njit(nogil=True, cache=True)
def levels_from_float(p, g, t):
    """Per-pixel level of raveled float32 mattes, by float32 comparison with ``t`` (t_0..t_10)."""
    lev = np.empty(p.size, np.uint8)
    for i in range(p.size):
        lo = p[i] if p[i] < g[i] else g[i]
        m = 0
        while m < LEVELS and lo >= t[m + 1]:
            m += 1
        lev[i] = m
    return lev


@njit(nogil=True, cache=True)
def _find(parent, x):
    while parent[x] != x:
        x = parent[x]
    return x


@njit(nogil=True, cache=True)
def _union(parent, size, key, elev, r, nb, k):
    """Join the set of ``nb`` into root ``r`` at level k; return the new root."""
    rb = _find(parent, nb)
    if rb == r:
        return r
    if size[r] < size[rb]:
        r, rb = rb, r
    parent[rb] = r
    elev[rb] = k
    size[r] += size[rb]
    if key[rb] < key[r]:
        key[r] = key[rb]
    return r


@njit(nogil=True, cache=True)
def _first_overlap(run_c1, lo, hi, c0):
    """First run index in [lo, hi) (one row, sorted by column) whose end is past column c0."""
    while lo < hi:
        mid = (lo + hi) // 2
        if run_c1[mid] <= c0:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(nogil=True, cache=True)
def run_components(runs, n_runs, row_start, h, column_major):
    """Union-find over runs; returns per-run ``k*`` (first level whose Omega drops the run).

    ``runs[r] = (row, c0, c1, level)`` as the scan makes them: sorted by row then column, level >= 1;
    ``row_start[y]`` is the index of row y's first run (``row_start[h] = n_runs``).
    """
    run_row = runs[:, 0]
    run_c0 = runs[:, 1]
    run_c1 = runs[:, 2]
    run_lev = runs[:, 3]
    hist = np.zeros(LEVELS + 1, np.int64)
    for i in range(n_runs):
        hist[run_lev[i]] += 1
    off = np.zeros(LEVELS + 2, np.int64)
    acc = 0
    for k in range(LEVELS, 0, -1):
        off[k] = acc
        acc += hist[k]
    order = np.empty(n_runs, np.int64)
    fill = off.copy()
    for i in range(n_runs):
        k = run_lev[i]
        order[fill[k]] = i
        fill[k] += 1
    parent = np.arange(n_runs)
    size = np.empty(n_runs, np.int64)
    key = np.empty(n_runs, np.int64)
    elev = np.zeros(n_runs, np.uint8)
    roots = np.full(LEVELS + 1, -1, np.int64)
    best_root, best_size, best_key = -1, np.int64(0), np.int64(1) << 62
    for k in range(LEVELS, 0, -1):
        for j in range(off[k], off[k] + hist[k]):
            i = order[j]
            y, c0, c1 = run_row[i], run_c0[i], run_c1[i]
            size[i] = c1 - c0
            key[i] = c0 * h + y if column_major else y * (1 << 31) + c0
            r = i
            # left and right neighbours in the row: adjacent runs, always of another level
            if i > row_start[y] and run_c1[i - 1] == c0 and run_lev[i - 1] > k:
                r = _union(parent, size, key, elev, r, i - 1, k)
            if i + 1 < row_start[y + 1] and run_c0[i + 1] == c1 and run_lev[i + 1] > k:
                r = _union(parent, size, key, elev, r, i + 1, k)
            # rows above (level >= k: same-level runs above come earlier) and below (level > k)
            for dy in (-1, 1):
                yy = y + dy
                if yy < 0 or yy >= h:
                    continue
                lo, hi = row_start[yy], row_start[yy + 1]
                m = _first_overlap(run_c1, lo, hi, c0)
                while m < hi and run_c0[m] < c1:
                    if run_lev[m] > k or (dy < 0 and run_lev[m] == k):
                        r = _union(parent, size, key, elev, r, m, k)
                    m += 1
            if size[r] > best_size or (size[r] == best_size and key[r] < best_key):
                best_root, best_size, best_key = r, size[r], key[r]
        if best_root >= 0:
            roots[k] = best_root  # a root now; later unions only add edges below level k
    kstar = np.empty(n_runs, np.uint8)
    for i in range(n_runs):
        kstar[i] = run_lev[i] + 1
        for k in range(1, run_lev[i] + 1):
            if _find_at(parent, elev, i, k) != roots[k]:
                kstar[i] = k
                break
    return kstar


@njit(nogil=True, cache=True)
def _find_at(parent, elev, x, k):
    """The root of x as it was at the end of level k (edges made at levels >= k only)."""
    while parent[x] != x and elev[x] >= k:
        x = parent[x]
    return x


@njit(nogil=True, cache=True)
def conn_sum_lut(p, g, diffs, n_diffs, kstar, phi):
    """Sum |phi(p) - phi(g)| over the listed differing pixels of integer mattes."""
    total = 0.0
    for m in range(n_diffs):
        i = diffs[m, 0]
        r = diffs[m, 1]
        j = 0 if r < 0 else kstar[r] - 1
        total += abs(np.float32(phi[p[i], j] - phi[g[i], j]))
    return total


@njit(nogil=True, cache=True)
def conn_sum_float(p, g, diffs, n_diffs, kstar, t):
    """Sum |phi(p) - phi(g)| over the listed differing pixels, phi in float32 as the reference."""
    total = 0.0
    f1 = np.float32(1.0)
    cut = np.float32(0.15)
    zero = np.float32(0.0)
    for m in range(n_diffs):
        i = diffs[m, 0]
        r = diffs[m, 1]
        l = t[0] if r < 0 else t[kstar[r] - 1]
        da = np.float32(p[i] - l)
        db = np.float32(g[i] - l)
        pa = f1 - (da if da >= cut else zero)
        pb = f1 - (db if db >= cut else zero)
        total += abs(np.float32(pa - pb))
    return total
