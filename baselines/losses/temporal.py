"""Temporal terms shared by the video losses: errors of frame-to-frame differences."""

from __future__ import annotations

from torch import Tensor
from torch.nn import functional as F


def temporal_mse(pred: Tensor, true: Tensor) -> Tensor:
    """MSE between the time derivatives (x_t - x_{t-1}) of (B, T, C, H, W) sequences.

    A sequence of one frame has no derivative: the term is 0 (RVM's formula would give NaN, the
    mean of an empty tensor).
    """
    if pred.shape[1] < 2:
        return pred.new_zeros(())
    return F.mse_loss(pred[:, 1:] - pred[:, :-1], true[:, 1:] - true[:, :-1])


def flat(x: Tensor) -> Tensor:
    """(B, T, C, H, W) -> (B*T, C, H, W); 4-D input unchanged."""
    return x.flatten(0, 1) if x.ndim == 5 else x
