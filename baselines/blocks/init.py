"""ImageNet-free initialisation of the baselines (no pretrained weights can be downloaded).

The rules, applied by :func:`init_weights` to every sub-module of a model:

1. Convolutions and linear layers: Kaiming-normal, ``fan_out`` mode, ReLU gain (He et al. 2015, as
   torchvision initialises ResNet and MobileNet); biases 0.
2. Batch norm: weight 1, bias 0, running statistics reset.
3. Block-specific overrides: any module with an ``init_parameters(generator)`` method applies it
   after the generic pass. The blocks use it for:
   - residual branches (ResNet bottleneck, inverted residuals with a skip, the residual blocks of
     the attention decoder): the last BN weight is 0, so every residual block starts as the
     identity (Goyal et al. 2017) and a deep network trains from scratch stably;
   - recurrent cells (ConvGRU, ConvLSTM): Xavier-uniform convolutions, so the sigmoid/tanh gates
     start unsaturated; ConvLSTM forget-gate bias 1 (Jozefowicz et al. 2015) so the cell
     remembers by default;
   - Deep Guided Filter: box filter weights 1/9 (a 3x3 mean, as the official code sets them); its
     last 1x1 convolution starts near 0, so the filter first outputs the smoothed low-resolution
     result ``b = mean(y)`` up-sampled;
   - squeeze-excitation and all other convolutions keep rule 1.
4. Output heads (:func:`init_head_`, called by each model for its projection layers): small
   weights (LeCun-normal scaled by 0.1) and a bias per output channel: alpha 0.5 and error 0.5 (the
   prediction starts inside the 0..1 clamp, so gradients flow from the first step, and 0.5 is the
   expected |alpha - truth| of a constant 0.5 guess), foreground residual 0 (F starts as the
   image), segmentation logit 0.

Every draw comes from the ``torch.Generator`` passed in (models seed it from their ``seed``
option), so the same seed gives the same weights whatever the global RNG state.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def init_weights(model: nn.Module, generator: torch.Generator) -> None:
    """Apply rules 1-3 above to every sub-module of ``model``, in place."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu",
                                    generator=generator)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            module.reset_running_stats()
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
    for module in model.modules():
        init = getattr(module, "init_parameters", None)
        if callable(init):
            init(generator)


def zero_last_bn_(bn: nn.BatchNorm2d) -> None:
    """Zero the scale of a residual branch's last BN so the block starts as the identity."""
    nn.init.zeros_(bn.weight)


def init_recurrent_conv_(conv: nn.Conv2d, generator: torch.Generator) -> None:
    """Xavier-uniform weights and zero bias for a gate convolution of a recurrent cell."""
    nn.init.xavier_uniform_(conv.weight, generator=generator)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


def init_head_(conv: nn.Conv2d, bias: Sequence[float], generator: torch.Generator,
               rows: slice | None = None) -> None:
    """Small weights and the given per-channel ``bias`` for an output projection.

    ``rows`` restricts the change to some output channels (BGMv2's 37-channel last convolution:
    only alpha, foreground and error are heads; its 32 hidden channels keep rule 1).
    """
    rows = slice(0, conv.out_channels) if rows is None else rows
    weight = conv.weight[rows]
    fan_in = weight[0].numel()
    with torch.no_grad():
        weight.normal_(0.0, 0.1 / fan_in ** 0.5, generator=generator)
        if conv.bias is not None:
            conv.bias[rows] = torch.as_tensor(bias, dtype=conv.bias.dtype)
