"""Deep Guided Filter (Wu et al. 2018) as RVM's high-resolution refiner (``model/deep_guided_filter.py``).

The network runs on a downsampled frame; the guided filter carries its low-resolution alpha and
foreground residual to full resolution, guided by the full-resolution image. With x the guide
(RGB + its grey mean, 4 ch) and y the output (foreground residual 3 + alpha 1):

    mean_x, mean_y = box(x), box(y);  cov_xy = box(x y) - mean_x mean_y;  var_x = box(x x) - mean_x^2
    A = conv(cat[cov_xy, var_x, hidden])  (1x1 convs 24 -> 16 -> 16 -> 4, BN, ReLU)
    b = mean_y - A mean_x
    out = up(A) * x_fine + up(b)          (bilinear up-sampling of A and b)

``box`` is a depthwise 3x3 convolution initialised to 1/9 (and trainable, as in RVM). 808
parameters with 16 hidden channels. Names ``box_filter.weight``, ``conv.0.weight`` .. ``conv.6.bias``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .init import init_head_


class DeepGuidedFilterRefiner(nn.Module):
    """Deep Guided Filter over (foreground residual, alpha) with ``hid_channels`` decoder features."""

    def __init__(self, hid_channels: int = 16):
        super().__init__()
        self.box_filter = nn.Conv2d(4, 4, kernel_size=3, padding=1, bias=False, groups=4)
        self.conv = nn.Sequential(
            nn.Conv2d(4 * 2 + hid_channels, hid_channels, kernel_size=1, bias=False),
            nn.BatchNorm2d(hid_channels),
            nn.ReLU(True),
            nn.Conv2d(hid_channels, hid_channels, kernel_size=1, bias=False),
            nn.BatchNorm2d(hid_channels),
            nn.ReLU(True),
            nn.Conv2d(hid_channels, 4, kernel_size=1, bias=True),
        )

    def forward(self, fine_src: Tensor, base_src: Tensor, base_fgr: Tensor, base_pha: Tensor,
                base_hid: Tensor) -> tuple[Tensor, Tensor]:
        """Frames folded to (N, C, h, w) at low and (N, 3, H, W) at full resolution.

        Returns the full-resolution (foreground residual, alpha), unclamped.
        """
        fine_x = torch.cat([fine_src, fine_src.mean(1, keepdim=True)], dim=1)
        base_x = torch.cat([base_src, base_src.mean(1, keepdim=True)], dim=1)
        base_y = torch.cat([base_fgr, base_pha], dim=1)
        mean_x = self.box_filter(base_x)
        mean_y = self.box_filter(base_y)
        cov_xy = self.box_filter(base_x * base_y) - mean_x * mean_y
        var_x = self.box_filter(base_x * base_x) - mean_x * mean_x
        a = self.conv(torch.cat([cov_xy, var_x, base_hid], dim=1))
        b = mean_y - a * mean_x
        size = fine_src.shape[2:]
        a = nn.functional.interpolate(a, size, mode="bilinear", align_corners=False)
        b = nn.functional.interpolate(b, size, mode="bilinear", align_corners=False)
        fgr, pha = (a * fine_x + b).split([3, 1], dim=1)
        return fgr, pha

    def init_parameters(self, generator: torch.Generator) -> None:
        with torch.no_grad():
            self.box_filter.weight.fill_(1 / 9)
        init_head_(self.conv[6], [0.0] * 4, generator)
