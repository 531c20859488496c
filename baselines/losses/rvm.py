"""RVM's losses (seed 001; RobustVideoMatting ``train_loss.py``).

Matting, on (B, T, C, H, W) sequences::

    L1(alpha) + laplacian(alpha) + 5 * MSE(d/dt alpha)
    + L1(fgr masked where true alpha > 0) + 5 * MSE(d/dt masked fgr)

with the Laplacian-pyramid L1 of :mod:`.laplacian` (5 levels, weights 2^l, averaged). The masked
foreground terms compare ``fgr * mask`` on both sides, means over every element, as the official
code does. Segmentation: binary cross-entropy on the logits, weight 1, in its own optimiser step
(the trainer interleaves it with the matting steps, seed 001 section 3.3).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor
from torch.nn import functional as F

from .laplacian import laplacian_loss
from .temporal import flat, temporal_mse

COHERENCE_WEIGHT = 5.0


def matting_loss(pred_fgr: Tensor, pred_pha: Tensor, true_fgr: Tensor, true_pha: Tensor) -> dict[str, Tensor]:
    """RVM's matting loss on (B, T, C, H, W) sequences; returns the terms and ``total``."""
    mask = true_pha.gt(0).to(pred_fgr.dtype)
    pred_fgr_m, true_fgr_m = pred_fgr * mask, true_fgr * mask
    terms = {
        "pha_l1": F.l1_loss(pred_pha, true_pha),
        "pha_laplacian": laplacian_loss(flat(pred_pha), flat(true_pha)),
        "pha_coherence": COHERENCE_WEIGHT * temporal_mse(pred_pha, true_pha),
        "fgr_l1": F.l1_loss(pred_fgr_m, true_fgr_m),
        "fgr_coherence": COHERENCE_WEIGHT * temporal_mse(pred_fgr_m, true_fgr_m),
    }
    terms["total"] = sum(terms.values())
    return terms


def segmentation_target(true_pha: Tensor, size: tuple[int, int] | None = None) -> Tensor:
    """The mask a segmentation step learns when no segmentation data is at hand: alpha > 0.5.

    mbench ships no person-segmentation set (YouTubeVIS, COCO, SPD); the composites' own alpha,
    thresholded at one half, stands in for the human masks (documented in the trainer).
    """
    pha = flat(true_pha)
    if size is not None and tuple(pha.shape[-2:]) != tuple(size):
        pha = F.interpolate(pha, size=size, mode="bilinear", align_corners=False)
    return (pha > 0.5).to(torch.float32)


def segmentation_loss(pred_seg: Tensor, true_seg: Tensor) -> Tensor:
    """Binary cross-entropy between segmentation logits and a 0/1 mask of the same shape."""
    return F.binary_cross_entropy_with_logits(pred_seg, true_seg)


def rvm_loss(out, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """RVM's matting loss for a model output (final alpha and foreground, after the Deep Guided
    Filter when it ran) and a batch of (B, T, C, H, W) ``pha`` and ``fgr``."""
    return matting_loss(out.fgr.float(), out.pha.float(), batch["fgr"], batch["pha"])


def seg_loss(out, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """The segmentation step's loss: BCE of ``out.seg`` against alpha > 0.5."""
    seg = flat(out.seg).float()
    loss = segmentation_loss(seg, segmentation_target(batch["pha"], tuple(seg.shape[-2:])))
    return {"seg_bce": loss, "total": loss}
