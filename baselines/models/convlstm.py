"""Video matting with ConvLSTM (seed 000): BGMv2's base network without the background input.

ResNet-50 (or -101 / MobileNetV2) at output stride 16 on the 3-channel frame (0..1, no
normalisation), DeepLabV3 ASPP, and BGMv2's decoder with a ConvLSTM after each of its first three
blocks (128, 64 and 48 channels at 1/8, 1/4, 1/2), carrying the clip's temporal context. 37 output
channels as BGMv2: alpha, foreground residual 3, error, 32 hidden channels (unused by seed 000, kept
so BGMv2 weights transfer). Frames are folded to (B*T, C, H, W) for the 2-D layers and unfolded for
the ConvLSTMs. ResNet-50: 40,221,852 base + 1,641,408 ConvLSTM parameters.

Names follow BGMv2 (``backbone.*``, ``aspp.*``, ``decoder.conv1`` ..) plus ``decoder.lstm1..3.conv``, so
``load_weights(model, bgmv2_checkpoint, strict=False)`` transfers everything except the first
convolution (6 -> 3 input channels), the last one (its input includes the 6-channel image) and the
ConvLSTMs, as seed 000 did.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from ..blocks.bgm_decoder import RecurrentBGMDecoder
from ..blocks.init import init_head_, init_weights
from ..blocks.layers import check_width_mult, fold, unfold
from .base import MattingModel, ModelOutput, as_sequence, refuse_background, seeded_generator
from .bgmv2 import HEAD_BIAS, base_network, split_output

BACKBONES = ("resnet50", "resnet101", "mobilenetv2")


class ConvLSTMMatting(MattingModel):
    """Seed 000's model.

    Parameters
    ----------
    backbone : {"resnet50", "resnet101", "mobilenetv2"}
        Encoder (seed 000 uses ResNet-50).
    width_mult : float
        Channel multiplier of encoder, ASPP and decoder (the 37 outputs stay).
    seed : int
        Seed of the ImageNet-free initialisation.
    """

    LR_GROUPS = {"backbone": ("backbone",), "aspp": ("aspp",), "decoder": ("decoder",)}

    def __init__(self, backbone: str = "resnet50", *, width_mult: float = 1.0, seed: int = 0):
        super().__init__()
        base_network(self, backbone, 3, check_width_mult(width_mult), RecurrentBGMDecoder, BACKBONES)
        generator = seeded_generator(seed)
        init_weights(self, generator)
        init_head_(self.decoder.conv4, HEAD_BIAS, generator, rows=slice(0, 5))

    def forward(self, src: Tensor, *, bgr: Tensor | None = None,
                state: Sequence[tuple[Tensor, Tensor]] | None = None) -> ModelOutput:
        """Matte frames.

        Parameters
        ----------
        src : Tensor
            (B, T, 3, H, W) or (B, 3, H, W) in 0..1.
        bgr : None
            Not used (passing one is an error).
        state : tuple, optional
            ((h1, c1), (h2, c2), (h3, c3)) from the previous call on the same clips.

        Returns
        -------
        ModelOutput
            pha, fgr, err, hid (all at the input resolution) and state.
        """
        refuse_background(bgr, "convlstm")
        src, single = as_sequence(src)
        batch = src.shape[0]
        x = fold(src)
        f1, f2, f3, f4 = self.backbone(x)
        out, state = self.decoder(self.aspp(f4), f3, f2, f1, x, batch=batch, state=state)
        pha, fgr_residual, err, hid = split_output(out)
        result = ModelOutput(pha=unfold(pha, batch), fgr=unfold((fgr_residual + x).clamp(0.0, 1.0), batch),
                             err=unfold(err, batch), hid=unfold(hid, batch), state=state)
        return result.drop_time() if single else result
