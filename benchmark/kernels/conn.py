"""The connectivity error (Conn): one union-find sweep over the ten nested threshold levels.

For thresholds t_k = 0.1 k (k = 1..10), Omega_k is the largest 4-connected component of
``(p >= t_k) & (g >= t_k)``. A pixel's *level* ``L = min(level(p), level(g))`` says for which k it lies
in that intersection, so the ten sets are nested: ``{L >= k}``.

The image is cut into *runs*: maximal stretches of one row with one level (a scan produces them,
see :mod:`.scan`). Run adjacencies are joined in decreasing level order (Kruskal, union by size),
so every level's components are built in one sweep. Each join is stamped with its level, so the
forest remembers the components of every level; from it a linear pass gives each run ``k*``, the
first level whose Omega does not hold it (``t_10 = 1``: never dropped), and a pixel's round-down
value is ``l = t_{k*-1}``.

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


def edge_capacity(n_runs: int) -> int:
    """The most run adjacencies ``n_runs`` runs can have (see :func:`_run_edges`)."""
    return 3 * n_runs + 1


def scratch_sizes(n_runs: int) -> tuple[int, int]:
    """Elements of the int32 and uint8 scratch buffers :func:`drop_levels` needs."""
    e = edge_capacity(n_runs)
    return 4 * e + 5 * n_runs, e + 2 * n_runs


@njit(nogil=True, cache=True)
def _run_edges(runs, n_runs, row_start, h, ea, eb, el):
    """Adjacent run pairs ``(ea, eb)`` and the level ``el`` at which they join (the lower of the two).

    Neighbours in a row touch end to start; runs of consecutive rows are adjacent when their
    column spans overlap (4-connectivity), found by a two-pointer sweep. At most n_runs - 1 in-row
    pairs, and per pair of rows fewer than the runs of both rows: the buffers hold
    :func:`edge_capacity` edges.
    """
    # Branch-free: whether runs touch or overlap, and which pointer moves, are coin flips at soft
    # edges; each candidate pair is written and kept by advancing n or not (the capacity has room).
    # Rows as slices indexed from 0 and an unsigned count: no index can be negative, so no
    # wraparound code.
    n = np.uint64(0)
    for y in range(h):
        lo, hi = row_start[y], row_start[y + 1]
        a_ = runs[lo:hi]
        for i in range(a_.shape[0] - 1):
            ea[n] = lo + i
            eb[n] = lo + i + 1
            el[n] = min(a_[i, 3], a_[i + 1, 3])
            n += np.uint64(a_[i, 2] == a_[i + 1, 1])
        if y + 1 < h:
            b_ = runs[hi:row_start[y + 2]]
            na, nb = a_.shape[0], b_.shape[0]
            i = j = 0
            while i < na and j < nb:
                a1, a2, b1, b2 = a_[i, 1], a_[i, 2], b_[j, 1], b_[j, 2]
                ea[n] = lo + i
                eb[n] = hi + j
                el[n] = min(a_[i, 3], b_[j, 3])
                n += np.uint64((a1 < b2) & (b1 < a2))
                step = np.int64(a2 < b2)
                i += step
                j += 1 - step
    return np.int64(n)


@njit(nogil=True, cache=True)
def _by_level(ea, eb, el, n, sa, sb):
    """The edges copied into ``sa``/``sb`` by level, highest first (a stable counting sort), and
    each level's ``(offset, count)``: the sweep then reads them in order."""
    cnt = np.zeros(LEVELS + 1, np.int64)
    for m in range(n):
        cnt[el[m]] += 1
    off = np.zeros(LEVELS + 1, np.int64)
    acc = 0
    for k in range(LEVELS, -1, -1):
        off[k] = acc
        acc += cnt[k]
    fill = off.copy()
    for m in range(n):
        k = el[m]
        sa[fill[k]] = ea[m]
        sb[fill[k]] = eb[m]
        fill[k] += 1
    return off, cnt


@njit(nogil=True, cache=True, inline="always")
def _root(up, x):
    """Current root of x, halving the path (in the sweep's own links, not the level-stamped ones)."""
    while up[x] != x:
        up[x] = up[up[x]]
        x = up[x]
    return x


@njit(nogil=True, cache=True, inline="always")
def _first_not_root(x, lo, hi, roots):
    """The first level k in lo..hi whose Omega is not rooted at x (hi + 1 if none)."""
    for k in range(lo, hi + 1):
        if roots[k] != x:
            return k
    return hi + 1


@njit(nogil=True, cache=True, inline="always")
def _larger(size, key, best_size, best_key):
    """Whether a set beats the best so far: larger, or as large with an earlier first pixel."""
    return size > best_size or (size == best_size and key < best_key)


