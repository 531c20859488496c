"""Grad as GFM / P3M / AIM compute it: scipy ``gaussian_filter`` derivatives into float32 arrays.

``gaussian_filter(x, 1.4, order=[1, 0], output=np.float32)`` (and ``[0, 1]``) filters axis 0, rounds
to float32, then filters axis 1 and rounds again; the 13-tap weights (radius int(4 sigma + 0.5) = 6)
are the normalised discrete Gaussian and its analytic derivative, applied with a half-sample
symmetric (``reflect``) border. scipy's 1-D correlation sums symmetric (and antisymmetric) kernels
in pairs, outermost first; this kernel does the same arithmetic in the same order, so the float32
magnitudes ``sqrt(A^2 + B^2)`` come out as the original's.

Blocks where both images are flat with flat same-valued neighbours have gradient exactly 0 (a pair
difference of equal values is 0, so the derivative pass gives 0s and the other pass keeps them), and
are skipped as in :mod:`.grad`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .grad import TILE, _next_run, _stills, tile_map

SIGMA = 1.4
TRUNCATE = 4.0


def scipy_weights(sigma: float = SIGMA, truncate: float = TRUNCATE) -> tuple[np.ndarray, np.ndarray]:
    """The correlation weights scipy's ``gaussian_filter1d`` applies for orders 0 and 1 (reversed
    convolution kernels), length 2 r + 1 with r = int(truncate sigma + 0.5)."""
    radius = int(truncate * float(sigma) + 0.5)
    x = np.arange(-radius, radius + 1)
    sigma2 = sigma * sigma
    phi = np.exp(-0.5 / sigma2 * x ** 2)
    phi = phi / phi.sum()
    d = (x * (1.0 / -sigma2)) * phi  # q(x) phi(x) with q = -x / sigma^2
    return phi[::-1].copy(), d[::-1].copy()


@njit(nogil=True, cache=True, inline="always")
def _reflect(i, n):
    """scipy's ``reflect`` extension (d c b a | a b c d | d c b a), repeated for short lines."""
    if n == 1:
        return 0
    i = i % (2 * n)
    return 2 * n - 1 - i if i >= n else i


@njit(nogil=True, cache=True, inline="always")
def _pair_rows(out, rows, c, n, w, r, sign):
    """``out[j]`` = scipy's symmetric (sign 1) or antisymmetric (sign -1) 1-D correlation at ``c``
    of the columns of ``rows`` (rows c - r .. c + r), for j < n: the centre tap first, then the
    pairs from the outermost in, as scipy sums them; vectorised across j."""
    centre = rows[c]
    wc = w[r]
    for j in range(n):
        out[j] = centre[j] * wc
    for jj in range(-r, 0):
        a, b, wj = rows[c + jj], rows[c - jj], w[r + jj]
        for j in range(n):
            out[j] += (a[j] + sign * b[j]) * wj


@njit(nogil=True, cache=True, inline="always")
def _pair_line(out, line, n, w, r, sign):
    """The same correlation along one line: ``out[j]`` at position j + r of ``line``, j < n."""
    wc = w[r]
    for j in range(n):
        out[j] = line[j + r] * wc
    for jj in range(-r, 0):
        wj = w[r + jj]
        a, b = line[r + jj:r + jj + n], line[r - jj:r - jj + n]
        for j in range(n):
            out[j] += (a[j] + sign * b[j]) * wj


@njit(nogil=True, cache=True)
def _magnitudes(img, div, r0, th, c0, tw, w0, w1, buf, acc, line, va, vb, mag):
    """Float32 |grad| of rows r0..r0+th, columns c0..c0+tw of ``img / div`` into ``mag``."""
    h, w = img.shape
    r = w0.size // 2
    ext = tw + 2 * r
    for k in range(th + 2 * r):  # the block with its reflected border, as float64 alphas
        row = img[_reflect(r0 - r + k, h)]
        dst = buf[k]
        for j in range(ext):
            dst[j] = row[_reflect(c0 - r + j, w)] / div
    for i in range(th):  # pass 1, down the columns: order 1 (A) and 0 (B), rounded to float32
        _pair_rows(acc, buf, i + r, ext, w1, r, -1.0)
        for j in range(ext):
            va[i, j] = np.float32(acc[j])
        _pair_rows(acc, buf, i + r, ext, w0, r, 1.0)
        for j in range(ext):
            vb[i, j] = np.float32(acc[j])
    for i in range(th):  # pass 2, along the rows: order 0 on A, order 1 on B
        for j in range(ext):
            line[j] = va[i, j]
        _pair_line(acc, line, tw, w0, r, 1.0)
        m = mag[i]
        for j in range(tw):
            m[j] = np.float32(acc[j])
        for j in range(ext):
            line[j] = vb[i, j]
        _pair_line(acc, line, tw, w1, r, -1.0)
        for j in range(tw):
            a = m[j]
            b = np.float32(acc[j])
            m[j] = np.sqrt(np.float32(np.float32(a * a) + np.float32(b * b)))


@njit(nogil=True, cache=True)
def grad_sum(p, g, div, w0, w1, tiles, tile):
    """Sum over the whole image of float32 ``(|grad p/div| - |grad g/div|)^2`` (accumulated in float64).

    ``p / div`` is computed in float64 as the original's ``alpha / 255.`` (div 1.0 for float input)."""
    h, w = p.shape
    r = w0.size // 2
    still = _stills(tiles)[2]
    nty, ntx = still.shape
    buf = np.empty((tile + 2 * r, w + 2 * r), np.float64)
    acc = np.empty(w + 2 * r, np.float64)
    line = np.empty(w + 2 * r, np.float64)
    va = np.empty((tile, w + 2 * r), np.float32)
    vb = np.empty((tile, w + 2 * r), np.float32)
    mp = np.empty((tile, w), np.float32)
    mg = np.empty((tile, w), np.float32)
    total = 0.0
    for ty in range(nty):
        active = ~still[ty]
        t0, tx = _next_run(active, 0)
        while t0 < ntx:
            r0, c0 = ty * tile, t0 * tile
            th, tw = min(h, r0 + tile) - r0, min(w, tx * tile) - c0
            _magnitudes(p, div, r0, th, c0, tw, w0, w1, buf, acc, line, va, vb, mp)
            _magnitudes(g, div, r0, th, c0, tw, w0, w1, buf, acc, line, va, vb, mg)
            for i in range(th):
                for j in range(tw):
                    e = np.float32(mp[i, j] - mg[i, j])
                    total += np.float32(e * e)
            t0, tx = _next_run(active, tx)
    return total


def gfm_grad(p: np.ndarray, g: np.ndarray, div: float = 1.0) -> float:
    """``compute_gradient_whole_image(p / div, g / div)`` of GFM: the float32 sum of squared magnitude
    differences over the whole image, / 10. ``p``, ``g``: integer codes with ``div`` 255 (the
    division happens inside, in float64, as the original's), or float alphas with ``div`` 1."""
    p, g = np.ascontiguousarray(p), np.ascontiguousarray(g)
    w0, w1 = scipy_weights()
    tiles = (*tile_map(p, TILE), *tile_map(g, TILE))
    return float(grad_sum(p, g, float(div), w0, w1, tiles, TILE)) / 10
