"""Training losses of the four baselines, as each seed defines them (one file per seed).

``LOSSES[model](out, batch) -> {term: tensor, ..., "total": tensor}`` is the matting loss of a
model (``out`` a :class:`mbench.baselines.ModelOutput`, ``batch`` a dict of (B, T, C, H, W)
tensors ``com``, ``fgr``, ``pha`` (, ``bgr``) in [0, 1]); :func:`.rvm.seg_loss` is the
segmentation step's loss for the models that train one (rvm, attention_memory). ``TERMS[model]``
lists the terms in log order.

Shared pieces: :mod:`.sobel` (kornia's Sobel magnitude), :mod:`.laplacian` (the Laplacian
pyramid), :mod:`.temporal` (frame-difference terms).
"""

from __future__ import annotations

from types import MappingProxyType

from .attention_memory import attention_memory_loss
from .bgmv2 import bgmv2_loss
from .convlstm import convlstm_loss
from .rvm import rvm_loss, seg_loss

LOSSES = MappingProxyType({
    "bgmv2": bgmv2_loss,
    "convlstm": convlstm_loss,
    "rvm": rvm_loss,
    "attention_memory": attention_memory_loss,
})

TERMS = MappingProxyType({
    "bgmv2": ("pha_l1", "pha_sobel", "fgr_l1", "err_mse"),
    "convlstm": ("pha_l1", "pha_sobel", "fgr_l1", "err_l1"),
    "rvm": ("pha_l1", "pha_laplacian", "pha_coherence", "fgr_l1", "fgr_coherence"),
    "attention_memory": ("pha_l1", "pha_laplacian", "composition", "aggregation", "coherence"),
})

# The ModelOutput fields each loss reads (the trainer returns only these from the forward, so that
# DistributedDataParallel sees exactly the outputs that reach the loss).
NEEDS = MappingProxyType({
    "bgmv2": ("pha", "fgr", "err", "pha_coarse", "fgr_coarse"),
    "convlstm": ("pha", "fgr", "err"),
    "rvm": ("pha", "fgr"),
    "attention_memory": ("pha", "fgr", "pha_lr", "fgr_lr"),
    "segmentation": ("seg",),
})

__all__ = ["LOSSES", "NEEDS", "TERMS", "attention_memory_loss", "bgmv2_loss", "convlstm_loss", "rvm_loss",
           "seg_loss"]
