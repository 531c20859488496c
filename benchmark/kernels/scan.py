"""The scan: one pass over a frame pair that feeds every metric.

It yields the exact pixel sums (MAD/SAD, MSE, dtSSD), the flat-tile maps and value ranges that let
Grad skip still regions and normalise, and for Conn the runs (maximal stretches of one row with one
threshold level >= 1) and the list of differing pixels with the run that holds each.

:func:`scan_u8` is the fast path for 8-bit mattes scored over the whole frame with rows a multiple
of 8 pixels long: it reads eight pixels per step and does per-pixel work only where the two mattes
differ or change level. :func:`runs_generic` and the kernels of :mod:`.pixel` serve every other
case (16-bit, float, a trimap region, odd widths); tests check that both paths agree exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

ONES = np.uint64(0x0101010101010101)


@njit(nogil=True, cache=True, inline="always")
def _put_run(runs, n, y, c0, c1, k):
    runs[n, 0] = y
    runs[n, 1] = c0
    runs[n, 2] = c1
    runs[n, 3] = k


@njit(nogil=True, cache=True, inline="always")
def _put_diff(diffs, n, i, run):
    diffs[n, 0] = i
    diffs[n, 1] = run


@njit(nogil=True, cache=True)
def runs_generic(p, g, lev, h, w, region, use_region, region_value, runs, diffs):
    """Runs of level >= 1 and the differing pixels (in the region), from a per-pixel level map.

    ``runs`` and ``diffs`` are int32 buffers of shape (h * w, 4) and (h * w, 2) (the worst case;
    int32 pixel indices: frames below 2**31 pixels). Returns ``(runs, n_runs, row_start, diffs,
    n_diffs)``: ``runs[r] = (row, c0, c1, level)`` (columns c0..c1-1), ``row_start[y]`` the first
    run of row y; ``diffs[m] = (pixel, run)`` with run -1 for a differing pixel of level 0.
    """
    row_start = np.empty(h + 1, np.int64)
    n_runs = 0
    n_diffs = 0
    for y in range(h):
        row_start[y] = n_runs
        x = 0
        base = y * w
        while x < w:
            k = lev[base + x]
            x0 = x
            while x < w and lev[base + x] == k:
                x += 1
            rid = -1
            if k > 0:
                _put_run(runs, n_runs, y, x0, x, k)
                rid = n_runs
                n_runs += 1
            for c in range(x0, x):
                i = base + c
                if p[i] != g[i] and (not use_region or region[i] == region_value):
                    _put_diff(diffs, n_diffs, i, rid)
                    n_diffs += 1
    row_start[h] = n_runs
    return runs, n_runs, row_start, diffs, n_diffs


@njit(nogil=True, cache=True, inline="always")
def _tile_row(words, y, h, nw, tile, same, flat, value):
    """Fold row y of an 8-bit matte (read as ``nw`` words a row; rows arrive in order) into its
    flat-tile map: a tile is flat when every word of it equals its first word and that word is eight
    equal bytes; ``value`` is that first byte. ``same`` carries the open tile row's state.

    Row against row, so the loops vectorize (word by word inside the scan it cost a branch a word).
    """
    y0 = y - y % tile
    top = words[y0 * nw:(y0 + 1) * nw]
    if y == y0:
        for wi in range(nw):
            same[wi] = top[wi] == (top[wi] & np.uint64(0xFF)) * ONES
    else:
        row = words[y * nw:(y + 1) * nw]
        for wi in range(nw):
            same[wi] = same[wi] & (row[wi] == top[wi])
    if y % tile == tile - 1 or y == h - 1:
        ty = y // tile
        wpt = tile // 8
        for tx in range(flat.shape[1]):
            first = tx * wpt
            ok = same[first]
            for wi in range(first + 1, min(nw, first + wpt)):
                ok = ok and same[wi] and top[wi] == top[first]
            flat[ty, tx] = ok
            value[ty, tx] = np.int64(top[first] & np.uint64(0xFF))


@njit(nogil=True, cache=True)
def scan_u8(p, g, pp, gp, use_prev, lut, tile, runs, diffs):
    """The fused eight-pixels-a-step scan of 8-bit mattes (width a multiple of 8; ``tile`` too).

    Returns ``(sums, tiles, runs, n_runs, row_start, diffs, n_diffs, ranges)``: ``sums = (sum|d|,
    sum d^2, sum dt^2)`` in int64, ``tiles = (flat_p, value_p, flat_g, value_g)``, the run and
    difference lists of :func:`runs_generic` (in the buffers ``runs`` and ``diffs`` given, as there,
    but a difference holds the values ``p << 8 | g`` where the generic list holds the pixel index:
    Conn then never reads the frames again) and ``ranges = (min p, max p, min g, max g)``. Each row
    is read once from memory: the tile maps and ranges are folded in while it is cached.
    """
    h, w = p.shape
    nw = w // 8
    pw = p.reshape(-1).view(np.uint64)
    gw = g.reshape(-1).view(np.uint64)
    ppw = pp.reshape(-1).view(np.uint64)
    gpw = gp.reshape(-1).view(np.uint64)
    pf = p.reshape(-1)
    gf = g.reshape(-1)
    ppf = pp.reshape(-1)
    gpf = gp.reshape(-1)
    wpt = tile // 8
    nty, ntx = (h + tile - 1) // tile, (nw + wpt - 1) // wpt
    # integer values: uint64 <-> float conversions are slow
    flat_p, val_p = np.empty((nty, ntx), np.bool_), np.empty((nty, ntx), np.int64)
    same_p = np.empty(nw, np.bool_)
    flat_g, val_g, same_g = np.empty_like(flat_p), np.empty_like(val_p), np.empty_like(same_p)
    lo_p, hi_p, lo_g, hi_g = 255, 0, 255, 0
    sa = np.int64(0)
    ss = np.int64(0)
    st = np.int64(0)
    row_start = np.empty(h + 1, np.int64)
    n_runs = 0
    n_diffs = 0
    for y in range(h):
        row_start[y] = n_runs
        cur = -1        # level of the open run (-1: none yet in this row)
        cur_start = 0
        for wi in range(nw):
            j = y * nw + wi
            a = pw[j]
            b = gw[j]
            a0 = np.int64(a & np.uint64(0xFF))
            a_flat = a == np.uint64(a0) * ONES
            c_base = wi * 8
            i_base = y * w + c_base
            if a == b:
                # equal words: no |d| or d^2; dt only if the previous frames differ here
                if use_prev and ppw[j] != gpw[j]:
                    for q in range(8):
                        t = np.int64(ppf[i_base + q]) - np.int64(gpf[i_base + q])
                        st += t * t
                if a_flat:
                    k = np.int64(lut[a0])
                    if k != cur:
                        if cur > 0:
                            _put_run(runs, n_runs, y, cur_start, c_base, cur)
                            n_runs += 1
                        cur = k
                        cur_start = c_base
                    continue
                for q in range(8):
                    k = np.int64(lut[pf[i_base + q]])
                    if k != cur:
                        if cur > 0:
                            _put_run(runs, n_runs, y, cur_start, c_base + q, cur)
                            n_runs += 1
                        cur = k
                        cur_start = c_base + q
                continue
            # (the run-closing step below is written out at each place on purpose: as an inlined
            # helper returning a tuple it made this loop 2.5x slower)
            for q in range(8):  # differing words: sums, levels, runs and differing pixels at once
                i = i_base + q
                av = pf[i]
                bv = gf[i]
                d = np.int64(av) - np.int64(bv)
                sa += abs(d)
                ss += d * d
                if use_prev:
                    t = d - (np.int64(ppf[i]) - np.int64(gpf[i]))
                    st += t * t
                la = lut[av]
                lb = lut[bv]
                k = np.int64(la if la < lb else lb)
                # branch-free: levels and differences change unpredictably in soft regions, so
                # both records are always written and kept by advancing their counts or not
                changed = k != cur
                _put_run(runs, n_runs, y, cur_start, c_base + q, cur)
                n_runs += np.int64(changed & (cur > 0))
                cur_start = c_base + q if changed else cur_start
                cur = k
                # the open run gets index n_runs when it closes
                _put_diff(diffs, n_diffs, (np.int64(av) << 8) | np.int64(bv), n_runs if k > 0 else -1)
                n_diffs += np.int64(d != 0)
        if cur > 0:
            _put_run(runs, n_runs, y, cur_start, w, cur)
            n_runs += 1
        # while the row is in the first-level cache: the flat-tile maps and the value ranges (each
        # its own pass over a whole frame read it from memory again)
        _tile_row(pw, y, h, nw, tile, same_p, flat_p, val_p)
        _tile_row(gw, y, h, nw, tile, same_g, flat_g, val_g)
        rp, rg = pf[y * w:(y + 1) * w], gf[y * w:(y + 1) * w]
        for x in range(w):
            lo_p = min(lo_p, rp[x])
            hi_p = max(hi_p, rp[x])
            lo_g = min(lo_g, rg[x])
            hi_g = max(hi_g, rg[x])
    row_start[h] = n_runs
    tiles = (flat_p, val_p.astype(np.float64), flat_g, val_g.astype(np.float64))
    ranges = (np.int64(lo_p), np.int64(hi_p), np.int64(lo_g), np.int64(hi_g))
    return (sa, ss, st), tiles, runs, n_runs, row_start, diffs, n_diffs, ranges
