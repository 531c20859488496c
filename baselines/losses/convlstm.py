"""Seed 000's loss (eq. 4-7), averaged over the frames of the sequences.

    L_alpha = ||alpha' - alpha*||_1 + ||sobel(alpha') - sobel(alpha*)||_1          (4)
    L_f     = ||alpha* f' - alpha* f*||_1                                          (5)
    L_e     = ||e' - e*||_1,   e* = alpha' - alpha*                                (6)
    L_G     = 1/n sum_i (L_alpha_i + L_f_i + L_e_i)                                (7)

Each norm is a mean over pixels (and channels), so the mean over frames of (7) is the mean over
all elements. Two readings, documented: the gradient is Sobel's magnitude as in BGMv2's code that
seed 000 adapted; and the error target is the magnitude |alpha' - alpha*| with alpha' detached,
because the error head's output is clamped to [0, 1] (BGMv2's head, kept by seed 000) and cannot
express the signed difference of eq. 6. The norm is L1 as eq. 6 writes it (the text's "L2" is
BGMv2's choice).
"""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor
from torch.nn import functional as F

from .sobel import sobel
from .temporal import flat


def frame_loss(pred_pha: Tensor, pred_fgr: Tensor, pred_err: Tensor, true_pha: Tensor,
               true_fgr: Tensor) -> dict[str, Tensor]:
    """Eq. 4-7 on frames (N, C, H, W); returns the terms and ``total``."""
    terms = {
        "pha_l1": F.l1_loss(pred_pha, true_pha),
        "pha_sobel": F.l1_loss(sobel(pred_pha), sobel(true_pha)),
        "fgr_l1": F.l1_loss(true_pha * pred_fgr, true_pha * true_fgr),
        "err_l1": F.l1_loss(pred_err, (pred_pha.detach() - true_pha).abs()),
    }
    terms["total"] = sum(terms.values())
    return terms


def convlstm_loss(out, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Seed 000's loss for a model output and a batch of (B, T, C, H, W) ``pha`` and ``fgr``."""
    return frame_loss(flat(out.pha), flat(out.fgr), flat(out.err), flat(batch["pha"]), flat(batch["fgr"]))
