"""Small trees and a file-system snapshot for the safety tests (outputs, names, bad flags)."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np


def write_clip_tree(root: Path, clips=("a", "b"), frames: int = 3, h: int = 24, w: int = 32,
                    seed: int = 0) -> Path:
    """A clip-layout root (``root/<clip>/pha/NNNN.png``) of random 8-bit mattes."""
    rng = np.random.default_rng(seed)
    for clip in clips:
        folder = root / clip / "pha"
        folder.mkdir(parents=True)
        for t in range(frames):
            assert cv2.imwrite(str(folder / f"{t:04d}.png"), rng.integers(0, 256, (h, w), dtype=np.uint8))
    return root


def pred_gt(root: Path) -> tuple[Path, Path]:
    """``root/pred`` and ``root/gt`` holding the same two clips."""
    return write_clip_tree(root / "pred", seed=1), write_clip_tree(root / "gt", seed=2)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (hidden ones too): kind, size and modification time, by path."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[os.path.relpath(p, root)] = (st.st_mode >> 12, st.st_size if name in filenames else 0,
                                             st.st_mtime_ns)
    return out


def write_vm_clip(base: Path, name: str, fgr_frames: int, pha_frames: int, size=(24, 32)) -> None:
    """A VideoMatte240K clip ``base/{fgr,pha}/<name>/NNNN.png`` with the given frame counts."""
    h, w = size
    for layer, n in (("fgr", fgr_frames), ("pha", pha_frames)):
        folder = base / layer / name
        folder.mkdir(parents=True)
        for t in range(n):
            img = np.full((h, w, 3) if layer == "fgr" else (h, w), 40 * t + 10, np.uint8)
            assert cv2.imwrite(str(folder / f"{t:04d}.png"), img)
