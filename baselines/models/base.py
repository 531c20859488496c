"""What every baseline model shares: the output record, input checks and learning-rate groups."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from mbench.errors import BadInput


@dataclass
class ModelOutput:
    """What a model's ``forward`` returns. Shapes are (B, T, C, H, W) for a 5-D input and
    (B, C, H, W) for a 4-D one; H, W are the input's unless said otherwise.

    Attributes
    ----------
    pha : Tensor
        Alpha, 1 channel, in [0, 1].
    fgr : Tensor
        Foreground, 3 channels, in [0, 1] (predicted residual + image, clamped).
    state : Any
        Recurrent state to pass as ``state=`` with the next frames of the same clips (None for
        models without memory). Detach it between training windows.
    err : Tensor or None
        Predicted error map |alpha - truth| in [0, 1] (bgmv2: at the base network's resolution;
        convlstm: full resolution).
    hid : Tensor or None
        Hidden features (bgmv2/convlstm: 32 ReLU channels; rvm/attention_memory: the 16 channels
        before the heads), at the network's working resolution.
    seg : Tensor or None
        Segmentation logits, 1 channel (rvm, attention_memory), at the working resolution.
    ref : Tensor or None
        bgmv2: 0/1 map at H/4 x W/4 of the 4x4 patches the refiner replaced.
    pha_coarse, fgr_coarse : Tensor or None
        bgmv2: the base network's alpha/foreground at ``backbone_scale``; rvm/attention_memory
        with ``downsample_ratio`` < 1: the output before the Deep Guided Filter.
    pha_lr, fgr_lr : Tensor or None
        attention_memory: direct-supervision alpha/foreground predicted from the memory read, at
        1/16 of the working resolution (the size 2x2 average pooling with ``ceil_mode`` gives
        after four steps).
    """

    pha: Tensor
    fgr: Tensor
    state: Any = None
    err: Tensor | None = None
    hid: Tensor | None = None
    seg: Tensor | None = None
    ref: Tensor | None = None
    pha_coarse: Tensor | None = None
    fgr_coarse: Tensor | None = None
    pha_lr: Tensor | None = None
    fgr_lr: Tensor | None = None

    def tensors(self) -> dict[str, Tensor]:
        """The output maps that are present (every field but ``state``), by name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name != "state" and getattr(self, f.name) is not None}

    def drop_time(self) -> ModelOutput:
        """The same record with the time axis removed (for single-frame 4-D input)."""
        return dataclasses.replace(self, **{k: v.squeeze(1) for k, v in self.tensors().items()})


def as_sequence(x: Tensor, name: str = "src") -> tuple[Tensor, bool]:
    """Accept (B, T, 3, H, W) or (B, 3, H, W) frames in 0..1; return the 5-D view and whether the
    input was 4-D."""
    if not isinstance(x, Tensor) or x.ndim not in (4, 5) or x.shape[-3] != 3:
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise BadInput(f"expected frames of shape (B, T, 3, H, W) or (B, 3, H, W), got {shape}", name)
    if not x.is_floating_point():
        raise BadInput(f"expected floating-point frames in 0..1, got {x.dtype}", name)
    return (x.unsqueeze(1), True) if x.ndim == 4 else (x, False)


def auto_downsample_ratio(height: int, width: int) -> float:
    """RVM's automatic ratio: the network sees at most 512 px on the longer side."""
    return min(512 / max(height, width), 1.0)


def resolve_downsample_ratio(value: float | str, height: int, width: int) -> float:
    """A number in (0, 1], or ``"auto"`` (:func:`auto_downsample_ratio`)."""
    if value == "auto":
        return auto_downsample_ratio(height, width)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise BadInput("downsample_ratio must be a number in (0, 1] or 'auto'", str(value))
    return float(value)


def refuse_background(bgr: Tensor | None, model: str) -> None:
    """Models that take no background say so instead of silently ignoring one."""
    if bgr is not None:
        raise BadInput("this model takes no background input (only bgmv2 does)", model)


class MattingModel(nn.Module):
    """Base of the four baselines: learning-rate groups by named part.

    ``LR_GROUPS`` maps a group name to the top-level child modules in it (data, per model).
    """

    LR_GROUPS: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    def param_groups(self, lrs: Mapping[str, float]) -> list[dict[str, Any]]:
        """Optimizer parameter groups with per-part learning rates.

        Parameters
        ----------
        lrs : mapping
            Group name (see ``LR_GROUPS``: backbone, aspp, decoder, refiner, ...) -> learning
            rate; a ``"default"`` entry covers the groups not named.

        Returns
        -------
        list of dict
            ``{"name": group, "params": [...], "lr": lr}`` for every group that has parameters,
            ready for ``torch.optim.Adam(model.param_groups(lrs))``.
        """
        unknown = sorted(set(lrs) - set(self.LR_GROUPS) - {"default"})
        if unknown:
            raise BadInput(f"unknown learning-rate group; this model has "
                           f"{', '.join(self.LR_GROUPS)}", unknown[0])
        groups = []
        for name, children in self.LR_GROUPS.items():
            if name not in lrs and "default" not in lrs:
                raise BadInput("no learning rate for this group (give it or a 'default')", name)
            params = [p for child in children if hasattr(self, child)
                      for p in getattr(self, child).parameters()]
            if params:
                groups.append({"name": name, "params": params, "lr": float(lrs.get(name, lrs.get("default")))})
        return groups


def seeded_generator(seed: int) -> torch.Generator:
    """The generator a model's initialisation draws from (see :mod:`..blocks.init`)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise BadInput("seed must be an integer", str(seed))
    return torch.Generator().manual_seed(seed)
