"""DeepLabV3 Atrous Spatial Pyramid Pooling, as BGMv2 and seed 000 use it.

Five parallel branches on the 1/16 features: a 1x1 convolution, three 3x3 convolutions with
dilation rates (3, 6, 9 in BGMv2), and image pooling (global average, 1x1 convolution, broadcast back);
each branch has BN and ReLU. Their concatenation goes through a 1x1 projection, BN, ReLU and dropout
0.5. Module names follow torchvision's ``deeplabv3.ASPP`` (``convs.0.0.weight`` ...
``convs.4.1.weight``, ``project.0.weight``), which BGMv2 imports, so its checkpoints load.

The image-pooling branch has batch norm over a 1x1 map, so in training mode it needs more than one
frame per batch (batch x time >= 2), as in torchvision.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


class ASPPPooling(nn.Sequential):
    """Global average pool -> 1x1 conv -> BN -> ReLU, resized back to the input size."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_channels, out_channels, 1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())

    def forward(self, x: Tensor) -> Tensor:
        size = x.shape[-2:]
        return nn.functional.interpolate(super().forward(x), size=size, mode="bilinear",
                                         align_corners=False)


def _branch(in_channels: int, out_channels: int, kernel: int, dilation: int) -> nn.Sequential:
    padding = 0 if kernel == 1 else dilation
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel, padding=padding, dilation=dilation, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU())


class ASPP(nn.Module):
    """DeepLabV3 ASPP.

    Parameters
    ----------
    in_channels : int
        Channels of the 1/16 features (2048 for ResNet, 320 for MobileNetV2).
    rates : sequence of int
        Dilation rates of the three 3x3 branches (BGMv2: 3, 6, 9).
    out_channels : int
        Width of every branch and of the output (256).
    """

    def __init__(self, in_channels: int, rates: Sequence[int] = (3, 6, 9), out_channels: int = 256):
        super().__init__()
        branches = [_branch(in_channels, out_channels, 1, 1)]
        branches += [_branch(in_channels, out_channels, 3, rate) for rate in rates]
        branches.append(ASPPPooling(in_channels, out_channels))
        self.convs = nn.ModuleList(branches)
        self.project = nn.Sequential(
            nn.Conv2d(len(branches) * out_channels, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(), nn.Dropout(0.5))
        self.out_channels = out_channels

    def forward(self, x: Tensor) -> Tensor:
        return self.project(torch.cat([branch(x) for branch in self.convs], dim=1))

