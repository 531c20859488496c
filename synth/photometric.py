"""Pixel operations of the augmentation, on float32 images in [0, 1] (RVM / torchvision semantics).

Colour images are ``(H, W, 3)``, alpha ``(H, W)``. Each function returns a new array (or the input
when it has nothing to do) and keeps values in [0, 1]. Mixing of channels goes through
``cv2.transform`` (a 3x3 or 1x3 colour matrix per pixel) rather than numpy broadcasts over the
channel axis, which are several times slower on interleaved images.
"""

from __future__ import annotations

import cv2
import numpy as np

from .geometry import warp

# torchvision's rgb_to_grayscale weights
_GRAY = np.array([0.2989, 0.587, 0.114], dtype=np.float32)
# torchvision's adjust_sharpness smoothing kernel
_SMOOTH = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], dtype=np.float32) / np.float32(13)


def _mix(img: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Each pixel's channels times ``matrix`` (rows: output channels)."""
    return cv2.transform(np.ascontiguousarray(img, dtype=np.float32), np.asarray(matrix, np.float32))


def gray(img: np.ndarray) -> np.ndarray:
    """Luma of an RGB image, ``(H, W)``."""
    return _mix(img, _GRAY[None, :]).reshape(img.shape[:2])


def to_grayscale(img: np.ndarray) -> np.ndarray:
    """Grayscale with three equal channels."""
    return _mix(img, np.repeat(_GRAY[None, :], 3, axis=0))


def _blend(img: np.ndarray, other: np.ndarray | np.float32, factor: float) -> np.ndarray:
    f = np.float32(factor)
    out = img * f + other * (np.float32(1) - f)
    return np.clip(out, 0, 1, out=out)


def adjust_brightness(img: np.ndarray, factor: float) -> np.ndarray:
    return _blend(img, np.float32(0), factor)


def adjust_contrast(img: np.ndarray, factor: float) -> np.ndarray:
    # the mean luma is the luma of the channel means (float64 sums)
    mean = float(np.dot(_GRAY.astype(np.float64), cv2.mean(np.ascontiguousarray(img, dtype=np.float32))[:3]))
    return _blend(img, np.float32(mean), factor)


def adjust_saturation(img: np.ndarray, factor: float) -> np.ndarray:
    # factor * img + (1 - factor) * gray(img), as one colour matrix
    f = np.float32(factor)
    out = _mix(img, f * np.eye(3, dtype=np.float32) + (np.float32(1) - f) * np.repeat(_GRAY[None, :], 3, axis=0))
    return np.clip(out, 0, 1, out=out)


def adjust_hue(img: np.ndarray, shift: float) -> np.ndarray:
    """Rotate hue by ``shift`` turns (in [-0.5, 0.5])."""
    if shift == 0:
        return img
    hsv = cv2.cvtColor(np.ascontiguousarray(img, dtype=np.float32), cv2.COLOR_RGB2HSV)
    # a turn in [0, 1) added to hue in [0, 360): OpenCV's HSV2RGB wraps hues of 360 and above
    hsv = cv2.add(hsv, (float(shift % 1.0) * 360.0, 0.0, 0.0, 0.0))
    out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return np.clip(out, 0, 1, out=out)


def color_jitter(img: np.ndarray, brightness: float, contrast: float, saturation: float,
                 hue: float) -> np.ndarray:
    """Brightness, contrast, saturation, hue, in that order (RVM's ``_motion_color_jitter``)."""
    img = adjust_brightness(img, brightness)
    img = adjust_contrast(img, contrast)
    img = adjust_saturation(img, saturation)
    return adjust_hue(img, hue)


def sharpen(img: np.ndarray, factor: float) -> np.ndarray:
    """torchvision's ``adjust_sharpness``: blend with a smoothed copy (factor 0 smooths, > 1
    sharpens); the one-pixel border keeps its values, as there."""
    if img.shape[0] < 3 or img.shape[1] < 3:
        return img
    smooth = cv2.filter2D(img, -1, _SMOOTH, borderType=cv2.BORDER_REPLICATE)
    smooth[0, ...] = img[0, ...]
    smooth[-1, ...] = img[-1, ...]
    smooth[:, 0, ...] = img[:, 0, ...]
    smooth[:, -1, ...] = img[:, -1, ...]
    return _blend(img, smooth, factor)


def blur_kernel(sigma: float) -> int:
    """RVM's kernel size for a sigma: ``int(2 sigma)`` made odd."""
    k = int(sigma * 2)
    return k + 1 if k % 2 == 0 else k


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0:
        return img
    k = blur_kernel(sigma)
    return cv2.GaussianBlur(img, (k, k), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101)


def noise_field(rng: np.random.Generator, shape: tuple[int, int], grain: float,
                mono: bool) -> np.ndarray:
    """Gaussian noise drawn at ``1 / grain`` of the size and upsampled: ``(H, W, 1 or 3)``."""
    h, w = shape
    small = rng.standard_normal((max(1, round(h / grain)), max(1, round(w / grain)), 1 if mono else 3),
                                dtype=np.float32)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return big.reshape(h, w, 1 if mono else 3)


def _planes3(a: np.ndarray) -> np.ndarray:
    """An ``(H, W)`` or ``(H, W, 1)`` array repeated into three channels (float32)."""
    return cv2.cvtColor(np.ascontiguousarray(a.reshape(a.shape[:2]), dtype=np.float32), cv2.COLOR_GRAY2RGB)


def add_noise(img: np.ndarray, field: np.ndarray, sigma: float) -> np.ndarray:
    if field.ndim == 3 and field.shape[2] == 1 and img.ndim == 3 and img.shape[2] == 3:
        field = _planes3(field)
    out = img + field * np.float32(sigma)
    return np.clip(out, 0, 1, out=out)


def box_blur(img: np.ndarray, size: int) -> np.ndarray:
    return cv2.blur(img, (size, size), borderType=cv2.BORDER_REFLECT_101)


def cast_shadow(bgr: np.ndarray, pha: np.ndarray, strength: float, matrix: np.ndarray,
                blur: int) -> np.ndarray:
    """BGMv2's synthetic shadow: the matte, darkened by ``strength``, moved by ``matrix``, box
    blurred, subtracted from the background."""
    h, w = pha.shape
    shadow = warp(pha * np.float32(strength), matrix, (w, h))
    if blur > 1:
        shadow = box_blur(shadow, blur)
    out = bgr - _planes3(shadow)
    return np.clip(out, 0, 1, out=out)
