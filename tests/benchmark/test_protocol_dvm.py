"""Protocol ``dvm``: spec examples, a slow restatement, and values from DVM's own BatchMetric."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mattes
import slow_video
from trees import write_layer
from mbench.benchmark.kernels import video as vk
from mbench.benchmark.protocols import dvm
from mbench.benchmark.protocols.base import Options
from mbench.errors import BadInput

GOLDEN = json.loads((Path(__file__).parent / "data" / "golden_dvm.json").read_text())
REL = 1e-5


def trimap_of(gt: np.ndarray, seed: int) -> np.ndarray:
    """A trimap with stray 127/129 values (only 128 counts in DVM)."""
    rng = np.random.default_rng([seed, 5])
    t = np.where(gt == 0, 0, np.where(gt == 255, 255, 128)).astype(np.uint8)
    r = rng.random(gt.shape)
    t[r < 0.05] = 128
    t[(r >= 0.05) & (r < 0.07)] = 127
    t[(r >= 0.07) & (r < 0.09)] = 129
    return t


def write_tree(root: Path, clips: dict, trimaps: dict | None = None):
    for cid, (pred, gt) in clips.items():
        write_layer(root / "pred" / cid / "pha", pred)
        write_layer(root / "gt" / cid / "pha", gt)
    for cid, tri in (trimaps or {}).items():
        write_layer(root / "tri" / cid, tri)
    return root / "pred", root / "gt", (root / "tri" if trimaps else None)


def run_arrays(tmp_path, pred, gt, tri=None):
    p, g, t = write_tree(tmp_path, {"c": (pred, gt)}, {"c": tri} if tri is not None else None)
    return dvm.run(p, g, Options(trimap=t))


def close(a, b, rel=REL, abs_=1e-9):
    return a == pytest.approx(b, rel=rel, abs=abs_)


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: f"seed{c['seed']}-mask{c['mask']}")
def test_equals_dvm_batchmetric(tmp_path, case):
    pred, gt = mattes.clip(case["h"], case["w"], case["frames"], case["seed"])
    tri = np.stack([trimap_of(g, case["seed"]) for g in gt]) if case["mask"] else None
    digest = hashlib.sha256(pred.tobytes() + gt.tobytes() + (tri.tobytes() if tri is not None else b""))
    assert digest.hexdigest() == case["inputs_sha256"]  # the inputs the original saw
    df = run_arrays(tmp_path, pred, gt, tri).per_frame
    for k in ("sad", "mse", "grad", "conn", "ssda", "ssda_num"):
        assert close(list(df[k]), case[k]), k
    for k in ("dtssd", "dtssd_num", "messddt", "messddt_num"):
        assert df[k].iloc[0] is pd.NA  # absent: the first frame has no pair
        assert close(list(df[k].iloc[1:]), case[k]), k
    assert any(v > 0 for v in case["messddt"])


def test_matches_slow_restatement(tmp_path):
    pred, gt = mattes.clip(40, 56, 3, 7)
    tri = np.stack([trimap_of(g, 7) for g in gt])
    df = run_arrays(tmp_path, pred, gt, tri).per_frame
    t32 = np.arange(0, 1.1, 0.1).astype(np.float32)
    pf, gf = pred.astype(np.float32) / np.float32(255), gt.astype(np.float32) / np.float32(255)
    m = tri == 128
    for k in range(3):
        d = pf[k].astype(np.float64) - gf[k]
        assert close(df.sad[k], np.abs(d)[m[k]].sum() / 1000)
        assert close(df.mse[k], (d ** 2)[m[k]].sum() / (m[k].sum() + 1))
        gm = slow_video.grad_mags(pf[k]), slow_video.grad_mags(gf[k])
        assert close(df.grad[k], ((gm[0] - gm[1]) ** 2)[m[k]].sum())
        assert close(df.conn[k], slow_video.conn_raw(pf[k], gf[k], t32, m[k]))
    for k in (1, 2):
        e = (pf[k] - pf[k - 1]).astype(np.float64) - (gf[k] - gf[k - 1])
        assert close(df.dtssd[k], math.sqrt((e ** 2)[m[k - 1]].sum()))
        flow = slow_video.farneback(gt[k - 1], gt[k])
        mf = m.astype(np.float64)
        want = slow_video.dvm_warp(pf[k - 1], gf[k - 1], mf[k - 1], pf[1], gf[1], mf[1], flow)
        assert close(df.messddt[k], want)
        fix = slow_video.dvm_warp(pf[k - 1], gf[k - 1], mf[k - 1], pf[k], gf[k], mf[k], flow, fixed=True)
        assert close(df.messddt_fix[k], fix)


def test_spec_examples(tmp_path):
    p = np.array([[[0, 255], [128, 64]]], np.uint8)
    g = np.array([[[0, 255], [255, 0]]], np.uint8)
    t = np.array([[[128, 128], [128, 0]]], np.uint8)
    df = run_arrays(tmp_path / "a", p, g, t).per_frame
    assert close(df.sad[0], 0.000498039, rel=1e-6)
    assert close(df.mse[0], 0.0620108, rel=1e-6)
    assert close(df.ssda[0], 0.498039, rel=1e-6) and df.ssda_num[0] == 4
    # Grad: a 9x9 impulse of 255 against 0 is sum hx^2 + sum hy^2 = 2 (no /1000)
    imp = np.zeros((1, 9, 9), np.uint8)
    imp[0, 4, 4] = 255
    df = run_arrays(tmp_path / "b", np.zeros_like(imp), imp, np.full_like(imp, 128)).per_frame
    assert close(df.grad[0], 2.0, rel=1e-6)
    # Conn on 1x2: gt [255, 0], pred 0 -> 1.0 (RVM-LR: 0.001)
    df = run_arrays(tmp_path / "c", np.zeros((1, 1, 2), np.uint8), np.array([[[255, 0]]], np.uint8),
                    np.full((1, 1, 2), 128, np.uint8)).per_frame
    assert close(df.conn[0], 1.0)
    # dtSSD: p0 = 0, p1 = e00, g = 0, full mask -> (1, 5)
    p = np.zeros((2, 2, 2), np.uint8)
    p[1, 0, 0] = 255
    df = run_arrays(tmp_path / "d", p, np.zeros_like(p), np.full_like(p, 128)).per_frame
    assert close(df.dtssd[1], 1.0) and df.dtssd_num[1] == 5


def test_messddt_zero_flow_is_not_identity():
    """Spec example: 3x5 frames, zero flow, pred_0 = pred_1 = 10 (5 row + col) + 5, gt 0 -> 1.2087659."""
    v = (10 * (5 * np.arange(3)[:, None] + np.arange(5)[None, :]) + 5).astype(np.uint8)
    z, ones = np.zeros_like(v), np.ones_like(v)
    flow = np.zeros((3, 5, 2), np.int64)
    assert close(vk.dvm_warp_error(v, z, ones, v, z, ones, flow, False), 1.2087659)
    assert vk.dvm_warp_error(v, z, ones, v, z, ones, flow, True) == 0


def test_messddt_reads_frame_one(tmp_path):
    """Changing frames 2, 3 of the prediction leaves pair 1 -> 2 (and 2 -> 3) of the buggy warp alone
    as long as frame 1 and the earlier frame are kept."""
    pred, gt = mattes.clip(32, 40, 4, 3)
    a = run_arrays(tmp_path / "a", pred, gt).per_frame
    pred2 = pred.copy()
    pred2[3] = 255 - pred2[3]
    b = run_arrays(tmp_path / "b", pred2, gt).per_frame
    assert a.messddt[2] == b.messddt[2] and a.messddt_fix[3] != b.messddt_fix[3]


def test_region_exact_128(tmp_path):
    pred, gt = mattes.clip(24, 32, 1, 4)
    tri = np.full_like(gt, 127)
    df = run_arrays(tmp_path, pred, gt, tri).per_frame
    assert df.sad[0] == 0 and df.mse[0] == 0 and df.grad[0] == 0 and df.conn[0] == 0


def test_summary_aggregates(tmp_path):
    pred, gt = mattes.clip(24, 32, 3, 5)
    res = run_arrays(tmp_path, pred, gt)
    df = res.per_frame
    assert close(res.metrics["sad"], df.sad.mean())
    assert close(res.metrics["dtssd"], df.dtssd.sum() / df.dtssd_num.sum())
    assert close(res.extra["messddt_fix"], df.messddt_fix.sum() / df.messddt_num.sum())


def test_missing_trimap_is_bad_input(tmp_path):
    pred, gt = mattes.clip(24, 32, 2, 1)
    p, g, _ = write_tree(tmp_path, {"c": (pred, gt)})
    (tmp_path / "tri").mkdir()
    with pytest.raises(BadInput, match="no trimaps"):
        dvm.run(p, g, Options(trimap=tmp_path / "tri"))



def test_sixteen_bit_and_rgba_files_warn_once(tmp_path):
    pred, gt = mattes.clip(24, 32, 2, 6)
    p, g, _ = write_tree(tmp_path, {"c": (pred, gt)})
    import cv2

    cv2.imwrite(str(p / "c" / "pha" / "0001.png"), pred[1].astype(np.uint16) * 257)
    cv2.imwrite(str(g / "c" / "pha" / "0000.png"), np.dstack([gt[0]] * 3 + [np.full_like(gt[0], 9)]))
    res = dvm.run(p, g, Options())
    assert len(res.warnings) == 2
    assert "0001.png: 16-bit image" in res.warnings[0] and "precision dropped" in res.warnings[0]
    assert "0000.png: image has colour/alpha channels" in res.warnings[1]
    # values follow the original's reading: 16-bit high byte, colour channels (here = gt) as gray
    ref = run_arrays(tmp_path / "ref", pred, gt).per_frame
    assert res.per_frame.sad[1] == ref.sad[1] and res.per_frame.sad[0] == ref.sad[0]


def test_cli_writes_per_frame_and_summary(tmp_path):
    import subprocess
    import sys

    pred, gt = mattes.clip(24, 32, 3, 2)
    p, g, _ = write_tree(tmp_path, {"c": (pred, gt)})
    out = tmp_path / "eval"
    r = subprocess.run([sys.executable, "-m", "mbench", "evaluate", str(p), str(g), "--protocol", "dvm",
                        "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["card"]["name"] == "dvm" and "messddt_fix" in summary["extra"]
    want = dvm.run(p, g, Options())
    assert close(summary["metrics"]["conn"], want.metrics["conn"])
    lines = (out / "per_frame.csv").read_text().splitlines()
    assert lines[0].startswith("clip,frame,sad,mse,grad,conn")
    head = lines[0].split(",")
    temporal = {"dtssd", "dtssd_num", "messddt", "messddt_num", "messddt_fix"}
    for i, line in enumerate(lines[1:]):
        cells = dict(zip(head, line.split(",")))
        for k in head[2:]:  # the first frame's pair columns are empty, every other cell a number
            assert (cells[k] == "") == (i == 0 and k in temporal), (i, k)
            assert cells[k] != "nan", (i, k)
    assert not (out / "per_clip.csv").exists()  # DVM computes no per-video figure
