"""Building one procedural subject: a premultiplied RGBA sprite in its rest pose plus its rig.

A subject is built once per clip (tens of milliseconds) and then animated per frame by warping
(``subject_render.py``). The sprite is larger than the frame (``MARGINS``) so that motion brings
hair and shoulders into view instead of empty borders. Layers, back to front: torso (patterned
clothes), neck, an optional chiffon scarf, an optional veil, ears, head with a face, the hair cap,
then the hair strands. Every draw comes from the generator passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from . import subject_looks as looks
from . import textures as tx
from .hair import (Head, cap_paths, draw_style, hair_cap_outline, halo_paths, rasterise_strands,
                   strand_paths)
from .subject_motion import Motion, draw_motion
from .subject_shapes import (Patch, TorsoShape, ellipse_outline, head_outline, neck_outline,
                             polygon_coverage, torso_outline)

MARGINS = (0.15, 0.12, 0.15, 0.3)   # left, top, right, bottom margin of the sprite, in frame sizes
FLEX_DOWN = 4                       # the flex field is stored at 1/FLEX_DOWN of the sprite's resolution


@dataclass(frozen=True)
class Rig:
    """What the animation needs to know about the subject's body, in sprite coordinates."""

    head: Head
    neck_pivot: tuple[float, float]   # the head rolls around this point
    body_pivot: tuple[float, float]   # the body sways around this point (the hips, below the frame)
    chin_y: float                     # above: moves with the head; below the neck base: with the body
    neck_base_y: float
    flex: np.ndarray                  # how free each point is to move with wind and inertia, 0..1
    occupied: np.ndarray              # 1 where the sprite (grown a little) has content, else 0


@dataclass(frozen=True, eq=False)
class Subject:
    """A procedural subject ready to animate."""

    width: int                  # frame size
    height: int
    offset: tuple[int, int]     # (x, y) of the frame's origin within the sprite at rest
    sprite: np.ndarray          # (Hs, Ws, 4) float32, premultiplied RGB + alpha, read-only
    fill: np.ndarray            # (3,) uint8 foreground colour written where alpha is 0
    rig: Rig
    motion: Motion
    parts: tuple[str, ...]      # what it wears besides hair: "veil", "scarf"


def _over(P: np.ndarray, A: np.ndarray, cov: Patch, rgb: np.ndarray, opacity: np.ndarray | None = None) -> None:
    """Composite a straight-colour layer over the premultiplied canvas ``(P, A)`` in place."""
    if cov.empty:
        return
    ys, xs = cov.slices
    a = cov.data if opacity is None else cov.data * opacity
    inv = 1.0 - a
    P[ys, xs] = rgb * a[..., None] + P[ys, xs] * inv[..., None]
    A[ys, xs] = a + A[ys, xs] * inv


def _over_premultiplied(P: np.ndarray, A: np.ndarray, layer: Patch) -> None:
    if layer.empty:
        return
    ys, xs = layer.slices
    a = layer.data[..., 3]
    inv = 1.0 - a
    P[ys, xs] = layer.data[..., :3] + P[ys, xs] * inv[..., None]
    A[ys, xs] = a + A[ys, xs] * inv


