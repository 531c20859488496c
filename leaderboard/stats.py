"""Statistics over clips: bootstrap confidence intervals, paired tests and ranks with ties.

Clips, not frames, are the independent units (frames of a clip are strongly correlated), so every
resample draws clips with replacement. A dataset value is a pooled mean over frames, so a
resample's value is the frame-weighted mean of its clips: the sum of the drawn clips' sums divided
by the sum of their covered frame counts (a clip drawn twice counts twice).

- Confidence interval: percentile method, 95 % by default, over ``resamples`` draws.
- Paired bootstrap: both methods are resampled with the SAME clip draws; the p-value is the
  two-sided percentile-bootstrap p, ``min(1, 2 min((#{d* <= 0} + 1), (#{d* >= 0} + 1)) / (B + 1))``
  for the resampled difference d* of the pooled means, i.e. the smallest level at which the
  percentile interval of the difference excludes 0.
- Wilcoxon signed-rank (scipy, two-sided) on the per-clip means of the two methods.
- Which tests a table uses, Holm's correction and the ranks: :mod:`.resampling` and
  :mod:`.board` (tables with fewer than six clips resample frames within clips instead).

Every draw comes from one ``numpy.random.Generator`` per table, seeded with ``[seed, table key]``;
the draws of a table are shared by all of its methods and metrics (that is what makes the test
paired), so the numbers of a method do not change when another method is added.
"""

from __future__ import annotations

import math
import numpy as np


def resample_indices(n_clips: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``(resamples, n_clips)`` clip indices drawn with replacement."""
    return rng.integers(0, n_clips, size=(resamples, n_clips))


def resample_weights(indices: np.ndarray, n_clips: int) -> np.ndarray:
    """How often each clip is drawn in each resample: ``(resamples, n_clips)`` float64."""
    b = indices.shape[0]
    flat = (indices + n_clips * np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n_clips).reshape(b, n_clips).astype(np.float64)


def bootstrap_means(sums: np.ndarray, counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Frame-weighted means of every resample: ``(resamples, columns)``.

    Parameters
    ----------
    sums, counts : ndarray, shape (clips, columns)
        Per-clip sums of the defined per-frame values, and how many frames they cover.
    weights : ndarray, shape (resamples, clips)
        From :func:`resample_weights`.

    A resample whose drawn clips cover no frame of a column is NaN there.
    """
    num = weights @ sums
    den = weights @ counts
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def percentile_interval(boot: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-method interval of every column of ``boot`` (NaN resamples left out)."""
    tail = 100.0 * (1.0 - level) / 2.0
    lo, hi = np.full(boot.shape[1], np.nan), np.full(boot.shape[1], np.nan)
    for j in range(boot.shape[1]):
        col = boot[:, j]
        col = col[~np.isnan(col)]
        if col.size:
            lo[j], hi[j] = np.percentile(col, [tail, 100.0 - tail])
    return lo, hi


def paired_bootstrap_p(boot_a: np.ndarray, boot_b: np.ndarray) -> float:
    """Two-sided p-value of ``mean(a) == mean(b)`` from paired resampled means (same draws)."""
    d = boot_a - boot_b
    d = d[~np.isnan(d)]
    if d.size == 0:
        return math.nan
    below, above = int((d <= 0).sum()), int((d >= 0).sum())
    return min(1.0, 2.0 * (min(below, above) + 1) / (d.size + 1))


def wilcoxon_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value on paired per-clip values (NaN pairs left out).

    1 when every pair is equal (no evidence of a difference), NaN when no pair is defined.
    """
    from scipy.stats import wilcoxon

    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return math.nan
    d = a[ok] - b[ok]
    if not np.any(d != 0):
        return 1.0
    return float(wilcoxon(a[ok], b[ok], alternative="two-sided").pvalue)
