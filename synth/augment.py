"""The per-sequence draws of the augmentation (REFERENCE.md 3.3, RVM ``MotionAugmentation``).

A *profile* (a table in a recipe: probabilities and ranges) plus a sequence key give a JSON-able
record of everything drawn for one sequence: which operations apply and with what parameters. The
renderer (:mod:`mbench.synth.render`) turns that record into pixels, frame by frame; the manifest
stores it. Each operation draws from its own generator, ``default_rng(key + [op])``, so changing one
probability in a recipe does not reshuffle the draws of the others.

Order (RVM): motion affine fg / bg / both -> static affine -> crop -> flip -> noise -> colour jitter
-> grayscale -> sharpness -> blur (fg+alpha, bg, all) -> pause; BGMv2 extras: shadow on the
background, and a misaligned, jittered copy of it (``bgr_capture``, what a background-matting model
is given as its captured background).
"""

from __future__ import annotations

import numpy as np

from .effects import OPS as EFFECT_OPS, draw_effects
from .geometry import center_crop, random_crop
from .motion import draw_affine, draw_motion, draw_ramp, ramp_at

# Operation tags for the per-operation generators (fixed: changing them changes every dataset).
_OPS = {"fg_motion": 1, "bg_motion": 2, "joint_motion": 3, "fg_static": 4, "bg_static": 5,
        "fg_crop": 6, "bg_crop": 7, "fg_flip": 8, "bg_flip": 9, "noise": 10, "fg_jitter": 11,
        "bg_jitter": 12, "grayscale": 13, "sharpness": 14, "blur": 15, "pause": 16, "shadow": 17,
        "misalign": 18, "capture_jitter": 19, **EFFECT_OPS}

OPERATIONS = ("fg_motion_p", "bg_motion_p", "static_affine_p", "hflip_p", "noise_p", "color_jitter_p",
              "grayscale_p", "sharpness_p", "blur_p", "pause_p", "shadow_p", "misalign_p", "capture_jitter_p")
"""The probabilities of the operations (a profile with all of them 0 applies none)."""
GEOMETRIC_OPS = ("fg_motion_p", "bg_motion_p", "static_affine_p")
"""Probabilities that must be 0 where frames are stretched instead of warped."""


def _rng(key: list[int], op: str) -> np.random.Generator:
    return np.random.default_rng([*key, _OPS[op]])


def _hit(key: list[int], op: str, p: float) -> np.random.Generator | None:
    """The operation's generator if its coin (probability ``p``) comes up, else ``None``."""
    if p <= 0:
        return None
    rng = _rng(key, op)
    return rng if rng.random() < p else None


def _crop(rng: np.random.Generator, profile: dict, size: tuple[int, int],
          out_size: tuple[int, int]) -> list[int]:
    aspect = out_size[0] / out_size[1]
    ratio = (profile["crop_ratio"][0] * aspect, profile["crop_ratio"][1] * aspect)
    if profile["crop_position"] == "random":
        return list(random_crop(rng, size, ratio))
    return list(center_crop(size, ratio))


