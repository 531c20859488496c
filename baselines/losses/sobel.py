"""Sobel gradient magnitude, as ``kornia.filters.sobel`` computes it (BGMv2 and seed 000 losses).

The 3x3 Sobel kernels are normalised by the sum of their absolute values (1/8), applied as a
correlation with replicate padding, and combined as ``sqrt(gx^2 + gy^2 + eps)`` with eps = 1e-6
(kornia's default; it keeps the gradient of the square root finite on flat regions).
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

EPS = 1e-6
_SOBEL_X = ((-1.0, 0.0, 1.0), (-2.0, 0.0, 2.0), (-1.0, 0.0, 1.0))


def sobel_kernels(device: torch.device | None = None, dtype: torch.dtype = torch.float32) -> Tensor:
    """The normalised x and y kernels, shape (2, 1, 3, 3)."""
    kx = torch.tensor(_SOBEL_X, device=device, dtype=dtype) / 8.0
    return torch.stack([kx, kx.t()]).unsqueeze(1)


def sobel(x: Tensor, eps: float = EPS) -> Tensor:
    """Gradient magnitude of every channel of ``x`` (N, C, H, W) -> (N, C, H, W)."""
    n, c, h, w = x.shape
    flat = F.pad(x.reshape(n * c, 1, h, w), (1, 1, 1, 1), mode="replicate")
    g = F.conv2d(flat, sobel_kernels(x.device, x.dtype))
    return torch.sqrt(g[:, 0] ** 2 + g[:, 1] ** 2 + eps).reshape(n, c, h, w)
