"""The two non-learned rows that frame a baseline table.

- ``empty``: alpha 0 everywhere. Its MAD is the mean ground-truth alpha (x 1e3): the score of
  predicting nothing, which every learned model must beat by far.
- ``bgdiff``: the classic background-subtraction trick BGMv2 is compared with. Alpha is 1 where
  the largest channel difference |com - bgr| exceeds ``threshold`` (0..1), then the 0/1 mask is
  blurred with a Gaussian of ``sigma`` pixels to soften its edge. Its foreground is the image
  itself. It needs the captured background (``bgr/``), as bgmv2 does.

Both are :data:`mbench.baselines.predict.Predictor` factories; :data:`METHODS` is the table the
orchestration reads (name -> layers needed, layers written, description, factory).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable

import cv2
import numpy as np

from mbench.frames import to_unit_float
from mbench.layout import Clip

from .predict import Frame, Predictor


def bgdiff_alpha(com: np.ndarray, bgr: np.ndarray, threshold: float, sigma: float) -> np.ndarray:
    """8-bit alpha from an image and its background (both (H, W, 3), uint8/uint16 or float in [0, 1])."""
    diff = np.abs(to_unit_float(com) - to_unit_float(bgr)).max(axis=2)
    mask = (diff > threshold).astype(np.float32)
    if sigma > 0:
        mask = cv2.GaussianBlur(mask, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)
    return np.round(np.clip(mask, 0, 1) * 255).astype(np.uint8)


def empty_predictor(**_: float) -> Predictor:
    """Alpha 0 for every frame (no foreground written)."""

    def predict(clip: Clip) -> Iterator[Frame]:
        h, w = clip.layers["pha"].read_alpha(0).shape[:2]
        zeros = np.zeros((h, w), np.uint8)
        for _ in range(len(clip)):
            yield zeros, None

    return predict


def bgdiff_predictor(*, threshold: float = 0.1, sigma: float = 1.0) -> Predictor:
    """Thresholded, blurred |com - bgr| as alpha; the image as foreground."""

    def predict(clip: Clip) -> Iterator[Frame]:
        com, bgr = clip.layers["com"], clip.layers["bgr"]
        for i in range(len(clip)):
            image = com.read_color(i)
            fgr = image if image.dtype == np.uint8 else np.round(to_unit_float(image) * 255).astype(np.uint8)
            yield bgdiff_alpha(image, bgr.read_color(i), threshold, sigma), fgr

    return predict


@dataclass(frozen=True)
class ReferenceMethod:
    name: str
    needs: tuple[str, ...]      # ground-truth layers read
    writes: tuple[str, ...]     # prediction layers written
    description: str
    factory: Callable[..., Predictor]


METHODS = MappingProxyType({
    "empty": ReferenceMethod("empty", ("pha",), ("pha",), "alpha 0 everywhere (the score of predicting nothing)",
                             empty_predictor),
    "bgdiff": ReferenceMethod("bgdiff", ("pha", "com", "bgr"), ("pha", "fgr"),
                              "thresholded max-channel |image - background|, Gaussian-blurred; foreground = image",
                              bgdiff_predictor),
})
