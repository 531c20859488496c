"""Attention-based memory video matting (seed 002).

MobileNetV3-Large encoder (ImageNet-normalised inside, last stage dilated; ResNet-50 also offered,
as the seed allows) -> LR-ASPP at 1/16 -> key (64) / value (128) heads and a space-time memory read
of the current frame over itself and its two previous frames (softmax over all T*H*W memory
positions) -> the reconstructed features [readout, query value] (256 ch) -> RVM's decoder layout with
residual blocks and no recurrence -> output block -> 1x1 heads: foreground residual 3 + alpha 1, and
segmentation logits (the seed trains segmentation alongside matting, as RVM). Direct supervision:
a 1x1 head on the reconstructed features predicts low-resolution alpha and foreground (``pha_lr``,
``fgr_lr`` at 1/16), for the seed's temporal-aggregation loss. A Deep Guided Filter (the seed's
stage 3) restores full resolution when ``downsample_ratio`` < 1.

There is no official release; names follow RVM's where the parts are RVM's (``backbone``, ``aspp``,
``decoder.decode0``, ``project_mat``, ``project_seg``, ``refiner``), so RVM's encoder weights can be
transferred with ``load_weights(model, rvm_checkpoint, strict=False)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from mbench.errors import BadInput

from ..blocks.backbones import build_backbone
from ..blocks.deep_guided_filter import DeepGuidedFilterRefiner
from ..blocks.init import init_head_, init_weights
from ..blocks.layers import avg_pool_half, check_width_mult, fold, scaled, unfold
from ..blocks.lraspp import LRASPP
from ..blocks.memory import SpaceTimeMemory
from ..blocks.memory_decoder import MemoryDecoder
from .base import (MattingModel, ModelOutput, as_sequence, refuse_background,
                   resolve_downsample_ratio, seeded_generator)
from .rvm import NORMALIZED_INPUT, WIDTHS, Projection, interpolate_frames

BACKBONES = ("mobilenetv3", "resnet50")


class AttentionMemoryMatting(MattingModel):
    """Seed 002's model.

    Parameters
    ----------
    backbone : {"mobilenetv3", "resnet50"}
        Encoder.
    width_mult : float
        Channel multiplier for every part (encoder, LR-ASPP, memory, decoder); 1.0 = as designed.
    key_dim, value_dim : int
        Memory key and value channels (64 and 128, before ``width_mult``).
    memory_frames : int
        Previous frames in memory besides the current one (2).
    seed : int
        Seed of the ImageNet-free initialisation.
    """

    LR_GROUPS = {"backbone": ("backbone",), "aspp": ("aspp",), "memory": ("memory", "project_lr"),
                 "decoder": ("decoder", "project_mat", "project_seg"), "refiner": ("refiner",)}

    def __init__(self, backbone: str = "mobilenetv3", *, width_mult: float = 1.0, key_dim: int = 64,
                 value_dim: int = 128, memory_frames: int = 2, seed: int = 0):
        super().__init__()
        width_mult = check_width_mult(width_mult)
        for name, value, low in (("key_dim", key_dim, 1), ("value_dim", value_dim, 1),
                                 ("memory_frames", memory_frames, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise BadInput(f"{name} must be an integer >= {low}", str(value))
        normalize = NORMALIZED_INPUT.get(backbone, True)
        self.backbone = build_backbone(backbone, 3, width_mult, normalize, allowed=BACKBONES)
        aspp_channels, decoder_channels = WIDTHS[backbone]
        decoder_channels = [scaled(c, width_mult) for c in decoder_channels]
        self.aspp = LRASPP(self.backbone.channels[3], scaled(aspp_channels, width_mult))
        self.memory = SpaceTimeMemory(self.aspp.out_channels, scaled(key_dim, width_mult),
                                      scaled(value_dim, width_mult), memory_frames)
        self.project_lr = Projection(self.memory.out_channels, 4)
        self.decoder = MemoryDecoder([*self.backbone.channels[:3], self.memory.out_channels],
                                     decoder_channels)
        self.project_mat = Projection(decoder_channels[3], 4)
        self.project_seg = Projection(decoder_channels[3], 1)
        self.refiner = DeepGuidedFilterRefiner(decoder_channels[3])
        generator = seeded_generator(seed)
        init_weights(self, generator)
        for head in (self.project_mat, self.project_lr):
            init_head_(head.conv, [0.0, 0.0, 0.0, 0.5], generator)
        init_head_(self.project_seg.conv, [0.0], generator)

    def forward(self, src: Tensor, *, bgr: Tensor | None = None,
                state: Sequence[Tensor] | None = None,
                downsample_ratio: float | str = 1.0) -> ModelOutput:
        """Matte frames.

        Parameters
        ----------
        src : Tensor
            (B, T, 3, H, W) or (B, 3, H, W) in 0..1.
        bgr : None
            Not used (passing one is an error).
        state : (keys, values), optional
            Memory of the previous call on the same clips: keys (B, n, 64, h, w) and values
            (B, n, 128, h, w) of its last n <= ``memory_frames`` frames at 1/16.
        downsample_ratio : float or "auto"
            The network runs at this fraction of the input size; < 1 engages the Deep Guided Filter.

        Returns
        -------
        ModelOutput
            pha, fgr, seg, hid, pha_lr, fgr_lr, state; pha_coarse / fgr_coarse when
            downsample_ratio < 1.
        """
        refuse_background(bgr, "attention_memory")
        src, single = as_sequence(src)
        batch = src.shape[0]
        ratio = resolve_downsample_ratio(downsample_ratio, *src.shape[-2:])
        src_flat = fold(src)
        src_sm = src_flat if ratio == 1 else interpolate_frames(src_flat, ratio)
        f1, f2, f3, f4 = self.backbone(src_sm)
        read, state = self.memory(unfold(self.aspp(f4), batch), state)
        read = fold(read)
        lr_residual, pha_lr = self.project_lr(read).split([3, 1], dim=1)
        src_lr = src_sm
        for _ in range(4):
            src_lr = avg_pool_half(src_lr)
        hid = self.decoder(src_sm, f1, f2, f3, read)
        fgr_residual, pha = self.project_mat(hid).split([3, 1], dim=1)
        out = ModelOutput(pha=pha, fgr=fgr_residual, state=state, hid=unfold(hid, batch),
                          seg=unfold(self.project_seg(hid), batch),
                          pha_lr=unfold(pha_lr.clamp(0.0, 1.0), batch),
                          fgr_lr=unfold((lr_residual + src_lr).clamp(0.0, 1.0), batch))
        if ratio != 1:
            out.pha_coarse = unfold(pha.clamp(0.0, 1.0), batch)
            out.fgr_coarse = unfold((fgr_residual + src_sm).clamp(0.0, 1.0), batch)
            fgr_residual, pha = self.refiner(src_flat, src_sm, fgr_residual, pha, hid)
        out.pha = unfold(pha.clamp(0.0, 1.0), batch)
        out.fgr = unfold((fgr_residual + src_flat).clamp(0.0, 1.0), batch)
        return out.drop_time() if single else out
