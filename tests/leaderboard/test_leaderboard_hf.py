"""``--hf``: the results as Hugging Face datasets (save_to_disk) with a dataset card, round trip."""

from __future__ import annotations

import csv

import datasets
import numpy as np
import pytest
from leaderboard_helpers import example_store

from mbench.cli import main


def test_hf_round_trip(tmp_path):
    store = example_store(tmp_path / "store", n_clips=5, frames=3)
    board = tmp_path / "board"
    assert main(["leaderboard", str(store), "--out", str(board), "--hf", "--reported", "--resamples", "300",
                 "--quiet"]) == 0
    summary = datasets.load_from_disk(str(board / "hf" / "summary"))
    with open(board / "leaderboard.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert summary.num_rows == len(rows) and summary.column_names == list(rows[0])
    for got, want in zip(summary, rows):
        assert got["method"] == want["method"] and got["status"] == want["status"]
        for key in ("mad", "mad_ci_low", "mad_ci_high", "mad_p_bootstrap", "parameters", "fps", "rank"):
            if want[key] == "":
                assert got[key] is None or np.isnan(got[key]), key
            else:
                assert got[key] == pytest.approx(float(want[key]), rel=1e-15), key
    per_clip = datasets.load_from_disk(str(board / "hf" / "per_clip"))
    assert per_clip.num_rows == 3 * 5
    good = [r for r in per_clip if r["method"] == "GoodNet"]
    assert [r["clip"] for r in good] == [f"clip{i:02d}" for i in range(5)]
    # clip i of GoodNet: MAD frames 1 + 0.1 i + 0.001 f for f = 0, 1, 2 -> mean 1 + 0.1 i + 0.001
    assert [r["mad"] for r in good] == pytest.approx([1.001 + 0.1 * i for i in range(5)])
    assert all(r["frames"] == 3 for r in good)
    card = (board / "hf" / "README.md").read_text()
    assert card.startswith("---\n") and "config_name: per_clip" in card
    assert "| 1 | GoodNet |" in card and "reported, not re-measured" in card
