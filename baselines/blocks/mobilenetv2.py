"""MobileNetV2 encoder as BGMv2 uses it (BackgroundMattingV2 ``model/mobilenet.py``).

torchvision's MobileNetV2 with three changes: the first convolution takes ``in_channels`` (6 for
image + background), the last 1x1 convolution (320 -> 1280) and the classifier are removed, and the
output stride is 16: the block that would go to 1/32 (``features.14``) keeps stride 1 and the blocks
after it (``features.15`` .. ``features.17``) use dilation 2. Module names follow torchvision
(``features.N.conv.M...``) so official checkpoints load. No input normalisation by default (BGMv2
feeds 0..1).

Taps (for the decoder's skips): ``features.1`` 16 ch at 1/2, ``features.3`` 24 ch at 1/4,
``features.6`` 32 ch at 1/8, ``features.17`` 320 ch at 1/16.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .init import zero_last_bn_
from .layers import ConvNormAct, TappedEncoder, make_divisible

# (expansion t, output channels c, repeats n, first stride s): the MobileNetV2 paper's table.
SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
            (6, 160, 3, 2), (6, 320, 1, 1))
TAPS = (1, 3, 6, 17)  # feature indices whose outputs are the 1/2, 1/4, 1/8, 1/16 skips
OUTPUT_STRIDE = 16


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand (ReLU6), 3x3 depthwise (ReLU6), 1x1 linear projection."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: int,
                 dilation: int = 1):
        super().__init__()
        hidden = int(round(in_channels * expand_ratio))
        self.use_res_connect = stride == 1 and in_channels == out_channels
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvNormAct(in_channels, hidden, 1, activation=nn.ReLU6))
        layers += [
            ConvNormAct(hidden, hidden, 3, stride, dilation, groups=hidden, activation=nn.ReLU6),
            nn.Conv2d(hidden, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)

    def init_parameters(self, generator: torch.Generator) -> None:
        if self.use_res_connect:
            zero_last_bn_(self.conv[-1])


class MobileNetV2Encoder(TappedEncoder):
    """MobileNetV2 features at output stride 16, returning the four taps.

    Parameters
    ----------
    in_channels : int
        Input channels (BGMv2: 6 = image + background; seed 000: 3).
    width_mult : float
        Channel multiplier (torchvision's rule: every width rounded to a multiple of 8).
    normalize : bool
        ImageNet normalisation of a 3-channel 0..1 input (BGMv2 and seed 000: off).
    """

    def __init__(self, in_channels: int = 3, width_mult: float = 1.0, normalize: bool = False):
        super().__init__()
        self.taps = TAPS
        channels = make_divisible(32 * width_mult)
        layers: list[nn.Module] = [ConvNormAct(in_channels, channels, 3, 2, activation=nn.ReLU6)]
        stride_so_far, dilation = 2, 1
        for t, c, n, s in SETTINGS:
            out = make_divisible(c * width_mult)
            for i in range(n):
                stride = s if i == 0 else 1
                block_dilation = dilation
                if stride_so_far * stride > OUTPUT_STRIDE:
                    # torchvision's replace-stride-with-dilation rule, which BGMv2 applies by hand:
                    # this block loses its stride, the blocks after it dilate.
                    dilation *= stride
                    stride = 1
                stride_so_far *= stride
                layers.append(InvertedResidual(channels, out, stride, t, block_dilation))
                channels = out
        self.features = nn.Sequential(*layers)
        self.channels = tuple(self._out_channels(i) for i in TAPS)
        self._set_normalization(normalize and in_channels == 3)

    def _out_channels(self, index: int) -> int:
        block = self.features[index]
        return block.conv[-1].num_features if isinstance(block, InvertedResidual) else block[1].num_features
