"""The four baseline models and their spec table.

Interface (what training, prediction and measurement rely on)
-------------------------------------------------------------
Build a model with :func:`mbench.baselines.build` (``build("rvm")``, ``build("bgmv2", "mobilenetv2",
width_mult=0.5)``) or from the classes here. Every model is a :class:`MattingModel`:

``model(src, *, bgr=None, state=None, **forward_options) -> ModelOutput``
    ``src``: frames (B, T, 3, H, W) in 0..1 (or (B, 3, H, W): one frame per clip; the outputs are
    then 4-D too). Any H, W works (sides that are not multiples of 16 are handled by crop-to-skip;
    bgmv2 pads to a multiple of 4 for its refiner). ``bgr``: the captured background, bgmv2 only
    (same shape as src, or (B, 3, H, W) shared by a clip's frames); other models refuse one.
    ``state``: the ``.state`` of the previous call on the same clips, None to start a clip; a
    sequence in one call equals its frames fed one by one with the state carried (eval mode).
    Forward options: rvm and attention_memory ``downsample_ratio`` (float in (0, 1] or "auto";
    default 1.0 = no Deep Guided Filter); bgmv2 ``refine`` (default True; False = base network
    only, at the input resolution).

:class:`ModelOutput` has ``pha`` (1 ch) and ``fgr`` (3 ch) in [0, 1] at the input resolution,
``state``, and per model (see each spec's ``outputs``): ``err``, ``hid``, ``seg`` (logits), ``ref``,
``pha_coarse``/``fgr_coarse``, ``pha_lr``/``fgr_lr`` (documented on the class).

``model.param_groups(lrs)`` gives optimizer groups by part; ``spec.learning_rates`` holds the seed's
rates (``torch.optim.Adam(model.param_groups(SPECS["rvm"].learning_rates))``).

Training notes: under DistributedDataParallel use ``find_unused_parameters=True`` (as RVM's
trainer does): the refiner of rvm/attention_memory is idle at ``downsample_ratio`` 1, and the
segmentation head gets no gradient from a matting loss. The ASPP of bgmv2/convlstm has batch norm
over a pooled 1x1 map, so training batches need B*T >= 2 frames.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .attention_memory import AttentionMemoryMatting
from .base import ModelOutput, MattingModel, auto_downsample_ratio
from .bgmv2 import BGMv2
from .convlstm import ConvLSTMMatting
from .rvm import RVM


@dataclass(frozen=True)
class ModelSpec:
    """One row of the model table.

    Attributes
    ----------
    name : str
        Model name for :func:`mbench.baselines.build`.
    model : type
        The :class:`MattingModel` class.
    seed : str
        Source document in ``shared/seeds/`` (its number).
    title : str
        The paper.
    default_backbone : str
        The seed's main backbone (what ``build(name)`` uses).
    backbones : tuple of str
        Backbones offered.
    needs_background : bool
        Takes the captured background (``bgr=``).
    recurrent : bool
        Carries state across calls (``state=``).
    outputs : tuple of str
        :class:`ModelOutput` fields it fills (besides ``state``), at ``downsample_ratio`` 1.
    forward_options : tuple of str
        Keyword options of ``forward`` besides src, bgr, state.
    optimizer : str
        The seed's optimiser ("adam" or "adamw").
    learning_rates : mapping
        The seed's learning rate per :meth:`MattingModel.param_groups` group (first stage).
    paper_parameters : mapping
        Published parameter count per backbone, where the papers give one.
    """

    name: str
    model: type[MattingModel]
    seed: str
    title: str
    default_backbone: str
    backbones: tuple[str, ...]
    needs_background: bool
    recurrent: bool
    outputs: tuple[str, ...]
    forward_options: tuple[str, ...]
    optimizer: str
    learning_rates: Mapping[str, float]
    paper_parameters: Mapping[str, float]

    @property
    def options(self) -> dict[str, Any]:
        """Constructor options (besides ``backbone``) and their defaults, read from the class."""
        params = inspect.signature(self.model.__init__).parameters.values()
        return {p.name: p.default for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}


SPECS: Mapping[str, ModelSpec] = MappingProxyType({
    "bgmv2": ModelSpec(
        name="bgmv2", model=BGMv2, seed="003", title="Real-Time High-Resolution Background Matting",
        default_backbone="resnet50", backbones=("resnet50", "resnet101", "mobilenetv2"),
        needs_background=True, recurrent=False,
        outputs=("pha", "fgr", "pha_coarse", "fgr_coarse", "err", "hid", "ref"),
        forward_options=("refine",), optimizer="adam",
        # Base stage (REFERENCE 4.1); the refiner's 3e-4 is the official refinement stage's.
        learning_rates=MappingProxyType({"backbone": 1e-4, "aspp": 5e-4, "decoder": 5e-4,
                                         "refiner": 3e-4}),
        paper_parameters=MappingProxyType({"mobilenetv2": 5_006_839, "resnet50": 40.2e6,
                                           "resnet101": 59.2e6})),
    "convlstm": ModelSpec(
        name="convlstm", model=ConvLSTMMatting, seed="000", title="Video Matting with Convolutional LSTM",
        default_backbone="resnet50", backbones=("resnet50", "resnet101", "mobilenetv2"),
        needs_background=False, recurrent=True, outputs=("pha", "fgr", "err", "hid"),
        forward_options=(), optimizer="adamw",
        learning_rates=MappingProxyType({"backbone": 1e-4, "aspp": 5e-4, "decoder": 5e-4}),
        paper_parameters=MappingProxyType({"resnet50": 40.2e6 + 1.64e6})),
    "rvm": ModelSpec(
        name="rvm", model=RVM, seed="001", title="Robust High-Resolution Video Matting",
        default_backbone="mobilenetv3", backbones=("mobilenetv3", "resnet50"),
        needs_background=False, recurrent=True, outputs=("pha", "fgr", "seg", "hid"),
        forward_options=("downsample_ratio",), optimizer="adam",
        # Stage 1; the Deep Guided Filter joins in stage 3 at 2e-4.
        learning_rates=MappingProxyType({"backbone": 1e-4, "aspp": 2e-4, "decoder": 2e-4,
                                         "refiner": 2e-4}),
        paper_parameters=MappingProxyType({"mobilenetv3": 3_748_633, "resnet50": 26_890_461})),
    "attention_memory": ModelSpec(
        name="attention_memory", model=AttentionMemoryMatting, seed="002",
        title="Attention-based Memory video portrait matting",
        default_backbone="mobilenetv3", backbones=("mobilenetv3", "resnet50"),
        needs_background=False, recurrent=True,
        outputs=("pha", "fgr", "seg", "hid", "pha_lr", "fgr_lr"),
        forward_options=("downsample_ratio",), optimizer="adam",
        learning_rates=MappingProxyType({"backbone": 1e-4, "aspp": 2e-4, "memory": 2e-4,
                                         "decoder": 2e-4, "refiner": 2e-4}),
        paper_parameters=MappingProxyType({})),
})

__all__ = ["SPECS", "AttentionMemoryMatting", "BGMv2", "ConvLSTMMatting", "MattingModel",
           "ModelOutput", "ModelSpec", "RVM", "auto_downsample_ratio"]
