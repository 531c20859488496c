"""Protocol ``gfm`` (GFM / P3M / AIM whole-image evaluation): hand examples from the protocol
description, a slow restatement, golden values from GFM's own functions, PIL reading and layouts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import image_cases
import mattes
import slow_image as slow
from mbench.benchmark.protocols import gfm
from mbench.benchmark.protocols.base import Options
from mbench.errors import BadInput

DATA = Path(__file__).parent / "data"
TOL = {m: dict(rel=1e-12, abs=1e-15) for m in gfm.METRICS}
TOL["grad"] = dict(rel=1e-5, abs=1e-9)  # float32 filtering and summation (protocol description, "Numerics")


def u8(*v):
    return np.array([v], np.uint8)


def test_hand_examples():
    e1 = gfm.image_metrics(u8(0, 51, 200), u8(0, 102, 255), u8(128, 128, 255))
    assert e1["sad_trimap"] == pytest.approx(0.0002, rel=1e-12)
    assert e1["mse_trimap"] == pytest.approx(0.04 / 2, rel=1e-12)
    assert e1["mad_trimap"] == pytest.approx(0.1, rel=1e-12)
    assert e1["sad"] == pytest.approx((0.2 + 55 / 255) / 1000, rel=1e-12)
    assert e1["sad_fg"] == pytest.approx(55 / 255 / 1000, rel=1e-12) and e1["sad_bg"] == 0
    assert e1["conn"] == pytest.approx((0.4 - float(np.float32(0.2))) / 1000, rel=1e-12)  # l is float32
    p, g = np.zeros((21, 21), np.uint8), np.zeros((21, 21), np.uint8)
    g[10, 10] = 255
    e2 = gfm.image_metrics(p, g, np.full((21, 21), 128, np.uint8))
    assert e2["grad"] == pytest.approx(0.002071484224870801, rel=1e-6)
    assert e2["conn"] == 0  # every threshold skipped: l = 1
    e4 = gfm.image_metrics(u8(255, 255, 255), u8(255, 255, 153), np.full((1, 3), 128, np.uint8))
    assert e4["conn"] == pytest.approx(0.0005, rel=1e-12)  # 153 leaves at 0.6000000000000001
    e5 = gfm.image_metrics(u8(255, 0), u8(180, 0), np.full((1, 2), 128, np.uint8))
    assert e5["conn"] == 0  # the empty intersection at 0.8 is skipped
    e6 = gfm.image_metrics(u8(0, 200), u8(0, 255), u8(0, 255))
    assert e6["sad_trimap"] == 0 and math.isnan(e6["mse_trimap"]) and math.isnan(e6["mad_trimap"])
    e7 = gfm.image_metrics(u8(0, 200), u8(0, 250), u8(0, 255))
    assert e7["mse_trimap"] == math.inf  # |U| = 0 with an error left after forcing


@pytest.mark.parametrize("seed", [0, 1])
def test_against_slow_restatement(seed):
    pred, gt = mattes.clip(27, 35, 1, seed)
    t = image_cases.band_trimap(gt[0], 2)
    t[::5, ::3] = 60
    got, want = gfm.image_metrics(pred[0], gt[0], t), slow.gfm(pred[0], gt[0], t)
    for m in gfm.METRICS:
        assert got[m] == pytest.approx(want[m], rel=1e-9 if m != "grad" else 1e-6, abs=1e-15), m


def test_16_bit_codes_against_slow_restatement():
    rng = np.random.default_rng(5)
    p = rng.integers(0, 300, (9, 11)).astype(np.uint16)  # PIL keeps 16-bit codes; GFM still divides by 255
    g = rng.integers(0, 300, (9, 11)).astype(np.uint16)
    t = np.full(p.shape, 128, np.uint8)
    got, want = gfm.image_metrics(p, g, t), slow.gfm(p, g, t)
    for m in gfm.METRICS:
        assert got[m] == pytest.approx(want[m], rel=1e-9 if m != "grad" else 1e-6, abs=1e-15), m


def golden(x):
    return float(x)  # "nan" / "inf" strings included


def test_golden_values_from_the_original():
    gold = json.loads((DATA / "golden_gfm.json").read_text())
    assert gold["inputs_sha256"] == image_cases.inputs_sha256()
    rows = []
    for (name, p, g, t), want in zip(image_cases.cases(), gold["per_image"]):
        got = gfm.image_metrics(p, g, t)
        rows.append(got)
        for m in gfm.METRICS:
            w = golden(want[m])
            if math.isfinite(w):
                assert got[m] == pytest.approx(w, **TOL[m]), (name, m)
            else:
                assert got[m] == w or (math.isnan(w) and math.isnan(got[m])), (name, m)
    agg = gfm.aggregate(rows)
    for m in gfm.METRICS:
        w = golden(gold["metrics"][m])
        assert agg[m] == pytest.approx(w, **TOL[m]) if math.isfinite(w) else agg[m] == w, m
    finite = gfm.aggregate([r for r, c in zip(rows, image_cases.cases()) if c[0] != "empty_unknown"])
    assert math.isfinite(finite["mse_trimap"])


def save(folder: Path, name: str, a: np.ndarray, mode: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(a, mode).save(folder / f"{name}.png")


def test_run_am2k_layout_and_pil_reading(tmp_path):
    root = tmp_path / "AM-2k"
    cases = image_cases.cases()[:3]
    for name, p, g, t in cases:
        save(tmp_path / "pred", name, p)
        save(root / "validation" / "mask", name, g)
        save(root / "validation" / "trimap", name, t)
    _, p, g, t = cases[0]
    rgba = np.dstack([g, 255 - g, g // 2, np.full_like(g, 7)])  # PIL: the first (red) channel counts
    save(root / "validation" / "mask", cases[0][0], rgba, "RGBA")
    res = gfm.run(tmp_path / "pred", root, Options())
    assert list(res.per_frame.columns) == ["clip", "frame", *gfm.METRICS]
    names = sorted(c[0] for c in cases)
    assert list(res.per_frame["frame"]) == names
    rows = [gfm.image_metrics(*next(c[1:] for c in cases if c[0] == n)) for n in names]
    for m in gfm.METRICS:
        assert res.per_frame[m].tolist() == [r[m] for r in rows]
        assert res.metrics[m] == pytest.approx(gfm.aggregate(rows)[m], rel=1e-15)
    assert any("first channel" in w for w in res.warnings)


def test_empty_unknown_gives_null_figures(tmp_path):
    for name, p, g, t in image_cases.cases():
        if name == "empty_unknown":
            save(tmp_path / "pred", name, p)
            save(tmp_path / "mask", name, g)
            save(tmp_path / "trimap", name, t)
    res = gfm.run(tmp_path / "pred", tmp_path, Options())
    assert res.per_frame["mse_trimap"][0] == math.inf
    assert res.metrics["mse_trimap"] is None and res.metrics["sad"] is not None


def test_bad_input(tmp_path):
    _, p, g, t = image_cases.cases()[0]
    save(tmp_path / "pred", "a", p)
    save(tmp_path / "mask", "a", g)
    with pytest.raises(BadInput, match="no trimaps"):
        gfm.run(tmp_path / "pred", tmp_path, Options())
    save(tmp_path / "trimap", "b", t)
    with pytest.raises(BadInput, match="no trimap a.png"):
        gfm.run(tmp_path / "pred", tmp_path, Options())
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInput, match="alpha images, or one of mask"):
        gfm.run(tmp_path / "pred", tmp_path / "empty", Options())


def test_16_bit_files_read_as_pil_does(tmp_path):
    import cv2

    rng = np.random.default_rng(9)
    g16 = rng.integers(0, 65536, (6, 7)).astype(np.uint16)
    p8 = rng.integers(0, 256, (6, 7)).astype(np.uint8)
    t = np.full(p8.shape, 128, np.uint8)
    cv2.imwrite(str(tmp_path / "g16.png"), g16)
    save(tmp_path / "pred", "a", p8)
    (tmp_path / "mask").mkdir()
    (tmp_path / "g16.png").rename(tmp_path / "mask" / "a.png")
    save(tmp_path / "trimap", "a", t)
    with Image.open(tmp_path / "mask" / "a.png") as im:
        assert np.array_equal(np.array(im), g16)  # what GFM's driver gets before / 255.
    res = gfm.run(tmp_path / "pred", tmp_path, Options(metrics=("sad", "conn"), device="cuda"))
    want = gfm.image_metrics(p8, g16, t)
    assert list(res.per_frame.columns) == ["clip", "frame", "sad", "conn"]
    assert res.per_frame["sad"][0] == want["sad"] and res.per_frame["conn"][0] == want["conn"]
    assert any("16-bit" in w and "divided by 255" in w for w in res.warnings)
    assert any("runs on the CPU" in w for w in res.warnings)
    with pytest.raises(BadInput, match="no metric 'pha_mad'"):
        gfm.run(tmp_path / "pred", tmp_path, Options(metrics=("pha_mad",)))
