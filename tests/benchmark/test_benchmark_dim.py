"""Convention ``dim`` (Deep Image Matting MATLAB code): the unknown region, MATLAB's tie-break,
mat2gray normalisation, SAD / Grad / Conn over 1000, MSE unscaled and NaN on an empty region."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mattes
import slow_metrics as slow
from mbench.benchmark import evaluate_arrays


def trimap_for(gt: np.ndarray, width: int = 3) -> np.ndarray:
    import cv2

    fg = (gt > 250).astype(np.uint8)
    bg = (gt < 5).astype(np.uint8)
    k = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    tri = np.full(gt.shape, 128, np.uint8)
    tri[cv2.erode(fg, k) > 0] = 255
    tri[cv2.erode(bg, k) > 0] = 0
    return tri


@pytest.mark.parametrize("shape,seed", [((48, 64), 0), ((37, 53), 1), ((64, 40), 2)])
def test_dim_against_slow(shape, seed):
    pred, gt = mattes.clip(*shape, 2, seed)
    tri = np.stack([trimap_for(g) for g in gt])
    df = evaluate_arrays(pred, gt, convention="dim", trimap=tri)
    assert list(df.columns) == ["clip", "frame", "sad", "mse", "grad", "conn"]
    for t in range(2):
        expected = dict(sad=slow.sad(pred[t], gt[t], tri[t]),
                        mse=slow.mse(pred[t], gt[t], tri[t], scale=1.0),
                        grad=slow.grad(pred[t], gt[t], tri[t]),
                        conn=slow.conn(pred[t], gt[t], tri[t], column_major=True))
        for m, v in expected.items():
            assert df[m][t] == pytest.approx(v, rel=1e-6, abs=1e-12), m


def test_dim_labels_the_whole_image_but_scores_the_region():
    # Omega is chosen on the whole frame: the region only selects which pixels are summed.
    pred, gt = mattes.clip(40, 48, 1, 3)
    full = np.full(gt.shape, 128, np.uint8)
    half = full.copy()
    half[:, :24] = 0
    a = evaluate_arrays(pred, gt, convention="dim", trimap=full)["conn"][0]
    b = evaluate_arrays(pred, gt, convention="dim", trimap=half)["conn"][0]
    assert b == pytest.approx(slow.conn(pred[0], gt[0], half[0], column_major=True), rel=1e-6)
    assert 0 < b < a


def test_dim_mse_nan_on_empty_region_with_warning():
    pred, gt = mattes.clip(16, 24, 2, 4)
    tri = np.zeros(gt.shape, np.uint8)
    tri[1, 4:8, 4:8] = 128
    with pytest.warns(UserWarning, match="frame 0000: mse undefined"):
        df = evaluate_arrays(pred, gt, convention="dim", trimap=tri)
    assert math.isnan(df["mse"][0]) and df["sad"][0] == 0 and df["grad"][0] == 0 and df["conn"][0] == 0
    assert not math.isnan(df["mse"][1])


def test_dim_grad_uses_mat2gray_not_division_by_255():
    # mat2gray stretches [min, max] to [0, 1]: a matte of values 100..150 has 255/50 times the
    # gradient it would have divided by 255 (the GCA deviation REFERENCE 1.2 warns about).
    g = np.full((20, 20), 100, np.uint8)
    g[:, 10:] = 150
    p = np.full((20, 20), 100, np.uint8)
    tri = np.full(g.shape, 128, np.uint8)
    got = evaluate_arrays(p, g, convention="dim", trimap=tri)["grad"][0]
    assert got == pytest.approx(slow.grad(p, g, tri), rel=1e-9)
    k = slow.gaussian_kernel_x()
    x = g / 255.0  # the deviation: plain division instead of min-max (p is constant: no gradient)
    by_255 = float((slow.correlate_replicate(x, k) ** 2 + slow.correlate_replicate(x, k.T) ** 2).sum()) / 1000
    assert got == pytest.approx(by_255 * (255 / 50) ** 2, rel=1e-9)
