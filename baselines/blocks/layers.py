"""Small layers shared by the blocks: channel rounding, conv-BN-activation, time folding.

The conv-BN-activation stack is an ``nn.Sequential`` whose children are numbered ``0`` (conv),
``1`` (BN) and ``2`` (activation), as torchvision's ``Conv2dNormActivation`` is, so that state-dict
names match the official RVM and BGMv2 checkpoints (``features.0.0.weight``, ``features.0.1.bias``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from mbench.errors import BadInput


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round ``value`` to the nearest multiple of ``divisor`` without losing more than 10 %.

    The rule of the MobileNet papers (torchvision's ``_make_divisible``); identity on multiples of
    ``divisor``, so a width multiplier of 1.0 leaves every official channel count unchanged.
    """
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def scaled(channels: int, width_mult: float) -> int:
    """``channels`` times the width multiplier, rounded to a multiple of 8 (identity at 1.0)."""
    return make_divisible(channels * width_mult)


def check_width_mult(width_mult: float) -> float:
    """Validate a width multiplier option: a positive number."""
    if isinstance(width_mult, bool) or not isinstance(width_mult, (int, float)) or not width_mult > 0:
        raise BadInput(f"width_mult must be a positive number, got {width_mult!r}", "width_mult")
    return float(width_mult)


class ConvNormAct(nn.Sequential):
    """3x3 (or k x k) convolution without bias, batch norm, optional activation.

    Parameters
    ----------
    in_channels, out_channels : int
        Channel counts.
    kernel_size, stride, dilation, groups : int
        Convolution geometry; padding keeps the size (``(k - 1) // 2 * dilation``).
    activation : callable returning a module, or None
        ``nn.ReLU``, ``nn.ReLU6``, ``nn.Hardswish``... (None: no activation, two children).
    bn_eps, bn_momentum : float
        Batch-norm settings (MobileNetV3 uses 1e-3 and 0.01).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 dilation: int = 1, groups: int = 1,
                 activation: Callable[..., nn.Module] | None = nn.ReLU,
                 bn_eps: float = 1e-5, bn_momentum: float = 0.1):
        padding = (kernel_size - 1) // 2 * dilation
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                      groups=groups, bias=False),
            nn.BatchNorm2d(out_channels, eps=bn_eps, momentum=bn_momentum),
        ]
        if activation is not None:
            layers.append(activation(inplace=True))
        super().__init__(*layers)


def fold(x: Tensor) -> Tensor:
    """(B, T, C, H, W) -> (B*T, C, H, W), for the layers that see one frame at a time."""
    return x.flatten(0, 1)


def unfold(x: Tensor, batch: int) -> Tensor:
    """(B*T, C, H, W) -> (B, T, C, H, W): the inverse of :func:`fold`."""
    return x.unflatten(0, (batch, x.shape[0] // batch))


def avg_pool_half(x: Tensor) -> Tensor:
    """2x2 average pooling rounding the size up (RVM's image pyramid; 70 -> 35 -> 18 -> 9 -> 5)."""
    return nn.functional.avg_pool2d(x, 2, 2, ceil_mode=True, count_include_pad=False)


def up_to(x: Tensor, like: Tensor) -> Tensor:
    """Bilinear x2 up-sampling, cropped to the spatial size of ``like`` (RVM's crop-to-skip)."""
    x = nn.functional.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
    return x[:, :, : like.shape[-2], : like.shape[-1]]


def check_state(state: Tensor, expected: torch.Size, what: str) -> None:
    """One clear error when a carried state does not fit the frames it is used with."""
    if tuple(state.shape) != tuple(expected):
        raise BadInput(f"recurrent state has shape {tuple(state.shape)} but these frames need "
                       f"{tuple(expected)} (a state from another resolution or batch?)", what)


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class TappedEncoder(nn.Module):
    """An encoder whose ``features`` run in sequence, with the outputs of ``taps`` as its skips.

    Subclasses build ``self.features`` and set ``taps`` (feature indices of the 1/2, 1/4, 1/8, 1/16
    outputs); ``normalize`` applies ImageNet normalisation inside the encoder, as RVM does.
    """

    taps: tuple[int, ...] = ()

    def _set_normalization(self, normalize: bool) -> None:
        self.normalize = normalize
        # Not persistent: the official checkpoints carry no such buffers.
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: Tensor) -> list[Tensor]:
        """(N, C, H, W) -> [f1 (1/2), f2 (1/4), f3 (1/8), f4 (1/16)]; sizes round up."""
        if self.normalize:
            x = (x - self.mean) / self.std
        taps = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in self.taps:
                taps.append(x)
        return taps
