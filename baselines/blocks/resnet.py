"""ResNet-50/101 encoders with output stride 16 (layer4 dilated), as BGMv2 and RVM use them.

torchvision's ResNet (v1.5: stride on the 3x3 convolution of a bottleneck) with
``replace_stride_with_dilation=[False, False, True]``: layer4 keeps stride 1 and its blocks after the
first use dilation 2. The pooling and classifier are removed; ``conv1`` takes ``in_channels`` (BGMv2:
6). Module names follow torchvision (``conv1``, ``bn1``, ``layer1.0.conv1``, ``layer1.0.downsample.0``)
so the official checkpoints load.

Taps: after ``relu`` (before the max-pool) 64 ch at 1/2, ``layer1`` 256 at 1/4, ``layer2`` 512 at
1/8, ``layer4`` 2048 at 1/16.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .init import zero_last_bn_
from .layers import TappedEncoder, make_divisible

DEPTHS = {"resnet50": (3, 4, 6, 3), "resnet101": (3, 4, 23, 3)}
EXPANSION = 4


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (strided / dilated), 1x1 expand x4, with a projection shortcut if needed."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None, dilation: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, padding=dilation, dilation=dilation,
                               bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * EXPANSION, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * EXPANSION)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)

    def init_parameters(self, generator: torch.Generator) -> None:
        zero_last_bn_(self.bn3)


class ResNetEncoder(TappedEncoder):  # forward is its own; shares the normalisation
    """ResNet-50 or -101 at output stride 16, returning the four taps.

    Parameters
    ----------
    variant : {"resnet50", "resnet101"}
        Depth.
    in_channels : int
        Input channels of ``conv1`` (BGMv2: 6; RVM and seed 000: 3).
    width_mult : float
        Multiplier of the stage widths 64/128/256/512 (rounded to multiples of 8).
    normalize : bool
        ImageNet normalisation of the 0..1 input (off for RVM's and BGMv2's ResNets, as their code
        has none; only for 3 channels).
    """

    def __init__(self, variant: str = "resnet50", in_channels: int = 3, width_mult: float = 1.0,
                 normalize: bool = False):
        super().__init__()
        widths = [make_divisible(c * width_mult) for c in (64, 128, 256, 512)]
        self.inplanes, self.dilation = widths[0], 1
        self.conv1 = nn.Conv2d(in_channels, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        depths = DEPTHS[variant]
        self.layer1 = self._make_layer(widths[0], depths[0])
        self.layer2 = self._make_layer(widths[1], depths[1], stride=2)
        self.layer3 = self._make_layer(widths[2], depths[2], stride=2)
        self.layer4 = self._make_layer(widths[3], depths[3], stride=2, dilate=True)
        self.channels = (widths[0], widths[0] * EXPANSION, widths[1] * EXPANSION,
                         widths[3] * EXPANSION)
        self._set_normalization(normalize and in_channels == 3)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1,
                    dilate: bool = False) -> nn.Sequential:
        # torchvision's rule: a dilated stage's first block keeps the previous dilation.
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        downsample = None
        if stride != 1 or self.inplanes != planes * EXPANSION:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * EXPANSION, 1, stride, bias=False),
                nn.BatchNorm2d(planes * EXPANSION))
        layers = [Bottleneck(self.inplanes, planes, stride, downsample, previous_dilation)]
        self.inplanes = planes * EXPANSION
        layers += [Bottleneck(self.inplanes, planes, dilation=self.dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> list[Tensor]:
        """(N, C, H, W) -> [f1 (1/2), f2 (1/4), f3 (1/8), f4 (1/16)]; sizes round up."""
        if self.normalize:
            x = (x - self.mean) / self.std
        f1 = self.relu(self.bn1(self.conv1(x)))
        f2 = self.layer1(self.maxpool(f1))
        f3 = self.layer2(f2)
        f4 = self.layer4(self.layer3(f3))
        return [f1, f2, f3, f4]
