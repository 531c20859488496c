"""Lite R-ASPP (MobileNetV3 paper), as RVM uses it (RobustVideoMatting ``model/lraspp.py``).

``aspp1(x) * aspp2(x)``: a 1x1 convolution with BN and ReLU, gated by a global-average-pooled 1x1
convolution with a sigmoid. Names ``aspp1.0.weight``, ``aspp1.1.*``, ``aspp2.1.weight`` as RVM's.
960 -> 128 channels for MobileNetV3 (246,016 parameters), 2048 -> 256 for ResNet-50.
"""

from __future__ import annotations

from torch import Tensor, nn


class LRASPP(nn.Module):
    """Lite R-ASPP: per-pixel features times a global channel attention."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.aspp1 = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False),
                                   nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))
        self.aspp2 = nn.Sequential(nn.AdaptiveAvgPool2d(1),
                                   nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.Sigmoid())
        self.out_channels = out_channels

    def forward(self, x: Tensor) -> Tensor:
        return self.aspp1(x) * self.aspp2(x)
