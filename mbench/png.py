"""A fast reader for the common PNGs: 8- and 16-bit grayscale, RGB and RGBA, not interlaced.

Alpha mattes are almost always 8-bit grayscale PNGs, and decoding them is most of the time that
``mbench evaluate`` spends. OpenCV's decoder (libpng with the system zlib) takes about 8 ms for one
1080p matte; this reader takes about 2 ms: the chunks' CRCs are checked with ``zlib.crc32``, the
pixel stream is inflated by :mod:`mbench.inflate`, its Adler-32 checked with ``zlib.adler32``, and
the rows unfiltered by a numba loop. All of it releases the GIL.

:func:`decode` returns ``None`` for anything it does not handle exactly as OpenCV would (palette,
low bit depths, interlacing, transparency chunks, animation, unknown critical chunks) and for
anything damaged; :mod:`mbench.frames` then decodes the file with OpenCV, which gives the pixels or
the error exactly as before. Tests check that both decoders give the same pixels on valid files.
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


@nb.njit(cache=True, nogil=True, boundscheck=False)
def unfilter(raw, height, rowbytes, bpp, out):
    """Undo PNG's per-row filters (PNG spec section 9.2) from ``raw`` into ``out`` (height, rowbytes).

    ``raw`` holds ``height`` rows of one filter-type byte and ``rowbytes`` filtered bytes; ``bpp`` is
    the bytes per pixel (at least 1). Returns False on an unknown filter type.
    """
    stride = rowbytes + 1
    for y in range(height):
        kind = raw[y * stride]
        src = raw[y * stride + 1:(y + 1) * stride]
        row = out[y]
        if kind == 0 or (kind == 2 and y == 0):
            row[:] = src
        elif kind == 1:  # Sub: add the byte one pixel to the left
            row[:bpp] = src[:bpp]
            for x in range(bpp, rowbytes):
                row[x] = np.uint8(src[x] + row[x - bpp])
        elif kind == 2:  # Up: add the byte above
            up = out[y - 1]
            for x in range(rowbytes):
                row[x] = np.uint8(src[x] + up[x])
        elif kind == 3:  # Average of left and above (above is 0 on the first row)
            for x in range(rowbytes):
                left = np.int64(row[x - bpp]) if x >= bpp else 0
                above = np.int64(out[y - 1, x]) if y > 0 else 0
                row[x] = np.uint8((np.int64(src[x]) + ((left + above) >> 1)) & 255)
        elif kind == 4:  # Paeth: whichever of left, above, upper-left is nearest left + above - upper-left
            for x in range(rowbytes):
                a = np.int64(row[x - bpp]) if x >= bpp else 0
                b = np.int64(out[y - 1, x]) if y > 0 else 0
                c = np.int64(out[y - 1, x - bpp]) if (x >= bpp and y > 0) else 0
                p = a + b - c
                pa = abs(p - a)
                pb = abs(p - b)
                pc = abs(p - c)
                if pa <= pb and pa <= pc:
                    pred = a
                elif pb <= pc:
                    pred = b
                else:
                    pred = c
                row[x] = np.uint8((np.int64(src[x]) + pred) & 255)
        else:
            return False
    return True


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
    try:
        for kind, payload, crc in _chunks(data):
            critical = kind[0] & 32 == 0
            if kind in _FALLBACK_CHUNKS or (critical and kind not in (b"IHDR", b"IDAT", b"IEND")):
                return None
            if kind == b"IHDR":
                if header is not None or len(payload) != 13:
                    return None
                header = struct.unpack(">IIBBBBB", payload)
            elif kind == b"IDAT":
                if header is None:
                    return None
                idat.append(payload)
            else:
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
    if width == 0 or height == 0 or width > 1 << 16 or height > 1 << 16:
        return None
    bpp = ch * depth // 8
    rowbytes = width * bpp
    src = np.frombuffer(b"".join(idat), np.uint8)
    raw = np.empty(height * (rowbytes + 1), np.uint8)
    status, end = inflate_zlib(src, raw)
    if status < 0 or zlib.adler32(raw) != int.from_bytes(src[end:end + 4].tobytes(), "big"):
        return None
    out = np.empty((height, rowbytes), np.uint8)
    if not unfilter(raw, height, rowbytes, bpp, out):
        return None
    if depth == 16:
        out = out.view(">u2").astype(np.uint16)
    shape = (height, width) if ch == 1 else (height, width, ch)
    return out.reshape(shape)
