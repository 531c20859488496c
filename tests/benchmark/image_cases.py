"""Deterministic inputs for the image-matting protocols' golden values (gca, vitmatte_py, gfm, mmagic).

The golden files under ``data/`` were made by running the original evaluation code on exactly these
arrays (their ``inputs_sha256`` field guards against the generator drifting). Each case stresses a
rule: soft edges, odd sizes, trimap values other than 0/128/255, binary mattes (Conn's component
and background rules), alpha 153 (the float32/float64 threshold), an empty unknown region, a frame
smaller than the Gaussian's radius, a mostly opaque frame, a constant ground truth.
"""

from __future__ import annotations

import hashlib

import numpy as np

import mattes


def band_trimap(gt: np.ndarray, width: int) -> np.ndarray:
    """128 everywhere except where a (2 width + 1) box holds only 255 (-> 255) or only 0 (-> 0)."""
    from scipy.ndimage import maximum_filter, minimum_filter

    tri = np.full(gt.shape, 128, np.uint8)
    size = 2 * width + 1
    tri[minimum_filter(gt, size, mode="nearest") == 255] = 255
    tri[maximum_filter(gt, size, mode="nearest") == 0] = 0
    return tri


def _blobs(rng, h, w, n, fill=0.3):
    m = np.zeros((h, w), np.uint8)
    for _ in range(n):
        y, x = rng.integers(0, h), rng.integers(0, w)
        a, b = rng.integers(1, max(2, int(h * fill))), rng.integers(1, max(2, int(w * fill)))
        m[max(0, y - a):y + a, max(0, x - b):x + b] = 255
    return m


def cases() -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(name, pred, gt, trimap), all uint8 2-D."""
    out = []
    p, g = mattes.clip(40, 56, 1, 3)
    out.append(("soft", p[0], g[0], band_trimap(g[0], 3)))
    p, g = mattes.clip(33, 47, 1, 4)
    t = band_trimap(g[0], 2)
    t[::7, ::5] = 100  # values other than 0/128/255: outside U, not forced
    out.append(("odd_size_odd_trimap", p[0], g[0], t))
    rng = np.random.default_rng(20)
    g = _blobs(rng, 24, 32, 4)
    p = g.copy()
    p[rng.random(g.shape) < 0.08] ^= 255
    out.append(("binary", p, g, np.full(g.shape, 128, np.uint8)))
    rng = np.random.default_rng(21)
    vals = np.array([0, 51, 102, 153, 180, 204, 230, 255], np.uint8)
    g = vals[rng.integers(0, len(vals), (16, 20))]
    p = vals[rng.integers(0, len(vals), (16, 20))]
    p[g == 153] = 255
    out.append(("levels_153", p, g, np.full(g.shape, 128, np.uint8)))
    p, g = mattes.clip(20, 24, 1, 5)
    t = np.where(g[0] >= 128, 255, 0).astype(np.uint8)
    out.append(("empty_unknown", p[0], g[0], t))
    rng = np.random.default_rng(22)
    g = rng.integers(0, 256, (5, 4)).astype(np.uint8)
    p = rng.integers(0, 256, (5, 4)).astype(np.uint8)
    out.append(("tiny", p, g, np.full(g.shape, 128, np.uint8)))
    rng = np.random.default_rng(23)
    g = np.full((18, 22), 255, np.uint8)
    g[:3, :] = 0
    g[3:5, :] = 140
    p = g.copy()
    p[rng.random(g.shape) < 0.1] = 90
    out.append(("mostly_opaque", p, g, band_trimap(g, 1)))
    rng = np.random.default_rng(24)
    g = np.zeros((12, 16), np.uint8)
    p = rng.integers(0, 256, g.shape).astype(np.uint8) * (rng.random(g.shape) < 0.3)
    out.append(("constant_gt", p.astype(np.uint8), g, np.full(g.shape, 128, np.uint8)))
    return out


def inputs_sha256() -> str:
    """A fingerprint of every case's arrays (names, shapes and bytes)."""
    h = hashlib.sha256()
    for name, *arrays in cases():
        h.update(name.encode())
        for a in arrays:
            h.update(str(a.shape).encode())
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()
