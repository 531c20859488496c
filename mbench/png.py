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
import sys
from dataclasses import dataclass

import numba as nb
import numpy as np
from zlib_ng import zlib_ng

from mbench.unaligned import REPEAT, load_u64, store_u64

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


_WORD = np.uint64(8)
_REPEAT = np.uint64(REPEAT)
_REPEAT16 = np.uint64(0x0001000100010001)
_LITTLE = sys.byteorder == "little"

# The loops below index flat arrays with unsigned integers: numba then emits no negative-index
# wrap-around, which (with the register spills it caused) took half the time of a Paeth row.
# Each chain of dependent bytes (a channel along a row) keeps its left byte in a register.


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _predict(a, b, c):
    """Paeth's predictor: whichever of left (a), above (b), upper-left (c) is nearest a + b - c,
    ties to a, then b (PNG spec 9.4). Branch-free (conditional moves) where channels interleave."""
    pa = abs(b - c)
    pb = abs(a - c)
    pc = abs(a + b - 2 * c)
    return a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _predict_chain(a, b, c):
    """:func:`_predict` for a single chain of bytes (gray rows), where its latency is the cost.

    Restated as thresholds on t = a - c, with q = b - c (for q < 0 mirror every inequality):
    a when t >= q or t <= -2q, else b when 2t >= -q, else c. The byte-to-byte chain (a) then
    passes through two comparisons instead of three absolute values: 2.7x the speed on gray
    Paeth rows (on interleaved RGB channels, where throughput counts, half the speed). Equal
    to the spec's form for all 2^24 inputs (tests/core/test_png.py).
    """
    q = b - c
    t = a - c
    if q >= 0:
        r = b if 2 * t + q >= 0 else c
        return a if (t >= q or t <= -2 * q) else r
    r = b if 2 * t + q <= 0 else c
    return a if (t <= q or t >= -2 * q) else r


@nb.njit(cache=True, nogil=True, boundscheck=False)
def _lanes(kind, raw, s, o, d, u, rowbytes, n, bpp):
    """Avg (``kind`` 3) on ``n`` (1-4) channels, Sub or Paeth (1, 4) on 3 or 4 (gray rows go to
    :func:`_gray_row`), of ``bpp``-byte pixels, each
    channel's left and upper-left bytes in registers so that the channels' chains overlap. ``s``,
    ``d``, ``u``: where the row's filtered bytes, its output and the row above start (``u`` unused
    for Sub). With 8-byte pixels (16-bit RGBA) this is called for bytes 0-3 and 4-7.

    The channels and filters are written out by hand on purpose: one inlined per-byte helper for
    all three filters (tried) compiled 3x longer (23 s) and read gray rows 1.1-1.4x slower."""
    step = np.uint64(bpp)
    end = np.uint64(rowbytes)
    if kind == 1:
        a0 = a1 = a2 = a3 = np.int32(0)
        i = np.uint64(0)
        while i < end:
            a0 = (np.int32(raw[s + i]) + a0) & 255
            o[d + i] = np.uint8(a0)
            if n > 1:
                a1 = (np.int32(raw[s + i + np.uint64(1)]) + a1) & 255
                o[d + i + np.uint64(1)] = np.uint8(a1)
            if n > 2:
                a2 = (np.int32(raw[s + i + np.uint64(2)]) + a2) & 255
                o[d + i + np.uint64(2)] = np.uint8(a2)
            if n > 3:
                a3 = (np.int32(raw[s + i + np.uint64(3)]) + a3) & 255
                o[d + i + np.uint64(3)] = np.uint8(a3)
            i += step
    elif kind == 3:
        a0 = a1 = a2 = a3 = np.int32(0)
        i = np.uint64(0)
        while i < end:
            a0 = (np.int32(raw[s + i]) + ((a0 + np.int32(o[u + i])) >> 1)) & 255
            o[d + i] = np.uint8(a0)
            if n > 1:
                j = i + np.uint64(1)
                a1 = (np.int32(raw[s + j]) + ((a1 + np.int32(o[u + j])) >> 1)) & 255
                o[d + j] = np.uint8(a1)
            if n > 2:
                j = i + np.uint64(2)
                a2 = (np.int32(raw[s + j]) + ((a2 + np.int32(o[u + j])) >> 1)) & 255
                o[d + j] = np.uint8(a2)
            if n > 3:
                j = i + np.uint64(3)
                a3 = (np.int32(raw[s + j]) + ((a3 + np.int32(o[u + j])) >> 1)) & 255
                o[d + j] = np.uint8(a3)
            i += step
    elif n == 3:
        _paeth_lanes(raw, s, o, d, u, end, step, 3)
    else:
        _paeth_lanes(raw, s, o, d, u, end, step, 4)


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _paeth_lanes(raw, s, o, d, u, end, step, n):
    """Paeth on ``n`` (3 or 4) channels (a constant where this is inlined: no per-byte branch on it;
    gray rows, one or two channels, go to :func:`_gray_lanes`)."""
    a0 = a1 = a2 = a3 = c0 = c1 = c2 = c3 = np.int32(0)
    i = np.uint64(0)
    while i < end:
        b0 = np.int32(o[u + i])
        a0 = (np.int32(raw[s + i]) + _predict(a0, b0, c0)) & 255
        o[d + i] = np.uint8(a0)
        c0 = b0
        j = i + np.uint64(1)
        b1 = np.int32(o[u + j])
        a1 = (np.int32(raw[s + j]) + _predict(a1, b1, c1)) & 255
        o[d + j] = np.uint8(a1)
        c1 = b1
        j = i + np.uint64(2)
        b2 = np.int32(o[u + j])
        a2 = (np.int32(raw[s + j]) + _predict(a2, b2, c2)) & 255
        o[d + j] = np.uint8(a2)
        c2 = b2
        if n > 3:
            j = i + np.uint64(3)
            b3 = np.int32(o[u + j])
            a3 = (np.int32(raw[s + j]) + _predict(a3, b3, c3)) & 255
            o[d + j] = np.uint8(a3)
            c3 = b3
        i += step


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _pixel_word(x0, x1, bpp):
    """A 1- or 2-byte pixel (bytes x0, x1 in file order) repeated over the 8 bytes of a word."""
    if bpp == 1:
        return np.uint64(x0) * _REPEAT
    lo, hi = (x0, x1) if _LITTLE else (x1, x0)  # the word's first byte in memory is x0
    return np.uint64(lo | (hi << 8)) * _REPEAT16


