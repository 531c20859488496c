"""Laplacian-pyramid L1 loss (RVM ``train_loss.py``; seed 002 eq. 5).

Pyramid: at each level the image is cropped to even sides, blurred with the 5x5 kernel
[1, 4, 6, 4, 1]^T [1, 4, 6, 4, 1] / 256 (reflect padding) and subsampled 2x; the level is the
image minus the blurred, zero-stuffed (x4) up-sampling of that. Level ``l`` (0-based) weighs 2^l.

RVM averages over its 5 levels (``/ 5``); seed 002 writes the plain sum (``sum_s 2^(s-1)``).
Frames too small for 5 levels (reflect padding needs sides >= 4 at the last level, i.e. at least
64 px for 5 levels) use as many levels as fit, and RVM's mean divides by the levels used.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

LEVELS = 5
_TAPS = (1.0, 4.0, 6.0, 4.0, 1.0)


def gauss_kernel(device: torch.device | None = None, dtype: torch.dtype = torch.float32) -> Tensor:
    """The 5x5 binomial kernel, shape (1, 1, 5, 5), summing to one."""
    taps = torch.tensor(_TAPS, device=device, dtype=dtype)
    return (torch.outer(taps, taps) / 256.0)[None, None]


def _blur(x: Tensor, kernel: Tensor) -> Tensor:
    n, c, h, w = x.shape
    flat = F.pad(x.reshape(n * c, 1, h, w), (2, 2, 2, 2), mode="reflect")
    return F.conv2d(flat, kernel).reshape(n, c, h, w)


def _down(x: Tensor, kernel: Tensor) -> Tensor:
    return _blur(x, kernel)[:, :, ::2, ::2]


def _up(x: Tensor, kernel: Tensor) -> Tensor:
    n, c, h, w = x.shape
    out = x.new_zeros((n, c, h * 2, w * 2))
    out[:, :, ::2, ::2] = x * 4
    return _blur(out, kernel)


def usable_levels(height: int, width: int, levels: int = LEVELS) -> int:
    """How many of ``levels`` fit frames of this size (each level's even-cropped input >= 4 px)."""
    n = 0
    while n < levels and min(height, width) >= 4:
        height, width = height // 2, width // 2
        n += 1
    return n


def laplacian_pyramid(x: Tensor, levels: int = LEVELS) -> list[Tensor]:
    """The band-pass levels of ``x`` (N, C, H, W), finest first."""
    kernel = gauss_kernel(x.device, x.dtype)
    pyramid = []
    current = x
    for _ in range(levels):
        h, w = current.shape[-2:]
        current = current[:, :, : h - h % 2, : w - w % 2]
        down = _down(current, kernel)
        pyramid.append(current - _up(down, kernel))
        current = down
    return pyramid


def laplacian_loss(pred: Tensor, true: Tensor, levels: int = LEVELS, *, mean: bool = True) -> Tensor:
    """sum_l 2^l * L1(pyramid_l(pred), pyramid_l(true)), divided by the levels when ``mean``.

    Parameters
    ----------
    pred, true : Tensor
        (N, C, H, W) images (alpha mattes).
    levels : int
        Pyramid levels (5 in RVM and seed 002); fewer when the frames are too small.
    mean : bool
        True: RVM's average over levels; False: seed 002's sum.
    """
    used = usable_levels(*pred.shape[-2:], levels)
    total = pred.new_zeros(())
    for level, (p, t) in enumerate(zip(laplacian_pyramid(pred, used), laplacian_pyramid(true, used))):
        total = total + (2 ** level) * F.l1_loss(p, t)
    return total / used if mean else total
