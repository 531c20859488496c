"""Speed of the leaderboard's bootstrap: vectorised (one matrix product) against a plain loop.

    python perf/bootstrap_speed.py [--resamples 10000]

For tables of M methods x K metrics over C clips, both sides compute the same frame-weighted
resampled means from the same index matrix (checked equal), then the 95 % percentile intervals.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mbench.leaderboard import stats


def naive(sums: np.ndarray, counts: np.ndarray, idx: np.ndarray) -> np.ndarray:
    out = np.empty((idx.shape[0], sums.shape[1]))
    for b, row in enumerate(idx):
        for j in range(sums.shape[1]):
            out[b, j] = sums[row, j].sum() / counts[row, j].sum()
    return out


def fast(sums: np.ndarray, counts: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return stats.bootstrap_means(sums, counts, stats.resample_weights(idx, sums.shape[0]))


def best_of(fn, *args, repeat: int = 3) -> tuple[float, np.ndarray]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args)
        stats.percentile_interval(result)
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--resamples", type=int, default=10_000)
    args = p.parse_args()
    print(f"{'clips':>6} {'columns':>8} {'naive s':>9} {'ours s':>9} {'speed-up':>9}")
    for clips, columns in ((10, 5), (50, 35), (200, 70)):
        rng = np.random.default_rng([clips, columns])
        counts = rng.integers(50, 300, size=(clips, columns)).astype(float)
        sums = counts * rng.gamma(2.0, 2.0, size=(clips, columns))
        idx = stats.resample_indices(clips, args.resamples, np.random.default_rng(0))
        t_naive, a = best_of(naive, sums, counts, idx, repeat=1)
        t_fast, b = best_of(fast, sums, counts, idx)
        np.testing.assert_allclose(a, b, rtol=1e-12)
        print(f"{clips:>6} {columns:>8} {t_naive:>9.3f} {t_fast:>9.4f} {t_naive / t_fast:>8.0f}x")


if __name__ == "__main__":
    main()
