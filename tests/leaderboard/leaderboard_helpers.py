"""Hand-made results stores for the leaderboard tests: evaluation files written with known numbers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

RVM = ("mad", "mse", "grad", "conn", "dtssd")


def _fmt(v: float) -> str:
    return "nan" if math.isnan(v) else repr(float(v))


def write_evaluation(folder: Path, values: dict[str, dict[str, list[float]]], *, convention: str = "rvm",
                     gt: str = "/data/gt", pred: str | None = None, method: dict | None = None,
                     method_in_parent: bool = False) -> Path:
    """Write per_frame.csv, per_clip.csv and summary.json from ``values[clip][metric] = per-frame list``.

    ``method`` (a method.json object) goes beside the evaluation, or into the folder above it.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    clips = sorted(values)
    metrics = list(values[clips[0]])
    lines = ["clip,frame," + ",".join(metrics)]
    clip_lines = ["clip,frames," + ",".join(metrics)]
    pooled = {m: [] for m in metrics}
    for c in clips:
        n = len(values[c][metrics[0]])
        for f in range(n):
            lines.append(f"{c},{f:04d}," + ",".join(_fmt(values[c][m][f]) for m in metrics))
        means = []
        for m in metrics:
            v = np.asarray(values[c][m], dtype=float)
            pooled[m] += list(v)
            means.append(float(np.nanmean(v)) if (~np.isnan(v)).any() else math.nan)
        clip_lines.append(f"{c},{n}," + ",".join(_fmt(x) for x in means))
    summary = {"convention": convention, "gt": gt, "pred": pred or f"/preds/{folder.name}",
               "mbench_version": "0.1.0", "n_clips": len(clips), "n_frames": len(pooled[metrics[0]]),
               "metrics": {}}
    for m in metrics:
        v = np.asarray(pooled[m])
        summary["metrics"][m] = float(np.nanmean(v)) if (~np.isnan(v)).any() else None
    (folder / "per_frame.csv").write_text("\n".join(lines) + "\n")
    (folder / "per_clip.csv").write_text("\n".join(clip_lines) + "\n")
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    if method is not None:
        where = folder.parent if method_in_parent else folder
        (where / "method.json").write_text(json.dumps(method, indent=2))
    return folder


def constant_clips(level: dict[str, float], frames: int = 4, metrics=RVM, spread: float = 0.0) -> dict:
    """Per-frame values: clip c holds ``level[c]`` (plus ``spread * frame``) for every metric."""
    return {c: {m: [v * (k + 1) + spread * f for f in range(frames)] for k, m in enumerate(metrics)}
            for c, v in level.items()}


def example_store(root: Path, n_clips: int = 8, frames: int = 5) -> Path:
    """Three methods on one ground truth with clear, known differences.

    Per clip i (0-based), MAD of frame f is: good 1 + 0.1 i, mid 1.5 + 0.1 i (+0.001 f so that the
    rows of equal clips differ), bad 3 + 0.1 i; the other metrics are MAD times 2, 3, 4 and 5.
    good beats mid beats bad on every clip, so with 8 clips every paired test is significant.
    """
    root = Path(root)
    for name, base, params, fps in (("good", 1.0, 3_749_000, 120.0), ("mid", 1.5, 5_007_000, 60.0),
                                    ("bad", 3.0, None, 200.0)):
        level = {f"clip{i:02d}": base + 0.1 * i for i in range(n_clips)}
        vals = constant_clips(level, frames, spread=0.001)
        method = {"name": name.capitalize() + "Net", "parameters": params, "fps": fps,
                  "hardware": "test machine", "commands": [f"mbench run-baselines --model {name}"]}
        write_evaluation(root / name / "eval", vals, gt="/data/vm/valid", method=method,
                         method_in_parent=True)
    return root
