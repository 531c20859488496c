"""Conn under the Python ports' rules: float64 thresholds, and who is assigned when.

:mod:`.conn` finds, in one union-find sweep, for every run the first level ``k*`` whose largest
component Omega_k does not hold it (row-major ties). The Python ports of the DIM metric differ from
that only in *which set* Omega is and *whether pixels outside the intersection* are assigned:

``"standard"`` (mmagic)
    Omega_k is the largest component; an empty intersection assigns t_{k-1} to everything left.
``"skip_empty"`` (GFM, P3M, AIM)
    as standard, but an empty intersection is skipped (``continue``): nothing is assigned there.
``"background"`` (GCA-Matting ``utils/evaluate.py`` and its copies)
    Omega_k is the most frequent label *including the background* (label 0); ties go to the lowest
    label, so the background wins them. When the background wins, every pixel of the intersection
    is assigned and the pixels outside it (inside Omega) are not.

All three follow from the standard ``k*`` plus per-level facts (|S_k|, |Omega_k|) computed from the
runs: :func:`level_index` turns them into the index j of each run's round-down value ``t_j``
(j = 10 stands for "never assigned", which the ports turn into 1 = t_10).
The values, thresholds and phi follow each port's float types: see :func:`tables`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit

from . import conn, scan
from .conn import _by_level, _root, _run_edges
from .workspace import Workspace

LEVELS = conn.LEVELS
RULES = ("standard", "skip_empty", "background")


def thresholds64() -> np.ndarray:
    """t_0..t_10 in float64 as the ports make them (``np.arange(0, 1 + 0.1, 0.1)``: 0.30000000000000004 ...)."""
    return np.arange(0, 1 + 0.1, 0.1)


@lru_cache(maxsize=None)
def tables(max_code: int, values: str, levels: str) -> tuple[np.ndarray, np.ndarray]:
    """``(level, phi)`` lookup tables for integer codes 0..max_code (pure, so cached).

    values : "float32"
        a = float32(v) / 255 in float32 (GCA's ``cv2.imread(...).astype(np.float32) / 255.0``).
    values : "float64"
        a = v / 255.0 in float64 (mmagic, GFM).
    levels : "float64" or "float32"
        the dtype of the level map holding t_j (GFM's ``l_map`` is float32).

    ``level[v]`` counts the float64 thresholds t_1..t_10 with ``a >= t``; ``phi[v, j]`` is
    ``1 - d [d >= 0.15]`` with ``d = a - t_j`` in float64, as the ports compute it.
    """
    v = np.arange(max_code + 1)
    a = (v.astype(np.float32) / np.float32(255)).astype(np.float64) if values == "float32" else v / 255.0
    t = thresholds64()
    lev = (a[:, None] >= t[None, 1:]).sum(axis=1).astype(np.uint8)
    t_l = t.astype(np.float32).astype(np.float64) if levels == "float32" else t
    d = a[:, None] - t_l[None, :]
    phi = 1 - d * (d >= 0.15)
    return lev, np.ascontiguousarray(phi)


@njit(nogil=True, cache=True)
def largest_sizes(runs, n_runs, row_start, h, s32, s8):
    """Pixels in the largest 4-connected component of each intersection S_1..S_10 (index k).

    Union by size over the run adjacencies, levels from 10 down (the sets are nested, so level k's
    components are level k+1's plus the runs and joins of level k). Scratch as :func:`.conn.drop_levels`.
    """
    e = 3 * n_runs + 1  # conn.edge_capacity
    ea, eb, sa, sb = s32[:e], s32[e:2 * e], s32[2 * e:3 * e], s32[3 * e:4 * e]
    up, size = s32[4 * e:4 * e + n_runs], s32[4 * e + n_runs:4 * e + 2 * n_runs]
    el = s8[:e]
    n_edges = _run_edges(runs, n_runs, row_start, h, ea, eb, el)
    off, cnt = _by_level(ea, eb, el, n_edges, sa, sb)
    best = np.zeros(LEVELS + 1, np.int64)
    cur = 0
    by_level = np.zeros(LEVELS + 1, np.int64)  # the largest single run of each level
    for i in range(n_runs):
        up[i] = i
        size[i] = runs[i, 2] - runs[i, 1]
        lv = runs[i, 3]
        if size[i] > by_level[lv]:
            by_level[lv] = size[i]
    for k in range(LEVELS, 0, -1):
        if by_level[k] > cur:
            cur = by_level[k]
        for m in range(off[k], off[k] + cnt[k]):
            ra = _root(up, sa[m])
            rb = _root(up, sb[m])
            if ra == rb:
                continue
            if size[ra] < size[rb]:
                ra, rb = rb, ra
            up[rb] = ra
            size[ra] += size[rb]
            if size[ra] > cur:
                cur = size[ra]
        best[k] = cur
    return best


def level_index(runs: np.ndarray, n_runs: int, kstar: np.ndarray, largest: np.ndarray | None,
                n_pixels: int, rule: str) -> tuple[np.ndarray, int]:
    """Per run, the index j of its round-down value t_j under ``rule``; and j for level-0 pixels.

    ``largest``: :func:`largest_sizes` (needed by the "background" rule only).
    """
    lev = runs[:n_runs, 3].astype(np.int64)
    ks = kstar[:n_runs].astype(np.int64)
    length = (runs[:n_runs, 2] - runs[:n_runs, 1]).astype(np.int64)
    # |S_k| for k = 0..10, as suffix sums over the runs' levels
    s_size = np.cumsum(np.bincount(lev, weights=length, minlength=LEVELS + 1)[::-1])[::-1]
    k = np.arange(LEVELS + 1)
    if rule == "standard":
        assigns = k >= 1
    elif rule == "skip_empty":
        assigns = (k >= 1) & (s_size > 0)
    elif rule == "background":
        bg = (k >= 1) & (n_pixels - s_size >= largest)  # the background is Omega_k (it wins ties)
        first_bg = int(np.argmax(bg)) if bg.any() else LEVELS + 1
        ks = np.minimum(ks, first_bg)  # inside S_k a run leaves at the first background level
        assigns = (k >= 1) & ~bg
    else:
        raise ValueError(f"unknown Conn rule {rule!r} (choose from {', '.join(RULES)})")
    # next_assign[m]: the first level above m that assigns the pixels outside its intersection
    next_assign = np.full(LEVELS + 2, LEVELS + 1, np.int64)
    for m in range(LEVELS - 1, -1, -1):
        next_assign[m] = m + 1 if assigns[m + 1] else next_assign[m + 1]
    j = np.where(ks <= lev, ks - 1, next_assign[lev] - 1)
    return j.astype(np.uint8), int(next_assign[0] - 1)


@njit(nogil=True, cache=True)
def phi_sum(p, g, diffs, n_diffs, jrun, j0, phi):
    """Sum of |phi(p) - phi(g)| over the listed differing pixels, in float64."""
    total = 0.0
    for m in range(n_diffs):
        i = diffs[m, 0]
        r = diffs[m, 1]
        j = j0 if r < 0 else jrun[r]
        total += abs(phi[p[i], j] - phi[g[i], j])
    return total


def conn_sum(pred: np.ndarray, gt: np.ndarray, region: np.ndarray | None, *, rule: str, values: str,
             levels: str = "float64", workspace: Workspace | None = None) -> float:
    """Sum of |phi(p) - phi(g)| over ``region == 128`` (or the whole image) for integer mattes.

    ``pred`` and ``gt`` are 2-D uint8 or uint16 codes (value = code / 255); see :func:`tables`
    for ``values`` and ``levels`` and the module docstring for ``rule``. Labels are 4-connected,
    ties row-major, as skimage ``label`` and OpenCV number them.
    """
    ws = workspace if workspace is not None else Workspace()
    h, w = pred.shape
    p, g = np.ascontiguousarray(pred).ravel(), np.ascontiguousarray(gt).ravel()
    lut, phi = tables(255 if p.dtype == np.uint8 and g.dtype == np.uint8 else 65535, values, levels)
    lev = conn.levels_from_lut(p, g, lut)
    use_region = region is not None
    reg = np.ascontiguousarray(region).ravel() if use_region else np.zeros(0, np.uint8)
    runs, n_runs, row_start, diffs, n_diffs = scan.runs_generic(
        p, g, lev, h, w, reg, use_region, 128,
        ws.array("runs", (p.size, 4), np.int32), ws.array("diffs", (p.size, 2), np.int32))
    n32, n8 = conn.scratch_sizes(n_runs)
    kstar = conn.drop_levels(runs, n_runs, row_start, h, False, ws.array("conn32", (n32,), np.int32),
                             ws.array("conn8", (n8,), np.uint8))
    largest = None
    if rule == "background":
        # own uint8 scratch: kstar lives in "conn8"
        largest = largest_sizes(runs, n_runs, row_start, h, ws.array("conn32", (n32,), np.int32),
                                ws.array("conn8_sizes", (n8,), np.uint8))
    jrun, j0 = level_index(runs, n_runs, kstar, largest, p.size, rule)
    return float(phi_sum(p, g, diffs, n_diffs, jrun, j0, phi))
