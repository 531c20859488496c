"""Background videos from a folder (``--bgr videos:PATH``): video files or folders of frames.

Each entry directly under the folder is one background clip: a video file (``.mp4`` and the
other suffixes of ``mbench.frames.VIDEO_SUFFIXES``) or a folder of frames ``<clip>/<frame>.jpg``
(DVM's background clips), frames in numeric order of their names. Splits follow the rule of the
image sources: ``PATH/{train,valid,test}/`` when present, else the whole folder for every split.
Every frame of a clip must have the clip's size (checked on read).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mbench.errors import BadInput
from mbench.frames import VIDEO_SUFFIXES, VideoFrames, probe_image
from mbench.layout import Layer, frame_folder_layer, safe_join

from ._folder_source import FolderSource
from ._folders import size_text, split_folder, to_uint8
from .base import BackgroundItem


def open_track(path: Path, name: str) -> tuple[Layer, int, int, float | None]:
    """A clip layer from a video file or a folder of frames: (layer, height, width, fps or None).

    Raises
    ------
    BadInput
        The video cannot be opened or has no frames, or the folder holds no frames.
    """
    if path.is_dir():
        layer = frame_folder_layer(path, name)
        if not len(layer):
            raise BadInput("folder holds no frames (PNG or JPEG)", path)
        info = probe_image(layer.files[0])
        return layer, info.height, info.width, None
    video = VideoFrames(path)
    layer = Layer(name, path, tuple(f"{i:04d}" for i in range(len(video))), None, video)
    return layer, video.height, video.width, (video.fps or None)


def read_checked(layer: Layer, index: int, shape: tuple[int, int], alpha: bool = False) -> np.ndarray:
    """Frame ``index`` of ``layer`` as uint8, checked to be ``shape`` (height, width)."""
    img = layer.read_alpha(index) if alpha else layer.read_color(index)
    img = to_uint8(img)
    if img.shape[:2] != shape:
        where = layer.frame_path(index)
        frame = f"frame {index} " if layer.is_video else ""
        raise BadInput(f"{frame}is {size_text(img.shape)} but the clip's first frame is "
                       f"{shape[1]}x{shape[0]}", where)
    return img


class VideoBackgrounds(FolderSource):
    """Background clips: video files or frame folders directly under a folder.

    Parameters
    ----------
    spec : str
        ``"videos:PATH"``.
    path : str
        The folder.
    fps : float
        Frame rate of frame folders, and of videos that do not state one (default 30).
    cache : int
        Clips kept open (default 8); only a matter of speed.
    """

    kind = "videos"
    role = "background"
    cached_clips = True

    def items(self, split: str) -> list[BackgroundItem]:
        """One item per video file or frame folder of ``split``."""
        return self._listing.get(split, lambda: self._list(split))

    def _list(self, split: str) -> list[BackgroundItem]:
        folder = split_folder(self.root, split)
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith(".")
                         and (p.is_dir() or p.suffix.lower() in VIDEO_SUFFIXES))
        items = []
        for p in entries:
            if p.is_dir() and not any(c.suffix.lower() in (".png", ".jpg", ".jpeg") for c in p.iterdir()):
                continue  # not a clip (no frames directly inside)
            rel = p.relative_to(self.root).as_posix()
            layer, h, w, fps = self._track(rel)
            items.append(BackgroundItem(self.spec, rel, len(layer), fps or self.fps, h, w))
        if not items:
            raise BadInput("no background videos found (video files or folders of frames)", folder)
        return items

    def _track(self, rel: str) -> tuple[Layer, int, int, float | None]:
        return self._open.get(rel, lambda: open_track(safe_join(self.root, rel), "bgr"))

    def frame(self, item: BackgroundItem, index: int) -> np.ndarray:
        """Frame ``index`` of ``item`` as ``(H, W, 3)`` RGB uint8."""
        if not 0 <= index < item.num_frames:
            raise IndexError(f"frame {index} out of range for {item.id} ({item.num_frames} frames)")
        layer, h, w, _ = self._track(item.id)
        return read_checked(layer, index, (h, w))
