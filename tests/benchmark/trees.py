"""Writing small clip trees for end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

import mattes


def write_layer(folder: Path, frames: np.ndarray, ext: str = ".png") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for t, a in enumerate(frames):
        img = cv2.cvtColor(a, cv2.COLOR_RGB2BGR) if a.ndim == 3 else a
        cv2.imwrite(str(folder / f"{t:04d}{ext}"), img)


def make_pair(root: Path, clips=("videomatte_motion/0000", "videomatte_motion/0001", "static/0000"),
              h: int = 36, w: int = 48, frames: int = 4, fgr: bool = False, seed: int = 0):
    """Write pred/ and gt/ trees; returns (pred_root, gt_root)."""
    rng = np.random.default_rng(seed)
    for i, cid in enumerate(clips):
        pred, gt = mattes.clip(h, w, frames, seed + i)
        write_layer(root / "gt" / cid / "pha", gt)
        write_layer(root / "pred" / cid / "pha", pred)
        if fgr:
            write_layer(root / "gt" / cid / "fgr", rng.integers(0, 256, (frames, h, w, 3)).astype(np.uint8))
            write_layer(root / "pred" / cid / "fgr", rng.integers(0, 256, (frames, h, w, 3)).astype(np.uint8))
    return root / "pred", root / "gt"
