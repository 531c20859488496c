"""Training losses of the four baselines, as each seed defines them (one file per seed).

``loss(out, batch) -> {term: tensor, ..., "total": tensor}`` is a model's matting loss (``out`` a
:class:`mbench.baselines.ModelOutput`, ``batch`` a dict of (B, T, C, H, W) tensors ``com``,
``fgr``, ``pha`` (, ``bgr``) in [0, 1]); which loss, its terms in log order and the outputs it reads
are in the model's spec (``mbench.baselines.SPECS[name].loss``, ``.loss_terms``, ``.loss_needs``).
:func:`.rvm.seg_loss` is the segmentation step's loss for the models that train one.

Shared pieces: :mod:`.sobel` (kornia's Sobel magnitude), :mod:`.laplacian` (the Laplacian
pyramid), :mod:`.temporal` (frame-difference terms).
"""

from __future__ import annotations

from .attention_memory import attention_memory_loss
from .bgmv2 import bgmv2_loss
from .convlstm import convlstm_loss
from .rvm import rvm_loss, seg_loss

# The ModelOutput fields the segmentation step's loss reads (the matting losses' are in each
# model's spec, mbench.baselines.SPECS[name].loss_needs).
SEG_NEEDS = ("seg",)

__all__ = ["SEG_NEEDS", "attention_memory_loss", "bgmv2_loss", "convlstm_loss", "rvm_loss",
           "seg_loss"]
