"""Trimaps from ground-truth alpha: known foreground, known background, and an unknown band.

The band is made the way the image-matting benchmarks and their training pipelines make it
(Deep Image Matting's and GCA-Matting's data code): the fully opaque pixels and the fully
transparent pixels are each eroded with an elliptical structuring element of diameter
``2 * width + 1``; what neither eroded set covers is unknown. A pixel with 0 < alpha < max is
therefore always unknown, and the band reaches ``width`` pixels into both known regions.
"""

from __future__ import annotations

import cv2
import numpy as np

FOREGROUND = 255
UNKNOWN = 128
BACKGROUND = 0


def _kernel(width: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))


def make_trimap(alpha: np.ndarray, width: int, *, bg_width: int | None = None) -> np.ndarray:
    """Trimap (uint8: 0 background, 128 unknown, 255 foreground) of one alpha matte.

    Parameters
    ----------
    alpha : ndarray (H, W)
        uint8 (opaque = 255), uint16 (opaque = 65535) or float in [0, 1] (opaque = 1.0).
    width : int
        How far, in pixels, the unknown band reaches into the opaque region (>= 0).
    bg_width : int, optional
        The same into the transparent region; ``width`` when not given.

    Returns
    -------
    ndarray (H, W) uint8
        Deterministic: the same alpha and widths always give the same trimap.
    """
    if alpha.ndim != 2:
        raise ValueError(f"alpha must be (H, W), got shape {alpha.shape}")
    bg_width = width if bg_width is None else bg_width
    if width < 0 or bg_width < 0:
        raise ValueError("trimap widths must be >= 0")
    if alpha.dtype == np.uint8:
        opaque = alpha == 255
    elif alpha.dtype == np.uint16:
        opaque = alpha == 65535
    else:
        opaque = alpha >= 1.0
    transparent = alpha == 0
    fg = opaque.astype(np.uint8)
    bg = transparent.astype(np.uint8)
    # Erosion with a zero border would grow the band at the image edge; a replicated border keeps a
    # region that touches the edge known there, as the benchmark trimaps do.
    if width > 0:
        fg = cv2.erode(fg, _kernel(width), borderType=cv2.BORDER_REPLICATE)
    if bg_width > 0:
        bg = cv2.erode(bg, _kernel(bg_width), borderType=cv2.BORDER_REPLICATE)
    trimap = np.full(alpha.shape, UNKNOWN, np.uint8)
    trimap[fg == 1] = FOREGROUND
    trimap[bg == 1] = BACKGROUND
    return trimap
