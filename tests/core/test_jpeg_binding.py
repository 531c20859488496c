"""JPEG frames decoded by simplejpeg give ``cv2.imread``'s pixels, and only where they must.

Generated files of every writer, sampling and coding (``jpeg_corpus.py``, a fixed seeded budget,
in a subprocess), arithmetic-coded and CMYK files (``data/jpeg``, made with libjpeg-turbo's
``jpegtran -arithmetic`` and Pillow), and the routes: a clean JPEG never reaches OpenCV, and a file
with EXIF, a CMYK file or a damaged one always does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from mbench import decoders, frames
from test_imagecheck import HOSTILE, assert_reads_as_opencv

DATA = Path(__file__).parent / "data" / "jpeg"
CORPUS = Path(__file__).with_name("jpeg_corpus.py")


def test_generated_jpegs_read_as_opencv_reads_them():
    """About 5 s: 150 seeded files, six readers each; most go through simplejpeg, some to OpenCV."""
    proc = subprocess.run([sys.executable, str(CORPUS), "--seed", "0", "--count", "150"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert counts["binding"] > 400 and counts["OpenCV"] > 0, counts


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir()))
def test_other_codings_read_as_opencv_reads_them(name):
    assert assert_reads_as_opencv(DATA / name) == 6


def _clean_jpeg(path: Path) -> None:
    rng = np.random.default_rng(2)
    frames.write_image(path, cv2.GaussianBlur(rng.integers(0, 256, (30, 44, 3), dtype=np.uint8), (0, 0), 2))


def _refuse(*args):
    raise AssertionError("reached OpenCV")


def test_clean_jpeg_never_reaches_opencv(tmp_path, monkeypatch):
    path = tmp_path / "0000.jpg"
    _clean_jpeg(path)
    want = {"color": cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB),
            "gray": cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)}
    monkeypatch.setattr(decoders, "opencv", _refuse)
    np.testing.assert_array_equal(frames.read_color(path), want["color"])
    for reading in ("full", "gray8", "alpha"):
        np.testing.assert_array_equal(frames.read_alpha(path, reading=reading), want["gray"])


@pytest.mark.parametrize("path", [HOSTILE / "exif_orientation.jpg", DATA / "cmyk.jpg",
                                  HOSTILE / "progressive_cut_segment.jpg"], ids=lambda p: p.name)
def test_exif_cmyk_and_damaged_jpegs_go_to_opencv(path, monkeypatch):
    """EXIF orientation and CMYK conversion are OpenCV's own; a damaged file reads differently from
    memory than through imread's file source, so libjpeg's first warning hands it to OpenCV."""
    monkeypatch.setattr(decoders, "opencv", _refuse)
    with pytest.raises(AssertionError, match="reached OpenCV"):
        frames.read_color(path)
    with pytest.raises(AssertionError, match="reached OpenCV"):
        frames.read_alpha(path, reading="gray8")
