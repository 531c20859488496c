"""Protocol ``gca`` (GCA-Matting's utils/evaluate.py): hand examples from the protocol description,
a slow restatement, golden values from the original code, and the flat / Composition-1k layouts."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import image_cases
import mattes
import slow_image as slow
from mbench.benchmark.protocols import gca
from mbench.benchmark.protocols.base import Options
from mbench.errors import BadInput

DATA = Path(__file__).parent / "data"
REL, ABS = 1e-5, 1e-9  # float32 originals (protocol description, "Numerics")


def u8(*v):
    return np.array([v], np.uint8)


def test_hand_examples():
    e1 = gca.image_metrics(u8(0, 51, 200), u8(0, 102, 255), u8(128, 128, 255))
    assert e1["sad"] == pytest.approx(0.2 / 1000, rel=1e-7)
    assert e1["mse"] == pytest.approx(0.04 / (2 + 1e-8), rel=1e-7)
    assert e1["conn"] == 0
    p, g = np.zeros((21, 21), np.uint8), np.zeros((21, 21), np.uint8)
    g[10, 10] = 255
    e2 = gca.image_metrics(p, g, np.full((21, 21), 128, np.uint8))
    assert e2["grad"] == pytest.approx(0.002, rel=1e-6)  # an impulse: sum hx^2 + hy^2 = 2
    assert e2["conn"] == 0  # S is empty: Omega is everything, l = 1
    t = np.full((1, 4), 128, np.uint8)
    assert gca.image_metrics(u8(255, 255, 0, 0), u8(255, 255, 0, 255), t)["conn"] == 0  # background wins the tie
    t3 = np.full((1, 3), 128, np.uint8)
    assert gca.image_metrics(u8(255, 255, 255), u8(255, 255, 153), t3)["conn"] == pytest.approx(0.0004, rel=1e-12)
    e5 = gca.image_metrics(u8(255, 0), u8(180, 0), np.full((1, 2), 128, np.uint8))
    assert e5["conn"] == pytest.approx((1 - 180 / 255) / 1000, rel=1e-6)
    e6 = gca.image_metrics(u8(0, 200), u8(0, 255), u8(0, 255))
    assert (e6["sad"], e6["mse"]) == (0, 0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_slow_restatement(seed):
    pred, gt = mattes.clip(29, 37, 1, seed)
    p, g = pred[0], gt[0]
    t = image_cases.band_trimap(g, 2)
    got = gca.image_metrics(p, g, t)
    sad, mse = slow.unknown_sad_mse(p, g, t)
    assert got["sad"] == pytest.approx(sad, rel=1e-12)
    assert got["mse"] == pytest.approx(mse, rel=1e-12)
    assert got["grad"] == pytest.approx(slow.gca_grad(p, g, t), rel=1e-9, abs=1e-15)
    assert got["conn"] == pytest.approx(slow.conn(p, g, t, "background", values="float32"), rel=1e-12, abs=1e-15)


def test_background_rule_differs_from_standard():
    # a binary matte whose errors leave the background as the largest label: the port's Conn is 0
    case = {c[0]: c for c in image_cases.cases()}["binary"]
    _, p, g, t = case
    assert gca.image_metrics(p, g, t)["conn"] == 0
    assert slow.conn(p, g, t, "standard") > 0


def test_golden_values_from_the_original():
    gold = json.loads((DATA / "golden_gca.json").read_text())
    assert gold["inputs_sha256"] == image_cases.inputs_sha256()
    rows = []
    for (name, p, g, t), want in zip(image_cases.cases(), gold["per_image"]):
        assert want["name"] == name
        got = gca.image_metrics(p, g, t)
        rows.append(got)
        for m in gca.CARD.metrics:
            assert got[m] == pytest.approx(want[m], rel=REL, abs=ABS), (name, m)
    for m in gca.CARD.metrics:
        assert np.mean([r[m] for r in rows]) == pytest.approx(gold["metrics"][m], rel=REL, abs=ABS), m


def write(folder: Path, name: str, a: np.ndarray) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / f"{name}.png"), a)
    return folder / f"{name}.png"


def test_run_flat_folders(tmp_path):
    cases = image_cases.cases()[:3]
    for name, p, g, t in cases:
        write(tmp_path / "pred", name, p)
        write(tmp_path / "gt", name, g)
        write(tmp_path / "trimap", name, t)
    res = gca.run(tmp_path / "pred", tmp_path / "gt", Options())
    assert list(res.per_frame.columns) == ["clip", "frame", "sad", "mse", "grad", "conn"]
    names = sorted(c[0] for c in cases)
    assert list(res.per_frame["frame"]) == names
    by_name = {c[0]: gca.image_metrics(*c[1:]) for c in cases}
    for m in gca.CARD.metrics:
        assert list(res.per_frame[m]) == [by_name[n][m] for n in names]
        assert res.metrics[m] == pytest.approx(np.mean([by_name[n][m] for n in names]), rel=1e-12)
    assert res.warnings == []
    assert len(res.gt_files) == 6


def test_run_composition_1k_reuses_alphas(tmp_path):
    root = tmp_path / "Adobe-licensed images"
    (_, p1, g, t), (_, p2, _, _) = image_cases.cases()[0], image_cases.cases()[0]
    p2 = np.roll(p1, 1, axis=1)
    write(root / "alpha", "doll", g)
    for k, p in enumerate((p1, p2)):
        write(root / "trimaps", f"doll_{k}", t)
        write(tmp_path / "pred", f"doll_{k}", p)
    res = gca.run(tmp_path / "pred", root, Options())
    assert list(res.per_frame["frame"]) == ["doll_0", "doll_1"]
    assert res.per_frame["sad"][1] == gca.image_metrics(p2, g, t)["sad"]


def test_bad_input(tmp_path):
    _, p, g, t = image_cases.cases()[0]
    write(tmp_path / "pred", "a", p)
    write(tmp_path / "gt", "a", g)
    with pytest.raises(BadInput, match="--trimap"):
        gca.run(tmp_path / "pred", tmp_path / "gt", Options())
    write(tmp_path / "trimap", "a", t)
    write(tmp_path / "pred", "b", p)
    with pytest.raises(BadInput, match="b.png has no ground truth"):
        gca.run(tmp_path / "pred", tmp_path / "gt", Options())
    (tmp_path / "pred" / "b.png").unlink()
    write(tmp_path / "gt", "c", g)
    with pytest.raises(BadInput, match="no prediction c.png"):
        gca.run(tmp_path / "pred", tmp_path / "gt", Options())
    (tmp_path / "gt" / "c.png").unlink()
    write(tmp_path / "trimap", "a", t[:-1])
    with pytest.raises(BadInput, match="differs"):
        gca.run(tmp_path / "pred", tmp_path / "gt", Options())


def test_reads_as_cv2_imread_gray(tmp_path):
    _, p, g, t = image_cases.cases()[0]
    write(tmp_path / "pred", "a", p.astype(np.uint16) * 256 + 100)  # 16-bit: its high byte counts
    write(tmp_path / "gt", "a", cv2.cvtColor(g, cv2.COLOR_GRAY2BGRA))
    write(tmp_path / "trimap", "a", t)
    res = gca.run(tmp_path / "pred", tmp_path / "gt", Options())
    want = gca.image_metrics(p, g, t)
    assert res.per_frame["sad"][0] == want["sad"]
    assert len(res.warnings) == 2 and "16-bit" in res.warnings[0] and "RGBA alpha ignored" in res.warnings[1]
