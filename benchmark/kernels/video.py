"""Kernels of the video-matting protocols (``dvm``, ``maggie``, ``tcvom``): Grad and Conn on 8-bit
codes with a protocol's own thresholds, border and region, and the MESSDdt warps.

The Grad and Conn helpers drive the shared kernels of :mod:`.grad`, :mod:`.conn` and :mod:`.scan`
(unchanged) with the parameters a protocol needs; the warps are new kernels.

- :func:`dvm_warp_error`: DVM's ``BatchMetric.MESSDdt`` sampling (nowsyn/DVM @ c045693), bugs and
  all (x and y swapped, every pair reading the first "next" frame), and its corrected form;
  MaGGIe reuses the same code.
- :func:`bilinear_warp_error`: TCVOM's ``flow_dt`` (``grid_sample``, bilinear, align_corners,
  zero padding).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numba import njit

from mbench.benchmark.kernels import conn as conn_kernels
from mbench.benchmark.kernels import grad as grad_kernels
from mbench.benchmark.kernels import scan
from mbench.benchmark.kernels.workspace import Workspace

_TAPS = grad_kernels.kernel_taps()
# DVM's Farneback parameters: pyr_scale, levels, winsize, iterations, poly_n, poly_sigma, flags
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


def grad_sum_zero_border(p: np.ndarray, g: np.ndarray, sp: float, sg: float, ws: Workspace) -> float:
    """:func:`grad_sum` over the whole frame with a zero border instead of replicate (MaGGIe's
    ``conv2d(padding=4)``): the mattes are framed by 4 zeros, and the replicated zero frame is the
    zero padding; only the original pixels are summed."""
    h, w = p.shape
    pad = grad_kernels.HALF
    region = np.zeros((h + 2 * pad, w + 2 * pad), np.uint8)
    region[pad:pad + h, pad:pad + w] = 1
    return grad_sum(np.pad(p, pad), np.pad(g, pad), sp, sg, region, 1, ws)


def farneback_rint(g0: np.ndarray, g1: np.ndarray) -> np.ndarray:
    """DVM's flow from 8-bit frame ``g0`` to ``g1``, rounded half to even: int64 (H, W, 2) of (dx, dy)."""
    flow = cv2.calcOpticalFlowFarneback(g0, g1, None, *FARNEBACK_DVM)
    return np.rint(flow).astype(np.int64)


@njit(nogil=True, cache=True)
def dvm_warp_error(p0, g0, m0, p1, g1, m1, flow, fixed):
    """``sum |(p0 - g0)^2 m0 - (p~ - g~)^2 m~|`` in float32 per pixel, accumulated in float64.

    ``p*``/``g*`` are 8-bit codes (divided by 255 in float32 here), ``m*`` 0/1 masks, ``flow`` the
    rounded (dx, dy). As written in DVM (``fixed`` False), pixel (y, x) samples flat index
    ``clamp(x + dx, 0, H-1) * W + clamp(y + dy, 0, W-1)`` of the frame passed as ``p1, g1, m1``
    (the caller hands the first "next" frame of the batch for every pair); ``fixed`` samples
    ``(clamp(y + dy), clamp(x + dx))``.
    """
    h, w = p0.shape
    s = np.float32(255.0)
    total = 0.0
    for y in range(h):
        for x in range(w):
            dx = flow[y, x, 0]
            dy = flow[y, x, 1]
            if fixed:
                r = min(max(y + dy, 0), h - 1)
                c = min(max(x + dx, 0), w - 1)
            else:
                r = min(max(x + dx, 0), h - 1)
                c = min(max(y + dy, 0), w - 1)
            k = r * w + c
            rr = k // w
            cc = k - rr * w
            d0 = np.float32(np.float32(p0[y, x]) / s) - np.float32(np.float32(g0[y, x]) / s)
            d1 = np.float32(np.float32(p1[rr, cc]) / s) - np.float32(np.float32(g1[rr, cc]) / s)
            e0 = np.float32(np.float32(d0 * d0) * np.float32(m0[y, x]))
            e1 = np.float32(np.float32(d1 * d1) * np.float32(m1[rr, cc]))
            total += abs(np.float32(e0 - e1))
    return total


@njit(nogil=True, cache=True)
def bilinear_warp_error(a, g, ha, hg, m, flow):
    """TCVOM's ``flow_dt`` on one pair: the next frame's ``ha - hg`` (float32 [0, 1]) sampled at
    ``(x + dx, y + dy)`` bilinearly (align_corners, zero outside), over pixels of ``m`` whose flow
    is valid (not NaN). Returns (sum |e - e~|, sum |e^2 - e~^2|, valid pixels), e = a - g."""
    h, w = a.shape
    s_fix = 0.0
    s_sq = 0.0
    n = 0
    for y in range(h):
        for x in range(w):
            if not m[y, x]:
                continue
            dx = flow[y, x, 0]
            dy = flow[y, x, 1]
            if math.isnan(dx) or math.isnan(dy):
                continue
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
                    va = np.float32(va + np.float32(ha[yy, xx] * wgt))
                    vg = np.float32(vg + np.float32(hg[yy, xx] * wgt))
            e = np.float32(a[y, x] - g[y, x])
            ew = np.float32(va - vg)
            s_fix += abs(np.float32(e - ew))
            s_sq += abs(np.float32(np.float32(e * e) - np.float32(ew * ew)))
            n += 1
    return s_fix, s_sq, n


