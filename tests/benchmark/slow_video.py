"""Slow, independent restatements of the video protocols' formulas (numpy loops, float64 where the
original's float32 rounding does not matter at 1e-5), for the protocol tests."""

from __future__ import annotations

import cv2
import numpy as np

from slow_metrics import correlate_replicate, gaussian_kernel_x, label


def conn_raw(pf, gf, thresholds, roi):
    """Sum over roi of |phi_p - phi_g| (no scale), comparisons in the thresholds' dtype."""
    l = np.full(pf.shape, -1.0, np.float32)
    for k in range(1, len(thresholds)):
        tk = thresholds[k]
        labels, n = label((pf >= tk) & (gf >= tk))
        omega = np.zeros(pf.shape, bool)
        if n:
            omega = labels == int(np.argmax(np.bincount(labels.ravel())[1:])) + 1
        l[(l == -1) & ~omega] = np.float32(thresholds[k - 1])
    l[l == -1] = 1
    dp, dg = pf - l, gf - l
    php = np.float32(1) - dp * (dp >= np.float32(0.15))
    phg = np.float32(1) - dg * (dg >= np.float32(0.15))
    return float(np.abs(php - phg).astype(np.float64)[roi].sum())


def grad_mags(a, zero_border=False):
    """|grad a| with the 9x9 filters: replicate border, or zero border (MaGGIe)."""
    kx = gaussian_kernel_x()
    if zero_border:
        pad = np.pad(a.astype(np.float64), 4)
        return np.sqrt(_corr(pad, kx) ** 2 + _corr(pad, kx.T) ** 2)[4:-4, 4:-4]
    return np.sqrt(correlate_replicate(a, kx) ** 2 + correlate_replicate(a, kx.T) ** 2)


def _corr(img, k):
    h, w = img.shape
    out = np.zeros((h, w))
    half = k.shape[0] // 2
    pad = np.pad(img, half)
    for i in range(k.shape[0]):
        for j in range(k.shape[1]):
            out += k[i, j] * pad[i:i + h, j:j + w]
    return out


def farneback(g0, g1):
    flow = cv2.calcOpticalFlowFarneback(g0, g1, None, 0.5, 5, 10, 2, 7, 1.5, cv2.OPTFLOW_FARNEBACK_GAUSSIAN)
    return np.rint(flow).astype(np.int64)


def dvm_warp(p0, g0, m0, p1, g1, m1, flow, fixed=False):
    """DVM's MESSDdt error for one pair, pixel by pixel ([0, 1] floats, 0/1 masks)."""
    h, w = p0.shape
    total = 0.0
    for y in range(h):
        for x in range(w):
            dx, dy = flow[y, x]
            if fixed:
                r, c = min(max(y + dy, 0), h - 1), min(max(x + dx, 0), w - 1)
            else:
                idx = min(max(x + dx, 0), h - 1) * w + min(max(y + dy, 0), w - 1)
                r, c = divmod(idx, w)
            total += abs((p0[y, x] - g0[y, x]) ** 2 * m0[y, x] - (p1[r, c] - g1[r, c]) ** 2 * m1[r, c])
    return total
