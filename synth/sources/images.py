"""Sources reading folders of images: foreground mattes and background stills (``images:PATH``).

Foregrounds (``--fgr images:PATH``), two layouts, each image a one-frame clip (the pipeline
animates it with motion augmentation):

- a folder of RGBA PNGs (PhotoMatte85): the alpha channel is the matte;
- ``fg/`` and ``alpha/`` folders of images with matching names (AIM, Distinctions-646); the
  extensions may differ (``fg/x.jpg`` with ``alpha/x.png``).

Backgrounds (``--bgr images:PATH``): every PNG/JPEG under the folder.

Splits: when ``PATH`` holds ``train/``, ``valid/`` or ``test/`` folders (BGMv2's
``Backgrounds/{train,valid,test}``), a split reads its own folder (and a missing one is an
error); otherwise every split reads the whole folder (``mbench synth`` warns when two splits then
share images), unless the option ``split = [train, valid, test]`` (shares, e.g. ``[0.8, 0.1,
0.1]``) assigns each file to one split by a hash of its path. Ids are paths relative to ``PATH``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mbench.errors import BadInput
from mbench.frames import read_alpha, read_color, read_rgba
from mbench.layout import safe_join

from ._folder_source import FolderSource
from ._folders import (has_split_folders, list_images, probe_all, size_text, split_folder, split_of, split_shares,
                       to_uint8)
from .base import BackgroundItem, ForegroundClip


def _empty(folder: Path, what: str) -> BadInput:
    return BadInput(f"no {what} found (PNG or JPEG files)", folder)


def _shares(source: FolderSource, value) -> dict[str, float] | None:
    shares = split_shares(value)
    if shares is not None:
        source.options["split"] = [shares[s] for s in ("train", "valid", "test")]
    return shares


def _keep(source, files: list[Path], split: str) -> list[Path]:
    """The files of ``split`` under the source's ``split`` option (all without it, or when the
    folder has split folders of its own)."""
    if source.shares is None or has_split_folders(source.root):
        return files
    return [p for p in files if split_of(p.relative_to(source.root).as_posix(), source.shares) == split]


class ImageForeground(FolderSource):
    """Foreground mattes from a folder of RGBA PNGs, or ``fg/`` + ``alpha/`` folders.

    Parameters
    ----------
    spec : str
        ``"images:PATH"``.
    path : str
        The folder.
    fps : float
        The frame rate the one-frame clips report (default 30).
    split : list of 3 floats, optional
        Shares of train, valid, test for a folder without split folders (see the module docstring).
    """

    kind = "images"
    role = "foreground"

    def __init__(self, spec: str, path: str, *, fps: float = 30.0, split=None):
        super().__init__(spec, path, fps=fps)
        self.shares = _shares(self, split)

    @staticmethod
    def _pairs_folder(folder: Path) -> bool:
        return (folder / "fg").is_dir() or (folder / "alpha").is_dir()

    def clips(self, split: str) -> list[ForegroundClip]:
        """One single-frame clip per image of ``split``, ids relative to the source folder."""
        return self._listing.get(split, lambda: self._list(split))

    def _list(self, split: str) -> list[ForegroundClip]:
        folder = split_folder(self.root, split)
        if self._pairs_folder(folder):
            fg_files = self._pairs(folder)
        else:
            fg_files = list_images(folder)
            if not fg_files:
                raise _empty(folder, "foreground images")
        fg_files = _keep(self, fg_files, split)
        if not fg_files:
            raise BadInput(f"no foreground images fall in split '{split}' (option split)", folder)
        infos = probe_all(fg_files)
        clips = []
        for path, info in zip(fg_files, infos):
            if not self._pairs_folder(folder) and (info.format != "png" or info.channels not in (2, 4)):
                raise BadInput("image has no alpha channel (expected RGBA PNGs, or fg/ and alpha/ folders)", path)
            rel = path.relative_to(self.root).as_posix()
            clips.append(ForegroundClip(self.spec, rel, 1, self.fps, info.height, info.width))
        return clips

    def _pairs(self, folder: Path) -> list[Path]:
        fg_dir, alpha_dir = folder / "fg", folder / "alpha"
        for d in (fg_dir, alpha_dir):
            if not d.is_dir():
                raise BadInput("missing folder (the fg/ + alpha/ layout needs both)", d)
        fg = {p.relative_to(fg_dir).with_suffix("").as_posix(): p for p in list_images(fg_dir)}
        alpha = {p.relative_to(alpha_dir).with_suffix("").as_posix(): p for p in list_images(alpha_dir)}
        if not fg:
            raise _empty(fg_dir, "foreground images")
        for name, p in fg.items():
            if name not in alpha:
                raise BadInput(f"foreground has no alpha (no {name}.* in {alpha_dir})", p)
        for name, p in alpha.items():
            if name not in fg:
                raise BadInput(f"alpha has no foreground (no {name}.* in {fg_dir})", p)
        return list(fg.values())

    def _alpha_path(self, folder: Path, fg_path: Path) -> Path:
        """The alpha file paired with ``fg_path`` (same name under ``alpha/``, any image suffix)."""
        stem = fg_path.relative_to(folder / "fg").with_suffix("")
        for suffix in (".png", ".jpg", ".jpeg", ".PNG", ".JPG", ".JPEG"):
            candidate = folder / "alpha" / f"{stem.as_posix()}{suffix}"
            if candidate.is_file():
                return candidate
        raise BadInput(f"foreground has no alpha (no {stem.as_posix()}.* in {folder / 'alpha'})", fg_path)

    def _split_folder_of(self, clip_id: str) -> Path:
        first = clip_id.split("/", 1)[0]
        return self.root / first if has_split_folders(self.root) else self.root

    def frame(self, clip: ForegroundClip, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The image of ``clip`` (``index`` must be 0) as (RGB uint8, alpha uint8)."""
        if index != 0:
            raise IndexError(f"frame {index} out of range for {clip.id} (1 frame)")
        path = safe_join(self.root, clip.id)
        folder = self._split_folder_of(clip.id)
        if self._pairs_folder(folder):
            fgr = to_uint8(read_color(path))
            alpha_path = self._alpha_path(folder, path)
            alpha = to_uint8(read_alpha(alpha_path))
            if alpha.shape != fgr.shape[:2]:
                raise BadInput(f"alpha is {size_text(alpha.shape)} but its foreground {path.name} is "
                               f"{size_text(fgr.shape)}", alpha_path)
        else:
            rgba = to_uint8(read_rgba(path))
            if rgba.ndim != 3 or rgba.shape[2] != 4:
                raise BadInput("image has no alpha channel", path)
            fgr, alpha = np.ascontiguousarray(rgba[..., :3]), np.ascontiguousarray(rgba[..., 3])
        if fgr.shape[:2] != (clip.height, clip.width):
            raise BadInput(f"image is {size_text(fgr.shape)}, not {clip.width}x{clip.height} as listed", path)
        return fgr, alpha


