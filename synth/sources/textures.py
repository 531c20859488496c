"""Procedural texture primitives: noise, stripes, checkers, blobs, colour helpers.

Patterns are ``float32`` arrays in [0, 1] of a given ``(height, width)``; colour helpers turn
them into ``(H, W, 3)`` RGB ``float32`` in [0, 1]. Every random draw comes from the generator a
caller passes in, so a texture is a pure function of that generator's seed. Shared by the
clothes and skin of the procedural subjects and by the built-in background textures.
"""

from __future__ import annotations

import colorsys
import math

import cv2
import numpy as np


def value_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float,
                octaves: int = 4, persistence: float = 0.5) -> np.ndarray:
    """Fractal value noise: random grids upsampled bicubically, summed over octaves.

    Parameters
    ----------
    rng : numpy.random.Generator
    shape : (height, width)
    cell : float
        Size in pixels of the coarsest octave's grid cell (the feature size).
    octaves : int
        Number of octaves; each halves the cell size.
    persistence : float
        Amplitude ratio between consecutive octaves.

    Returns
    -------
    numpy.ndarray
        ``float32`` array of ``shape`` stretched to [0, 1].
    """
    h, w = shape
    out = np.zeros((h, w), np.float32)
    amp = 1.0
    for _ in range(max(1, octaves)):
        c = max(float(cell), 1.0)
        gh, gw = int(math.ceil(h / c)) + 3, int(math.ceil(w / c)) + 3
        grid = rng.random((gh, gw), dtype=np.float32)
        up = cv2.resize(grid, (int(math.ceil(gw * c)), int(math.ceil(gh * c))),
                        interpolation=cv2.INTER_CUBIC)
        # a random sub-cell offset so that the octaves' grid lines do not align
        oy, ox = (int(v) for v in rng.integers(0, int(c) + 1, 2))
        out += np.float32(amp) * up[oy:oy + h, ox:ox + w]
        amp *= persistence
        cell = c / 2.0
    return normalise(out)


def normalise(a: np.ndarray) -> np.ndarray:
    """Stretch ``a`` linearly to [0, 1] (a constant array becomes 0.5)."""
    lo, hi = float(a.min()), float(a.max())
    if hi - lo < 1e-12:
        return np.full(a.shape, 0.5, np.float32)
    return ((a - lo) * np.float32(1.0 / (hi - lo))).astype(np.float32, copy=False)


