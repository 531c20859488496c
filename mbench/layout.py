"""The on-disk clip layout (docs/design.md section 2.1): discovery, pairing and safe paths.

A clip is a folder holding one sub-folder per layer (``pha/`` required; ``fgr/``, ``com/``,
``bgr/`` optional) of frames named by zero-padded index, or a single video file per layer
(``pha.mp4``). A clip's id is its path relative to the dataset root with ``/`` separators.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .errors import BadInput
from .frames import IMAGE_SUFFIXES, VIDEO_SUFFIXES, VideoFrames, read_alpha, read_color
from .paths import safe_join  # clip ids are joined to roots with it (also imported from here)

LAYER_NAMES = ("pha", "fgr", "com", "bgr")


def frame_sort_key(stem: str):
    """Numeric order for numeric names (``2`` before ``10``), text order otherwise."""
    return (0, int(stem), stem) if stem.isdigit() else (1, 0, stem)


@dataclass
class Layer:
    """One layer of a clip: a folder of frame images or one video file."""

    name: str
    path: Path
    stems: tuple[str, ...]
    files: tuple[Path, ...] | None = None  # None for a video layer
    _video: VideoFrames | None = field(default=None, repr=False, compare=False)

    @property
    def is_video(self) -> bool:
        return self.files is None

    def __len__(self) -> int:
        return len(self.stems)

    def frame_path(self, index: int) -> Path:
        """The file of frame ``index`` (for a video layer, the video file)."""
        return self.path if self.files is None else self.files[index]

    def _video_frames(self) -> VideoFrames:
        if self._video is None:
            self._video = VideoFrames(self.path)
        return self._video

    def read_alpha(self, index: int) -> np.ndarray:
        """Frame ``index`` as a 2-D ``uint8``/``uint16`` matte."""
        if self.files is None:
            # exact for gray videos: the BT.601 fixed-point weights sum to one
            return cv2.cvtColor(self._video_frames().read(index), cv2.COLOR_RGB2GRAY)
        return read_alpha(self.files[index])

    def read_color(self, index: int) -> np.ndarray:
        """Frame ``index`` as an ``(H, W, 3)`` RGB array."""
        if self.files is None:
            return self._video_frames().read(index)
        return read_color(self.files[index])


@dataclass
class Clip:
    """A clip: its id, folder and layers."""

    id: str
    path: Path
    layers: dict[str, Layer]

    @property
    def stems(self) -> tuple[str, ...]:
        return self.layers["pha"].stems

    def __len__(self) -> int:
        return len(self.layers["pha"])


def _video_layer(folder: Path, name: str) -> Path | None:
    for suffix in VIDEO_SUFFIXES:
        candidate = folder / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def read_layer(folder: Path, name: str) -> Layer | None:
    """The layer ``name`` of the clip folder ``folder`` (frame folder or video), or ``None``."""
    sub = folder / name
    if sub.is_dir():
        return frame_folder_layer(sub, name)
    video = _video_layer(folder, name)
    if video is not None:
        n = len(VideoFrames(video))
        return Layer(name, video, tuple(f"{i:04d}" for i in range(n)))
    return None


def frame_folder_layer(folder: Path, name: str | None = None) -> Layer:
    """A layer made of the image files of ``folder`` (hidden files ignored)."""
    by_stem: dict[str, str] = {}  # names as strings: a folder holds thousands of frames
    with os.scandir(folder) as it:
        for entry in it:
            if entry.name.startswith("."):
                continue
            stem, suffix = os.path.splitext(entry.name)
            if suffix.lower() not in IMAGE_SUFFIXES:
                continue
            if not stem.isprintable():  # frame names go into CSV files, one line per frame
                raise BadInput("frame file name holds a control character", entry.path)
            if stem in by_stem:
                first = os.path.basename(by_stem[stem])
                raise BadInput(f"two files for frame {stem} ({first}, {entry.name})", folder)
            by_stem[stem] = entry.path
    stems = sorted(by_stem, key=frame_sort_key)
    return Layer(name or folder.name, folder, tuple(stems), tuple(Path(by_stem[s]) for s in stems))


def is_clip_folder(folder: Path) -> bool:
    return (folder / "pha").is_dir() or _video_layer(folder, "pha") is not None


def clip_id(root: Path, folder: Path) -> str:
    rel = folder.relative_to(root).as_posix()
    return "." if rel in ("", ".") else rel


def discover_clips(root: str | os.PathLike, *, layers: tuple[str, ...] = LAYER_NAMES,
                   what: str = "dataset") -> list[Clip]:
    """Every clip under ``root``, sorted by id.

    Raises
    ------
    BadInput
        ``root`` is missing or not a folder, holds no clip, or a clip's ``pha`` layer is empty.
    """
    root = Path(root)
    if not root.exists():
        raise BadInput(f"{what} root does not exist", root)
    if not root.is_dir():
        raise BadInput(f"{what} root is not a folder", root)
    clips: list[Clip] = []
    seen: set[str] = set()
    for dirpath, dirnames, _ in os.walk(root, followlinks=True):
        folder = Path(dirpath)
        real = os.path.realpath(folder)
        if real in seen:  # a symlink loop
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if is_clip_folder(folder):
            dirnames[:] = []
            found = {}
            for name in layers:
                layer = read_layer(folder, name)
                if layer is not None:
                    found[name] = layer
            if len(found["pha"]) == 0:
                raise BadInput("pha layer holds no frames", found["pha"].path)
            cid = clip_id(root, folder)
            if not cid.isprintable():  # clip ids go into CSV files, one line per frame
                raise BadInput("clip folder name holds a control character", folder)
            clips.append(Clip(cid, folder, found))
    if not clips:
        raise BadInput(f"no clips found (no folder holds a pha/ layer); is this a {what} root?", root)
    clips.sort(key=lambda c: c.id)
    return clips


def pair_clips(pred: list[Clip], gt: list[Clip], pred_root: Path, gt_root: Path) -> list[tuple[Clip, Clip]]:
    """Pair clips by id, insisting that both sides hold the same clips and frames.

    Raises
    ------
    BadInput
        Naming the first clip or frame found on one side only.
    """
    pred_by_id = {c.id: c for c in pred}
    gt_by_id = {c.id: c for c in gt}
    for cid in sorted(gt_by_id):
        if cid not in pred_by_id:
            raise BadInput("clip missing from the predictions (it is in the ground truth)",
                           Path(pred_root) / cid)
    for cid in sorted(pred_by_id):
        if cid not in gt_by_id:
            raise BadInput("clip has no ground truth (extra clip in the predictions)",
                           Path(pred_root) / cid)
    pairs = []
    for cid in sorted(gt_by_id):
        p, g = pred_by_id[cid], gt_by_id[cid]
        check_same_frames(p.layers["pha"], g.layers["pha"])
        pairs.append((p, g))
    return pairs


def check_same_frames(pred: Layer, gt: Layer) -> None:
    """Raise :class:`BadInput` naming the first frame present on one side only."""
    ps, gs = set(pred.stems), set(gt.stems)
    if ps == gs:
        return
    missing = sorted(gs - ps, key=frame_sort_key)
    if missing:
        where = pred.path if pred.is_video else pred.path / missing[0]
        raise BadInput(f"frame {missing[0]} missing ({len(missing)} of {len(gs)} frames missing; "
                       f"the ground truth has them)", where)
    extra = sorted(ps - gs, key=frame_sort_key)
    where = pred.path if pred.is_video else pred.files[pred.stems.index(extra[0])]
    raise BadInput(f"frame {extra[0]} has no ground truth ({len(extra)} extra frames)", where)


def trimap_layer(trimap_root: str | os.PathLike, cid: str) -> Layer:
    """The trimaps of clip ``cid``: ``ROOT/<clip>/NNNN.png`` or ``ROOT/<clip>/trimap/NNNN.png``."""
    folder = safe_join(trimap_root, cid, key="clip id")
    for candidate in (folder / "trimap", folder):
        if candidate.is_dir():
            layer = frame_folder_layer(candidate, "trimap")
            if len(layer):
                return layer
    raise BadInput("no trimaps for this clip (expected <clip>/NNNN.png or <clip>/trimap/NNNN.png)",
                   folder)
