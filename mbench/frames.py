"""Reading and writing frames: 8- and 16-bit PNG, JPEG, and layers stored as one video file.

Images are decoded from bytes we read ourselves, so that every failure is one line naming the
file: a missing or empty file, something other than a regular file (a FIFO named ``0000.png``),
a file that is not a PNG or JPEG, a truncated file, one over the frame cap, or one the decoder
rejects. Before any decoder sees a file, :mod:`mbench.imagecheck` bounds what it may cost, and
what a decoder then reads is what was checked (:mod:`mbench.decoders`): no decoder opens the path
again (it may name a FIFO or another file by then).

Every reader gives exactly the pixels of a ``cv2.imread`` with the flags it names (EXIF/eXIf
orientation included). Plain grey, RGB and RGBA PNGs are decoded by :mod:`mbench.png` where that
is OpenCV's answer for the flags (several times faster), clean JPEGs by simplejpeg (the same
libjpeg-turbo as OpenCV's), everything else by OpenCV.
Colour arrays are RGB. Alpha is read as grayscale, keeping 16-bit depth (``uint16``) unless a
reading says otherwise; :func:`to_unit_float` scales it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's own stderr lines ("moov atom not found")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from . import decoders, png  # noqa: E402
from .errors import BadInput  # noqa: E402
from .imagecheck import ImageInfo, check_bytes, check_file_size, check_head  # noqa: E402
from .regular import open_regular  # noqa: E402

__all__ = ["IMAGE_SUFFIXES", "VIDEO_SUFFIXES", "READINGS", "ImageInfo", "VideoFrames", "encode_image",
           "probe_image", "read_alpha", "read_alpha_noting_loss", "read_alpha_with_info", "read_color",
           "read_image_bytes", "reading_loss", "read_rgba", "to_unit_float", "write_image"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")
_JPEG_SOI = b"\xff\xd8"

cv2.setNumThreads(1)  # mbench parallelises over frames itself; nested pools only contend
if hasattr(cv2, "utils") and hasattr(cv2.utils, "logging"):
    # Decoder chatter ("libpng warning", "Premature end of JPEG file") is replaced by our own
    # one-line errors.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


def _read_file(path: Path) -> bytes:
    """All the bytes of a regular file (see :func:`mbench.regular.open_regular`)."""
    fd = open_regular(path)
    try:  # raw descriptor calls: a third of the cost of a file object for a small frame
        size = os.fstat(fd).st_size
        check_file_size(path, size)
        data = os.read(fd, size)
        while len(data) < size:  # a read may return less (very large files, signals)
            more = os.read(fd, size - len(data))
            if not more:
                break
            data += more
        return data
    except OSError as e:
        raise BadInput(f"cannot read file ({e.strerror})", path) from None
    finally:
        os.close(fd)


def read_image_bytes(path: str | os.PathLike) -> bytes:
    """An image file's bytes, read once and checked as the readers check them (:func:`probe_image`).

    For decoders outside this module (Pillow, as some protocols' originals read): open these bytes
    (``io.BytesIO``), not the path again, which may name another file or a FIFO by then.
    """
    path = Path(path)
    data = _read_file(path)
    check_bytes(path, data)
    return data


def probe_image(path: str | os.PathLike) -> ImageInfo:
    """Read an image's header and check its ending, without decoding the pixels.

    Raises
    ------
    BadInput
        The file is missing, not a regular file, empty, not a PNG or JPEG, truncated, or larger
        than the frame cap (:mod:`mbench.imagecheck`).
    """
    path = Path(path)
    fd = open_regular(path)
    try:  # raw descriptor calls: a tree holds thousands of frames, and file objects cost 3x more
        size = os.fstat(fd).st_size
        check_file_size(path, size)
        head = os.pread(fd, 64, 0)
        if head.startswith(_JPEG_SOI):
            head = os.pread(fd, 65536, 0)  # the frame header may follow EXIF data
        tail = os.pread(fd, 16, max(0, size - 16)) if size > len(head) else head[-16:]
    except OSError as e:
        raise BadInput(f"cannot read file ({e.strerror})", path) from None
    finally:
        os.close(fd)
    info = check_head(path, head, tail)
    if info is None:  # a PNG not ending in a plain IEND: walk its chunks to find one
        info = check_bytes(path, _read_file(path))[0]
    return info


# How a protocol's original reads a file (cv2.imread flags), by name.
#   "full":      grayscale at the file's own depth (uint8 or uint16); colour files converted with
#                OpenCV's BGR->gray weights. mbench's own default: no precision lost.
#   "gray8":     exactly cv2.imread(path, cv2.IMREAD_GRAYSCALE), as RobustVideoMatting, MatAnyone,
#                FTP-VM and most Python evaluators read alpha: a 16-bit file keeps its high byte,
#                an RGBA file is converted from its colour channels (its alpha channel is ignored).
#   "unchanged": exactly cv2.imread(path, cv2.IMREAD_UNCHANGED): every channel at its own depth,
#                BGR(A) order; the protocol picks the channel (TCVOM takes the last one).
#   "alpha":     "full", except that a file with an alpha channel (gray+alpha, RGBA) gives that
#                channel: the matte as saved, whatever the colour (--full-precision).
READINGS = {
    "full": cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH,
    "gray8": cv2.IMREAD_GRAYSCALE,
    "unchanged": cv2.IMREAD_UNCHANGED,
    "alpha": cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH,
}


def _fast_png(data: bytes, scan: png.Scan | None, colours: tuple[int, ...],
              oriented: bool) -> np.ndarray | None:
    """:func:`mbench.png.decode` for the colour types given, where that is OpenCV's answer.

    ``oriented``: the OpenCV flags apply an ``eXIf`` orientation (all but IMREAD_UNCHANGED), so
    such files go to OpenCV.
    """
    if scan is None or scan.colour not in colours or (oriented and b"eXIf" in scan.kinds):
        return None
    return png.decode(data, scan)


def reading_loss(info: ImageInfo, reading: str) -> str | None:
    """What ``reading`` drops from a file with header ``info`` (None: nothing).

    Only ``"gray8"`` drops anything: the alpha channel of a gray+alpha or RGBA file (OpenCV
    converts the colour channels instead), or the low byte of a 16-bit file.
    """
    if reading != "gray8":
        return None
    if info.format == "png" and info.channels in (2, 4):  # a 4-channel JPEG is CMYK, not RGBA
        return "RGBA alpha ignored"
    if info.bit_depth > 8:
        return "16-bit precision dropped"
    return None


def read_alpha_with_info(path: str | os.PathLike, reading: str = "full", *,
                         data: bytes | None = None) -> tuple[np.ndarray, ImageInfo]:
    """:func:`read_alpha`, and the file's header (what :func:`probe_image` would give, without a
    second open: callers that warn about 16-bit or colour files keep it).

    ``data``: the file's bytes, already read (:func:`read_image_bytes`), for a caller that decodes
    them a second way too; ``path`` then only names the file in messages.
    """
    if reading not in READINGS:
        raise ValueError(f"unknown reading {reading!r} (choose from {', '.join(READINGS)})")
    path = Path(path)
    data = _read_file(path) if data is None else data
    info, scan = check_bytes(path, data)
    if reading == "alpha" and info.format == "png" and info.channels in (2, 4):
        return np.ascontiguousarray(decoders.opencv(path, data, cv2.IMREAD_UNCHANGED)[..., -1]), info
    img = _fast_png(data, scan, (0,), reading != "unchanged")
    if img is not None:
        if reading == "gray8" and img.dtype == np.uint16:
            return (img >> 8).astype(np.uint8), info  # OpenCV keeps the high byte (libpng's strip_16)
        return img, info
    if reading != "unchanged":
        img = decoders.jpeg(data, info, "GRAY")
        if img is not None:
            return img, info
    return decoders.opencv(path, data, READINGS[reading]), info


def read_alpha_noting_loss(path: str | os.PathLike, reading: str = "full") -> tuple[np.ndarray, str | None]:
    """:func:`read_alpha`, and what the reading dropped from this file (see :func:`reading_loss`)."""
    img, info = read_alpha_with_info(path, reading)
    return img, reading_loss(info, reading)


def read_alpha(path: str | os.PathLike, *, reading: str = "full") -> np.ndarray:
    """Read an alpha matte the way ``reading`` says (see :data:`READINGS`).

    Grayscale PNGs go through :mod:`mbench.png` and clean JPEGs through simplejpeg where that gives
    exactly OpenCV's pixels for the reading; other files are decoded by OpenCV with the reading's
    flags.
    ``"full"``, ``"gray8"`` and ``"alpha"`` give a 2-D array; ``"unchanged"`` may give (H, W, C).
    """
    return read_alpha_noting_loss(path, reading)[0]


def read_color(path: str | os.PathLike) -> np.ndarray:
    """Read a colour image as an ``(H, W, 3)`` RGB array (``uint8`` or ``uint16``).

    Exactly ``cv2.imread(path, IMREAD_COLOR | IMREAD_ANYDEPTH)`` converted to RGB: RGB and RGBA
    PNGs are decoded by :mod:`mbench.png` (an alpha channel is dropped, as OpenCV drops it), clean
    JPEGs by simplejpeg, everything else by OpenCV.
    """
    path = Path(path)
    data = _read_file(path)
    info, scan = check_bytes(path, data)
    img = _fast_png(data, scan, (2, 6), True)
    if img is not None:
        return img if img.shape[2] == 3 else np.ascontiguousarray(img[..., :3])
    img = decoders.jpeg(data, info, "RGB")
    if img is not None:
        return img
    img = decoders.opencv(path, data, cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def read_rgba(path: str | os.PathLike) -> np.ndarray:
    """Read an image keeping an alpha channel if it has one: ``(H, W, 4)`` RGBA or ``(H, W, 3)``.

    Exactly ``cv2.imread(path, IMREAD_UNCHANGED)`` in RGB(A) order (grey files made RGB).
    """
    path = Path(path)
    data = _read_file(path)
    scan = check_bytes(path, data)[1]
    img = _fast_png(data, scan, (2, 6), False)
    if img is not None:
        return img
    img = decoders.opencv(path, data, cv2.IMREAD_UNCHANGED)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)
    else:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return img


def to_unit_float(a: np.ndarray) -> np.ndarray:
    """Scale an integer image to ``float32`` in [0, 1] (x / 255 or x / 65535)."""
    if a.dtype == np.uint8:
        return a.astype(np.float32) / np.float32(255)
    if a.dtype == np.uint16:
        return a.astype(np.float32) / np.float32(65535)
    return a.astype(np.float32, copy=False)


def encode_image(array: np.ndarray, suffix: str, *, jpeg_quality: int = 95,
                 png_compression: int = 1) -> bytes:
    """Encode an RGB, RGBA or grayscale array as PNG or JPEG bytes (deterministic)."""
    suffix = suffix.lower()
    img = array
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA)
    if suffix == ".png":
        params = [cv2.IMWRITE_PNG_COMPRESSION, int(png_compression)]
    elif suffix in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
    else:
        raise ValueError(f"cannot encode {suffix!r}: use .png or .jpg")
    ok, buf = cv2.imencode(suffix, np.ascontiguousarray(img), params)
    if not ok:
        raise ValueError(f"OpenCV failed to encode a {img.shape} {img.dtype} array as {suffix}")
    return buf.tobytes()


def write_image(path: str | os.PathLike, array: np.ndarray, **options) -> None:
    """Write an image; the format follows the suffix (see :func:`encode_image`)."""
    path = Path(path)
    path.write_bytes(encode_image(array, path.suffix, **options))


class VideoFrames:
    """Frames of one video file, read sequentially with OpenCV and safe to share between threads.

    Random access re-opens the file and skips forward; reading in order costs one decode a frame.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        cap = self._capture()
        if not cap.isOpened():
            raise BadInput("video cannot be opened (corrupt or unsupported)", self.path)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        cap.release()
        if count <= 0:
            count = self._count_by_reading()
        if count <= 0:
            raise BadInput("video has no frames", self.path)
        self.count = count
        self._lock = threading.Lock()
        self._cap = None
        self._next = 0

    def _capture(self) -> cv2.VideoCapture:
        """A capture of the file as checked by :func:`mbench.regular.open_regular`: FFmpeg opens
        the checked descriptor's file, not the path again, which may name a FIFO by then."""
        fd = open_regular(self.path)
        try:
            return cv2.VideoCapture(decoders.descriptor_path(fd, self.path))
        finally:
            os.close(fd)  # the capture has its own descriptor by now

    def _count_by_reading(self) -> int:
        cap = self._capture()
        n = 0
        while cap.grab():
            n += 1
        cap.release()
        return n

    def __len__(self) -> int:
        return self.count

    def read(self, index: int) -> np.ndarray:
        """Frame ``index`` as an RGB ``uint8`` array."""
        if not 0 <= index < self.count:
            raise BadInput(f"frame {index} out of range (video has {self.count})", self.path)
        with self._lock:
            if self._cap is None or index < self._next:
                if self._cap is not None:
                    self._cap.release()
                self._cap = self._capture()
                self._next = 0
            while self._next < index:
                if not self._cap.grab():
                    break
                self._next += 1
            ok, frame = self._cap.read()
            self._next += 1
        if not ok or frame is None:
            raise BadInput(f"frame {index} cannot be decoded (video truncated?)", self.path)
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        with self._lock:
            if self._cap is not None:
                self._cap.release()
                self._cap = None

    def __del__(self):  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass
