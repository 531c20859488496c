"""Protocol ``mmagic`` (mmagic's matting metrics after postprocess): hand examples from the protocol
description, a slow restatement, golden values from mmagic's metric classes, layouts and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import image_cases
import mattes
import slow_image as slow
from mbench.benchmark.protocols import mmagic
from mbench.benchmark.protocols.base import Options
from mbench.errors import BadInput

DATA = Path(__file__).parent / "data"
REL, ABS = 1e-12, 1e-15  # float64 original (protocol description, "Numerics")


def u8(*v):
    return np.array([v], np.uint8)


def test_hand_examples():
    e1 = mmagic.image_metrics(u8(0, 51, 200), u8(0, 102, 255), u8(128, 128, 255))
    assert e1["sad"] == pytest.approx(0.0002, rel=1e-12)
    assert e1["mattingmse"] == pytest.approx(0.020000000000000004, rel=1e-12)
    p, g = np.zeros((21, 21), np.uint8), np.zeros((21, 21), np.uint8)
    g[10, 10] = 255
    e2 = mmagic.image_metrics(p, g, np.full((21, 21), 128, np.uint8))
    assert e2["gradienterror"] == pytest.approx(0.0019999999999999983, rel=1e-12)
    assert e2["connectivityerror"] == pytest.approx(0.001, rel=1e-12)  # empty S: l = 0 everywhere
    t4 = np.full((1, 4), 128, np.uint8)
    assert mmagic.image_metrics(u8(255, 255, 0, 0), u8(255, 255, 0, 255), t4)["connectivityerror"] == \
        pytest.approx(0.001, rel=1e-12)
    t3 = np.full((1, 3), 128, np.uint8)
    assert mmagic.image_metrics(u8(255, 255, 255), u8(255, 255, 153), t3)["connectivityerror"] == \
        pytest.approx(0.0005, rel=1e-12)
    e5 = mmagic.image_metrics(u8(255, 0), u8(180, 0), np.full((1, 2), 128, np.uint8))
    assert e5["connectivityerror"] == pytest.approx(0.0002999999999999999, rel=1e-12)
    e6 = mmagic.image_metrics(u8(0, 200), u8(0, 255), u8(0, 255))
    assert e6 == {"sad": 0, "mattingmse": 0, "gradienterror": 0, "connectivityerror": 0}
    assert type(e6["mattingmse"]) is int  # the int 0 when |U| = 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_slow_restatement(seed):
    pred, gt = mattes.clip(31, 26, 1, seed)
    t = image_cases.band_trimap(gt[0], 2)
    t[::6, ::4] = 70
    got, want = mmagic.image_metrics(pred[0], gt[0], t), slow.mmagic(pred[0], gt[0], t)
    for m in mmagic.METRICS:
        assert got[m] == pytest.approx(want[m], rel=1e-9, abs=1e-15), m


def test_golden_values_from_the_original():
    gold = json.loads((DATA / "golden_mmagic.json").read_text())
    assert gold["inputs_sha256"] == image_cases.inputs_sha256()
    assert gold["unmasked_prediction_raises"] == "pred_alpha should be masked by trimap before evaluation"
    rows = []
    for (name, p, g, t), want in zip(image_cases.cases(), gold["per_image"]):
        got = mmagic.image_metrics(p, g, t)
        rows.append(got)
        for m in mmagic.METRICS:
            assert got[m] == pytest.approx(want[m], rel=REL, abs=ABS), (name, m)
            assert type(got[m]) is type(want[m]), (name, m)
    for m, v in mmagic.aggregate(rows).items():
        assert v == pytest.approx(gold["metrics"][m], rel=REL), m


def write(folder: Path, name: str, a: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / f"{name}.png"), a)


def test_run_composition_1k(tmp_path):
    root = tmp_path / "Test_set"
    (_, p, g, t), (_, p2, g2, t2) = image_cases.cases()[0], image_cases.cases()[6]
    write(root / "alpha", "a", g)
    write(root / "alpha", "b", g2)
    for k in range(2):
        write(root / "trimaps", f"a_{k}", t)
        write(tmp_path / "pred", f"a_{k}", np.roll(p, k, 0))
    write(root / "trimaps", "b_0", t2)
    write(tmp_path / "pred", "b_0", p2)
    res = mmagic.run(tmp_path / "pred", root, Options(workers=2))
    assert list(res.per_frame["frame"]) == ["a_0", "a_1", "b_0"]
    rows = [mmagic.image_metrics(np.roll(p, 0, 0), g, t), mmagic.image_metrics(np.roll(p, 1, 0), g, t),
            mmagic.image_metrics(p2, g2, t2)]
    for m in mmagic.METRICS:
        assert res.per_frame[m].tolist() == [r[m] for r in rows]
        assert res.metrics[m] == mmagic.aggregate(rows)[m]
    assert list(res.per_frame.columns) == ["clip", "frame", *mmagic.METRICS]


def test_bad_input(tmp_path):
    _, p, g, t = image_cases.cases()[0]
    write(tmp_path / "gt" / "alpha", "a", g)
    write(tmp_path / "pred", "a_0", p)
    with pytest.raises(BadInput, match="no trimaps"):
        mmagic.run(tmp_path / "pred", tmp_path / "gt", Options())
    write(tmp_path / "gt" / "trimaps", "x_0", t)
    with pytest.raises(BadInput, match="no ground-truth alpha x_0.png"):
        mmagic.run(tmp_path / "pred", tmp_path / "gt", Options())
    with pytest.raises(BadInput, match="--full-precision"):
        mmagic.run(tmp_path / "pred", tmp_path / "gt", Options(full_precision=True))
