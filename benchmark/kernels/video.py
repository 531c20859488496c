"""Kernels of the video-matting protocols (``dvm``, ``maggie``, ``tcvom``): Grad and Conn on 8-bit
codes with a protocol's own thresholds, border and region, and the MESSDdt warps.

The Grad and Conn helpers drive the shared kernels of :mod:`.grad`, :mod:`.conn` and :mod:`.scan`
(unchanged) with the parameters a protocol needs; the warps are new kernels.

- :func:`dvm_warp_error` (from :mod:`.warp`): DVM's ``BatchMetric.MESSDdt`` sampling (nowsyn/DVM @
  c045693), bugs and all (x and y swapped, every pair reading the first "next" frame), and its
  corrected form; MaGGIe reuses the same code.
- :func:`bilinear_warp_error`: TCVOM's ``flow_dt`` (``grid_sample``, bilinear, align_corners,
  zero padding) straight from the flow PNG's 16-bit channels; :func:`tcvom_sums` its per-frame sums.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numba import njit

from mbench.benchmark.kernels import conn as conn_kernels
from mbench.benchmark.kernels import grad as grad_kernels
from mbench.benchmark.kernels import scan
from mbench.benchmark.kernels.warp import dvm_warp_error  # noqa: F401  (re-exported with the other warp)
from mbench.benchmark.kernels.workspace import Workspace

_TAPS = grad_kernels.kernel_taps()
# DVM's Farneback parameters: pyr_scale, levels, winsize, iterations, poly_n, poly_sigma, flags
_UNIT8_64 = np.float32(np.arange(256) / 255.0)  # np.float32(code / 255.0): float64 division, rounded
FARNEBACK_DVM = (0.5, 5, 10, 2, 7, 1.5, cv2.OPTFLOW_FARNEBACK_GAUSSIAN)


def level_lut_u8(thresholds: np.ndarray) -> np.ndarray:
    """Conn level (0..10) of each 8-bit code: how many ``thresholds[1:]`` satisfy
    ``float32(v / 255) >= t`` (compared in the thresholds' own dtype, as the original does)."""
    a = np.arange(256, dtype=np.float32) / np.float32(255)
    return (a[:, None].astype(thresholds.dtype) >= thresholds[None, 1:]).sum(axis=1).astype(np.uint8)


def conn_sum_u8(p: np.ndarray, g: np.ndarray, level_lut: np.ndarray, region: np.ndarray | None,
                region_value: int, ws: Workspace) -> float:
    """Sum over the region of |phi(p) - phi(g)| for 8-bit mattes (4-connectivity, raster-order ties,
    round-down levels and phi in float32 from ``np.arange(0, 1.1, 0.1)``)."""
    h, w = p.shape
    pf, gf = np.ascontiguousarray(p).ravel(), np.ascontiguousarray(g).ravel()
    lev = conn_kernels.levels_from_lut(pf, gf, level_lut)
    reg = np.zeros(0, np.uint8) if region is None else np.ascontiguousarray(region, np.uint8).ravel()
    n = pf.size
    runs, n_runs, row_start, diffs, n_diffs = scan.runs_generic(
        pf, gf, lev, h, w, reg, region is not None, region_value,
        ws.array("runs", (n, 4), np.int32), ws.array("diffs", (n, 2), np.int32))
    n32, n8 = conn_kernels.scratch_sizes(n_runs)
    kstar = conn_kernels.drop_levels(runs, n_runs, row_start, h, False,
                                     ws.array("conn32", (n32,), np.int32),
                                     ws.array("conn8", (n8,), np.uint8))
    return float(conn_kernels.conn_sum_lut(pf, gf, diffs, n_diffs, kstar, conn_kernels.phi_lut(255)))


def grad_sum(p: np.ndarray, g: np.ndarray, sp: float, sg: float, region: np.ndarray | None,
             region_value: int, ws: Workspace) -> float:
    """Sum over the region of ``(sg |grad g| - sp |grad p|)^2`` with the 9x9 sigma-1.4 filters and
    a replicate border (a sign flip of the kernel, i.e. convolution, leaves the magnitude alone)."""
    p, g = np.ascontiguousarray(p), np.ascontiguousarray(g)
    tiles = (*grad_kernels.tile_map(p, grad_kernels.TILE), *grad_kernels.tile_map(g, grad_kernels.TILE))
    scratch = ws.array("grad", (grad_kernels.scratch_size(p.shape[1]),), np.float64)
    reg = np.zeros((0, 0), np.uint8) if region is None else np.ascontiguousarray(region, np.uint8)
    return float(grad_kernels.grad_error_sum(p, g, sp, sg, _TAPS, tiles, reg, region is not None,
                                             region_value, grad_kernels.TILE, scratch))


def grad_sum_zero_border(p: np.ndarray, g: np.ndarray, sp: float, sg: float, ws: Workspace,
                         tiles=None, offsets: tuple[int, int] = (0, 0)) -> float:
    """:func:`grad_sum` of ``p - offsets[0]`` and ``g - offsets[1]`` over the whole frame with a zero
    border instead of replicate (MaGGIe's ``conv2d(padding=4)``): the shifted mattes are framed by
    zeros, whose replicated frame is the zero padding, and only the original pixels are summed.

    ``tiles``: the flat-tile maps of ``p`` and ``g`` themselves (from the 8-bit scan), usable when
    both sides are multiples of the tile size; the frame is then one tile wide, so the padded maps
    are the given ones shifted by one tile (flatness does not change with the offset).
    """
    h, w = p.shape
    t = grad_kernels.TILE
    aligned = tiles is not None and h % t == 0 and w % t == 0
    pad = t if aligned else grad_kernels.HALF
    shape = (h + 2 * pad, w + 2 * pad)
    pp, gp = ws.array("zpad_p", shape, p.dtype), ws.array("zpad_g", shape, g.dtype)
    for buf, src, off in ((pp, p, offsets[0]), (gp, g, offsets[1])):
        buf[:pad] = 0
        buf[-pad:] = 0
        buf[:, :pad] = 0
        buf[:, -pad:] = 0
        np.subtract(src, src.dtype.type(off), out=buf[pad:-pad, pad:-pad])
    if aligned:
        maps = []
        for flat, value, off in ((tiles[0], tiles[1], offsets[0]), (tiles[2], tiles[3], offsets[1])):
            f = np.ones((flat.shape[0] + 2, flat.shape[1] + 2), np.bool_)
            v = np.zeros(f.shape, np.float64)
            f[1:-1, 1:-1] = flat
            v[1:-1, 1:-1] = value - off
            maps += [f, v]
        padded = tuple(maps)
    else:
        padded = (*grad_kernels.tile_map(pp, t), *grad_kernels.tile_map(gp, t))
    scratch = ws.array("grad", (grad_kernels.scratch_size(shape[1]),), np.float64)
    return float(_grad_window_sum(pp, gp, sp, sg, _TAPS, padded, pad, pad + h, pad, pad + w, t, scratch))


@njit(nogil=True, cache=True)
def _grad_window_sum(p, g, sp, sg, taps, tiles, y0, y1, x0, x1, tile, scratch):
    """Sum of ``(sg |grad g| - sp |grad p|)^2`` over rows y0..y1-1 and columns x0..x1-1 only."""
    h, w = p.shape
    stills = grad_kernels._stills(tiles)
    still = stills[2]
    nty, ntx = still.shape
    buf, sv, dv, mp, mg = grad_kernels._band_buffers(scratch, tile, w)
    total = 0.0
    for ty in range(nty):
        active = ~still[ty]
        t0, tx = grad_kernels._next_run(active, 0)
        while t0 < ntx:
            r0, c0, th, tw = grad_kernels._run_magnitudes(p, g, stills, ty, t0, tx, tile, taps, buf, sv,
                                                          dv, mp, mg)
            j0, j1 = max(x0 - c0, 0), min(x1 - c0, tw)
            for i in range(max(y0 - r0, 0), min(y1 - r0, th)):
                rp, rg = mp[i], mg[i]
                for j in range(j0, j1):
                    e = sg * rg[j] - sp * rp[j]
                    total += e * e
            t0, tx = grad_kernels._next_run(active, tx)
    return total


def farneback_rint(g0: np.ndarray, g1: np.ndarray) -> np.ndarray:
    """DVM's flow from 8-bit frame ``g0`` to ``g1``, rounded half to even: (H, W, 2) of (dx, dy), int32
    (the original's int64 holds the same values; half the memory for the warp to read)."""
    flow = cv2.calcOpticalFlowFarneback(g0, g1, None, *FARNEBACK_DVM)
    return np.rint(flow).astype(np.int32)


@njit(nogil=True, cache=True)
def tcvom_sums(a8, g8, t8, ha8, hg8, has_next):
    """TCVOM's per-frame sums over m = 0 < trimap < 255, values float32(code / 255.0) per pixel:
    (sum |a-g|, sum (a-g)^2, |m|, sum ((a-ha)-(g-hg))^2), float32 terms summed in float64."""
    sa = 0.0
    ss = 0.0
    st = 0.0
    n = 0
    for y in range(a8.shape[0]):
        for x in range(a8.shape[1]):
            t = t8[y, x]
            if t == 0 or t == 255:
                continue
            d = np.float32(_UNIT8_64[a8[y, x]] - _UNIT8_64[g8[y, x]])
            sa += abs(d)
            ss += np.float32(d * d)
            n += 1
            if has_next:
                e = np.float32(np.float32(_UNIT8_64[a8[y, x]] - _UNIT8_64[ha8[y, x]])
                               - np.float32(_UNIT8_64[g8[y, x]] - _UNIT8_64[hg8[y, x]]))
                st += np.float32(e * e)
    return sa, ss, n, st


@njit(nogil=True, cache=True)
def bilinear_warp_error(a8, g8, ha8, hg8, t8, raw):
    """TCVOM's ``flow_dt`` on one pair, from 8-bit frames (float32(code / 255.0)), the trimap
    (m = 0 < t < 255) and the flow PNG as read (uint16 B, G, R): dx, dy = int16(B), int16(G) / 100
    in float32, R == 0 invalid. The next frame's prediction and GT are sampled at (x + dx, y + dy)
    bilinearly (align_corners, zero outside) over valid pixels of m. Returns
    (sum |e - e~|, sum |e^2 - e~^2|, valid pixels), e = a - g, e~ = ha~ - hg~."""
    h, w = a8.shape
    s_fix = 0.0
    s_sq = 0.0
    n = 0
    hundred = np.float32(100.0)
    for y in range(h):
        for x in range(w):
            t = t8[y, x]
            if t == 0 or t == 255 or raw[y, x, 2] == 0:
                continue
            bx = np.int32(raw[y, x, 0])
            by = np.int32(raw[y, x, 1])
            dx = np.float32(bx - 65536 if bx >= 32768 else bx) / hundred
            dy = np.float32(by - 65536 if by >= 32768 else by) / hundred
            fx = np.float32(np.float32(x) + dx)
            fy = np.float32(np.float32(y) + dy)
            x0 = math.floor(fx)
            y0 = math.floor(fy)
            wx1 = np.float32(fx - np.float32(x0))
            wy1 = np.float32(fy - np.float32(y0))
            wx0 = np.float32(np.float32(1.0) - wx1)
            wy0 = np.float32(np.float32(1.0) - wy1)
            va = np.float32(0.0)
            vg = np.float32(0.0)
            for j in range(2):
                yy = y0 + j
                if yy < 0 or yy >= h:
                    continue
                wy = wy1 if j else wy0
                for i in range(2):
                    xx = x0 + i
                    if xx < 0 or xx >= w:
                        continue
                    wgt = np.float32(wy * (wx1 if i else wx0))
                    va = np.float32(va + np.float32(_UNIT8_64[ha8[yy, xx]] * wgt))
                    vg = np.float32(vg + np.float32(_UNIT8_64[hg8[yy, xx]] * wgt))
            e = np.float32(_UNIT8_64[a8[y, x]] - _UNIT8_64[g8[y, x]])
            ew = np.float32(va - vg)
            s_fix += abs(np.float32(e - ew))
            s_sq += abs(np.float32(np.float32(e * e) - np.float32(ew * ew)))
            n += 1
    return s_fix, s_sq, n


@njit(nogil=True, cache=True)
def class_sums3(p, g, pp, gp, cls, prev_cls, use_prev):
    """Per class c = cls (0, 1, 2) of 8-bit codes: sum |p-g|, sum (p-g)^2 and pixels (exact int64);
    with ``use_prev``, sum ((p-pp)-(g-gp))^2 and pixels over the union of class c in ``cls`` and in
    ``prev_cls`` (FTP-VM's regional dtSSD). Arrays are raveled; scalar accumulators and 0/1 weights
    keep the loops free of memory round trips and branches, so they vectorise."""
    a0 = a1 = a2 = s0 = s1 = s2 = n0 = n1 = n2 = np.int64(0)
    u0 = u1 = u2 = m0 = m1 = m2 = np.int64(0)
    for i in range(p.size):
        c = cls[i]
        d = np.int64(p[i]) - np.int64(g[i])
        ad = abs(d)
        d2 = d * d
        k0 = np.int64(c == 0)
        k1 = np.int64(c == 1)
        k2 = np.int64(c == 2)
        a0 += ad * k0
        a1 += ad * k1
        a2 += ad * k2
        s0 += d2 * k0
        s1 += d2 * k1
        s2 += d2 * k2
        n0 += k0
        n1 += k1
        n2 += k2
    if use_prev:
        for i in range(p.size):
            c = cls[i]
            c2 = prev_cls[i]
            t = (np.int64(p[i]) - np.int64(g[i])) - (np.int64(pp[i]) - np.int64(gp[i]))
            e2 = t * t
            k0 = np.int64((c == 0) | (c2 == 0))
            k1 = np.int64((c == 1) | (c2 == 1))
            k2 = np.int64((c == 2) | (c2 == 2))
            u0 += e2 * k0
            u1 += e2 * k1
            u2 += e2 * k2
            m0 += k0
            m1 += k1
            m2 += k2
    return (np.array((a0, a1, a2)), np.array((s0, s1, s2)), np.array((n0, n1, n2)),
            np.array((u0, u1, u2)), np.array((m0, m1, m2)))


@njit(nogil=True, cache=True)
def _grad_class_sums3(p, g, sp, sg, taps, tiles, cls, tile, scratch):
    """Per class 0, 1, 2 of ``cls``: sum of ``(sg |grad g| - sp |grad p|)^2`` (replicate border), one
    filter pass for all classes; blocks that are still in both mattes are skipped (they add 0). Three
    running sums in registers (a term of another class adds 0.0, which leaves a sum unchanged) rather
    than a table indexed by class, whose store-to-load chain was the loop's bottleneck."""
    h, w = p.shape
    stills = grad_kernels._stills(tiles)
    still = stills[2]
    nty, ntx = still.shape
    buf, sv, dv, mp, mg = grad_kernels._band_buffers(scratch, tile, w)
    o0 = o1 = o2 = 0.0
    for ty in range(nty):
        active = ~still[ty]
        t0, tx = grad_kernels._next_run(active, 0)
        while t0 < ntx:
            r0, c0, th, tw = grad_kernels._run_magnitudes(p, g, stills, ty, t0, tx, tile, taps, buf, sv,
                                                          dv, mp, mg)
            for i in range(th):
                cr, rp, rg = cls[r0 + i, c0: c0 + tw], mp[i], mg[i]
                for j in range(tw):
                    e = sg * rg[j] - sp * rp[j]
                    e2 = e * e
                    c = cr[j]
                    o0 += e2 if c == 0 else 0.0
                    o1 += e2 if c == 1 else 0.0
                    o2 += e2 if c == 2 else 0.0
            t0, tx = grad_kernels._next_run(active, tx)
    return o0, o1, o2


def grad_class_sums3(p: np.ndarray, g: np.ndarray, sp: float, sg: float, cls: np.ndarray, ws: Workspace,
                     tiles=None) -> tuple[float, float, float]:
    """:func:`grad_sum` split by the classes 0, 1, 2 of ``cls`` (uint8), in one pass; ``tiles``: the
    flat-tile maps if a scan already made them."""
    p, g = np.ascontiguousarray(p), np.ascontiguousarray(g)
    if tiles is None:
        tiles = (*grad_kernels.tile_map(p, grad_kernels.TILE), *grad_kernels.tile_map(g, grad_kernels.TILE))
    scratch = ws.array("grad", (grad_kernels.scratch_size(p.shape[1]),), np.float64)
    return _grad_class_sums3(p, g, sp, sg, _TAPS, tiles, np.ascontiguousarray(cls, np.uint8),
                             grad_kernels.TILE, scratch)


@njit(nogil=True, cache=True)
def trimap_classes(t, fg_from, bg_to):
    """Class per pixel of a trimap: 0 where t >= fg_from, 2 where t <= bg_to, 1 between (FTP-VM's
    fg / tran / bg), by arithmetic rather than a table so the loop vectorises."""
    out = np.empty(t.shape, np.uint8)
    tf = t.ravel()
    of = out.ravel()
    for i in range(tf.size):
        of[i] = np.uint8(1 + (tf[i] <= bg_to) - (tf[i] >= fg_from))
    return out


@njit(nogil=True, cache=True)
def clamp_codes(p, lo, hi):
    """MaGGIe's clamp on 8-bit codes: <= lo becomes 0, >= hi becomes 255 (selects, so it vectorises)."""
    out = np.empty(p.shape, np.uint8)
    pf = p.ravel()
    of = out.ravel()
    for i in range(pf.size):
        v = pf[i]
        of[i] = 0 if v <= lo else (255 if v >= hi else v)
    return out
