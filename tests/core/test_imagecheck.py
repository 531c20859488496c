"""Hostile and odd frame files: only regular files are opened, every file's cost is bounded before a
decoder sees it, and every reader gives OpenCV's pixels (orientation included) or one clear error."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from mbench import frames, imagecheck
from mbench.errors import BadInput

HOSTILE = Path(__file__).parent / "data" / "hostile"
# reader -> the cv2.imread flags it promises, and how its result is laid out against OpenCV's
READERS = {
    "alpha full": (lambda p: frames.read_alpha(p), cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH),
    "alpha gray8": (lambda p: frames.read_alpha(p, reading="gray8"), cv2.IMREAD_GRAYSCALE),
    "alpha unchanged": (lambda p: frames.read_alpha(p, reading="unchanged"), cv2.IMREAD_UNCHANGED),
    "alpha alpha": (lambda p: frames.read_alpha(p, reading="alpha"), cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH),
    "color": (frames.read_color, cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH),
    "rgba": (frames.read_rgba, cv2.IMREAD_UNCHANGED),
}


def opencv_reading(name: str, path: Path) -> np.ndarray | None:
    """What ``cv2.imread`` gives for the reader ``name``, in that reader's channel order."""
    if name == "alpha alpha":  # the alpha channel of a PNG that has one (by its header), else "full"
        head = path.read_bytes()[:26]
        if head.startswith(b"\x89PNG") and len(head) == 26 and head[25] in (4, 6):
            img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            return None if img is None else np.ascontiguousarray(img[..., -1])
    img = cv2.imread(str(path), READERS[name][1])
    if img is None or img.ndim == 2 and name != "rgba":
        return img
    if name == "color":
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if name == "rgba":
        conv = {2: cv2.COLOR_GRAY2RGB, 3: cv2.COLOR_BGR2RGB, 4: cv2.COLOR_BGRA2RGBA}
        return cv2.cvtColor(img, conv[2 if img.ndim == 2 else img.shape[2]])
    return img


def assert_reads_as_opencv(path: Path) -> int:
    """Every reader equals OpenCV, or refuses with one line where OpenCV refuses; returns how many read."""
    read = 0
    for name, (reader, _) in READERS.items():
        want = opencv_reading(name, path)
        if want is None:
            with pytest.raises(BadInput) as e:
                reader(path)
            assert "\n" not in str(e.value) and str(path) in str(e.value)
        else:
            got = reader(path)
            assert got.dtype == want.dtype, name
            np.testing.assert_array_equal(got, want, err_msg=name)
            read += 1
    return read


@pytest.mark.parametrize("name", ["exif_orientation.png", "exif_orientation.jpg",
                                  "garbage_after_iend.png", "iend_bad_crc.png",
                                  "progressive_cut_segment.jpg"])
def test_files_opencv_reads_read_the_same(name):
    """eXIf/EXIF orientation is applied as OpenCV applies it (not by IMREAD_UNCHANGED); bytes after
    IEND and a damaged IEND CRC are tolerated as libpng tolerates them; a progressive JPEG with a
    cut segment (found by the fuzzer) reads as ``cv2.imread`` reads it, which ``cv2.imdecode``
    of the same bytes refuses."""
    assert assert_reads_as_opencv(HOSTILE / name) == len(READERS)
    if name.startswith("exif"):
        assert frames.read_alpha(HOSTILE / name).shape == (20, 12)  # rotated
        assert frames.read_alpha(HOSTILE / name, reading="unchanged").shape[:2] == (12, 20)
        assert frames.probe_image(HOSTILE / name).width == 20  # the header's size, as stored


@pytest.mark.parametrize("name, message", [
    ("chunk_before_ihdr.png", "does not start with its IHDR"),
    ("chunk_name_digit.png", "not four letters"),
    ("width_1000001.png", "at most 1,000,000"),
    ("window_too_small.png", "cannot be decoded"),  # zlib: invalid distance too far back
])
def test_files_libpng_refuses_are_refused(name, message):
    path = HOSTILE / name
    assert assert_reads_as_opencv(path) == 0
    with pytest.raises(BadInput, match=message):
        frames.read_alpha(path)


