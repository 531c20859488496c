"""Protocol ``ftpvm``: spec examples, a slow restatement, the workbook's header-column bug, and values
from running FTP-VM's own Evaluator (tests/benchmark/data/golden_ftpvm.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

import mattes
import slow_metrics
import slow_video
from mbench.benchmark.protocols import ftpvm
from mbench.benchmark.protocols.base import Options
from mbench.errors import BadInput

DATA = Path(__file__).parent / "data" / "golden_ftpvm.json"
CLIPS = (("d1", "c0", 2, 0), ("d1", "c1", 3, 1), ("d1", "c2", 2, 2), ("d2", "c0", 4, 3))


def trimap_of(gt: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 13])
    t = np.where(gt == 0, 0, np.where(gt == 255, 255, 128)).astype(np.uint8)
    r = rng.random(gt.shape)
    for lo, v in ((0.0, 1), (0.02, 2), (0.04, 253), (0.06, 254), (0.08, 127)):
        t[(r >= lo) & (r < lo + 0.02)] = v
    return t


def make_root(root: Path, h: int = 36, w: int = 44) -> tuple[Path, Path]:
    """ROOT/GT and ROOT/model trees; clips of 2, 3, 2 and 4 frames (the header bug drops indices 2 and 3)."""
    for ds, clip, n, seed in CLIPS:
        pred, gt = mattes.clip(h, w, n, seed)
        for f in range(n):
            for layer, arr in (("GT/{}/{}/pha", gt[f]), ("GT/{}/{}/trimap", trimap_of(gt[f], seed + f)),
                               ("model/{}/{}/pha", pred[f])):
                d = root / layer.format(ds, clip)
                d.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(d / f"{f:04d}.png"), arr)
    return root / "model", root / "GT"


def close(a, b, rel=1e-5):
    return a == pytest.approx(b, rel=rel, abs=1e-9)


def test_equals_ftpvm_evaluator(tmp_path):
    golden = json.loads(DATA.read_text())
    res = ftpvm.run(*make_root(tmp_path), Options())
    df = res.per_frame
    for (ds, clip, metrics), (cid, rows) in zip(golden["results"], df.groupby("clip", sort=False)):
        assert cid == f"{ds}/{clip}"
        for k in ftpvm.COLUMNS:
            assert close(list(rows[k]), metrics[k]), (cid, k)
    for k in ftpvm.COLUMNS:
        assert close(res.metrics[k], golden["summary"][k]["frame_wise"]), k
        assert close(res.extra["metrics_clip_wise"][k], golden["summary"][k]["clip_wise"]), k
        # per_clip.csv holds the clip means (column C) whose mean is the clip-wise figure
        assert close(res.per_clip[k].mean(), golden["summary"][k]["clip_wise"]), k
    assert res.per_clip["clip"].tolist() == [f"{ds}/{c}" for ds, c, _ in golden["results"]]
    assert res.per_clip["frames"].tolist() == [len(m["pha_mad"]) for _, _, m in golden["results"]]


def test_slow_restatement(tmp_path):
    res = ftpvm.run(*make_root(tmp_path), Options())
    pred, gt = mattes.clip(36, 44, 3, 1)
    rows = res.per_frame[res.per_frame["clip"] == "d1/c1"].reset_index()
    prev = None
    for f in range(3):
        p, g = pred[f].astype(np.float32) / 255, gt[f].astype(np.float32) / 255
        t = trimap_of(gt[f], 1 + f)
        regions = {"": np.ones(t.shape, bool), "fg_": t >= 254, "bg_": t <= 1}
        regions["tran_"] = ~(regions["fg_"] | regions["bg_"])
        mags = [slow_video.grad_mags(slow_metrics.minmax(a)) for a in (p, g)]
        for r, m in regions.items():
            d = np.abs(p - g).astype(np.float64)[m]
            assert close(rows[f"{r}pha_sad"][f], d.sum())
            assert close(rows[f"{r}pha_mad"][f], d.mean() * 1e3 if m.any() else 0)
            assert close(rows[f"{r}pha_grad"][f], ((mags[0] - mags[1]) ** 2)[m].sum() / 1000)
            if prev is not None:
                u = m | prev[2][r]
                e = (((p - prev[0]) - (g - prev[1])).astype(np.float64) ** 2)[u]
                assert close(rows[f"{r}pha_dtssd"][f], math.sqrt(e.mean()) * 100 if u.any() else 0)
            else:
                assert rows[f"{r}pha_dtssd"][f] == 0
        assert close(rows["pha_conn"][f], slow_metrics.conn(pred[f], gt[f]))
        prev = (p, g, regions)


def test_spec_examples(tmp_path):
    root = tmp_path
    p0 = np.zeros((2, 2), np.uint8)
    p1 = np.array([[0, 255], [128, 64]], np.uint8)
    g1 = np.array([[0, 255], [255, 0]], np.uint8)
    t1 = np.array([[255, 128], [0, 1]], np.uint8)
    for f, (p, g, t) in enumerate(((p0, p0, p0), (p1, g1, t1))):
        for layer, arr in (("GT/d/c/pha", g), ("GT/d/c/trimap", t), ("m/d/c/pha", p)):
            (root / layer).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / layer / f"{f:04d}.png"), arr)
    r = ftpvm.run(root / "m", root / "GT", Options()).per_frame.iloc[1]
    assert close(r.pha_sad, 0.749020) and close(r.pha_mad, 187.2549) and close(r.pha_mse, 77.7586)
    assert r.fg_pha_sad == 0 and r.tran_pha_mad == 0
    assert close(r.bg_pha_sad, 0.749020) and close(r.bg_pha_mad, 374.5098) and close(r.bg_pha_mse, 155.5171)
    assert close(r.pha_dtssd, 27.8852) and r.fg_pha_dtssd == 0 and r.tran_pha_dtssd == 0
    assert close(r.bg_pha_dtssd, 27.8852)


def test_header_column_bug():
    assert ftpvm.workbook_figures([2, 3], [[0, 2], [0, 4, 8]]) == pytest.approx((1.5, 2.5, 11 / 3))
    # a longer clip after a longer previous row does get its columns
    frame, _, fixed = ftpvm.workbook_figures([2, 3, 4], [[0, 2], [0, 4, 8], [0, 0, 0, 6]])
    assert frame == pytest.approx(np.mean([0, 2, 4, 6])) and fixed == frame


def test_missing_prediction_and_trimap_are_bad_input(tmp_path):
    pred, gt = make_root(tmp_path)
    (gt / "d1" / "c1" / "trimap" / "0002.png").unlink()
    with pytest.raises(BadInput, match="trimap"):
        ftpvm.run(pred, gt, Options())
    (pred / "d1" / "c0" / "pha" / "0001.png").unlink()
    with pytest.raises(BadInput, match="prediction frame"):
        ftpvm.run(pred, gt, Options())


def test_golden_exercises_the_header_bug(tmp_path):
    res = ftpvm.run(*make_root(tmp_path), Options())
    assert res.metrics["pha_mad"] != pytest.approx(res.extra["frame_wise_corrected"]["pha_mad"], rel=1e-3)


def test_cli_refuses_missing_trimaps_with_one_line(tmp_path):
    import subprocess
    import sys

    pred, gt = make_root(tmp_path)
    for f in (gt / "d2" / "c0" / "trimap").iterdir():
        f.unlink()
    (gt / "d2" / "c0" / "trimap").rmdir()
    out = tmp_path / "eval"
    r = subprocess.run([sys.executable, "-m", "mbench", "evaluate", str(pred), str(gt), "--protocol", "ftpvm",
                        "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 2 and not out.exists()
    assert r.stderr.strip().count("\n") == 0 and "trimap" in r.stderr


def test_reading_warnings_name_the_first_deep_and_colour_files(tmp_path):
    pred, gt = make_root(tmp_path)
    g = cv2.imread(str(gt / "d1/c1/pha/0001.png"), cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(str(gt / "d1/c1/pha/0001.png"), np.dstack([g, g, g]))  # colour GT, read as gray
    cv2.imwrite(str(gt / "d2/c0/trimap/0000.png"), np.full((36, 44), 257 * 128, np.uint16))
    p = cv2.imread(str(pred / "d2/c0/pha/0002.png"), cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(str(pred / "d2/c0/pha/0002.png"), p.astype(np.uint16) * 257)
    warnings = ftpvm.run(pred, gt, Options()).warnings
    # predictions are listed before the GT files: the 16-bit prediction comes first
    assert len(warnings) == 2
    assert warnings[0].startswith(f"{pred / 'd2/c0/pha/0002.png'}: 16-bit image")
    assert warnings[1].startswith(f"{gt / 'd1/c1/pha/0001.png'}: image has colour/alpha channels")
    assert ftpvm.run(*make_root(tmp_path / "plain"), Options()).warnings == []
