"""Seed 002's up-sampling decoder: RVM's decoder layout with residual blocks and no recurrence.

From the reconstructed 1/16 features: three up-sampling blocks at 1/8, 1/4 and 1/2 (bilinear x2,
crop to the skip, concatenate [x, encoder skip, image pooled to that scale], a residual block), then
RVM's output block at 1/1 (up-sample, concatenate the image, two 3x3 conv-BN-ReLU to 16 channels).
Residual block: 3x3 conv-BN-ReLU, 3x3 conv-BN, plus a 1x1 conv-BN shortcut when the width changes,
ReLU; its last BN starts at 0 (the block starts as its shortcut). Works on folded frames
(B*T, C, H, W): nothing here looks across time.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .init import zero_last_bn_
from .layers import ConvNormAct, avg_pool_half, up_to
from .rvm_decoder import OutputBlock


class ResidualBlock(nn.Module):
    """Two 3x3 conv-BN (ReLU between) plus a shortcut, then ReLU."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Sequential(ConvNormAct(in_channels, out_channels, 3),
                                  ConvNormAct(out_channels, out_channels, 3, activation=None))
        self.shortcut = (nn.Identity() if in_channels == out_channels
                         else ConvNormAct(in_channels, out_channels, 1, activation=None))

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.relu(self.conv(x) + self.shortcut(x), inplace=True)

    def init_parameters(self, generator: torch.Generator) -> None:
        zero_last_bn_(self.conv[1][1])


class UpsamplingResBlock(nn.Module):
    """Up-sample, crop, merge [x, skip, image], residual block."""

    def __init__(self, in_channels: int, skip_channels: int, src_channels: int, out_channels: int):
        super().__init__()
        self.block = ResidualBlock(in_channels + skip_channels + src_channels, out_channels)

    def forward(self, x: Tensor, f: Tensor, s: Tensor) -> Tensor:
        return self.block(torch.cat([up_to(x, s), f, s], dim=1))


class MemoryDecoder(nn.Module):
    """Seed 002 decoder.

    Parameters
    ----------
    feature_channels : 4 ints
        Encoder channels at 1/2, 1/4, 1/8 and the reconstructed features at 1/16 ([16, 24, 40, 256]).
    decoder_channels : 4 ints
        Outputs at 1/8, 1/4, 1/2, 1/1 ([80, 40, 32, 16]).
    """

    def __init__(self, feature_channels: Sequence[int], decoder_channels: Sequence[int]):
        super().__init__()
        self.decode3 = UpsamplingResBlock(feature_channels[3], feature_channels[2], 3, decoder_channels[0])
        self.decode2 = UpsamplingResBlock(decoder_channels[0], feature_channels[1], 3, decoder_channels[1])
        self.decode1 = UpsamplingResBlock(decoder_channels[1], feature_channels[0], 3, decoder_channels[2])
        self.decode0 = OutputBlock(decoder_channels[2], 3, decoder_channels[3])

    def forward(self, s0: Tensor, f1: Tensor, f2: Tensor, f3: Tensor, x4: Tensor) -> Tensor:
        """Folded frames: image s0 (N, 3, H, W), skips f1..f3, features x4 -> (N, 16, H, W)."""
        s1 = avg_pool_half(s0)
        s2 = avg_pool_half(s1)
        s3 = avg_pool_half(s2)
        x = self.decode3(x4, f3, s3)
        x = self.decode2(x, f2, s2)
        x = self.decode1(x, f1, s1)
        return self.decode0(x, s0)
