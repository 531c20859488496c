"""Slow restatements of the image-matting protocols' rules (gca, vitmatte_py, gfm, mmagic), written
from the protocol descriptions, independently of mbench's kernels: per-threshold labelling with
:func:`slow_metrics.label` (a breadth-first flood), 2-D correlations by shifted sums, numpy
float types as each original uses them.
"""

from __future__ import annotations

import numpy as np

from slow_metrics import correlate_replicate, gaussian_kernel_x, label

T64 = np.arange(0, 1 + 0.1, 0.1)


def round_down_map(a: np.ndarray, b: np.ndarray, rule: str) -> np.ndarray:
    """The level map l (float64, -1 -> 1 at the end) of the Conn loop under ``rule``:
    "standard" (mmagic), "skip_empty" (GFM), "background" (GCA port)."""
    l = np.full(a.shape, -1.0)
    for i in range(1, len(T64)):
        s = (a >= T64[i]) & (b >= T64[i])
        labels, n = label(s)
        counts = np.bincount(labels.ravel(), minlength=n + 1)
        if rule == "background":
            omega = labels == int(np.argmax(counts))  # label 0 competes and wins ties
        elif n == 0:
            if rule == "skip_empty":
                continue
            omega = np.zeros(a.shape, bool)
        else:
            omega = labels == int(np.argmax(counts[1:])) + 1
        l[(l == -1) & ~omega] = T64[i - 1]
    l[l == -1] = 1
    return l


def conn(p8, g8, region, rule, values="float64", level_dtype=np.float64):
    """Sum over the region (all pixels when None) of |phi(p) - phi(g)|, / 1000."""
    if values == "float32":
        a, b = (x.astype(np.float32) / np.float32(255) for x in (p8, g8))
    else:
        a, b = p8 / 255.0, g8 / 255.0
    l = round_down_map(a, b, rule).astype(level_dtype).astype(np.float64)
    da, db = a.astype(np.float64) - l, b.astype(np.float64) - l
    phi_a = 1 - da * (da >= 0.15)
    phi_b = 1 - db * (db >= 0.15)
    m = np.ones(p8.shape, bool) if region is None else region == 128
    return float(np.abs(phi_a - phi_b)[m].sum() / 1000)


def unknown_sad_mse(p8, g8, t8):
    """GCA / ViTMatte SAD and MSE in float64 (the originals are float32: ~1e-7 apart)."""
    d = (p8.astype(np.float64) - g8) / 255
    m = t8 == 128
    return float(np.abs(d)[m].sum() / 1000), float((d ** 2)[m].sum() / (m.sum() + 1e-8))


def grad_dim_kernel(a, b, region, scale_a=1.0, scale_b=1.0):
    """Sum over U of (|grad a| scale_a - |grad b| scale_b)^2 / 1000 with DIM's 9x9 kernel, replicated border."""
    kx = gaussian_kernel_x()
    mags = [np.sqrt(correlate_replicate(x, kx) ** 2 + correlate_replicate(x, kx.T) ** 2) for x in (a, b)]
    return float(((mags[0] * scale_a - mags[1] * scale_b) ** 2)[region == 128].sum() / 1000)


def gca_grad(p8, g8, t8):
    return grad_dim_kernel(p8 / 255.0, g8 / 255.0, t8)


def minmax(x):
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def mmagic_mask(p8, t8):
    p = p8.copy()
    p[t8 == 255] = 255
    p[t8 == 0] = 0
    return p


def mmagic(p8, g8, t8):
    """mmagic's four values for a raw 8-bit prediction (masked first, as postprocess does)."""
    p = mmagic_mask(p8, t8) / 255.0
    g = g8 / 255.0
    u = int((t8 == 128).sum())
    return {"sad": float(np.abs(p - g).sum() / 1000),
            "mattingmse": float(((p - g) ** 2).sum() / u) if u else 0,
            "gradienterror": grad_dim_kernel(minmax(g), minmax(p), t8),
            "connectivityerror": conn(mmagic_mask(p8, t8), g8, t8, "standard")}


def gfm_filter_weights(sigma=1.4, radius=6):
    x = np.arange(-radius, radius + 1)
    w0 = np.exp(-x ** 2 / (2 * sigma ** 2))
    w0 = w0 / w0.sum()
    return w0, -x / sigma ** 2 * w0


def _filter_axis(x, w, axis):
    """Correlate along ``axis`` with a half-sample symmetric border (scipy's ``reflect``)."""
    r = len(w) // 2
    xp = _pad_symmetric_repeat(x.astype(np.float64), r, axis)
    out = np.zeros(x.shape)
    n = x.shape[axis]
    for k in range(len(w)):
        sl = [slice(None), slice(None)]
        sl[axis] = slice(k, k + n)
        out += w[len(w) - 1 - k] * xp[tuple(sl)]  # convolution: the kernel flipped
    return out.astype(np.float32)


def _pad_symmetric_repeat(x, r, axis):
    """Pad by r on both sides of ``axis``: ... c b a | a b c ... | c b a ..., repeated for short lines."""
    n = x.shape[axis]
    idx = np.arange(-r, n + r) % (2 * n)
    idx = np.where(idx >= n, 2 * n - 1 - idx, idx)
    return np.take(x, idx, axis=axis)


def gfm_grad(p, g):
    """GFM's whole-image Grad: derivative-of-Gaussian (radius 6, reflect), float32 after each pass, / 10."""
    w0, w1 = gfm_filter_weights()
    mags = []
    for x in (p, g):
        a = _filter_axis(_filter_axis(x, w1, 0), w0, 1)
        b = _filter_axis(_filter_axis(x, w0, 0), w1, 1)
        mags.append(np.sqrt(a * a + b * b))
    return float(((mags[0] - mags[1]) ** 2).astype(np.float64).sum() / 10)


def gfm(p8, g8, t8):
    """GFM's ten per-image values for codes p8, g8 (value = code / 255) and trimap t8."""
    p, g = p8 / 255.0, g8 / 255.0
    n = p.size
    forced = p.copy()
    forced[t8 == 255] = 1.0
    forced[t8 == 0] = 0.0
    u = float((t8 == 128).sum())
    if u == 0:
        u = float(n - (t8 == 255).sum() - (t8 == 0).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        mse_t = np.float64(((forced - g) ** 2).sum()) / u
        mad_t = np.float64(np.abs(forced - g).sum()) / u
    return {"sad": float(np.abs(p - g).sum() / 1000), "mse": float(((p - g) ** 2).sum() / n),
            "mad": float(np.abs(p - g).sum() / n),
            "sad_trimap": float(np.abs(forced - g).sum() / 1000), "mse_trimap": float(mse_t),
            "mad_trimap": float(mad_t),
            "sad_fg": float(np.abs(p - g)[t8 == 255].sum() / 1000),
            "sad_bg": float(np.abs(p - g)[t8 == 0].sum() / 1000),
            "conn": conn(p8, g8, None, "skip_empty", level_dtype=np.float32),
            "grad": gfm_grad(p, g)}
