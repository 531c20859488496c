"""``mbench leaderboard submit``: checks, scoring with the real engine, the store and the board."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from mbench.frames import write_image
from mbench.leaderboard.submit import folder_name

CLIPS, FRAMES = 3, 4


def _blob(t: int, shift: float = 0.0, h: int = 24, w: int = 32) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.hypot(xx - (8 + 2 * t + shift), yy - 12)
    return (np.clip(7 - d, 0, 1) * 255).round().astype(np.uint8)


def _tree(root, shift: float = 0.0, clips: int = CLIPS, **kw):
    for c in range(clips):
        folder = root / f"clip{c}" / "pha"
        folder.mkdir(parents=True)
        for t in range(FRAMES):
            write_image(folder / f"{t:04d}.png", _blob(t + c, shift, **kw))
    return root


@pytest.fixture
def data(tmp_path):
    return {"gt": _tree(tmp_path / "gt"), "good": _tree(tmp_path / "good", 0.5),
            "bad": _tree(tmp_path / "bad", 3.0), "store": tmp_path / "runs"}


def _submit(cli_here, data, preds, name, *extra):
    return cli_here("leaderboard", "submit", preds, "--gt", data["gt"], "--name", name,
                    "--store", data["store"], "--quiet", *extra)


def _leftovers(store):
    return sorted(p.name for p in store.rglob(".*")) if store.exists() else []


def test_submit_scores_adds_and_rebuilds(cli_here, data):
    store = data["store"]
    proc = _submit(cli_here, data, data["good"], "Good Net (v2)", "--params", "1200000", "--fps", "50",
                   "--hardware", "laptop")
    assert proc.returncode == 0, proc.stderr
    method = json.loads((store / "good-net-v2" / "method.json").read_text())
    assert method["name"] == "Good Net (v2)" and method["parameters"] == 1_200_000
    assert method["hardware"] == "laptop" and "mbench leaderboard submit" in method["commands"][0]
    summary = json.loads((store / "good-net-v2" / "summary.json").read_text())
    assert summary["n_clips"] == CLIPS and summary["n_frames"] == CLIPS * FRAMES
    assert _submit(cli_here, data, data["bad"], "Bad").returncode == 0
    board = store / "leaderboard"
    md = (board / "leaderboard.md").read_text()
    assert md.index("Good Net (v2)") < md.index("| Bad |")
    assert json.loads((board / "board.json").read_text())["tables"][0]["methods"] == ["Good Net (v2)", "Bad"]
    # the engine's numbers are what the board shows
    import csv
    with open(board / "leaderboard.csv", newline="") as f:
        rows = {r["method"]: r for r in csv.DictReader(f)}
    assert float(rows["Good Net (v2)"]["mad"]) == pytest.approx(summary["metrics"]["mad"], rel=1e-12)
    assert _leftovers(store) == []
    # a name is taken until --replace
    again = _submit(cli_here, data, data["bad"], "Bad")
    assert again.returncode == 2 and "already in the store" in again.stderr
    assert _submit(cli_here, data, data["good"], "Bad", "--replace").returncode == 0
    with open(board / "leaderboard.csv", newline="") as f:
        rows = {r["method"]: r for r in csv.DictReader(f)}
    assert rows["Bad"]["mad"] == rows["Good Net (v2)"]["mad"]


def test_a_changed_ground_truth_is_refused_and_nothing_is_left(cli_here, data, bad_input):
    store = data["store"]
    assert _submit(cli_here, data, data["good"], "Good").returncode == 0
    before = sorted(p.relative_to(store) for p in store.rglob("*"))
    board_csv = (store / "leaderboard" / "leaderboard.csv").read_bytes()
    shutil.rmtree(data["gt"] / "clip2")
    shutil.rmtree(data["bad"] / "clip2")
    bad_input(_submit(cli_here, data, data["bad"], "Bad"), "different clip sets", "clip clip2")
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == before
    assert (store / "leaderboard" / "leaderboard.csv").read_bytes() == board_csv


def test_folder_names_are_safe():
    assert folder_name("My Net (v2)") == "my-net-v2"
    assert folder_name("../../etc") == "etc"
    assert folder_name("Ünïcode-Net") == "unicode-net"
    assert folder_name(".hidden") == "hidden"


def test_every_bad_submission_is_one_line_and_writes_nothing(cli_here, tmp_path, data, bad_input):
    gt, store = data["gt"], data["store"]
    cases = []

    def preds(name, **kw):
        return _tree(tmp_path / name, 0.5, **kw)

    p = preds("fewer", clips=CLIPS - 1)
    cases.append((p, [], [str(p / "clip2"), "clip missing from the predictions"]))
    p = preds("noframe")
    (p / "clip1" / "pha" / "0003.png").unlink()
    cases.append((p, [], ["0003", "missing"]))
    p = preds("extra")
    write_image(p / "clip0" / "pha" / "0009.png", _blob(0))
    cases.append((p, [], [str(p / "clip0" / "pha" / "0009.png"), "no ground truth"]))
    p = preds("link")
    outside = tmp_path / "secret.png"
    write_image(outside, _blob(0))
    (p / "clip0" / "pha" / "0000.png").unlink()
    os.symlink(outside, p / "clip0" / "pha" / "0000.png")
    cases.append((p, [], [str(p / "clip0" / "pha" / "0000.png"), "symbolic link leads outside"]))
    p = preds("big")
    cases.append((p, ["--max-file-mb", "0.0001"], ["over the limit", "--max-file-mb"]))
    cases.append((p, ["--max-total-gb", "0.000001"], [str(p), "--max-total-gb"]))
    cases.append((p, ["--max-files", "3"], [str(p), "--max-files"]))
    p = preds("text")
    (p / "clip1" / "pha" / "0002.png").write_text("not an image")
    cases.append((p, [], [str(p / "clip1" / "pha" / "0002.png"), "not a PNG or JPEG"]))
    p = preds("size", w=30)
    cases.append((p, [], [str(p / "clip0" / "pha" / "0000.png"), "30x24", "32x24"]))
    cases.append((tmp_path / "absent", [], ["absent", "does not exist"]))
    cases.append((data["good"], ["!!!"], ["--name", "letter or digit"]))
    cases.append((data["good"], ["--fps", "-3"], ["--fps", "positive", "-3"]))
    for preds_root, extra, fragments in cases:
        # a lone argument is the --name to submit under; otherwise extra flags for "Net"
        name, extra = (extra[0], []) if len(extra) == 1 else ("Net", extra)
        proc = _submit(cli_here, data, preds_root, name, *extra)
        try:
            bad_input(proc, *fragments)
        except AssertionError as e:
            raise AssertionError(f"case {preds_root.name} {extra}: {e}") from None
        assert not store.exists(), f"{preds_root.name}: the store was created"
    assert gt.is_dir()


def test_dataset_label_names_the_table_and_is_kept_in_method_json(cli_here, data):
    proc = _submit(cli_here, data, data["good"], "Good", "--dataset-label", "Blobs v1 (valid)")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((data["store"] / "good" / "method.json").read_text())["dataset"] == "Blobs v1 (valid)"
    assert _submit(cli_here, data, data["bad"], "Bad").returncode == 0   # default: the GT folder's name
    assert json.loads((data["store"] / "bad" / "method.json").read_text())["dataset"].endswith("/gt")
    md = (data["store"] / "leaderboard" / "leaderboard.md").read_text()
    assert "## Blobs v1 (valid)" in md and str(data["gt"]) not in md
