"""The image-matting protocols through ``mbench evaluate --protocol``: files written, figures equal to
the modules' own, and bad input refused with one line and exit status 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pandas as pd
import pytest

import image_cases
from conftest import run_cli
from mbench.benchmark.protocols import gca, gfm, mmagic, vitmatte_py
from mbench.benchmark.protocols.base import Options

MODULES = {"gca": gca, "vitmatte_py": vitmatte_py, "gfm": gfm, "mmagic": mmagic}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("images")
    for name, p, g, t in image_cases.cases()[:3]:
        for sub, a in (("pred", p), ("gt/mask", g), ("gt/trimap", t)):
            (root / sub).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / sub / f"{name}.png"), a)
    return root


@pytest.mark.parametrize("name", list(MODULES))
def test_cli_writes_the_modules_figures(tree, tmp_path, name):
    gt = tree / "gt" if name == "gfm" else tree / "gt" / "mask"  # gfm finds mask/ and trimap/ in GT
    r = run_cli("evaluate", tree / "pred", gt, "--protocol", name, "--out", tmp_path / "eval", "--quiet")
    assert r.returncode == 0, r.stderr
    module = MODULES[name]
    want = module.run(tree / "pred", gt, Options())
    summary = json.loads((tmp_path / "eval" / "summary.json").read_text())
    assert summary["card"]["name"] == name
    for m in module.CARD.metrics:
        assert summary["metrics"][m] == pytest.approx(want.metrics[m], rel=1e-12)
    df = pd.read_csv(tmp_path / "eval" / "per_frame.csv", keep_default_na=False)
    assert list(df.columns) == ["clip", "frame", *module.CARD.metrics]
    assert df["frame"].tolist() == want.per_frame["frame"].tolist()


def test_cli_bad_input(tree, tmp_path):
    alpha = tmp_path / "gt" / "alpha"
    alpha.mkdir(parents=True)
    for f in (tree / "gt" / "mask").iterdir():
        (alpha / f.name).write_bytes(f.read_bytes())
    r = run_cli("evaluate", tree / "pred", tmp_path / "gt", "--protocol", "mmagic", "--out", tmp_path / "o1")
    assert r.returncode == 2 and "no trimaps" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o1").exists()
    pred = tmp_path / "pred"
    pred.mkdir()
    for f in sorted((tree / "pred").iterdir())[1:]:
        (pred / f.name).write_bytes(f.read_bytes())
    r = run_cli("evaluate", pred, tree / "gt", "--protocol", "gfm", "--out", tmp_path / "o2")
    assert r.returncode == 2 and "no prediction" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o2").exists()
