"""The pixels of the effects drawn by :mod:`mbench.synth.effects` (float32 layers in [0, 1], and
``uint8`` composites for the codecs)."""

from __future__ import annotations

import io
import math

import cv2
import numpy as np

from .geometry import affine_matrix, warp

_CODEC_NAMES = {"h264": "libx264", "h265": "libx265"}


def disc_kernel(radius: float) -> np.ndarray:
    """A pillbox of ``radius`` pixels, its rim antialiased (weight = covered fraction, linearly
    over the last pixel), normalised to sum 1."""
    r = max(float(radius), 0.0)
    n = int(math.ceil(r))
    yy, xx = np.mgrid[-n:n + 1, -n:n + 1]
    k = np.clip(r + 0.5 - np.hypot(xx, yy), 0.0, 1.0).astype(np.float32)
    return k / k.sum()


def defocus(img: np.ndarray, radius: float) -> np.ndarray:
    """Disc blur of a layer (border reflected)."""
    if radius < 0.5:
        return img
    return cv2.filter2D(img, -1, disc_kernel(radius), borderType=cv2.BORDER_REFLECT_101)


def unpremultiply(premultiplied: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Colour from premultiplied colour and alpha (0 where alpha is 0), within [0, 1]."""
    a = alpha[..., None]
    out = np.divide(premultiplied, a, out=np.zeros_like(premultiplied), where=a > 1e-6)
    return np.clip(out, 0, 1, out=out)


def defocus_subject(fgr: np.ndarray, pha: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Disc blur of the subject with its alpha: colour blurred premultiplied, so that the
    transparent surround does not bleed into it."""
    if radius < 0.5:
        return fgr, pha
    pm = cv2.filter2D(fgr * pha[..., None], -1, disc_kernel(radius), borderType=cv2.BORDER_CONSTANT)
    a = defocus_alpha(pha, radius)
    return unpremultiply(pm, a), a


def defocus_alpha(pha: np.ndarray, radius: float) -> np.ndarray:
    """The alpha part of :func:`defocus_subject` (zero outside the frame)."""
    if radius < 0.5:
        return pha
    a = cv2.filter2D(pha, -1, disc_kernel(radius), borderType=cv2.BORDER_CONSTANT)
    return np.clip(a, 0, 1, out=a)


def integrate(samples: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Average subject positions over an exposure: alpha averaged, colour averaged premultiplied."""
    pm = np.zeros_like(samples[0][0])
    a = np.zeros_like(samples[0][1])
    for fgr, pha in samples:
        pm += fgr * pha[..., None]
        a += pha
    n = np.float32(len(samples))
    return unpremultiply(pm / n, a / n), a / n


def shake_matrix(angle: float, tx: float, ty: float, size: tuple[int, int]) -> np.ndarray:
    """The camera's small rotation about the frame centre and translation (fractions of the size)."""
    return affine_matrix(angle, (tx * size[0], ty * size[1]), 1.0, (0.0, 0.0), size)


def shake_layers(layers: dict[str, np.ndarray], matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer moved by the same camera matrix: the background reflected at the border (the
    scene goes on), the subject and its alpha zero outside."""
    out = {}
    for name, img in layers.items():
        h, w = img.shape[:2]
        out[name] = warp(img, matrix, (w, h), "reflect" if name == "bgr" else "constant")
    return out


def jpeg(com: np.ndarray, quality: int) -> np.ndarray:
    """``com`` through JPEG at ``quality`` (OpenCV/libjpeg, 4:2:0) and back."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(com, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _to_i420(rgb: np.ndarray) -> np.ndarray:
    """RGB -> planar 4:2:0 (BT.601 full range, chroma area-averaged), as ``(H * 3 / 2, W)``."""
    h, w = rgb.shape[:2]
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    small = cv2.resize(ycc[..., 1:], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    planes = [ycc[..., 0].ravel(), small[..., 1].ravel(), small[..., 0].ravel()]  # Y, Cb (U), Cr (V)
    return np.concatenate(planes).reshape(h * 3 // 2, w)


def _from_i420(yuv: np.ndarray, h: int, w: int) -> np.ndarray:
    """The inverse of :func:`_to_i420` (chroma enlarged bilinearly)."""
    flat = yuv.ravel()
    n, m = h * w, (h // 2) * (w // 2)
    u = flat[n:n + m].reshape(h // 2, w // 2)
    v = flat[n + m:n + 2 * m].reshape(h // 2, w // 2)
    chroma = cv2.resize(np.dstack([v, u]), (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(np.dstack([flat[:n].reshape(h, w), chroma]), cv2.COLOR_YCrCb2RGB)


def transcode(frames: list[np.ndarray], codec: str, crf: int, fps: float = 30.0) -> list[np.ndarray]:
    """A sequence of ``uint8`` RGB frames through H.264 / H.265 and decoded back: 4:2:0 by
    :func:`_to_i420` (OpenCV: the conversion is this module's, whatever FFmpeg build PyAV bundles),
    single-threaded so the bytes depend neither on the core count nor on timing. Odd sizes are
    padded by edge replication for the chroma subsampling and cropped back."""
    import av

    h, w = frames[0].shape[:2]
    ph, pw = h + h % 2, w + w % 2
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as container:
        stream = container.add_stream(_CODEC_NAMES[codec], rate=int(round(fps)))
        stream.width, stream.height, stream.pix_fmt = pw, ph, "yuv420p"
        stream.codec_context.thread_count = 1
        # libx264 without its assembly: with it, the same frames of this pipeline's composites gave
        # two or three different bitstreams over 15 encodes in one process (single-threaded, also
        # with aq-mode=0); with asm=0 one. libx265 gave one with its assembly.
        options = {"crf": str(int(crf)), "preset": "veryfast", "threads": "1"}
        if codec == "h264":
            options["x264-params"] = "asm=0:threads=1:lookahead-threads=1:sliced-threads=0"
        else:
            options["x265-params"] = "log-level=error:pools=none:frame-threads=1:lookahead-threads=0"
        stream.options = options
        for img in frames:
            padded = np.pad(img, ((0, ph - h), (0, pw - w), (0, 0)), mode="edge")
            yuv = _to_i420(padded)
            for packet in stream.encode(av.VideoFrame.from_ndarray(yuv, format="yuv420p")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    buf.seek(0)
    with av.open(buf, "r") as container:
        video = container.streams.video[0]
        video.thread_type, video.thread_count = "NONE", 1  # one decoding thread
        decoded = [_from_i420(f.to_ndarray(format="yuv420p"), ph, pw)[:h, :w] for f in container.decode(video)]
    if len(decoded) != len(frames):  # pragma: no cover - an encoder that drops frames
        raise RuntimeError(f"{codec} returned {len(decoded)} frames for {len(frames)}")
    return [np.ascontiguousarray(d) for d in decoded]
