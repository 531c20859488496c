"""BGMv2's losses (seed 003; BackgroundMattingV2 ``train_base.py`` / ``train_refine.py``).

Base network (trained alone first)::

    L1(alpha) + L1(sobel(alpha)) + L1(fgr masked where true alpha > 0) + MSE(err, |alpha.detach() - alpha*|)

Whole model (base + refiner), with the coarse outputs compared to the ground truth resized
(bilinear) to their size::

    L1(alpha) + L1(alpha_sm) + L1(sobel(alpha)) + L1(sobel(alpha_sm))
    + L1(masked fgr) + L1(masked fgr_sm)
    + MSE(resize(err_sm), |resize(alpha_sm) - alpha*|)

All means are over every element (masked-out pixels count as zeros), as in the official code.
"""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor
from torch.nn import functional as F

from .sobel import sobel
from .temporal import flat


def _resize(x: Tensor, size: tuple[int, int]) -> Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def base_loss(pred_pha: Tensor, pred_fgr: Tensor, pred_err: Tensor, true_pha: Tensor,
              true_fgr: Tensor) -> dict[str, Tensor]:
    """The base network's loss on (N, C, H, W) maps; returns the terms and ``total``."""
    true_err = (pred_pha.detach() - true_pha).abs()
    mask = (true_pha != 0).to(pred_fgr.dtype)
    terms = {
        "pha_l1": F.l1_loss(pred_pha, true_pha),
        "pha_sobel": F.l1_loss(sobel(pred_pha), sobel(true_pha)),
        "fgr_l1": F.l1_loss(pred_fgr * mask, true_fgr * mask),
        "err_mse": F.mse_loss(pred_err, true_err),
    }
    terms["total"] = sum(terms.values())
    return terms


def refine_loss(pred_pha: Tensor, pred_fgr: Tensor, pred_pha_sm: Tensor, pred_fgr_sm: Tensor,
                pred_err_sm: Tensor, true_pha: Tensor, true_fgr: Tensor) -> dict[str, Tensor]:
    """The whole model's loss: full-resolution and coarse outputs (N, C, h, w); ``total`` included."""
    size_sm = tuple(pred_pha_sm.shape[-2:])
    size = tuple(true_pha.shape[-2:])
    true_pha_sm = _resize(true_pha, size_sm)
    true_fgr_sm = _resize(true_fgr, size_sm)
    mask = (true_pha != 0).to(pred_fgr.dtype)
    mask_sm = (true_pha_sm != 0).to(pred_fgr.dtype)
    terms = {
        "pha_l1": F.l1_loss(pred_pha, true_pha) + F.l1_loss(pred_pha_sm, true_pha_sm),
        "pha_sobel": F.l1_loss(sobel(pred_pha), sobel(true_pha))
        + F.l1_loss(sobel(pred_pha_sm), sobel(true_pha_sm)),
        "fgr_l1": F.l1_loss(pred_fgr * mask, true_fgr * mask)
        + F.l1_loss(pred_fgr_sm * mask_sm, true_fgr_sm * mask_sm),
        "err_mse": F.mse_loss(_resize(pred_err_sm, size),
                              (_resize(pred_pha_sm, size) - true_pha).abs()),
    }
    terms["total"] = sum(terms.values())
    return terms


def bgmv2_loss(out, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """BGMv2's loss for a model output: :func:`refine_loss` when the refiner ran (coarse outputs
    present), else :func:`base_loss`. ``batch`` holds ``pha`` and ``fgr`` as (B, T, C, H, W)."""
    true_pha, true_fgr = flat(batch["pha"]), flat(batch["fgr"])
    if out.pha_coarse is not None:
        return refine_loss(flat(out.pha), flat(out.fgr), flat(out.pha_coarse), flat(out.fgr_coarse),
                           flat(out.err), true_pha, true_fgr)
    return base_loss(flat(out.pha), flat(out.fgr), flat(out.err), true_pha, true_fgr)
