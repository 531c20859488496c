"""How fast maintained PNG decoders read the files of ``perf/evaluate_speed.py``, against mbench's.

The end-to-end ceiling that ``evaluate_speed.py`` prints (reading and decoding alone) is only as
good as the decoder behind it. This times mbench's reader (``mbench.png``: zlib-ng and a compiled
unfilter) against every other decoder found installed, on the same bytes in memory (file reading
is the same for all): libpng through OpenCV (what the reference reads with), and optionally libpng
and libspng through ``imagecodecs``, libspng through ``pyspng`` and Wuffs through ``pywuffs``
(``pip install imagecodecs pyspng pywuffs``; they are not mbench dependencies). Every decoder's
pixels are checked equal to mbench's. Files are written with Pillow, as in ``evaluate_speed.py``:
a photograph (the foreground layer) and realistic mattes (the alpha layer), one thread, median of
``--repeat`` runs.

    python perf/decoder_survey.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image
from skimage import data as skdata

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic_mattes  # noqa: E402
from mbench import png  # noqa: E402


def _module(name: str):
    """The installed module ``name``, or None: the survey times what it finds."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _wuffs(wuffs, aux, colour: bool) -> Callable[[bytes], np.ndarray]:
    config = aux.ImageDecoderConfig()
    config.enabled_decoders = [wuffs.ImageDecoderType.PNG]
    config.pixel_format = wuffs.PixelFormat.RGB if colour else wuffs.PixelFormat.Y
    decoder = aux.ImageDecoder(config)
    return lambda data: np.asarray(decoder.decode(data).pixbuf)


def _optional() -> dict[str, Callable[[bytes, bool], np.ndarray]]:
    """Decoders of the optional packages found installed: bytes, colour? -> pixels (RGB or gray)."""
    out: dict[str, Callable[[bytes, bool], np.ndarray]] = {}
    codecs, spng, wuffs = _module("imagecodecs"), _module("pyspng"), _module("pywuffs")
    if codecs is not None:
        out["libpng (imagecodecs)"] = lambda data, colour: codecs.png_decode(data)
        out["libspng (imagecodecs)"] = lambda data, colour: codecs.spng_decode(data)
    if spng is not None:
        out["libspng (pyspng)"] = lambda data, colour: spng.load(data)
    if wuffs is not None:
        rgb, gray = (_wuffs(wuffs, _module("pywuffs.aux"), c) for c in (True, False))
        out["Wuffs (pywuffs)"] = lambda data, colour: (rgb if colour else gray)(data)
    return out


def _opencv(data: bytes, colour: bool) -> np.ndarray:
    """cv2.imdecode as the reference reads (BGR: the comparison flips it, untimed)."""
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR if colour else cv2.IMREAD_GRAYSCALE)


def _files() -> list[tuple[str, bytes, bool]]:
    """(label, PNG bytes written by Pillow, colour?) at both sizes of evaluate_speed.py."""
    out = []
    for w, h in ((512, 288), (1920, 1080)):
        photo = cv2.resize(skdata.astronaut(), (w, h), interpolation=cv2.INTER_AREA)
        gt = realistic_mattes.ground_truth(w, h, 1, 2)[0]
        pred = realistic_mattes.prediction(gt, 0)
        for label, img in (("photograph", photo), ("matte (truth)", gt[1]), ("matte (prediction)", pred[1])):
            buf = io.BytesIO()
            Image.fromarray(img).save(buf, format="PNG")
            out.append((f"{w}x{h} {label}", buf.getvalue(), img.ndim == 3))
    return out


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    decoders: dict[str, Callable[[bytes, bool], np.ndarray]] = {
        "mbench": lambda data, colour: png.decode(data, png.scan(data)),
        "libpng (OpenCV)": _opencv,
    }
    decoders.update(_optional())
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, one thread; OpenCV {cv2.__version__}")
    print("ms per file; * marks pixels that differ from mbench's\n")
    print("| file | bytes | " + " | ".join(decoders) + " |")
    print("|---|---:|" + "---:|" * len(decoders))
    for label, data, colour in _files():
        ours = decoders["mbench"](data, colour)
        cells = []
        for fn in decoders.values():
            pixels = np.asarray(fn(data, colour))
            if colour and fn is _opencv:
                pixels = pixels[..., ::-1]
            same = np.array_equal(pixels.reshape(ours.shape), ours)
            cells.append(f"{_median_ms(lambda: fn(data, colour), args.repeat):.2f}{'' if same else ' *'}")
        print(f"| {label} | {len(data):,} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
