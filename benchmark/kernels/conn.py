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
def _run_edges(runs, n_runs, row_start, h):
    """Adjacent run pairs and the level at which they join (the lower of their two levels).

    Neighbours in a row touch end to start; runs of consecutive rows are adjacent when their
    column spans overlap (4-connectivity), found by a two-pointer sweep.
    """
    # at most n_runs - 1 in-row pairs, and per pair of rows fewer than the runs of both rows
    edges = np.empty((3 * n_runs + 1, 3), np.int64)
    n = 0
    for y in range(h):
        lo, hi = row_start[y], row_start[y + 1]
        for i in range(lo, hi - 1):
            if runs[i, 2] == runs[i + 1, 1]:
                edges[n, 0], edges[n, 1] = i, i + 1
                edges[n, 2] = min(runs[i, 3], runs[i + 1, 3])
                n += 1
        if y + 1 < h:
            i, j, hj = lo, hi, row_start[y + 2]
            while i < hi and j < hj:
                if runs[i, 1] < runs[j, 2] and runs[j, 1] < runs[i, 2]:
                    edges[n, 0], edges[n, 1] = i, j
                    edges[n, 2] = min(runs[i, 3], runs[j, 3])
                    n += 1
                if runs[i, 2] < runs[j, 2]:
                    i += 1
                else:
                    j += 1
    return edges, n


@njit(nogil=True, cache=True)
def _by_level(levels, n):
    """Indices 0..n-1 sorted by level, highest first (stable counting sort); and level offsets."""
    hist = np.zeros(LEVELS + 1, np.int64)
    for i in range(n):
        hist[levels[i]] += 1
    off = np.zeros(LEVELS + 2, np.int64)
    acc = 0
    for k in range(LEVELS, -1, -1):
        off[k] = acc
        acc += hist[k]
    off[LEVELS + 1] = 0
    order = np.empty(n, np.int64)
    fill = off.copy()
    for i in range(n):
        k = levels[i]
        order[fill[k]] = i
        fill[k] += 1
    return order, off, hist


@njit(nogil=True, cache=True)
def run_components(runs, n_runs, row_start, h, column_major):
    """Union-find over runs, level by level from 10 down (Kruskal on the run adjacency graph).

    ``runs[r] = (row, c0, c1, level)`` as the scan makes them: sorted by row then column, level >= 1;
    ``row_start[y]`` is the index of row y's first run (``row_start[h] = n_runs``). Returns
    ``(parent, elev, roots)``: the forest (``elev[x]``: level at which x was attached under its
    parent) and ``roots[k]``, Omega_k's root at level k (-1 when the level is empty).
    """
    edges, n_edges = _run_edges(runs, n_runs, row_start, h)
    run_order, run_off, run_hist = _by_level(runs[:, 3], n_runs)
    edge_order, edge_off, edge_hist = _by_level(edges[:, 2], n_edges)
    parent = np.arange(n_runs)
    size = np.empty(n_runs, np.int64)
    key = np.empty(n_runs, np.int64)
    elev = np.zeros(n_runs, np.uint8)
    roots = np.full(LEVELS + 1, -1, np.int64)
    best_root, best_size, best_key = -1, np.int64(0), np.int64(1) << 62
    for k in range(LEVELS, 0, -1):
        for j in range(run_off[k], run_off[k] + run_hist[k]):
            i = run_order[j]
            size[i] = runs[i, 2] - runs[i, 1]
            key[i] = runs[i, 1] * h + runs[i, 0] if column_major else runs[i, 0] * (1 << 31) + runs[i, 1]
            if size[i] > best_size or (size[i] == best_size and key[i] < best_key):
                best_root, best_size, best_key = i, size[i], key[i]
        for j in range(edge_off[k], edge_off[k] + edge_hist[k]):
            e = edge_order[j]
            ra = _find(parent, edges[e, 0])
            rb = _find(parent, edges[e, 1])
            if ra == rb:
                continue
            if size[ra] < size[rb] or (size[ra] == size[rb] and ra > rb):
                ra, rb = rb, ra
            parent[rb] = ra
            elev[rb] = k
            size[ra] += size[rb]
            if key[rb] < key[ra]:
                key[ra] = key[rb]
            if size[ra] > best_size or (size[ra] == best_size and key[ra] < best_key):
                best_root, best_size, best_key = ra, size[ra], key[ra]
        if best_root >= 0:
            roots[k] = _find(parent, best_root)  # the best set's root now
    return parent, elev, roots


@njit(nogil=True, cache=True)
def _find_at(parent, elev, x, k):
    """The root of x as it was at the end of level k (edges made at levels >= k only)."""
    while parent[x] != x and elev[x] >= k:
        x = parent[x]
    return x


@njit(nogil=True, cache=True, inline="always")
def _kstar(r, runs, parent, elev, roots):
    """First level whose Omega does not hold run r (its level + 1 if none)."""
    lev = runs[r, 3]
    for k in range(1, lev + 1):
        x = r
        while parent[x] != x and elev[x] >= k:  # r's root as it was at level k
            x = parent[x]
        if x != roots[k]:
            return k
    return lev + 1


@njit(nogil=True, cache=True)
def conn_sum_lut(p, g, diffs, n_diffs, runs, forest, phi):
    """Sum |phi(p) - phi(g)| over the listed differing pixels of integer mattes."""
    parent, elev, roots = forest
    memo = np.zeros(parent.size, np.uint8)
    total = 0.0
    for m in range(n_diffs):
        i = diffs[m, 0]
        r = diffs[m, 1]
        if r >= 0 and memo[r] == 0:
            memo[r] = _kstar(r, runs, parent, elev, roots)
        j = 0 if r < 0 else memo[r] - 1
        total += abs(np.float32(phi[p[i], j] - phi[g[i], j]))
    return total


@njit(nogil=True, cache=True)
def conn_sum_float(p, g, diffs, n_diffs, runs, forest, t):
    """Sum |phi(p) - phi(g)| over the listed differing pixels, phi in float32 as the reference."""
    parent, elev, roots = forest
    memo = np.zeros(parent.size, np.uint8)
    total = 0.0
    f1 = np.float32(1.0)
    cut = np.float32(0.15)
    zero = np.float32(0.0)
    for m in range(n_diffs):
        i = diffs[m, 0]
        r = diffs[m, 1]
        if r >= 0 and memo[r] == 0:
            memo[r] = _kstar(r, runs, parent, elev, roots)
        l = t[0] if r < 0 else t[memo[r] - 1]
        da = np.float32(p[i] - l)
        db = np.float32(g[i] - l)
        pa = f1 - (da if da >= cut else zero)
        pb = f1 - (db if db >= cut else zero)
        total += abs(np.float32(pa - pb))
    return total