@njit(nogil=True, cache=True)
def drop_levels(runs, n_runs, row_start, h, column_major, s32, s8):
    """Per run, ``k*``: the first level whose Omega does not hold it (its level + 1 if none).

    Kruskal on the run adjacency graph, edges from level 10 down, union by size. Each union is
    recorded twice: in ``up`` (path-halved, for fast finds during the sweep) and in the
    level-stamped forest ``parent``/``elev`` (never compressed: it remembers every level's
    components). Omega_k's root is the largest set at the end of level k (ties: first pixel in
    row- or column-major order). Then, parents before children (reverse order of attachment):
    a run x attached under p at level e shares p's components at levels <= e, so
    ``k*(x) = k*(p)`` when that is <= e, and otherwise the first level above e at which x is not
    Omega's root itself.
    ``runs[r] = (row, c0, c1, level)`` as the scan makes them (sorted by row then column, level
    >= 1); ``row_start[y]`` is row y's first run (``row_start[h] = n_runs``). ``s32``/``s8``:
    int32 and uint8 scratch of :func:`scratch_sizes` elements; the result is a view of ``s8``.
    """
    n, e = n_runs, 3 * n_runs + 1  # e: edge_capacity
    ea, eb, sa, sb = s32[:e], s32[e:2 * e], s32[2 * e:3 * e], s32[3 * e:4 * e]
    # int32 sizes and keys: frames below 2**31 pixels, and less memory to keep in cache
    b = 4 * e
    parent, up, size = s32[b:b + n], s32[b + n:b + 2 * n], s32[b + 2 * n:b + 3 * n]
    key, attached = s32[b + 3 * n:b + 4 * n], s32[b + 4 * n:b + 5 * n]
    el, elev, kstar = s8[:e], s8[e:e + n], s8[e + n:e + 2 * n]
    n_edges = _run_edges(runs, n_runs, row_start, h, ea, eb, el)
    off, cnt = _by_level(ea, eb, el, n_edges, sa, sb)
    # unsigned views: indices that cannot be negative need no wraparound code
    ea, eb = sa.view(np.uint32), sb.view(np.uint32)
    up, parent, attached = up.view(np.uint32), parent.view(np.uint32), attached.view(np.uint32)
    single_size = np.zeros(LEVELS + 1, np.int64)
    single = np.full(LEVELS + 1, -1, np.int64)
    single_key = np.zeros(LEVELS + 1, np.int64)
    for i in range(n_runs):
        parent[i] = i
        up[i] = i
        s = runs[i, 2] - runs[i, 1]
        # the rank of the run's first pixel in the tie-break order: runs are sorted row-major
        kk = runs[i, 1] * h + runs[i, 0] if column_major else i
        size[i] = s
        key[i] = kk
        lv = runs[i, 3]
        if _larger(s, kk, single_size[lv], single_key[lv]):
            single[lv], single_size[lv], single_key[lv] = i, s, kk
    n_att = 0
    roots = np.full(LEVELS + 1, -1, np.int64)
    best_root, best_size, best_key = np.int64(-1), np.int64(0), np.int64(1) << 62
    for k in range(LEVELS, 0, -1):
        # the largest single run of this level joins the race as runs join before their edges
        if single[k] >= 0 and _larger(single_size[k], single_key[k], best_size, best_key):
            best_root, best_size, best_key = single[k], single_size[k], single_key[k]
        for m in range(off[k], off[k] + cnt[k]):
            ra = _root(up, ea[m])
            rb = _root(up, eb[m])
            if ra == rb:
                continue
            if size[ra] < size[rb] or (size[ra] == size[rb] and ra > rb):
                ra, rb = rb, ra
            parent[rb] = ra
            up[rb] = ra
            elev[rb] = k
            attached[n_att] = rb
            n_att += 1
            size[ra] += size[rb]
            if key[rb] < key[ra]:
                key[ra] = key[rb]
            if _larger(size[ra], key[ra], best_size, best_key):
                best_root, best_size, best_key = ra, size[ra], key[ra]
        if best_root >= 0:
            roots[k] = _root(up, best_root)
    for x in range(n_runs):
        if parent[x] == x:
            kstar[x] = _first_not_root(x, 1, runs[x, 3], roots)
    for m in range(n_att - 1, -1, -1):
        x = attached[m]
        kp = kstar[parent[x]]
        e = elev[x]
        kstar[x] = kp if kp <= e else _first_not_root(x, e + 1, runs[x, 3], roots)
    return kstar


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
def conn_sum_codes(diffs, n_diffs, kstar, phi):
    """:func:`conn_sum_lut` over differences that hold their 8-bit values as ``p << 8 | g``
    (``kstar``: one entry per run).

    Read as unsigned (run -1 becomes 2^32 - 1, past every run): numba then emits no wraparound code
    for the table look-ups (1080p: 1.6x faster); the sum runs in the same order.
    """
    d = diffs.reshape(-1).view(np.uint32)
    n_runs = np.uint32(kstar.size)
    flat = phi.reshape(-1)
    row = np.uint32(phi.shape[1])
    total = 0.0
    for m in range(n_diffs):
        code = d[2 * m]
        r = d[2 * m + 1]
        j = np.uint32(kstar[r] - 1) if r < n_runs else np.uint32(0)
        a = (code >> np.uint32(8)) * row + j
        b = (code & np.uint32(0xFF)) * row + j
        total += abs(np.float32(flat[a] - flat[b]))
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
