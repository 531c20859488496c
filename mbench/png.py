"""PNG files: their chunk structure, checked as libpng would, and a fast decoder for plain files.

:func:`scan` walks the chunks of a whole file once. It refuses (``ValueError``) what OpenCV's
decoder (libpng 1.6 behind OpenCV's own chunk reader) refuses and what could make a decoder
work far beyond what the pixels need: a first chunk other than IHDR, chunk names that are not
four ASCII letters (the third upper case), a chunk running past the end of the file, no IEND,
a width or height over libpng's limit of 1,000,000, and image data too short to hold the pixels
(DEFLATE expands at most 1032-fold) or far longer than they need.

:func:`decode` turns a scanned file into pixels: the chunks' CRCs are checked with
``zlib_ng.crc32``, the stream is inflated by zlib-ng (the maintained zlib fork: the same checks
as zlib, including the window size the stream's header declares, which libpng enforces too, and
it releases the GIL), and the rows are unfiltered by a numba loop (``nogil``). It returns
``None`` for anything it does not handle exactly as OpenCV would (palette, low bit depths,
interlacing, transparency, animation, unknown critical chunks, more image data than the pixels
use) and for damage that libpng might tolerate; the caller then decodes the file with OpenCV.
Orientation (an ``eXIf`` chunk) is the caller's to route: OpenCV applies it for most flags.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numba as nb
import numpy as np
from zlib_ng import zlib_ng

MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_DIMENSION = 1_000_000  # libpng's default user limit on width and height
MAX_INFLATE_RATIO = 1032  # DEFLATE's largest expansion: a 258-byte match in two bits
# Colour types this reader decodes, with their channels.
_CHANNELS = {0: 1, 2: 3, 6: 4}
# Chunks that change what OpenCV makes of the pixels, or that it would treat specially.
_FALLBACK_CHUNKS = frozenset({b"tRNS", b"acTL", b"PLTE", b"fcTL", b"fdAT"})
_LETTERS = frozenset(range(65, 91)) | frozenset(range(97, 123))
_ALL_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


@dataclass(frozen=True)
class Scan:
    """What :func:`scan` found: the header, the image data and the other chunks' names."""

    width: int
    height: int
    depth: int
    colour: int
    compression: int
    filtering: int
    interlace: int
    idat: tuple[tuple[int, int, int], ...]  # (start of the chunk type, payload length, CRC)
    kinds: frozenset[bytes]
    idat_run: bool  # the IDAT chunks are consecutive (libpng reads one run)
    crc_ok: bool  # IHDR's CRC

    @property
    def channels(self) -> int:
        return _ALL_CHANNELS.get(self.colour, 0)

    def pixel_bytes(self) -> int:
        """Bytes of the decoded pixels (at the file's own depth, without filter bytes)."""
        return self.height * -(-self.width * self.channels * self.depth // 8)


def scan(data: bytes) -> Scan:
    """Walk the chunks of a whole PNG file; raise ``ValueError`` (a short reason) if it is refused."""
    if not data.startswith(MAGIC):
        raise ValueError("not a PNG image")
    n = len(data)
    i = len(MAGIC)
    header = None
    idat = []
    kinds = set()
    run_state = 0  # 0 before IDAT, 1 inside the run, 2 after it
    run = True
    while True:
        if i + 12 > n:
            raise ValueError("PNG is truncated (a chunk runs past the end of the file)")
        length, kind = struct.unpack_from(">I4s", data, i)
        if length > 0x7FFFFFFF or i + 12 + length > n:
            raise ValueError("PNG is truncated (a chunk runs past the end of the file)")
        if not _LETTERS.issuperset(kind):
            raise ValueError(f"PNG chunk name {kind!r} is not four letters")
        if kind[2] & 32:  # the reserved bit: a lower-case third letter, which libpng refuses
            raise ValueError(f"PNG chunk name {kind!r} has a lower-case third letter")
        if header is None:
            if kind != b"IHDR" or length != 13:
                raise ValueError("PNG does not start with its IHDR header")
            header = struct.unpack_from(">IIBBBBB", data, i + 8)
            crc_ok = zlib_ng.crc32(data[i + 4:i + 8 + length]) == struct.unpack_from(">I", data,
                                                                                      i + 8 + length)[0]
        elif kind == b"IHDR":
            raise ValueError("PNG has two IHDR headers")
        if kind == b"IDAT":
            idat.append((i + 4, length, struct.unpack_from(">I", data, i + 8 + length)[0]))
            run = run and run_state < 2
            run_state = 1
        else:
            run_state = 2 if run_state else 0
            kinds.add(kind)
        i += 12 + length
        if kind == b"IEND":
            break
    width, height, depth, colour, compression, filtering, interlace = header
    if not (0 < width <= MAX_DIMENSION and 0 < height <= MAX_DIMENSION):
        raise ValueError(f"PNG is {width}x{height}: libpng reads at most "
                         f"{MAX_DIMENSION:,}x{MAX_DIMENSION:,}")
    if colour not in _ALL_CHANNELS:
        raise ValueError(f"PNG colour type {colour} does not exist")
    out = Scan(width, height, depth, colour, compression, filtering, interlace, tuple(idat),
               frozenset(kinds), run, crc_ok)
    need = out.pixel_bytes()
    have = sum(length for _, length, _ in idat)
    if have * MAX_INFLATE_RATIO + 1024 < need:
        raise ValueError(f"PNG image data ({have} bytes) cannot hold its {width}x{height} pixels")
    if have > 2 * need + height + 65536:
        raise ValueError(f"PNG image data ({have} bytes) is far more than its {width}x{height} "
                         f"pixels need")
    return out


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _predict(a, b, c):
    """Paeth's predictor: whichever of left (a), above (b), upper-left (c) is nearest a + b - c."""
    pa = abs(b - c)
    pb = abs(a - c)
    pc = abs(a + b - 2 * c)
    return a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _gray_row(kind, src, up, row, rowbytes):
    """One byte per pixel: carry the left byte in a register (re-reading it from ``row`` would
    stall every byte on the store just made)."""
    a = np.int32(0)
    c = np.int32(0)
    for x in range(rowbytes):
        b = np.int32(up[x])
        if kind == 1:
            a = (np.int32(src[x]) + a) & 255
        elif kind == 3:
            a = (np.int32(src[x]) + ((a + b) >> 1)) & 255
        else:
            a = (np.int32(src[x]) + _predict(a, b, c)) & 255
        row[x] = a
        c = b


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _pixel_row(kind, src, up, row, rowbytes, bpp):
    """Several bytes per pixel: walk the row once, so the channels' chains overlap (1.3-1.6x the
    speed of one channel at a time on Paeth rows of RGB photographs; registers per channel, as
    :func:`_sub_lanes` keeps them, gave nothing more here)."""
    for x in range(bpp):  # no left neighbour: a = c = 0
        b = np.int32(up[x])
        row[x] = (np.int32(src[x]) + (0 if kind == 1 else (b >> 1 if kind == 3 else b))) & 255
    for x in range(bpp, rowbytes):
        a = np.int32(row[x - bpp])
        if kind == 1:
            row[x] = (np.int32(src[x]) + a) & 255
        elif kind == 3:
            row[x] = (np.int32(src[x]) + ((a + np.int32(up[x])) >> 1)) & 255
        else:
            row[x] = (np.int32(src[x]) + _predict(a, np.int32(up[x]), np.int32(up[x - bpp]))) & 255


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _sub_lanes(src, row, rowbytes, first, step, n):
    """Sub on ``n`` (2-4) channels from byte ``first`` of each ``step``-byte pixel, each channel's
    running byte in its own register: twice the speed of re-reading it from ``row`` (measured on
    16-bit mattes and OpenCV-written colour, whose rows are all Sub)."""
    a0 = a1 = a2 = a3 = np.int32(0)
    for x in range(first, rowbytes, step):
        a0 = (np.int32(src[x]) + a0) & 255
        a1 = (np.int32(src[x + 1]) + a1) & 255
        row[x] = a0
        row[x + 1] = a1
        if n > 2:
            a2 = (np.int32(src[x + 2]) + a2) & 255
            row[x + 2] = a2
        if n > 3:
            a3 = (np.int32(src[x + 3]) + a3) & 255
            row[x + 3] = a3


@nb.njit(cache=True, nogil=True, boundscheck=False)
def unfilter(raw, height, rowbytes, bpp, out):
    """Undo PNG's per-row filters (PNG spec section 9.2) from ``raw`` into ``out`` (height, rowbytes).

    ``raw`` holds ``height`` rows of one filter-type byte and ``rowbytes`` filtered bytes; ``bpp`` is
    the bytes per pixel (at least 1). Returns False on an unknown filter type.
    """
    stride = rowbytes + 1
    zeros = np.zeros(rowbytes, np.uint8)  # the row above the first
    for y in range(height):
        kind = raw[y * stride]
        src = raw[y * stride + 1:(y + 1) * stride]
        row = out[y]
        up = out[y - 1] if y > 0 else zeros
        if kind > 4:
            return False
        if kind == 0:
            row[:] = src
        elif kind == 2:  # Up: add the byte above
            for x in range(rowbytes):
                row[x] = np.uint8(src[x] + up[x])
        elif bpp == 1:
            _gray_row(kind, src, up, row, rowbytes)
        elif kind == 1:  # bpp is 2, 3, 4, 6 or 8: lanes of 4, 3 or 2 channels
            n = 4 if bpp % 4 == 0 else (3 if bpp % 3 == 0 else 2)
            for first in range(0, bpp, n):
                _sub_lanes(src, row, rowbytes, first, bpp, n)
        else:
            _pixel_row(kind, src, up, row, rowbytes, bpp)
    return True


def plain(s: Scan) -> bool:
    """Whether :func:`decode` handles the scanned file (the rest goes to OpenCV)."""
    return (s.colour in _CHANNELS and s.depth in (8, 16) and not s.compression and not s.filtering
            and not s.interlace and s.idat_run and s.crc_ok and not (s.kinds & _FALLBACK_CHUNKS)
            and all(k in (b"IHDR", b"IEND") or k[0] & 32 for k in s.kinds))


def inflate(data: bytes, s: Scan) -> bytes | None:
    """The scanned file's filtered rows, or None (a CRC or stream error, or more data than rows)."""
    pieces = []
    view = memoryview(data)  # slices of a view copy nothing
    for start, length, crc in s.idat:
        piece = view[start:start + 4 + length]
        if zlib_ng.crc32(piece) != crc:
            return None
        pieces.append(piece[4:])
    stream = pieces[0] if len(pieces) == 1 else b"".join(pieces)
    if len(stream) < 2 or stream[0] != 0x78:
        # A window under 32 KiB (libpng declares one for small images): libpng's zlib refuses a
        # distance beyond it only where the distance also reaches past the current call's output,
        # which depends on libpng's row-by-row calls. Such files are small; OpenCV decides.
        return None
    expected = s.height * (s.width * s.channels * s.depth // 8 + 1)
    d = zlib_ng.decompressobj(0)  # 0: the window the stream's header declares, as libpng uses
    try:
        raw = d.decompress(stream, expected + 1)
    except zlib_ng.error:
        return None
    if len(raw) != expected or not d.eof:
        return None  # short, unfinished, or more data than rows: libpng's call (warnings) to make
    return raw


def decode(data: bytes, s: Scan) -> np.ndarray | None:
    """Decode a scanned file that :func:`plain` accepts, or return None (see the module's notes).

    The result is ``(H, W)`` for grayscale and ``(H, W, C)`` RGB or RGBA otherwise, ``uint8`` or
    ``uint16`` as stored.
    """
    if not plain(s):
        return None
    raw = inflate(data, s)
    if raw is None:
        return None
    ch = s.channels
    bpp = ch * s.depth // 8
    rowbytes = s.width * bpp
    out = np.empty((s.height, rowbytes), np.uint8)
    if not unfilter(np.frombuffer(raw, np.uint8), s.height, rowbytes, bpp, out):
        return None
    if s.depth == 16:
        out = out.view(">u2").astype(np.uint16)
    return out.reshape((s.height, s.width) if ch == 1 else (s.height, s.width, ch))