def draw_augmentation(profile: dict, key: list[int], fg_size: tuple[int, int],
                      bg_size: tuple[int, int], out_size: tuple[int, int], length: int) -> dict:
    """Draw one sequence's augmentation.

    Parameters
    ----------
    profile : dict
        A resolved augmentation profile (see ``profiles.toml``).
    key : list of int
        The sequence's seed key.
    fg_size, bg_size : (w, h)
        Working sizes of the foreground and background frames (after the initial shrink).
    out_size : (W, H)
        Output frame size.
    length : int
        Frames in the sequence.

    Returns
    -------
    dict
        One entry per operation: ``None`` when it does not apply, else its parameters.
    """
    p = profile
    linear = p["linear_curve_p"]
    # translations in whole pixels of the image drawn for (the joint motion: the foreground's, as
    # RVM's get_params sees imgs[0][0].size), or fractions
    fg_px, bg_px = (fg_size, bg_size) if p["translate_rounding"] == "pixel" else (None, None)
    motion = {"overshoot": p["overshoot"]}
    aug: dict = {}
    rng = _hit(key, "fg_motion", p["fg_motion_p"])
    aug["fg_motion"] = draw_motion(rng, p["motion"], linear, pixels=fg_px, **motion) if rng else None
    # RVM: background alone with p/2, then foreground and background together with p/2
    rng = _hit(key, "bg_motion", p["bg_motion_p"] / 2)
    aug["bg_motion"] = draw_motion(rng, p["motion"], linear, pixels=bg_px, **motion) if rng else None
    rng = _hit(key, "joint_motion", p["bg_motion_p"] / 2)
    aug["joint_motion"] = draw_motion(rng, p["motion"], linear, pixels=fg_px, **motion) if rng else None
    rng = _hit(key, "fg_static", p["static_affine_p"])
    aug["fg_static"] = draw_affine(rng, p["fg_static"], fg_px) if rng else None
    rng = _hit(key, "bg_static", p["static_affine_p"])
    aug["bg_static"] = draw_affine(rng, p["bg_static"], bg_px) if rng else None
    aug["fg_crop"] = _crop(_rng(key, "fg_crop"), p, fg_size, out_size)
    aug["bg_crop"] = _crop(_rng(key, "bg_crop"), p, bg_size, out_size)
    aug["fg_flip"] = _hit(key, "fg_flip", p["hflip_p"]) is not None
    aug["bg_flip"] = _hit(key, "bg_flip", p["hflip_p"]) is not None

    rng = _hit(key, "noise", p["noise_p"])
    if rng:
        grain = float(rng.uniform(*p["noise_grain"]))
        mono = bool(rng.random() < p["noise_mono_p"])
        aug["noise"] = {"grain": grain, "mono": mono,
                        "fg_sigma": float(rng.random() * p["noise_sigma"] / grain),
                        "bg_sigma": float(rng.random() * p["noise_sigma"] / grain),
                        "seed": int(rng.integers(2**63))}
    else:
        aug["noise"] = None

    std = p["jitter_std"]
    strength = None if p["jitter_strength"] == [1.0, 1.0] else tuple(p["jitter_strength"])
    for layer in ("fg", "bg"):
        rng = _hit(key, f"{layer}_jitter", p["color_jitter_p"])
        # brightness, contrast, saturation, hue offsets, each ~ N(0, std^2)
        ramp = draw_ramp(rng, lambda r: [float(v) for v in r.normal(0, std, 4)], linear,
                         strength) if rng else None
        if ramp and p["jitter_saturation"] == "brightness":
            ramp["saturation_from"] = "brightness"
        aug[f"{layer}_jitter"] = ramp
    aug["grayscale"] = _hit(key, "grayscale", p["grayscale_p"]) is not None
    rng = _hit(key, "sharpness", p["sharpness_p"])
    aug["sharpness"] = float(rng.uniform(*p["sharpness_factor"])) if rng else None

    blurs = []
    rng = _rng(key, "blur")
    for _ in ("fg", "bg", "all"):  # three independent coins, p / 3 each (RVM)
        if p["blur_p"] > 0 and rng.random() < p["blur_p"] / 3:
            blurs.append(draw_ramp(rng, lambda r: float(r.uniform(*p["blur_sigma"])), linear))
        else:
            blurs.append(None)
    aug["blur"] = {"fg": blurs[0], "bg": blurs[1], "all": blurs[2]}

    rng = _hit(key, "pause", p["pause_p"])
    if rng and length >= 2:
        frame = int(rng.integers(length - 1))
        aug["pause"] = {"frame": frame, "length": int(rng.integers(length - frame))}
    else:
        aug["pause"] = None

    rng = _hit(key, "shadow", p["shadow_p"])
    aug["shadow"] = {"strength": float(rng.random() * p["shadow_strength"]),
                     "affine": draw_affine(rng, p["shadow_affine"]),
                     "blur": int(rng.integers(p["shadow_blur"][0], max(p["shadow_blur"][0] + 1,
                                                                    p["shadow_blur"][1])))} if rng else None
    rng = _hit(key, "misalign", p["misalign_p"])
    aug["misalign"] = draw_affine(rng, p["misalign"]) if rng else None
    rng = _hit(key, "capture_jitter", p["capture_jitter_p"])
    if rng:
        b, c, s, h = p["capture_jitter"]
        aug["capture_jitter"] = [float(rng.uniform(1 - b, 1 + b)), float(rng.uniform(1 - c, 1 + c)),
                                 float(rng.uniform(1 - s, 1 + s)), float(rng.uniform(-h, h))]
    else:
        aug["capture_jitter"] = None
    aug.update(draw_effects(p, lambda op, prob: _hit(key, op, prob)))
    return aug


def jitter_factors(ramp: dict, t: int, length: int, hue_scale: float) -> tuple[float, float, float, float]:
    """Brightness, contrast, saturation factors and hue shift of a jitter ramp at frame ``t``
    (RVM: ``max(1 + offset, 0.1)`` each, hue ``offset * hue_scale`` within +-0.5; a ramp with
    ``saturation_from = "brightness"`` uses the brightness offset for the saturation, as RVM's
    ``_motion_color_jitter`` does)."""
    b, c, s, h = ramp_at(ramp, t, length)
    if ramp.get("saturation_from") == "brightness":
        s = b
    return max(1 + b, 0.1), max(1 + c, 0.1), max(1 + s, 0.1), min(0.5, max(-0.5, h * hue_scale))


def pause_source(aug: dict, t: int) -> int:
    """The frame whose content output frame ``t`` shows (RVM ``_motion_pause``: frames
    ``frame + 1 .. frame + length - 1`` repeat frame ``frame``)."""
    pause = aug.get("pause")
    if pause and pause["frame"] < t < pause["frame"] + pause["length"]:
        return pause["frame"]
    return t
