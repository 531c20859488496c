"""Sharded synthesis: --shard K/N runs merged with --merge, or all through --executor local, equal one run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mbench.cli import main


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def synth(*args) -> int:
    return main(["synth", *map(str, args)])


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("single") / "data"
    assert synth("--out", out, "--recipe", "smoke", "--workers", "2", "--quiet") == 0
    return out


@pytest.mark.parametrize("n", [1, 3, 6])  # 6 > the recipe's 4 clips: two shards hold none
def test_shards_merge_to_the_single_run(single, tmp_path, n):
    parts = [tmp_path / f"part{k}" for k in range(n)]
    for k, part in enumerate(parts):
        assert synth("--out", part, "--recipe", "smoke", "--shard", f"{k}/{n}", "--workers", 1 + k % 2,
                     "--quiet") == 0
        assert not (part / "manifest.json").exists() and (part / "shard.json").exists()
    if n == 6:
        assert json.loads((parts[5] / "shard.json").read_text())["clips"] == {}
    assert synth("--merge", tmp_path / "merged", *reversed(parts), "--quiet") == 0
    assert files(tmp_path / "merged") == files(single)
    assert synth("--merge", tmp_path / "merged", *parts, "--quiet") == 0  # a second merge: already complete
    assert files(tmp_path / "merged") == files(single)


def test_merge_refuses_missing_mixed_and_unfinished_shards(single, tmp_path, cli_here, bad_input):
    for k in range(2):
        assert synth("--out", tmp_path / f"a{k}", "--recipe", "smoke", "--shard", f"{k}/2", "--quiet") == 0
    assert synth("--out", tmp_path / "s1", "--recipe", "smoke", "--seed", "5", "--shard", "1/2", "--quiet") == 0
    merged = tmp_path / "m"
    bad_input(cli_here("synth", "--merge", merged, tmp_path / "a0"), "shards missing: 1/2")
    bad_input(cli_here("synth", "--merge", merged, tmp_path / "a0", tmp_path / "a0"), "given twice")
    bad_input(cli_here("synth", "--merge", merged, tmp_path / "a0", tmp_path / "s1"), str(tmp_path / "s1"), "seed")
    (tmp_path / "a1" / "shard.json").unlink()
    bad_input(cli_here("synth", "--merge", merged, tmp_path / "a0", tmp_path / "a1"), str(tmp_path / "a1"),
              "not a finished synth shard")
    bad_input(cli_here("synth", "--merge", merged, tmp_path / "a0", single), "not a finished synth shard")
    bad_input(cli_here("synth", "--out", tmp_path / "x", "--recipe", "smoke", "--shard", "2/2"), "0 <= K < N")
    assert not merged.exists() and not (tmp_path / "x").exists()


def test_a_killed_shard_resumes_to_the_same_bytes(single, tmp_path):
    part = tmp_path / "p0"
    cmd = [sys.executable, "-m", "mbench", "synth", "--out", str(part), "--recipe", "smoke", "--shard", "0/2",
           "--workers", "1", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (part / "train" / "0000").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.kill()  # kill -9
    proc.wait()
    assert subprocess.run(cmd, timeout=300).returncode == 0
    assert synth("--out", tmp_path / "p1", "--recipe", "smoke", "--shard", "1/2", "--quiet") == 0
    assert synth("--merge", tmp_path / "m", part, tmp_path / "p1", "--quiet") == 0
    assert files(tmp_path / "m") == files(single)


def test_executor_local_equals_the_single_run(single, tmp_path):
    out = tmp_path / "data"
    assert synth("--out", out, "--recipe", "smoke", "--executor", "local", "--shards", "3", "--workers", "1",
                 "--quiet") == 0
    assert files(out) == files(single)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # shard folders and job logs are gone
    assert synth("--out", out, "--recipe", "smoke", "--executor", "local", "--shards", "3", "--quiet") == 0


def test_executor_refuses_a_folder_with_an_unfinished_run_before_any_job(tmp_path, cli_here, bad_input):
    out = tmp_path / "data"
    out.mkdir()
    (out / ".synth-run.json").write_text('{"mbench_version": "0"}')
    bad_input(cli_here("synth", "--out", out, "--recipe", "smoke", "--executor", "local", "--shards", "2"),
              str(out), "unfinished run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
