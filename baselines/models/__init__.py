"""The four baseline models and their registry: everything about a model lives in its spec.

:data:`SPECS` is the one table keyed by model name (as timm's model registry): architecture,
backbones, parameter counts, loss and its terms, training constraints, model-specific preset
entries and where official weights come from. ``--models`` defaults and help, the trainer, the
preset reader and the weights loader all read it; adding a model is one module plus one entry.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..losses import attention_memory_loss, bgmv2_loss, convlstm_loss, rvm_loss
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
    loss : callable
        The seed's matting loss, ``loss(out, batch) -> {term: tensor, ..., "total": tensor}``
        (:mod:`mbench.baselines.losses`).
    loss_terms : tuple of str
        The loss terms in log order (``train_log.csv`` columns).
    loss_needs : tuple of str
        The :class:`ModelOutput` fields the loss reads (the trainer returns only these from the
        forward, so DistributedDataParallel sees exactly the outputs that reach the loss).
    min_frames : int
        Least frames per training batch (batch x seq_len): DeepLabV3's ASPP batch-normalises a
        pooled 1x1 map, so bgmv2 and convlstm need two.
    preset_keys : tuple of str
        Model-specific entries its preset table may hold (``segmentation``: interleaved
        segmentation steps, for the models with a segmentation head).
    official_weights : mapping
        Backbone -> the released checkpoint and where it comes from (none for seeds 000, 002).
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
    loss: Callable[..., dict]
    loss_terms: tuple[str, ...]
    loss_needs: tuple[str, ...]
    min_frames: int = 1
    preset_keys: tuple[str, ...] = ()
    official_weights: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def describe(self) -> str:
        """One line for ``--help``: name, paper, default backbone."""
        return f"{self.name} (seed {self.seed}, {self.title}; {self.default_backbone})"

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
                                           "resnet101": 59.2e6}),
        loss=bgmv2_loss, loss_terms=("pha_l1", "pha_sobel", "fgr_l1", "err_mse"),
        loss_needs=("pha", "fgr", "err", "pha_coarse", "fgr_coarse"), min_frames=2,
        official_weights=MappingProxyType({
            b: f"pytorch_{b}.pth from the BackgroundMattingV2 release (github.com/PeterL1n/BackgroundMattingV2)"
            for b in ("resnet50", "resnet101", "mobilenetv2")})),
    "convlstm": ModelSpec(
        name="convlstm", model=ConvLSTMMatting, seed="000", title="Video Matting with Convolutional LSTM",
        default_backbone="resnet50", backbones=("resnet50", "resnet101", "mobilenetv2"),
        needs_background=False, recurrent=True, outputs=("pha", "fgr", "err", "hid"),
        forward_options=(), optimizer="adamw",
        learning_rates=MappingProxyType({"backbone": 1e-4, "aspp": 5e-4, "decoder": 5e-4}),
        paper_parameters=MappingProxyType({"resnet50": 40.2e6 + 1.64e6}),
        loss=convlstm_loss, loss_terms=("pha_l1", "pha_sobel", "fgr_l1", "err_l1"),
        loss_needs=("pha", "fgr", "err"), min_frames=2),
    "rvm": ModelSpec(
        name="rvm", model=RVM, seed="001", title="Robust High-Resolution Video Matting",
        default_backbone="mobilenetv3", backbones=("mobilenetv3", "resnet50"),
        needs_background=False, recurrent=True, outputs=("pha", "fgr", "seg", "hid"),
        forward_options=("downsample_ratio",), optimizer="adam",
        # Stage 1; the Deep Guided Filter joins in stage 3 at 2e-4.
        learning_rates=MappingProxyType({"backbone": 1e-4, "aspp": 2e-4, "decoder": 2e-4,
                                         "refiner": 2e-4}),
        paper_parameters=MappingProxyType({"mobilenetv3": 3_748_633, "resnet50": 26_890_461}),
        loss=rvm_loss, loss_terms=("pha_l1", "pha_laplacian", "pha_coherence", "fgr_l1", "fgr_coherence"),
        loss_needs=("pha", "fgr"), preset_keys=("segmentation",),
        official_weights=MappingProxyType({
            b: f"rvm_{b}.pth from the RobustVideoMatting release (github.com/PeterL1n/RobustVideoMatting)"
            for b in ("mobilenetv3", "resnet50")})),
    "attention_memory": ModelSpec(
        name="attention_memory", model=AttentionMemoryMatting, seed="002",
        title="Attention-based Memory video portrait matting",
        default_backbone="mobilenetv3", backbones=("mobilenetv3", "resnet50"),
        needs_background=False, recurrent=True,
        outputs=("pha", "fgr", "seg", "hid", "pha_lr", "fgr_lr"),
        forward_options=("downsample_ratio",), optimizer="adam",
        learning_rates=MappingProxyType({"backbone": 1e-4, "aspp": 2e-4, "memory": 2e-4,
                                         "decoder": 2e-4, "refiner": 2e-4}),
        paper_parameters=MappingProxyType({}),
        loss=attention_memory_loss,
        loss_terms=("pha_l1", "pha_laplacian", "composition", "aggregation", "coherence"),
        loss_needs=("pha", "fgr", "pha_lr", "fgr_lr"), preset_keys=("segmentation",)),
})

__all__ = ["SPECS", "AttentionMemoryMatting", "BGMv2", "ConvLSTMMatting", "MattingModel",
           "ModelOutput", "ModelSpec", "RVM", "auto_downsample_ratio"]
