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
def _rot8(x):
    """The word rotated by one byte: equal to it exactly when its eight bytes are equal."""
    return (x >> np.uint64(8)) | (x << np.uint64(56))


@njit(nogil=True, cache=True, inline="always")
def _ge_bytes(x, y):
    """High bit of each byte set where that byte of x >= that of y (unsigned), in one word."""
    hb = np.uint64(0x8080808080808080)
    t = (x | hb) - (y & ~hb)  # the low seven bits compared; no borrow crosses a byte
    return ((x & ~y) | (~(x ^ y) & t)) & hb


@njit(nogil=True, cache=True)
def _row_sums(rp, rg, rpp, rgp, use_prev):
    """``(sum |d|, sum d^2, sum dt^2, min p, max p, min g, max g)`` of one row (dt^2 0 without
    ``use_prev``). Whole rows, not only the words that differ: the loops run 16 int32 lanes wide,
    on chunks of 4096 pixels so that no int32 sum overflows (4096 * 510^2 < 2^31)."""
    w = rp.size
    sa = ss = st = 0
    for x0 in range(0, w, 4096):
        x1 = min(w, x0 + 4096)
        a_, b_, c_, d_ = rp[x0:x1], rg[x0:x1], rpp[x0:x1], rgp[x0:x1]
        ca = cs = ct = np.int32(0)
        if use_prev:
            for x in range(a_.size):
                d = np.int32(np.int16(a_[x]) - np.int16(b_[x]))
                t = np.int32(d - np.int32(np.int16(c_[x]) - np.int16(d_[x])))
                ca = np.int32(ca + np.int32(abs(d)))
                cs = np.int32(cs + np.int32(d * d))
                ct = np.int32(ct + np.int32(t * t))
        else:
            for x in range(a_.size):
                d = np.int32(np.int16(a_[x]) - np.int16(b_[x]))
                ca = np.int32(ca + np.int32(abs(d)))
                cs = np.int32(cs + np.int32(d * d))
        sa += np.int64(ca)
        ss += np.int64(cs)
        st += np.int64(ct)
    lo_p, hi_p, lo_g, hi_g = rp[0], rp[0], rg[0], rg[0]
    for x in range(w):
        lo_p = min(lo_p, rp[x])
        hi_p = max(hi_p, rp[x])
        lo_g = min(lo_g, rg[x])
        hi_g = max(hi_g, rg[x])
    return sa, ss, st, lo_p, hi_p, lo_g, hi_g


@njit(nogil=True, cache=True)
def _mark_row(pw, gw, y, nw, tile, busy, acc_p, acc_g):
    """Row y of both mattes, read as ``nw`` words a row: ``busy[wi] = 0`` where word wi leaves the
    runs and the difference list as they are (both mattes equal, eight equal bytes, the same as the
    last byte of the previous word of both); and the tile accumulators: per word, the OR of its
    XOR with the tile's top word (or, in the top row, with its own rotation), 0 for a flat tile.

    Row against row, in slices indexed from 0: the loops vectorize (word by word inside the scan it
    cost a branch a word)."""
    r = y * nw
    t = (y - y % tile) * nw
    z = np.uint64(0)
    top = np.uint64(56)
    a_, b_ = pw[r:r + nw], gw[r:r + nw]
    q = max(r - 1, 0)
    ap, bp = pw[q:q + nw], gw[q:q + nw]  # the previous words (busy[0] is set below)
    for wi in range(nw):
        a = a_[wi]
        busy[wi] = (a != b_[wi]) | (a != _rot8(a)) | (((a ^ ap[wi]) >> top) != z) \
            | (((a ^ bp[wi]) >> top) != z)
    busy[0] = 1
    if r == t:
        for wi in range(nw):
            acc_p[wi] = a_[wi] ^ _rot8(a_[wi])
            acc_g[wi] = b_[wi] ^ _rot8(b_[wi])
    else:
        tp, tg = pw[t:t + nw], gw[t:t + nw]
        for wi in range(nw):
            acc_p[wi] |= a_[wi] ^ tp[wi]
            acc_g[wi] |= b_[wi] ^ tg[wi]


