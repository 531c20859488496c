"""Make the example results store (and optionally its board) that the README shows.

    python leaderboard/examples/make_example.py --store leaderboard/examples/store [--board board/]

The ground truth is synthetic: 8 clips of 16 frames (96x64) with a soft-edged disk and a thin
strand moving along an eased path. The four "methods" are NOT networks but simple degradations of
the ground truth, scored by the real engine (``mbench.benchmark.evaluate``), so the numbers are
true measurements of known errors: a 1-pixel shift, a blur, a one-frame lag (errors only where the
matte moves) and per-frame noise (flicker, which dtSSD shows). They have no parameters or speed,
so this board has no quality-vs-speed plot. The ground truth and predictions are written to a temporary folder and removed; only the
evaluations (a few kB of CSV) and their method.json files are kept in the store.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from mbench.benchmark import evaluate
from mbench.frames import write_image

CLIPS, FRAMES, H, W = 8, 16, 64, 96


def ground_truth(clip: int) -> np.ndarray:
    """(FRAMES, H, W) float alpha: a soft disk and a thin strand on an ease-in-out path."""
    rng = np.random.default_rng([2024, clip])
    r, x0, y0 = rng.uniform(10, 16), rng.uniform(20, 40), rng.uniform(24, 40)
    dx, dy = rng.uniform(15, 35), rng.uniform(-10, 10)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    out = np.empty((FRAMES, H, W))
    for t in range(FRAMES):
        s = t / (FRAMES - 1)
        e = 3 * s * s - 2 * s * s * s  # smoothstep easing
        cx, cy = x0 + dx * e, y0 + dy * e
        disk = np.clip((r - np.hypot(xx - cx, yy - cy)) / 2.5, 0, 1)
        strand = np.clip(1.2 - np.abs(xx - (cx + r + 4 + 3 * np.sin(yy / 6 + t / 3))), 0, 1)
        strand *= (np.abs(yy - cy) < r + 6)
        out[t] = np.maximum(disk, 0.8 * strand)
    return out


def shift(a: np.ndarray, clip: int) -> np.ndarray:
    return np.roll(a, 1, axis=2)


def blur(a: np.ndarray, clip: int) -> np.ndarray:
    return np.stack([cv2.GaussianBlur(f, (0, 0), 1.5) for f in a])


def lag(a: np.ndarray, clip: int) -> np.ndarray:
    return np.concatenate([a[:1], a[:-1]])


def noise(a: np.ndarray, clip: int) -> np.ndarray:
    rng = np.random.default_rng([7, clip])
    return np.clip(a + rng.normal(0, 0.04, size=a.shape) * (a > 0.02), 0, 1)


METHODS = {
    "Shift 1 px": (shift, "the ground truth moved one pixel to the right"),
    "Blur": (blur, "the ground truth blurred (Gaussian, sigma 1.5 px)"),
    "Lag 1 frame": (lag, "the previous frame's ground truth (a one-frame delay)"),
    "Noise": (noise, "the ground truth plus per-frame Gaussian noise (sigma 0.04) on the matte"),
}


def _write_clip(root: Path, clip: int, alpha: np.ndarray) -> None:
    folder = root / f"clip{clip:02d}" / "pha"
    folder.mkdir(parents=True)
    for t, a in enumerate(alpha):
        write_image(folder / f"{t:04d}.png", (a * 255).round().astype(np.uint8))


def make_store(store: Path, work: Path) -> None:
    gt_root = work / "synthetic-gt"
    truth = [ground_truth(c) for c in range(CLIPS)]
    for c, a in enumerate(truth):
        _write_clip(gt_root, c, a)
    for name, (fn, what) in METHODS.items():
        slug = name.lower().replace(" ", "-")
        pred_root = work / slug
        for c, a in enumerate(truth):
            _write_clip(pred_root, c, fn(a, c))
        out = store / slug
        evaluate(pred_root, gt_root, out=out, quiet=True)
        # Make the store relocatable: the temporary roots are named, not their full paths.
        summary = json.loads((out / "summary.json").read_text())
        summary["gt"], summary["pred"] = "synthetic-gt", f"predictions/{slug}"
        (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        method = {"name": name, "notes": f"Example, not a matting method: {what}.",
                  "commands": [shlex.join(["python", "leaderboard/examples/make_example.py", "--store", str(store)])]}
        (out / "method.json").write_text(json.dumps(method, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--store", type=Path, required=True, help="store folder to (re)write")
    p.add_argument("--board", type=Path, help="also build the board here")
    args = p.parse_args(argv)
    if args.store.exists():
        sys.exit(f"{args.store} exists; remove it first")
    with tempfile.TemporaryDirectory() as work:
        make_store(args.store, Path(work))
    if args.board:
        from mbench.cli import main as mbench
        return mbench(["leaderboard", str(args.store), "--out", str(args.board)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
