"""Silhouettes of the procedural subjects: smooth outlines and their anti-aliased coverage.

Outlines are polygons sampled densely from smooth curves (Catmull-Rom splines, trigonometric
heads), in pixel coordinates with pixel centres at integers. :func:`polygon_coverage` fills them
on a grid ``SUPERSAMPLE`` times finer and averages back down (``INTER_AREA``), so edge pixels get
the fraction of their area the shape covers: anti-aliased edges, as a camera sees them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

SUPERSAMPLE = 4   # sub-pixels per pixel side when filling shapes and drawing hair
DRAW_SHIFT = 3    # fractional bits of the coordinates handed to OpenCV's drawing functions


@dataclass(frozen=True)
class Patch:
    """A ``float32`` coverage (or colour) array placed at ``(y0, x0)`` of a larger canvas."""

    y0: int
    x0: int
    data: np.ndarray

    @property
    def slices(self) -> tuple[slice, slice]:
        h, w = self.data.shape[:2]
        return slice(self.y0, self.y0 + h), slice(self.x0, self.x0 + w)

    @property
    def empty(self) -> bool:
        return self.data.size == 0


def catmull_rom(points, samples: int = 16, closed: bool = True) -> np.ndarray:
    """A uniform Catmull-Rom spline through ``points`` (``(N, 2)``), sampled densely.

    Returns ``(M, 2)`` ``float64`` points; an open curve ends exactly at the last point.
    """
    p = np.asarray(points, np.float64)
    if closed:
        p0, p1, p2, p3 = (np.roll(p, s, axis=0) for s in (1, 0, -1, -2))
    else:
        ext = np.concatenate([p[:1], p, p[-1:]])
        p0, p1, p2, p3 = ext[:-3], ext[1:-2], ext[2:-1], ext[3:]
    t = np.linspace(0.0, 1.0, samples, endpoint=False)[None, :, None]
    a, b, c, d = (x[:, None, :] for x in (p0, p1, p2, p3))
    curve = 0.5 * (2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t ** 2
                   + (3 * b - a - 3 * c + d) * t ** 3)
    curve = curve.reshape(-1, 2)
    if not closed:
        curve = np.concatenate([curve, p[-1:]])
    return curve


def to_draw_points(points: np.ndarray, x0: float, y0: float, scale: int) -> np.ndarray:
    """Pixel coordinates -> the fixed-point integer coordinates of a ``scale``-times finer grid.

    A pixel centre ``x`` of the coarse grid lies at ``(x + 0.5) * scale - 0.5`` on the fine one.
    """
    q = (np.asarray(points, np.float64) - (x0, y0) + 0.5) * scale - 0.5
    return np.round(q * (1 << DRAW_SHIFT)).astype(np.int32)


def bounding_box(points: np.ndarray, shape: tuple[int, int], pad: int = 2) -> tuple[int, int, int, int] | None:
    """``(y0, y1, x0, x1)`` of ``points`` grown by ``pad`` and clipped to ``shape``; None if outside."""
    h, w = shape
    x0 = max(int(math.floor(points[:, 0].min())) - pad, 0)
    x1 = min(int(math.ceil(points[:, 0].max())) + pad + 1, w)
    y0 = max(int(math.floor(points[:, 1].min())) - pad, 0)
    y1 = min(int(math.ceil(points[:, 1].max())) + pad + 1, h)
    if x1 <= x0 or y1 <= y0:
        return None
    return y0, y1, x0, x1


def polygon_coverage(polygons: list[np.ndarray], shape: tuple[int, int],
                     ss: int = SUPERSAMPLE) -> Patch:
    """The anti-aliased coverage of the union of ``polygons`` within a canvas of ``shape``.

    Returns a :class:`Patch` over the polygons' bounding box (``float32`` in [0, 1]).
    """
    box = bounding_box(np.concatenate(polygons), shape)
    if box is None:
        return Patch(0, 0, np.zeros((0, 0), np.float32))
    y0, y1, x0, x1 = box
    fine = np.zeros(((y1 - y0) * ss, (x1 - x0) * ss), np.uint8)
    for poly in polygons:  # one call per polygon: fillPoly would XOR overlapping polygons
        cv2.fillPoly(fine, [to_draw_points(poly, x0, y0, ss)], 255, lineType=cv2.LINE_8,
                     shift=DRAW_SHIFT)
    small = cv2.resize(fine, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    return Patch(y0, x0, small.astype(np.float32) * np.float32(1 / 255))


def ellipse_outline(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0,
                    n: int = 96) -> np.ndarray:
    """An ellipse as a polygon of ``n`` points, rotated by ``angle`` radians."""
    th = np.linspace(0, 2 * math.pi, n, endpoint=False)
    x, y = rx * np.cos(th), ry * np.sin(th)
    ca, sa = math.cos(angle), math.sin(angle)
    return np.stack([cx + x * ca - y * sa, cy + x * sa + y * ca], axis=1)


def head_outline(cx: float, cy: float, rx: float, ry: float, jaw: float, chin: float,
                 n: int = 256) -> np.ndarray:
    """An egg-shaped head: an ellipse whose lower half narrows to a jaw and drops to a chin.

    ``jaw`` (0..0.35) narrows the lower half, ``chin`` (0..0.2) lengthens it; y grows downwards.
    """
    th = np.linspace(0, 2 * math.pi, n, endpoint=False)
    low = np.maximum(np.sin(th), 0.0)
    x = cx + rx * np.cos(th) * (1 - jaw * low ** 2)
    y = cy + ry * np.sin(th) * (1 + chin * low ** 4)
    return np.stack([x, y], axis=1)


def neck_outline(cx: float, top: float, base: float, half_width: float, flare: float,
                 neckline_depth: float, neckline_width: float) -> np.ndarray:
    """The neck from inside the head down to a V/U neckline of depth ``neckline_depth``."""
    hw = half_width
    mid = 0.5 * (top + base)
    pts = [(cx - hw, top), (cx - hw * 0.97, mid), (cx - hw * (1 + flare), base),
           (cx - neckline_width * 0.55, base + neckline_depth * 0.75), (cx, base + neckline_depth),
           (cx + neckline_width * 0.55, base + neckline_depth * 0.75), (cx + hw * (1 + flare), base),
           (cx + hw * 0.97, mid), (cx + hw, top)]
    return catmull_rom(pts, samples=12, closed=True)


@dataclass(frozen=True)
class TorsoShape:
    """Parameters of the shoulders and upper body, relative to the neck base."""

    neck_x: float
    neck_y: float          # the base of the neck (where the shoulders start)
    neck_half: float       # half the neck's width at its base
    shoulder_half: float   # half the shoulders' width
    drop: float            # how far the shoulder line falls from the neck base
    roundness: float       # height of the deltoid's curve
    bottom: float          # y below the canvas where the torso ends
    tilt: float            # shoulder asymmetry (pixels the right shoulder sits lower)
    waist: float           # inward slope of the flanks (fraction of shoulder_half)


def torso_outline(s: TorsoShape) -> np.ndarray:
    """Shoulders and torso as one closed smooth curve (trapezius, deltoids, flanks)."""
    x, y = s.neck_x, s.neck_y

    def side(sign: float, dy: float) -> list[tuple[float, float]]:
        trapezius = s.neck_half + 0.4 * (s.shoulder_half - s.neck_half)
        return [(x + sign * s.neck_half, y - 0.3 * s.drop + dy * 0.2),
                (x + sign * trapezius, y + 0.5 * s.drop + dy * 0.6),
                (x + sign * s.shoulder_half * 0.82, y + s.drop + dy),
                (x + sign * s.shoulder_half * 0.985, y + s.drop + 0.8 * s.roundness + dy),
                (x + sign * s.shoulder_half, y + s.drop + 2.5 * s.roundness + dy),
                (x + sign * s.shoulder_half * (1 - s.waist), s.bottom)]

    left = side(-1.0, 0.0)
    right = side(1.0, s.tilt)
    pts = left[::-1] + right + [(x, s.bottom + 0.2 * s.shoulder_half)]
    # the order runs: bottom-left up to the neck, across, down to bottom-right, back along the bottom
    return catmull_rom(pts, samples=20, closed=True)


def thick_curve(centre: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """A closed polygon around an open centre line with a half-width per point (a ribbon)."""
    d = np.gradient(centre, axis=0)
    d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9)
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    left = centre + normal * widths[:, None]
    right = centre - normal * widths[:, None]
    return np.concatenate([left, right[::-1]])
