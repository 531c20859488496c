"""Slow, obviously correct implementations of the metrics, written independently of mbench.

Plain numpy with explicit loops where it matters: its own connected-component labelling (a
breadth-first flood in a chosen scan order), its own 9x9 correlation by shifted sums, float64
throughout except where the definition itself is float32 (Conn's thresholds and phi, REFERENCE 1.1).
"""

from __future__ import annotations

from collections import deque

import numpy as np


def unit(a: np.ndarray) -> np.ndarray:
    """x / 255 (or / 65535) in float32, as the references read files."""
    if a.dtype == np.uint8:
        return a.astype(np.float32) / np.float32(255)
    if a.dtype == np.uint16:
        return a.astype(np.float32) / np.float32(65535)
    return a.astype(np.float32)


def mask_of(region, shape):
    return np.ones(shape, bool) if region is None else (region == 128)


def mad(p, g, region=None):
    m = mask_of(region, p.shape)
    return float(np.abs(unit(p).astype(np.float64) - unit(g))[m].mean() * 1e3)


def sad(p, g, region=None):
    m = mask_of(region, p.shape)
    return float(np.abs(unit(p).astype(np.float64) - unit(g))[m].sum() / 1000)


def mse(p, g, region=None, scale=1e3):
    m = mask_of(region, p.shape)
    if not m.any():
        return float("nan")
    return float(((unit(p).astype(np.float64) - unit(g)) ** 2)[m].mean() * scale)


def dtssd(p, pp, g, gp):
    d = (unit(p).astype(np.float64) - unit(pp)) - (unit(g).astype(np.float64) - unit(gp))
    return float(np.sqrt((d ** 2).sum() / p.size) * 1e2)


def gaussian_kernel_x(sigma=1.4, eps=1e-2):
    half = int(np.ceil(sigma * np.sqrt(-2 * np.log(np.sqrt(2 * np.pi) * sigma * eps))))
    k = np.zeros((2 * half + 1, 2 * half + 1))
    for i in range(2 * half + 1):
        for j in range(2 * half + 1):
            r, c = i - half, j - half
            gr = np.exp(-r * r / (2 * sigma ** 2)) / (sigma * np.sqrt(2 * np.pi))
            gc = np.exp(-c * c / (2 * sigma ** 2)) / (sigma * np.sqrt(2 * np.pi))
            k[i, j] = gr * (-c * gc / sigma ** 2)
    return k / np.sqrt((k ** 2).sum())


def correlate_replicate(img, kernel):
    half = kernel.shape[0] // 2
    pad = np.pad(img, half, mode="edge")
    h, w = img.shape
    out = np.zeros((h, w))
    for i in range(kernel.shape[0]):
        for j in range(kernel.shape[1]):
            out += kernel[i, j] * pad[i:i + h, j:j + w]
    return out


def minmax(a):
    a = a.astype(np.float64)
    lo, hi = a.min(), a.max()
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def grad(p, g, region=None):
    kx = gaussian_kernel_x()
    mags = []
    for a in (p, g):
        n = minmax(unit(a))
        mags.append(np.sqrt(correlate_replicate(n, kx) ** 2 + correlate_replicate(n, kx.T) ** 2))
    m = mask_of(region, p.shape)
    return float(((mags[1] - mags[0]) ** 2)[m].sum() / 1000)


def label(mask, column_major=False):
    """4-connected components numbered in order of their first pixel in the given scan order."""
    h, w = mask.shape
    labels = np.zeros((h, w), np.int64)
    n = 0
    order = ((y, x) for x in range(w) for y in range(h)) if column_major else \
        ((y, x) for y in range(h) for x in range(w))
    for y, x in order:
        if mask[y, x] and labels[y, x] == 0:
            n += 1
            labels[y, x] = n
            q = deque([(y, x)])
            while q:
                cy, cx = q.popleft()
                for ny, nx in ((cy - 1, cx), (cy + 1, cx), (cy, cx - 1), (cy, cx + 1)):
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and labels[ny, nx] == 0:
                        labels[ny, nx] = n
                        q.append((ny, nx))
    return labels, n


def conn(p, g, region=None, column_major=False):
    pf, gf = unit(p), unit(g)
    t = np.arange(0, 1 + 0.1, 0.1)
    l = np.full(p.shape, -1.0, np.float32)
    for k in range(1, len(t)):
        tk = np.float32(t[k])
        labels, n = label((pf >= tk) & (gf >= tk), column_major)
        omega = np.zeros(p.shape, bool)
        if n:
            sizes = np.bincount(labels.ravel(), minlength=n + 1)[1:]
            omega = labels == int(np.argmax(sizes)) + 1  # first of equal sizes
        l[(l == -1) & ~omega] = np.float32(t[k - 1])
    l[l == -1] = 1
    dp, dg = pf - l, gf - l
    php = np.float32(1) - dp * (dp >= np.float32(0.15))
    phg = np.float32(1) - dg * (dg >= np.float32(0.15))
    m = mask_of(region, p.shape)
    return float(np.abs(php - phg).astype(np.float64)[m].sum() / 1000)
