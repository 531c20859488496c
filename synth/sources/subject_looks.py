"""How the procedural subjects look: palettes, clothes, skin and face, translucent fabrics.

Colours are ``float32`` RGB in [0, 1]. Painters return colour arrays for a bounding box; the
subject builder (``subject.py``) pairs them with anti-aliased coverage and composites them.
The translucent parts (a veil, a chiffon scarf) return an opacity map as well, in the 0.2-0.8
range real sheer fabric has, so that the matte holds large semi-transparent regions.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from . import textures as tx
from .hair import Head
from .subject_shapes import Patch, catmull_rom, polygon_coverage, thick_curve

# Anchor colours; a subject's colour is a random mix of two neighbouring anchors.
SKIN_TONES = np.array([(0.97, 0.82, 0.72), (0.92, 0.73, 0.60), (0.82, 0.61, 0.46),
                       (0.68, 0.48, 0.34), (0.52, 0.35, 0.24), (0.36, 0.24, 0.16)], np.float32)
HAIR_COLOURS = np.array([(0.05, 0.04, 0.04), (0.17, 0.11, 0.07), (0.33, 0.21, 0.12),
                         (0.52, 0.25, 0.11), (0.78, 0.64, 0.40), (0.90, 0.86, 0.76),
                         (0.58, 0.57, 0.55)], np.float32)
FABRIC_WHITES = np.array([(0.97, 0.96, 0.93), (0.95, 0.92, 0.84), (0.08, 0.08, 0.09)], np.float32)


def mix_anchor(rng: np.random.Generator, anchors: np.ndarray) -> np.ndarray:
    """A colour between two neighbouring anchors of a palette."""
    i = int(rng.integers(0, len(anchors) - 1))
    f = np.float32(rng.random())
    return anchors[i] * (1 - f) + anchors[i + 1] * f


def skin_colour(rng: np.random.Generator) -> np.ndarray:
    return mix_anchor(rng, SKIN_TONES)


def hair_colour(rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.1:  # dyed
        return tx.random_colour(rng, s=(0.5, 0.9), v=(0.35, 0.8))
    return HAIR_COLOURS[int(rng.integers(0, len(HAIR_COLOURS)))] * np.float32(rng.uniform(0.85, 1.15))


def _pattern(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """A clothes pattern in [0, 1]: solid, stripes, plaid, mottled, dots or knit."""
    kind = rng.choice(["solid", "stripes", "plaid", "mottled", "dots", "knit"])
    if kind == "solid":
        return tx.value_noise(rng, shape, scale * 0.5, octaves=2) * np.float32(0.15)
    if kind == "stripes":
        return tx.stripes(shape, rng.uniform(0.08, 0.3) * scale, rng.uniform(-0.3, 0.3) + math.pi / 2 * rng.integers(0, 2),
                          duty=rng.uniform(0.2, 0.6))
    if kind == "plaid":
        p = rng.uniform(0.15, 0.4) * scale
        a = tx.stripes(shape, p, 0.0, duty=rng.uniform(0.2, 0.5))
        b = tx.stripes(shape, p * rng.uniform(0.8, 1.2), math.pi / 2, duty=rng.uniform(0.2, 0.5))
        return np.clip(0.5 * a + 0.5 * b, 0, 1)
    if kind == "mottled":
        return tx.value_noise(rng, shape, scale * 0.3, octaves=4)
    if kind == "dots":
        cell = rng.uniform(0.06, 0.15) * scale
        return tx.blobs(rng, shape, int(shape[0] * shape[1] / cell ** 2), (cell * 0.2, cell * 0.35), 0.0)
    # knit: fine anisotropic ribs modulated by noise
    ribs = tx.waves(shape, rng.uniform(3, 7), math.pi / 2 * rng.integers(0, 2))
    return np.clip(0.6 * ribs + 0.4 * tx.value_noise(rng, shape, scale * 0.1, octaves=2), 0, 1)


def paint_clothes(rng: np.random.Generator, coverage: Patch, scale: float) -> np.ndarray:
    """Clothes colour over ``coverage``'s box: a pattern in two colours, shaded and creased."""
    shape = coverage.data.shape
    c0 = tx.random_colour(rng, s=(0.1, 0.9), v=(0.15, 0.9))
    c1 = tx.random_colour(rng, s=(0.1, 0.9), v=(0.15, 0.95)) if rng.random() < 0.7 else c0 * np.float32(0.7)
    rgb = tx.colourise(_pattern(rng, shape, scale), c0, c1)
    # shading: darker towards the silhouette (a rounded body) and soft creases
    soft = cv2.GaussianBlur(coverage.data, (0, 0), max(2.0, scale * 0.15))
    folds = tx.value_noise(rng, shape, scale * 0.4, octaves=2)
    shade = (0.7 + 0.3 * np.clip(soft * 1.6 - 0.3, 0, 1)) * (0.88 + 0.24 * folds)
    return rgb * shade[..., None].astype(np.float32)


