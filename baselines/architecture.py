"""Which architecture a checkpoint holds: backbone, width and refiner read from its keys and shapes.

``mbench run-baselines --weights rvm=rvm_mobilenetv3.pth`` must build the network the file holds,
whatever width or backbone the preset trains, so the official releases score as they are. The
candidates are built on PyTorch's ``meta`` device (shapes only, no memory, no initialisation
cost); the first whose state dict has exactly the checkpoint's keys and shapes wins.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from mbench.errors import BadInput

from .models import SPECS
from .weights import OPTIONAL_SUFFIX, read_state_dict

# Widths tried after the preset's own: the official 1.0 first, then the usual narrow ones.
WIDTHS = (1.0, 0.5, 0.25, 0.75, 0.35, 1.5, 2.0)
# Constructor options that change the state dict's shapes (the rest, such as refine_mode or
# backbone_scale, only change the computation and stay as the preset sets them).
SHAPE_OPTIONS = {"bgmv2": {"refine_kernel_size": (3, 1)}}


def _shapes(model_name: str, backbone: str, options: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    from . import build

    with torch.device("meta"):
        model = build(model_name, backbone, **options)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def _differences(own: Mapping[str, tuple], found: Mapping[str, tuple]) -> list[str]:
    """Key-by-key differences, model order first: missing, other shape, extra."""
    out = []
    for key, shape in own.items():
        if key not in found:
            if not key.endswith(OPTIONAL_SUFFIX):
                out.append(f"{key} missing")
        elif found[key] != shape:
            out.append(f"{key} {found[key]} vs {shape}")
    out += [f"{key} unexpected" for key in found if key not in own]
    return out


def _candidates(model_name: str, backbone: str, options: Mapping[str, Any]):
    spec = SPECS[model_name]
    backbones = [backbone, *(b for b in spec.backbones if b != backbone)]
    widths = [options.get("width_mult", 1.0), *(w for w in WIDTHS if w != options.get("width_mult", 1.0))]
    variants = [{}]
    for key, values in SHAPE_OPTIONS.get(model_name, {}).items():
        first = options.get(key, values[0])
        variants = [{**v, key: value} for v in variants for value in [first, *(x for x in values if x != first)]]
    for b in backbones:
        for w in widths:
            for variant in variants:
                yield b, {**options, **variant, "width_mult": w}


def checkpoint_architecture(model_name: str, path: str | os.PathLike, backbone: str,
                            options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The backbone and constructor options under which ``path``'s weights fit ``model_name``.

    Parameters
    ----------
    model_name : str
        A model of :data:`mbench.baselines.SPECS`.
    path : path
        The checkpoint (any format :func:`mbench.baselines.weights.read_state_dict` reads).
    backbone, options : str, mapping
        What the preset would build; tried first, and its options that do not change shapes are
        kept.

    Returns
    -------
    (backbone, options)

    Raises
    ------
    BadInput
        The file fits no architecture of the model: one line naming the closest candidate and the
        first keys or shapes that differ.
    """
    found = {k: tuple(v.shape) for k, v in read_state_dict(path).items()}
    best: tuple[int, str, list[str]] | None = None
    for b, opts in _candidates(model_name, backbone, options):
        try:
            own = _shapes(model_name, b, opts)
        except (BadInput, ValueError, RuntimeError):  # a width this network cannot take
            continue
        first = next(iter(own))
        if first not in found or found[first] != own[first]:  # the stem differs: no full comparison
            if best is None:
                best = (10**9, f"{b} width {opts['width_mult']}", _differences(own, found))
            continue
        differences = _differences(own, found)
        if not differences:
            return b, opts
        if best is None or len(differences) < best[0]:
            best = (len(differences), f"{b} width {opts['width_mult']}", differences)
    assert best is not None
    _, label, differences = best
    shown = "; ".join(differences[:3])
    more = f" (and {len(differences) - 3} more)" if len(differences) > 3 else ""
    raise BadInput(f"fits no {model_name} architecture (backbones {', '.join(SPECS[model_name].backbones)}, "
                   f"widths {', '.join(map(str, WIDTHS))}); closest, {label}, differs at: {shown}{more}",
                   Path(path))


def plan_for_checkpoint(plan: Any, path: str | os.PathLike) -> Any:
    """``plan`` (a preset's :class:`~mbench.baselines.presets.ModelPlan`) with the backbone and
    shape options of the checkpoint at ``path``."""
    backbone, options = checkpoint_architecture(plan.name, path, plan.backbone, plan.options)
    return dataclasses.replace(plan, backbone=backbone, options=options)
