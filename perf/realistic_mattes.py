"""Realistic test mattes for the speed benchmarks: procedural subjects and network-like predictions.

Ground truth comes from mbench's built-in procedural subjects (hair strands, soft edges,
semi-transparency). A prediction is what a matting network tends to output: the truth slightly
blurred and shifted, with a smooth low-frequency error and a few wrong blobs.
"""

from __future__ import annotations

import cv2
import numpy as np

from mbench.synth.sources import open_foreground


def ground_truth(width: int, height: int, clips: int, frames: int, seed: int = 0) -> list[np.ndarray]:
    """``clips`` arrays of shape (frames, height, width), uint8."""
    src = open_foreground("procedural", seed=seed, size=(width, height), frames=max(frames, 2))
    out = []
    for clip in src.clips("test")[:clips]:
        out.append(np.stack([src.frame(clip, t)[1] for t in range(frames)]))
    return out


def prediction(gt: np.ndarray, seed: int) -> np.ndarray:
    """A network-like prediction of one clip."""
    rng = np.random.default_rng(seed)
    t, h, w = gt.shape
    yy, xx = np.mgrid[:h, :w]
    out = np.empty_like(gt)
    for i in range(t):
        a = gt[i].astype(np.float32) / 255
        a = cv2.GaussianBlur(a, (0, 0), 1.2)
        a = np.roll(a, int(rng.integers(-1, 2)), axis=1)
        wave = 0.04 * np.sin(xx / w * 6 + i * 0.3) * np.cos(yy / h * 4)   # smooth error
        a = np.clip(a + wave * (a > 0.02), 0, 1)
        for _ in range(2):  # wrong blobs
            cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(3, max(4, h // 40))
            a[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.uniform(0.3, 1)
        out[i] = np.round(a * 255).astype(np.uint8)
    return out


def write_tree(root, width: int, height: int, clips: int, frames: int) -> None:
    """Write ``root/pred`` and ``root/gt`` clip trees of PNG frames."""
    from pathlib import Path

    root = Path(root)
    for c, gt in enumerate(ground_truth(width, height, clips, frames)):
        pred = prediction(gt, c)
        for side, arr in (("gt", gt), ("pred", pred)):
            folder = root / side / f"{c:04d}" / "pha"
            folder.mkdir(parents=True, exist_ok=True)
            for i, a in enumerate(arr):
                cv2.imwrite(str(folder / f"{i:04d}.png"), a)
