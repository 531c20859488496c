"""Guidance layers for guided matting models (MatAnyone, MaGGIe, FTP-VM): ``trimap`` and ``mask``.

Both are made from the sequence's final alpha (after every augmentation), frame by frame, with
parameters drawn once per sequence from its own generator and recorded in the plan (``guidance``):

- ``trimap``: :func:`mbench.trimap.make_trimap` (0 background, 128 unknown, 255 foreground) with an
  unknown-band width drawn from the recipe's ``[guidance] trimap_width`` range;
- ``mask``: a coarse binary mask (0 / 255) of ``alpha > 127``, one of the kinds in
  ``[guidance] mask_kinds``: ``erode`` / ``dilate`` (an ellipse of radius from ``mask_radius``),
  ``downup`` (shrunk by a factor from ``mask_scale`` and enlarged again, blocky), or
  ``first-frame`` (the exact binary mask on the sequence's first frame, empty on the others: the
  input of first-frame-guided models).
"""

from __future__ import annotations

import cv2
import numpy as np

from mbench.trimap import make_trimap

LAYERS = ("trimap", "mask")
"""The guidance layers a recipe may ask for in ``output.layers``."""
MASK_KINDS = ("erode", "dilate", "downup", "first-frame")
DEFAULTS = {"trimap_width": [5, 20], "mask_kinds": list(MASK_KINDS), "mask_radius": [3, 15],
            "mask_scale": [0.05, 0.25]}
"""The ``[guidance]`` table of a recipe: keys and defaults."""


def draw_guidance(rng: np.random.Generator, options: dict, layers: list[str]) -> dict | None:
    """One sequence's guidance parameters (``None`` when the recipe writes no guidance layer)."""
    if not any(layer in layers for layer in LAYERS):
        return None
    lo, hi = options["trimap_width"]
    out = {"trimap_width": int(rng.integers(lo, hi + 1))}
    kind = options["mask_kinds"][int(rng.integers(len(options["mask_kinds"])))]
    out["mask"] = {"kind": kind}
    if kind in ("erode", "dilate"):
        lo, hi = options["mask_radius"]
        out["mask"]["radius"] = int(rng.integers(lo, hi + 1))
    elif kind == "downup":
        out["mask"]["scale"] = float(rng.uniform(*options["mask_scale"]))
    return out


def _ellipse(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def coarse_mask(pha: np.ndarray, params: dict, t: int) -> np.ndarray:
    """The ``mask`` layer of frame ``t`` from its alpha ``pha`` (uint8 ``(H, W)``)."""
    binary = np.where(pha > 127, np.uint8(255), np.uint8(0))
    kind = params["kind"]
    if kind == "first-frame":
        return binary if t == 0 else np.zeros_like(binary)
    if kind == "erode":
        return cv2.erode(binary, _ellipse(params["radius"]), borderType=cv2.BORDER_REPLICATE)
    if kind == "dilate":
        return cv2.dilate(binary, _ellipse(params["radius"]), borderType=cv2.BORDER_REPLICATE)
    h, w = binary.shape
    small = (max(1, round(w * params["scale"])), max(1, round(h * params["scale"])))
    down = cv2.resize(binary, small, interpolation=cv2.INTER_AREA)
    up = cv2.resize(down, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.where(up > 127, np.uint8(255), np.uint8(0))


def guidance_layers(pha: np.ndarray, params: dict, t: int, wanted: list[str]) -> dict[str, np.ndarray]:
    """The requested guidance layers of frame ``t``."""
    out = {}
    if "trimap" in wanted:
        out["trimap"] = make_trimap(pha, params["trimap_width"])
    if "mask" in wanted:
        out["mask"] = coarse_mask(pha, params["mask"], t)
    return out