def coords(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinate grids ``(y, x)`` as ``float32``."""
    h, w = shape
    y = np.arange(h, dtype=np.float32)[:, None]
    x = np.arange(w, dtype=np.float32)[None, :]
    return np.broadcast_to(y, shape), np.broadcast_to(x, shape)


def stripes(shape: tuple[int, int], period: float, angle: float, duty: float = 0.5,
            phase: float = 0.0) -> np.ndarray:
    """Anti-aliased stripes: 1 inside a stripe, 0 between, a one-pixel ramp at the edges."""
    y, x = coords(shape)
    u = x * np.float32(math.cos(angle)) + y * np.float32(math.sin(angle)) + np.float32(phase)
    v = np.mod(u, np.float32(period))
    # distance (in pixels) from the stripe's centre line, then a one-pixel-wide edge ramp
    half = np.float32(duty * period / 2.0)
    d = np.abs(v - np.float32(period / 2.0))
    return np.clip(half - d + 0.5, 0.0, 1.0).astype(np.float32)


def waves(shape: tuple[int, int], period: float, angle: float, phase: float = 0.0) -> np.ndarray:
    """A smooth sinusoidal grating in [0, 1]."""
    y, x = coords(shape)
    u = x * np.float32(math.cos(angle)) + y * np.float32(math.sin(angle))
    return (0.5 + 0.5 * np.sin(u * np.float32(2 * math.pi / period) + np.float32(phase))).astype(np.float32)


def checker(shape: tuple[int, int], cell: float, angle: float = 0.0) -> np.ndarray:
    """An anti-aliased checkerboard (product of two square waves)."""
    a = stripes(shape, 2 * cell, angle)
    b = stripes(shape, 2 * cell, angle + math.pi / 2)
    return (a * b + (1 - a) * (1 - b)).astype(np.float32)


def linear_gradient(shape: tuple[int, int], angle: float) -> np.ndarray:
    """A ramp from 0 to 1 across the image along ``angle``."""
    y, x = coords(shape)
    u = x * np.float32(math.cos(angle)) + y * np.float32(math.sin(angle))
    return normalise(u)


def radial_gradient(shape: tuple[int, int], centre: tuple[float, float], radius: float) -> np.ndarray:
    """0 at ``centre`` (x, y) rising to 1 at ``radius`` and beyond."""
    y, x = coords(shape)
    r = np.sqrt((x - np.float32(centre[0])) ** 2 + (y - np.float32(centre[1])) ** 2)
    return np.clip(r / np.float32(max(radius, 1e-6)), 0.0, 1.0).astype(np.float32)


def blobs(rng: np.random.Generator, shape: tuple[int, int], count: int, radius: tuple[float, float],
          blur: float) -> np.ndarray:
    """Soft discs (bokeh-like) accumulated additively, clipped to [0, 1]."""
    h, w = shape
    layer = np.zeros((h, w), np.float32)
    for _ in range(count):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(*radius)
        v = float(rng.uniform(0.3, 1.0))
        cv2.circle(layer, (int(round(cx * 4)), int(round(cy * 4))), int(round(r * 4)), v, -1,
                   lineType=cv2.LINE_AA, shift=2)
    if blur > 0:
        layer = cv2.GaussianBlur(layer, (0, 0), blur)
    return np.clip(layer, 0.0, 1.0)


def hsv_colour(h: float, s: float, v: float) -> np.ndarray:
    """An RGB colour (``float32`` triple in [0, 1]) from hue/saturation/value in [0, 1]."""
    return np.array(colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0)),
                    np.float32)


def random_colour(rng: np.random.Generator, s: tuple[float, float] = (0.2, 0.9),
                  v: tuple[float, float] = (0.2, 0.95)) -> np.ndarray:
    """A random RGB colour with saturation and value in the given ranges."""
    return hsv_colour(rng.random(), rng.uniform(*s), rng.uniform(*v))


def colourise(pattern: np.ndarray, c0: np.ndarray, c1: np.ndarray) -> np.ndarray:
    """Map a [0, 1] pattern to colours: ``c0`` where 0, ``c1`` where 1, linear between."""
    c0, c1 = np.asarray(c0, np.float32), np.asarray(c1, np.float32)
    p = np.asarray(pattern, np.float32)
    # plane by plane: whole-array arithmetic on (H, W, 3) broadcasts is many times slower
    return _merge([p * (c1[c] - c0[c]) + c0[c] for c in range(3)])


def gradient_map(pattern: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Map a [0, 1] pattern through a piecewise-linear palette of ``(K, 3)`` colours."""
    colours = np.asarray(colours, np.float32)
    k = len(colours) - 1
    t = np.clip(pattern, 0, 1).astype(np.float32) * np.float32(k)
    # the sum of the segments' ramps, plane by plane (no (H, W, 3) gathers)
    ramps = [np.clip(t - np.float32(j), 0, 1) for j in range(k)]
    planes = []
    for c in range(3):
        plane = np.full(t.shape, colours[0, c], np.float32)
        for j, ramp in enumerate(ramps):
            plane += ramp * (colours[j + 1, c] - colours[j, c])
        planes.append(plane)
    return _merge(planes)


def _merge(planes: list[np.ndarray]) -> np.ndarray:
    """Three ``(H, W)`` float32 planes as one ``(H, W, 3)`` image (OpenCV refuses empty ones)."""
    if planes[0].size == 0:
        return np.zeros(planes[0].shape + (3,), np.float32)
    return cv2.merge(planes)


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    """``float`` [0, 1] to ``uint8`` with rounding and saturation."""
    # convertScaleAbs rounds and saturates; the clip keeps negatives from being mirrored
    return cv2.convertScaleAbs(np.maximum(np.asarray(rgb, np.float32), 0.0), alpha=255.0)
