"""MobileNetV3-Large encoder as RVM uses it (RobustVideoMatting ``model/mobilenetv3.py``).

torchvision's MobileNetV3-Large with the last stage dilated (output stride 16), the classifier
removed, batch norm eps 1e-3 and momentum 0.01, hard-swish / ReLU activations and squeeze-excitation
with a hard-sigmoid gate. Module names follow torchvision (``features.N.block.K...``, SE ``fc1`` /
``fc2``) so ``rvm_mobilenetv3.pth`` loads. The input in 0..1 is ImageNet-normalised inside (as RVM
does) when ``normalize`` is on.

Taps: ``features.1`` 16 ch at 1/2, ``features.3`` 24 ch at 1/4, ``features.6`` 40 ch at 1/8,
``features.16`` (the 1x1 160 -> 960 convolution) 960 ch at 1/16.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .init import zero_last_bn_
from .layers import ConvNormAct, TappedEncoder, make_divisible

BN = {"bn_eps": 1e-3, "bn_momentum": 0.01}
TAPS = (1, 3, 6, 16)

# (in, kernel, expanded, out, squeeze-excitation, activation, stride, dilation): RVM's table.
# A dilated block has stride 1 (torchvision: stride = 1 if dilation > 1).
LAYERS = (
    (16, 3, 16, 16, False, "RE", 1, 1),
    (16, 3, 64, 24, False, "RE", 2, 1),
    (24, 3, 72, 24, False, "RE", 1, 1),
    (24, 5, 72, 40, True, "RE", 2, 1),
    (40, 5, 120, 40, True, "RE", 1, 1),
    (40, 5, 120, 40, True, "RE", 1, 1),
    (40, 3, 240, 80, False, "HS", 2, 1),
    (80, 3, 200, 80, False, "HS", 1, 1),
    (80, 3, 184, 80, False, "HS", 1, 1),
    (80, 3, 184, 80, False, "HS", 1, 1),
    (80, 3, 480, 112, True, "HS", 1, 1),
    (112, 3, 672, 112, True, "HS", 1, 1),
    (112, 5, 672, 160, True, "HS", 2, 2),
    (160, 5, 960, 160, True, "HS", 1, 2),
    (160, 5, 960, 160, True, "HS", 1, 2),
)
ACTIVATIONS = {"RE": nn.ReLU, "HS": nn.Hardswish}


class SqueezeExcitation(nn.Module):
    """Global average pool, 1x1 squeeze (ReLU), 1x1 excite, hard-sigmoid gate."""

    def __init__(self, channels: int, squeeze: int):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        scale = nn.functional.adaptive_avg_pool2d(x, 1)
        scale = self.fc2(nn.functional.relu(self.fc1(scale), inplace=True))
        return x * nn.functional.hardsigmoid(scale, inplace=True)


class InvertedResidual(nn.Module):
    """MobileNetV3 block: [1x1 expand], k x k depthwise, [SE], 1x1 linear projection."""

    def __init__(self, cin: int, kernel: int, expanded: int, cout: int, use_se: bool,
                 activation: str, stride: int, dilation: int):
        super().__init__()
        act = ACTIVATIONS[activation]
        # torchvision decides the skip from the configured stride, before dilation replaces it.
        self.use_res_connect = stride == 1 and cin == cout
        layers: list[nn.Module] = []
        if expanded != cin:
            layers.append(ConvNormAct(cin, expanded, 1, activation=act, **BN))
        layers.append(ConvNormAct(expanded, expanded, kernel, 1 if dilation > 1 else stride,
                                  dilation, groups=expanded, activation=act, **BN))
        if use_se:
            layers.append(SqueezeExcitation(expanded, make_divisible(expanded // 4, 8)))
        layers.append(ConvNormAct(expanded, cout, 1, activation=None, **BN))
        self.block = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.block(x) if self.use_res_connect else self.block(x)

    def init_parameters(self, generator: torch.Generator) -> None:
        if self.use_res_connect:
            zero_last_bn_(self.block[-1][1])


class MobileNetV3LargeEncoder(TappedEncoder):
    """MobileNetV3-Large features at output stride 16, returning the four taps.

    Parameters
    ----------
    in_channels : int
        Input channels (3).
    width_mult : float
        Channel multiplier (torchvision's rule; the SE squeeze follows the scaled width).
    normalize : bool
        ImageNet mean/std normalisation of the 0..1 input inside the encoder (RVM: on; only for
        3-channel input).
    """

    def __init__(self, in_channels: int = 3, width_mult: float = 1.0, normalize: bool = True):
        super().__init__()

        self.taps = TAPS

        def adjust(c: int) -> int:
            return make_divisible(c * width_mult)

        layers: list[nn.Module] = [ConvNormAct(in_channels, adjust(16), 3, 2,
                                               activation=nn.Hardswish, **BN)]
        for cin, k, exp, cout, se, act, stride, dilation in LAYERS:
            layers.append(InvertedResidual(adjust(cin), k, adjust(exp), adjust(cout), se, act,
                                           stride, dilation))
        last = adjust(LAYERS[-1][3])
        layers.append(ConvNormAct(last, 6 * last, 1, activation=nn.Hardswish, **BN))
        self.features = nn.Sequential(*layers)
        self.channels = (adjust(16), adjust(24), adjust(40), 6 * last)
        self._set_normalization(normalize and in_channels == 3)