@nb.njit(cache=True, nogil=True, boundscheck=False)
def _gray_row(kind, raw, s, o, d, u, end, bpp):
    """:func:`_gray_lanes` with ``bpp`` a constant in each copy (no per-byte branch on it)."""
    if bpp == 1:
        _gray_lanes(kind, raw, s, o, d, u, end, 1)
    else:
        _gray_lanes(kind, raw, s, o, d, u, end, 2)


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _gray_lanes(kind, raw, s, o, d, u, end, bpp):
    """Sub or Paeth (``kind`` 1 or 4) on a row of gray pixels of ``bpp`` (1 or 2) bytes: one or two
    chains of dependent bytes, whose latency is the cost, so the common cases of a matte's rows
    skip it.

    A word of eight zero bytes under a flat row above (for Sub, any row above) is the left pixel
    repeated: one comparison and one store (9 words in 10 of a matte's rows; 3.5-5x on rows of
    such words).
    Elsewhere, on 8-bit rows where the two bytes above are equal, Paeth picks the left byte and the
    chain is one addition (1.6-1.9x); only the rest goes through the predictor.
    """
    a0 = a1 = c0 = c1 = np.int32(0)
    i = np.uint64(0)
    step = np.uint64(bpp)
    while i < end:
        stop = min(i + _WORD, end)
        if stop - i == _WORD and load_u64(raw, s + i) == 0 and (
                kind == 1 or load_u64(o, u + i) == _pixel_word(c0, c1, bpp)):
            store_u64(o, d + i, _pixel_word(a0, a1, bpp))  # (Paeth: the row above stays c)
            i = stop
            continue
        while i < stop:
            if kind == 1:
                a0 = (np.int32(raw[s + i]) + a0) & 255
            else:
                b = np.int32(o[u + i])
                # the branch follows the row above, not the chain
                if bpp == 1:
                    p = a0 if b == c0 else _predict_chain(a0, b, c0)
                else:
                    p = _predict(a0, b, c0)
                a0 = (np.int32(raw[s + i]) + p) & 255
                c0 = b
            o[d + i] = np.uint8(a0)
            if bpp == 2:  # the low byte: its own chain
                j = i + np.uint64(1)
                if kind == 1:
                    a1 = (np.int32(raw[s + j]) + a1) & 255
                else:
                    b = np.int32(o[u + j])
                    a1 = (np.int32(raw[s + j]) + _predict(a1, b, c1)) & 255
                    c1 = b
                o[d + j] = np.uint8(a1)
            i += step


@nb.njit(cache=True, nogil=True, boundscheck=False)
def unfilter(raw, height, rowbytes, bpp, out):
    """Undo PNG's per-row filters (PNG spec section 9.2) from ``raw`` into ``out`` (height, rowbytes).

    ``raw`` holds ``height`` rows of one filter-type byte and ``rowbytes`` filtered bytes; ``bpp`` is
    the bytes per pixel (1, 2, 3, 4, 6 or 8). Returns False on an unknown filter type.
    """
    o = out.reshape(-1)
    stride = np.uint64(rowbytes + 1)
    width = np.uint64(rowbytes)
    n = 4 if bpp % 4 == 0 else (3 if bpp % 3 == 0 else (2 if bpp % 2 == 0 else 1))
    for row in range(height):
        y = np.uint64(row)
        kind = raw[y * stride]
        s = y * stride + np.uint64(1)
        d = y * width
        if kind > 4:
            return False
        u = d - width
        if row == 0 and kind >= 2:  # the row above the first is zeros
            o[:rowbytes] = 0
            u = d  # each byte reads "above" before it is written: zeros
        if kind == 0 or (row == 0 and kind == 2):  # a loop: numba's slice copy took 10x as long
            for x in range(rowbytes):
                i = np.uint64(x)
                o[d + i] = raw[s + i]
        elif kind == 2:  # Up: no chain along the row; this loop vectorises
            for x in range(rowbytes):
                i = np.uint64(x)
                o[d + i] = raw[s + i] + o[u + i]
        elif bpp <= 2 and kind != 3:
            _gray_row(kind, raw, s, o, d, u, width, bpp)
        else:
            for first in range(0, bpp, n):
                f = np.uint64(first)
                _lanes(kind, raw, s + f, o, d + f, u + f, rowbytes - first, n, bpp)
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
