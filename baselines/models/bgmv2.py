"""Background Matting V2 (seed 003; BackgroundMattingV2 ``model/model.py``, ``MattingRefine``).

Image and captured background in (6 channels, 0..1, no normalisation). The base network (ResNet-50/101
or MobileNetV2 at output stride 16, DeepLabV3 ASPP with rates 3/6/9, BGMv2 decoder) runs at
``backbone_scale`` (1/4) of the input and predicts alpha, foreground residual, error and 32 hidden
channels; the refiner then recomputes the 4x4 full-resolution patches with the largest predicted
error (``refine_mode``). With ``refine=False`` the base network alone runs on the input as given
(``MattingBase``, the first training stage). Parameters: MobileNetV2 5,006,839 (refiner 15,444),
ResNet-50 40,247,703, ResNet-101 59,239,831.

State-dict names are the official ones (``backbone.features.N.conv...`` / ``backbone.layer1.0.conv1``,
``aspp.convs.0.0.weight``, ``decoder.conv1.weight``, ``refiner.conv1.weight``), so BGMv2's released
``pytorch_*.pth`` checkpoints load with :func:`mbench.baselines.weights.load_weights`.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from mbench.errors import BadInput

from ..blocks.aspp import ASPP
from ..blocks.backbones import build_backbone
from ..blocks.bgm_decoder import BGMDecoder
from ..blocks.bgm_refiner import Refiner
from ..blocks.init import init_head_, init_weights
from ..blocks.layers import check_width_mult, fold, scaled, unfold
from .base import MattingModel, ModelOutput, as_sequence, seeded_generator

BACKBONES = ("resnet50", "resnet101", "mobilenetv2")
OUT_CHANNELS = 1 + 3 + 1 + 32  # alpha, foreground residual, error, hidden
HEAD_BIAS = [0.5, 0.0, 0.0, 0.0, 0.5]  # alpha, foreground residual, error (see blocks/init.py)


def base_network(model: nn.Module, backbone: str, in_channels: int, width_mult: float,
                 decoder_cls: type[BGMDecoder] = BGMDecoder,
                 allowed: tuple[str, ...] = BACKBONES) -> None:
    """Attach BGMv2's base network (``backbone``, ``aspp``, ``decoder``) to ``model``.

    Shared with seed 000, which is the same network on 3 input channels with ConvLSTMs.
    """
    model.backbone = build_backbone(backbone, in_channels, width_mult, normalize=False,
                                    allowed=allowed)
    model.aspp = ASPP(model.backbone.channels[3], (3, 6, 9), scaled(256, width_mult))
    channels = [model.aspp.out_channels, *(scaled(c, width_mult) for c in (128, 64, 48)), OUT_CHANNELS]
    skips = [*model.backbone.channels[2::-1], in_channels]
    model.decoder = decoder_cls(channels, skips)


def split_output(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Decoder output -> (alpha clamped, foreground residual, error clamped, hidden ReLU)."""
    return x[:, 0:1].clamp(0.0, 1.0), x[:, 1:4], x[:, 4:5].clamp(0.0, 1.0), x[:, 5:].relu()


