"""Generated JPEGs of every kind mbench meets, read by each frame reader and by ``cv2.imread`` with
the reader's flags: the pixels must be bit-identical.

Clean JPEGs are decoded by simplejpeg (the same libjpeg-turbo as OpenCV's); this proves it gives
OpenCV's pixels, and counts how many files took that route. Files vary in writer (OpenCV, Pillow),
quality (85-100), chroma subsampling (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1), progressive and
optimised coding, restart intervals, EXIF (routed to OpenCV), size (1x1 to 1920x1080) and content
(photographs, matte-like images as 1- and 3-channel files, smooth and pure noise). Usable alone for
a longer run::

    python tests/core/jpeg_corpus.py --seed 1 --count 2000

Prints one JSON line of counts; exits 1 with the first disagreement.
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data as skdata

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from test_imagecheck import READERS, opencv_reading  # noqa: E402

from mbench import decoders  # noqa: E402

SAMPLINGS = {"444": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444, "422": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
             "420": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420, "440": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_440,
             "411": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_411}
PILLOW_SAMPLINGS = {"444": 0, "422": 1, "420": 2}
SIZES = ((512, 288), (1920, 1080), (1, 1), (7, 5), (33, 17))
PHOTOS = (skdata.astronaut, skdata.chelsea, skdata.coffee, skdata.rocket)


def _matte(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A matte-like image: mostly 0 and 255, soft edges, thin strands."""
    shapes = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        axes = (int(rng.integers(1, w // 2 + 2)), int(rng.integers(1, h // 2 + 2)))
        cv2.ellipse(shapes, centre, axes, float(rng.uniform(0, 180)), 0, 360, 255, -1)
    for _ in range(int(rng.integers(0, 30))):
        a = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        b = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.line(shapes, a, b, int(rng.integers(60, 256)), 1, cv2.LINE_AA)
    return cv2.GaussianBlur(shapes, (0, 0), float(rng.uniform(0.3, 3)))


def _content(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    kind = int(rng.integers(0, 5))
    if kind == 0:
        return cv2.resize(PHOTOS[int(rng.integers(0, len(PHOTOS)))](), (w, h), interpolation=cv2.INTER_AREA)
    if kind in (1, 2):
        matte = _matte(rng, w, h)
        return matte if kind == 1 else np.dstack([matte] * 3)
    if kind == 3:
        noise = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        return cv2.GaussianBlur(noise, (0, 0), float(rng.uniform(0.5, 4)))
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def _with_exif(data: bytes, orientation: int) -> bytes:
    """``data`` with an APP1 EXIF segment holding one orientation tag, after SOI."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01" + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + bytes(4)
    app1 = b"Exif\x00\x00" + tiff
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + data[2:]


def generate(rng: np.random.Generator) -> tuple[str, bytes]:
    """One random JPEG and a label saying how it was made."""
    w, h = SIZES[int(rng.integers(0, len(SIZES)))] if rng.random() < 0.6 else \
        (int(rng.integers(1, 400)), int(rng.integers(1, 300)))
    if rng.random() < 0.3:  # most corpus frames are small: keep the 1080p share moderate
        w, h = min(w, 640), min(h, 360)
    img = _content(rng, w, h)
    quality = int(rng.integers(85, 101))
    progressive = bool(rng.random() < 0.25)
    if rng.random() < 0.5:
        sampling = list(SAMPLINGS)[int(rng.integers(0, len(SAMPLINGS)))]
        params = [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, SAMPLINGS[sampling],
                  cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive),
                  cv2.IMWRITE_JPEG_OPTIMIZE, int(rng.random() < 0.3),
                  cv2.IMWRITE_JPEG_RST_INTERVAL, int(rng.choice([0, 0, 1, 7]))]
        bgr = img if img.ndim == 2 else np.ascontiguousarray(img[..., ::-1])
        data, label = cv2.imencode(".jpg", bgr, params)[1].tobytes(), f"OpenCV q{quality} {sampling}"
    else:
        sampling = list(PILLOW_SAMPLINGS)[int(rng.integers(0, len(PILLOW_SAMPLINGS)))]
        optimize = bool(rng.random() < 0.3)
        buf = io.BytesIO()
        try:
            Image.fromarray(img).save(buf, "JPEG", quality=quality, subsampling=PILLOW_SAMPLINGS[sampling],
                                      progressive=progressive, optimize=optimize)
        except OSError:  # Pillow's output buffer is too small for an optimised busy image
            progressive, buf = False, io.BytesIO()
            Image.fromarray(img).save(buf, "JPEG", quality=quality, subsampling=PILLOW_SAMPLINGS[sampling])
        data = buf.getvalue()
        label = f"Pillow q{quality} {sampling}"
    if rng.random() < 0.05:
        orientation = int(rng.integers(1, 9))
        data, label = _with_exif(data, orientation), label + f" EXIF {orientation}"
    channels = "gray" if img.ndim == 2 else "colour"
    return f"{label}{' progressive' if progressive else ''} {channels} {w}x{h}", data


def compare(path: Path) -> None:
    """Every reader gives OpenCV's pixels for its flags (AssertionError naming the reader if not)."""
    for name, (reader, _) in READERS.items():
        want = opencv_reading(name, path)
        got = reader(path)
        assert want is not None, f"{name}: OpenCV refuses a generated file"
        assert got.dtype == want.dtype and got.shape == want.shape, (name, got.shape, want.shape)
        assert np.array_equal(got, want), f"{name}: pixels differ from OpenCV's"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--count", type=int, default=200)
    args = ap.parse_args(argv)
    cv2.setNumThreads(1)
    rng = np.random.default_rng(args.seed)
    routed = {"binding": 0, "OpenCV": 0}
    decode = decoders.jpeg

    def counting(*a):
        img = decode(*a)
        routed["binding" if img is not None else "OpenCV"] += 1
        return img

    decoders.jpeg = counting  # this process only: it runs alone
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "0000.jpg"
        for case in range(args.count):
            label, data = generate(rng)
            path.write_bytes(data)
            try:
                compare(path)
            except AssertionError as e:
                keep = Path(tmp).parent / f"jpeg_corpus_case_{args.seed}_{case}.jpg"
                keep.write_bytes(data)
                print(f"case {case} ({label}; seed {args.seed}, kept as {keep}): {e}", file=sys.stderr)
                return 1
    print(json.dumps({"files": args.count, "reads": args.count * len(READERS), **routed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
