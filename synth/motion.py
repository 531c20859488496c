"""Easing-driven motion: two random parameter sets interpolated along a curve over a sequence.

RVM's ``_motion_affine``, ``_motion_color_jitter`` and ``_motion_blur`` draw a start and an end
value, pick an easing curve, and give frame ``t`` of ``T`` the value ``lerp(A, B, curve(t / (T-1)))``.
Back and Elastic curves overshoot [0, 1], so the interpolated value can leave the segment [A, B];
it is clamped to the parameter's own range (e.g. rotation within +-10 degrees, translation within
10 % of the frame), which keeps an overshooting subject within the canvas while leaving the
overshoot visible wherever the range allows it.
"""

from __future__ import annotations

import numpy as np

from .easing import draw_curve, ease

AFFINE_KEYS = ("angle", "tx", "ty", "scale", "shear")


def lerp(a: float, b: float, p: float) -> float:
    """``a (1 - p) + b p``: exactly ``a`` at ``p = 0`` and exactly ``b`` at ``p = 1``."""
    return a * (1.0 - p) + b * p


def progress(curve: str, t: int, length: int) -> float:
    """The curve's value for frame ``t`` of a sequence of ``length`` frames."""
    return 0.0 if length <= 1 else ease(curve, t / (length - 1))


def affine_bounds(ranges: dict) -> dict[str, tuple[float, float]]:
    """Per-parameter bounds of an affine range table ``{rotation, translate, scale, shear}``."""
    return {"angle": (-ranges["rotation"], ranges["rotation"]),
            "tx": (-ranges["translate"], ranges["translate"]),
            "ty": (-ranges["translate"], ranges["translate"]),
            "scale": (float(ranges["scale"][0]), float(ranges["scale"][1])),
            "shear": (-ranges["shear"], ranges["shear"])}


def draw_affine(rng: np.random.Generator, ranges: dict) -> dict[str, float]:
    """One ``RandomAffine.get_params`` draw (x-shear only; translation as a fraction of the size)."""
    bounds = affine_bounds(ranges)
    return {key: float(rng.uniform(*bounds[key])) for key in AFFINE_KEYS}


def draw_motion(rng: np.random.Generator, ranges: dict, linear_p: float) -> dict:
    """A motion: start and end affine parameters and the curve between them."""
    a = draw_affine(rng, ranges)
    b = draw_affine(rng, ranges)
    return {"curve": draw_curve(rng, linear_p), "a": a, "b": b, "ranges": dict(ranges)}


def motion_at(motion: dict, t: int, length: int) -> dict[str, float]:
    """The affine parameters of frame ``t``: interpolated along the curve, clamped to the ranges."""
    p = progress(motion["curve"], t, length)
    bounds = affine_bounds(motion["ranges"])
    out = {}
    for key in AFFINE_KEYS:
        lo, hi = bounds[key]
        out[key] = min(max(lerp(motion["a"][key], motion["b"][key], p), lo), hi)
    return out


def draw_ramp(rng: np.random.Generator, draw, linear_p: float) -> dict:
    """A scalar (or vector) ramp: start ``draw(rng)``, end ``draw(rng)``, and a curve."""
    a = draw(rng)
    b = draw(rng)
    return {"curve": draw_curve(rng, linear_p), "a": a, "b": b}


def ramp_at(ramp: dict, t: int, length: int):
    """The ramp's value at frame ``t`` (a float, or a list for vector ramps); no clamping."""
    p = progress(ramp["curve"], t, length)
    if isinstance(ramp["a"], list):
        return [lerp(x, y, p) for x, y in zip(ramp["a"], ramp["b"])]
    return lerp(ramp["a"], ramp["b"], p)
