"""Geometry resampled step by step, as RobustVideoMatting does it (``resampling = "every-step"``).

RVM (``dataset/videomatte.py``, ``dataset/augmentation.py``, torchvision 0.10, Pillow) shrinks every
source frame with PIL's default ``resize`` (bicubic) so that its short side is the training size
(the new sides truncated to integers), warps the PIL images with ``F.affine`` once per motion and
once for the static affine (bilinear, black outside the frame, rounded to bytes each time), then
converts to float, crops and resizes the crop (bilinear, ``align_corners=False``, no antialiasing,
in float) and flips. Here the PIL steps call Pillow itself, so they give the bytes RVM's PIL steps
give; the float crop-resize is OpenCV's bilinear resize, which agrees with torch's within float
rounding (tests/synth/test_synth_rvm.py measures both).

The default ``resampling = "once"`` (:mod:`mbench.synth.render`) multiplies the same steps into
one matrix and warps once: sharper, faster, and with fractional translations possible.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from .motion import motion_at


def working_size(size: tuple[int, int], out_size: tuple[int, int]) -> tuple[int, int]:
    """RVM's ``_downsample_if_needed`` generalised to a ``(W, H)`` output: when the source is larger
    than the output (for a square output: its short side exceeds the output's side), scale it by
    ``max(W / w, H / h)`` and truncate the new sides."""
    w, h = size
    s = max(out_size[0] / w, out_size[1] / h)
    if s >= 1:
        return w, h
    return int(s * w), int(s * h)


def shrink(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """PIL's default ``resize`` (bicubic) of a ``uint8`` frame to ``size = (w, h)``."""
    if (img.shape[1], img.shape[0]) == tuple(size):
        return img
    return np.asarray(Image.fromarray(img).resize(tuple(size), Image.BICUBIC))


def inverse_coefficients(params: dict, size: tuple[int, int]) -> tuple[float, ...]:
    """The six numbers PIL's affine ``transform`` takes (output -> input, PIL coordinates) for
    torchvision's affine about the image centre ``(w / 2, h / 2)``.

    The forward map is ``T C R C^-1`` (``R``: rotation, x-shear and scale, determinant
    ``scale^2``); its inverse is ``C R^-1 C^-1 T^-1`` with ``R^-1`` written out.
    """
    w, h = size
    cx, cy = w * 0.5, h * 0.5
    tx, ty = (params["tx"], params["ty"]) if "pixels" in params else (params["tx"] * w, params["ty"] * h)
    rot, shear, scale = math.radians(params["angle"]), math.radians(params["shear"]), params["scale"]
    # rotation-shear part without scale: [[a, b], [c, d]], determinant 1 (y-shear is 0)
    a = math.cos(rot)
    b = -math.cos(rot) * math.tan(shear) - math.sin(rot)
    c = math.sin(rot)
    d = -math.sin(rot) * math.tan(shear) + math.cos(rot)
    m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    m[2] = m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] = m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return tuple(m)


def pil_affine(img: np.ndarray, params: dict) -> np.ndarray:
    """``F.affine`` of a PIL image: bilinear, black outside, same size, ``uint8`` in and out."""
    h, w = img.shape[:2]
    out = Image.fromarray(img).transform((w, h), Image.AFFINE, inverse_coefficients(params, (w, h)),
                                         resample=Image.BILINEAR, fillcolor=0)
    return np.asarray(out)


def crop_resize(img: np.ndarray, crop: list[int], out_size: tuple[int, int]) -> np.ndarray:
    """``F.resized_crop`` of a float tensor: the crop ``(x, y, w, h)``, bilinear to ``out_size``."""
    x, y, w, h = crop
    part = np.ascontiguousarray(img[y:y + h, x:x + w])
    if (w, h) == tuple(out_size):
        return part
    return cv2.resize(part, tuple(out_size), interpolation=cv2.INTER_LINEAR)


def layer_geometry(aug: dict, layer: str, frames: tuple[np.ndarray, ...], t: int, length: int,
                   out_size: tuple[int, int], flip: bool) -> list[np.ndarray]:
    """``layer``'s ("fg": colour and alpha, "bg") frames at ``t`` through RVM's steps, as float32
    in [0, 1]: the layer's own motion, the joint motion, the static affine (PIL, each), to float,
    crop and resize, flip."""
    steps = [motion_at(aug[name], t, length) for name in (f"{layer}_motion", "joint_motion") if aug[name]]
    if aug[f"{layer}_static"]:
        steps.append(aug[f"{layer}_static"])
    out = []
    for img in frames:
        for params in steps:
            img = pil_affine(img, params)
        img = np.float32(img) / np.float32(255)  # F.to_tensor: a division, not a product
        img = crop_resize(img, aug[f"{layer}_crop"], out_size)
        out.append(np.ascontiguousarray(img[:, ::-1]) if flip else img)
    return out
