"""The decoders behind :mod:`mbench.frames`' readers, given bytes that :mod:`mbench.imagecheck` checked.

- :func:`jpeg`: simplejpeg (libjpeg-turbo) for clean 8-bit JPEGs, where that is OpenCV's answer;
- :func:`opencv`: ``cv2.imread`` of a private copy of the checked bytes, for everything else
  (PNGs that :mod:`mbench.png` leaves to OpenCV, JPEGs with EXIF, damaged or unusual JPEGs);
- :func:`descriptor_path`: a path naming a checked file's descriptor, for FFmpeg.

No decoder opens the frame's path again: it may name a FIFO, another file, or new bytes by then.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import simplejpeg

from .errors import BadInput
from .imagecheck import ImageInfo, jpeg_frame

__all__ = ["descriptor_path", "jpeg", "opencv", "private_copy"]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


@contextlib.contextmanager
def private_copy(data: bytes) -> Iterator[str]:
    """A path that opens a private copy of ``data``, for decoders that take only a path.

    On Linux an anonymous memory file (``memfd_create``) seen through ``/proc/self/fd`` (each open
    starts at offset 0, as a file's would); elsewhere, or without ``/proc``, a temporary file
    (mode 0600, removed afterwards).
    """
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("mbench-frame", os.MFD_CLOEXEC)
        try:
            _write_all(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    fd, name = tempfile.mkstemp(prefix="mbench-frame-")
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        yield name
    finally:
        os.unlink(name)


def opencv(path: Path, data: bytes, flags: int) -> np.ndarray:
    """``cv2.imread(path, flags)`` of ``data``, the bytes read from ``path`` and checked by
    :func:`mbench.imagecheck.check_bytes`.

    imread, not imdecode: the reference scripts call imread, and the two differ on some damaged
    JPEGs (libjpeg's file and memory sources meet a cut segment differently). imread opens a
    private copy of the checked bytes, not ``path`` again: the file may have been replaced since
    (by a FIFO that would block, or by a larger file the checks would refuse).
    """
    try:
        with private_copy(data) as name:
            img = cv2.imread(name, flags)
    except cv2.error:  # OpenCV's own limits raise instead of returning None
        img = None
    if img is None:
        raise BadInput("image data cannot be decoded (corrupt file)", path)
    return img


# JPEG frames simplejpeg decodes (others go to OpenCV): baseline, extended and progressive DCT,
# Huffman or arithmetic coded; not lossless (unchecked against OpenCV), not hierarchical.
_BINDING_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC9, 0xCA})


def jpeg(data: bytes, info: ImageInfo, colorspace: str) -> np.ndarray | None:
    """simplejpeg's decode of a JPEG (``"GRAY"`` or ``"RGB"``) where that is OpenCV's answer, else None.

    simplejpeg wraps the same libjpeg-turbo as OpenCV and decodes with the same settings (accurate
    integer IDCT, fancy upsampling), so clean 8-bit grey and YCbCr files give OpenCV's pixels
    (``tests/core/jpeg_corpus.py``). Left to OpenCV: files with EXIF (OpenCV applies their
    orientation), CMYK and YCCK (OpenCV converts them its own way), other codings, and any file
    libjpeg warns about (``strict``): damaged data reads differently from memory than through
    imread's file source.
    """
    if info.format != "jpeg" or info.channels not in (1, 3) or info.bit_depth != 8 or b"Exif\x00" in data:
        return None
    frame = jpeg_frame(data)
    if frame is None or data[frame + 1] not in _BINDING_FRAMES:
        return None
    try:
        img = simplejpeg.decode_jpeg(data, colorspace=colorspace, strict=True)
    except ValueError:
        return None
    return img[..., 0] if colorspace == "GRAY" else img


def descriptor_path(fd: int, path: Path) -> str:
    """A path that opens the file behind the descriptor ``fd`` (``path`` where there is none)."""
    if os.path.isdir("/proc/self/fd"):  # Linux: a new opening of the same file, at offset 0
        return f"/proc/self/fd/{fd}"
    if os.path.isdir("/dev/fd"):  # macOS, BSD: a duplicate of fd, sharing its offset
        os.lseek(fd, 0, os.SEEK_SET)
        return f"/dev/fd/{fd}"
    return os.fspath(path)
