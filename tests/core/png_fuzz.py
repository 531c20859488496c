"""A differential mutation fuzzer: mbench's frame readers against ``cv2.imread`` with each reader's
flags, on mutated PNG and JPEG files.

Run by ``test_png_fuzz.py`` in a subprocess with ``NUMBA_BOUNDSCHECK=1`` (and a fresh numba cache),
so that an out-of-bounds index in the compiled unfilter raises instead of reading memory. Usable
alone for a longer search::

    NUMBA_BOUNDSCHECK=1 python tests/core/png_fuzz.py --seed 1 --count 20000

Each case must either give OpenCV's pixels, or be refused (one-line BadInput) where OpenCV refuses.
Files refused as ``NOT_ASKED`` says are not shown to OpenCV, which refuses them only after
seconds and gigabytes (``test_imagecheck.py`` checks one of each). The only refusals
allowed where OpenCV reads are mbench's documented limits (frame cap, file size,
image data far beyond the pixels) and a cut or starved JPEG (libjpeg fills it with grey and a
warning).
Prints one JSON line of counts; exits 1 with the first disagreement.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import struct
import sys
import tempfile
import zlib
from pathlib import Path

os.environ.setdefault("MBENCH_MAX_FRAME_PIXELS", str(1 << 16))
os.environ.setdefault("CV_IO_MAX_IMAGE_PIXELS", str(1 << 16))  # OpenCV refuses what mbench caps

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_imagecheck import READERS, opencv_reading  # noqa: E402

from mbench import png  # noqa: E402
from mbench.errors import BadInput  # noqa: E402

ALLOWED = ("more than the", "larger than a frame", "far more than", "JPEG is truncated", "too few to code")
# Refusals OpenCV shares only after seconds of work (a height of millions of rows), and files with a
# chunk claiming more bytes than follow (OpenCV allocates the claim first, up to 4 GiB):
# test_imagecheck.py checks one file of each against OpenCV.
NOT_ASKED = ("libpng reads at most",)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _chunks(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each whole chunk of an intact PNG."""
    out, i = [], 8
    while i + 12 <= len(data):
        n = struct.unpack_from(">I", data, i)[0]
        out.append((i, min(len(data), i + 12 + n)))
        i += 12 + n
    return out


def _claims_past_end(data: bytes) -> bool:
    """Whether a PNG's chunk headers, walked from the start, claim more bytes than the file holds."""
    i = 8
    while data.startswith(b"\x89PNG") and i + 8 <= len(data):
        n = struct.unpack_from(">I", data, i)[0]
        if i + 12 + n > len(data):
            return True
        i += 12 + n
    return False


def _exif(orientation: int) -> bytes:
    return (b"MM\x00\x2a\x00\x00\x00\x08\x00\x01" + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
            + bytes(4))


