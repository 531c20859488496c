"""Effects beyond RVM's augmentation: motion blur along the motion path, defocus, camera shake,
codec artefacts on the composite (the draws; the pixels are in :mod:`mbench.synth.effects_pixels`).

Each is an augmentation-profile option with a probability and ranges (``profiles.toml``), drawn
from the sequence's own generator per operation (as every other operation of
:mod:`mbench.synth.augment`) and recorded in the sequence's ``augment`` entry of the manifest. A
profile whose probability is 0 records nothing, so the manifests of recipes that do not use an
effect are what they were before it existed.

- ``motion_blur``: each subject's geometry integrated over the exposure (a fraction of the frame
  interval, centred on the frame's time) along the eased motion, ``samples`` positions averaged
  with premultiplied alpha: colour and alpha blur together, only where the subject moves;
- ``defocus_bg`` / ``defocus_fg``: a disc (pillbox) blur of the background, or of the subject
  with its alpha (premultiplied), of a radius in pixels;
- ``shake``: a smooth random walk of small rotations and translations of the camera, applied to
  every layer alike (the background reflected at the border, the subject and alpha zero outside);
- ``codec``: ``com`` only, through H.264 or H.265 at a CRF (PyAV, the whole sequence as one
  video, ``yuv420p``) or JPEG at a quality; the ground truth layers stay clean.
"""

from __future__ import annotations

import numpy as np

CODECS = ("h264", "h265", "jpeg")
# Operation tags of the effects' generators (continuing augment._OPS; fixed).
OPS = {"motion_blur": 20, "defocus_bg": 21, "defocus_fg": 22, "shake": 23, "codec": 24}
PROBABILITIES = ("motion_blur_p", "defocus_bg_p", "defocus_fg_p", "shake_p", "codec_p")


def draw_effects(profile: dict, hit) -> dict:
    """The effects of one sequence; ``hit(op, p)`` is the augmentation's coin-and-generator."""
    p = profile
    out: dict = {}
    if p["motion_blur_p"] > 0:
        rng = hit("motion_blur", p["motion_blur_p"])
        out["motion_blur"] = {"exposure": float(rng.uniform(*p["motion_blur_exposure"])),
                              "samples": int(p["motion_blur_samples"])} if rng else None
    for layer in ("bg", "fg"):
        if p[f"defocus_{layer}_p"] > 0:
            rng = hit(f"defocus_{layer}", p[f"defocus_{layer}_p"])
            out[f"defocus_{layer}"] = {"radius": float(rng.uniform(*p["defocus_radius"]))} if rng else None
    if p["shake_p"] > 0:
        rng = hit("shake", p["shake_p"])
        out["shake"] = {"seed": int(rng.integers(2**63)), "rotation": float(p["shake_rotation"]),
                        "translate": float(p["shake_translate"]),
                        "smoothness": float(p["shake_smoothness"])} if rng else None
    if p["codec_p"] > 0:
        rng = hit("codec", p["codec_p"])
        if rng:
            codec = p["codecs"][int(rng.integers(len(p["codecs"])))]
            if codec == "jpeg":
                out["codec"] = {"codec": codec, "quality": int(rng.integers(p["codec_jpeg_quality"][0],
                                                                          p["codec_jpeg_quality"][1] + 1))}
            else:
                out["codec"] = {"codec": codec, "crf": int(rng.integers(p["codec_crf"][0], p["codec_crf"][1] + 1))}
        else:
            out["codec"] = None
    return out


def shake_path(shake: dict, length: int) -> np.ndarray:
    """Per frame ``(angle in degrees, tx, ty as fractions of the frame)``: a random walk smoothed
    with a Gaussian of ``smoothness`` frames, scaled so that its largest excursion is the
    amplitude (``rotation`` degrees, ``translate`` of the frame)."""
    from scipy.ndimage import gaussian_filter1d

    rng = np.random.default_rng(shake["seed"])
    pad = int(3 * shake["smoothness"]) + 1
    walk = np.cumsum(rng.standard_normal((length + 2 * pad, 3)), axis=0)
    if shake["smoothness"] > 0:
        walk = gaussian_filter1d(walk, shake["smoothness"], axis=0, mode="nearest")
    walk = walk[pad:pad + length]
    walk = walk - walk.mean(axis=0)
    peak = np.abs(walk).max(axis=0)
    walk = walk / np.where(peak > 0, peak, 1.0)
    return walk * np.array([shake["rotation"], shake["translate"], shake["translate"]])


def exposure_times(u: int, blur: dict, length: int) -> list[float]:
    """The sub-frame times a motion-blurred frame ``u`` integrates over (within the sequence)."""
    n = max(1, blur["samples"])
    if n == 1:
        return [float(u)]
    return [min(max(u + blur["exposure"] * (k / (n - 1) - 0.5), 0.0), float(max(length - 1, 0)))
            for k in range(n)]
