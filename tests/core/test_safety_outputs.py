"""Outputs never overlap inputs: every command refuses, in one line with exit status 2 and before
writing anything, an output that is, holds or lies inside an input, the current folder or one above
it, an existing file, a path below a file, or a non-empty folder that is not its own earlier output."""

from __future__ import annotations

import json
import os

import pytest

from safety_helpers import pred_gt, snapshot, write_clip_tree, write_vm_clip


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A working folder holding pred/, gt/, a file, a folder of someone else's and a link to gt/."""
    pred_gt(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("mine")
    os.symlink(tmp_path / "gt", tmp_path / "link")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refused(cli_here, bad_input, root, args, *fragments):
    """Run ``mbench ARGS``; assert the one-line exit-2 contract and that nothing under ``root`` changed."""
    before = snapshot(root)
    bad_input(cli_here(*args), *fragments)
    assert snapshot(root) == before, f"{args} changed the file system"


EVALUATE_OUTS = [
    (".", "current folder"), ("..", "current folder"), ("", "needs a folder name"),
    ("gt", "is the input gt"), ("pred", "is the input pred"), ("gt/a", "lies inside the input gt"),
    ("gt/a/new", "lies inside the input gt"), ("link", "is the input"), ("link/new", "lies inside"),
    ("notes.txt", "is a file"), ("notes.txt/x", "notes.txt is not a folder"),
    ("mine", "not an mbench evaluation"),
]


@pytest.mark.parametrize("out, fragment", EVALUATE_OUTS)
def test_evaluate_refuses_outputs_that_overlap_or_destroy(cli_here, bad_input, site, out, fragment):
    refused(cli_here, bad_input, site, ["evaluate", "pred", "gt", "--out", out, "--quiet"], fragment)


def test_a_fifo_is_neither_an_output_nor_a_record(cli_here, bad_input, site):
    os.mkfifo(site / "pipe")
    (site / "piped").mkdir()
    os.mkfifo(site / "piped" / "summary.json")  # opening it to read the record would block
    refused(cli_here, bad_input, site, ["evaluate", "pred", "gt", "--out", "pipe"], "special file")
    refused(cli_here, bad_input, site, ["evaluate", "pred", "gt", "--out", "piped"], "not an mbench evaluation")


def test_evaluate_replaces_its_own_output_and_fills_an_empty_folder(cli_here, site):
    (site / "empty").mkdir()
    for out in ("eval", "eval", "empty"):
        assert cli_here("evaluate", "pred", "gt", "--out", out, "--quiet").returncode == 0
    assert sorted(os.listdir(site / "empty")) == ["per_clip.csv", "per_frame.csv", "summary.json"]
    assert not [p for p in os.listdir(site) if p.startswith(".")]  # no temporary left


def test_merge_refuses_a_target_overlapping_its_shards(cli_here, bad_input, site):
    for k in (0, 1):
        assert cli_here("evaluate", "pred", "gt", "--shard", f"{k}/2", "--out", f"s{k}", "--quiet").returncode == 0
    for target, fragment in (("s0", "--merge is the input s0"), ("s1/m", "lies inside the input s1"),
                             (".", "current folder"), ("mine", "not an mbench evaluation"),
                             ("notes.txt", "is a file")):
        refused(cli_here, bad_input, site, ["evaluate", "--merge", target, "s0", "s1", "--quiet"], fragment)
    assert cli_here("evaluate", "--merge", "merged", "s0", "s1", "--quiet").returncode == 0


def test_synth_refuses_the_current_folder_a_file_and_its_sources(cli_here, bad_input, site, monkeypatch):
    write_vm_clip(site / "vm", "0003", 3, 3)
    for out, extra, fragment in (("notes.txt/x", [], "notes.txt is not a folder"),
                                 ("mine", [], "not an mbench synth dataset"),
                                 ("vm/out", ["--fgr", "videomatte:vm"], "lies inside the input")):
        refused(cli_here, bad_input, site, ["synth", "--out", out, "--recipe", "smoke", *extra], fragment)
    (site / "empty").mkdir()
    monkeypatch.chdir(site / "empty")
    # '--out .' used to fail with an internal error and leave '..partial' behind
    refused(cli_here, bad_input, site, ["synth", "--out", ".", "--recipe", "smoke"], "current folder")


def test_preview_sheet_never_replaces_a_file_it_did_not_write(cli_here, bad_input, site):
    write_clip_tree(site / "ds", clips=("c0", "c1"), frames=2)
    assert cli_here("synth", "--preview", "ds", "--quiet").returncode == 0
    assert cli_here("synth", "--preview", "ds", "--quiet").returncode == 0  # its own sheet: replaced
    (site / "theirs.png").write_bytes(b"\x89PNG\r\n\x1a\nsomeone else's")
    for sheet, fragment in (("theirs.png", "not a contact sheet mbench wrote"),
                            ("ds/c0/pha/x.png", "lies inside the input ds/c0/pha"),
                            ("mine", "ending in .png"), ("notes.txt/x.png", "not a folder")):
        refused(cli_here, bad_input, site, ["synth", "--preview", "ds", "--sheet", sheet], fragment)
    assert cli_here("synth", "--preview", "ds", "--sheet", "new.png", "--quiet").returncode == 0
    assert cli_here("synth", "--preview", "ds/c0", "--quiet").returncode == 0  # one clip: its folder holds it
    assert (site / "ds" / "c0" / "preview.png").is_file()


@pytest.fixture
def store(cli_here, site):
    """site/store/net/: one evaluation with its method.json."""
    assert cli_here("evaluate", "pred", "gt", "--out", "store/net", "--quiet").returncode == 0
    (site / "store" / "net" / "method.json").write_text(json.dumps({"name": "Net"}))
    return site / "store"


def test_leaderboard_refuses_outputs_that_overlap_or_destroy(cli_here, bad_input, site, store):
    for out, fragment in ((".", "would replace the results store"), ("notes.txt/x", "not a folder"),
                          ("store/net/board", "lies inside the input"), ("mine", "not an mbench board"),
                          ("store", "would replace the results store")):
        refused(cli_here, bad_input, site, ["leaderboard", "store", "--out", out, "--resamples", "100"], fragment)


def test_submit_refuses_a_store_or_board_overlapping_its_inputs(cli_here, bad_input, site, store):
    (store / "theirs").mkdir()
    (store / "theirs" / "keep.txt").write_text("mine")
    base = ["leaderboard", "submit", "pred", "--gt", "gt", "--name", "New"]
    for extra, fragment in ((["--store", "pred/store"], "--store lies inside the input pred"),
                            (["--store", "gt"], "--store is the input gt"),
                            (["--store", "."], "current folder"),
                            (["--store", "store", "--out", "gt/board"], "lies inside the input gt"),
                            (["--store", "store", "--out", "mine"], "not an mbench board")):
        refused(cli_here, bad_input, site, [*base, *extra], fragment)
    # --replace removes the folder of that name: only an evaluation may be replaced
    refused(cli_here, bad_input, site, ["leaderboard", "submit", "pred", "--gt", "gt", "--name", "theirs",
                                        "--store", "store", "--replace"], "not an mbench evaluation")


def test_run_baselines_refuses_a_foreign_runs_folder_and_its_inputs(cli_here, bad_input, site):
    write_clip_tree(site / "data" / "train", clips=("c0",), frames=2)
    for out, extra, fragment in (("mine", [], "not an mbench runs folder"), (".", [], "current folder"),
                                 ("data/runs", ["--data", "data"], "lies inside the input data")):
        refused(cli_here, bad_input, site, ["run-baselines", "--preset", "smoke", "--models", "rvm",
                                            "--out", out, *extra], fragment)


def test_one_kind_of_output_never_replaces_another(cli_here, bad_input, site):
    from mbench.paths import mark_output, written_by

    (site / "runs" / "rvm").mkdir(parents=True)
    mark_output(site / "runs", "runs")
    assert written_by(site / "runs", "runs") and not written_by(site / "runs", "evaluation")
    refused(cli_here, bad_input, site, ["evaluate", "pred", "gt", "--out", "runs"], "not an mbench evaluation")
    assert cli_here("evaluate", "pred", "gt", "--out", "eval", "--quiet").returncode == 0
    refused(cli_here, bad_input, site, ["synth", "--out", "eval", "--recipe", "smoke"], "not an mbench synth dataset")
    (site / "eval" / "summary.json").write_text("[]")  # a record must be a JSON object naming a version
    refused(cli_here, bad_input, site, ["evaluate", "pred", "gt", "--out", "eval"], "not an mbench evaluation")
