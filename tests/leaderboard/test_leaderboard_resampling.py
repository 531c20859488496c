"""Statistics that hold with few clips: the resampling plan, block bootstrap, Holm, first-place
shares, higher-is-better metrics, and planted differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from leaderboard_helpers import write_evaluation

from mbench.leaderboard import resampling
from mbench.leaderboard.board import Options, compute_board
from mbench.leaderboard.store import group_tables, load_store


def ar1(rng, n, rho=0.8, scale=0.01):
    """A temporally correlated per-frame series around 0 (scale 0.01, rho 0.8: frame-to-frame
    spread of about 1.7 % of the level, as a metric varies along a clip)."""
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + rng.normal(0, scale)
    return x


def planted_store(root, *, clips, frames, factor, seed=0, other_noise=True):
    """Two methods on the same clips: A, and B = A * factor with its own small noise."""
    rng = np.random.default_rng(seed)
    a_values, b_values = {}, {}
    for c in range(clips):
        level = rng.uniform(5, 15)
        a = level * (1 + ar1(rng, frames))
        b = level * factor * (1 + (ar1(rng, frames) if other_noise else a / level - 1))
        a_values[f"c{c:02d}"] = {"mad": list(a)}
        b_values[f"c{c:02d}"] = {"mad": list(b)}
    for name, values in (("A", a_values), ("B", b_values)):
        write_evaluation(root / name, values, gt="/data/planted", method={"name": name})
    return compute_board(group_tables(load_store(root)), Options(resamples=2000))[0]


def rows(result):
    return {r.name: r for r in result.rows}


def test_a_method_five_percent_worse_is_separated_on_eight_clips(tmp_path):
    result = planted_store(tmp_path, clips=8, frames=30, factor=1.05)
    assert result.plan.kind == "clips"
    r = rows(result)
    assert (r["A"].rank["mad"], r["B"].rank["mad"]) == (1, 2)
    assert r["B"].p_bootstrap["mad"] < 0.05 and r["B"].p_wilcoxon["mad"] < 0.05
    assert r["A"].p_first["mad"] > 0.95


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identical_methods_are_not_separated(tmp_path, seed):
    result = planted_store(tmp_path, clips=8, frames=30, factor=1.0, seed=seed)
    r = rows(result)
    assert r["A"].rank["mad"] == r["B"].rank["mad"] == 1
    assert 0.1 < r["A"].p_first["mad"] < 0.9


def test_one_clip_uses_the_block_bootstrap_and_says_so(tmp_path):
    result = planted_store(tmp_path / "worse", clips=1, frames=200, factor=30.0)
    assert result.plan.kind == "blocks" and result.plan.block >= math.ceil(200 ** (1 / 3))
    r = rows(result)
    assert (r["A"].rank["mad"], r["B"].rank["mad"]) == (1, 2)
    assert "mad" not in r["B"].p_wilcoxon                      # no clip-level test from one clip
    lo, hi = r["A"].ci["mad"]
    assert hi - lo > 0                                          # not a +- 0.00 interval
    assert "moving-block bootstrap" in result.plan.describe()
    assert "these clips only" in result.plan.describe()
    same = planted_store(tmp_path / "same", clips=1, frames=200, factor=1.0, other_noise=False)
    assert [x.rank["mad"] for x in same.rows] == [1, 1]


def test_a_tiny_clip_prints_no_interval_test_or_shared_rank(tmp_path):
    result = planted_store(tmp_path, clips=1, frames=4, factor=1.0)
    assert result.plan.kind == "none"
    for row in result.rows:
        assert not row.ci and not row.p_bootstrap and not row.p_first
    assert sorted(row.rank["mad"] for row in result.rows) == [1, 2]
    assert "no intervals, p-values or shared ranks" in result.plan.describe()


def test_block_weights_draw_whole_blocks_inside_each_clip():
    rng = np.random.default_rng(1)
    weights = np.concatenate(list(resampling.block_weights([7, 5], 3, 600, rng)))
    assert weights.shape == (600, 12)
    np.testing.assert_array_equal(weights[:, :7].sum(axis=1), 7)     # each clip keeps its length
    np.testing.assert_array_equal(weights[:, 7:].sum(axis=1), 5)
    # A slow loop with the same generator draws the same frames.
    chunks = []
    rng = np.random.default_rng(1)
    for chunk in range(2):
        size = min(resampling.CHUNK, 600 - chunk * resampling.CHUNK)
        part = np.zeros((size, 12))
        for t, offset in ((7, 0), (5, 7)):
            starts = rng.integers(0, t - 2, size=(size, math.ceil(t / 3)))
            for b in range(size):
                frames = [s + k for s in starts[b] for k in range(3)][:t]
                for f in frames:
                    part[b, offset + f] += 1
        chunks.append(part)
    slow = np.concatenate(chunks)
    np.testing.assert_array_equal(weights, slow)


def test_block_length_follows_the_correlation():
    rng = np.random.default_rng(0)
    white = [rng.normal(size=400) for _ in range(4)]
    smooth = [ar1(rng, 400, rho=0.97, scale=1.0) for _ in range(4)]
    assert resampling.block_length(white, [400]) == math.ceil(400 ** (1 / 3))
    assert resampling.block_length(smooth, [400]) > 2 * math.ceil(400 ** (1 / 3))
    assert resampling.decorrelation_lag(np.ones(10)) == 1


def test_holm_matches_a_hand_computed_family():
    assert resampling.holm([0.01, 0.04, 0.03, math.nan]) == pytest.approx([0.03, 0.06, 0.06, math.nan],
                                                                          nan_ok=True)
    assert resampling.holm([0.5, 0.6]) == [1.0, 1.0]


def test_first_place_share_splits_ties_and_knows_the_direction():
    boot = np.array([[1.0, 2.0], [1.0, 3.0], [2.0, 1.0], [1.0, 1.0], [np.nan, 5.0]])
    np.testing.assert_allclose(resampling.first_place_share(boot, higher=False), [0.5, 0.5])
    np.testing.assert_allclose(resampling.first_place_share(boot, higher=True), [0.3, 0.7])


def test_higher_is_better_metrics_rank_the_largest_first(tmp_path):
    values = {f"c{i}": {"mad": [1.0 + i, 1.1 + i]} for i in range(8)}
    better = {f"c{i}": {"mad": [3.0 + i, 3.2 + i]} for i in range(8)}
    for name, v in (("small", values), ("large", better)):
        folder = write_evaluation(tmp_path / name, v, gt="/data/hib", method={"name": name})
        import json
        summary = json.loads((folder / "summary.json").read_text())
        summary["card"] = {"higher_is_better": ["mad"]}
        (folder / "summary.json").write_text(json.dumps(summary))
    result = compute_board(group_tables(load_store(tmp_path)), Options(resamples=500))[0]
    assert [r.name for r in result.rows] == ["large", "small"]
    assert rows(result)["large"].rank["mad"] == 1 and rows(result)["small"].rank["mad"] == 2
    assert result.better("mad") == "\u2191"