def paint_skin(rng: np.random.Generator, shape: tuple[int, int], base: np.ndarray, scale: float) -> np.ndarray:
    """Skin over a box: the base tone with low-frequency variation."""
    n = tx.value_noise(rng, shape, scale * 0.25, octaves=3)
    return (base * (0.93 + 0.12 * n)[..., None]).astype(np.float32)


def paint_face(rng: np.random.Generator, skin: np.ndarray, head: Head, y0: int, x0: int,
               hair: np.ndarray) -> np.ndarray:
    """Eyes, brows, nose and mouth drawn (anti-aliased) onto the skin of the head's box."""
    img = tx.to_uint8(skin)
    cx, cy, rx, ry = head.cx - x0, head.cy - y0, head.rx, head.ry
    s = 4  # drawing with 2 fractional bits

    def pt(x, y):
        return int(round(x * s)), int(round(y * s))

    def col(c):
        c = np.clip(np.asarray(c, np.float32), 0, 1) * 255
        return tuple(float(v) for v in c)

    tone = skin[int(np.clip(cy, 0, skin.shape[0] - 1)), int(np.clip(cx, 0, skin.shape[1] - 1))]
    eye_y = cy - ry * rng.uniform(0.0, 0.12)
    eye_dx = rx * rng.uniform(0.34, 0.44)
    eye_w, eye_h = rx * rng.uniform(0.13, 0.18), ry * rng.uniform(0.05, 0.08)
    iris = col(mix_anchor(rng, HAIR_COLOURS[:5]) * 0.8)
    for sx in (-1, 1):
        ex = cx + sx * eye_dx
        cv2.ellipse(img, pt(ex, eye_y), pt(eye_w, eye_h), 0, 0, 360, col((0.93, 0.92, 0.9)), -1, cv2.LINE_AA, 2)
        cv2.circle(img, pt(ex, eye_y), int(round(eye_h * 0.95 * s)), iris, -1, cv2.LINE_AA, 2)
        cv2.circle(img, pt(ex, eye_y), int(round(eye_h * 0.45 * s)), col((0.03, 0.03, 0.03)), -1, cv2.LINE_AA, 2)
        brow_y = eye_y - ry * rng.uniform(0.14, 0.2)
        cv2.ellipse(img, pt(ex, brow_y + eye_h * 2), pt(eye_w * 1.3, eye_h * 2.2), 0, 200, 340,
                    col(hair * 0.9), max(1, int(round(ry * 0.035))), cv2.LINE_AA, 2)
    nose_y = cy + ry * rng.uniform(0.2, 0.3)
    cv2.ellipse(img, pt(cx, nose_y), pt(rx * 0.1, ry * 0.05), 0, 0, 180, col(tone * 0.75),
                max(1, int(round(ry * 0.025))), cv2.LINE_AA, 2)
    mouth_y = cy + ry * rng.uniform(0.48, 0.58)
    lips = col(tone * np.array([0.85, 0.55, 0.55], np.float32))
    cv2.ellipse(img, pt(cx, mouth_y), pt(rx * rng.uniform(0.22, 0.32), ry * 0.06), 0, 0, 360, lips, -1,
                cv2.LINE_AA, 2)
    return img.astype(np.float32) * np.float32(1 / 255)