def build_subject(rng: np.random.Generator, size: tuple[int, int], *, translucent: bool = True) -> Subject:
    """Draw and render a subject for frames of ``size`` = (width, height).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    size : (width, height)
        The frame size the subject is framed for.
    translucent : bool
        Allow the sheer veil and scarf (tests switch them off to look at the hair alone).
    """
    W, H = size
    ml, mt, mr, mb = (int(round(m * (W if i % 2 == 0 else H))) for i, m in enumerate(MARGINS))
    Hs, Ws = H + mt + mb, W + ml + mr
    shape = (Hs, Ws)

    ry = H * rng.uniform(0.13, 0.2)
    rx = ry * rng.uniform(0.72, 0.85)
    head = Head(ml + W * rng.uniform(0.3, 0.7), mt + H * rng.uniform(0.24, 0.4), rx, ry)
    neck_base = head.cy + ry * rng.uniform(1.3, 1.55)
    neck_half = rx * rng.uniform(0.42, 0.56)
    torso = TorsoShape(neck_x=head.cx + rx * rng.normal(0, 0.04), neck_y=neck_base, neck_half=neck_half,
                       shoulder_half=rx * rng.uniform(2.1, 3.0), drop=ry * rng.uniform(0.3, 0.6),
                       roundness=ry * rng.uniform(0.4, 0.7), bottom=Hs + 0.1 * H,
                       tilt=ry * rng.normal(0, 0.06), waist=rng.uniform(0.0, 0.12))
    skin = looks.skin_colour(rng)
    hair_rgb = looks.hair_colour(rng)
    style = draw_style(rng, head, hair_rgb)

    P = np.zeros((Hs, Ws, 3), np.float32)
    A = np.zeros((Hs, Ws), np.float32)
    body = np.zeros((Hs, Ws), np.float32)   # the rigid body, to keep wind off it

    cov = polygon_coverage([torso_outline(torso)], shape)
    _over(P, A, cov, looks.paint_clothes(rng, cov, 2 * ry))
    np.maximum(body[cov.slices], cov.data, out=body[cov.slices])

    neck = neck_outline(torso.neck_x, head.cy + 0.4 * ry, neck_base, neck_half, rng.uniform(0.1, 0.35),
                        ry * rng.uniform(0.1, 0.6), neck_half * rng.uniform(1.5, 2.6))
    cov = polygon_coverage([neck], shape)
    neck_rgb = looks.paint_skin(rng, cov.data.shape, skin, ry)
    # the chin's shadow on the neck
    shadow = np.clip((np.arange(cov.data.shape[0], dtype=np.float32) + cov.y0 - head.cy - 0.8 * ry) / (0.6 * ry), 0, 1)
    _over(P, A, cov, neck_rgb * (0.75 + 0.25 * shadow)[:, None, None])
    np.maximum(body[cov.slices], cov.data, out=body[cov.slices])

    draw_veil = translucent and rng.random() < 0.3
    draw_scarf = translucent and rng.random() < (0.45 if draw_veil else 0.7)
    if draw_scarf:
        cov, opacity, rgb, tail_end = looks.scarf(rng, torso.neck_x, neck_base, neck_half, head,
                                                  torso.shoulder_half, shape)
        _over(P, A, cov, rgb, opacity)
        fringe = _fringe(rng, tail_end, ry, style)
        _over_premultiplied(P, A, rasterise_strands([fringe], rgb.reshape(-1, 3).mean(0), shape))
    if draw_veil:
        cov, opacity, rgb = looks.veil(rng, head, torso.shoulder_half, neck_base, shape)
        _over(P, A, cov, rgb, opacity)

    ear_y = head.cy + ry * rng.uniform(0.0, 0.12)
    ears = [ellipse_outline(head.cx + s * rx * 0.96, ear_y, rx * 0.16, ry * 0.26, s * 0.2) for s in (-1, 1)]
    cov = polygon_coverage(ears, shape)
    _over(P, A, cov, looks.paint_skin(rng, cov.data.shape, skin * np.float32(0.95), ry))

    cov = polygon_coverage([head_outline(head.cx, head.cy, rx, ry, rng.uniform(0.1, 0.3),
                                         rng.uniform(0.0, 0.15))], shape)
    face = looks.paint_skin(rng, cov.data.shape, skin, ry)
    _over(P, A, cov, looks.paint_face(rng, face, head, cov.y0, cov.x0, hair_rgb))

    cov = polygon_coverage([hair_cap_outline(head, style, rng)], shape)
    streaks = tx.value_noise(rng, cov.data.shape, ry * 0.15, octaves=3)
    _over(P, A, cov, (hair_rgb * (0.8 + 0.3 * streaks)[..., None]).astype(np.float32))

    groups = [cap_paths(rng, head, style, max(50, style.count // 3)), strand_paths(rng, head, style),
              halo_paths(rng, head, style)]
    _over_premultiplied(P, A, rasterise_strands(groups, hair_rgb, shape))

    np.clip(A, 0.0, 1.0, out=A)
    sprite = np.concatenate([P, A[..., None]], axis=2)
    sprite.setflags(write=False)
    flex = _flex_field(head, body, max(0.8 * ry, 0.6 * style.length))
    rig = Rig(head=head, neck_pivot=(torso.neck_x, neck_base - 0.2 * ry),
              body_pivot=(torso.neck_x, Hs + 0.6 * H), chin_y=head.cy + ry, neck_base_y=neck_base,
              flex=flex, occupied=_occupancy(A, flex.shape))
    return Subject(width=W, height=H, offset=(ml, mt), sprite=sprite, fill=tx.to_uint8(hair_rgb),
                   rig=rig, motion=draw_motion(rng, W, H, ry),
                   parts=tuple(name for name, on in (("veil", draw_veil), ("scarf", draw_scarf)) if on))


def _fringe(rng: np.random.Generator, end: np.ndarray, ry: float, style) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loose threads at the end of the scarf's tail."""
    n, m = int(rng.integers(25, 60)), 8
    base = end[None, :] + rng.normal(0, 0.08 * ry, (n, 2))
    ang = math.pi / 2 + rng.normal(0, 0.5, n)
    length = ry * rng.uniform(0.1, 0.35, n)
    t = np.linspace(0, 1, m)[None, :, None]
    d = np.stack([np.cos(ang), np.sin(ang)], axis=1)[:, None, :]
    pts = base[:, None, :] + d * length[:, None, None] * t
    return pts, np.full(n, style.width * 0.8), np.ones(n)


def _occupancy(alpha: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Where the sprite has content, at the flex field's resolution, grown by two cells."""
    small = cv2.resize(alpha, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    occ = cv2.dilate((small > 1e-3).astype(np.float32), np.ones((5, 5), np.uint8))
    occ.setflags(write=False)
    return occ


def _flex_field(head: Head, body: np.ndarray, length: float) -> np.ndarray:
    """0 on the head and the body, rising to 1 at ``length`` pixels out from the head."""
    hs, ws = -(-body.shape[0] // FLEX_DOWN), -(-body.shape[1] // FLEX_DOWN)
    outside = np.full((hs, ws), 255, np.uint8)
    centre = ((head.cx + 0.5) / FLEX_DOWN - 0.5, (head.cy + 0.5) / FLEX_DOWN - 0.5)
    cv2.ellipse(outside, (int(round(centre[0] * 4)), int(round(centre[1] * 4))),
                (int(round(head.rx / FLEX_DOWN * 4)), int(round(head.ry / FLEX_DOWN * 4))),
                0, 0, 360, 0, -1, cv2.LINE_8, 2)
    dist = cv2.distanceTransform(outside, cv2.DIST_L2, 5) * np.float32(FLEX_DOWN)
    flex = np.clip(dist / np.float32(length), 0.0, 1.0) ** np.float32(1.3)
    small = cv2.resize(body, (ws, hs), interpolation=cv2.INTER_AREA)
    # rigid on the body and a couple of cells around it, so that its outline never ripples
    grown = cv2.dilate((small > 0.02).astype(np.float32), np.ones((5, 5), np.uint8))
    rigid = cv2.GaussianBlur(grown, (0, 0), 1.5)
    rigid = np.maximum(rigid, grown)
    flex = (flex * (1.0 - rigid)).astype(np.float32)
    flex.setflags(write=False)
    return flex
