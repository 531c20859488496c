"""Procedural background textures: noise, stripes, gradients, bokeh, checkers, wood, marble, plaid.

``TEXTURE_KINDS`` maps a kind to a painter ``(rng, (height, width)) -> RGB float32 [0, 1]``;
the built-in background source cycles through the kinds so every split holds each of them.
Every painter adds a little fine grain, as a camera sensor would.
"""

from __future__ import annotations

import math
from typing import Callable

import cv2
import numpy as np

from . import textures as tx

Painter = Callable[[np.random.Generator, tuple[int, int]], np.ndarray]


def _palette(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` colours around a random hue (analogous or complementary schemes)."""
    hue = rng.random()
    spread = rng.choice([0.08, 0.5]) * rng.uniform(0.5, 1.0)
    return np.stack([tx.hsv_colour(hue + spread * (i / max(n - 1, 1) - 0.5) * 2, rng.uniform(0.15, 0.85),
                                   rng.uniform(0.15, 0.95)) for i in range(n)])


def _grain(rng: np.random.Generator, rgb: np.ndarray, amount: float = 0.02) -> np.ndarray:
    """Monochrome sensor noise of standard deviation ``amount`` added to every channel."""
    noise = rng.standard_normal(rgb.shape[:2], dtype=np.float32) * np.float32(amount)
    return np.clip(cv2.add(rgb, cv2.cvtColor(noise, cv2.COLOR_GRAY2RGB)), 0.0, 1.0)


def _times(rgb: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """``rgb * factor[..., None]`` (OpenCV: numpy broadcasting over (H, W, 3) is slow)."""
    return cv2.multiply(rgb, cv2.cvtColor(np.asarray(factor, np.float32), cv2.COLOR_GRAY2RGB))


def noise(rng, shape):
    pattern = tx.value_noise(rng, shape, rng.uniform(0.1, 0.5) * min(shape), octaves=int(rng.integers(3, 6)))
    return tx.gradient_map(pattern, _palette(rng, int(rng.integers(2, 5))))


def stripes(rng, shape):
    c = _palette(rng, 2)
    pattern = tx.stripes(shape, rng.uniform(0.03, 0.2) * min(shape), rng.uniform(0, math.pi),
                         duty=rng.uniform(0.2, 0.7))
    shade = tx.value_noise(rng, shape, 0.5 * min(shape), octaves=2)
    return _times(tx.colourise(pattern, c[0], c[1]), 0.8 + 0.4 * shade)


def gradient(rng, shape):
    c = _palette(rng, 3)
    if rng.random() < 0.5:
        pattern = tx.linear_gradient(shape, rng.uniform(0, 2 * math.pi))
    else:
        h, w = shape
        pattern = tx.radial_gradient(shape, (rng.uniform(0, w), rng.uniform(0, h)), rng.uniform(0.5, 1.2) * max(shape))
    return tx.gradient_map(pattern, c)


def bokeh(rng, shape):
    """Out-of-focus lights over a dark, blurred scene."""
    base = gradient(rng, shape) * np.float32(rng.uniform(0.2, 0.6))
    h, w = shape
    out = base.copy()
    for _ in range(int(rng.integers(2, 4))):
        layer = tx.blobs(rng, shape, int(rng.integers(15, 60)), (0.01 * min(h, w), 0.06 * min(h, w)),
                         rng.uniform(1.0, 6.0))
        colour = tx.random_colour(rng, s=(0.2, 0.8), v=(0.6, 1.0)) * np.float32(rng.uniform(0.4, 0.9))
        out += tx.colourise(layer, np.zeros(3, np.float32), colour)
    return np.clip(out, 0.0, 1.0)


def checker(rng, shape):
    c = _palette(rng, 2)
    pattern = tx.checker(shape, rng.uniform(0.04, 0.15) * min(shape), rng.uniform(0, math.pi / 2))
    blur = rng.uniform(0.0, 3.0)
    if blur > 0.5:
        pattern = cv2.GaussianBlur(pattern, (0, 0), blur)
    return tx.colourise(pattern, c[0], c[1])


def wood(rng, shape):
    """Growth rings: the sine of the distance to a far-off centre, bent by noise."""
    h, w = shape
    y, x = tx.coords(shape)
    cx, cy = rng.uniform(-2, 3) * w, rng.uniform(-2, 3) * h
    r = np.sqrt((x - np.float32(cx)) ** 2 + (y - np.float32(cy)) ** 2)
    bend = tx.value_noise(rng, shape, 0.3 * min(shape), octaves=3)
    rings = 0.5 + 0.5 * np.sin(r * np.float32(2 * math.pi / rng.uniform(8, 30)) + bend * np.float32(rng.uniform(4, 12)))
    browns = np.array([(0.35, 0.2, 0.1), (0.6, 0.4, 0.22), (0.78, 0.6, 0.4)], np.float32) * np.float32(rng.uniform(0.7, 1.2))
    return np.clip(tx.gradient_map(rings ** np.float32(rng.uniform(0.5, 2.0)), browns), 0, 1)


def marble(rng, shape):
    """Veins: the sine of a coordinate plus turbulence."""
    y, x = tx.coords(shape)
    a = rng.uniform(0, math.pi)
    u = x * np.float32(math.cos(a)) + y * np.float32(math.sin(a))
    turb = tx.value_noise(rng, shape, 0.25 * min(shape), octaves=5)
    v = np.abs(np.sin(u * np.float32(2 * math.pi / (rng.uniform(0.2, 0.6) * min(shape))) + turb * np.float32(rng.uniform(3, 8))))
    base = tx.hsv_colour(rng.random(), rng.uniform(0.0, 0.2), rng.uniform(0.75, 0.95))
    vein = base * np.float32(rng.uniform(0.2, 0.6))
    return tx.colourise(v ** np.float32(0.3), vein, base)


def plaid(rng, shape):
    c = _palette(rng, 3)
    p = rng.uniform(0.05, 0.2) * min(shape)
    a = tx.stripes(shape, p, 0.0, duty=rng.uniform(0.2, 0.5))
    b = tx.stripes(shape, p * rng.uniform(0.7, 1.3), math.pi / 2, duty=rng.uniform(0.2, 0.5))
    return np.clip(cv2.addWeighted(tx.colourise(a, c[0], c[1]), 0.6, tx.colourise(b, c[0], c[2]), 0.4, 0.0), 0, 1)


TEXTURE_KINDS: dict[str, Painter] = {
    "noise": noise, "stripes": stripes, "gradient": gradient, "bokeh": bokeh,
    "checker": checker, "wood": wood, "marble": marble, "plaid": plaid,
}


def paint_texture(kind: str, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Texture ``kind`` of ``shape`` as RGB ``uint8`` (with sensor grain)."""
    rgb = TEXTURE_KINDS[kind](rng, shape).astype(np.float32)
    return tx.to_uint8(_grain(rng, rgb, rng.uniform(0.005, 0.025)))
