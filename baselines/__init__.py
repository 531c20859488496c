"""mbench.baselines: the four seed architectures (models, weights, measurement).

>>> from mbench.baselines import build, SPECS
>>> model = build("rvm")                       # MobileNetV3, 3,748,633 parameters
>>> model = build("bgmv2", "mobilenetv2")      # 5,006,839 parameters
>>> model = build("convlstm", width_mult=0.5)  # a narrower network for CPU training

The interface every model shares (inputs, outputs, state, learning-rate groups) is documented in
:mod:`mbench.baselines.models`. Importing this package imports torch (the only room that does).
"""

from __future__ import annotations

from typing import Any

from mbench.errors import BadInput

from .models import SPECS, MattingModel, ModelOutput, ModelSpec
from .weights import load_weights, save_weights


def build(name: str, backbone: str | None = None, **options: Any) -> MattingModel:
    """Build baseline ``name`` with ``backbone`` (default: the seed's main one).

    Parameters
    ----------
    name : {"bgmv2", "convlstm", "rvm", "attention_memory"}
        The model (see :data:`SPECS`).
    backbone : str, optional
        One of ``SPECS[name].backbones``; defaults: bgmv2 and convlstm ``resnet50`` (the papers'
        main models), rvm and attention_memory ``mobilenetv3``.
    **options
        Constructor options, ``SPECS[name].options``: every model has ``width_mult`` (channel
        multiplier, 1.0 = official) and ``seed`` (initialisation); bgmv2 has ``backbone_scale`` and
        the ``refine_*`` settings; attention_memory ``key_dim``, ``value_dim``, ``memory_frames``.

    Raises
    ------
    BadInput
        Unknown model, backbone or option, or a bad option value.
    """
    spec = SPECS.get(name)
    if spec is None:
        raise BadInput(f"unknown model; choose from {', '.join(SPECS)}", str(name))
    backbone = spec.default_backbone if backbone is None else backbone
    if backbone not in spec.backbones:
        raise BadInput(f"unknown backbone for {name}; choose from {', '.join(spec.backbones)}",
                       str(backbone))
    allowed = spec.options
    for key in options:
        if key not in allowed:
            raise BadInput(f"unknown option for {name}; options are {', '.join(allowed)}", key)
    return spec.model(backbone, **options)


__all__ = ["SPECS", "BadInput", "MattingModel", "ModelOutput", "ModelSpec", "build", "load_weights",
           "save_weights"]
