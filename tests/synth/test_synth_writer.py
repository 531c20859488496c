"""Writing datasets: byte-identical whatever the workers, resumable after a kill, checksummed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mbench.frames import read_alpha, read_color
from mbench.layout import discover_clips
from mbench.synth.compose import compose_reference

RECIPE = """description = "many small clips, slow enough to be killed half way"
size = [48, 32]
[sources]
fgr_options = { procedural = { size = [64, 40], frames = 40 } }
bgr_options = { builtin = { size = [64, 40], frames = 40 } }
[splits.train]
clips = 24
frames = 6
keep_one_in = 2
sequence_length = 3
sampling = "train"
augment = "train"
[splits.valid]
clips = 2
frames = 4
augment = "valid"
"""


def synth(*args) -> subprocess.CompletedProcess:
    """``mbench synth ARGS`` in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "mbench", "synth", *map(str, args)], capture_output=True,
                          text=True, timeout=600)


@pytest.fixture
def synth_here(cli_here):
    """``mbench synth ARGS`` through the same entry point, in this process (no start-up cost)."""
    return lambda *args: cli_here("synth", *args)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def recipe(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("recipe") / "many.toml"
    path.write_text(RECIPE)
    return str(path)


@pytest.fixture(scope="module")
def reference(recipe, tmp_path_factory) -> Path:
    from mbench.cli import main

    out = tmp_path_factory.mktemp("ref") / "data"
    assert main(["synth", "--out", str(out), "--recipe", recipe, "--workers", "1", "--quiet"]) == 0
    return out


def test_layout_and_manifest(reference):
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["seed"] == 0 and manifest["recipe"]["name"] == "many"
    assert manifest["splits"] == {"train": {"clips": 24, "frames": 144}, "valid": {"clips": 2, "frames": 8}}
    assert manifest["sources"]["fgr"][0]["spec"] == "procedural"
    assert manifest["sources"]["fgr"][0]["options"]["size"] == [64, 40]
    plan = manifest["clips"]["train/0003"]
    assert [s["length"] for s in plan["sequences"]] == [3, 3]
    seq = plan["sequences"][0]
    assert {"fg", "bg", "sampling", "augment"} <= set(seq)
    assert seq["fg"]["clip"] == plan["material"]["clip"] and len(seq["fg"]["frames"]) == 3
    assert "curve" in json.dumps(manifest["clips"])  # motion curves recorded somewhere in 24 clips
    on_disk = {k for k in files(reference) if k != "manifest.json"}
    assert on_disk == set(manifest["files"])
    assert len(on_disk) == (144 + 8) * 4
    clips = discover_clips(reference)
    assert [c.id for c in clips][:2] == ["train/0000", "train/0001"] and len(clips) == 26
    assert clips[0].stems == ("0000", "0001", "0002", "0003", "0004", "0005")


def test_composition_identity_on_png_output(reference):
    for clip in discover_clips(reference)[::5]:
        for t in range(len(clip)):
            fgr, bgr = clip.layers["fgr"].read_color(t), clip.layers["bgr"].read_color(t)
            pha, com = clip.layers["pha"].read_alpha(t), clip.layers["com"].read_color(t)
            a = pha.astype(np.float64)[..., None] / 255
            assert np.abs(fgr * a + bgr * (1 - a) - com).max() <= 1.0  # within one grey level
            assert np.array_equal(compose_reference(fgr, pha, bgr), com)  # and exactly, rounded once


def test_same_files_with_two_workers(recipe, reference, tmp_path, synth_here):
    proc = synth_here("--out", tmp_path / "w2", "--recipe", recipe, "--workers", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert files(tmp_path / "w2") == files(reference)


def test_resume_after_a_kill_equals_an_uninterrupted_run(recipe, reference, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "mbench", "synth", "--out", str(out), "--recipe", recipe,
                             "--workers", "1", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / "train" / "0000").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    assert not (out / "manifest.json").exists(), "the run finished before it could be killed"
    finished = [p for p in (out / "train").iterdir() if not p.name.startswith(".")]
    assert finished and (out / ".synth-run.json").exists()
    rerun = synth("--out", out, "--recipe", recipe, "--workers", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert "resumed" in rerun.stdout
    assert files(out) == files(reference)



def test_another_recipe_or_seed_is_refused_unless_forced(recipe, reference, tmp_path, bad_input, synth_here):
    out = tmp_path / "copy"
    shutil.copytree(reference, out)
    before = files(out)
    again = synth_here("--out", out, "--recipe", recipe)
    assert again.returncode == 0 and "already complete" in again.stdout
    bad_input(synth_here("--out", out, "--recipe", recipe, "--seed", "1"), str(out), "seed", "--force")
    bad_input(synth_here("--out", out, "--recipe", "smoke"), str(out), "recipe", "--force")
    assert files(out) == before
    proc = synth_here("--out", out, "--recipe", "smoke", "--force", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "manifest.json").read_text())["recipe"]["name"] == "smoke"
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    bad_input(synth_here("--out", stranger, "--recipe", recipe, "--force"), str(stranger), "not empty")
    assert (stranger / "notes.txt").read_text() == "mine"


def test_verify_reports_the_first_bad_file(reference, tmp_path, bad_input, synth_here):
    ok = synth_here("--verify", reference)
    assert ok.returncode == 0 and "all 608 files match" in ok.stdout
    out = tmp_path / "copy"
    shutil.copytree(reference, out)
    victim = out / "train/0002/com/0001.png"
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    (out / "valid/0001/pha/0003.png").unlink()
    bad_input(synth_here("--verify", out), "train/0002/com/0001.png", "checksum mismatch", "2 of 608")
    bad_input(synth_here("--verify", tmp_path), "no manifest.json")


def test_preview_writes_a_contact_sheet(reference, tmp_path, synth_here):
    from mbench.synth.preview import contact_sheet

    sheet = contact_sheet(reference, tmp_path / "sheet.png", clips=3, frames=2, height=40)
    img = read_color(sheet)
    assert img.shape[0] == 3 * (40 + 18 + 4) and img.shape[2] == 3
    assert read_alpha(sheet).std() > 10  # not blank
    proc = synth_here("--preview", reference, "--sheet", tmp_path / "cli.png")
    assert proc.returncode == 0 and (tmp_path / "cli.png").is_file()
