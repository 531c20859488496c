"""The photographs shipped inside scikit-image, as built-in backgrounds (no downloads).

Only images that load offline from the installed package are listed (scikit-image fetches
some others with ``pooch``). Pictures of people are left out (``astronaut``; ``camera`` is the
cameraman), since a person in the background would be an unlabelled second subject; ``cat`` is
the same picture as ``chelsea``, and the two stereo views of the motorcycle stay in one split.
The split of each picture is fixed here, so the splits never share a photograph. Their sizes are
listed too, so that the catalogue of backgrounds is known without decoding every picture (a
picture of another size, from another scikit-image release, is resized to the listed size).
"""

from __future__ import annotations

import cv2
import numpy as np

# name -> (split, loader name in skimage.data, index into a tuple result or None, (width, height))
PHOTOS: dict[str, tuple[str, str, int | None, tuple[int, int]]] = {
    "brick": ("train", "brick", None, (512, 512)),
    "coffee": ("train", "coffee", None, (600, 400)),
    "grass": ("train", "grass", None, (512, 512)),
    "gravel": ("train", "gravel", None, (512, 512)),
    "hubble_deep_field": ("train", "hubble_deep_field", None, (1000, 872)),
    "moon": ("train", "moon", None, (512, 512)),
    "rocket": ("train", "rocket", None, (640, 427)),
    "page": ("train", "page", None, (384, 191)),
    "clock": ("train", "clock", None, (400, 300)),
    "cell": ("train", "cell", None, (550, 660)),
    "motorcycle_left": ("train", "stereo_motorcycle", 0, (741, 500)),
    "motorcycle_right": ("train", "stereo_motorcycle", 1, (741, 500)),
    "colorwheel": ("valid", "colorwheel", None, (371, 370)),
    "text": ("valid", "text", None, (448, 172)),
    "retina": ("valid", "retina", None, (1411, 1411)),
    "chelsea": ("test", "chelsea", None, (451, 300)),
    "coins": ("test", "coins", None, (384, 303)),
    "immunohistochemistry": ("test", "immunohistochemistry", None, (512, 512)),
}


def photo_names(split: str) -> list[str]:
    """The photographs of ``split``, in a fixed order."""
    return [name for name, (s, _, _, _) in PHOTOS.items() if s == split]


def photo_size(name: str) -> tuple[int, int]:
    """``(width, height)`` of photograph ``name`` (known without decoding it)."""
    return PHOTOS[name][3]


def load_photo(name: str) -> np.ndarray:
    """Photograph ``name`` as an ``(H, W, 3)`` RGB ``uint8`` array (grey pictures repeated)."""
    import skimage.data  # imported here: it is slow to import and only this needs it

    _, loader, index, size = PHOTOS[name]
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
    if (img.shape[1], img.shape[0]) != size:  # another scikit-image release: keep the size listed
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(img)
