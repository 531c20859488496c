"""Warnings for files a protocol reads the way its original does (OpenCV IMREAD_GRAYSCALE, PIL "L").

Such a reading silently drops information the file holds: a 16-bit PNG counts by its high byte and a
colour or RGBA file by its colour channels (docs/reference.md 1.1). The protocol reproduces that; the
user gets one line naming the first file of each kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from mbench.frames import probe_image


def gray8_warnings(files: Iterable[Path], how: str = "OpenCV IMREAD_GRAYSCALE") -> list[str]:
    """At most two lines: the first 16-bit file and the first colour (or RGBA) file of ``files``."""
    deep = colour = None
    for f in files:
        info = probe_image(f)
        if deep is None and info.bit_depth > 8:
            deep = f
        if colour is None and info.channels > 1:
            colour = f
        if deep is not None and colour is not None:
            break
    out = []
    if deep is not None:
        out.append(f"{deep}: 16-bit precision dropped (read as 8-bit with {how}, as the original does)")
    if colour is not None:
        out.append(f"{colour}: colour file read as gray with {how} (any alpha channel ignored), "
                   "as the original does")
    return out
