"""A fast PNG reader: 8- and 16-bit grayscale, RGB and RGBA, not interlaced.

Alpha mattes are almost always grayscale PNGs, and decoding them was most of the time that
``mbench evaluate`` spent. OpenCV's decoder (libpng with the system zlib 1.2) takes about 8 ms for
one 1080p matte written by OpenCV; this reader about 1.2 ms (``perf/png_speed.py``): the chunks'
CRCs are checked with ``zlib.crc32``, the pixel stream is inflated by :mod:`mbench.inflate`, and
the rows are unfiltered by a numba loop that also checks the stream's Adler-32. All of it releases
the GIL. :mod:`mbench.frames` uses it for grayscale files only: colour photographs are mostly
literals to inflate, where zlib is as fast, and OpenCV unfilters several channels at once.

:func:`decode` returns ``None`` for anything it does not handle exactly as OpenCV would (palette,
low bit depths, interlacing, transparency chunks, animation, unknown critical chunks) and for
anything damaged; the caller then decodes the file with OpenCV, which gives the pixels or the
error exactly as before. Tests check that both decoders give the same pixels on valid files.
"""

from __future__ import annotations

import struct
import zlib

import numba as nb
import numpy as np

from .inflate import inflate_zlib

_MAGIC = b"\x89PNG\r\n\x1a\n"
# Colour types this reader decodes, with their channels.
_CHANNELS = {0: 1, 2: 3, 6: 4}
# Chunks that change what OpenCV makes of the pixels, or that it would treat specially.
_FALLBACK_CHUNKS = frozenset({b"tRNS", b"acTL", b"PLTE"})
# Larger images (or headers claiming them) go to OpenCV, which applies its own pixel limit.
_MAX_BYTES = 1 << 30


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _sums(src, n):
    """Adler-32's two sums over ``src[:n]`` from zero: sum x, and sum of the running sums."""
    s1 = np.int64(0)
    s2 = np.int64(0)
    for x in range(n):
        s1 += np.int64(src[x])
        s2 += s1
    return s1, s2


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _sub_gray(src, row, rowbytes):
    """Sub on one byte per pixel, the common case (OpenCV writes every row so), with the row's
    Adler-32 sums in the same loop: the loop waits on its one-byte carry, so the sums cost nothing."""
    a = np.int64(0)
    s1 = np.int64(0)
    s2 = np.int64(0)
    for x in range(rowbytes):
        v = np.int64(src[x])
        a = (v + a) & 255
        row[x] = a
        s1 += v
        s2 += s1
    return s1, s2


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _sub(src, row, c, rowbytes, bpp):
    a = np.int64(0)
    for x in range(c, rowbytes, bpp):
        a = (np.int64(src[x]) + a) & 255
        row[x] = a


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _average(src, up, row, c, rowbytes, bpp):
    a = np.int64(0)
    for x in range(c, rowbytes, bpp):
        a = (np.int64(src[x]) + ((a + np.int64(up[x])) >> 1)) & 255
        row[x] = a


@nb.njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _paeth(src, up, row, c, rowbytes, bpp):
    # The predictor is whichever of left (a), above (b), upper-left (ul) is nearest a + b - ul.
    a = np.int64(0)
    ul = np.int64(0)
    for x in range(c, rowbytes, bpp):
        b = np.int64(up[x])
        pa = abs(b - ul)
        pb = abs(a - ul)
        pc = abs(a + b - 2 * ul)
        pred = a if (pa <= pb and pa <= pc) else (b if pb <= pc else ul)
        a = (np.int64(src[x]) + pred) & 255
        row[x] = a
        ul = b


