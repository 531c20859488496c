"""mbench.png against OpenCV: the same pixels on every PNG it decodes, and OpenCV's answer (via
mbench.frames) for everything it hands back."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numba as nb
import numpy as np
import pytest
from PIL import Image

from mbench import frames, png
from mbench.errors import BadInput

COLOUR_TYPES = {1: 0, 3: 2, 4: 6}  # channels -> PNG colour type
# channels -> how mbench's readers asked OpenCV for such a file
OPENCV_FLAGS = {1: cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH, 3: cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH,
                4: cv2.IMREAD_UNCHANGED}


def _decode(data: bytes, channels: tuple[int, ...]) -> np.ndarray | None:
    """mbench.png's pixels for a file of one of ``channels``, or None (refused or handed back)."""
    try:
        scan = png.scan(data)
    except ValueError:
        return None
    return png.decode(data, scan) if scan.channels in channels else None


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _filter_row(kind: int, row: bytes, prev: bytes, bpp: int) -> bytes:
    """PNG's forward filter (spec section 9.2), written out byte by byte."""
    out = bytearray(len(row))
    for x, v in enumerate(row):
        a = row[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
        out[x] = (v - pred) % 256
    return bytes([kind]) + bytes(out)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def encode_png(pixels: np.ndarray, filters, *, idat_pieces: int = 1, level: int = 6,
               extra: tuple[tuple[bytes, bytes], ...] = (), interlace: int = 0,
               edit_stream=lambda s: s) -> bytes:
    """A PNG with the given per-row filter types, its stream cut into ``idat_pieces`` IDAT chunks."""
    h, w = pixels.shape[:2]
    ch = 1 if pixels.ndim == 2 else pixels.shape[2]
    depth = pixels.dtype.itemsize * 8
    big_endian = pixels.astype(pixels.dtype.newbyteorder(">")).reshape(h, -1)
    rows = [r.tobytes() for r in big_endian]
    bpp = ch * depth // 8
    prev = bytes(len(rows[0]))
    body = b""
    for y, row in enumerate(rows):
        body += _filter_row(filters[y % len(filters)], row, prev, bpp)
        prev = row
    stream = edit_stream(zlib.compress(body, level))
    cuts = np.linspace(0, len(stream), idat_pieces + 1).astype(int)
    header = struct.pack(">IIBBBBB", w, h, depth, COLOUR_TYPES[ch], 0, 0, interlace)
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
    for kind, payload in extra:
        out += _chunk(kind, payload)
    for a, b in zip(cuts[:-1], cuts[1:]):
        out += _chunk(b"IDAT", stream[a:b])
    return out + _chunk(b"IEND", b"")


def _opencv(data: bytes, channels: int) -> np.ndarray:
    """What mbench read before it had its own reader: OpenCV, colour converted to RGB(A)."""
    img = cv2.imdecode(np.frombuffer(data, np.uint8), OPENCV_FLAGS[channels])
    return img if channels == 1 else cv2.cvtColor(img, {3: cv2.COLOR_BGR2RGB, 4: cv2.COLOR_BGRA2RGBA}[channels])


def _image(rng, h, w, ch, dtype):
    top = np.iinfo(dtype).max
    smooth = cv2.GaussianBlur(rng.random((h, w, ch)), (0, 0), 2).reshape(h, w, ch)
    img = (np.clip((smooth - 0.5) * 6 + 0.5, 0, 1) * top).astype(dtype)  # flat areas and ramps
    img[rng.random((h, w)) < 0.05] = rng.integers(0, top, dtype=dtype, endpoint=True)  # speckle
    return img[..., 0] if ch == 1 else img


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("filters", [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4, 4, 3, 2, 1]])
def test_every_filter_depth_and_colour_type(dtype, channels, filters):
    rng = np.random.default_rng(len(filters) * 31 + filters[0] + channels)
    img = _image(rng, 23, 37, channels, dtype)
    data = encode_png(img, filters, idat_pieces=3)
    got = _decode(data, (channels,))
    assert got is not None and got.dtype == dtype
    np.testing.assert_array_equal(got, img)
    np.testing.assert_array_equal(got, _opencv(data, channels))


