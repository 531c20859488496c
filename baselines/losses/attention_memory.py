"""Seed 002's loss (section 5.2, eq. 4-11), on (B, T, C, H, W) sequences.

Image loss, per frame::

    L_alpha = ||alpha - alpha'||_1                                   (4)
    L_lap   = sum_s 2^(s-1) ||Lpyr(alpha) - Lpyr(alpha')||_1           (5)  5 levels, summed
    L_com   = ||alpha F - alpha F'||_1                                (6)  alpha: ground truth
    L_im    = L_alpha + L_lap + L_com                                 (7)

Temporal loss::

    L_tem-agg = ||alpha_lr - alpha_lr'||_1 + ||F_lr - F_lr'||_1        (8)
    L_tem     = ||d alpha/dt - d alpha'/dt||_2 + ||dF/dt - dF'/dt||_2  (9)
    L_t       = L_tem-agg + L_tem                                     (10)
    L_vid     = L_im + L_t                                            (11)

Readings, documented: norms are means over elements; the "L2" of eq. 9 is the mean squared
error, as RVM's coherence term (which the seed follows) computes it, without RVM's weight 5; the
low-resolution ground truth of eq. 8 is made by the same 2x2 average pooling (four times, sides
rounded up) that gives the model's direct-supervision heads their size, so the two align exactly.
Segmentation (the seed trains it alongside matting, "following RVM") uses RVM's BCE step.
"""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor
from torch.nn import functional as F

from .laplacian import laplacian_loss
from .temporal import flat, temporal_mse

LOW_RES_STEPS = 4  # 1/16: the memory read's resolution


def pool_to_memory_size(x: Tensor, steps: int = LOW_RES_STEPS) -> Tensor:
    """(N, C, H, W) -> 2x2 average pooling ``steps`` times, sides rounded up."""
    for _ in range(steps):
        x = F.avg_pool2d(x, 2, 2, ceil_mode=True, count_include_pad=False)
    return x


def video_loss(pred_pha: Tensor, pred_fgr: Tensor, pred_pha_lr: Tensor, pred_fgr_lr: Tensor,
               true_pha: Tensor, true_fgr: Tensor) -> dict[str, Tensor]:
    """Eq. 4-11 on (B, T, C, H, W) sequences (the ``_lr`` maps at 1/16); returns terms and ``total``."""
    batch = true_pha.shape[0]
    true_pha_lr = pool_to_memory_size(flat(true_pha)).unflatten(0, (batch, -1))
    true_fgr_lr = pool_to_memory_size(flat(true_fgr)).unflatten(0, (batch, -1))
    terms = {
        "pha_l1": F.l1_loss(pred_pha, true_pha),
        "pha_laplacian": laplacian_loss(flat(pred_pha), flat(true_pha), mean=False),
        "composition": F.l1_loss(true_pha * pred_fgr, true_pha * true_fgr),
        "aggregation": F.l1_loss(pred_pha_lr, true_pha_lr) + F.l1_loss(pred_fgr_lr, true_fgr_lr),
        "coherence": temporal_mse(pred_pha, true_pha) + temporal_mse(pred_fgr, true_fgr),
    }
    terms["total"] = sum(terms.values())
    return terms


def attention_memory_loss(out, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Seed 002's loss for a model output and a batch of (B, T, C, H, W) ``pha`` and ``fgr``."""
    return video_loss(out.pha.float(), out.fgr.float(), out.pha_lr.float(), out.fgr_lr.float(),
                      batch["pha"], batch["fgr"])
