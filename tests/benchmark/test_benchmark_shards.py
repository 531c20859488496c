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


def test_executor_local_equals_the_single_run(tmp_path, cli_here):
    pred, gt = make_pair(tmp_path, clips=("a", "b"))
    evaluate(pred, gt, out=tmp_path / "full")
    out = tmp_path / "runs" / "eval"
    proc = cli_here("evaluate", pred, gt, "--out", out, "--executor", "local", "--shards", "3", "--workers", "1",
                    "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert _files(out) == _files(tmp_path / "full")  # shard 2/3 held no clip
    assert sorted(p.name for p in out.parent.iterdir()) == ["eval"]  # shard folders and logs are gone


def test_executor_flags_are_checked_before_any_job(tmp_path, cli_here, bad_input):
    pred, gt = make_pair(tmp_path, clips=("a",))
    out = tmp_path / "e"
    bad_input(cli_here("evaluate", pred, gt, "--out", out, "--shards", "2"), "--shards", "only with --executor local or slurm")
    bad_input(cli_here("evaluate", pred, gt, "--out", out, "--executor", "local"), "needs --shards N")
    bad_input(cli_here("evaluate", pred, gt, "--executor", "local", "--shards", "2"), "needs --out DIR")
    bad_input(cli_here("evaluate", pred, gt, "--out", out, "--executor", "local", "--shards", "2", "--shard", "0/2"),
              "--shard")
    bad_input(cli_here("evaluate", pred, gt, "--out", out, "--executor", "slurm", "--shards", "2", "--time", "soon"),
              "--time must be minutes")
    bad_input(cli_here("evaluate", pred, gt, "--out", out, "--executor", "local", "--shards", "2", "--mem", "8G"),
              "--mem", "for --executor slurm")
    # bad input found by a shard's job: its one line, and nothing left behind
    bad_input(cli_here("evaluate", tmp_path / "nope", gt, "--out", out, "--executor", "local", "--shards", "2"),
              str(tmp_path / "nope"), "does not exist")
    assert not out.exists() and not (tmp_path / ".e.shards").exists()


def test_a_failed_shard_is_resubmitted(tmp_path, in_process_executor, cli_here):
    pred, gt = make_pair(tmp_path, clips=("a", "b", "c"))
    evaluate(pred, gt, out=tmp_path / "full")
    fake = in_process_executor
    shards = lambda: [args[1].shard for args in fake.submissions]  # noqa: E731
    fake.lose = lambda args: args[1].shard == "1/2" and shards().count("1/2") == 1  # the first try of 1/2
    proc = cli_here("evaluate", pred, gt, "--out", tmp_path / "e", "--executor", "slurm", "--shards", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert shards() == ["0/2", "1/2", "1/2"]
    assert _files(tmp_path / "e") == _files(tmp_path / "full")
    fake.submissions.clear()
    proc = cli_here("evaluate", pred, gt, "--out", tmp_path / "f", "--executor", "slurm", "--shards", "2",
                    "--retries", "0", "--quiet")
    assert proc.returncode == 1 and "shard 1/2 failed 1 times" in proc.stderr and "node lost" in proc.stderr
    assert not (tmp_path / "f").exists()
