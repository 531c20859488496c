"""Tables from hand-made stores with known numbers: values, bold/underline, ranks, determinism."""

from __future__ import annotations

import csv
import io
import zlib

import numpy as np
import pytest
from leaderboard_helpers import write_evaluation

from mbench.leaderboard import stats, tables
from mbench.leaderboard.board import Options, compute_board
from mbench.leaderboard.store import group_tables, load_store

OFFSETS = [-0.04, -0.03, -0.02, -0.01, 0.01, 0.02, 0.03, 0.04]  # per-clip offsets averaging to zero


def _method(store, name, mad, mse, params=None, gt="/data/gt"):
    vals = {f"c{i}": {"mad": [mad + d] * 2, "mse": [mse - d] * 2} for i, d in enumerate(OFFSETS)}
    write_evaluation(store / name.lower(), vals, gt=gt, method={"name": name, "parameters": params})


@pytest.fixture
def abc_store(tmp_path):
    """A best on MAD, B best on MSE, C second on MSE; means exact by construction."""
    store = tmp_path / "store"
    _method(store, "A", 1.0, 3.0, params=2_000_000)
    _method(store, "B", 2.0, 1.0)
    _method(store, "C", 3.0, 2.0)
    return store


def _board(store, **kw):
    return compute_board(group_tables(load_store(store)), Options(resamples=1000, **kw))


def test_means_order_and_columns(abc_store):
    (r,) = _board(abc_store)
    assert [row.name for row in r.rows] == ["A", "B", "C"]
    assert r.metrics == ("mad", "mse")
    assert [row.mean["mad"] for row in r.rows] == pytest.approx([1.0, 2.0, 3.0])
    assert [row.mean["mse"] for row in r.rows] == pytest.approx([3.0, 1.0, 2.0])
    (r,) = _board(abc_store, sort="mse")
    assert [row.name for row in r.rows] == ["B", "C", "A"]


def test_latex_bold_and_underline_per_column(abc_store):
    (r,) = _board(abc_store)
    tex = tables.latex_table(r, Options(resamples=1000))
    rows = {line.split("&")[1].strip(): line for line in tex.splitlines() if line.count("&") >= 4}
    cells = {name: [c.strip() for c in line.rstrip(" \\").split("&")] for name, line in rows.items()}
    assert cells["A"][2].startswith(r"\textbf{1.00}") and cells["A"][3].startswith("3.00")
    assert cells["B"][2].startswith(r"\underline{2.00}") and cells["B"][3].startswith(r"\textbf{1.00}")
    assert cells["C"][2].startswith("3.00") and cells["C"][3].startswith(r"\underline{2.00}")
    assert cells["A"][4] == "2" and cells["B"][4] == "--"  # parameters in millions, unknown
    assert "\\toprule" in tex and "\\midrule" in tex and "\\bottomrule" in tex
    assert r"MAD$\downarrow$" in tex


def test_equal_printed_values_are_both_bold(tmp_path):
    store = tmp_path / "store"
    _method(store, "A", 1.0, 2.0)
    _method(store, "B", 1.001, 1.0)   # prints as 1.00 too
    _method(store, "C", 1.5, 1.5)
    (r,) = _board(store)
    best, second = tables.marks(r, "mad")
    assert best == {0, 1} and second == {2}


def test_markdown_and_csv_hold_the_same_numbers(abc_store):
    (r,) = _board(abc_store)
    md = tables.markdown([r], Options(resamples=1000))
    line_a = next(ln for ln in md.splitlines() if ln.startswith("| 1 | A |"))
    assert "**1.00** \u00b1" in line_a
    lo, hi = r.rows[0].ci["mad"]
    assert f"{(hi - lo) / 2:.2f}" in line_a
    rows = list(csv.DictReader(io.StringIO(tables.to_csv([r]))))
    assert [row["method"] for row in rows] == ["A", "B", "C"]
    assert float(rows[1]["mad"]) == pytest.approx(2.0)
    assert float(rows[1]["mad_ci_low"]) == r.rows[1].ci["mad"][0]
    assert rows[0]["mad_p_bootstrap"] == "" and float(rows[1]["mad_p_bootstrap"]) < 0.05
    assert rows[0]["parameters"] == "2000000" and rows[1]["parameters"] == ""


def test_intervals_are_the_documented_bootstrap(abc_store):
    """Recompute one interval from scratch: seeded draws, a slow loop, the percentile method."""
    (r,) = _board(abc_store, seed=11)
    ev = r.rows[1].evaluation
    rng = np.random.default_rng([11, zlib.crc32(r.table.key.encode())])
    idx = stats.resample_indices(len(OFFSETS), 1000, rng)
    sums, counts = ev.sums[:, ev.column("mad")], ev.counts[:, ev.column("mad")]
    means = [sums[row].sum() / counts[row].sum() for row in idx]
    assert r.rows[1].ci["mad"] == pytest.approx(tuple(np.percentile(means, [2.5, 97.5])), rel=1e-12)


