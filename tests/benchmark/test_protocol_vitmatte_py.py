"""Protocol ``vitmatte_py`` (ViTMatte's evaluation.py): SAD and MSE over U, names missing a
prediction or trimap skipped; hand examples, slow restatement, golden values from the original."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import image_cases
import slow_image as slow
from mbench.benchmark.protocols import vitmatte_py
from mbench.benchmark.protocols.base import Options
from mbench.errors import BadInput

DATA = Path(__file__).parent / "data"


def write(folder: Path, name: str, a: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / f"{name}.png"), a)


def run_arrays(tmp_path: Path, cases) -> "vitmatte_py.Result":
    for name, p, g, t in cases:
        write(tmp_path / "pred", name, p)
        write(tmp_path / "gt", name, g)
        write(tmp_path / "trimap", name, t)
    return vitmatte_py.run(tmp_path / "pred", tmp_path / "gt", Options())


def test_hand_examples(tmp_path):
    u8 = lambda *v: np.array([v], np.uint8)  # noqa: E731
    res = run_arrays(tmp_path, [("e1", u8(0, 51, 200), u8(0, 102, 255), u8(128, 128, 255)),
                                ("e3", u8(255, 255, 0, 0), u8(255, 255, 0, 255), u8(128, 128, 128, 128)),
                                ("e6", u8(0, 200), u8(0, 255), u8(0, 255))])
    sad, mse = res.per_frame["sad"].tolist(), res.per_frame["mse"].tolist()
    assert sad[0] == pytest.approx(0.0002, rel=1e-7) and mse[0] == pytest.approx(0.04 / (2 + 1e-8), rel=1e-7)
    assert sad[1] == pytest.approx(0.001, rel=1e-7) and mse[1] == pytest.approx(1 / (4 + 1e-8), rel=1e-12)
    assert (sad[2], mse[2]) == (0, 0)  # |U| = 0: 0, never NaN
    assert list(res.per_frame.columns) == ["clip", "frame", "sad", "mse"]


def test_golden_and_slow(tmp_path):
    gold = json.loads((DATA / "golden_vitmatte_py.json").read_text())
    assert gold["inputs_sha256"] == image_cases.inputs_sha256()
    cases = image_cases.cases()
    res = run_arrays(tmp_path, cases)
    got = res.per_frame.set_index("frame")
    for (name, p, g, t), want in zip(cases, gold["per_image"]):
        s, m = slow.unknown_sad_mse(p, g, t)
        assert got.loc[name, "sad"] == pytest.approx(s, rel=1e-12)
        assert got.loc[name, "mse"] == pytest.approx(m, rel=1e-12)
        assert got.loc[name, "sad"] == pytest.approx(want["sad"], rel=1e-5, abs=1e-9)
        assert got.loc[name, "mse"] == pytest.approx(want["mse"], rel=1e-5, abs=1e-9)
    for k in ("sad", "mse"):
        assert res.metrics[k] == pytest.approx(gold["metrics"][k], rel=1e-5)


def test_missing_names_are_skipped(tmp_path):
    cases = image_cases.cases()[:3]
    run_arrays(tmp_path, cases)
    (tmp_path / "pred" / f"{cases[0][0]}.png").unlink()
    (tmp_path / "trimap" / f"{cases[1][0]}.png").unlink()
    res = vitmatte_py.run(tmp_path / "pred", tmp_path / "gt", Options())
    assert list(res.per_frame["frame"]) == [cases[2][0]]
    assert any("2 ground-truth image(s)" in w for w in res.warnings)
    (tmp_path / "pred" / f"{cases[2][0]}.png").unlink()
    with pytest.raises(BadInput, match="no image is present"):
        vitmatte_py.run(tmp_path / "pred", tmp_path / "gt", Options())


def test_needs_trimaps(tmp_path):
    _, p, g, _ = image_cases.cases()[0]
    write(tmp_path / "pred", "a", p)
    write(tmp_path / "gt", "a", g)
    with pytest.raises(BadInput, match="no trimaps"):
        vitmatte_py.run(tmp_path / "pred", tmp_path / "gt", Options())
    with pytest.raises(BadInput, match="expected a folder"):
        vitmatte_py.run(tmp_path / "pred", tmp_path / "gt", Options(trimap=tmp_path / "nowhere"))
