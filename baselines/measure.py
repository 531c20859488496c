"""Model size and cost: parameter counts and multiply-accumulate operations (MACs).

MACs are counted the way the papers report them (BGMv2 Table 3: "GMac does not account for
interpolation and cropping"; RVM's 4.57 GMACs at 512x288): convolutions (out pixels x in
channels / groups x kernel area, per output channel), linear layers, and the attention matrix
products of the memory read (modules with a ``count_macs(inputs, output)`` method). Bias,
normalisation, activations, pooling, interpolation and cropping are not counted; they add a few
percent where a profiler such as ptflops counts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn


def count_parameters(model: nn.Module) -> dict[str, int]:
    """Parameter counts: ``{"total": n, <top-level child>: n, ...}`` (children in model order)."""
    counts = {"total": sum(p.numel() for p in model.parameters())}
    for name, child in model.named_children():
        counts[name] = sum(p.numel() for p in child.parameters())
    return counts


@dataclass(frozen=True)
class MacCount:
    """MACs of one forward pass, per frame: total and by top-level module."""

    total: int
    by_module: Mapping[str, int]
    frames: int

    @property
    def gmacs(self) -> float:
        return self.total / 1e9


def _layer_macs(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> int:
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return output.numel() * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    return int(module.count_macs(inputs, output))


def count_macs(model: nn.Module, src: Tensor, **forward_kwargs: Any) -> MacCount:
    """Run ``model(src, **forward_kwargs)`` once (eval mode, no grad) and count its MACs.

    Parameters
    ----------
    model : nn.Module
        A baseline model; its training mode is restored afterwards.
    src : Tensor
        (B, T, 3, H, W) or (B, 3, H, W) input; counts are divided by the number of frames.
    **forward_kwargs
        Passed to the forward (``bgr=``, ``downsample_ratio=``...).
    """
    totals: dict[str, int] = {}
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)) or callable(getattr(module, "count_macs", None)):
            top = name.split(".")[0]

            def hook(mod, inputs, output, top=top):
                totals[top] = totals.get(top, 0) + _layer_macs(mod, inputs, output)

            handles.append(module.register_forward_hook(hook))
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(src, **forward_kwargs)
    finally:
        model.train(training)
        for handle in handles:
            handle.remove()
    frames = src.shape[0] * (src.shape[1] if src.ndim == 5 else 1)
    by_module = {k: v // frames for k, v in totals.items()}
    return MacCount(sum(by_module.values()), by_module, frames)