@njit(nogil=True, cache=True)
def class_sums3(p, g, pp, gp, tri, lut, prev_cls, cls, use_prev):
    """Per class c = lut[tri] (0, 1, 2) of 8-bit codes: sum |p-g|, sum (p-g)^2 and pixels (exact
    int64); with ``use_prev``, sum ((p-pp)-(g-gp))^2 and pixels over the union of class c in this
    frame and in ``prev_cls`` (FTP-VM's regional dtSSD). Writes each pixel's class into ``cls``.
    Arrays are raveled; scalar accumulators keep the loop free of memory round trips."""
    a0 = a1 = a2 = s0 = s1 = s2 = n0 = n1 = n2 = np.int64(0)
    u0 = u1 = u2 = m0 = m1 = m2 = np.int64(0)
    for i in range(p.size):
        c = lut[tri[i]]
        cls[i] = c
        d = np.int64(p[i]) - np.int64(g[i])
        ad = abs(d)
        d2 = d * d
        if c == 0:
            a0 += ad
            s0 += d2
            n0 += 1
        elif c == 1:
            a1 += ad
            s1 += d2
            n1 += 1
        else:
            a2 += ad
            s2 += d2
            n2 += 1
        if use_prev:
            t = d - (np.int64(pp[i]) - np.int64(gp[i]))
            e2 = t * t
            c2 = prev_cls[i]
            if c == 0 or c2 == 0:
                u0 += e2
                m0 += 1
            if c == 1 or c2 == 1:
                u1 += e2
                m1 += 1
            if c == 2 or c2 == 2:
                u2 += e2
                m2 += 1
    return (np.array((a0, a1, a2)), np.array((s0, s1, s2)), np.array((n0, n1, n2)),
            np.array((u0, u1, u2)), np.array((m0, m1, m2)))


@njit(nogil=True, cache=True)
def _grad_class_sums(p, g, sp, sg, taps, tiles, cls, n_cls, tile, scratch):
    """Per class of ``cls``: sum of ``(sg |grad g| - sp |grad p|)^2`` (replicate border), one filter
    pass for all classes; blocks that are still in both mattes are skipped (they add 0)."""
    h, w = p.shape
    half = grad_kernels.HALF
    flat_p, val_p, flat_g, val_g = tiles
    nty, ntx = flat_p.shape
    bw = w + 2 * half
    a, b = (tile + 2 * half) * bw, tile * bw
    buf = scratch[:a].reshape((tile + 2 * half, bw))
    sv = scratch[a:a + b].reshape((tile, bw))
    dv = scratch[a + b:a + 2 * b].reshape((tile, bw))
    mp = scratch[a + 2 * b:a + 2 * b + tile * w].reshape((tile, w))
    mg = scratch[a + 2 * b + tile * w:a + 2 * b + 2 * tile * w].reshape((tile, w))
    still_p = grad_kernels._still_map(flat_p, val_p)
    still_g = grad_kernels._still_map(flat_g, val_g)
    out = np.zeros(n_cls, np.float64)
    for ty in range(nty):
        active = ~(still_p[ty] & still_g[ty])
        tx = 0
        while tx < ntx:
            if not active[tx]:
                tx += 1
                continue
            t0 = tx
            while tx < ntx and active[tx]:
                tx += 1
            r0, c0 = ty * tile, t0 * tile
            th, tw = min(h, r0 + tile) - r0, min(w, tx * tile) - c0
            grad_kernels._magnitude(p, r0, c0, th, tw, taps, buf, sv, dv, mp)
            grad_kernels._magnitude(g, r0, c0, th, tw, taps, buf, sv, dv, mg)
            for i in range(th):
                for j in range(tw):
                    e = sg * mg[i, j] - sp * mp[i, j]
                    out[cls[r0 + i, c0 + j]] += e * e
    return out


def grad_class_sums(p: np.ndarray, g: np.ndarray, sp: float, sg: float, cls: np.ndarray, n_cls: int,
                    ws: Workspace, tiles=None) -> np.ndarray:
    """:func:`grad_sum` split by the classes of ``cls`` (uint8, 0..n_cls-1), in one pass; ``tiles``:
    the flat-tile maps if a scan already made them."""
    p, g = np.ascontiguousarray(p), np.ascontiguousarray(g)
    if tiles is None:
        tiles = (*grad_kernels.tile_map(p, grad_kernels.TILE), *grad_kernels.tile_map(g, grad_kernels.TILE))
    scratch = ws.array("grad", (grad_kernels.scratch_size(p.shape[1]),), np.float64)
    return _grad_class_sums(p, g, sp, sg, _TAPS, tiles, np.ascontiguousarray(cls, np.uint8), n_cls,
                            grad_kernels.TILE, scratch)
