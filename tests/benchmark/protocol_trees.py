"""Small trees in the native layouts of the RVM-family protocols (golden values are made on these).

Every tree is a pure function of its arguments (mattes.clip with fixed seeds), so the reference
values in data/golden_protocols.json, made by running the original scripts on the same trees, stay
valid. Each RVM-style tree has one 16-bit ground-truth PNG (random low byte; its foreground too) and one
RGBA prediction PNG whose alpha channel differs from its colour, so the originals' 8-bit gray reading is
part of every golden value.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

import mattes

H, W = 48, 64
RVM_CLIPS = (("vm_motion", "0000", 4), ("vm_motion", "0001", 3), ("vm_static", "0000", 5))
SIXTEEN_BIT = "vm_static/0000/pha/0002"   # this GT frame is a 16-bit PNG
RGBA = "vm_motion/0001/pha/0001"          # this prediction frame is an RGBA PNG


def _write(path: Path, img: np.ndarray, ext: str = ".png") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(ext, img)
    assert ok
    path.with_suffix(ext).write_bytes(buf.tobytes())


def rvm_tree(root: Path, *, fgr: bool = True, pred_ext: str = ".png", gt_ext: str = ".png",
             seed: int = 3) -> tuple[Path, Path]:
    """``root/pred`` and ``root/gt`` as ``<dataset>/<clip>/{pha,fgr}/NNNN.png``; returns both roots.

    Clip lengths differ (4, 3, 5) so the workbook's first-clip rule matters. ``pred_ext=".jpg"``
    writes the predictions' alpha as JPEG (MatAnyone's extension remapping); ``gt_ext=".jpg"`` keeps
    the ground truth's PNG bytes under ``.jpg`` names, as MatAnyone2's eval_hr.py requires.
    """
    rng = np.random.default_rng([seed, 99])
    for n, (ds, clip, frames) in enumerate(RVM_CLIPS):
        pred, gt = mattes.clip(H, W, frames, seed + n)
        for t in range(frames):
            rel = f"{ds}/{clip}/pha/{t:04d}"
            g = gt[t]
            if rel == SIXTEEN_BIT:
                g = (g.astype(np.uint16) << 8) | rng.integers(0, 256, g.shape).astype(np.uint16)
            p = pred[t]
            if rel == RGBA:
                colour = np.stack([p, np.roll(p, 1, 0), p // 2], -1)
                p = np.concatenate([colour, rng.integers(0, 256, p.shape + (1,)).astype(np.uint8)], -1)
            _write(root / "gt" / rel, g)
            _write(root / "pred" / rel, p, pred_ext if rel != RGBA else ".png")
            if fgr:
                for side in ("pred", "gt"):
                    colour = rng.integers(0, 256, (H, W, 3)).astype(np.uint8)
                    if side == "gt" and rel == SIXTEEN_BIT:  # a 16-bit foreground too
                        colour = (colour.astype(np.uint16) << 8) | rng.integers(0, 256, colour.shape).astype(np.uint16)
                    _write(root / side / ds / clip / "fgr" / f"{t:04d}", colour)
    if pred_ext != ".png":  # the RGBA frame keeps its PNG bytes under the prediction's extension
        src = root / "pred" / (RGBA + ".png")
        os.replace(src, src.with_suffix(pred_ext))
    if gt_ext != ".png":
        for src in sorted((root / "gt").glob("*/*/pha/*.png")):
            os.replace(src, src.with_suffix(gt_ext))
    return root / "pred", root / "gt"


CRGNN_VIDEOS = (("v1", 25, 3), ("v2", 41, 5), ("v3", 25, 4))  # (name, predictions, GT frames)


def crgnn_tree(root: Path, seed: int = 5) -> tuple[Path, Path]:
    """``root/pred/<video>/pha/NNNNN.png`` (every frame) and ``root/gt/<video>/frameNNNNN.png``
    (every 10th frame, numbered from 1 as CRGNN ships); v3 has one GT frame beyond its predictions,
    and a prediction-only folder that the original ignores."""
    for n, (video, n_pred, n_gt) in enumerate(CRGNN_VIDEOS):
        pred, gt = mattes.clip(H, W, n_pred, seed + n)
        for t in range(n_pred):
            _write(root / "pred" / video / "pha" / f"{t:05d}", pred[t])
        for i in range(n_gt):
            _write(root / "gt" / video / f"frame{10 * i + 1:05d}", gt[min(10 * i, n_pred - 1)])
    _write(root / "pred" / "only_pred" / "pha" / "00000", pred[0])
    return root / "pred", root / "gt"
