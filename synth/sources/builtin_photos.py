"""The photographs shipped inside scikit-image, as built-in backgrounds (no downloads).

Only images that load offline from the installed package are listed (scikit-image fetches
some others with ``pooch``). Pictures of people are left out (``astronaut``; ``camera`` is the
cameraman), since a person in the background would be an unlabelled second subject; ``cat`` is
the same picture as ``chelsea``, and the two stereo views of the motorcycle stay in one split.
The split of each picture is fixed here, so the splits never share a photograph.
"""

from __future__ import annotations

import cv2
import numpy as np

# name -> (split, loader name in skimage.data, index into a tuple result or None)
PHOTOS: dict[str, tuple[str, str, int | None]] = {
    "brick": ("train", "brick", None),
    "coffee": ("train", "coffee", None),
    "grass": ("train", "grass", None),
    "gravel": ("train", "gravel", None),
    "hubble_deep_field": ("train", "hubble_deep_field", None),
    "moon": ("train", "moon", None),
    "rocket": ("train", "rocket", None),
    "page": ("train", "page", None),
    "clock": ("train", "clock", None),
    "cell": ("train", "cell", None),
    "motorcycle_left": ("train", "stereo_motorcycle", 0),
    "motorcycle_right": ("train", "stereo_motorcycle", 1),
    "colorwheel": ("valid", "colorwheel", None),
    "text": ("valid", "text", None),
    "retina": ("valid", "retina", None),
    "chelsea": ("test", "chelsea", None),
    "coins": ("test", "coins", None),
    "immunohistochemistry": ("test", "immunohistochemistry", None),
}


def photo_names(split: str) -> list[str]:
    """The photographs of ``split``, in a fixed order."""
    return [name for name, (s, _, _) in PHOTOS.items() if s == split]


def load_photo(name: str) -> np.ndarray:
    """Photograph ``name`` as an ``(H, W, 3)`` RGB ``uint8`` array (grey pictures repeated)."""
    import skimage.data  # imported here: it is slow to import and only this needs it

    _, loader, index = PHOTOS[name]
    img = getattr(skimage.data, loader)()
    if index is not None:
        img = img[index]
    img = np.asarray(img)
    if img.dtype != np.uint8:
        img = np.clip(np.round(img.astype(np.float64) * (255.0 if img.max() <= 1.0 else 1.0)), 0, 255).astype(np.uint8)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_RGBA2RGB)
    return np.ascontiguousarray(img)
