"""The CUDA path (``--device cuda``): per-pixel sums, foreground sums and Grad on the GPU.

Conn's union-find is sequential by nature and stays on the CPU. Each kernel runs a grid-stride loop,
reduces per block in shared memory and adds one value per block atomically; integer inputs are
summed in int64, so MAD/MSE/dtSSD are as exact as on the CPU. Grad sums float64 atomically, so its
last bits can vary between runs (about 1e-15 relative). CI runs these kernels with numba's CUDA
simulator (``NUMBA_ENABLE_CUDASIM=1``).
"""

from __future__ import annotations

import math
import threading

import numba
import numpy as np
from numba import cuda, float32, float64, int64

# Host code below reaches the module as ``numba.cuda``: while a kernel runs, numba's CUDA simulator
# swaps every global bound to the ``numba.cuda`` module for a fake, which would break another
# thread's host calls. Launches are serialised: on a GPU they share the default stream anyway, and
# the simulator cannot run two kernels of one module at once.
_LAUNCH = threading.Lock()

THREADS = 128
MAX_BLOCKS = 1024


def _blocks(n: int) -> int:
    return max(1, min(MAX_BLOCKS, (n + THREADS - 1) // THREADS))


@cuda.jit(device=True)
def _reduce_into(acc, out):
    """Sum each row of the block's shared ``acc`` (rows x THREADS) and add it to ``out[row]``."""
    tid = cuda.threadIdx.x
    cuda.syncthreads()
    step = THREADS // 2
    while step > 0:
        if tid < step:
            for q in range(acc.shape[0]):
                acc[q, tid] += acc[q, tid + step]
        cuda.syncthreads()
        step //= 2
    if tid == 0:
        for q in range(acc.shape[0]):
            cuda.atomic.add(out, q, acc[q, 0])


@cuda.jit
def _pixel_kernel(p, g, pp, gp, region, use_prev, use_region, region_value, out):
    """Float32 mattes: out[0..3] += (sum |d|, sum d^2, sum dt^2, n).

    Differences and squares in float32, as the reference computes on float32 arrays (and as the CPU
    kernel does); sums in float64.
    """
    acc = cuda.shared.array((4, THREADS), float64)
    tid = cuda.threadIdx.x
    sa = 0.0
    ss = 0.0
    st = 0.0
    n = 0.0
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    while i < p.size:
        if not use_region or region[i] == region_value:
            d = float32(p[i] - g[i])
            sa += abs(d)
            ss += float32(d * d)
            if use_prev:
                t = float32(d - float32(pp[i] - gp[i]))
                st += float32(t * t)
            n += 1.0
        i += stride
    acc[0, tid] = sa
    acc[1, tid] = ss
    acc[2, tid] = st
    acc[3, tid] = n
    _reduce_into(acc, out)


@cuda.jit
def _pixel_kernel_int(p, g, pp, gp, region, use_prev, use_region, region_value, out):
    """Integer sums in int64: out[0..3] += (sum |d|, sum d^2, sum dt^2, n)."""
    acc = cuda.shared.array((4, THREADS), int64)
    tid = cuda.threadIdx.x
    sa = int64(0)
    ss = int64(0)
    st = int64(0)
    n = int64(0)
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    while i < p.size:
        if not use_region or region[i] == region_value:
            d = int64(p[i]) - int64(g[i])
            sa += abs(d)
            ss += d * d
            if use_prev:
                t = d - (int64(pp[i]) - int64(gp[i]))
                st += t * t
            n += 1
        i += stride
    acc[0, tid] = sa
    acc[1, tid] = ss
    acc[2, tid] = st
    acc[3, tid] = n
    _reduce_into(acc, out)


@cuda.jit
def _fgr_kernel_int(fp, fg, gpha, out):
    """out[0..2] += (sum |dF|, sum dF^2, values) where the true alpha > 0 (raveled HxW, 3 channels)."""
    acc = cuda.shared.array((3, THREADS), int64)
    tid = cuda.threadIdx.x
    sa = int64(0)
    ss = int64(0)
    n = int64(0)
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    while i < gpha.size:
        if gpha[i] > 0:
            for c in range(3):
                d = int64(fp[3 * i + c]) - int64(fg[3 * i + c])
                sa += abs(d)
                ss += d * d
            n += 3
        i += stride
    acc[0, tid] = sa
    acc[1, tid] = ss
    acc[2, tid] = n
    _reduce_into(acc, out)


@cuda.jit(device=True)
def _magnitude(img, y, x, h, w, gtaps, dtaps):
    """|grad| at (y, x): 9x9 separable Gaussian derivative, replicate border."""
    fx = 0.0
    fy = 0.0
    for r in range(9):
        yy = min(max(y + r - 4, 0), h - 1)
        hs = 0.0  # derivative along the row
        vs = 0.0  # Gaussian along the row
        for c in range(9):
            xx = min(max(x + c - 4, 0), w - 1)
            v = float64(img[yy, xx])
            hs += dtaps[c] * v
            vs += gtaps[c] * v
        fx += gtaps[r] * hs
        fy += dtaps[r] * vs
    return math.sqrt(fx * fx + fy * fy)


@cuda.jit
def _grad_kernel(p, g, sp, sg, gtaps, dtaps, region, use_region, region_value, out):
    acc = cuda.shared.array((1, THREADS), float64)
    tid = cuda.threadIdx.x
    h, w = p.shape
    total = 0.0
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    while i < h * w:
        y = i // w
        x = i - y * w
        if not use_region or region[y, x] == region_value:
            e = sg * _magnitude(g, y, x, h, w, gtaps, dtaps) - sp * _magnitude(p, y, x, h, w, gtaps, dtaps)
            total += e * e
        i += stride
    acc[0, tid] = total
    _reduce_into(acc, out)


def pixel_sums(ctx) -> tuple:
    """(sum |d|, sum d^2, sum dt^2, n) of a FrameContext, in its raw units (as the CPU kernels)."""
    p, g = ctx.pred.ravel(), ctx.gt.ravel()
    pp, gp = (ctx.pred_prev.ravel(), ctx.gt_prev.ravel()) if ctx.has_prev else (p[:1], g[:1])
    region = ctx.region.ravel() if ctx.has_region else np.zeros(1, np.uint8)
    blocks = _blocks(p.size)
    with _LAUNCH:
        args = [numba.cuda.to_device(a) for a in (p, g, pp, gp, region)]
        if ctx.integer:
            out = numba.cuda.to_device(np.zeros(4, np.int64))
            _pixel_kernel_int[blocks, THREADS](*args, ctx.has_prev, ctx.has_region, ctx.region_value, out)
            sa, ss, st, n = (int(v) for v in out.copy_to_host())
        else:
            out = numba.cuda.to_device(np.zeros(4, np.float64))
            _pixel_kernel[blocks, THREADS](*args, ctx.has_prev, ctx.has_region, ctx.region_value, out)
            sa, ss, st, n = out.copy_to_host()
            n = int(n)
    return sa, ss, st, n


def fgr_sums(fp: np.ndarray, fg: np.ndarray, gpha: np.ndarray) -> tuple:
    """(sum |dF|, sum dF^2, values) for integer foregrounds."""
    with _LAUNCH:
        out = numba.cuda.to_device(np.zeros(3, np.int64))
        _fgr_kernel_int[_blocks(gpha.size), THREADS](
            numba.cuda.to_device(fp.ravel()), numba.cuda.to_device(fg.ravel()),
            numba.cuda.to_device(gpha.ravel()), out)
        sa, ss, n = (int(v) for v in out.copy_to_host())
    return sa, ss, n


def grad_sum(ctx, sp: float, sg: float, taps: tuple) -> float:
    """Grad's un-scaled sum on the GPU, every pixel filtered (no tile skipping needed there)."""
    g0, g1, g2, g3, g4, d1, d2, d3, d4 = taps
    gtaps = np.array([g4, g3, g2, g1, g0, g1, g2, g3, g4])
    dtaps = np.array([-d4, -d3, -d2, -d1, 0.0, d1, d2, d3, d4])
    region = ctx.region if ctx.has_region else np.zeros((1, 1), np.uint8)
    dev = numba.cuda.to_device
    with _LAUNCH:
        out = dev(np.zeros(1, np.float64))
        _grad_kernel[_blocks(ctx.pred.size), THREADS](
            dev(ctx.pred), dev(ctx.gt), float(sp), float(sg), dev(gtaps), dev(dtaps), dev(region),
            ctx.has_region, ctx.region_value, out)
        return float(out.copy_to_host()[0])
