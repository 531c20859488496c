"""Robust Video Matting (seed 001; RobustVideoMatting ``model/model.py``).

MobileNetV3-Large (or ResNet-50) encoder -> LR-ASPP -> recurrent ConvGRU decoder -> 1x1 heads for
foreground residual + alpha and segmentation logits; a Deep Guided Filter restores full resolution
when the network runs on a downsampled frame (``downsample_ratio`` < 1; ``"auto"`` = at most 512
px on the long side). Parameter counts: MobileNetV3 3,748,633 (backbone 2,971,952, LR-ASPP 246,016,
decoder 529,772, heads 68 + 17, Deep Guided Filter 808), ResNet-50 26,890,461.

State-dict names are the official ones (``backbone.features.N...``, ``aspp.aspp1.0.weight``,
``decoder.decode3.gru.ih.0.weight``, ``project_mat.conv.weight``, ``refiner.box_filter.weight``), so
``rvm_mobilenetv3.pth`` / ``rvm_resnet50.pth`` load with :func:`mbench.baselines.weights.load_weights`.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from ..blocks.backbones import build_backbone
from ..blocks.deep_guided_filter import DeepGuidedFilterRefiner
from ..blocks.init import init_head_, init_weights
from ..blocks.layers import check_width_mult, fold, scaled, unfold
from ..blocks.lraspp import LRASPP
from ..blocks.rvm_decoder import RecurrentDecoder
from .base import (MattingModel, ModelOutput, as_sequence, refuse_background,
                   resolve_downsample_ratio, seeded_generator)

BACKBONES = ("mobilenetv3", "resnet50")
# backbone -> (LR-ASPP output channels, decoder channels): RVM's two variants.
WIDTHS = {"mobilenetv3": (128, (80, 40, 32, 16)), "resnet50": (256, (128, 64, 32, 16))}
# backbone -> ImageNet-normalise the input inside the encoder? RVM's MobileNetV3 encoder does,
# its ResNet50Encoder feeds the 0..1 frames as they are (model/resnet.py has no normalisation).
NORMALIZED_INPUT = {"mobilenetv3": True, "resnet50": False}


class Projection(nn.Module):
    """1x1 convolution head (named ``conv`` as RVM's, so ``project_mat.conv.weight``)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


def interpolate_frames(x: Tensor, ratio: float) -> Tensor:
    """Bilinear resize of folded frames by ``ratio`` (RVM: no recomputed scale factor)."""
    return nn.functional.interpolate(x, scale_factor=ratio, mode="bilinear", align_corners=False,
                                     recompute_scale_factor=False)


class RVM(MattingModel):
    """RVM matting network.

    Parameters
    ----------
    backbone : {"mobilenetv3", "resnet50"}
        Encoder (official variants).
    width_mult : float
        Channel multiplier for every part (encoder, LR-ASPP, decoder); 1.0 = official.
    seed : int
        Seed of the ImageNet-free initialisation.
    """

    LR_GROUPS = {"backbone": ("backbone",), "aspp": ("aspp",),
                 "decoder": ("decoder", "project_mat", "project_seg"), "refiner": ("refiner",)}

    def __init__(self, backbone: str = "mobilenetv3", *, width_mult: float = 1.0, seed: int = 0):
        super().__init__()
        width_mult = check_width_mult(width_mult)
        normalize = NORMALIZED_INPUT.get(backbone, True)
        self.backbone = build_backbone(backbone, 3, width_mult, normalize, allowed=BACKBONES)
        aspp_channels, decoder_channels = WIDTHS[backbone]
        decoder_channels = [scaled(c, width_mult) for c in decoder_channels]
        self.aspp = LRASPP(self.backbone.channels[3], scaled(aspp_channels, width_mult))
        self.decoder = RecurrentDecoder([*self.backbone.channels[:3], self.aspp.out_channels],
                                        decoder_channels)
        self.project_mat = Projection(decoder_channels[3], 4)
        self.project_seg = Projection(decoder_channels[3], 1)
        self.refiner = DeepGuidedFilterRefiner(decoder_channels[3])
        generator = seeded_generator(seed)
        init_weights(self, generator)
        init_head_(self.project_mat.conv, [0.0, 0.0, 0.0, 0.5], generator)
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
            Not used by RVM (passing one is an error).
        state : tuple of 4 Tensors, optional
            (r1, r2, r3, r4) from the previous call on the same clips (recurrent states at 1/2,
            1/4, 1/8, 1/16 of the working resolution).
        downsample_ratio : float or "auto"
            The network runs at this fraction of the input size; < 1 engages the Deep Guided
            Filter. Keep it fixed within a clip (the state depends on the working size).

        Returns
        -------
        ModelOutput
            pha, fgr, seg, hid, state; pha_coarse / fgr_coarse when downsample_ratio < 1.
        """
        refuse_background(bgr, "rvm")
        src, single = as_sequence(src)
        batch = src.shape[0]
        ratio = resolve_downsample_ratio(downsample_ratio, *src.shape[-2:])
        src_flat = fold(src)
        src_sm = src_flat if ratio == 1 else interpolate_frames(src_flat, ratio)
        f1, f2, f3, f4 = self.backbone(src_sm)
        f4 = self.aspp(f4)
        hid, state = self.decoder(unfold(src_sm, batch), *(unfold(f, batch) for f in (f1, f2, f3, f4)),
                                  state=state)
        hid = fold(hid)
        fgr_residual, pha = self.project_mat(hid).split([3, 1], dim=1)
        out = ModelOutput(pha=pha, fgr=fgr_residual, state=state, hid=unfold(hid, batch),
                          seg=unfold(self.project_seg(hid), batch))
        if ratio != 1:
            out.pha_coarse = unfold(pha.clamp(0.0, 1.0), batch)
            out.fgr_coarse = unfold((fgr_residual + src_sm).clamp(0.0, 1.0), batch)
            fgr_residual, pha = self.refiner(src_flat, src_sm, fgr_residual, pha, hid)
        out.pha = unfold(pha.clamp(0.0, 1.0), batch)
        out.fgr = unfold((fgr_residual + src_flat).clamp(0.0, 1.0), batch)
        return out.drop_time() if single else out
