"""Rendering a frame of a procedural subject: one smooth warp of its sprite per time sample.

The pose at time ``t`` defines where each frame pixel comes from in the sprite (an inverse map),
blending two rigid motions like linear-blend skinning: the body sways around the hips, the head
rolls around the neck, with a smooth weight between them along the neck. Inside the head a
cylindrical warp turns (yaw) and nods (pitch) the face while the outline stays, as a rotating
skull's does. Hair and fabric then bend with travelling waves of wind and trail the head's
motion (inertia), in proportion to the subject's flex field.

The map is evaluated on a coarse grid (``GRID`` pixels apart) and upsampled bilinearly, which is
exact for the rigid parts; one ``cv2.remap`` per sample then warps the premultiplied sprite.
Motion blur integrates the exposure: when the map moves by more than ``BLUR_STEP`` pixels while
the shutter is open, the frame averages several sub-frame samples (at most ``MAX_SAMPLES``).

A frame can also be rendered straight through an affine transform of the frame (the synthesis
pipeline's augmentation: motion, affine, crop, flip): the grid then lies in the output image and
its nodes are mapped back into the frame before the pose is applied, so the sprite is resampled
once, at the output's resolution, instead of rendering the frame and warping it again. The frame's
borders are kept: outside the frame the output is 0, with the one-pixel ramp a bilinear warp of
the rendered frame would give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .subject import FLEX_DOWN, Subject
from .subject_kernels import cut_to_frame, finish

GRID = 8            # pixels between the nodes at which the map is computed exactly
BLUR_STEP = 1.25    # largest motion, in pixels, between two sub-frame samples
MAX_SAMPLES = 12
EPS = np.float32(0.5 / 255)   # alpha below this rounds to 0


def node_coords(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Frame coordinates ``(x, y)`` of the map's nodes, ``float32`` shaped ``(gh, gw)``.

    Node ``j`` sits at ``(j - 0.5) * GRID - 0.5``: exactly where ``cv2.resize`` (half-pixel
    centres) puts it when the node grid is upsampled ``GRID`` times and cropped by ``GRID``.
    """
    gw, gh = -(-width // GRID) + 2, -(-height // GRID) + 2
    xs = (np.arange(gw, dtype=np.float32) - 0.5) * GRID - 0.5
    ys = (np.arange(gh, dtype=np.float32) - 0.5) * GRID - 0.5
    return tuple(np.ascontiguousarray(a) for a in np.meshgrid(xs, ys))


def _sample(field: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear samples of a 1/FLEX_DOWN-resolution sprite field at sprite points ``(x, y)``."""
    shape = x.shape
    scale = np.float32(1.0 / FLEX_DOWN)
    off = np.float32(0.5 / FLEX_DOWN - 0.5)
    qx = (x * scale + off).reshape(-1, shape[-1])     # remap wants 2-D grids of points
    qy = (y * scale + off).reshape(-1, shape[-1])
    return cv2.remap(field, qx, qy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(shape)


CHANNELS = ("body_x", "body_y", "body_rot", "body_zoom", "head_x", "head_y", "head_rot", "yaw", "pitch")


RIGID = CHANNELS[:7]   # the channels that move the head's centre


def _pose(m, times: np.ndarray, channels: tuple[str, ...] = CHANNELS) -> dict[str, np.ndarray]:
    """Motion channels at each time, as ``float64`` arrays of ``len(times)``."""
    ts = [float(t) for t in times]
    return {n: np.array([getattr(m, n)(t) for t in ts]) for n in channels}


def _inverse_rigid(subject: Subject, p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per time, the affine maps (``(K, 2, 3)``) undoing the body's motion and body + head's.

    Body (forward): ``R(rot) z (p - P) + P + T`` around the hips ``P``; head (forward, before the
    body's): ``R(roll) (p - N) + N + T_h`` around the neck ``N``.
    """
    rig = subject.rig
    k = len(p["body_x"])
    px, py = rig.body_pivot
    nx, ny = rig.neck_pivot
    c, s = np.cos(p["body_rot"]), np.sin(p["body_rot"])
    z = 1.0 / (1.0 + p["body_zoom"])
    body = np.empty((k, 2, 3))
    body[:, 0, 0], body[:, 0, 1] = c * z, s * z
    body[:, 1, 0], body[:, 1, 1] = -s * z, c * z
    tx, ty = px + p["body_x"], py + p["body_y"]
    body[:, 0, 2] = px - body[:, 0, 0] * tx - body[:, 0, 1] * ty
    body[:, 1, 2] = py - body[:, 1, 0] * tx - body[:, 1, 1] * ty
    c, s = np.cos(p["head_rot"]), np.sin(p["head_rot"])
    head_rel = np.empty((k, 2, 3))
    head_rel[:, 0, 0], head_rel[:, 0, 1], head_rel[:, 1, 0], head_rel[:, 1, 1] = c, s, -s, c
    tx, ty = nx + p["head_x"], ny + p["head_y"]
    head_rel[:, 0, 2] = nx - c * tx - s * ty
    head_rel[:, 1, 2] = ny + s * tx - c * ty
    head = np.empty((k, 2, 3))
    head[:, :, :2] = head_rel[:, :, :2] @ body[:, :, :2]
    head[:, :, 2] = (head_rel[:, :, :2] @ body[:, :, 2:])[..., 0] + head_rel[:, :, 2]
    return body, head


def _head_centre(subject: Subject, p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Where the head's centre is in pose ``p`` (forward motion), in sprite coordinates."""
    rig = subject.rig
    nx, ny = rig.neck_pivot
    c, s = np.cos(p["head_rot"]), np.sin(p["head_rot"])
    x, y = rig.head.cx - nx, rig.head.cy - ny
    x, y = c * x - s * y + nx + p["head_x"], s * x + c * y + ny + p["head_y"]
    px, py = rig.body_pivot
    z = 1.0 + p["body_zoom"]
    c, s = np.cos(p["body_rot"]), np.sin(p["body_rot"])
    x, y = (x - px) * z, (y - py) * z
    return c * x - s * y + px + p["body_x"], s * x + c * y + py + p["body_y"]


def _apply(m: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Affine maps ``(K, 2, 3)`` applied to a grid: ``(K, gh, gw)`` float32 x and y."""
    f = m.astype(np.float32)[:, :, :, None, None]
    return f[:, 0, 0] * x + f[:, 0, 1] * y + f[:, 0, 2], f[:, 1, 0] * x + f[:, 1, 1] * y + f[:, 1, 2]


def _column(v: np.ndarray) -> np.ndarray:
    return np.asarray(v, np.float32).reshape(-1, 1, 1)


def _turn(rx, ry, head, yaw, pitch):
    """Turn (yaw) and nod (pitch) inside the head: points on a sphere rotate, its outline stays.

    A point at angle ``th`` across the head's width (``sin th = u / half-width``) shows the point
    at ``th - yaw cos th``: the centre moves by the full turn, the outline not at all.
    """
    u = (rx - np.float32(head.cx)) * np.float32(1.0 / head.rx)
    v = (ry - np.float32(head.cy)) * np.float32(1.0 / head.ry)
    inside = u * u + v * v < 1.0
    k_idx, i_idx, j_idx = np.nonzero(inside)
    if k_idx.size == 0:
        return rx, ry
    u, v = u[inside], v[inside]
    yaw, pitch = yaw[k_idx, 0, 0], pitch[k_idx, 0, 0]
    half_w = np.sqrt(np.maximum(1.0 - v * v, 1e-9))
    th = np.arcsin(np.clip(u / half_w, -1.0, 1.0))
    half_h = np.sqrt(np.maximum(1.0 - u * u, 1e-9))
    ph = np.arcsin(np.clip(v / half_h, -1.0, 1.0))
    sx, sy = rx.copy(), ry.copy()
    sx[inside] = head.cx + head.rx * half_w * np.sin(th - yaw * np.cos(th))
    sy[inside] = head.cy + head.ry * half_h * np.sin(ph - pitch * np.cos(ph))
    return sx, sy


def _waves(coord: np.ndarray, waves, times: np.ndarray) -> np.ndarray:
    """``sum a sin(2 pi f t - k coord + phase)`` with the time part reduced in float64 first."""
    out = np.zeros_like(coord)
    for a, f, kw, phase in waves:
        shift = _column(np.mod(2 * math.pi * f * times + phase, 2 * math.pi))
        out += np.float32(a) * np.sin(shift - np.float32(kw) * coord)
    return out


def node_maps(subject: Subject, times, nodes: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The inverse map at the nodes for each time: the sprite point each node shows.

    Returns ``(K, gh, gw, 2)`` ``float32`` sprite coordinates (x, y) for ``K`` times.
    """
    times = np.atleast_1d(np.asarray(times, np.float64))
    m, rig = subject.motion, subject.rig
    p = _pose(m, times)
    ox, oy = subject.offset
    qx, qy = nodes[0] + np.float32(ox), nodes[1] + np.float32(oy)

    # skinning: the body's and the head's rigid motions, blended along the neck
    body, head = _inverse_rigid(subject, p)
    bx, by = _apply(body, qx, qy)
    hx, hy = _apply(head, qx, qy)
    w = np.clip((np.float32(rig.neck_base_y) - by) * np.float32(1.0 / (rig.neck_base_y - rig.chin_y)), 0.0, 1.0)
    w = w * w * (3.0 - 2.0 * w)
    rx, ry = bx + w * (hx - bx), by + w * (hy - by)
    sx, sy = _turn(rx, ry, rig.head, _column(p["yaw"]), _column(p["pitch"]))

    # hair and fabric: wind waves plus inertia, where the subject is free to move
    flex = _sample(rig.flex, sx, sy)
    gf, gp, depth = m.gust
    gust = _column(1.0 + depth * np.sin(2 * math.pi * gf * times + gp))
    dx = _waves(sy, m.wind_x, times) * gust
    dy = _waves(sx, m.wind_y, times) * gust
    now_x, now_y = _head_centre(subject, p)
    before_x, before_y = _head_centre(subject, _pose(m, times - m.lag, RIGID))
    dx += _column(m.lag_gain * (before_x - now_x))
    dy += _column(m.lag_gain * (before_y - now_y))
    out = np.empty(sx.shape + (2,), np.float32)
    out[..., 0] = sx - flex * dx
    out[..., 1] = sy - flex * dy
    return out


def _upsample(nodes_map: np.ndarray, r0: int, c0: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """The per-pixel map over ``box`` = (y0, y1, x0, x1) from node rows/cols starting at (r0, c0).

    Row ``i`` of the ``GRID``-times upsampled node grid is frame row ``i + r0 * GRID - GRID``
    (``cv2.resize``'s half-pixel centres), valid away from the grid's outer half-cells.
    """
    y0, y1, x0, x1 = box
    gh, gw = nodes_map.shape[:2]
    full = cv2.resize(nodes_map, (gw * GRID, gh * GRID), interpolation=cv2.INTER_LINEAR)
    oy, ox = GRID - r0 * GRID, GRID - c0 * GRID
    return full[y0 + oy:y1 + oy, x0 + ox:x1 + ox]


def _node_span(lo: int, hi: int) -> tuple[int, int]:
    """Node indices ``[r0, r1)`` whose upsampling covers pixels ``[lo, hi)`` exactly."""
    return (lo + GRID // 2) // GRID, math.ceil((hi - 0.5 + GRID / 2) / GRID) + 1


def _warp(subject: Subject, nodes_map: np.ndarray, r0: int, c0: int,
          box: tuple[int, int, int, int]) -> np.ndarray:
    """Warp the sprite into ``box`` of the image with a node map."""
    return cv2.remap(subject.sprite, _upsample(nodes_map, r0, c0, box), None, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))


@dataclass(frozen=True)
class Exposure:
    """How the frame at ``t`` is sampled across the shutter's opening."""

    centre: np.ndarray                  # (gh, gw, 2) node map standing for the whole exposure
    times: np.ndarray                   # sub-frame sample times where the subject moves fast
    box: tuple[int, int, int, int]      # (y0, y1, x0, x1): the image region they cover
    content: tuple[int, int, int, int]  # the region that can show the subject (empty: y0 == y1)

    @property
    def samples(self) -> int:
        return len(self.times)


CONTENT_MARGIN = 2   # nodes around those near the subject whose pixels are rendered too


def _pixel_box(rows: np.ndarray, cols: np.ndarray, margin: float,
               size: tuple[int, int]) -> tuple[int, int, int, int]:
    """``(y0, y1, x0, x1)``: the pixels that nodes ``rows`` x ``cols`` (and ``margin`` more
    around) interpolate. Node ``j`` sits at pixel ``(j - 0.5) * GRID - 0.5``: it reaches the
    pixels within a cell of it."""
    def span(idx: np.ndarray, n: int) -> tuple[int, int]:
        return max(0, int((idx.min() - 1.5 - margin) * GRID)), min(n, int((idx.max() + 0.5 + margin) * GRID) + 1)

    return span(rows, size[1]) + span(cols, size[0])


def exposure(subject: Subject, t: float, fps: float, nodes,
             size: tuple[int, int] | None = None) -> Exposure:
    """Plan the exposure of the frame at ``t``.

    The maps at the shutter's opening and closing tell how far each part of the subject travels.
    Where it travels less than ``BLUR_STEP`` pixels, their mean stands for the exposure (exact to
    second order); the region where it travels more is averaged over ``K`` samples spread evenly
    across the exposure (``K = ceil(travel / BLUR_STEP)``, at most ``MAX_SAMPLES``). Nodes that
    show the subject's surroundings at either end (its occupancy field: content grown by a few
    pixels) bound the region worth rendering, grown by ``CONTENT_MARGIN`` nodes; elsewhere the
    frame is empty. ``nodes`` are the frame coordinates of the nodes of an image of ``size``
    (default: the frame's own grid and size); boxes are in that image's pixels.
    """
    size = tuple(size or (subject.width, subject.height))
    e = subject.motion.shutter / fps
    ends = node_maps(subject, [t - e / 2, t + e / 2], nodes)
    centre = 0.5 * (ends[0] + ends[1])
    # only nodes that show some of the subject count: empty space may move as it likes
    occupied = ((_sample(subject.rig.occupied, ends[0][..., 0], ends[0][..., 1]) > 0.0)
                | (_sample(subject.rig.occupied, ends[1][..., 0], ends[1][..., 1]) > 0.0))
    rows, cols = np.nonzero(occupied)
    content = _pixel_box(rows, cols, CONTENT_MARGIN, size) if rows.size else (0, 0, 0, 0)
    travel = np.where(occupied, np.sqrt(((ends[1] - ends[0]) ** 2).sum(axis=2)), 0.0)
    k = min(MAX_SAMPLES, max(1, math.ceil(float(travel.max()) / BLUR_STEP)))
    if k == 1:
        return Exposure(centre, np.zeros(0), (0, 0, 0, 0), content)
    # the fast nodes' pixels, grown by a cell: outside, the one centre sample is within half a step
    rows, cols = np.nonzero(travel > 0.5 * BLUR_STEP)
    return Exposure(centre, t + e * ((np.arange(k) + 0.5) / k - 0.5), _pixel_box(rows, cols, 0, size), content)


def render(subject: Subject, t: float, fps: float, nodes, matrix: np.ndarray | None = None,
           size: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The frame at time ``t``: ``(H, W, 3)`` uint8 foreground and ``(H, W)`` uint8 alpha.

    The foreground colour is the premultiplied colour divided by alpha, so that ``fgr * alpha``
    reproduces the subject; where alpha rounds to 0 it fades to the subject's fill colour
    (``(P + fill (d - a)) / d`` with ``d = max(a, EPS)``: exact wherever alpha is at least EPS).

    Parameters
    ----------
    nodes : (ndarray, ndarray)
        ``node_coords(*size)``: the grid of the image rendered.
    matrix : (3, 3) ndarray, optional
        Forward affine map from frame pixels to output pixels (pixel-centre coordinates); the
        output is the frame seen through it, as ``cv2.warpAffine`` of the rendered frame with a
        zero border would show it, resampled once. Default: the frame itself.
    size : (width, height), optional
        Output size (default the frame's).
    """
    size = tuple(size or (subject.width, subject.height))
    inverse = None
    if matrix is not None:
        inverse = _affine_inverse(matrix)
        nodes = _through(inverse, nodes)
    plan = exposure(subject, t, fps, nodes, size)
    y0, y1, x0, x1 = plan.content
    if plan.samples:  # the blurred region is rendered too, wherever it lies
        by0, by1, bx0, bx1 = plan.box
        y0, y1, x0, x1 = (min(y0, by0), max(y1, by1), min(x0, bx0), max(x1, bx1)) if y1 > y0 else plan.box
    if y1 <= y0 or x1 <= x0:
        return finish(None, (0, 0), subject.fill, EPS, size)
    acc = _warp(subject, plan.centre, 0, 0, (y0, y1, x0, x1))
    if plan.samples:
        by0, by1, bx0, bx1 = plan.box
        r0, r1 = _node_span(by0, by1)
        c0, c1 = _node_span(bx0, bx1)
        sub = (nodes[0][r0:r1, c0:c1], nodes[1][r0:r1, c0:c1])
        maps = node_maps(subject, plan.times, sub)
        region = _warp(subject, maps[0], r0, c0, plan.box)
        for mp in maps[1:]:
            region += _warp(subject, mp, r0, c0, plan.box)
        acc[by0 - y0:by1 - y0, bx0 - x0:bx1 - x0] = region * np.float32(1.0 / len(maps))
    fgr, alpha = finish(acc, (y0, x0), subject.fill, EPS, size)
    if matrix is not None:
        _frame_border(fgr, alpha, inverse, (subject.width, subject.height), size)
    return fgr, alpha


def _affine_inverse(matrix: np.ndarray) -> np.ndarray:
    """The ``(2, 3)`` inverse of an affine ``matrix`` (3x3 or 2x3), in closed form."""
    (a, b, c), (d, e, f) = np.asarray(matrix, np.float64)[:2].tolist()
    det = a * e - b * d
    return np.array([[e, -b, b * f - c * e], [-d, a, c * d - a * f]]) / det


def _through(inverse: np.ndarray, nodes) -> tuple[np.ndarray, np.ndarray]:
    """Output node coordinates taken back into the frame by the ``inverse`` affine ((2, 3))."""
    f = inverse.astype(np.float32)
    x, y = nodes
    return f[0, 0] * x + f[0, 1] * y + f[0, 2], f[1, 0] * x + f[1, 1] * y + f[1, 2]


def _frame_border(fgr: np.ndarray, alpha: np.ndarray, inverse: np.ndarray, frame: tuple[int, int],
                  size: tuple[int, int]) -> None:
    """Zero both layers outside the frame, with the bilinear one-pixel ramp at its edges, in place
    (``inverse``: output pixels -> frame pixels, (2, 3)).

    Nothing to do when every output pixel centre comes from within the frame's pixel centres.
    """
    w, h = size
    W, H = frame
    x, y = inverse @ np.array([[0, w - 1, 0, w - 1], [0, 0, h - 1, h - 1], [1, 1, 1, 1]], np.float64)
    if not (x.min() >= 0 and x.max() <= W - 1 and y.min() >= 0 and y.max() <= H - 1):
        cut_to_frame(fgr, alpha, inverse, frame)
