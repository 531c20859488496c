"""Composition: ``com = fgr * a + bgr * (1 - a)``, computed in float64 and rounded once.

The expression and its order of operations are those of RobustVideoMatting's evaluation-set
generators (``np.uint8(fgr * pha + bgr * (1 - pha))`` with ``pha = alpha / 255`` in float64), so
with rounding ``floor`` the result is bit-identical to theirs; ``half-up`` rounds to nearest
(``floor(x + 0.5)``). One fused numba loop: no float64 temporaries of the whole frame.
"""

from __future__ import annotations

import functools

import numpy as np

ROUNDING = {"half-up": 0.5, "floor": 0.0}
"""Rounding rules: the offset added before ``floor``."""


def _loop(fgr, pha, bgr, offset, out):  # pragma: no cover - compiled by numba
    h, w, c = fgr.shape
    for y in range(h):
        for x in range(w):
            # most pixels are transparent or opaque: the expression then gives bgr or fgr exactly
            if pha[y, x] == 0:
                for k in range(c):
                    out[y, x, k] = bgr[y, x, k]
            elif pha[y, x] == 255:
                for k in range(c):
                    out[y, x, k] = fgr[y, x, k]
            else:
                a = pha[y, x] / 255.0
                b = 1.0 - a
                for k in range(c):
                    out[y, x, k] = np.uint8(np.floor(fgr[y, x, k] * a + bgr[y, x, k] * b + offset))
    return out


@functools.cache
def _kernel():
    # numba is imported (and the cached machine code loaded) on the first composition only, so
    # commands that end before rendering (bad input, a finished dataset) start fast.
    import numba

    return numba.njit(cache=True, nogil=True)(_loop)


def compose(fgr: np.ndarray, pha: np.ndarray, bgr: np.ndarray, rounding: str = "half-up") -> np.ndarray:
    """Composite ``uint8`` layers: ``fgr``, ``bgr`` ``(H, W, 3)`` and ``pha`` ``(H, W)``.

    Parameters
    ----------
    rounding : {"half-up", "floor"}
        How the float result becomes ``uint8`` (RVM's evaluation sets use ``floor``).
    """
    if fgr.shape != bgr.shape or fgr.shape[:2] != pha.shape:
        raise ValueError(f"layer shapes differ: fgr {fgr.shape}, pha {pha.shape}, bgr {bgr.shape}")
    out = np.empty(fgr.shape, dtype=np.uint8)
    return _kernel()(np.ascontiguousarray(fgr, dtype=np.uint8), np.ascontiguousarray(pha, dtype=np.uint8),
                    np.ascontiguousarray(bgr, dtype=np.uint8), float(ROUNDING[rounding]), out)


def compose_reference(fgr: np.ndarray, pha: np.ndarray, bgr: np.ndarray,
                      rounding: str = "half-up") -> np.ndarray:
    """The same composition in plain numpy (RVM's expression), for tests and checks."""
    a = pha.astype(float)[:, :, None] / 255
    return np.floor(fgr * a + bgr * (1 - a) + ROUNDING[rounding]).astype(np.uint8)


def _srgb_to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(np.maximum(c, 0.0031308), 1 / 2.4) - 0.055)


def compose_linear(fgr: np.ndarray, pha: np.ndarray, bgr: np.ndarray, rounding: str = "half-up") -> np.ndarray:
    """Composite in linear light: decode sRGB (IEC 61966-2-1), ``fgr a + bgr (1 - a)``, encode.

    Opaque and transparent pixels give ``fgr`` and ``bgr`` exactly, as :func:`compose` does.
    """
    if fgr.shape != bgr.shape or fgr.shape[:2] != pha.shape:
        raise ValueError(f"layer shapes differ: fgr {fgr.shape}, pha {pha.shape}, bgr {bgr.shape}")
    out = np.where((pha == 255)[:, :, None], fgr, bgr).astype(np.uint8)
    edge = (pha > 0) & (pha < 255)  # only the partly transparent pixels need the arithmetic
    if edge.any():
        lut = _srgb_to_linear(np.arange(256) / 255.0)
        a = pha[edge].astype(np.float64)[:, None] / 255
        mixed = lut[fgr[edge]] * a + lut[bgr[edge]] * (1 - a)
        out[edge] = np.floor(np.clip(_linear_to_srgb(mixed), 0, 1) * 255 + ROUNDING[rounding]).astype(np.uint8)
    return out
