"""MESSDdt, the motion-aware temporal error of Erofeev et al. (BMVC 2015), as mbench defines it.

No official code is public and existing ports differ (docs/reference.md 1.3). mbench's variant:

- ``E_t = (p_t - g_t)^2`` on the [0, 1] scale, ``M_t`` the scored region (whole frame, or the
  trimap's unknown region);
- the flow ``v_t`` maps each pixel of frame t to frame t-1 and is computed on the *ground-truth*
  alpha (8-bit) with OpenCV's Farneback method (pyramid scale 0.5, 3 levels, window 15, 3
  iterations, poly_n 5, poly_sigma 1.2);
- ``E_{t-1} M_{t-1}`` is sampled at ``x + v_t(x)`` bilinearly (replicate border);
- ``MESSDdt_t = sum_x |E_t(x) M_t(x) - (E_{t-1} M_{t-1})(x + v_t(x))|``, reported / 1000 like the
  other summed matting metrics; a clip's first frame is 0, as for dtSSD.

A static sequence scores 0, and an error that travels with the subject scores about 0, whereas the
same error flickering in place scores high: that is what the metric is for.
"""

from __future__ import annotations

import cv2
import numpy as np

FARNEBACK = dict(pyr_scale=0.5, levels=3, winsize=15, iterations=3, poly_n=5, poly_sigma=1.2, flags=0)


def _as_u8(a: np.ndarray, max_value: int) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    return np.clip(np.rint(a.astype(np.float64) * (255.0 / max_value)), 0, 255).astype(np.uint8)


def flow_to_previous(gt: np.ndarray, gt_prev: np.ndarray, max_value: int = 1) -> np.ndarray:
    """Dense flow (H, W, 2) with ``gt(x) ~ gt_prev(x + flow(x))``, from the ground-truth mattes."""
    return cv2.calcOpticalFlowFarneback(_as_u8(gt, max_value), _as_u8(gt_prev, max_value), None,
                                        **FARNEBACK)


def messddt_sum(ctx) -> float:
    """The un-scaled MESSDdt sum of one frame of a :class:`FrameContext` with a previous frame."""
    m = float(ctx.max_value)
    p, g = ctx.pred.astype(np.float32) / m, ctx.gt.astype(np.float32) / m
    pp, gp = ctx.pred_prev.astype(np.float32) / m, ctx.gt_prev.astype(np.float32) / m
    err, err_prev = (p - g) ** 2, (pp - gp) ** 2
    if ctx.has_region:
        err = err * (ctx.region == ctx.region_value)
        err_prev = err_prev * (ctx.region_prev == ctx.region_value)
    flow = flow_to_previous(ctx.gt, ctx.gt_prev, ctx.max_value)
    h, w = err.shape
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    warped = cv2.remap(err_prev, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)
    return float(np.abs(err.astype(np.float64) - warped).sum())
