"""Helpers shared by the sources that read users' folders: splits, listings, checks, conversions."""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

import numpy as np

from mbench.errors import BadInput
from mbench.frames import IMAGE_SUFFIXES, probe_image
from mbench.layout import frame_sort_key
from mbench.parallel import default_workers, ordered_map

SPLITS = ("train", "valid", "test")


def check_split(split: str) -> str:
    """``split`` itself, or :class:`BadInput` if it is not one of ``SPLITS``."""
    if split not in SPLITS:
        raise BadInput(f"unknown split (sources know {', '.join(SPLITS)})", split)
    return split


def source_root(path: str | os.PathLike, what: str) -> Path:
    """The folder a source reads, checked to exist and to be a folder."""
    root = Path(os.path.expanduser(os.fspath(path)))
    if not root.exists():
        raise BadInput(f"{what} source path does not exist", root)
    if not root.is_dir():
        raise BadInput(f"{what} source path is not a folder", root)
    return root


def has_split_folders(root: Path) -> bool:
    """Whether ``root`` is organised as ``train/``, ``valid/``, ``test/`` sub-folders."""
    return any((root / s).is_dir() for s in SPLITS)


def split_folder(root: Path, split: str) -> Path:
    """The folder holding ``split``: ``root/split`` when ``root`` has split folders, else ``root``."""
    check_split(split)
    if not has_split_folders(root):
        return root
    folder = root / split
    if not folder.is_dir():
        present = [s for s in SPLITS if (root / s).is_dir()]
        raise BadInput(f"no '{split}' folder (this source has split folders: {', '.join(present)})", folder)
    return folder


def split_shares(value, name: str = "split") -> dict[str, float] | None:
    """The ``split`` option of a folder source without split folders: shares of train, valid and
    test, as ``[0.8, 0.1, 0.1]`` or ``{train = 0.8, valid = 0.1, test = 0.1}`` (``None``: no split)."""
    if value is None:
        return None
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(SPLITS))
        if unknown:
            raise BadInput(f"unknown split {unknown[0]!r} (splits are {', '.join(SPLITS)})", name)
        value = [value.get(s, 0.0) for s in SPLITS]
    if not isinstance(value, (list, tuple)) or len(value) != len(SPLITS) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in value) or sum(value) <= 0:
        raise BadInput("must be three shares >= 0 (train, valid, test), e.g. [0.8, 0.1, 0.1]", name)
    total = float(sum(value))
    return {s: float(v) / total for s, v in zip(SPLITS, value)}


def split_of(rel: str, shares: dict[str, float]) -> str:
    """The split a file belongs to under ``shares``: fixed by the sha256 of its relative path, so
    it depends on nothing else (adding files never moves the others)."""
    u = int.from_bytes(hashlib.sha256(rel.encode("utf-8")).digest()[:8], "big") / 2.0**64
    edge = 0.0
    for split in SPLITS:
        edge += shares[split]
        if u < edge:
            return split
    return SPLITS[-1]


def _natural_key(rel: str):
    return tuple(frame_sort_key(part) for part in Path(rel).with_suffix("").parts)


def list_images(folder: Path, recursive: bool = True) -> list[Path]:
    """The PNG/JPEG files under ``folder`` (hidden ones skipped), in natural order of their paths."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
        for name in filenames:
            if not name.startswith(".") and Path(name).suffix.lower() in IMAGE_SUFFIXES:
                found.append(Path(dirpath) / name)
    found.sort(key=lambda p: _natural_key(p.relative_to(folder).as_posix()))
    return found


def probe_all(paths: list[Path]):
    """:func:`mbench.frames.probe_image` of each path, read in parallel (headers only)."""
    return list(ordered_map(probe_image, paths, workers=min(8, 2 * default_workers())))


def to_uint8(a: np.ndarray) -> np.ndarray:
    """An 8- or 16-bit image as ``uint8`` (16-bit values rounded to the nearest 8-bit level)."""
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.uint16:
        return ((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    raise BadInput(f"unsupported pixel type {a.dtype}")


def size_text(shape) -> str:
    return f"{shape[1]}x{shape[0]}"


def positive_int(value, name: str, minimum: int = 1) -> int:
    """An option that must be an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise BadInput(f"must be an integer >= {minimum}, got {value!r}", name)
    return int(value)


def frame_size(value, name: str = "size", minimum: int = 16) -> tuple[int, int]:
    """A ``(width, height)`` option (a pair, or a string ``WxH``)."""
    if isinstance(value, str):
        parts = value.lower().split("x")
        try:
            value = tuple(int(p) for p in parts)
        except ValueError:
            raise BadInput(f"must be WIDTHxHEIGHT, got {value!r}", name) from None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise BadInput(f"must be (width, height), got {value!r}", name)
    w, h = (positive_int(v, name, minimum) for v in value)
    return w, h


def per_split_counts(value, name: str, defaults: dict[str, int], minimum: int = 0) -> dict[str, int]:
    """A per-split count option: one integer for every split, or a mapping split -> integer."""
    if value is None:
        return dict(defaults)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(SPLITS))
        if unknown:
            raise BadInput(f"unknown split {unknown[0]!r} (splits are {', '.join(SPLITS)})", name)
        out = dict(defaults)
        out.update({k: positive_int(v, f"{name}.{k}", minimum) for k, v in value.items()})
        return out
    n = positive_int(value, name, minimum)
    return {s: n for s in SPLITS}


def positive_float(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or \
            not 0 < value < math.inf:
        raise BadInput(f"must be a finite number > 0, got {value!r}", name)
    return float(value)
