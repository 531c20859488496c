"""Speed of mbench's PNG reader (``mbench.png``) against OpenCV's decoder, per image, one thread.

Images are realistic 1080p and 512x288 frames: an alpha matte (perf/realistic_mattes.py) saved by
OpenCV (every row Sub-filtered) and by Pillow (adaptive filters), the same matte at 16 bits, and
an RGB foreground (a scikit-image photograph, resized). Both sides decode from bytes in memory and
give the same array (checked); OpenCV's colour result is converted to RGB as mbench's readers do.
mbench reads colour with OpenCV (the last rows show why); the reader serves grayscale files.
Times are medians over ``--repeats`` alternating calls.

    python perf/png_speed.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data as skdata

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic_mattes  # noqa: E402
from mbench import png  # noqa: E402


def _cases(w: int, h: int) -> list[tuple[str, bytes, int]]:
    """(name, PNG bytes, channels) for one frame size."""
    matte = realistic_mattes.ground_truth(w, h, 1, 1)[0][0]
    photo = cv2.resize(skdata.astronaut(), (w, h), interpolation=cv2.INTER_AREA)
    pillow = io.BytesIO()
    Image.fromarray(matte).save(pillow, format="PNG")
    return [
        ("alpha, 8-bit (OpenCV-written)", cv2.imencode(".png", matte)[1].tobytes(), 1),
        ("alpha, 8-bit (Pillow-written)", pillow.getvalue(), 1),
        ("alpha, 16-bit", cv2.imencode(".png", matte.astype(np.uint16) * 257)[1].tobytes(), 1),
        ("colour, RGB 8-bit", cv2.imencode(".png", photo[..., ::-1])[1].tobytes(), 3),
    ]


def _opencv(data: bytes, channels: int) -> np.ndarray:
    if channels == 1:
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH)
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    print(f"machine: {platform.machine()}, {platform.processor() or platform.system()}, one thread, "
          f"OpenCV {cv2.__version__}")
    print("\n| size | image | file KB | OpenCV ms | mbench ms | speed-up |\n|---|---|---:|---:|---:|---:|")
    for w, h in ((1920, 1080), (512, 288)):
        for name, data, ch in _cases(w, h):
            ours = png.decode(data, (ch,))
            assert ours is not None and np.array_equal(ours, _opencv(data, ch)), name
            o = _median_ms(lambda: _opencv(data, ch), args.repeats)
            m = _median_ms(lambda: png.decode(data, (ch,)), args.repeats)
            print(f"| {w}x{h} | {name} | {len(data) / 1024:.0f} | {o:.2f} | {m:.2f} | {o / m:.1f}x |")


if __name__ == "__main__":
    main()
