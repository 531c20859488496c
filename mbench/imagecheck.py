"""What an image file may cost, checked before any decoder sees it.

Frames come from other people (predictions, submissions), so a file is opened only if it is a
regular file (a FIFO, device or socket named ``0000.png`` would block a reader or do worse), and
its header and chunk lengths are checked against the file's size and a cap on the pixels of one
frame before it is decoded: a small file never makes mbench allocate or work far beyond what its
pixels need (a 96-byte PNG can declare a 4 GiB chunk, a JPEG 65535x65535 pixels).

The cap is :data:`DEFAULT_MAX_PIXELS` (8192x4608: 8K UHD and DCI 8K fit), or the value of the
environment variable ``MBENCH_MAX_FRAME_PIXELS``, read at every call.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from . import png
from .errors import BadInput

DEFAULT_MAX_PIXELS = 8192 * 4608
MAX_PIXELS_ENV = "MBENCH_MAX_FRAME_PIXELS"
# Largest file for a frame at the cap: 16-bit RGBA pixels stored uncompressed, plus chunk overhead.
_BYTES_PER_PIXEL_MAX = 8
_SLACK = 1 << 20
# A progressive JPEG reads the whole image once per scan: libjpeg's scripts use about ten.
_SCAN_PIXELS_FACTOR = 16
# A JPEG codes at least one bit per 8x8 block; refuse below half that (see check_jpeg_work).
_JPEG_PIXELS_PER_BYTE = 1024

_PNG_IEND = b"IEND\xaeB`\x82"
_JPEG_SOI = b"\xff\xd8"
_JPEG_EOI = b"\xff\xd9"
# JPEG start-of-frame markers carry the image size (all SOFn except DHT, JPG and DAC).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class ImageInfo:
    """What the header of an image file says."""

    format: str  # "png" or "jpeg"
    height: int
    width: int
    channels: int
    bit_depth: int


def max_frame_pixels() -> int:
    """The cap on one frame's pixels: ``MBENCH_MAX_FRAME_PIXELS`` if set, else the default."""
    text = os.environ.get(MAX_PIXELS_ENV)
    if text is None:
        return DEFAULT_MAX_PIXELS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise BadInput(f"{MAX_PIXELS_ENV} must be a positive whole number of pixels", text)
    return value


def check_file_size(path: Path, size: int) -> None:
    """Refuse an empty file, or one larger than any frame within the cap could be."""
    if size == 0:
        raise BadInput("file is empty", path)
    if size > max_frame_pixels() * _BYTES_PER_PIXEL_MAX + _SLACK:
        raise BadInput(f"file is {size / 2**20:.0f} MiB, larger than a frame of at most "
                       f"{max_frame_pixels():,} pixels can be ({MAX_PIXELS_ENV} sets the cap)", path)


def _check_pixels(path: Path, info: ImageInfo) -> ImageInfo:
    cap = max_frame_pixels()
    if info.width * info.height > cap:
        raise BadInput(f"image is {info.width}x{info.height}, more than the {cap:,} pixels a frame "
                       f"may have ({MAX_PIXELS_ENV} sets the cap)", path)
    return info


def png_header(path: Path, head: bytes) -> ImageInfo:
    """The size and depth that a PNG's first bytes (its IHDR) declare."""
    if len(head) < 29:
        raise BadInput("PNG is truncated (no complete IHDR header)", path)
    if head[12:16] != b"IHDR":
        raise BadInput("PNG does not start with its IHDR header", path)
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(colour)
    if channels is None or width == 0 or height == 0:
        raise BadInput("PNG header is damaged", path)
    if width > png.MAX_DIMENSION or height > png.MAX_DIMENSION:
        raise BadInput(f"PNG is {width}x{height}: libpng reads at most "
                       f"{png.MAX_DIMENSION:,} pixels a side", path)
    return _check_pixels(path, ImageInfo("png", height, width, channels, depth))


def jpeg_frame(data: bytes) -> int | None:
    """Where a JPEG's frame header (its SOFn marker) starts in ``data`` (None: not found)."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _JPEG_SOF:
            return i
        if marker == 0x01 or 0xD0 <= marker <= 0xD9:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        i += 2 + length
    return None


def jpeg_header(path: Path, data: bytes) -> ImageInfo:
    """The size that a JPEG's frame header declares (``data``: the file's first 64 KiB or more)."""
    i = jpeg_frame(data)
    if i is not None:
        depth, height, width, channels = struct.unpack(">BHHB", data[i + 4:i + 10])
        if height and width:
            return _check_pixels(path, ImageInfo("jpeg", height, width, channels, depth))
    raise BadInput("JPEG has no frame header (damaged or truncated)", path)


def check_head(path: Path, head: bytes, tail: bytes) -> ImageInfo | None:
    """Check an image from its first and last bytes; None: a PNG whose end needs a full :func:`check_png`.

    ``head`` is at least the first 64 bytes (64 KiB for a JPEG, whose frame header may follow
    EXIF data), ``tail`` the last 16.
    """
    if head.startswith(png.MAGIC):
        info = png_header(path, head)
        return info if tail.endswith(_PNG_IEND) else None
    if head.startswith(_JPEG_SOI):
        # libjpeg reads a cut file with a warning and grey rows; mbench calls it what it is
        if not tail.rstrip(b"\x00\r\n ").endswith(_JPEG_EOI):
            raise BadInput("JPEG is truncated (no end-of-image marker)", path)
        return jpeg_header(path, head)
    raise BadInput("not a PNG or JPEG image", path)


def check_png(path: Path, data: bytes) -> png.Scan:
    """Walk a whole PNG's chunks (see :func:`mbench.png.scan`); BadInput if refused."""
    try:
        return png.scan(data)
    except ValueError as e:
        raise BadInput(str(e), path) from None


def check_jpeg_work(path: Path, data: bytes, info: ImageInfo) -> None:
    """Bound a JPEG's work by its size: its bytes against its pixels, and its scans.

    A complete scan codes every 8x8 block's DC term in at least one bit, so a real JPEG holds at
    least pixels / 512 bytes; libjpeg fills whatever is missing with grey (a warning), so a
    1 KB file could otherwise make OpenCV allocate and decode 8K frames.
    """
    pixels = info.width * info.height
    if len(data) * _JPEG_PIXELS_PER_BYTE < pixels:
        raise BadInput(f"JPEG is {len(data)} bytes, too few to code its {info.width}x{info.height} "
                       f"pixels (damaged or cut)", path)
    scans = data.count(b"\xff\xda")  # entropy-coded data never holds FF DA (FF is stuffed)
    budget = _SCAN_PIXELS_FACTOR * max_frame_pixels()
    if scans > _SCAN_PIXELS_FACTOR and scans * pixels > budget:
        raise BadInput(f"JPEG has {scans} scans of {info.width}x{info.height} pixels, more work than "
                       f"{_SCAN_PIXELS_FACTOR} full frames at the cap", path)


def check_bytes(path: Path, data: bytes) -> tuple[ImageInfo, png.Scan | None]:
    """Check a whole image file held in memory before it is decoded.

    Returns its header and, for a PNG, its scanned chunks.
    """
    check_file_size(path, len(data))
    head = data[:65536]
    info = check_head(path, head, data[-16:])
    if data.startswith(png.MAGIC):
        if info is None:
            info = png_header(path, head)
        return info, check_png(path, data)
    check_jpeg_work(path, data, info)
    return info, None
