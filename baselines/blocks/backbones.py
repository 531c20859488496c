"""The backbone table: name -> encoder factory, so models choose an encoder by name (data, not ifs).

Every encoder maps (N, C, H, W) to four feature maps at 1/2, 1/4, 1/8 and 1/16 of the input
(sizes rounded up) and exposes their channel counts as ``.channels``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import MappingProxyType

from torch import nn

from mbench.errors import BadInput

from .mobilenetv2 import MobileNetV2Encoder
from .mobilenetv3 import MobileNetV3LargeEncoder
from .resnet import ResNetEncoder

BACKBONES: MappingProxyType[str, Callable[..., nn.Module]] = MappingProxyType({
    "mobilenetv2": MobileNetV2Encoder,
    "mobilenetv3": MobileNetV3LargeEncoder,
    "resnet50": partial(ResNetEncoder, "resnet50"),
    "resnet101": partial(ResNetEncoder, "resnet101"),
})


def build_backbone(name: str, in_channels: int, width_mult: float, normalize: bool,
                   allowed: tuple[str, ...]) -> nn.Module:
    """Build encoder ``name`` (one of ``allowed``); ``normalize`` = ImageNet-normalise inside."""
    if name not in allowed:
        raise BadInput(f"unknown backbone for this model; choose from {', '.join(allowed)}", name)
    return BACKBONES[name](in_channels=in_channels, width_mult=width_mult, normalize=normalize)
