"""VideoMatte240K foregrounds (``--fgr videomatte:PATH``).

Layouts read (docs/reference.md 3.1):

- ``ROOT/{train,test}/{fgr,pha}/<clip>/<frame>.jpg|png`` (the JPEG_SD/HD releases);
- ``ROOT/{fgr,pha}/<clip>/...`` without split folders;
- either of the above with one video per clip instead of a folder: ``fgr/0000.mp4``, ``pha/0000.mp4``.

Splits: ``train`` is ``ROOT/train`` without RobustVideoMatting's validation clips (0000, 0100,
0200, 0300), ``valid`` is those of them present in ``ROOT/train``, ``test`` is ``ROOT/test``.
Without split folders every split reads all clips. A clip's fgr and pha must list the same
frames (same names for frame folders, same count for videos); the sizes of a frame's alpha and
foreground must agree, and every frame must have its clip's size (both checked on read).
Frame folders report ``fps`` (default 30); videos their own rate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mbench.errors import BadInput
from mbench.frames import VIDEO_SUFFIXES
from mbench.layout import Layer, frame_sort_key, safe_join

from ._folder_source import FolderSource
from ._folders import check_split, size_text, to_uint8
from .base import ForegroundClip
from .videos import open_track, read_checked

VALID_CLIPS = ("0000", "0100", "0200", "0300")   # RVM's validation clips, taken from train


def _clip_entries(folder: Path) -> dict[str, Path]:
    """Clip name -> clip folder or video file, for the entries of ``folder`` (fgr/ or pha/)."""
    out: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir():
            name = p.name
        elif p.suffix.lower() in VIDEO_SUFFIXES:
            name = p.stem
        else:
            continue
        if name in out:
            raise BadInput(f"clip {name} is given twice ({out[name].name} and {p.name})", folder)
        out[name] = p
    return out


def _clip_entry(folder: Path, name: str) -> Path:
    """The folder or video file of clip ``name`` in ``folder``."""
    if (folder / name).is_dir():
        return folder / name
    for suffix in VIDEO_SUFFIXES:
        for p in (folder / f"{name}{suffix}", folder / f"{name}{suffix.upper()}"):
            if p.is_file():
                return p
    raise BadInput(f"clip {name} has no {folder.name} (no folder or video named {name})", folder)


class VideoMatteForeground(FolderSource):
    """Foreground clips in the VideoMatte240K layout.

    Parameters
    ----------
    spec : str
        ``"videomatte:PATH"``.
    path : str
        The dataset root.
    fps : float
        Frame rate of frame-folder clips (default 30).
    cache : int
        Clips kept open (default 8); only a matter of speed.
    """

    kind = "videomatte"
    role = "foreground"
    cached_clips = True

    def __init__(self, spec: str, path: str, *, fps: float = 30.0, cache: int = 8):
        super().__init__(spec, path, fps=fps, cache=cache)
        self.split_folders = (self.root / "train").is_dir() or (self.root / "test").is_dir()
        if not self.split_folders and not ((self.root / "fgr").is_dir() or (self.root / "pha").is_dir()):
            raise BadInput("not a VideoMatte240K layout: expected fgr/ and pha/ folders, or train/ and "
                           "test/ folders holding them", self.root)

    def _names(self, part: str) -> list[str]:
        """The clip names of ``part`` ("train", "test" or "" for no split folder), fgr and pha checked."""
        base = self.root / part if part else self.root
        if not base.is_dir():
            raise BadInput(f"no '{part}' folder in this VideoMatte240K root", base)
        sides = {}
        for layer in ("fgr", "pha"):
            if not (base / layer).is_dir():
                raise BadInput(f"missing {layer}/ folder (VideoMatte240K clips need fgr/ and pha/)", base / layer)
            sides[layer] = _clip_entries(base / layer)
        fgr, pha = sides["fgr"], sides["pha"]
        for name in sorted(fgr, key=frame_sort_key):
            if name not in pha:
                raise BadInput(f"clip has no alpha (nothing named {name} in {base / 'pha'})", fgr[name])
        for name in sorted(pha, key=frame_sort_key):
            if name not in fgr:
                raise BadInput(f"clip has no foreground (nothing named {name} in {base / 'fgr'})", pha[name])
        return sorted(fgr, key=frame_sort_key)

    def _ids(self, split: str) -> list[str]:
        check_split(split)
        if not self.split_folders:
            return self._names("")
        if split == "test":
            return [f"test/{n}" for n in self._names("test")]
        names = self._names("train")
        if split == "valid":
            return [f"train/{n}" for n in names if n in VALID_CLIPS]
        return [f"train/{n}" for n in names if n not in VALID_CLIPS]

    def clips(self, split: str) -> list[ForegroundClip]:
        """The clips of ``split``; ids are ``train/0003``, ``test/0001`` (or ``0003`` without splits)."""
        return self._listing.get(split, lambda: self._list(split))

    def _list(self, split: str) -> list[ForegroundClip]:
        ids = self._ids(split)
        if not ids:
            where = self.root / "train" if self.split_folders and split != "test" else self.root
            # the clips the other split takes from train/ are opened first, so a broken one is named
            others = self._ids("valid" if split == "train" else "train") if split != "test" else []
            for cid in others:
                self._clip(cid)
            detail = (f" (RVM's validation clips {', '.join(VALID_CLIPS)} are not in train/)" if split == "valid"
                      else f" (train/ holds only RVM's validation clips: {', '.join(others)})" if others else "")
            raise BadInput(f"no clips for split '{split}'{detail}", where)
        clips = []
        for cid in ids:
            fgr, pha, h, w, fps = self._clip(cid)
            clips.append(ForegroundClip(self.spec, cid, len(pha), fps or self.fps, h, w))
        return clips

    def _clip(self, cid: str) -> tuple[Layer, Layer, int, int, float | None]:
        return self._open.get(cid, lambda: self._open_clip(cid))

    def _open_clip(self, cid: str) -> tuple[Layer, Layer, int, int, float | None]:
        part, _, name = cid.rpartition("/")
        base = safe_join(self.root, part) if part else self.root
        entries = {layer: _clip_entry(base / layer, name) for layer in ("fgr", "pha")}
        fgr, fh, fw, fps = open_track(entries["fgr"], "fgr")
        pha, ph, pw, _ = open_track(entries["pha"], "pha")
        if len(fgr) != len(pha):
            raise BadInput(f"fgr has {len(fgr)} frames but pha has {len(pha)}", entries["pha"])
        if not fgr.is_video and not pha.is_video and fgr.stems != pha.stems:
            missing = sorted(set(fgr.stems) - set(pha.stems), key=frame_sort_key)
            extra = sorted(set(pha.stems) - set(fgr.stems), key=frame_sort_key)
            detail = f"frame {missing[0]} has no alpha" if missing else f"alpha frame {extra[0]} has no foreground"
            raise BadInput(f"fgr and pha frames differ: {detail}", entries["pha"])
        if (fh, fw) != (ph, pw):
            raise BadInput(f"alpha is {pw}x{ph} but its foreground is {fw}x{fh}", pha.frame_path(0))
        return fgr, pha, fh, fw, fps

    def frame(self, clip: ForegroundClip, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame ``index`` of ``clip`` as (RGB uint8, alpha uint8)."""
        if not 0 <= index < clip.num_frames:
            raise IndexError(f"frame {index} out of range for {clip.id} ({clip.num_frames} frames)")
        fgr_layer, pha_layer, h, w, _ = self._clip(clip.id)
        fgr = read_checked(fgr_layer, index, (h, w))
        alpha = to_uint8(pha_layer.read_alpha(index))
        if alpha.shape != fgr.shape[:2]:
            frame = f"frame {index}: " if pha_layer.is_video else ""
            raise BadInput(f"{frame}alpha is {size_text(alpha.shape)} but its foreground is {size_text(fgr.shape)}",
                           pha_layer.frame_path(index))
        return fgr, alpha