@pytest.mark.parametrize("name, message", [
    ("idat_4gib.png", "runs past the end"),
    ("bomb_header.png", "more than the"),
    ("sof_30000x30000.jpg", "more than the"),
    ("sof_4000x3000_starved.jpg", "too few to code"),  # within the cap, but 1 KB for 12 Mpixels
])
def test_hostile_headers_are_refused_before_decoding(name, message):
    """OpenCV would allocate gigabytes for these (4 GiB for the IDAT's claim); mbench reads the
    header, refuses in milliseconds, and never calls it."""
    path = HOSTILE / name
    start = time.perf_counter()
    for reader, _ in READERS.values():
        with pytest.raises(BadInput, match=message):
            reader(path)
    if not name.startswith(("idat", "sof_4000")):  # the probe reads headers only
        with pytest.raises(BadInput, match=message):
            frames.probe_image(path)
    assert time.perf_counter() - start < 1.0


def test_image_data_too_short_or_too_long(tmp_path):
    img = np.zeros((40, 30), np.uint8)
    ok, buf = cv2.imencode(".png", img)
    data = buf.tobytes()
    i = data.index(b"IHDR")
    assert data[i + 4:i + 12] == bytes([0, 0, 0, 30, 0, 0, 0, 40])
    # 40 rows of zeros compress to a few bytes; 4000x4000 cannot come from them
    import struct
    import zlib
    header = struct.pack(">II", 4000, 4000) + data[i + 12:i + 17]
    big = data[:i + 4] + header + struct.pack(">I", zlib.crc32(b"IHDR" + header)) + data[i + 21:]
    (tmp_path / "short.png").write_bytes(big)
    with pytest.raises(BadInput, match="cannot hold"):
        frames.read_alpha(tmp_path / "short.png")


def test_frame_cap_is_configurable(tmp_path, monkeypatch):
    path = tmp_path / "a.png"
    frames.write_image(path, np.zeros((48, 64), np.uint8))
    assert frames.read_alpha(path).shape == (48, 64)
    monkeypatch.setenv(imagecheck.MAX_PIXELS_ENV, str(64 * 48 - 1))
    for call in (frames.read_alpha, frames.probe_image, frames.read_color):
        with pytest.raises(BadInput, match="MBENCH_MAX_FRAME_PIXELS"):
            call(path)
    monkeypatch.setenv(imagecheck.MAX_PIXELS_ENV, str(64 * 48))
    assert frames.read_alpha(path).shape == (48, 64)
    monkeypatch.setenv(imagecheck.MAX_PIXELS_ENV, "lots")
    with pytest.raises(BadInput, match="positive whole number"):
        frames.read_alpha(path)


def test_file_larger_than_any_frame_is_not_read(tmp_path, monkeypatch):
    path = tmp_path / "a.png"
    frames.write_image(path, np.zeros((48, 64), np.uint8))
    with open(path, "ab") as f:
        f.truncate(2 << 20)  # sparse: 2 MiB of nothing after IEND
    monkeypatch.setenv(imagecheck.MAX_PIXELS_ENV, "1000")
    for call in (frames.read_alpha, frames.probe_image):
        with pytest.raises(BadInput, match="larger than a frame"):
            call(path)


def _special_files(tmp_path):
    fifo = tmp_path / "0000.png"
    os.mkfifo(fifo)
    sock_path = tmp_path / "0001.png"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    link = tmp_path / "0002.png"
    link.symlink_to(fifo)
    return sock, [fifo, sock_path, link, Path("/dev/zero")]


def test_only_regular_files_are_opened(tmp_path):
    """A FIFO (directly or through a symlink), a socket or a device named like a frame is refused at
    once: no reader, probe or video layer blocks on it."""
    sock, paths = _special_files(tmp_path)
    try:
        start = time.perf_counter()
        for path in paths:
            for call in (frames.probe_image, frames.read_alpha, frames.read_color, frames.read_rgba,
                         frames.VideoFrames):
                with pytest.raises(BadInput, match="not a regular file"):
                    call(path)
        assert time.perf_counter() - start < 2.0
    finally:
        sock.close()


def test_symlinked_frames_still_read(tmp_path):
    real = tmp_path / "real.png"
    frames.write_image(real, np.full((8, 9), 7, np.uint8))
    (tmp_path / "link.png").symlink_to(real)
    assert frames.read_alpha(tmp_path / "link.png").max() == 7
    with pytest.raises(BadInput, match="not a file"):
        frames.read_alpha(tmp_path)