def _matte(rng, h, w, dtype):
    """A matte: flat 0 and top (whole words of zero filtered bytes), a soft edge, a few specks."""
    top = np.iinfo(dtype).max
    y, x = np.mgrid[:h, :w]
    r = np.hypot(y - h * rng.uniform(0.3, 0.7), x - w * rng.uniform(0.3, 0.7))
    img = (np.clip((0.4 * max(h, w) - r) / 2 + 0.5, 0, 1) * top).astype(dtype)
    img[rng.random((h, w)) < 0.01] = rng.integers(0, top, dtype=dtype, endpoint=True)
    if dtype == np.uint16:  # flat at a value whose two bytes differ: the word's byte order counts
        img[: h // 5] = 0x1234
    return img


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("width", [1, 3, 4, 5, 7, 8, 9, 16, 23, 61])
@pytest.mark.parametrize("filters", [[1], [4], [4, 1, 2, 0, 3], [0, 4, 4, 1]])
def test_gray_mattes_every_width(dtype, width, filters):
    """Gray Sub and Paeth rows skip whole words that repeat the left pixel: every row length
    (words and a partial last word), the first row, flat areas at 0, at the top value and (16-bit)
    at a value of two different bytes."""
    rng = np.random.default_rng(width * 7 + len(filters))
    img = _matte(rng, 40, width, dtype)
    data = encode_png(img, filters)
    np.testing.assert_array_equal(_decode(data, (1,)), img)
    np.testing.assert_array_equal(_decode(data, (1,)), _opencv(data, 1))


@pytest.mark.parametrize("level", [0, 1, 9])
@pytest.mark.parametrize("strategy", ["default", "filtered", "huffman_only", "rle", "fixed"])
def test_files_opencv_writes(tmp_path, level, strategy):
    rng = np.random.default_rng(level)
    for channels, dtype in ((1, np.uint8), (1, np.uint16), (3, np.uint8)):
        img = _image(rng, 160, 240, channels, dtype)  # big enough for libpng's full 32 KiB window
        params = [cv2.IMWRITE_PNG_COMPRESSION, level,
                  cv2.IMWRITE_PNG_STRATEGY, getattr(cv2, f"IMWRITE_PNG_STRATEGY_{strategy.upper()}")]
        ok, buf = cv2.imencode(".png", img, params)
        data = buf.tobytes()
        got = _decode(data, (channels,))
        assert got is not None
        np.testing.assert_array_equal(got, _opencv(data, channels))


@pytest.mark.parametrize("mode", ["L", "I;16", "RGB", "RGBA"])
@pytest.mark.parametrize("optimize", [False, True])
def test_files_pillow_writes(mode, optimize):
    rng = np.random.default_rng(7)
    channels = {"L": 1, "I;16": 1, "RGB": 3, "RGBA": 4}[mode]
    img = _image(rng, 50, 61, channels, np.uint16 if mode == "I;16" else np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", optimize=optimize)
    data = buf.getvalue()
    got = _decode(data, (channels,))
    assert got is not None
    np.testing.assert_array_equal(got, img)
    np.testing.assert_array_equal(got, _opencv(data, channels))


def test_small_windows_are_handed_back(tmp_path):
    """libpng gives a small image a small zlib window; whether a stream breaking it is refused
    depends on libpng's row-by-row calls, so such files go to OpenCV (and still read the same)."""
    img = _image(np.random.default_rng(3), 30, 40, 1, np.uint8)
    data = cv2.imencode(".png", img)[1].tobytes()
    assert data[data.index(b"IDAT") + 4] >> 4 < 7 and _decode(data, (1,)) is None
    path = _write(tmp_path, "small.png", data)
    np.testing.assert_array_equal(frames.read_alpha(path), img)


def test_ancillary_chunks_are_skipped():
    img = _image(np.random.default_rng(1), 20, 30, 1, np.uint8)
    extra = ((b"gAMA", struct.pack(">I", 45455)), (b"tEXt", b"Software\0test"), (b"pHYs", bytes(9)))
    data = encode_png(img, [1], extra=extra)
    np.testing.assert_array_equal(_decode(data, (1,)), img)


@pytest.mark.parametrize("case", ["palette", "one-bit", "tRNS", "interlaced", "other channels",
                                  "unknown critical chunk", "bad IDAT CRC", "bad Adler-32",
                                  "bad Adler-32, other filters", "unknown filter type",
                                  "cut stream", "not a PNG", "huge header", "IDAT after a break"])
def test_handed_back_to_opencv(case):
    img = _image(np.random.default_rng(2), 20, 30, 1, np.uint8)
    data = encode_png(img, [1, 4], idat_pieces=2)
    channels = (1,)
    if case == "palette":
        buf = io.BytesIO()
        Image.fromarray(img).convert("P").save(buf, format="PNG")
        data = buf.getvalue()
    elif case == "one-bit":
        buf = io.BytesIO()
        Image.fromarray(img > 128).save(buf, format="PNG")
        data = buf.getvalue()
    elif case == "tRNS":
        data = encode_png(img, [1], extra=((b"tRNS", b"\0\0"),))
    elif case == "interlaced":
        data = encode_png(img, [1], interlace=1)
    elif case == "other channels":
        channels = (3, 4)
    elif case == "unknown critical chunk":
        data = encode_png(img, [1], extra=((b"ABCD", b"x"),))
    elif case == "bad IDAT CRC":
        i = data.index(b"IDAT") + 10
        data = data[:i] + bytes([data[i] ^ 1]) + data[i + 1:]
    elif case == "bad Adler-32":  # chunk CRCs right, stream checksum wrong
        data = encode_png(img, [1], edit_stream=lambda s: s[:-1] + bytes([s[-1] ^ 1]))
    elif case == "bad Adler-32, other filters":  # the checksum is summed apart from the Sub loop
        data = encode_png(img, [0, 2, 3, 4], edit_stream=lambda s: s[:-1] + bytes([s[-1] ^ 1]))
    elif case == "unknown filter type":
        body = bytes([5]) + bytes(30) + bytes([0]) + bytes(30)
        data = encode_png(img[:2], [0], edit_stream=lambda s: zlib.compress(body))
    elif case == "cut stream":  # chunk CRCs right, stream short
        data = encode_png(img, [1], edit_stream=lambda s: s[:-30])
    elif case == "huge header":  # no gigabytes allocated for a header's claim
        i = data.index(b"IHDR")
        header = struct.pack(">II", 60000, 60000) + data[i + 12:i + 17]
        data = data[:i - 4] + _chunk(b"IHDR", header) + data[i + 21:]
    elif case == "IDAT after a break":  # a chunk between two IDATs breaks the stream's run
        i = data.index(b"IDAT", data.index(b"IDAT") + 4) - 4
        data = data[:i] + _chunk(b"tEXt", b"a\0b") + data[i:]
    elif case == "not a PNG":
        data = b"GIF89a" + data[6:]
    assert _decode(data, channels) is None


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_frames_readers_agree_with_opencv(tmp_path):
    """read_alpha takes the fast path for grayscale PNGs; every reader still gives OpenCV's pixels."""
    rng = np.random.default_rng(5)
    gray = _image(rng, 40, 50, 1, np.uint8)
    rgb = _image(rng, 40, 50, 3, np.uint8)
    rgba = _image(rng, 40, 50, 4, np.uint16)
    a = _write(tmp_path, "a.png", encode_png(gray, [1, 2, 4]))
    c = _write(tmp_path, "c.png", encode_png(rgb, [4]))
    r = _write(tmp_path, "r.png", encode_png(rgba, [3]))
    np.testing.assert_array_equal(frames.read_alpha(a), gray)
    np.testing.assert_array_equal(frames.read_color(c), rgb)
    np.testing.assert_array_equal(frames.read_rgba(r), rgba)
    np.testing.assert_array_equal(frames.read_rgba(c), rgb)
    np.testing.assert_array_equal(frames.read_alpha(c), cv2.imread(str(c), cv2.IMREAD_GRAYSCALE))
    np.testing.assert_array_equal(frames.read_color(a), np.repeat(gray[..., None], 3, axis=2))
    np.testing.assert_array_equal(frames.read_color(r), (rgba[..., :3]))


def test_damaged_stream_is_still_one_clear_error(tmp_path):
    img = _image(np.random.default_rng(6), 40, 50, 1, np.uint8)
    path = _write(tmp_path, "0000.png", encode_png(img, [1], edit_stream=lambda s: s[:len(s) // 2]))
    with pytest.raises(BadInput, match="cannot be decoded"):
        frames.read_alpha(path)


@pytest.mark.parametrize("seed", range(2))
def test_damaged_files_never_give_pixels_opencv_would_not(seed):
    """Flipped bits anywhere, a corrupted stream behind a correct CRC, cut files: the reader
    declines (and OpenCV decides), or gives exactly OpenCV's pixels."""
    rng = np.random.default_rng(seed)
    decoded = 0
    for trial in range(500):
        ch = (1, 1, 3, 4)[trial % 4]
        img = _image(rng, int(rng.integers(1, 40)), int(rng.integers(1, 40)), ch,
                     np.uint16 if trial % 5 == 0 else np.uint8)
        data = bytearray(encode_png(img, [int(k) for k in rng.integers(0, 5, 3)],
                                    idat_pieces=int(rng.integers(1, 3))))
        if trial % 3 == 0:
            for _ in range(int(rng.integers(1, 3))):
                data[int(rng.integers(8, len(data)))] ^= 1 << int(rng.integers(0, 8))
        elif trial % 3 == 1:
            i = bytes(data).index(b"IDAT")
            n = struct.unpack(">I", data[i - 4:i])[0]
            data[i + 4 + int(rng.integers(0, n))] ^= 1 << int(rng.integers(0, 8))
            data[i + 4 + n:i + 8 + n] = struct.pack(">I", zlib.crc32(bytes(data[i:i + 4 + n])))
        else:
            data = data[:int(rng.integers(8, len(data)))] + data[-12:]
        data = bytes(data)
        ours = _decode(data, (ch,))
        if ours is None:
            continue
        assert cv2.imdecode(np.frombuffer(data, np.uint8), OPENCV_FLAGS[ch]) is not None, trial
        np.testing.assert_array_equal(ours, _opencv(data, ch))
        decoded += 1
    assert decoded > 0  # damage OpenCV ignores too (an ancillary chunk's CRC, IEND's) still decodes


@nb.njit(cache=True)
def _all_predictions(predict, a):
    """``predict(a, b, c)`` for every byte b, c (an array indexed [b, c])."""
    out = np.empty((256, 256), np.int32)
    for b in range(256):
        for c in range(256):
            out[b, c] = predict(np.int32(a), np.int32(b), np.int32(c))
    return out


@pytest.mark.parametrize("predict", ["_predict", "_predict_chain"])
def test_paeth_predictors_equal_the_spec_for_every_input(predict):
    """Both compiled forms of Paeth's predictor against the spec's (section 9.4), all 2^24 inputs."""
    b, c = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    for a in range(256):
        p = a + b - c
        pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
        spec = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        np.testing.assert_array_equal(_all_predictions(getattr(png, predict), a), spec, err_msg=f"a={a}")
