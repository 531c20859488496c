"""Geometric transforms as 3x3 matrices, composed and applied in one resampling pass.

RVM's augmentation resamples a frame once per step (motion affine, static affine, crop, flip). Here
every step is a matrix in pixel-centre coordinates (pixel ``(x, y)`` covers ``[x - 0.5, x + 0.5]``),
the chain is multiplied out, and each layer is warped once, so a frame is interpolated once, not four
times. The affine parametrisation is torchvision's ``F.affine`` (rotation, translation, scale, shear
about the image centre), the crop is ``RandomResizedCrop.get_params`` with ``scale=(1, 1)``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

BORDERS = {"constant": cv2.BORDER_CONSTANT, "reflect": cv2.BORDER_REFLECT_101,
           "replicate": cv2.BORDER_REPLICATE}


def affine_matrix(angle: float, translate: tuple[float, float], scale: float,
                  shear: tuple[float, float], size: tuple[int, int]) -> np.ndarray:
    """torchvision's affine ``T * C * RSS * C^-1`` about the centre of an image of ``size = (w, h)``.

    ``angle`` and ``shear`` are in degrees, ``translate`` in pixels.
    """
    w, h = size
    cx, cy = (w - 1) * 0.5, (h - 1) * 0.5
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    rss = np.array([[a * scale, b * scale, 0.0], [c * scale, d * scale, 0.0], [0.0, 0.0, 1.0]])
    centre = np.array([[1.0, 0.0, cx], [0.0, 1.0, cy], [0.0, 0.0, 1.0]])
    uncentre = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]])
    shift = np.array([[1.0, 0.0, translate[0]], [0.0, 1.0, translate[1]], [0.0, 0.0, 1.0]])
    return shift @ centre @ rss @ uncentre


def params_matrix(params: dict, size: tuple[int, int]) -> np.ndarray:
    """The matrix of an affine parameter set ``{angle, tx, ty, scale, shear}`` (translation as a
    fraction of the image size, or in pixels when the set has ``pixels``) for an image of
    ``size = (w, h)``."""
    w, h = size
    tx, ty = (params["tx"], params["ty"]) if "pixels" in params else (params["tx"] * w, params["ty"] * h)
    return affine_matrix(params["angle"], (tx, ty), params["scale"], (params["shear"], 0.0), size)


def crop_matrix(crop: tuple[int, int, int, int], out_size: tuple[int, int]) -> np.ndarray:
    """Map the rectangle ``crop = (x, y, w, h)`` onto an image of ``out_size = (W, H)``."""
    x0, y0, cw, ch = crop
    W, H = out_size
    sx, sy = W / cw, H / ch
    # pixel centres: out + 0.5 = (in - x0 + 0.5) * s
    return np.array([[sx, 0.0, (0.5 - x0) * sx - 0.5], [0.0, sy, (0.5 - y0) * sy - 0.5],
                     [0.0, 0.0, 1.0]])


def hflip_matrix(width: int) -> np.ndarray:
    """Mirror an image of ``width`` columns left to right."""
    return np.array([[-1.0, 0.0, width - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def random_crop(rng: np.random.Generator, size: tuple[int, int],
                ratio: tuple[float, float]) -> tuple[int, int, int, int]:
    """``RandomResizedCrop.get_params(scale=(1, 1), ratio)`` as ``(x, y, w, h)``.

    Ten tries at a full-area crop with a log-uniform aspect ratio, then the central fallback (a
    crop of the extreme ratio), exactly as torchvision does.
    """
    width, height = size
    area = width * height
    lo, hi = math.log(ratio[0]), math.log(ratio[1])
    for _ in range(10):
        aspect = math.exp(rng.uniform(lo, hi)) if hi > lo else math.exp(lo)
        w = int(round(math.sqrt(area * aspect)))
        h = int(round(math.sqrt(area / aspect)))
        if 0 < w <= width and 0 < h <= height:
            y = int(rng.integers(0, height - h + 1))
            x = int(rng.integers(0, width - w + 1))
            return x, y, w, h
    return center_crop(size, ratio)


def center_crop(size: tuple[int, int], ratio: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest central crop whose aspect ratio (w / h) lies in ``ratio``."""
    width, height = size
    in_ratio = width / height
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        w, h = int(round(height * max(ratio))), height
    else:
        w, h = width, height
    w, h = max(1, min(w, width)), max(1, min(h, height))
    return (width - w) // 2, (height - h) // 2, w, h


def working_size(size: tuple[int, int], out_size: tuple[int, int]) -> tuple[int, int]:
    """The size a source frame is first shrunk to (area averaging, so the warp that follows never
    minifies by much): the smallest scale of ``size`` that still covers ``out_size``, as RVM's
    ``_downsample_if_needed`` shrinks to the output's short side. Never enlarges."""
    w, h = size
    W, H = out_size
    s = max(W / w, H / h)
    if s >= 1:
        return w, h
    return min(w, max(W, int(round(w * s)))), min(h, max(H, int(round(h * s))))


def shrink(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-average ``img`` down to ``size = (w, h)`` (no-op when it already has that size)."""
    if (img.shape[1], img.shape[0]) == tuple(size):
        return img
    return cv2.resize(img, tuple(size), interpolation=cv2.INTER_AREA)


def warp(img: np.ndarray, matrix: np.ndarray, out_size: tuple[int, int], border: str = "constant",
         value: float = 0) -> np.ndarray:
    """Resample ``img`` through the forward ``matrix`` into an image of ``out_size`` (bilinear)."""
    channels = 1 if img.ndim == 2 else img.shape[2]
    padded = channels == 3 and img.dtype == np.uint8
    if padded:  # OpenCV warps 4-channel bytes about twice as fast as 3-channel ones (same values)
        img, channels = cv2.cvtColor(img, cv2.COLOR_RGB2RGBA), 4
    out = cv2.warpAffine(img, np.ascontiguousarray(matrix[:2], dtype=np.float64), tuple(out_size),
                         flags=cv2.INTER_LINEAR, borderMode=BORDERS[border],
                         borderValue=(value,) * channels if channels > 1 else value)
    return cv2.cvtColor(out, cv2.COLOR_RGBA2RGB) if padded else out