@nb.njit(cache=True, nogil=True, boundscheck=False)
def unfilter(raw, height, rowbytes, bpp, out):
    """Undo PNG's per-row filters (PNG spec section 9.2) from ``raw`` into ``out`` (height, rowbytes).

    ``raw`` holds ``height`` rows of one filter-type byte and ``rowbytes`` filtered bytes; ``bpp`` is
    the bytes per pixel (at least 1). Returns the Adler-32 of ``raw`` (the zlib stream's checksum,
    summed row by row on the way), or -1 on an unknown filter type.
    """
    stride = rowbytes + 1
    zeros = np.zeros(rowbytes, np.uint8)  # the row above the first
    a = np.int64(1)
    b = np.int64(0)
    for y in range(height):
        kind = raw[y * stride]
        src = raw[y * stride + 1:(y + 1) * stride]
        row = out[y]
        up = out[y - 1] if y > 0 else zeros
        if kind > 4:
            return -1
        if kind == 1 and bpp == 1:
            s1, s2 = _sub_gray(src, row, rowbytes)
        else:
            if kind == 0:
                row[:] = src
            elif kind == 2:  # Up: add the byte above
                for x in range(rowbytes):
                    row[x] = np.uint8(src[x] + up[x])
            else:
                # Sub, Average, Paeth predict from the byte one pixel left: walk each channel on
                # its own and carry that byte in a register (re-reading it from ``row`` would
                # stall on the store just made, every byte).
                for c in range(bpp):
                    if kind == 1:
                        _sub(src, row, c, rowbytes, bpp)
                    elif kind == 3:
                        _average(src, up, row, c, rowbytes, bpp)
                    else:
                        _paeth(src, up, row, c, rowbytes, bpp)
            s1, s2 = _sums(src, rowbytes)
        # The row's bytes are the filter type k then src: fold them into the running checksum.
        k = np.int64(kind)
        b = (b + (rowbytes + 1) * a + (rowbytes + 1) * k + s2) % 65521
        a = (a + k + s1) % 65521
    return (b << 16) | a


def _chunks(data: bytes):
    """Yield (type, payload) for each chunk after the signature, or raise ValueError when damaged."""
    view = memoryview(data)
    i = len(_MAGIC)
    while True:
        if i + 12 > len(data):
            raise ValueError("truncated chunk")
        length, kind = struct.unpack_from(">I4s", data, i)
        end = i + 8 + length
        if end + 4 > len(data):
            raise ValueError("truncated chunk")
        payload = view[i + 8:end]
        yield kind, payload, struct.unpack_from(">I", data, end)[0]
        if kind == b"IEND":
            return
        i = end + 4


def decode(data: bytes, channels: tuple[int, ...]) -> np.ndarray | None:
    """Decode a PNG whose channel count is in ``channels``, or return None.

    The result is ``(H, W)`` for grayscale and ``(H, W, C)`` RGB or RGBA otherwise, ``uint8`` or
    ``uint16`` as stored. None means: not a file this reader handles exactly, or damaged; decode it
    with OpenCV instead.
    """
    if not data.startswith(_MAGIC):
        return None
    header = None
    idat: list[memoryview] = []
    idat_closed = False
    try:
        for kind, payload, crc in _chunks(data):
            critical = (kind[0] & 32) == 0  # bit 5 of the first letter: lower case is ancillary
            if kind in _FALLBACK_CHUNKS or (critical and kind not in (b"IHDR", b"IDAT", b"IEND")):
                return None
            if kind == b"IHDR":
                if header is not None or len(payload) != 13:
                    return None
                header = struct.unpack(">IIBBBBB", payload)
            elif kind == b"IDAT":
                if header is None or idat_closed:  # IDAT chunks must be consecutive
                    return None
                idat.append(payload)
            else:
                idat_closed = bool(idat)
                continue  # ancillary chunks: libpng skips them (and tolerates their CRC errors)
            if zlib.crc32(payload, zlib.crc32(kind)) != crc:
                return None
    except ValueError:
        return None
    if header is None or not idat:
        return None
    width, height, depth, colour, compression, filtering, interlace = header
    ch = _CHANNELS.get(colour)
    if ch not in channels or depth not in (8, 16) or compression or filtering or interlace:
        return None
    bpp = ch * depth // 8
    rowbytes = width * bpp
    if width == 0 or height == 0 or height * (rowbytes + 1) > _MAX_BYTES:
        return None
    src = np.frombuffer(b"".join(idat), np.uint8)
    raw = np.empty(height * (rowbytes + 1), np.uint8)
    status, end = inflate_zlib(src, raw)
    if status < 0:
        return None
    out = np.empty((height, rowbytes), np.uint8)
    if unfilter(raw, height, rowbytes, bpp, out) != int.from_bytes(src[end:end + 4].tobytes(), "big"):
        return None  # an unknown filter type, or the stream's checksum does not match
    if depth == 16:
        out = out.view(">u2").astype(np.uint16)
    shape = (height, width) if ch == 1 else (height, width, ch)
    return out.reshape(shape)