def test_statistics_are_deterministic_for_a_seed(tmp_path):
    rng = np.random.default_rng(0)
    store = tmp_path / "store"
    for name in ("A", "B", "C"):
        vals = {f"c{i}": {"mad": list(rng.uniform(0, 5, size=3)), "mse": list(rng.uniform(0, 5, size=3))}
                for i in range(9)}
        write_evaluation(store / name, vals, method={"name": name})
    a = tables.to_csv(_board(store, seed=5))
    assert tables.to_csv(_board(store, seed=5)) == a
    assert tables.to_csv(_board(store, seed=6)) != a


def test_rank_ties_where_not_significant(tmp_path):
    store = tmp_path / "store"
    noise = [0.2, -0.2, 0.25, -0.15, 0.1, -0.3, 0.2, -0.1]
    for name, base, jitter in (("A", 1.0, 0.0), ("B", 1.02, 1.0), ("C", 3.0, 0.0)):
        vals = {f"c{i}": {"mad": [base + 0.05 * i + jitter * n] * 3} for i, n in enumerate(noise)}
        write_evaluation(store / name, vals, method={"name": name})
    (r,) = _board(store)
    ranks = {row.name: row.rank["mad"] for row in r.rows}
    assert ranks == {"A": 1, "B": 1, "C": 3}
    b = next(row for row in r.rows if row.name == "B")
    assert b.p_bootstrap["mad"] > 0.05 and b.p_wilcoxon["mad"] > 0.05
    md = tables.markdown([r], Options(resamples=1000))
    assert "| 1 | B |" in md and "| 3 | C |" in md
    tex = tables.latex([r], Options(resamples=1000))
    assert "\n    1 & B &" in tex


def test_separate_tables_per_ground_truth_and_convention(tmp_path):
    store = tmp_path / "store"
    _method(store, "A", 1.0, 3.0, gt="/data/one")
    _method(store, "B", 2.0, 1.0, gt="/data/two")
    vals = {"c0": {"sad": [10.0], "mse": [0.01]}, "c1": {"sad": [12.0], "mse": [0.02]}}
    write_evaluation(store / "dimrun", vals, convention="dim", gt="/data/one", method={"name": "A"})
    results = _board(store)
    assert [(r.convention, r.table.gt, [x.name for x in r.rows]) for r in results] == [
        ("dim", "data/one", ["A"]), ("rvm", "data/one", ["A"]), ("rvm", "data/two", ["B"])]
    assert results[0].sort == "sad" and results[1].sort == "mad"
    assert len({r.slug for r in results}) == 3
    assert results[0].styles["mse"].format(0.015) == "0.0150"  # dim MSE is unscaled


def test_reported_rows_are_never_ranked_or_bold(abc_store):
    (r,) = _board(abc_store, reported=True)
    assert r.reported and all(not row.rank for row in r.reported)
    rvm = next(row for row in r.reported if row.name == "RVM [R1]")
    assert rvm.mean["mad"] == 6.08 and rvm.parameters == 3_749_000 and rvm.fps == 131.9
    assert "mse" in rvm.mean and "dtssd" not in rvm.mean  # only the table's metrics
    tex = tables.latex([r], Options(resamples=1000, reported=True))
    measured_part, published_part = tex.split("Published numbers [R1]", 1)
    assert "[R1]" not in measured_part and "RVM [R1] & 6.08" in published_part  # never in measured columns
    assert "\\textbf" not in published_part and "\\underline" not in published_part
    md = tables.markdown([r], Options(resamples=1000, reported=True))
    for key in ("R1", "R2"):  # one table per source (paper table and dataset setting)
        assert md.count(f"## Published numbers [{key}]") == 1
    r2 = md.split("## Published numbers [R2]")[1].split("## ")[0]
    assert "| RVM [R2] | 6.57 |" in r2 and "DeepLabV3" not in r2
    rows = list(csv.DictReader(io.StringIO(tables.to_csv([r]))))
    published = [row for row in rows if row["status"] == "reported"]
    assert published and all(row["rank"] == "" and "2108.11515" in row["source"] or "seed 000" in row["source"]
                              for row in published)


def test_the_committed_example_store_is_valid():
    """leaderboard/examples/store (shown in the README) was scored by the engine and still reads."""
    from pathlib import Path

    store = Path(__file__).resolve().parents[2] / "leaderboard" / "examples" / "store"
    (r,) = _board(store)
    assert [row.name for row in r.rows] == ["Noise", "Blur", "Shift 1 px", "Lag 1 frame"]
    assert [row.rank["mad"] for row in r.rows] == [1, 2, 3, 4]
    assert len(r.table.clips) == 8 and r.table.n_frames == 128
