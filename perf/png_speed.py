"""Speed of mbench's frame readers against ``cv2.imread`` with the same flags, per image, one thread.

Frames are realistic, at 1920x1080 and 512x288: an alpha matte (``perf/realistic_mattes.py``) and an
RGB foreground (a scikit-image photograph, resized), 8- and 16-bit, written three ways:
OpenCV's defaults (``cv2.imwrite``), mbench's own writer
(``mbench.frames.write_image``: PNG level 1) and Pillow (level 6, adaptive filters; no 16-bit
colour). Both sides read the same file from the page cache and give the same array (checked);
OpenCV's colour result is converted to RGB as the reader's is.

Columns: ``cv2`` is ``cv2.imread`` (+ ``cvtColor`` for colour), ``mbench`` the reader
(``read_alpha`` for mattes, ``read_color`` for colour), then where mbench's PNG time goes:
inflating the image data with zlib-ng (the dependency), and, for the choice of inflater, the same
stream with CPython's zlib and with isal (``isal.isal_zlib``) when installed, and the numba
unfilter. Medians over ``--repeats`` alternating calls.

A second table does the same for JPEG (``--jpeg`` prints only that one): mattes (a grey file, and
3-channel files as VideoMatte240K's) and colour frames written by OpenCV (quality 95) and Pillow
(quality 90 and 95), 4:2:0 and 4:4:4. Columns: ``cv2`` as above, ``simplejpeg`` its bare decode
of the bytes in memory, ``mbench`` the reader (clean JPEGs through simplejpeg), and ``mbench via
OpenCV`` the same reader with the simplejpeg route turned off (``cv2.imread`` of the private copy
of the checked bytes): the measurement behind the choice of decoder.

    python perf/png_speed.py [--repeats 30] [--jpeg]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import simplejpeg
from PIL import Image
from skimage import data as skdata
from zlib_ng import zlib_ng

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic_mattes  # noqa: E402
from mbench import decoders, frames, png  # noqa: E402

try:
    from isal import isal_zlib
except ImportError:  # optional: only for the comparison column
    isal_zlib = None


def _pillow(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


def _cases(w: int, h: int) -> list[tuple[str, str, bytes]]:
    """(image, writer, file bytes) for one frame size."""
    matte = realistic_mattes.ground_truth(w, h, 1, 1)[0][0]
    photo = cv2.resize(skdata.astronaut(), (w, h), interpolation=cv2.INTER_AREA)
    matte16 = matte.astype(np.uint16) * 257
    photo16 = photo.astype(np.uint16) * 257
    out = []
    for name, img in (("alpha 8-bit", matte), ("alpha 16-bit", matte16), ("colour 8-bit", photo),
                      ("colour 16-bit", photo16)):
        bgr = img if img.ndim == 2 else img[..., ::-1]
        out.append((name, "OpenCV default", cv2.imencode(".png", bgr)[1].tobytes()))
        out.append((name, "mbench writer", frames.encode_image(img, ".png")))
        if name != "colour 16-bit":
            out.append((name, "Pillow", _pillow(img)))
    return out


def _jpeg_cases(w: int, h: int) -> list[tuple[str, str, bytes]]:
    """(image, writer, JPEG bytes) for one frame size."""
    matte = realistic_mattes.ground_truth(w, h, 1, 1)[0][0]
    photo = cv2.resize(skdata.astronaut(), (w, h), interpolation=cv2.INTER_AREA)
    out = [("matte, grey file", "OpenCV q95", frames.encode_image(matte, ".jpg"))]
    for name, img in (("matte, 3-channel file", np.dstack([matte] * 3)), ("colour", photo)):
        for sampling, factor in (("4:2:0", cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420),
                                 ("4:4:4", cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444)):
            params = [cv2.IMWRITE_JPEG_QUALITY, 95, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, factor]
            out.append((name, f"OpenCV q95 {sampling}", cv2.imencode(".jpg", img[..., ::-1], params)[1].tobytes()))
            quality = 90 if sampling == "4:2:0" else 95
            buf = io.BytesIO()
            Image.fromarray(img).save(buf, format="JPEG", quality=quality,
                                      subsampling=2 if sampling == "4:2:0" else 0)
            out.append((name, f"Pillow q{quality} {sampling}", buf.getvalue()))
    return out


def _jpeg_table(repeats: int, folder: Path) -> None:
    print("\n| size | image | written by | KB | cv2 ms | simplejpeg ms | mbench ms | mbench via OpenCV ms | "
          "speed-up |\n|---|---|---|---:|---:|---:|---:|---:|---:|")
    binding = decoders.jpeg
    for w, h in ((1920, 1080), (512, 288)):
        for name, writer, data in _jpeg_cases(w, h):
            path = folder / "f.jpg"
            path.write_bytes(data)
            if name.startswith("matte"):
                flags, space = cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH, "GRAY"

                def ours():
                    return frames.read_alpha(path)

                def theirs():
                    return cv2.imread(str(path), flags)
            else:
                space = "RGB"

                def ours():
                    return frames.read_color(path)

                def theirs():
                    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)

            def bare():
                return simplejpeg.decode_jpeg(data, colorspace=space)

            def via_opencv():
                decoders.jpeg = lambda *args: None  # this script only, restored at once
                try:
                    return ours()
                finally:
                    decoders.jpeg = binding

            assert np.array_equal(ours(), theirs()) and np.array_equal(via_opencv(), theirs()), (name, writer)
            times = _alternating([theirs, bare, ours, via_opencv], repeats)
            print(f"| {w}x{h} | {name} | {writer} | {len(data) / 1024:.0f} | "
                  + " | ".join(f"{t:.2f}" for t in times) + f" | {times[0] / times[2]:.2f}x |")


def _alternating(calls: list, repeats: int) -> list[float]:
    """Median ms of each call, the calls taking turns (so a change of load hits them alike)."""
    times: list[list[float]] = [[] for _ in calls]
    for _ in range(repeats):
        for fn, t in zip(calls, times):
            start = time.perf_counter()
            fn()
            t.append(time.perf_counter() - start)
    return [statistics.median(t) * 1e3 for t in times]


def _median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def _stream(data: bytes, s: png.Scan) -> bytes:
    return b"".join(data[a + 4:a + 4 + n] for a, n, _ in s.idat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--jpeg", action="store_true", help="only the JPEG table")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    print(f"machine: {platform.machine()}, {platform.processor() or platform.system()}, one thread, "
          f"OpenCV {cv2.__version__}, zlib-ng {getattr(zlib_ng, 'ZLIBNG_VERSION', '?')}, "
          f"simplejpeg {simplejpeg.__version__}, load average {os.getloadavg()[0]:.1f}")
    if args.jpeg:
        with tempfile.TemporaryDirectory() as tmp:
            _jpeg_table(args.repeats, Path(tmp))
        return
    print("\n| size | image | written by | KB | cv2 ms | mbench ms | speed-up | inflate zlib-ng | zlib | "
          "isal | unfilter |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for w, h in ((1920, 1080), (512, 288)):
            for name, writer, data in _cases(w, h):
                path = Path(tmp) / "f.png"
                path.write_bytes(data)
                if name.startswith("alpha"):
                    def ours():
                        return frames.read_alpha(path)

                    def theirs():
                        return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH)
                else:
                    def ours():
                        return frames.read_color(path)

                    def theirs():
                        img = cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH)
                        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
                assert np.array_equal(ours(), theirs()), (name, writer)
                o = _median_ms(theirs, args.repeats)
                m = _median_ms(ours, args.repeats)
                parts = ["", "", "", ""]
                if path.suffix == ".png":
                    s = png.scan(data)
                    stream = _stream(data, s)
                    raw = np.frombuffer(png.inflate(data, s) or zlib.decompress(stream), np.uint8)
                    bpp = s.channels * s.depth // 8
                    out = np.empty((s.height, s.width * bpp), np.uint8)
                    rowbytes = s.width * bpp
                    calls = [lambda: zlib_ng.decompress(stream), lambda: zlib.decompress(stream),
                             None if isal_zlib is None else lambda: isal_zlib.decompress(stream),
                             lambda: png.unfilter(raw, s.height, rowbytes, bpp, out)]
                    parts = ["" if f is None else f"{_median_ms(f, args.repeats):.2f}" for f in calls]
                print(f"| {w}x{h} | {name} | {writer} | {len(data) / 1024:.0f} | {o:.2f} | {m:.2f} | "
                      f"{o / m:.1f}x | " + " | ".join(parts) + " |")
        _jpeg_table(args.repeats, Path(tmp))


if __name__ == "__main__":
    main()
