"""Shards of ``mbench evaluate`` that hold no clip: an empty result that ``--merge`` accepts."""

from __future__ import annotations

import json

from trees import make_pair
from mbench.benchmark import evaluate
from mbench.benchmark.results import read_csv


def _files(folder):
    return {name: (folder / name).read_bytes() for name in ("per_frame.csv", "per_clip.csv", "summary.json")}


def test_empty_shards_write_empty_results_that_merge(tmp_path, cli):
    pred, gt = make_pair(tmp_path, clips=("a",))
    evaluate(pred, gt, out=tmp_path / "full")
    for k in range(4):
        proc = cli("evaluate", pred, gt, "--shard", f"{k}/4", "--out", tmp_path / f"s{k}", "--quiet")
        assert proc.returncode == 0, proc.stderr
    empty = json.loads((tmp_path / "s1" / "summary.json").read_text())
    assert empty["n_clips"] == 0 and empty["n_frames"] == 0 and empty["shard"] == "1/4"
    assert empty["total_clips"] == 1 and set(empty["metrics"]) == {"mad", "mse", "grad", "conn", "dtssd"}
    assert len(read_csv(tmp_path / "s1" / "per_frame.csv")) == 0
    # the empty shards first: their column-only tables must not decide the merged types
    proc = cli("evaluate", "--merge", tmp_path / "m", *(tmp_path / f"s{k}" for k in (3, 1, 2, 0)))
    assert proc.returncode == 0, proc.stderr
    assert _files(tmp_path / "m") == _files(tmp_path / "full")