class ImageBackgrounds(FolderSource):
    """Background stills: every image of a folder (per split when it has split folders).

    Parameters
    ----------
    spec : str
        ``"images:PATH"``.
    path : str
        The folder.
    fps : float
        The frame rate the stills report (default 30).
    split : list of 3 floats, optional
        Shares of train, valid, test for a folder without split folders (see the module docstring).
    """

    kind = "images"
    role = "background"

    def __init__(self, spec: str, path: str, *, fps: float = 30.0, split=None):
        super().__init__(spec, path, fps=fps)
        self.shares = _shares(self, split)

    def items(self, split: str) -> list[BackgroundItem]:
        return self._listing.get(split, lambda: self._list(split))

    def _list(self, split: str) -> list[BackgroundItem]:
        folder = split_folder(self.root, split)
        files = list_images(folder)
        if not files:
            raise _empty(folder, "background images")
        files = _keep(self, files, split)
        if not files:
            raise BadInput(f"no background images fall in split '{split}' (option split)", folder)
        return [BackgroundItem(self.spec, p.relative_to(self.root).as_posix(), 1, self.fps, info.height, info.width)
                for p, info in zip(files, probe_all(files))]

    def frame(self, item: BackgroundItem, index: int) -> np.ndarray:
        if index != 0:
            raise IndexError(f"frame {index} out of range for {item.id} (1 frame)")
        path = safe_join(self.root, item.id)
        img = to_uint8(read_color(path))
        if img.shape[:2] != (item.height, item.width):
            raise BadInput(f"image is {size_text(img.shape)}, not {item.width}x{item.height} as listed", path)
        return img