def seeds(rng: np.random.Generator) -> list[bytes]:
    """Valid files of every kind the readers meet."""
    h, w = 96, 180  # large enough for libpng's full window (the fast path); small ones too
    yy, xx = np.mgrid[:h, :w]
    gray = ((np.sin(xx / 9.0) + np.cos(yy / 7.0)) * 60 + 128).astype(np.uint8)
    gray[rng.random((h, w)) < 0.02] = 255
    rgb = np.dstack([gray, gray[::-1], 255 - gray])
    rgba = np.dstack([rgb, gray[:, ::-1]])
    out = []
    for img in (gray, gray.astype(np.uint16) * 257 + 3, rgb, rgba, gray[:20, :30], rgb[:16, :24]):
        out.append(cv2.imencode(".png", img)[1].tobytes())
    out.append(cv2.imencode(".png", rgb, [cv2.IMWRITE_PNG_COMPRESSION, 1])[1].tobytes())
    for mode, img in (("L", gray), ("RGB", rgb), ("RGBA", rgba), ("P", rgb)):
        buf = io.BytesIO()
        pil = Image.fromarray(img)
        (pil.convert("P") if mode == "P" else pil).save(buf, format="PNG", optimize=True)
        out.append(buf.getvalue())
    plain = out[0]
    end = plain.rindex(b"IEND") - 4
    out.append(plain[:end] + _chunk(b"eXIf", _exif(int(rng.integers(2, 9)))) + plain[end:])
    out.append(cv2.imencode(".jpg", rgb)[1].tobytes())
    out.append(cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes())
    return out


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One or two random edits: bits, bytes, chunk lengths, names, fields, insertions, cuts."""
    d = bytearray(data)
    for _ in range(int(rng.integers(1, 3))):
        chunks = _chunks(bytes(d)) if d.startswith(b"\x89PNG") else []
        op = int(rng.integers(0, 11))
        if op == 0 or not chunks:
            d[int(rng.integers(0, len(d)))] ^= 1 << int(rng.integers(0, 8))
        elif op == 1:
            d[int(rng.integers(0, len(d)))] = int(rng.choice([0, 1, 0x7F, 0x80, 0xFF]))
        elif op in (2, 3):  # a chunk's payload, or its header fields, with the CRC made right
            a, b = chunks[int(rng.integers(0, len(chunks)))]
            if b - a > 12:
                i = a + 8 + int(rng.integers(0, b - a - 12))
                d[i] ^= 1 << int(rng.integers(0, 8)) if op == 2 else int(rng.integers(1, 256))
                d[b - 4:b] = struct.pack(">I", zlib.crc32(bytes(d[a + 4:b - 4])))
        elif op == 4:  # a chunk's length
            a, _ = chunks[int(rng.integers(0, len(chunks)))]
            n = struct.unpack_from(">I", d, a)[0]
            new = int(rng.choice([n + 1, max(0, n - 1), 0, 0xFFFFFF00, int(rng.integers(0, 1 << 31))]))
            d[a:a + 4] = struct.pack(">I", new)
        elif op == 5:  # a chunk's name
            a, b = chunks[int(rng.integers(0, len(chunks)))]
            d[a + 4 + int(rng.integers(0, 4))] = int(rng.integers(0, 256))
            d[b - 4:b] = struct.pack(">I", zlib.crc32(bytes(d[a + 4:b - 4])))
        elif op == 6:  # a chunk inserted anywhere between chunks
            kind, payload = [(b"eXIf", _exif(int(rng.integers(0, 10)))), (b"tEXt", b"k\0v"),
                             (b"ABCD", b"x"), (b"tRNS", b"\0\1"), (b"sBIT", b"\4"),
                             (b"gAMA", struct.pack(">I", 45455)), (b"IDAT", b""),
                             (b"IHDR", bytes(d[16:29]))][int(rng.integers(0, 8))]
            at = [8] + [b for _, b in chunks]
            i = at[int(rng.integers(0, len(at)))]
            d[i:i] = _chunk(kind, payload)
        elif op == 7:  # a chunk removed or repeated
            a, b = chunks[int(rng.integers(0, len(chunks)))]
            d[a:b] = b"" if rng.random() < 0.5 else d[a:b] * 2
        elif op == 8:
            del d[int(rng.integers(8, len(d))):]
        elif op == 9:
            d += rng.integers(0, 256, int(rng.integers(1, 40)), dtype=np.uint8).tobytes()
        elif len(d) >= 33:  # IHDR's fields
            field = int(rng.integers(16, 29))
            d[field] = int(rng.choice([0, 1, 2, 3, 4, 6, 8, 16, int(rng.integers(0, 256))]))
            d[29:33] = struct.pack(">I", zlib.crc32(bytes(d[12:29])))
    return bytes(d)


def check(path: Path) -> str:
    """'read', 'refused' or 'limit' over the readers; raises AssertionError on a disagreement."""
    outcome = "refused"
    for name, (reader, _) in READERS.items():
        try:
            got = reader(path)
        except BadInput as e:
            text = str(e)
            assert "\n" not in text, text
            if any(a in text for a in ALLOWED):
                outcome = "limit" if outcome == "refused" else outcome
                continue
            if any(k in text for k in NOT_ASKED) or _claims_past_end(path.read_bytes()):
                continue
            try:
                want = opencv_reading(name, path)
            except cv2.error:
                want = None
            assert want is None, f"{name}: mbench refused ({text}) but OpenCV reads {want.shape}"
            continue
        try:
            want = opencv_reading(name, path)
        except cv2.error:
            want = None
        assert want is not None, f"{name}: mbench read {got.shape} but OpenCV refuses"
        assert got.dtype == want.dtype and got.shape == want.shape, (name, got.shape, want.shape)
        assert np.array_equal(got, want), f"{name}: pixels differ from OpenCV's"
        outcome = "read"
    return outcome


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--count", type=int, default=600)
    args = ap.parse_args(argv)
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    if os.environ.get("NUMBA_BOUNDSCHECK") == "1":  # prove the checks are compiled in: a short out
        try:
            png.unfilter(np.full(12, 2, np.uint8), 3, 3, 1, np.zeros((2, 3), np.uint8))  # Up rows
            print("NUMBA_BOUNDSCHECK=1 but an out-of-bounds write went unchecked", file=sys.stderr)
            return 1
        except IndexError:
            pass
    rng = np.random.default_rng(args.seed)
    bases = seeds(rng)
    counts = {"read": 0, "refused": 0, "limit": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for case in range(args.count):
            base = bases[case % len(bases)]
            data = mutate(base, rng) if case >= len(bases) else base
            path = Path(tmp) / (f"{case}.png" if data.startswith(b"\x89PNG") else f"{case}.jpg")
            path.write_bytes(data)
            try:
                counts[check(path)] += 1
            except AssertionError as e:
                keep = Path(tmp).parent / f"png_fuzz_case_{args.seed}_{case}{path.suffix}"
                keep.write_bytes(data)
                print(f"case {case} (seed {args.seed}, kept as {keep}): {e}", file=sys.stderr)
                return 1
            path.unlink()
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
