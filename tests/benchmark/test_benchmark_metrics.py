"""Metric values: golden values, the restated reference, an independent slow implementation,
and tiny cases computed by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import mattes
import rvm_reference as ref
import slow_metrics as slow
from mbench.benchmark import evaluate_arrays

# Relative tolerances, per metric. Against the float32 reference: the 1e-5. Against the
# float64 slow implementation the float32 rounding of the reference's inputs is all that differs.
TOL_REFERENCE = {"mad": 1e-5, "mse": 1e-5, "grad": 1e-5, "conn": 1e-5, "dtssd": 1e-5}
TOL_SLOW = {"mad": 1e-6, "mse": 1e-6, "grad": 1e-6, "conn": 1e-6, "dtssd": 1e-6, "sad": 1e-6}
GOLDEN = json.loads((Path(__file__).parent / "data" / "golden_rvm.json").read_text())


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def reference_row(p, g, pp=None, gp=None):
    pf, gf = p.astype(np.float32) / 255, g.astype(np.float32) / 255
    out = dict(mad=ref.mad(pf, gf), mse=ref.mse(pf, gf), grad=ref.grad(pf, gf), conn=ref.conn(pf, gf))
    out["dtssd"] = 0.0 if pp is None else ref.dtssd(pf, pp.astype(np.float32) / 255, gf,
                                                    gp.astype(np.float32) / 255)
    return out


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: f"{c['h']}x{c['w']}-s{c['seed']}")
def test_golden_values(case):
    pred, gt = mattes.clip(case["h"], case["w"], case["frames"], case["seed"])
    df = evaluate_arrays(pred, gt)
    for t, expected in enumerate(case["values"]):
        for m, v in expected.items():
            assert rel(df[m][t], v) <= TOL_REFERENCE[m], (t, m, df[m][t], v)


@pytest.mark.parametrize("shape", [(64, 64), (37, 53), (40, 72), (9, 8), (1, 16), (16, 1), (100, 24)])
@pytest.mark.parametrize("seed", [3, 4])
def test_against_reference_and_slow(shape, seed):
    h, w = shape
    pred, gt = mattes.clip(h, w, 3, seed)
    df = evaluate_arrays(pred, gt)
    for t in range(3):
        r = reference_row(pred[t], gt[t], *((pred[t - 1], gt[t - 1]) if t else ()))
        s = dict(mad=slow.mad(pred[t], gt[t]), mse=slow.mse(pred[t], gt[t]),
                 grad=slow.grad(pred[t], gt[t]), conn=slow.conn(pred[t], gt[t]),
                 dtssd=slow.dtssd(pred[t], pred[t - 1], gt[t], gt[t - 1]) if t else 0.0)
        for m in r:
            assert rel(df[m][t], r[m]) <= TOL_REFERENCE[m] or abs(df[m][t] - r[m]) < 1e-12, (m, t)
            assert rel(df[m][t], s[m]) <= TOL_SLOW[m] or abs(df[m][t] - s[m]) < 1e-12, (m, t)


def test_random_noise_mattes_against_slow():
    rng = np.random.default_rng(5)
    pred = rng.integers(0, 256, (2, 23, 31)).astype(np.uint8)
    gt = rng.integers(0, 256, (2, 23, 31)).astype(np.uint8)
    df = evaluate_arrays(pred, gt)
    for t in range(2):
        assert rel(df["conn"][t], slow.conn(pred[t], gt[t])) < 1e-6
        assert rel(df["grad"][t], slow.grad(pred[t], gt[t])) < 1e-6


def test_float_and_uint16_inputs_match_uint8():
    pred, gt = mattes.clip(30, 41, 2, 6)
    a = evaluate_arrays(pred, gt)
    b = evaluate_arrays(pred.astype(np.float32) / 255, gt.astype(np.float32) / 255)
    c = evaluate_arrays(pred.astype(np.uint16) * 257, gt.astype(np.uint16) * 257)
    for m in ("mad", "mse", "grad", "conn", "dtssd"):
        np.testing.assert_allclose(b[m], a[m], rtol=1e-5, atol=1e-12)
        np.testing.assert_allclose(c[m], a[m], rtol=1e-5, atol=1e-12)


def test_hand_computed_conn_mad_mse_5x5():
    # g: a 3x3 block of 255 in a 5x5 frame. p: the same plus an isolated 255 at the corner (level
    # 0 there, so l = 0: phi_p = 1 - 1 = 0, phi_g = 1) and 128 at the centre (in Omega_1..5, dropped
    # at k = 6 when the ring of eight is the largest component: l = 0.5, phi_p = 1 since
    # 128/255 - 0.5 < 0.15, phi_g = 1 - 0.5). Conn = (1 + 0.5) / 1000.
    g = np.zeros((5, 5), np.uint8)
    g[1:4, 1:4] = 255
    p = g.copy()
    p[0, 0] = 255
    p[2, 2] = 128
    df = evaluate_arrays(p, g)
    assert df["conn"][0] == pytest.approx(1.5 / 1000, rel=1e-9)
    assert df["mad"][0] == pytest.approx((1 + 127 / 255) / 25 * 1e3, rel=1e-12)
    assert df["mse"][0] == pytest.approx((1 + (127 / 255) ** 2) / 25 * 1e3, rel=1e-12)
    assert df["dtssd"][0] == 0.0


def test_hand_computed_conn_tie_break_row_vs_column_major():
    # Two components of two pixels at every level: A = row 0, columns 3-4; B = column 0, rows 2-3.
    # Row-major order meets A first (OpenCV), column-major meets B first (MATLAB). p lowers one pixel
    # of B to 200 (level 7). Row-major keeps A, so B is dropped at k = 1 (l = 0):
    #   phi_p = 1 - 200/255, phi_g = 1 - 1.      Column-major keeps B up to k = 7, then at k = 8 A
    # (2 px) beats B's remaining pixel: l = t_7 = 0.7: phi_p = 1 (0.784 - 0.7 < 0.15), phi_g = 1 - 0.3.
    g = np.zeros((5, 5), np.uint8)
    g[0, 3:5] = 255
    g[2:4, 0] = 255
    p = g.copy()
    p[3, 0] = 200
    one = np.float32(1)
    a = np.float32(200) / np.float32(255)
    row_major = float((one - a) - (one - one))                  # |phi_p - phi_g| with l = 0
    col_major = float(one - (one - (one - np.float32(0.7))))    # |1 - (1 - (1 - l))| with l = 0.7
    assert evaluate_arrays(p, g)["conn"][0] == pytest.approx(row_major / 1000, rel=1e-6)
    trimap = np.full((5, 5), 128, np.uint8)
    dim = evaluate_arrays(p, g, convention="dim", trimap=trimap)
    assert dim["conn"][0] == pytest.approx(col_major / 1000, rel=1e-6)
    assert slow.conn(p, g, column_major=True) == pytest.approx(col_major / 1000, rel=1e-6)


def test_hand_computed_grad_vertical_step():
    # g depends on the column only (0,0,1,1,1), p is constant (normalised to zeros, no gradient).
    # Then fy = 0 and fx(x) = (sum of Gaussian taps) * sum_c D(c) g(clamp(x + c)) with the unit-norm
    # 1-D taps; Grad = 5 rows * sum_x fx(x)^2 / 1000.
    sigma = 1.4
    x = np.arange(-4, 5)
    G = np.exp(-x ** 2 / (2 * sigma ** 2))
    D = -x * G
    G, D = G / np.linalg.norm(G), D / np.linalg.norm(D)
    step = np.array([0, 0, 1, 1, 1], float)
    fx = [G.sum() * sum(D[c + 4] * step[min(max(col + c, 0), 4)] for c in range(-4, 5))
          for col in range(5)]
    expected = 5 * sum(v * v for v in fx) / 1000
    g = np.tile(np.array([0, 0, 255, 255, 255], np.uint8), (5, 1))
    p = np.full((5, 5), 77, np.uint8)
    assert evaluate_arrays(p, g)["grad"][0] == pytest.approx(expected, rel=1e-9)
    assert slow.grad(p, g) == pytest.approx(expected, rel=1e-9)


def test_foreground_errors_against_reference():
    rng = np.random.default_rng(8)
    pred, gt = mattes.clip(20, 24, 2, 8)
    fp = rng.integers(0, 256, (2, 20, 24, 3)).astype(np.uint8)
    fg = rng.integers(0, 256, (2, 20, 24, 3)).astype(np.uint8)
    df = evaluate_arrays(pred, gt, metrics=["fgr_mad", "fgr_mse"], pred_fgr=fp, gt_fgr=fg)
    for t in range(2):
        m_ref, s_ref = ref.fgr_errors(fp[t].astype(np.float32) / 255, fg[t].astype(np.float32) / 255,
                                      gt[t].astype(np.float32) / 255)
        assert rel(df["fgr_mad"][t], m_ref) < 1e-5
        assert rel(df["fgr_mse"][t], s_ref) < 1e-5


def test_fgr_undefined_when_gt_alpha_is_empty():
    z = np.zeros((1, 6, 8), np.uint8)
    f = np.zeros((1, 6, 8, 3), np.uint8)
    with pytest.warns(UserWarning, match="fgr_mad"):
        df = evaluate_arrays(z, z, metrics=["mad", "fgr_mad"], pred_fgr=f, gt_fgr=f)
    assert math.isnan(df["fgr_mad"][0]) and df["mad"][0] == 0
