"""MESSDdt (mbench's documented variant): zero for still or consistently wrong video, high for flicker."""

from __future__ import annotations

import numpy as np
import pytest

from mbench.benchmark import evaluate_arrays


def disk_clip(frames=6, shift=2, h=64, w=96, error=None):
    yy, xx = np.mgrid[:h, :w]
    gt, pred = [], []
    for t in range(frames):
        cx = 30 + shift * t
        d = np.hypot(yy - 32, xx - cx)
        g = np.clip((18 - d) / 3, 0, 1)
        p = g.copy()
        # a wrong patch on the boundary (where matting errors are, and where the flow computed on
        # the ground-truth alpha has structure to follow)
        patch = (np.abs(yy - 32) < 3) & (np.abs(xx - (cx + 17)) < 3)
        if error == "travels" or (error == "flickers" and t % 2):
            p[patch] = 0.5
        gt.append(g)
        pred.append(p)
    return (np.round(np.array(pred) * 255).astype(np.uint8), np.round(np.array(gt) * 255).astype(np.uint8))


def test_static_matte_scores_zero():
    pred, gt = disk_clip(shift=0, error="travels")
    df = evaluate_arrays(pred, gt, metrics=["messddt", "mad"])
    assert (df["messddt"] == 0).all() and (df["mad"] > 0).all()


def test_correct_prediction_of_a_translation_scores_zero():
    pred, gt = disk_clip(shift=3)
    assert (evaluate_arrays(pred, gt, metrics=["messddt"])["messddt"] == 0).all()


def test_travelling_error_is_about_zero_flicker_is_not():
    travel = evaluate_arrays(*disk_clip(shift=2, error="travels"), metrics=["messddt", "dtssd"])
    flicker = evaluate_arrays(*disk_clip(shift=2, error="flickers"), metrics=["messddt", "dtssd"])
    t, f = travel["messddt"][1:].mean(), flicker["messddt"][1:].mean()
    assert f > 1e-3 and t < 0.01 * f
    # dtSSD also punishes the travelling error (it does not follow motion): MESSDdt's point
    assert travel["dtssd"][1:].mean() > 0.3 * flicker["dtssd"][1:].mean()


def test_first_frame_is_zero_and_value_is_a_sum_over_1000():
    pred, gt = disk_clip(shift=0, error="flickers")
    df = evaluate_arrays(pred, gt, metrics=["messddt"])
    assert df["messddt"][0] == 0
    e = (pred[1].astype(np.float64) / 255 - gt[1] / 255) ** 2  # static: flow 0, previous error 0
    assert df["messddt"][1] == pytest.approx(e.sum() / 1000, rel=1e-5)