class BGMv2(MattingModel):
    """BGMv2 ``MattingRefine``.

    Parameters
    ----------
    backbone : {"resnet50", "resnet101", "mobilenetv2"}
        Encoder (the paper's main model is ResNet-50).
    width_mult : float
        Channel multiplier of encoder, ASPP and decoder (the 37 outputs and the refiner stay).
    backbone_scale : float
        Scale at which the base network sees the input (<= 1/2; 1/4 for HD, 1/8 for 4K).
    refine_mode : {"sampling", "thresholding", "full"}
        Patch selection (see :mod:`..blocks.bgm_refiner`).
    refine_sample_pixels : int
        Pixels refined in sampling mode (80,000 = 5,000 patches).
    refine_threshold : float
        Error threshold of thresholding mode.
    refine_kernel_size : {1, 3}
        Refiner convolution size.
    refine_prevent_oversampling : bool
        Sampling mode skips locations of zero predicted error.
    seed : int
        Seed of the ImageNet-free initialisation.
    """

    LR_GROUPS = {"backbone": ("backbone",), "aspp": ("aspp",), "decoder": ("decoder",),
                 "refiner": ("refiner",)}

    def __init__(self, backbone: str = "resnet50", *, width_mult: float = 1.0,
                 backbone_scale: float = 0.25, refine_mode: str = "sampling",
                 refine_sample_pixels: int = 80_000, refine_threshold: float = 0.1,
                 refine_kernel_size: int = 3, refine_prevent_oversampling: bool = True,
                 seed: int = 0):
        super().__init__()
        width_mult = check_width_mult(width_mult)
        if isinstance(backbone_scale, bool) or not isinstance(backbone_scale, (int, float)) \
                or not 0 < backbone_scale <= 0.5:
            raise BadInput("backbone_scale must be in (0, 1/2]", str(backbone_scale))
        self.backbone_scale = float(backbone_scale)
        base_network(self, backbone, 6, width_mult)
        self.refiner = Refiner(refine_mode, refine_sample_pixels, refine_threshold,
                               refine_kernel_size, refine_prevent_oversampling)
        generator = seeded_generator(seed)
        init_weights(self, generator)
        init_head_(self.decoder.conv4, HEAD_BIAS, generator, rows=slice(0, 5))

    def forward(self, src: Tensor, *, bgr: Tensor | None = None, state: None = None,
                refine: bool = True) -> ModelOutput:
        """Matte frames against their captured background.

        Parameters
        ----------
        src : Tensor
            (B, T, 3, H, W) or (B, 3, H, W) in 0..1.
        bgr : Tensor
            The background: same shape as ``src``, or (B, 3, H, W) for a 5-D ``src`` (one static
            background per clip, shared by its frames).
        state : None
            BGMv2 has no memory (accepted for a uniform interface; must be None).
        refine : bool
            True: base network at ``backbone_scale`` plus refiner (frames whose sides are not
            multiples of 4 are padded by edge replication, then cropped back). False: the base
            network alone at the input resolution.

        Returns
        -------
        ModelOutput
            refine: pha, fgr (full resolution), pha_coarse, fgr_coarse, err, hid (base resolution),
            ref (H/4 x W/4). Without refine: pha, fgr, err, hid at the input resolution.
        """
        src, single = as_sequence(src)
        bgr = self._background(bgr, src)
        if state is not None:
            raise BadInput("bgmv2 has no recurrent state; pass state=None", "state")
        batch = src.shape[0]
        src_flat, bgr_flat = fold(src), fold(bgr)
        if refine:
            out = self._refined(src_flat, bgr_flat)
        else:
            pha, fgr_residual, err, hid = self._base(src_flat, bgr_flat)
            out = {"pha": pha, "fgr": (fgr_residual + src_flat).clamp(0.0, 1.0), "err": err, "hid": hid}
        result = ModelOutput(**{k: unfold(v, batch) for k, v in out.items()})
        return result.drop_time() if single else result

    def _base(self, src: Tensor, bgr: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        x = torch.cat([src, bgr], dim=1)
        f1, f2, f3, f4 = self.backbone(x)
        return split_output(self.decoder(self.aspp(f4), f3, f2, f1, x))

    def _refined(self, src: Tensor, bgr: Tensor) -> dict[str, Tensor]:
        height, width = src.shape[-2:]
        pad = (0, -width % 4, 0, -height % 4)
        if any(pad):
            src = nn.functional.pad(src, pad, mode="replicate")
            bgr = nn.functional.pad(bgr, pad, mode="replicate")
        src_sm, bgr_sm = (nn.functional.interpolate(x, scale_factor=self.backbone_scale,
                                                    mode="bilinear", align_corners=False,
                                                    recompute_scale_factor=True) for x in (src, bgr))
        pha_sm, fgr_sm, err_sm, hid_sm = self._base(src_sm, bgr_sm)
        pha, fgr_residual, ref = self.refiner(src, bgr, pha_sm, fgr_sm, err_sm, hid_sm)
        return {
            "pha": pha.clamp(0.0, 1.0)[..., :height, :width],
            "fgr": (fgr_residual + src).clamp(0.0, 1.0)[..., :height, :width],
            "pha_coarse": pha_sm, "fgr_coarse": (fgr_sm + src_sm).clamp(0.0, 1.0),
            "err": err_sm, "hid": hid_sm, "ref": ref,
        }

    @staticmethod
    def _background(bgr: Tensor | None, src: Tensor) -> Tensor:
        if bgr is None:
            raise BadInput("bgmv2 needs the captured background (bgr=...)", "bgr")
        if isinstance(bgr, Tensor) and bgr.ndim == 4 and bgr.shape[0] == src.shape[0]:
            bgr = bgr.unsqueeze(1).expand(-1, src.shape[1], -1, -1, -1)
        bgr, _ = as_sequence(bgr, "bgr")
        if bgr.shape != src.shape:
            raise BadInput(f"background shape {tuple(bgr.shape)} does not match the frames "
                           f"{tuple(src.shape)}", "bgr")
        return bgr

