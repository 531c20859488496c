"""Which frames and crops a qualitative figure shows, and the pixels it shows there.

A figure needs the predictions and the ground truth on this machine: ``summary.json`` records
both roots (``pred``, ``gt``). Frames are picked where the methods disagree most: the frame whose
sort-metric values have the largest spread across the table's methods (one frame per clip, the
most disputed clips first), unless the user names them (``--figure-frame CLIP:FRAME``). The crop
is the square window (a third of the shorter side) whose pixels' alpha errors vary most across
methods: hair and other thin structures, where methods differ, rather than the flat background.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mbench.errors import BadInput
from mbench.frames import to_unit_float
from mbench.layout import Clip, discover_clips

from .board import TableResult


@dataclass(frozen=True)
class Example:
    """One frame of a figure: its pixels in [0, 1] and the crop to zoom on."""

    clip: str
    stem: str
    composite: np.ndarray | None          # (H, W, 3) float, None when the GT has no com/ layer
    truth: np.ndarray                     # (H, W) float
    alphas: dict[str, np.ndarray]         # method -> (H, W) float
    crop: tuple[int, int, int]            # y0, x0, side

    def errors(self) -> dict[str, np.ndarray]:
        return {name: np.abs(alpha - self.truth) for name, alpha in self.alphas.items()}


def parse_frame(text: str) -> tuple[str, str]:
    """``CLIP:FRAME`` (the last colon separates; clip ids may hold ``/``)."""
    clip, sep, frame = text.rpartition(":")
    if not sep or not clip or not frame:
        raise BadInput("expected CLIP:FRAME, e.g. valid/0000:0042", f"--figure-frame {text}")
    return clip, frame


def _clips(root: str, what: str, source: Path) -> dict[str, Clip]:
    if not root or not Path(root).is_dir():
        raise BadInput(f"figures need the {what} on this machine, but {root or 'no folder'} (recorded in "
                       f"summary.json) is not a folder", source)
    return {c.id: c for c in discover_clips(root, what=what)}


def sources(result: TableResult) -> tuple[dict[str, Clip], dict[str, dict[str, Clip]]]:
    """The ground-truth clips and every method's predicted clips of a table."""
    first = result.rows[0].evaluation
    truth = _clips(first.gt, "ground truth", first.path / "summary.json")
    preds = {row.name: _clips(row.evaluation.pred, "predictions", row.evaluation.path / "summary.json")
             for row in result.rows}
    return truth, preds


def pick_frames(result: TableResult, count: int) -> list[tuple[str, str]]:
    """``count`` (clip, frame) pairs where the methods' sort-metric values spread the most."""
    metric = result.sort
    columns = []
    for row in result.rows:
        df = row.evaluation.per_frame
        if metric in df:
            columns.append(df.set_index(["clip", "frame"])[metric].rename(row.name))
    if len(columns) < 1:
        return []
    import pandas as pd

    table = pd.concat(columns, axis=1)
    spread = table.std(axis=1, ddof=0).fillna(0.0) if len(columns) > 1 else table.iloc[:, 0].fillna(0.0)
    order = spread.sort_values(ascending=False, kind="stable")
    picks, seen = [], set()
    for clip, frame in order.index:
        if clip not in seen:
            picks.append((str(clip), str(frame)))
            seen.add(clip)
        if len(picks) == count:
            break
    return picks


def pick_crop(truth: np.ndarray, alphas: list[np.ndarray]) -> tuple[int, int, int]:
    """The square (a third of the shorter side) where the methods' errors vary most."""
    height, width = truth.shape
    side = max(8, min(height, width) // 3)
    errors = np.stack([np.abs(a - truth) for a in alphas])
    score = errors.var(axis=0) if len(alphas) > 1 else errors[0]
    score = score + 1e-3 * np.abs(truth - 0.5 * (truth > 0))   # ties: prefer semi-transparent truth
    table = np.pad(score.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    sums = table[side:, side:] - table[:-side, side:] - table[side:, :-side] + table[:-side, :-side]
    y0, x0 = np.unravel_index(int(np.argmax(sums)), sums.shape)
    return int(y0), int(x0), side


def load_example(truth: dict[str, Clip], preds: dict[str, dict[str, Clip]], clip: str, stem: str,
                 crop: tuple[int, int, int] | None = None) -> Example:
    """The pixels of one frame for every method (and the crop, picked when not given)."""
    if clip not in truth:
        raise BadInput(f"no clip {clip!r} in the ground truth (clips: {', '.join(list(truth)[:5])}, ...)",
                       f"--figure-frame {clip}:{stem}")
    gt_clip = truth[clip]
    if stem not in gt_clip.stems:
        raise BadInput(f"clip {clip!r} has no frame {stem!r} (frames {gt_clip.stems[0]} to {gt_clip.stems[-1]})",
                       f"--figure-frame {clip}:{stem}")
    index = gt_clip.stems.index(stem)
    gt = to_unit_float(gt_clip.layers["pha"].read_alpha(index))
    composite = to_unit_float(gt_clip.layers["com"].read_color(index)) if "com" in gt_clip.layers else None
    alphas = {}
    for name, clips in preds.items():
        layer = clips[clip].layers["pha"]
        alphas[name] = to_unit_float(layer.read_alpha(layer.stems.index(stem)))
    return Example(clip, stem, composite, gt, alphas, crop or pick_crop(gt, list(alphas.values())))


def examples(result: TableResult, chosen: list[tuple[str, str]], count: int = 2) -> list[Example]:
    """The examples of a table's figure: the chosen frames, else the most disputed ones."""
    truth, preds = sources(result)
    picks = chosen or pick_frames(result, count)
    return [load_example(truth, preds, clip, stem) for clip, stem in picks]


def subsample(n: int, most: int) -> list[int]:
    """At most ``most`` frame indices spread evenly over ``n`` frames (first and last included)."""
    if n <= most:
        return list(range(n))
    return sorted({round(i * (n - 1) / (most - 1)) for i in range(most)})


def error_limit(items: list[Example]) -> float:
    """One colour scale for every error map of a figure: the largest error shown, at least 0.05."""
    top = max((float(e.max()) for ex in items for e in ex.errors().values()), default=1.0)
    return max(0.05, math.ceil(top * 20) / 20)
