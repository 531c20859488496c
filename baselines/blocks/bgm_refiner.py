"""BGMv2's patch refiner (BackgroundMattingV2 ``model/refiner.py``).

The base network runs at ``backbone_scale`` of the input; its error map, resized to H/4 x W/4, picks
which 4x4 full-resolution patches to refine:

- ``sampling``: the ``sample_pixels // 16`` pixels of largest error (80,000 px -> 5,000 patches), minus
  those whose error is 0 when ``prevent_oversampling`` is on;
- ``thresholding``: every pixel with error > ``threshold``;
- ``full``: everything (the refiner runs as a plain convolution over the whole frame).

For each selected location: an 8x8 crop at H/2 of [hidden 32, alpha 1, foreground residual 3, image 3,
background 3] (42 ch) -> 3x3 valid conv 24 -> 3x3 valid conv 16 (BN, ReLU) -> nearest up to 8x8 ->
concatenated with the 8x8 full-resolution crop of [image, background] -> 22 -> 12 -> 4 (alpha +
foreground residual), pasted over the bilinearly up-sampled coarse output. 15,444 parameters;
names ``conv1.weight``, ``bn1.*`` .. ``conv4.*`` as the official ones.

Differences from the official code, equal where both work: the number of sampled patches is
capped at the number of H/4 x W/4 locations (the official ``topk`` fails on frames too small for
5,000 patches), and the caller pads frames to a multiple of 4 (the official code asserts it).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from mbench.errors import BadInput

MODES = ("sampling", "thresholding", "full")


class Refiner(nn.Module):
    """BGMv2 refinement network.

    Parameters
    ----------
    mode : {"sampling", "thresholding", "full"}
        How patches are chosen (above).
    sample_pixels : int
        Pixels to refine in ``sampling`` mode (divided by 16 = patches).
    threshold : float
        Error threshold of ``thresholding`` mode.
    kernel_size : {1, 3}
        Convolution size (3 in every official model).
    prevent_oversampling : bool
        In ``sampling`` mode, skip locations whose predicted error is exactly 0.
    """

    def __init__(self, mode: str = "sampling", sample_pixels: int = 80_000, threshold: float = 0.1,
                 kernel_size: int = 3, prevent_oversampling: bool = True):
        super().__init__()
        if mode not in MODES:
            raise BadInput(f"unknown refine mode; choose from {', '.join(MODES)}", mode)
        if kernel_size not in (1, 3):
            raise BadInput("refine kernel size must be 1 or 3", str(kernel_size))
        if not (isinstance(sample_pixels, int) and sample_pixels >= 16):
            raise BadInput("refine sample pixels must be an integer >= 16", str(sample_pixels))
        self.mode, self.sample_pixels, self.threshold = mode, sample_pixels, float(threshold)
        self.kernel_size, self.prevent_oversampling = kernel_size, prevent_oversampling
        self.conv1 = nn.Conv2d(42, 24, kernel_size, bias=False)
        self.bn1 = nn.BatchNorm2d(24)
        self.conv2 = nn.Conv2d(24, 16, kernel_size, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16 + 6, 12, kernel_size, bias=False)
        self.bn3 = nn.BatchNorm2d(12)
        self.conv4 = nn.Conv2d(12, 4, kernel_size, bias=True)
        self.relu = nn.ReLU(True)

    def _stage1(self, x: Tensor) -> Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(x)))

    def _stage2(self, x: Tensor) -> Tensor:
        return self.conv4(self.relu(self.bn3(self.conv3(x))))

    def forward(self, src: Tensor, bgr: Tensor, pha: Tensor, fgr: Tensor, err: Tensor,
                hid: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Full-resolution src, bgr (N, 3, H, W), H and W multiples of 4; coarse pha, fgr
        residual, err, hid from the base network.

        Returns (alpha, foreground residual) at full resolution (unclamped) and the refinement
        map ``ref`` (N, 1, H/4, W/4): 1 where a patch was refined.
        """
        full, half, quarter = src.shape[2:], (src.shape[2] // 2, src.shape[3] // 2), \
            (src.shape[2] // 4, src.shape[3] // 4)
        src_bgr = torch.cat([src, bgr], dim=1)
        if self.mode == "full":
            return self._refine_full(src_bgr, pha, fgr, hid, full, half, quarter)
        err = nn.functional.interpolate(err, quarter, mode="bilinear", align_corners=False)
        ref = self.select_refinement_regions(err)
        idx = torch.nonzero(ref.squeeze(1))
        idx = idx[:, 0], idx[:, 1], idx[:, 2]
        out = nn.functional.interpolate(torch.cat([pha, fgr], dim=1), full, mode="bilinear",
                                        align_corners=False)
        if idx[0].numel() > 0:
            pad1, pad2 = (3, 2) if self.kernel_size == 3 else (0, 0)
            x = nn.functional.interpolate(torch.cat([hid, pha, fgr], dim=1), half, mode="bilinear",
                                          align_corners=False)
            y = nn.functional.interpolate(src_bgr, half, mode="bilinear", align_corners=False)
            x = self._stage1(torch.cat([crop_patches(x, idx, 2, pad1),
                                        crop_patches(y, idx, 2, pad1)], dim=1))
            x = nn.functional.interpolate(x, 8 if self.kernel_size == 3 else 4, mode="nearest")
            x = self._stage2(torch.cat([x, crop_patches(src_bgr, idx, 4, pad2)], dim=1))
            out = replace_patches(out, x, idx)
        return out[:, :1], out[:, 1:], ref

    def _refine_full(self, src_bgr: Tensor, pha: Tensor, fgr: Tensor, hid: Tensor, full, half,
                     quarter) -> tuple[Tensor, Tensor, Tensor]:
        x = nn.functional.interpolate(torch.cat([hid, pha, fgr], dim=1), half, mode="bilinear",
                                      align_corners=False)
        y = nn.functional.interpolate(src_bgr, half, mode="bilinear", align_corners=False)
        if self.kernel_size == 3:
            x, y = nn.functional.pad(x, (3, 3, 3, 3)), nn.functional.pad(y, (3, 3, 3, 3))
            x = self._stage1(torch.cat([x, y], dim=1))
            x = nn.functional.interpolate(x, (full[0] + 4, full[1] + 4))
            y = nn.functional.pad(src_bgr, (2, 2, 2, 2))
        else:
            x = self._stage1(torch.cat([x, y], dim=1))
            x = nn.functional.interpolate(x, full, mode="nearest")
            y = src_bgr
        x = self._stage2(torch.cat([x, y], dim=1))
        ref = src_bgr.new_ones((src_bgr.shape[0], 1, *quarter))
        return x[:, :1], x[:, 1:], ref

    def select_refinement_regions(self, err: Tensor) -> Tensor:
        """err (N, 1, h, w) -> a 0/1 map of the locations to refine."""
        if self.mode == "thresholding":
            return err.gt(self.threshold).to(err.dtype)
        b, _, h, w = err.shape
        flat = err.view(b, -1)
        k = min(self.sample_pixels // 16, h * w)
        ref = torch.zeros_like(flat).scatter_(1, flat.topk(k, dim=1, sorted=False).indices, 1.0)
        if self.prevent_oversampling:
            ref = ref * flat.gt(0).to(flat.dtype)
        return ref.view(b, 1, h, w)


def crop_patches(x: Tensor, idx: tuple[Tensor, Tensor, Tensor], size: int, padding: int) -> Tensor:
    """Crops of ``size + 2 padding`` around each selected ``size`` x ``size`` cell of ``x``."""
    if padding:
        x = nn.functional.pad(x, (padding,) * 4)
    window = size + 2 * padding
    patches = x.permute(0, 2, 3, 1).unfold(1, window, size).unfold(2, window, size)
    return patches[idx[0], idx[1], idx[2]]


def replace_patches(x: Tensor, patches: Tensor, idx: tuple[Tensor, Tensor, Tensor]) -> Tensor:
    """Paste 4x4 ``patches`` (K, C, 4, 4) into ``x`` (N, C, H, W) at the selected cells."""
    n, c, h, w = x.shape
    cells = x.view(n, c, h // 4, 4, w // 4, 4).permute(0, 2, 4, 1, 3, 5)
    cells[idx[0], idx[1], idx[2]] = patches  # writes through the view into x
    return x
