"""run-baselines with --executor: prediction and scoring as shards leave the files of a single run."""

from __future__ import annotations

from pathlib import Path

from mbench.baselines import build, save_weights
from mbench.cli import main


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_sharded_prediction_and_scoring_equal_a_single_run(tmp_path, in_process_executor):
    weights = tmp_path / "rvm.safetensors"
    save_weights(build("rvm", width_mult=0.25), weights)
    common = ["run-baselines", "--preset", "smoke", "--models", "rvm", "--weights", f"rvm={weights}", "--workers",
              "1", "--quiet"]
    single = tmp_path / "single"
    assert main([*common, "--out", str(single)]) == 0
    fake = in_process_executor
    sharded = tmp_path / "sharded"
    assert main([*common, "--out", str(sharded), "--executor", "slurm", "--shards", "3"]) == 0
    # per row: predictions as shards, then the evaluation as shards
    assert fake.names == ["mbench-predict-rvm", "mbench-benchmark"] + ["mbench-predict-empty", "mbench-benchmark",
                                                                        "mbench-predict-bgdiff", "mbench-benchmark"]
    for row in ("rvm", "empty", "bgdiff"):
        assert _tree(sharded / row / "pred") == _tree(single / row / "pred")
        a, b = _tree(single / row / "eval"), _tree(sharded / row / "eval")
        assert a.keys() == b.keys() and a["per_frame.csv"] == b["per_frame.csv"]
        assert a["summary.json"].replace(bytes(single), bytes(sharded)) == b["summary.json"]
    assert sorted(p.name for p in (sharded / "rvm").iterdir()) == sorted(p.name for p in (single / "rvm").iterdir())
