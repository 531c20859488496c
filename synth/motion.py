"""Easing-driven motion: two random parameter sets interpolated along a curve over a sequence.

RVM's ``_motion_affine``, ``_motion_color_jitter`` and ``_motion_blur`` draw a start and an end
value, pick an easing curve, and give frame ``t`` of ``T`` the value ``lerp(A, B, curve(t / (T-1)))``.
Back and Elastic curves overshoot [0, 1], so the interpolated value can leave the segment [A, B].
A motion drawn with ``overshoot="clamp"`` (mbench's profiles) clamps it to the parameter's own range
(e.g. rotation within +-10 degrees, translation within 10 % of the frame), which keeps an
overshooting subject within the canvas; ``overshoot="keep"`` (the ``rvm`` profiles) leaves it, as
RVM does. Translations are fractions of the frame size, or with ``pixels`` (RVM: torchvision's
``RandomAffine.get_params`` rounds each draw to whole pixels of the image it is drawn for) pixels.
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


def draw_affine(rng: np.random.Generator, ranges: dict,
                pixels: tuple[int, int] | None = None) -> dict:
    """One ``RandomAffine.get_params`` draw (x-shear only).

    Translation is a fraction of the size; with ``pixels = (w, h)`` it is drawn as torchvision
    does, ``round(U(-t w, t w))`` whole pixels (Python's round: half to even), and the record
    says so (``"pixels": [w, h]``).
    """
    bounds = affine_bounds(ranges)
    out = {key: float(rng.uniform(*bounds[key])) for key in AFFINE_KEYS}
    if pixels is not None:
        out["tx"] = float(round(out["tx"] * pixels[0]))
        out["ty"] = float(round(out["ty"] * pixels[1]))
        out["pixels"] = [int(pixels[0]), int(pixels[1])]
    return out


def draw_motion(rng: np.random.Generator, ranges: dict, linear_p: float, *, overshoot: str = "clamp",
                pixels: tuple[int, int] | None = None) -> dict:
    """A motion: start and end affine parameters and the curve between them."""
    a = draw_affine(rng, ranges, pixels)
    b = draw_affine(rng, ranges, pixels)
    motion = {"curve": draw_curve(rng, linear_p), "a": a, "b": b, "ranges": dict(ranges)}
    if overshoot != "clamp":  # only recorded when not the default, so older manifests read the same
        motion["overshoot"] = overshoot
    return motion


def motion_at(motion: dict, t: int, length: int) -> dict:
    """The affine parameters of frame ``t``: interpolated along the curve, clamped to the ranges
    unless the motion keeps the overshoot."""
    p = progress(motion["curve"], t, length)
    bounds = affine_bounds(motion["ranges"])
    keep = motion.get("overshoot") == "keep"
    out: dict = {}
    for key in AFFINE_KEYS:
        value = lerp(motion["a"][key], motion["b"][key], p)
        if not keep:
            lo, hi = bounds[key]
            if "pixels" in motion["a"] and key in ("tx", "ty"):  # bounds in pixels too
                n = motion["a"]["pixels"][0 if key == "tx" else 1]
                lo, hi = lo * n, hi * n
            value = min(max(value, lo), hi)
        out[key] = value
    if "pixels" in motion["a"]:
        out["pixels"] = motion["a"]["pixels"]
    return out


def draw_ramp(rng: np.random.Generator, draw, linear_p: float,
              strength: tuple[float, float] | None = None) -> dict:
    """A scalar (or vector) ramp: start ``draw(rng)``, end ``draw(rng)``, and a curve.

    With ``strength = (lo, hi)`` a factor ``U(lo, hi)`` is drawn (after the ends, before the
    curve, as RVM's ``_motion_color_jitter``) that scales the curve's progress: the ramp then
    moves only that fraction of the way from its start to its end.
    """
    a = draw(rng)
    b = draw(rng)
    scale = None if strength is None else float(rng.uniform(*strength))
    ramp = {"curve": draw_curve(rng, linear_p), "a": a, "b": b}
    if scale is not None:
        ramp["strength"] = scale
    return ramp


def ramp_at(ramp: dict, t: int, length: int):
    """The ramp's value at frame ``t`` (a float, or a list for vector ramps); no clamping."""
    p = progress(ramp["curve"], t, length) * ramp.get("strength", 1.0)
    if isinstance(ramp["a"], list):
        return [lerp(x, y, p) for x, y in zip(ramp["a"], ramp["b"])]
    return lerp(ramp["a"], ramp["b"], p)
