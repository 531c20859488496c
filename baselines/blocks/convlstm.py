"""Convolutional LSTM (Shi et al. 2015), as seed 000 puts it after each BGMv2 decoder block.

One 3x3 convolution over [x, h] gives 4C channels split into the gates i, f, o and the candidate g:

    i, f, o = sigmoid(.),  g = tanh(.)
    c' = f * c + i * g,    h' = o * tanh(c'),    h0 = c0 = 0      (no peepholes)

The input is a sequence (B, T, C, H, W) stepped through T; the state (h, c) is returned so the next
call continues the sequence exactly.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .init import init_recurrent_conv_
from .layers import check_state


class ConvLSTM(nn.Module):
    """ConvLSTM cell with ``channels`` hidden channels (equal to its input channels)."""

    def __init__(self, channels: int, kernel_size: int = 3):
        super().__init__()
        self.channels = channels
        self.conv = nn.Conv2d(channels * 2, channels * 4, kernel_size, padding=kernel_size // 2)

    def step(self, x: Tensor, h: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
        """One frame: x, h, c (B, C, H, W) -> (h', c')."""
        i, f, o, g = self.conv(torch.cat([x, h], dim=1)).split(self.channels, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x (B, T, C, H, W), state (h, c) or None -> (outputs h_t (B, T, C, H, W), (h, c))."""
        expected = (x.shape[0], self.channels, *x.shape[-2:])
        if state is None:
            h = c = x.new_zeros(expected)
        else:
            h, c = state
            check_state(h, expected, "state")
            check_state(c, expected, "state")
        outputs = []
        for xt in x.unbind(dim=1):
            h, c = self.step(xt, h, c)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h, c)

    def init_parameters(self, generator: torch.Generator) -> None:
        init_recurrent_conv_(self.conv, generator)
        with torch.no_grad():
            self.conv.bias[self.channels: 2 * self.channels] = 1.0  # forget gate
