"""A frame replaced between its checks and its decoding: the bytes checked are the bytes decoded.

Each test swaps the file right after mbench checked it (a FIFO, another image, a much larger file, or
new bytes written into the same file) and shows that the reader decodes what it checked. A FIFO that
a reader did open is unblocked by :class:`FifoUnblocker` (the reader then sees an empty file), so a
regression fails at once instead of hanging the suite.
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from mbench import frames
from mbench.errors import BadInput


class FifoUnblocker:
    """Opens each FIFO of ``paths`` for writing whenever a reader is waiting on it, and closes it at
    once, so that the reader gets end-of-file; ``opened`` tells whether any reader ever was."""

    def __init__(self, *paths: Path):
        self.paths, self.opened = paths, False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for path in self.paths:
                try:
                    if not stat.S_ISFIFO(os.stat(path).st_mode):
                        continue
                    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:  # no reader waiting (ENXIO), or no FIFO any more
                    continue
                self.opened = True
                os.close(fd)

    def __enter__(self) -> FifoUnblocker:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _images(tmp_path: Path) -> tuple[Path, np.ndarray, bytes]:
    """A colour JPEG (decoded by OpenCV, not mbench's PNG reader), what OpenCV reads from it, and the
    bytes of a different, much larger JPEG to swap in."""
    rng = np.random.default_rng(5)
    small = cv2.GaussianBlur(rng.integers(0, 256, (36, 52, 3), dtype=np.uint8), (0, 0), 2)
    path = tmp_path / "0000.jpg"
    frames.write_image(path, small, jpeg_quality=92)
    large = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    return path, cv2.imread(str(path), cv2.IMREAD_COLOR), frames.encode_image(large, ".jpg")


def _swap_after_check(monkeypatch, path: Path, swap) -> list[int]:
    """Call ``swap(path)`` right after the reader's check of ``path``; returns a list that counts the
    checks."""
    checks = []
    original = frames.check_bytes

    def check_then_swap(p, data):
        result = original(p, data)
        checks.append(1)
        swap(p)
        return result

    monkeypatch.setattr(frames, "check_bytes", check_then_swap)
    return checks


def _to_fifo(p: Path) -> None:
    os.unlink(p)
    os.mkfifo(p)


def _replaced_by(data: bytes):
    def swap(p: Path) -> None:
        other = p.with_name("other.jpg")
        other.write_bytes(data)
        os.replace(other, p)  # a new file under the checked name
    return swap


def _rewritten_with(data: bytes):
    def swap(p: Path) -> None:
        with open(p, "r+b") as f:  # the same file (inode), new and longer contents
            f.write(data)
    return swap


READERS = {  # reader -> its result in cv2.imread's layout, and the flags it promises
    "color": (lambda p: cv2.cvtColor(frames.read_color(p), cv2.COLOR_RGB2BGR), cv2.IMREAD_COLOR),
    "rgba": (lambda p: cv2.cvtColor(frames.read_rgba(p), cv2.COLOR_RGB2BGR), cv2.IMREAD_UNCHANGED),
    "gray8": (lambda p: frames.read_alpha(p, reading="gray8"), cv2.IMREAD_GRAYSCALE),
    "full": (lambda p: frames.read_alpha(p), cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH),
}
SWAPS = {"fifo": lambda large: _to_fifo, "other file": _replaced_by, "same file rewritten": _rewritten_with}


@pytest.mark.parametrize("how", SWAPS)
@pytest.mark.parametrize("reader", READERS)
def test_file_swapped_after_check_is_not_decoded(tmp_path, monkeypatch, how, reader):
    path, _, large = _images(tmp_path)
    read, flags = READERS[reader]
    want = cv2.imread(str(path), flags)
    checks = _swap_after_check(monkeypatch, path, SWAPS[how](large))
    with FifoUnblocker(path) as fifo:
        got = read(path)
    assert checks and not fifo.opened, "the reader opened the FIFO swapped in after the check"
    np.testing.assert_array_equal(got, want)


def test_swap_without_memory_files(tmp_path, monkeypatch):
    """Where there is no ``memfd_create`` (macOS, BSD), OpenCV reads a private temporary copy of the
    checked bytes, removed afterwards."""
    path, want, large = _images(tmp_path)
    monkeypatch.delattr(os, "memfd_create", raising=False)
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    for swap in (_to_fifo, _replaced_by(large)):
        path.unlink()
        frames.write_image(path, cv2.cvtColor(want, cv2.COLOR_BGR2RGB), jpeg_quality=92)
        want = cv2.imread(str(path), cv2.IMREAD_COLOR)
        with monkeypatch.context() as m:
            _swap_after_check(m, path, swap)
            with FifoUnblocker(path) as fifo:
                got = cv2.cvtColor(frames.read_color(path), cv2.COLOR_RGB2BGR)
        assert not fifo.opened
        np.testing.assert_array_equal(got, want)
        assert not any(private.iterdir()), "the private copy was left behind"


def _video(path: Path, size: tuple[int, int], n: int) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, size)
    for i in range(n):
        writer.write(np.full((size[1], size[0], 3), 20 * i, np.uint8))
    writer.release()


@pytest.mark.parametrize("how", ["fifo", "other file"])
def test_video_swapped_after_check_is_not_opened(tmp_path, monkeypatch, how):
    """A video layer is opened by FFmpeg through the checked descriptor: a FIFO swapped in after
    the check cannot block it, and another video swapped in is not what it reads."""
    path = tmp_path / "pha.avi"
    _video(path, (48, 32), 4)
    other = tmp_path / "other.avi"
    _video(other, (64, 40), 9)
    swapped = []
    original = frames.open_regular

    def check_then_swap(p):
        fd = original(p)
        if not swapped:
            swapped.append(1)
            if how == "fifo":
                _to_fifo(Path(p))
            else:
                os.replace(other, p)
        return fd

    monkeypatch.setattr(frames, "open_regular", check_then_swap)
    with FifoUnblocker(path) as fifo:
        video = frames.VideoFrames(path)
    assert swapped and not fifo.opened
    assert (len(video), video.height, video.width) == (4, 32, 48)
    video.close()


def test_checked_bytes_for_other_decoders(tmp_path, monkeypatch):
    """``read_image_bytes`` hands Pillow (as GFM's and MaGGIe's originals read) the bytes checked,
    whatever replaced the file since."""
    from io import BytesIO

    from PIL import Image

    path, _, large = _images(tmp_path)
    want = np.asarray(Image.open(path))
    _swap_after_check(monkeypatch, path, _rewritten_with(large))
    with Image.open(BytesIO(frames.read_image_bytes(path))) as im:
        np.testing.assert_array_equal(np.asarray(im), want)
    with pytest.raises(BadInput, match="not a regular file"):
        frames.read_image_bytes(Path("/dev/zero"))


@pytest.mark.parametrize("how", SWAPS)
def test_pillow_readings_of_the_protocols_decode_what_was_checked(tmp_path, monkeypatch, how):
    """The whole-image protocols' Pillow reading (GFM, P3M, AIM: ``read_pil``) decodes the checked
    bytes, whatever replaced the file since."""
    from PIL import Image

    from mbench.benchmark.protocols.image_folders import read_pil

    path, _, large = _images(tmp_path)
    want = np.asarray(Image.open(path))[:, :, 0]
    checks = _swap_after_check(monkeypatch, path, SWAPS[how](large))
    with FifoUnblocker(path) as fifo:
        got = read_pil(path)
    assert checks and not fifo.opened
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("how", SWAPS)
def test_maggie_ground_truth_decodes_what_was_checked(tmp_path, monkeypatch, how):
    """MaGGIe's ground truth (PIL's convert("L") of a colour file) decodes the checked bytes."""
    from PIL import Image

    from mbench.benchmark.protocols.maggie import _read_gt

    path, _, large = _images(tmp_path)
    want = np.asarray(Image.open(path).convert("L"))
    checks = _swap_after_check(monkeypatch, path, SWAPS[how](large))
    with FifoUnblocker(path) as fifo:
        got, _ = _read_gt(path)
    assert checks and not fifo.opened
    np.testing.assert_array_equal(got, want)
