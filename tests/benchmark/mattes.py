"""Deterministic test mattes: soft shapes, thin strands, holes, islands, noise."""

from __future__ import annotations

import numpy as np


def gt_frame(h: int, w: int, t: int, seed: int) -> np.ndarray:
    """A moving soft ellipse with thin strands and a semi-transparent patch (uint8)."""
    rng = np.random.default_rng([seed, 7])
    yy, xx = np.mgrid[:h, :w].astype(np.float64)
    cy, cx = h * 0.55, w * (0.45 + 0.01 * t)
    r = np.hypot((yy - cy) / (0.35 * h), (xx - cx) / (0.25 * w))
    a = np.clip((1 - r) * min(h, w) / 6, 0, 1)
    for _ in range(6):  # strands: thin soft lines
        x0 = rng.uniform(0, w)
        slope = rng.uniform(-0.5, 0.5)
        d = np.abs(xx - (x0 + slope * (yy - cy) + t))
        a = np.maximum(a, np.clip(0.8 - d, 0, 1) * (yy < cy))
    a[(np.abs(yy - h * 0.2) < h * 0.08) & (np.abs(xx - w * 0.8) < w * 0.08)] = 0.45
    return np.round(a * 255).astype(np.uint8)


def pred_frame(gt: np.ndarray, t: int, seed: int) -> np.ndarray:
    """A plausible prediction: noisy edges, an island, a hole, a small shift."""
    rng = np.random.default_rng([seed, t, 11])
    h, w = gt.shape
    p = np.roll(gt.astype(np.int64), (t % 3) - 1, axis=1)
    edge = (gt > 0) & (gt < 255)
    p = p + edge * rng.integers(-40, 41, gt.shape)
    p[rng.random(gt.shape) < 0.002] = 200
    y, x = rng.integers(0, max(1, h - 4)), rng.integers(0, max(1, w - 4))
    p[y:y + 3, x:x + 3] = 230   # an island
    y, x = h // 2, w // 2
    p[y:y + 2, x:x + 2] = 90     # a hole
    return np.clip(p, 0, 255).astype(np.uint8)


def clip(h: int, w: int, frames: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(pred, gt) uint8 arrays of shape (frames, h, w)."""
    gt = np.stack([gt_frame(h, w, t, seed) for t in range(frames)])
    pred = np.stack([pred_frame(gt[t], t, seed) for t in range(frames)])
    return pred, gt