@njit(nogil=True, cache=True)
def _close_tiles(words, y, nw, tile, acc, flat, value):
    """At the last row y of a tile row: its flat-tile map (every word of a tile equal to its first
    word, which is eight equal bytes) and each tile's first byte."""
    y0 = y - y % tile
    top = words[y0 * nw:(y0 + 1) * nw]
    ty = y // tile
    wpt = tile // 8
    z = np.uint64(0)
    for tx in range(flat.shape[1]):
        first = tx * wpt
        ok = acc[first] == z
        for wi in range(first + 1, min(nw, first + wpt)):
            ok = ok and acc[wi] == z and top[wi] == top[first]
        flat[ty, tx] = ok
        value[ty, tx] = np.int64(top[first] & np.uint64(0xFF))


@njit(nogil=True, cache=True)
def scan_u8(p, g, pp, gp, use_prev, lut, tile, runs, diffs):
    """The fused eight-pixels-a-step scan of 8-bit mattes (width a multiple of 8; ``tile`` too).

    Returns ``(sums, tiles, runs, n_runs, row_start, diffs, n_diffs, ranges)``: ``sums = (sum|d|,
    sum d^2, sum dt^2)`` in int64, ``tiles = (flat_p, value_p, flat_g, value_g)``, the run and
    difference lists of :func:`runs_generic` (in the buffers ``runs`` and ``diffs`` given, as there,
    but a difference holds the values ``p << 8 | g`` where the generic list holds the pixel index:
    Conn then never reads the frames again) and ``ranges = (min p, max p, min g, max g)``. ``lut``
    (level of a code) must not decrease: ``min(lut[a], lut[b]) = lut[min(a, b)]``.

    Each row is read once from memory, in passes while it is cached: :func:`_mark_row` flags the
    words that can change a run or a difference (15% of a 1080p matte's), :func:`_row_sums` sums
    the whole row vectorized, and only the flagged words are walked pixel by pixel (a differing word
    whose pixels all stay in the open run's level, two in three at 1080p, only records them).
    """
    if pp.itemsize != 1 or gp.itemsize != 1:
        # FrameContext brings frames of mixed depth to one (16-bit); the int32 sums assume 8 bits
        raise ValueError("scan_u8: the previous frame must be 8-bit too")
    h, w = p.shape
    nw = w // 8
    ff = np.uint64(0xFF)
    # the records as int64 pairs (one store each), indexed by unsigned counts (no wraparound code)
    runs64 = runs.reshape(-1).view(np.int64)
    diffs64 = diffs.reshape(-1).view(np.int64)
    pw = p.reshape(-1).view(np.uint64)
    gw = g.reshape(-1).view(np.uint64)
    pf, gf = p.reshape(-1), g.reshape(-1)
    ppf, gpf = pp.reshape(-1), gp.reshape(-1)
    wpt = tile // 8
    nty, ntx = (h + tile - 1) // tile, (nw + wpt - 1) // wpt
    # integer values: uint64 <-> float conversions are slow
    flat_p, val_p = np.empty((nty, ntx), np.bool_), np.empty((nty, ntx), np.int64)
    flat_g, val_g = np.empty_like(flat_p), np.empty_like(val_p)
    acc_p, acc_g = np.empty(nw, np.uint64), np.empty(nw, np.uint64)
    busy = np.zeros((nw + 7) // 8 * 8, np.uint8)  # zero-padded: read eight flags at a time as a word
    busy8 = busy.view(np.uint64)
    # each level's codes lo_k..hi_k as eight equal bytes: a word whose pixels all stay in the open
    # run's level is recognised without a look-up
    band_lo = np.zeros(lut.size, np.uint64)
    band_hi = np.zeros(lut.size, np.uint64)
    ones = np.uint64(0x0101010101010101)
    hb = np.uint64(0x8080808080808080)
    for c in range(lut.size - 1, -1, -1):
        band_lo[lut[c]] = np.uint64(c) * ones
    for c in range(lut.size):
        band_hi[lut[c]] = np.uint64(c) * ones
    lo_p, hi_p, lo_g, hi_g = 255, 0, 255, 0
    sa = ss = st = 0
    row_start = np.empty(h + 1, np.int64)
    n_runs = 0
    n_diffs = 0
    for y in range(h):
        row_start[y] = n_runs
        _mark_row(pw, gw, y, nw, tile, busy, acc_p, acc_g)
        cur = -1        # level of the open run (-1: none yet in this row)
        cur_start = 0
        for ci in range((nw + 7) // 8):
            if busy8[ci] == 0:
                continue
            for wi in range(ci * 8, min(nw, ci * 8 + 8)):
                if busy[wi] == 0:
                    continue
                a = pw[y * nw + wi]
                b = gw[y * nw + wi]
                c_base = wi * 8
                if a == b:
                    if a == _rot8(a):  # eight equal pixels, equal in both: one level
                        k = np.int64(lut[a & ff])
                        if k != cur:
                            if cur > 0:
                                _put_run(runs, n_runs, y, cur_start, c_base, cur)
                                n_runs += 1
                            cur = k
                            cur_start = c_base
                        continue
                    for q in range(8):
                        k = np.int64(lut[(a >> np.uint64(8 * q)) & ff])
                        if k != cur:
                            if cur > 0:
                                _put_run(runs, n_runs, y, cur_start, c_base + q, cur)
                                n_runs += 1
                            cur = k
                            cur_start = c_base + q
                    continue
                if cur >= 0:
                    mk = (_ge_bytes(a, b) >> np.uint64(7)) * ff  # bytes where a >= b
                    m = (b & mk) | (a & ~mk)  # min(p, g) byte by byte
                    if (_ge_bytes(m, band_lo[cur]) & _ge_bytes(band_hi[cur], m)) == hb:
                        # all eight levels are the open run's: only differences to record
                        base = (n_runs if cur > 0 else np.int64(0xFFFFFFFF)) << 32
                        for q in range(8):
                            sh = np.uint64(8 * q)
                            av = np.int64((a >> sh) & ff)
                            bv = np.int64((b >> sh) & ff)
                            diffs64[np.uint64(n_diffs)] = (av << 8) | bv | base
                            n_diffs += np.int64(av != bv)
                        continue
                # (the run-closing step below is written out at each place on purpose: as an
                # inlined helper returning a tuple it made this loop 2.5x slower)
                for q in range(8):  # differing words: levels, runs and differing pixels at once
                    sh = np.uint64(8 * q)
                    av = np.int64((a >> sh) & ff)
                    bv = np.int64((b >> sh) & ff)
                    k = np.int64(lut[np.uint64(av if av < bv else bv)])
                    # branch-free: levels and differences change unpredictably in soft regions, so
                    # both records are always written and kept by advancing their counts or not
                    changed = k != cur
                    c = c_base + q
                    r2 = np.uint64(2 * n_runs)
                    runs64[r2] = y | (cur_start << 32)
                    runs64[r2 + np.uint64(1)] = c | (cur << 32)
                    n_runs += np.int64(changed & (cur > 0))
                    cur_start = c if changed else cur_start
                    cur = k
                    # the open run gets index n_runs when it closes; -1 (level 0) as 32 bits
                    rid = n_runs if k > 0 else np.int64(0xFFFFFFFF)
                    diffs64[np.uint64(n_diffs)] = (av << 8) | bv | (rid << 32)
                    n_diffs += np.int64(av != bv)
        if cur > 0:
            _put_run(runs, n_runs, y, cur_start, w, cur)
            n_runs += 1
        if y % tile == tile - 1 or y == h - 1:
            _close_tiles(pw, y, nw, tile, acc_p, flat_p, val_p)
            _close_tiles(gw, y, nw, tile, acc_g, flat_g, val_g)
        row = slice(y * w, (y + 1) * w)
        s_a, s_s, s_t, l_p, h_p, l_g, h_g = _row_sums(pf[row], gf[row], ppf[row], gpf[row], use_prev)
        sa += s_a
        ss += s_s
        st += s_t
        lo_p, hi_p = min(lo_p, l_p), max(hi_p, h_p)
        lo_g, hi_g = min(lo_g, l_g), max(hi_g, h_g)
    row_start[h] = n_runs
    tiles = (flat_p, val_p.astype(np.float64), flat_g, val_g.astype(np.float64))
    ranges = (np.int64(lo_p), np.int64(hi_p), np.int64(lo_g), np.int64(hi_g))
    return (np.int64(sa), np.int64(ss), np.int64(st)), tiles, runs, n_runs, row_start, diffs, n_diffs, ranges
