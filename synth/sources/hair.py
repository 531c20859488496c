"""Hair: many thin curved strands, rasterised with supersampling so that alpha is fractional.

Strands grow from roots on the scalp. Each follows a direction that starts along the scalp's
outward normal and turns downwards under gravity, with curls, a random walk shared partly with
its clump (hair forms locks) and a wholly random part (frizz); flyaway strands stand off the mass.
Strands hug the head: a point that falls inside the head (grown by the hair's volume) is pushed
back out radially. The strands are drawn with OpenCV's polylines (anti-aliased where one
sub-pixel wide) on a grid ``SUPERSAMPLE`` times finer than the sprite and averaged down, so a
strand a quarter of a pixel wide leaves alpha near 1/4 where it crosses a pixel: thin fractional
structures, as real hair does.

Geometry is generated in a side-local frame in which every strand falls to the right; strands
rooted left of the parting are mirrored back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .subject_shapes import DRAW_SHIFT, SUPERSAMPLE, Patch, bounding_box, catmull_rom, to_draw_points

POINTS_PER_STRAND = 28
SHADE_LEVELS = 10   # strands are drawn in groups of equal colour: one polylines call per group


@dataclass(frozen=True)
class HairStyle:
    """The parameters of one head of hair (lengths in pixels, angles in radians)."""

    count: int            # outer strands
    length: float         # mean strand length
    volume: float         # stand-off of the hair mass from the scalp
    gravity: float        # arc length over which a strand turns to fall downwards
    curl_amp: float       # amplitude of the curl's direction oscillation
    curl_period: float    # arc length of one curl
    frizz: float          # random-walk strength (radians per sqrt pixel)
    clump: float          # share of the random walk common to a lock, 0..1
    flyaway: float        # fraction of strands that stand off the mass
    width: float          # strand width at the root (pixels)
    parting: float        # parting's x offset from the head centre, in head half-widths
    hairline: float       # how far below the horizontal the scalp reaches at the sides
    colour: tuple[float, float, float]
    shade: float          # relative brightness spread between strands
    halo: float           # fine short hairs around the mass, per outer strand


@dataclass(frozen=True)
class Head:
    cx: float
    cy: float
    rx: float
    ry: float


def draw_style(rng: np.random.Generator, head: Head, colour: np.ndarray) -> HairStyle:
    """A random hairstyle for ``head``: short to long, straight to curly, tidy to frizzy."""
    r = head.ry
    kind = rng.choice(["short", "medium", "long", "curly"], p=[0.25, 0.3, 0.3, 0.15])
    length = {"short": (0.35, 0.7), "medium": (0.9, 1.6), "long": (1.8, 3.2), "curly": (0.8, 2.2)}[kind]
    curly = kind == "curly"
    return HairStyle(
        count=int(rng.uniform(10, 22) * head.rx) if not curly else int(rng.uniform(14, 26) * head.rx),
        length=float(rng.uniform(*length) * r),
        volume=float(rng.uniform(0.03, 0.15 if not curly else 0.35) * r),
        gravity=float(rng.uniform(0.1, 0.35) * r * (1.6 if curly else 1.0)),
        curl_amp=float(rng.uniform(0.6, 1.3) if curly else rng.uniform(0.0, 0.35)),
        curl_period=float(rng.uniform(0.08, 0.2) * r if curly else rng.uniform(0.4, 1.2) * r),
        frizz=float(rng.uniform(0.004, 0.025) if not curly else rng.uniform(0.02, 0.05)),
        clump=float(rng.uniform(0.4, 0.85)),
        flyaway=float(rng.uniform(0.04, 0.09)),
        width=float(rng.uniform(0.35, 0.8)),
        parting=float(rng.uniform(-0.5, 0.5)),
        hairline=float(rng.uniform(0.0, 0.45)),
        colour=tuple(float(c) for c in colour),
        shade=float(rng.uniform(0.12, 0.3)),
        halo=float(rng.uniform(0.3, 0.8)),
    )


def strand_paths(rng: np.random.Generator, head: Head, style: HairStyle
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The outer strands: ``(N, POINTS_PER_STRAND, 2)`` points, widths ``(N,)`` and shades ``(N,)``."""
    n, m = style.count, POINTS_PER_STRAND
    th = rng.uniform(-math.pi - style.hairline, style.hairline, n)
    rho = rng.uniform(0.8, 1.0, n)
    root_x = head.cx + head.rx * rho * np.cos(th)
    root_y = head.cy + head.ry * rho * np.sin(th)
    side = np.where(root_x >= head.cx + style.parting * head.rx, 1.0, -1.0)
    # side-local frame: mirror left-side strands so that every strand falls to the right
    th_local = np.where(side > 0, th, math.pi - th)
    th_local = np.mod(th_local + math.pi, 2 * math.pi) - math.pi
    normal = np.arctan2(np.sin(th_local) / head.ry, np.cos(th_local) / head.rx)

    fly = rng.random(n) < style.flyaway
    length = style.length * rng.uniform(0.55, 1.15, n) * np.where(fly, rng.uniform(1.0, 1.6, n), 1.0)
    step = length / (m - 1)
    s = step[:, None] * np.arange(m)[None, :]                      # arc length at each point

    gravity = style.gravity * rng.uniform(0.7, 1.3, n) * np.where(fly, 2.0, 1.0)
    phi0 = normal + rng.normal(0.0, 0.12, n) + np.where(fly, rng.normal(0.0, 0.35, n), 0.0)
    turn = 1.0 - np.exp(-s / gravity[:, None])
    phi = phi0[:, None] + (math.pi / 2 - phi0[:, None]) * turn
    curl_amp = style.curl_amp * rng.uniform(0.5, 1.5, n)
    curl_phase = rng.uniform(0, 2 * math.pi, n)
    phi += curl_amp[:, None] * np.sin(2 * math.pi * s / style.curl_period + curl_phase[:, None]) * turn
    # random walk of direction, partly shared within a lock of neighbouring strands
    locks = max(1, n // 12)
    lock_of = np.clip((np.argsort(np.argsort(th_local)) * locks) // n, 0, locks - 1)
    walk_lock = np.cumsum(rng.normal(0, 1, (locks, m)), axis=1)
    walk_own = np.cumsum(rng.normal(0, 1, (n, m)), axis=1)
    frizz = style.frizz * np.sqrt(step)[:, None] * np.where(fly, 1.6, 1.0)[:, None]
    phi += frizz * (style.clump * walk_lock[lock_of] + (1 - style.clump) * walk_own)

    pts = _grow(root_x, root_y, side, phi, step, head, style.volume)
    width = style.width * rng.uniform(0.7, 1.3, n) * np.where(fly, 0.6, 1.0)
    shade = 1.0 + style.shade * rng.uniform(-1.0, 1.0, n)
    return pts, width, shade


def _grow(root_x, root_y, side, phi, step, head: Head, volume: float) -> np.ndarray:
    """Integrate the directions into points, keeping each strand outside the grown head."""
    n, m = phi.shape
    pts = np.empty((n, m, 2))
    # the local frame is mirrored around the head's vertical axis
    x = (root_x - head.cx) * side
    y = root_y - head.cy
    pts[:, 0, 0], pts[:, 0, 1] = x, y
    ax, ay = head.rx + volume, head.ry + volume
    dx, dy = np.cos(phi) * step[:, None], np.sin(phi) * step[:, None]
    for i in range(1, m):
        x = x + dx[:, i - 1]
        y = y + dy[:, i - 1]
        r = np.sqrt((x / ax) ** 2 + (y / ay) ** 2)
        inside = (r < 1.0) & (r > 1e-9)
        x = np.where(inside, x / np.maximum(r, 1e-9), x)
        y = np.where(inside, y / np.maximum(r, 1e-9), y)
        pts[:, i, 0], pts[:, i, 1] = x, y
    pts[..., 0] = head.cx + pts[..., 0] * side[:, None]
    pts[..., 1] += head.cy
    return pts


def halo_paths(rng: np.random.Generator, head: Head, style: HairStyle
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fine short hairs standing off the hair's surface (the frizzy halo most heads have)."""
    n, m = int(style.count * style.halo), 10
    th = rng.uniform(-math.pi - style.hairline, style.hairline, n)
    out = 1.0 + style.volume / head.ry * rng.uniform(0.3, 1.0, n)
    x0 = head.cx + head.rx * out * np.cos(th)
    y0 = head.cy + head.ry * out * np.sin(th)
    normal = np.arctan2(np.sin(th) / head.ry, np.cos(th) / head.rx)
    length = head.ry * rng.uniform(0.05, 0.3, n)
    phi = normal[:, None] + rng.normal(0.0, 0.5, n)[:, None] \
        + np.cumsum(rng.normal(0.0, 0.25, (n, m)), axis=1)
    step = (length / (m - 1))[:, None]
    x = x0[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(np.cos(phi[:, :-1]) * step, axis=1)], axis=1)
    y = y0[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(np.sin(phi[:, :-1]) * step, axis=1)], axis=1)
    width = style.width * rng.uniform(0.4, 0.8, n)
    shade = 1.0 + style.shade * rng.uniform(-1.0, 1.0, n)
    return np.stack([x, y], axis=2), width, shade


def cap_paths(rng: np.random.Generator, head: Head, style: HairStyle, count: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strands lying on the scalp: arcs from the parting down the sides (texture of the hair cap)."""
    m = POINTS_PER_STRAND
    side = np.where(rng.random(count) < 0.5, -1.0, 1.0)
    rho = np.sqrt(rng.uniform(0.55, 0.97, count))
    start = -math.pi / 2 + rng.normal(0.0, 0.08, count)
    end = rng.uniform(-0.6, style.hairline, count)
    t = np.linspace(0.0, 1.0, m)[None, :]
    th = start[:, None] + (end - start)[:, None] * t
    wobble = rng.normal(0.0, 0.01, (count, 1)) * np.sin(2 * math.pi * t * rng.uniform(1, 3, (count, 1)))
    px = head.cx + style.parting * head.rx * (1 - t) * 0.6
    x = px + side[:, None] * head.rx * (rho[:, None] + wobble) * np.cos(th)
    y = head.cy + head.ry * (rho[:, None] + wobble) * np.sin(th)
    pts = np.stack([x, y], axis=2)
    width = style.width * rng.uniform(0.8, 1.4, count)
    shade = 1.0 + style.shade * rng.uniform(-1.0, 1.0, count)
    return pts, width, shade


def hair_cap_outline(head: Head, style: HairStyle, rng: np.random.Generator) -> np.ndarray:
    """The scalp covered by hair: the head's upper arc closed by a hairline across the forehead."""
    h = style.hairline
    arc_th = np.linspace(-math.pi - h, h, 64)
    # the mass stands off the scalp by most of the hair's volume, more on top than at the sides
    grow = style.volume * 0.8 * np.clip(-np.sin(arc_th), 0.0, 1.0)
    arc = np.stack([head.cx + (head.rx + grow) * np.cos(arc_th),
                    head.cy + (head.ry + grow) * np.sin(arc_th)], axis=1)
    fore = head.cy - head.ry * rng.uniform(0.3, 0.5)
    line = [arc[-1],
            (head.cx + 0.55 * head.rx, head.cy - 0.25 * head.ry),
            (head.cx + style.parting * 0.3 * head.rx, fore),
            (head.cx - 0.55 * head.rx, head.cy - 0.25 * head.ry),
            arc[0]]
    return np.concatenate([arc, catmull_rom(line, samples=10, closed=False)[1:-1]])


def _line_type(thickness: int) -> int:
    """Anti-aliased one-sub-pixel lines (the finest strands); wider ones are already smoothed by
    the supersampling, and OpenCV's anti-aliased wide lines cost about twice as much."""
    return cv2.LINE_AA if thickness <= 1 else cv2.LINE_8


def rasterise_strands(groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]], colour: np.ndarray,
                      shape: tuple[int, int], ss: int = SUPERSAMPLE) -> Patch:
    """Draw strand groups (points, widths, shades), in order, as premultiplied RGBA.

    Returns a :class:`Patch` of ``(h, w, 4)`` ``float32``: colour already multiplied by alpha.
    Each group is drawn after the one before it; within a group, strands of equal shade and
    width are drawn together (a tip half thinner than the root half, as hair tapers).
    """
    all_pts = np.concatenate([g[0].reshape(-1, 2) for g in groups])
    box = bounding_box(all_pts, shape, pad=3)
    if box is None:
        return Patch(0, 0, np.zeros((0, 0, 4), np.float32))
    y0, y1, x0, x1 = box
    fine = np.zeros(((y1 - y0) * ss, (x1 - x0) * ss, 4), np.uint8)
    base = np.asarray(colour, np.float64)
    for pts, width, shade in groups:
        level = np.clip(np.round((shade - shade.min()) / max(np.ptp(shade), 1e-9) * (SHADE_LEVELS - 1)),
                        0, SHADE_LEVELS - 1).astype(int)
        level_shade = np.array([shade[level == k].mean() if np.any(level == k) else 1.0
                                for k in range(SHADE_LEVELS)])
        thick = np.maximum(1, np.round(width * ss)).astype(int)
        draw = to_draw_points(pts.reshape(-1, 2), x0, y0, ss).reshape(pts.shape)
        half = pts.shape[1] * 3 // 5
        for k in range(SHADE_LEVELS):
            rgb = np.clip(base * level_shade[k], 0.0, 1.0) * 255
            col = (float(rgb[0]), float(rgb[1]), float(rgb[2]), 255.0)
            for t in np.unique(thick[level == k]):
                sel = np.flatnonzero((level == k) & (thick == t))
                roots = [draw[i, :half + 1] for i in sel]
                tips = [draw[i, half:] for i in sel]
                for paths, width in ((roots, int(t)), (tips, int(max(1, t - 1)))):
                    cv2.polylines(fine, paths, False, col, width, _line_type(width), DRAW_SHIFT)
    small = cv2.resize(fine, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    return Patch(y0, x0, small.astype(np.float32) * np.float32(1 / 255))
