"""How a table is resampled, chosen from what its data can support.

Three plans, decided per table (:func:`choose_plan`):

``clips`` (at least :data:`MIN_CLIPS` clips)
    Clips are the independent units: each resample draws clips with replacement (see
    :mod:`.stats`); a difference counts when both the paired bootstrap and the Wilcoxon
    signed-rank test on per-clip means give a Holm-adjusted p below alpha. Six is the least number
    of pairs for which a two-sided exact Wilcoxon p can fall below 0.05 (2 / 2^6 = 0.031).
``blocks`` (fewer clips, but enough frames)
    Moving-block bootstrap over frames within each clip (Kunsch 1989): a clip of T frames is
    rebuilt from ceil(T / L) blocks of L consecutive frames with uniformly drawn starts, cut to T
    frames; every method uses the same blocks (paired). L is the larger of T^(1/3) (the usual
    rate for variance estimation, Hall, Horowitz & Jing 1995) and the median lag at which the
    per-frame series' autocorrelation first falls inside the 95 % white-noise band 2/sqrt(T), so
    blocks span the temporal correlation. Tests are the paired block bootstrap alone (Holm
    adjusted); they describe these clips, not new clips.
``none`` (fewer than :data:`MIN_BLOCKS` blocks in all)
    Nothing can be inferred: no interval, no p-value and no shared rank; methods are ordered by
    their means and the table says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

MIN_CLIPS = 6
MIN_BLOCKS = 10
CHUNK = 512  # resamples per weight matrix, so memory stays bounded for long clips


@dataclass(frozen=True)
class Plan:
    """The resampling of one table."""

    kind: str                # "clips", "blocks" or "none"
    clips: int
    block: int = 0           # block length in frames ("blocks" only)
    unit: str = "clip"       # what is drawn: "clip", or "image" (image protocols)

    @property
    def tests(self) -> str:
        """The tests a difference must pass, in words."""
        if self.kind == "clips":
            return (f"paired bootstrap over {self.unit}s and Wilcoxon signed-rank on per-{self.unit} "
                    f"{'values' if self.unit == 'image' else 'means'}")
        if self.kind == "blocks":
            return f"paired moving-block bootstrap over frames within clips (blocks of {self.block} frames)"
        return "none"

    def describe(self) -> str:
        """One sentence for the table and the page."""
        n = f"{self.clips} {self.unit}{'s' * (self.clips != 1)}"
        if self.kind == "clips":
            return f"Resampling: {self.unit}s with replacement ({n})."
        if self.kind == "none" and self.unit == "image":
            return (f"Too few images to resample ({n}; a test needs {MIN_CLIPS}): no intervals, p-values "
                    f"or shared ranks; methods are ordered by their figures alone.")
        if self.kind == "blocks":
            return (f"Resampling: {n} is fewer than the {MIN_CLIPS} a clip-level test needs, so frames are "
                    f"resampled within clips by a moving-block bootstrap (block length {self.block} frames: "
                    f"the larger of T^(1/3) and the lag where the frames' autocorrelation fades); "
                    f"intervals and p-values describe these clips only, not new clips.")
        return (f"Too few frames to resample ({n}): no intervals, p-values or shared ranks; methods "
                f"are ordered by their means alone.")


def decorrelation_lag(x: np.ndarray) -> int:
    """First lag at which the sample autocorrelation of ``x`` falls below 2/sqrt(len(x)); 1 for a
    constant or very short series; at most len(x) - 1."""
    x = np.asarray(x, np.float64)
    x = x[np.isfinite(x)]
    n = x.size
    if n < 3:
        return 1
    x = x - x.mean()
    var = float(x @ x)
    if var <= 0:
        return 1
    band = 2.0 / math.sqrt(n)
    for lag in range(1, n):
        if float(x[:-lag] @ x[lag:]) / var < band:
            return lag
    return n - 1


def block_length(series: Sequence[np.ndarray], frames: Sequence[int]) -> int:
    """Block length for clips of ``frames`` frames from per-frame ``series`` (any method, metric
    and clip): max(ceil(T^(1/3)), median decorrelation lag), T the median clip length, at least 1
    and at most T."""
    t = int(np.median(frames))
    rule = math.ceil(t ** (1.0 / 3.0))
    lags = [decorrelation_lag(s) for s in series] or [1]
    return int(max(1, min(t, max(rule, int(np.median(lags))))))


def choose_plan(frames: Sequence[int], series: Sequence[np.ndarray]) -> Plan:
    """The plan for a table whose clips have ``frames`` frames, from its per-frame ``series``."""
    n = len(frames)
    if n >= MIN_CLIPS:
        return Plan("clips", n)
    block = block_length(series, frames)
    if sum(f // block for f in frames) < MIN_BLOCKS:
        return Plan("none", n, block)
    return Plan("blocks", n, block)


def block_weights(frames: Sequence[int], block: int, resamples: int,
                  rng: np.random.Generator) -> Iterator[np.ndarray]:
    """How often each frame is drawn, in chunks of at most :data:`CHUNK` resamples:
    ``(chunk, total frames)`` float64, frames in clip order (clip 0's frames first)."""
    frames = [int(f) for f in frames]
    offsets = np.concatenate([[0], np.cumsum(frames)[:-1]])
    total = int(sum(frames))
    done = 0
    while done < resamples:
        b = min(CHUNK, resamples - done)
        flat = []
        for t, offset in zip(frames, offsets):
            length = min(block, t)
            count = -(-t // length)
            starts = rng.integers(0, t - length + 1, size=(b, count))
            index = (starts[:, :, None] + np.arange(length)).reshape(b, -1)[:, :t] + offset
            flat.append((index + total * np.arange(b)[:, None]).ravel())
        done += b
        yield np.bincount(np.concatenate(flat), minlength=b * total).reshape(b, total).astype(np.float64)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of a family of p-values (NaN stays NaN, not counted)."""
    p = np.asarray(pvalues, np.float64)
    finite = np.flatnonzero(np.isfinite(p))
    out = np.full(p.shape, np.nan)
    m = finite.size
    running = 0.0
    for k, i in enumerate(finite[np.argsort(p[finite], kind="stable")]):
        running = max(running, min(1.0, (m - k) * p[i]))
        out[i] = running
    return [float(v) for v in out]


def first_place_share(boot: np.ndarray, higher: bool) -> np.ndarray:
    """Per column, the share of resamples in which it has the best value (ties shared equally)."""
    values = np.where(np.isnan(boot), -np.inf if higher else np.inf, boot)
    best = values.max(axis=1, keepdims=True) if higher else values.min(axis=1, keepdims=True)
    winners = (values == best) & np.isfinite(values)
    per_row = winners.sum(axis=1, keepdims=True)
    share = np.divide(winners, per_row, out=np.zeros_like(values), where=per_row > 0)
    return share.mean(axis=0)
