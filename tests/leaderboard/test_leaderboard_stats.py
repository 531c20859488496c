"""Bootstrap intervals, paired tests and ranks, checked against slow reference loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import wilcoxon

from mbench.leaderboard import stats


def _clips(rng, n, frames_lo=3, frames_hi=9):
    frames = rng.integers(frames_lo, frames_hi, size=n).astype(float)
    means = rng.gamma(2.0, 1.5, size=n)
    return means * frames, frames


def test_weights_count_the_draws():
    idx = np.array([[0, 0, 2], [1, 2, 2]])
    w = stats.resample_weights(idx, 3)
    np.testing.assert_array_equal(w, [[2, 0, 1], [0, 1, 2]])


def test_bootstrap_interval_matches_a_slow_loop_exactly():
    """Same index matrix -> same resampled means and the same percentile interval."""
    rng = np.random.default_rng(7)
    sums, counts = _clips(rng, 13)
    idx = stats.resample_indices(13, 2000, np.random.default_rng(123))
    fast = stats.bootstrap_means(sums[:, None], counts[:, None], stats.resample_weights(idx, 13))[:, 0]
    slow = []
    for row in idx:  # the definition: draw clips, pool their frames
        slow.append(sum(sums[i] for i in row) / sum(counts[i] for i in row))
    np.testing.assert_allclose(fast, slow, rtol=1e-12)
    lo, hi = stats.percentile_interval(fast[:, None])
    assert lo[0] == pytest.approx(np.percentile(slow, 2.5), rel=1e-12)
    assert hi[0] == pytest.approx(np.percentile(slow, 97.5), rel=1e-12)
    pooled = sums.sum() / counts.sum()
    assert lo[0] < pooled < hi[0]


def test_frame_weighting_is_not_a_mean_of_clip_means():
    # one long clip with a large error and one short clip with a small one
    sums, counts = np.array([[100.0 * 10], [2.0 * 1]]), np.array([[100.0], [1.0]])
    w = stats.resample_weights(np.array([[0, 1]]), 2)
    assert stats.bootstrap_means(sums, counts, w)[0, 0] == pytest.approx(1002 / 101)


def test_paired_bootstrap_p_matches_a_slow_loop():
    rng = np.random.default_rng(3)
    sa, ca = _clips(rng, 10)
    sb = sa * rng.uniform(0.9, 1.2, size=10)
    idx = stats.resample_indices(10, 3000, np.random.default_rng(5))
    w = stats.resample_weights(idx, 10)
    boot = stats.bootstrap_means(np.stack([sa, sb], 1), np.stack([ca, ca], 1), w)
    p = stats.paired_bootstrap_p(boot[:, 0], boot[:, 1])
    below = above = 0
    for row in idx:
        d = sum(sa[i] for i in row) / sum(ca[i] for i in row) - sum(sb[i] for i in row) / sum(ca[i] for i in row)
        below += d <= 0
        above += d >= 0
    assert p == pytest.approx(min(1.0, 2 * (min(below, above) + 1) / (len(idx) + 1)))


def test_paired_p_of_identical_methods_is_one_and_of_a_clear_gap_is_small():
    w = stats.resample_weights(stats.resample_indices(8, 1000, np.random.default_rng(0)), 8)
    s = np.arange(1.0, 9.0)
    c = np.ones(8)
    boot = stats.bootstrap_means(np.stack([s, s, s + 5], 1), np.stack([c, c, c], 1), w)
    assert stats.paired_bootstrap_p(boot[:, 0], boot[:, 1]) == 1.0
    assert stats.paired_bootstrap_p(boot[:, 0], boot[:, 2]) == pytest.approx(2 / 1001)


def test_wilcoxon_is_scipys_and_handles_equal_and_missing_pairs():
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.5, 7.0])
    b = a + np.array([0.3, -0.1, 0.5, 0.2, 0.4, 0.6, 0.7])
    assert stats.wilcoxon_p(a, b) == pytest.approx(wilcoxon(a, b).pvalue)
    assert stats.wilcoxon_p(a, a) == 1.0
    assert math.isnan(stats.wilcoxon_p(np.array([np.nan]), np.array([1.0])))
    with_nan = np.append(a, np.nan)
    assert stats.wilcoxon_p(with_nan, np.append(b, 1.0)) == pytest.approx(wilcoxon(a, b).pvalue)