def veil(rng: np.random.Generator, head: Head, shoulders_half: float, neck_y: float,
         shape: tuple[int, int]) -> tuple[Patch, np.ndarray, np.ndarray]:
    """A sheer veil from the crown over the shoulders: coverage, opacity map and colour."""
    cx, cy, rx, ry = head.cx, head.cy, head.rx, head.ry
    spread = shoulders_half * rng.uniform(0.75, 1.15)
    bottom = neck_y + ry * rng.uniform(1.0, 2.2)
    top = cy - ry * rng.uniform(1.05, 1.25)
    hem_x = np.linspace(cx + spread, cx - spread, 9)
    hem_y = bottom + ry * 0.12 * np.sin(np.linspace(0, rng.uniform(2, 5) * math.pi, 9) + rng.uniform(0, 6))
    pts = [(cx, top), (cx + rx * 0.95, top + ry * 0.25), (cx + rx * 1.45, cy + ry * 0.4),
           *zip(hem_x, hem_y), (cx - rx * 1.45, cy + ry * 0.4), (cx - rx * 0.95, top + ry * 0.25)]
    cov = polygon_coverage([catmull_rom(pts, samples=12, closed=True)], shape)
    h, w = cov.data.shape
    # angle ~0: the grating varies along x, i.e. folds hang vertically
    folds = tx.waves((h, w), rng.uniform(0.15, 0.35) * ry, rng.uniform(-0.2, 0.2), rng.uniform(0, 6))
    weave = tx.value_noise(rng, (h, w), ry * 0.3, octaves=3)
    base = rng.uniform(0.3, 0.6)
    opacity = np.clip(base + 0.22 * (folds - 0.5) + 0.15 * (weave - 0.5), 0.2, 0.8).astype(np.float32)
    colour = FABRIC_WHITES[int(rng.integers(0, len(FABRIC_WHITES)))] if rng.random() < 0.7 \
        else tx.random_colour(rng, s=(0.2, 0.6), v=(0.6, 0.95))
    rgb = tx.colourise(folds, colour * np.float32(0.85), colour)
    return cov, opacity, rgb


def scarf(rng: np.random.Generator, neck_x: float, neck_y: float, neck_half: float, head: Head,
          shoulders_half: float, shape: tuple[int, int]) -> tuple[Patch, np.ndarray, np.ndarray, np.ndarray]:
    """A chiffon scarf: a band round the neck and a tail blowing past a shoulder.

    Returns coverage, opacity map, colour, and the tail's end point (for a fringe of threads).
    """
    ry = head.ry
    side = 1.0 if rng.random() < 0.5 else -1.0
    band_c = catmull_rom([(neck_x - neck_half * 1.6, neck_y - ry * 0.05), (neck_x, neck_y + ry * 0.3),
                          (neck_x + neck_half * 1.6, neck_y - ry * 0.05)], samples=16, closed=False)
    band = thick_curve(band_c, np.full(len(band_c), ry * rng.uniform(0.12, 0.2)))
    knot = (neck_x + side * neck_half * rng.uniform(0.3, 1.0), neck_y + ry * 0.3)
    reach = shoulders_half * rng.uniform(1.15, 1.5)
    tail_c = catmull_rom([knot, (neck_x + side * shoulders_half * 0.6, neck_y + ry * 0.7),
                          (neck_x + side * reach * 0.9, neck_y + ry * rng.uniform(1.1, 1.5)),
                          (neck_x + side * reach, neck_y + ry * rng.uniform(1.8, 2.6))], samples=16, closed=False)
    widths = np.linspace(ry * rng.uniform(0.18, 0.26), ry * rng.uniform(0.12, 0.2), len(tail_c))
    tail = thick_curve(tail_c, widths)
    cov = polygon_coverage([band, tail], shape)
    h, w = cov.data.shape
    pattern = _pattern(rng, (h, w), ry * 2)
    base = rng.uniform(0.35, 0.7)
    opacity = np.clip(base + 0.2 * (pattern - 0.5), 0.2, 0.8).astype(np.float32)
    c0 = tx.random_colour(rng, s=(0.3, 0.9), v=(0.4, 0.95))
    rgb = tx.colourise(pattern, c0, c0 * np.float32(rng.uniform(0.6, 0.9)))
    return cov, opacity, rgb, tail_c[-1]
