"""A small real store for the figure tests: ground truth with composites, three damaged copies
scored by ``mbench evaluate`` (the engine, not hand-written files)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from mbench.frames import write_image as _write


def write_image(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, array)


def _blob(t: int, c: int, height: int, width: int) -> np.ndarray:
    yy, xx = np.mgrid[:height, :width]
    d = np.hypot(xx - (width / 3 + 3 * t + 5 * c), yy - height / 2)
    hair = 0.5 + 0.5 * np.sin(xx * 1.7) * (np.abs(d - height / 4) < 3)
    return np.clip(np.clip(height / 4 - d, 0, 1) + hair * (d >= height / 4) * (d < height / 4 + 3), 0, 1)


def figure_store(root: Path, clips: int = 2, frames: int = 3, height: int = 48, width: int = 64) -> Path:
    from mbench.benchmark import evaluate

    root = Path(root)
    rng = np.random.default_rng(0)
    damage = {"blur": lambda a: cv2.GaussianBlur(a, (0, 0), 1.5),
              "noise": lambda a: np.clip(a + rng.normal(0, 0.08, a.shape), 0, 1),
              "shift": lambda a: np.roll(a, 1, axis=1)}
    for c in range(clips):
        for t in range(frames):
            alpha = _blob(t, c, height, width)
            com = np.dstack([alpha * 0.9 + (1 - alpha) * 0.2, alpha * 0.6 + (1 - alpha) * 0.5,
                             alpha * 0.3 + (1 - alpha) * 0.8])
            write_image(root / "gt" / f"clip{c}" / "pha" / f"{t:04d}.png", np.rint(alpha * 255).astype(np.uint8))
            write_image(root / "gt" / f"clip{c}" / "com" / f"{t:04d}.png", np.rint(com * 255).astype(np.uint8))
            for name, fn in damage.items():
                write_image(root / "preds" / name / f"clip{c}" / "pha" / f"{t:04d}.png",
                            np.rint(fn(alpha) * 255).astype(np.uint8))
    for name in damage:
        evaluate(str(root / "preds" / name), str(root / "gt"), out=str(root / "store" / name), quiet=True)
        (root / "store" / name / "method.json").write_text(json.dumps({"name": name, "dataset": "blobs"}))
    return root / "store"
