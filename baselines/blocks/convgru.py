"""Convolutional GRU, as RVM's recurrent decoder uses it (RobustVideoMatting ``model/decoder.py``).

    [r, z] = sigmoid(conv_ih([x, h]))     (one 3x3 conv, 2C -> 2C, with bias)
    c      = tanh(conv_hh([x, r * h]))    (one 3x3 conv, 2C -> C, with bias)
    h'     = (1 - z) * h + z * c,         h0 = 0

Names ``ih.0.weight`` and ``hh.0.weight`` as RVM's. The input is a sequence (B, T, C, H, W); the
cell steps through T carrying h, so a sequence in one call equals the same frames fed one by one
with the returned state passed back.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .init import init_recurrent_conv_
from .layers import check_state


class ConvGRU(nn.Module):
    """ConvGRU cell with ``channels`` hidden channels (equal to its input channels)."""

    def __init__(self, channels: int, kernel_size: int = 3):
        super().__init__()
        self.channels = channels
        padding = kernel_size // 2
        self.ih = nn.Sequential(nn.Conv2d(channels * 2, channels * 2, kernel_size, padding=padding),
                                nn.Sigmoid())
        self.hh = nn.Sequential(nn.Conv2d(channels * 2, channels, kernel_size, padding=padding),
                                nn.Tanh())

    def step(self, x: Tensor, h: Tensor) -> Tensor:
        """One frame: x and h (B, C, H, W) -> the new h."""
        r, z = self.ih(torch.cat([x, h], dim=1)).split(self.channels, dim=1)
        c = self.hh(torch.cat([x, r * h], dim=1))
        return (1 - z) * h + z * c

    def forward(self, x: Tensor, h: Tensor | None) -> tuple[Tensor, Tensor]:
        """x (B, T, C, H, W), h (B, C, H, W) or None -> (outputs (B, T, C, H, W), last h)."""
        expected = (x.shape[0], self.channels, *x.shape[-2:])
        if h is None:
            h = x.new_zeros(expected)
        else:
            check_state(h, expected, "state")
        outputs = []
        for xt in x.unbind(dim=1):
            h = self.step(xt, h)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h

    def init_parameters(self, generator: torch.Generator) -> None:
        init_recurrent_conv_(self.ih[0], generator)
        init_recurrent_conv_(self.hh[0], generator)
