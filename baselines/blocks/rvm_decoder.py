"""RVM's recurrent decoder (RobustVideoMatting ``model/decoder.py``).

Inputs are sequences (B, T, C, H, W). The image s0 is average-pooled 2x2 three times (s1..s3, sizes
rounded up like the encoder's). Then:

- ``decode4`` (bottleneck, 1/16): a ConvGRU on the second half of the LR-ASPP channels (128 -> 64);
- ``decode3``/``decode2``/``decode1`` (1/8, 1/4, 1/2): bilinear x2, crop to the skip's size,
  concatenate [x, skip, s], 3x3 conv (no bias), BN, ReLU, ConvGRU on the second half of the channels;
- ``decode0`` (1/1): bilinear x2, crop, concatenate s0, two (3x3 conv, BN, ReLU) to 16 channels.

Channels (MobileNetV3): features [16, 24, 40, 128], decoder [80, 40, 32, 16]; recurrent states
16 @ 1/2, 20 @ 1/4, 40 @ 1/8, 64 @ 1/16. Names (``decode3.conv.0.weight``, ``decode3.gru.ih.0.weight``,
``decode0.conv.3.weight``) as RVM's.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .convgru import ConvGRU
from .layers import avg_pool_half, fold, unfold, up_to


def image_pyramid(s0: Tensor, levels: int = 3) -> list[Tensor]:
    """[s1, s2, ...]: the image (B, T, C, H, W) average-pooled 2x2 ``levels`` times (sizes rounded up)."""
    batch, out, x = s0.shape[0], [], fold(s0)
    for _ in range(levels):
        x = avg_pool_half(x)
        out.append(unfold(x, batch))
    return out


class BottleneckBlock(nn.Module):
    """ConvGRU over the second half of the channels at 1/16."""

    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels
        self.gru = ConvGRU(channels // 2)

    def forward(self, x: Tensor, r: Tensor | None) -> tuple[Tensor, Tensor]:
        a, b = x.split(self.channels // 2, dim=2)
        b, r = self.gru(b, r)
        return torch.cat([a, b], dim=2), r


class UpsamplingBlock(nn.Module):
    """Up-sample, crop, merge [x, skip, image], conv-BN-ReLU, ConvGRU on half the channels."""

    def __init__(self, in_channels: int, skip_channels: int, src_channels: int, out_channels: int):
        super().__init__()
        self.out_channels = out_channels
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels + skip_channels + src_channels, out_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(True),
        )
        self.gru = ConvGRU(out_channels // 2)

    def forward(self, x: Tensor, f: Tensor, s: Tensor, r: Tensor | None) -> tuple[Tensor, Tensor]:
        batch = x.shape[0]
        s = fold(s)
        x = self.conv(torch.cat([up_to(fold(x), s), fold(f), s], dim=1))
        a, b = unfold(x, batch).split(self.out_channels // 2, dim=2)
        b, r = self.gru(b, r)
        return torch.cat([a, b], dim=2), r


class OutputBlock(nn.Module):
    """Up-sample, crop, merge [x, image], two (3x3 conv, BN, ReLU). Works on folded frames."""

    def __init__(self, in_channels: int, src_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels + src_channels, out_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(True),
            nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(True),
        )

    def forward(self, x: Tensor, s: Tensor) -> Tensor:
        """x (N, C, h, w), s (N, 3, H, W) with h = ceil(H / 2) -> (N, out, H, W)."""
        return self.conv(torch.cat([up_to(x, s), s], dim=1))


class RecurrentDecoder(nn.Module):
    """RVM's decoder.

    Parameters
    ----------
    feature_channels : 4 ints
        Encoder channels at 1/2, 1/4, 1/8 and the LR-ASPP output at 1/16 ([16, 24, 40, 128]).
    decoder_channels : 4 ints
        Outputs of decode3, decode2, decode1, decode0 ([80, 40, 32, 16]).
    """

    def __init__(self, feature_channels: Sequence[int], decoder_channels: Sequence[int]):
        super().__init__()
        self.decode4 = BottleneckBlock(feature_channels[3])
        self.decode3 = UpsamplingBlock(feature_channels[3], feature_channels[2], 3, decoder_channels[0])
        self.decode2 = UpsamplingBlock(decoder_channels[0], feature_channels[1], 3, decoder_channels[1])
        self.decode1 = UpsamplingBlock(decoder_channels[1], feature_channels[0], 3, decoder_channels[2])
        self.decode0 = OutputBlock(decoder_channels[2], 3, decoder_channels[3])
        # Recurrent state channels, from 1/2 to 1/16.
        self.state_channels = (decoder_channels[2] // 2, decoder_channels[1] // 2,
                               decoder_channels[0] // 2, feature_channels[3] // 2)

    def forward(self, s0: Tensor, f1: Tensor, f2: Tensor, f3: Tensor, f4: Tensor,
                state: Sequence[Tensor | None] | None = None) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Image s0 and features f1..f4 as sequences; state (r1, r2, r3, r4) or None.

        Returns the hidden features (B, T, 16, H, W) and the new state (r1, r2, r3, r4).
        """
        r1, r2, r3, r4 = (None,) * 4 if state is None else tuple(state)
        s1, s2, s3 = image_pyramid(s0)
        x4, r4 = self.decode4(f4, r4)
        x3, r3 = self.decode3(x4, f3, s3, r3)
        x2, r2 = self.decode2(x3, f2, s2, r2)
        x1, r1 = self.decode1(x2, f1, s1, r1)
        x0 = unfold(self.decode0(fold(x1), fold(s0)), s0.shape[0])
        return x0, (r1, r2, r3, r4)
