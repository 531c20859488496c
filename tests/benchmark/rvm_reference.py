"""The straightforward numpy + OpenCV implementation of the published metrics.

It restates, operation by operation, what RobustVideoMatting's ``evaluation/evaluate_lr.py`` does
(docs/reference.md 1.1): float32 arrays of x/255, ``cv2.normalize`` min-max, 9x9 ``cv2.filter2D`` with
replicate borders, one ``cv2.connectedComponentsWithStats`` per Conn threshold. Tests use it as the
golden reference; ``perf/metrics_speed.py`` times it against mbench's kernels.
"""

from __future__ import annotations

import cv2
import numpy as np


def mad(pred: np.ndarray, true: np.ndarray) -> float:
    return float(np.abs(pred - true).mean() * 1e3)


def mse(pred: np.ndarray, true: np.ndarray) -> float:
    return float(((pred - true) ** 2).mean() * 1e3)


def _gauss(x, sigma):
    return np.exp(-x ** 2 / (2 * sigma ** 2)) / (sigma * np.sqrt(2 * np.pi))


def _dgauss(x, sigma):
    return -x * _gauss(x, sigma) / sigma ** 2


def gauss_filters(sigma: float = 1.4, epsilon: float = 1e-2):
    half = np.ceil(sigma * np.sqrt(-2 * np.log(np.sqrt(2 * np.pi) * sigma * epsilon)))
    size = int(2 * half + 1)
    fx = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            fx[i, j] = _gauss(i - half, sigma) * _dgauss(j - half, sigma)
    fx = fx / np.sqrt((fx ** 2).sum())
    return fx, fx.T


_FX, _FY = gauss_filters()


def _gauss_gradient(img):
    gx = cv2.filter2D(img, -1, _FX, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.filter2D(img, -1, _FY, borderType=cv2.BORDER_REPLICATE)
    return np.sqrt(gx ** 2 + gy ** 2)


def grad(pred: np.ndarray, true: np.ndarray) -> float:
    pn = np.zeros_like(pred)
    tn = np.zeros_like(true)
    cv2.normalize(pred, pn, 1.0, 0.0, cv2.NORM_MINMAX)
    cv2.normalize(true, tn, 1.0, 0.0, cv2.NORM_MINMAX)
    tg = _gauss_gradient(tn).astype(np.float32)
    pg = _gauss_gradient(pn).astype(np.float32)
    return float(((tg - pg) ** 2).sum() / 1000)


def conn(pred: np.ndarray, true: np.ndarray, step: float = 0.1) -> float:
    thresh = np.arange(0, 1 + step, step)
    round_down = -np.ones_like(true)
    for i in range(1, len(thresh)):
        # float32 comparisons, as NumPy 1.x promoted a float64 scalar against a float32 array
        t = np.float32(thresh[i])
        inter = ((true >= t) & (pred >= t)).astype(np.uint8)
        _, labels, stats, _ = cv2.connectedComponentsWithStats(inter, connectivity=4)
        size = stats[1:, -1]
        omega = np.zeros_like(true)
        if len(size) != 0:
            omega[labels == np.argmax(size) + 1] = 1
        mask = (round_down == -1) & (omega == 0)
        round_down[mask] = thresh[i - 1]
    round_down[round_down == -1] = 1
    td = true - round_down
    pd = pred - round_down
    tphi = 1 - td * (td >= 0.15)
    pphi = 1 - pd * (pd >= 0.15)
    return float(np.sum(np.abs(tphi - pphi)) / 1000)


def dtssd(pred_t, pred_tm1, true_t, true_tm1) -> float:
    d = ((pred_t - pred_tm1) - (true_t - true_tm1)) ** 2
    return float(np.sqrt(np.sum(d) / true_t.size) * 1e2)


def fgr_errors(pred_fgr, true_fgr, true_pha):
    """(fgr_mad, fgr_mse) on pixels where the true alpha is above 0, all channels."""
    m = true_pha > 0
    return mad(pred_fgr[m], true_fgr[m]), mse(pred_fgr[m], true_fgr[m])
