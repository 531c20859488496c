"""Each RVM-family protocol equals its ORIGINAL script, per frame and per figure, to 1e-5 relative.

data/golden_protocols.json holds what the original scripts (RobustVideoMatting evaluate_lr.py and
evaluate_hr.py, MatAnyone2 eval_lr.py, eval_hr.py and eval_crgnn.py; commits in the file) computed on the trees of
protocol_trees.py, including their 16-bit and RGBA frames, and what their workbooks show.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import protocol_trees as trees
from mbench.benchmark import evaluate
from mbench.benchmark.protocols.base import Options
from mbench.benchmark.protocols.runner import run_protocol

GOLDEN = json.loads((Path(__file__).parent / "data" / "golden_protocols.json").read_text())
RTOL, ATOL = 1e-5, 1e-9


def _close(ours, theirs) -> bool:
    if theirs is None:
        return ours is None
    return ours is not None and math.isclose(ours, theirs, rel_tol=RTOL, abs_tol=ATOL)


@pytest.fixture(scope="module")
def tree_roots(tmp_path_factory):
    root = tmp_path_factory.mktemp("golden")
    return {"rvm": trees.rvm_tree(root / "a"), "rvm_hr": trees.rvm_tree(root / "a2"),
            "matanyone": trees.rvm_tree(root / "j", fgr=False, pred_ext=".jpg"),
            "matanyone_crgnn": trees.crgnn_tree(root / "c"),
            "matanyone_hr": trees.rvm_tree(root / "h", fgr=False, gt_ext=".jpg")}


def _column(protocol: str, name: str) -> str:
    return name.removeprefix("pha_") if protocol == "rvm" else name  # rvm keeps mbench's names


@pytest.mark.parametrize("protocol", ["rvm", "rvm_hr", "matanyone", "matanyone_crgnn", "matanyone_hr"])
def test_equals_the_original(protocol, tree_roots):
    case = GOLDEN["cases"][protocol]
    pred, gt = tree_roots[protocol]
    with pytest.warns(UserWarning) if protocol != "matanyone_crgnn" else _warnings_ok():
        per_frame, info = run_protocol(protocol, pred, gt, options=Options(workers=1))
    assert len(per_frame) == len(case["rows"])
    for (clip, _, values), (_, row) in zip(case["rows"], per_frame.iterrows()):
        assert row["clip"] == clip
        for name, theirs in values.items():
            ours = row[_column(protocol, name)]
            assert math.isclose(ours, theirs, rel_tol=RTOL, abs_tol=ATOL), (clip, row["frame"], name, ours, theirs)
    figures = info["extra"]["workbook"] if protocol == "rvm" else info["metrics"]
    for name, theirs in case["figures"].items():
        assert _close(figures[_column(protocol, name)], theirs), (name, figures, theirs)


def _warnings_ok():
    return pytest.warns(UserWarning, match="dropped, as the original does")


def test_crgnn_pairs_by_rank(tree_roots):
    pred, gt = tree_roots["matanyone_crgnn"]
    df = evaluate(pred, gt, protocol="matanyone_crgnn")
    # v1: 3 GT frames; v2: 5; v3: 4 GT frames but 25 predictions, so the 4th is dropped
    assert df.groupby("clip", sort=False).size().to_dict() == {"v1": 3, "v2": 5, "v3": 3}
    assert df["frame"].tolist()[:3] == ["frame00001", "frame00011", "frame00021"]
    assert (df.groupby("clip")["pha_dtssd"].first() == 0).all()
