"""Records, manifests and tables are read like frames: only regular files, through the checked
descriptor, so a FIFO named like one (or swapped in after a check) is refused at once and never
blocks a command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mbench import config_files, paths
from mbench.benchmark import results
from mbench.errors import BadInput
from mbench.leaderboard.method import load_method
from mbench.regular import read_regular
from mbench.synth.verify import read_manifest, verify
from test_read_race import FifoUnblocker


@pytest.mark.parametrize("read", [read_regular, load_method, results.read_summary, results.read_csv],
                         ids=["read_regular", "method.json", "summary.json", "per_frame.csv"])
def test_fifo_named_like_a_record_is_refused(tmp_path, read):
    fifo = tmp_path / "record"
    os.mkfifo(fifo)
    with FifoUnblocker(fifo) as unblocker, pytest.raises(BadInput, match="not a regular file"):
        read(fifo)
    assert not unblocker.opened


def _swapping_after(monkeypatch, target, name: str, path: Path) -> list[int]:
    """Make ``target.name`` (a check that ``path`` is a file) replace ``path`` with a FIFO after
    answering; returns a list that counts the swaps."""
    swaps = []
    check = getattr(target, name)

    def check_then_swap(self_or_path, *args):
        answer = check(self_or_path, *args)
        if Path(self_or_path) == path and not swaps:
            swaps.append(1)
            os.unlink(path)
            os.mkfifo(path)
        return answer

    monkeypatch.setattr(target, name, check_then_swap)
    return swaps


def test_output_record_swapped_for_a_fifo(tmp_path, monkeypatch):
    """``--out`` checks read the folder's record after checking it is a file: a FIFO swapped in
    between makes the folder not mbench's (refused), and nothing blocks."""
    out = tmp_path / "eval"
    out.mkdir()
    record = out / paths.OUTPUT_RECORD
    paths.mark_output(out, "evaluation")
    assert paths.written_by(out, "evaluation")
    swaps = _swapping_after(monkeypatch, paths, "_is_file", record)
    with FifoUnblocker(record) as unblocker:
        assert not paths.written_by(out, "evaluation")
    assert swaps and not unblocker.opened


def test_recipe_file_swapped_for_a_fifo(tmp_path, monkeypatch):
    recipe = tmp_path / "mine.toml"
    recipe.write_text('description = "x"\n')
    assert config_files.read_toml_spec(str(recipe), "recipe", "mbench.synth", "recipes", ())[1]
    swaps = _swapping_after(monkeypatch, Path, "is_file", recipe)
    with FifoUnblocker(recipe) as unblocker, pytest.raises(BadInput, match="not a regular file"):
        config_files.read_toml_spec(str(recipe), "recipe", "mbench.synth", "recipes", ())
    assert swaps and not unblocker.opened


def test_dataset_manifest_swapped_for_a_fifo(tmp_path, monkeypatch):
    root = tmp_path / "data"
    root.mkdir()
    manifest = root / "manifest.json"
    manifest.write_text(json.dumps({"format": 0}))
    swaps = _swapping_after(monkeypatch, Path, "is_file", manifest)
    with FifoUnblocker(manifest) as unblocker, pytest.raises(BadInput, match="not a regular file"):
        read_manifest(root)
    assert swaps and not unblocker.opened


def test_dataset_file_replaced_by_a_fifo_is_reported(tmp_path):
    """``synth verify`` hashes every listed file: a FIFO in a frame's place is a problem, not a hang."""
    from mbench.synth.writer import FORMAT

    root = tmp_path / "data"
    frame = root / "c" / "pha" / "0000.png"
    frame.parent.mkdir(parents=True)
    os.mkfifo(frame)
    (root / "manifest.json").write_text(json.dumps({"format": FORMAT, "files": {"c/pha/0000.png": "0" * 64}}))
    with FifoUnblocker(frame) as unblocker:
        report = verify(root, workers=1, quiet=True)
    assert not unblocker.opened
    assert report["bad"] == [("c/pha/0000.png", "is not a regular file (a FIFO, device or socket)")]


def _fifo_at(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def test_fifos_in_outputs_and_shards_are_not_read(tmp_path):
    """A FIFO where a command reads its own earlier output or a shard's record (a shard.json, a
    board's marker, a dataset's manifest for the contact sheet's labels, a run's record) is refused
    or treated as unreadable, at once."""
    from mbench.leaderboard.build import MARKER, read_options
    from mbench.synth import preview, writer
    from mbench.synth.shards import SHARD_FILE, read_shard

    shard = _fifo_at(tmp_path / "shard" / SHARD_FILE)
    marker = _fifo_at(tmp_path / "board" / MARKER)
    manifest = _fifo_at(tmp_path / "data" / "manifest.json")
    record = _fifo_at(tmp_path / "out" / "run.json")
    with FifoUnblocker(shard, marker, manifest, record) as unblocker:
        with pytest.raises(BadInput, match="not a regular file"):
            read_shard(shard.parent)
        assert read_options(marker.parent) is None
        assert preview._labels(manifest.parent) == {}
        assert writer._read_json(record) is None
    assert not unblocker.opened


def test_training_log_swapped_for_a_fifo(tmp_path, monkeypatch):
    from mbench.baselines.run_folder import read_log

    log = tmp_path / "train_log.csv"
    log.write_text("step,loss\n1,0.5\n2,0.4\n")
    assert [r["step"] for r in read_log(log, 1)] == ["1"]
    swaps = _swapping_after(monkeypatch, Path, "is_file", log)
    with FifoUnblocker(log) as unblocker, pytest.raises(BadInput, match="not a regular file"):
        read_log(log, 1)
    assert swaps and not unblocker.opened
