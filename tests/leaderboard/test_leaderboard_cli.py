"""``mbench leaderboard STORE --out BOARD``: the board's files, and every bad input (exit 2, one line)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest
from leaderboard_helpers import constant_clips, example_store, write_evaluation


@pytest.fixture
def store(tmp_path):
    return example_store(tmp_path / "store", n_clips=6, frames=3)


def test_board_files(cli, tmp_path, store):
    board = tmp_path / "board"
    proc = cli("leaderboard", store, "--out", board, "--resamples", "500", "--reported")
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {board}" in proc.stdout
    names = {p.name for p in board.iterdir()}
    assert {"leaderboard.md", "leaderboard.tex", "leaderboard.csv", "index.html", "board.json"} <= names
    for kind in ("bars", "time", "speed"):
        assert f"rvm-vm-valid_{kind}.png" in names and f"rvm-vm-valid_{kind}.svg" in names
        assert (board / f"rvm-vm-valid_{kind}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"<svg" in (board / f"rvm-vm-valid_{kind}.svg").read_bytes()[:2000]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    record = json.loads((board / "board.json").read_text())
    assert record["options"]["reported"] is True and record["tables"][0]["methods"][0] == "GoodNet"
    h = cli("leaderboard", "--help")
    assert h.returncode == 0 and "submit PREDS" in h.stdout


def test_submit_help(cli_here):
    h = cli_here("leaderboard", "submit", "--help")
    assert h.returncode == 0 and "--max-file-mb" in h.stdout and "--gt" in h.stdout


def test_page_is_self_contained_and_rebuilds_replace_it(tmp_path, store, cli_here):
    board = tmp_path / "board"
    assert cli_here("leaderboard", store, "--out", board, "--resamples", "200", "--quiet").returncode == 0
    page = (board / "index.html").read_text()
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page)
    outside = [r for r in refs if urlparse(r).scheme not in ("", "data") or urlparse(r).netloc]
    assert refs and not outside
    assert "@import" not in page and "url(http" not in page
    assert page.count('src="data:image/png;base64,') == 3
    assert "default-src 'none'" in page
    assert "mbench run-baselines --model good" in page  # commands from method.json
    assert f"mbench leaderboard {store} --out {board}" in page  # the board's own command
    # a failed rebuild keeps the old board; a good one replaces it
    before = (board / "leaderboard.csv").read_bytes()
    assert cli_here("leaderboard", store, "--out", board, "--sort", "nope").returncode == 2
    assert (board / "leaderboard.csv").read_bytes() == before
    assert cli_here("leaderboard", store, "--out", board, "--resamples", "200", "--sort", "mse",
                    "--quiet").returncode == 0
    assert (board / "leaderboard.csv").read_bytes() != before
    assert "--sort mse" in (board / "index.html").read_text()


def _eval(root, name, clips=("c0", "c1"), **kw):
    return write_evaluation(root / name, constant_clips({c: 1.0 + i for i, c in enumerate(clips)}, 2),
                            method={"name": name}, **kw)


def _cases(tmp_path):
    """(name, store, extra args, fragments of the one error line)."""
    cases = []

    def new(name):
        root = tmp_path / name
        root.mkdir()
        return root

    root = new("empty")
    cases.append(("empty store", root, [], [str(root), "no evaluations found"]))
    cases.append(("missing store", tmp_path / "absent", [], ["absent", "does not exist"]))
    root = new("badjson")
    ev = _eval(root, "a")
    (ev / "method.json").write_text("{name: 1")
    cases.append(("malformed method.json", root, [], [str(ev / "method.json"), "not valid JSON"]))
    root = new("badtype")
    ev = _eval(root, "a")
    (ev / "method.json").write_text(json.dumps({"name": "a", "parameters": "3.7M"}))
    cases.append(("bad parameters", root, [], [str(ev / "method.json"), '"parameters" must be a whole number']))
    root = new("nomethod")
    ev = _eval(root, "a")
    (ev / "method.json").unlink()
    cases.append(("no method.json", root, [], [str(ev), "no method.json"]))
    root = new("missingfile")
    ev = _eval(root, "a")
    (ev / "per_clip.csv").unlink()
    cases.append(("missing per_clip.csv", root, [], [str(ev / "per_clip.csv"), "missing per_clip.csv"]))
    root = new("mixed")
    ev = write_evaluation(root / "a", {"c0": {"mad": [1.0], "sad": [2.0]}}, method={"name": "a"})
    cases.append(("mixed conventions", root, [], [str(ev / "per_frame.csv"), "'sad'", "mixed conventions"]))
    root = new("clipsets")
    _eval(root, "a", clips=("c0", "c1"))
    ev = _eval(root, "b", clips=("c0", "c2"))
    cases.append(("different clip sets", root, [], [str(ev), "different clip sets", "clip c1"]))
    root = new("dupe")
    _eval(root, "a")
    ev = _eval(root / "sub", "a")
    cases.append(("duplicate name", root, [], [str(ev / "method.json"), "appears twice"]))
    root = new("sorting")
    _eval(root, "a")
    cases.append(("unknown sort", root, ["--sort", "nope"], ["--sort nope", "unknown metric"]))
    cases.append(("resamples", root, ["--resamples", "5"], ["--resamples", "at least 100"]))
    root = new("dimonly")
    write_evaluation(root / "a", {"c0": {"sad": [1.0], "mse": [0.1]}}, convention="dim", method={"name": "a"})
    cases.append(("sort not in table", root, ["--sort", "dtssd"], ["--sort dtssd", "has no dtssd column"]))
    cases.append(("reported without rvm", root, ["--reported"], ["--reported", "convention rvm"]))
    root = new("disagree")
    ev = _eval(root, "a")
    summary = json.loads((ev / "summary.json").read_text())
    summary["metrics"]["mad"] += 1
    (ev / "summary.json").write_text(json.dumps(summary))
    cases.append(("summary disagrees", root, [], [str(ev / "summary.json"), "metrics.mad", "pooled mean"]))
    root = new("notanumber")
    ev = _eval(root, "a")
    text = (ev / "per_frame.csv").read_text().splitlines()
    text[1] = text[1].split(",", 2)[0] + ",0000,abc," + text[1].split(",", 3)[3]
    (ev / "per_frame.csv").write_text("\n".join(text) + "\n")
    cases.append(("not a number", root, [], [str(ev / "per_frame.csv"), "line 2", "'abc'"]))
    return cases


def test_every_bad_input_is_one_line_and_writes_nothing(tmp_path, bad_input, cli_here):
    board = tmp_path / "board-out"
    for name, root, extra, fragments in _cases(tmp_path):
        proc = cli_here("leaderboard", root, "--out", board, *extra)
        try:
            bad_input(proc, *fragments)
        except AssertionError as e:
            raise AssertionError(f"case {name!r}: {e}") from None
        assert not board.exists(), name
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".board-out")], name


def test_out_must_not_destroy_what_is_not_a_board(tmp_path, store, bad_input, cli_here):
    bad_input(cli_here("leaderboard", store, "--out", store), str(store), "outputs never overlap inputs")
    bad_input(cli_here("leaderboard", store, "--out", tmp_path), "outputs never overlap inputs")
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    bad_input(cli_here("leaderboard", store, "--out", other), str(other), "not an mbench board")
    assert (other / "notes.txt").read_text() == "keep me"
    bad_input(cli_here("leaderboard", store), "--out")


def test_usage_error_via_a_real_process(cli, tmp_path, bad_input):
    bad_input(cli("leaderboard", tmp_path / "nothing", "--out", tmp_path / "b"), "does not exist")
