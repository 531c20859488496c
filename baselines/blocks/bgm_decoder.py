"""BGMv2's decoder (BackgroundMattingV2 ``model/decoder.py``) and seed 000's recurrent variant.

Four stages from the ASPP output at 1/16 up to the input size: bilinear resize to the next skip
(1/8, 1/4, 1/2, then the input itself), concatenate the skip, 3x3 convolution; BN and ReLU on the
first three stages, a 3x3 convolution with bias and no BN on the last. Channels 256 -> 128 -> 64 -> 48
-> 37 (alpha, foreground residual 3, error, hidden 32). Names ``conv1.weight``, ``bn1.*`` ..
``conv4.*`` as the official ones.

Seed 000 puts a ConvLSTM after each of the first three stages (128, 64 and 48 channels); the
recurrent decoder keeps the BGMv2 names, so BGMv2 weights transfer to it, and adds ``lstm1``..``lstm3``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .convlstm import ConvLSTM
from .layers import fold, unfold


class BGMDecoder(nn.Module):
    """BGMv2 decoder.

    Parameters
    ----------
    channels : 5 ints
        (ASPP output, stage 1, stage 2, stage 3, output), official (256, 128, 64, 48, 37).
    feature_channels : 4 ints
        Skip channels at 1/8, 1/4, 1/2 and of the input (ResNet: 512, 256, 64, 6).
    """

    def __init__(self, channels: Sequence[int], feature_channels: Sequence[int]):
        super().__init__()
        self.conv1 = nn.Conv2d(feature_channels[0] + channels[0], channels[1], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels[1])
        self.conv2 = nn.Conv2d(feature_channels[1] + channels[1], channels[2], 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels[2])
        self.conv3 = nn.Conv2d(feature_channels[2] + channels[2], channels[3], 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(channels[3])
        self.conv4 = nn.Conv2d(feature_channels[3] + channels[3], channels[4], 3, padding=1, bias=True)
        self.relu = nn.ReLU(True)
        self.channels = tuple(channels)

    def stage(self, index: int, x: Tensor, skip: Tensor) -> Tensor:
        """Stage ``index`` (1..4): resize x to the skip, concatenate, convolve (+ BN, ReLU)."""
        x = nn.functional.interpolate(x, size=skip.shape[2:], mode="bilinear", align_corners=False)
        x = getattr(self, f"conv{index}")(torch.cat([x, skip], dim=1))
        if index == 4:
            return x
        return self.relu(getattr(self, f"bn{index}")(x))

    def forward(self, x4: Tensor, x3: Tensor, x2: Tensor, x1: Tensor, x0: Tensor) -> Tensor:
        """ASPP output at 1/16 and the skips at 1/8, 1/4, 1/2 and 1/1 -> the output channels."""
        for index, skip in enumerate((x3, x2, x1, x0), start=1):
            x4 = self.stage(index, x4, skip)
        return x4


class RecurrentBGMDecoder(BGMDecoder):
    """BGMv2 decoder with a ConvLSTM after stages 1-3 (seed 000)."""

    def __init__(self, channels: Sequence[int], feature_channels: Sequence[int]):
        super().__init__(channels, feature_channels)
        self.lstm1 = ConvLSTM(channels[1])
        self.lstm2 = ConvLSTM(channels[2])
        self.lstm3 = ConvLSTM(channels[3])

    def forward(self, x4: Tensor, x3: Tensor, x2: Tensor, x1: Tensor, x0: Tensor, *, batch: int,
                state: Sequence[tuple[Tensor, Tensor]] | None = None
                ) -> tuple[Tensor, tuple[tuple[Tensor, Tensor], ...]]:
        """Frames folded to (B*T, C, H, W); ``batch`` = B. Returns the output and the new
        ConvLSTM states ((h1, c1), (h2, c2), (h3, c3))."""
        state = (None, None, None) if state is None else tuple(state)
        new_state = []
        for index, skip in enumerate((x3, x2, x1), start=1):
            x4 = self.stage(index, x4, skip)
            seq, cell = getattr(self, f"lstm{index}")(unfold(x4, batch), state[index - 1])
            x4 = fold(seq)
            new_state.append(cell)
        return self.stage(4, x4, x0), tuple(new_state)
