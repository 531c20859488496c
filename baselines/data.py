"""Training data: streamed sequences from :mod:`mbench.synth`, or sequences read from a dataset on disk.

Both are map-style ``torch.utils.data.Dataset`` objects whose item ``i`` is a pure function of
``(seed, i)``: a dict of float32 tensors ``com``, ``fgr``, ``bgr`` (T, 3, H, W) and ``pha``
(T, 1, H, W) in [0, 1]. Any index >= 0 is valid (the stream composes afresh, the disk set
reshuffles its windows each pass), so the trainer never needs an epoch loop.

Sampling is a formula, not an iterator state: batch ``b`` of step ``s`` on rank ``r`` of ``w``
holds items ``(s * w + r) * B + b`` (:func:`batch_indices`). Each rank reads its own shard of
sequences, and a resumed run reads exactly what an uninterrupted one would from the step it
resumes at ("the data position" of a checkpoint is its step).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from mbench.errors import BadInput
from mbench.frames import to_unit_float
from mbench.layout import Clip, discover_clips
from mbench.parallel import ordered_map

TRAIN_LAYERS = ("com", "fgr", "pha")


def to_tensors(item: dict[str, np.ndarray]) -> dict[str, Tensor]:
    """(T, H, W, C) arrays -> (T, C, H, W) float32 tensors."""
    return {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)).permute(0, 3, 1, 2).contiguous()
            for k, v in item.items()}


class StreamSequences(torch.utils.data.Dataset):
    """Sequences composed on the fly by :class:`mbench.synth.Sequences` (augmented, one background each).

    Parameters
    ----------
    recipe : str
        Synth recipe (name or ``.toml``).
    split : str
        The recipe's split.
    seed : int
        Seed of every draw (item ``i`` is ``Sequences(..., seed=seed)[i]``).
    seq_len : int
        Frames per sequence.
    size : (W, H)
        Frame size.
    clips : int, optional
        Clips of the split (the recipe's by default); more clips, more distinct subjects.
    """

    def __init__(self, recipe: str, split: str, *, seed: int, seq_len: int, size: tuple[int, int],
                 clips: int | None = None):
        from mbench.synth import Sequences

        self.sequences = Sequences(recipe, split, seed=seed, seq_len=seq_len, size=tuple(size), dtype="float32",
                                   clips=clips)

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, i: int) -> dict[str, Tensor]:
        return to_tensors(self.sequences[int(i)])


def check_layers(clips: Sequence[Clip], needed: Sequence[str], root: Path, why: str) -> None:
    """Every clip must hold every layer in ``needed`` with as many frames as its alpha."""
    for clip in clips:
        for name in needed:
            layer = clip.layers.get(name)
            if layer is None:
                raise BadInput(f"clip '{clip.id}' has no {name}/ layer ({why} needs "
                               f"{', '.join(needed)})", root)
            if len(layer) != len(clip):
                raise BadInput(f"clip '{clip.id}' has {len(layer)} {name} frames but {len(clip)} "
                               f"alpha frames", root)


class DiskSequences(torch.utils.data.Dataset):
    """Windows of ``seq_len`` consecutive frames from the clips of a dataset on disk (DESIGN 2.1).

    The windows (non-overlapping, from frame 0 of each clip) are visited in a fresh random order
    each pass (``numpy.random.default_rng([seed, pass])``); frames of another size are resized
    to ``size`` (area interpolation).

    Parameters
    ----------
    root : path
        A split folder of a synthesized dataset (or any clip-layout root).
    seq_len : int
        Frames per sequence; clips shorter than this are not used.
    size : (W, H)
        Frame size delivered.
    seed : int
        Seed of the window order.
    layers : sequence of str
        Layers read (``com``, ``fgr``, ``pha`` and, for bgmv2, ``bgr``).
    """

    def __init__(self, root: str | Path, *, seq_len: int, size: tuple[int, int], seed: int,
                 layers: Sequence[str] = TRAIN_LAYERS + ("bgr",), why: str = "training"):
        self.root = Path(root)
        self.seq_len, self.size, self.seed = int(seq_len), tuple(size), int(seed)
        self.layers = tuple(layers)
        self.clips = discover_clips(self.root, what="training data")
        check_layers(self.clips, self.layers, self.root, why)
        self.windows = [(c, start) for c, clip in enumerate(self.clips)
                        for start in range(0, len(clip) - self.seq_len + 1, self.seq_len)]
        if not self.windows:
            raise BadInput(f"no clip has {self.seq_len} frames (the sequence length of {why})", self.root)
        self._orders: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.windows)

    def _order(self, epoch: int) -> np.ndarray:
        if epoch not in self._orders:  # a race between loader threads only recomputes the same array
            self._orders = {epoch: np.random.default_rng([self.seed, epoch]).permutation(len(self.windows))}
        return self._orders[epoch]

    def _read(self, clip: Clip, name: str, index: int) -> np.ndarray:
        layer = clip.layers[name]
        img = layer.read_alpha(index)[..., None] if name == "pha" else layer.read_color(index)
        img = to_unit_float(img)
        if (img.shape[1], img.shape[0]) != self.size:
            img = cv2.resize(img, self.size, interpolation=cv2.INTER_AREA)
            img = img[..., None] if img.ndim == 2 else img
        return img

    def __getitem__(self, i: int) -> dict[str, Tensor]:
        i = int(i)
        c, start = self.windows[self._order(i // len(self.windows))[i % len(self.windows)]]
        clip = self.clips[c]
        item = {name: np.stack([self._read(clip, name, start + t) for t in range(self.seq_len)])
                for name in self.layers}
        return to_tensors(item)


def batch_indices(step: int, batch: int, rank: int = 0, world: int = 1) -> list[int]:
    """Items of step ``step`` on ``rank``: ``(step * world + rank) * batch + b``, b < batch."""
    first = (step * world + rank) * batch
    return list(range(first, first + batch))


def collate(items: Sequence[dict[str, Tensor]]) -> dict[str, Tensor]:
    """Stack items into (B, T, C, H, W) tensors."""
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}


def random_resize(batch: dict[str, Tensor], size_range: Sequence[int], seed: int, step: int,
                  tag: int) -> dict[str, Tensor]:
    """Resize a batch to h, w drawn independently from ``size_range`` = (lo, hi[, step]): any of
    lo, lo + step, ..., <= hi (RVM stage 1: 256..512, step 1). A coarser step keeps the number of
    distinct shapes small, which CPU kernels (chosen per shape) run much faster with.

    The draw comes from ``numpy.random.default_rng([seed, step, tag])``: the same on every rank.
    """
    lo, hi = size_range[0], size_range[1]
    stride = size_range[2] if len(size_range) > 2 else 1
    rng = np.random.default_rng([seed, step, tag])
    h, w = (lo + stride * int(v) for v in rng.integers(0, (hi - lo) // stride + 1, size=2))
    out = {}
    for k, v in batch.items():
        b, t = v.shape[:2]
        if tuple(v.shape[-2:]) == (h, w):
            out[k] = v
            continue
        flat = F.interpolate(v.flatten(0, 1), size=(h, w), mode="bilinear", align_corners=False,
                             antialias=True)
        out[k] = flat.clamp(0, 1).unflatten(0, (b, t))
    return out


class Batches:
    """The batches of one pass kind (matting, high-resolution, segmentation) for a range of steps.

    Parameters
    ----------
    dataset : Dataset
        :class:`StreamSequences` or :class:`DiskSequences`.
    batch : int
        Sequences per batch (per rank).
    rank, world : int
        This process's rank and the number of processes.
    size_range : (lo, hi[, step]), optional
        Random resize per step (see :func:`random_resize`).
    seed, tag : int
        Seed and pass tag of the resize draws.
    workers : int
        Threads composing batches ahead of the training step (the result does not depend on it).
    """

    def __init__(self, dataset: Any, batch: int, *, rank: int = 0, world: int = 1,
                 size_range: Sequence[int] | None = None, seed: int = 0, tag: int = 0, workers: int = 1):
        self.dataset, self.batch, self.rank, self.world = dataset, batch, rank, world
        self.size_range, self.seed, self.tag, self.workers = size_range, seed, tag, workers

    def load(self, step: int) -> dict[str, Tensor]:
        items = [self.dataset[i] for i in batch_indices(step, self.batch, self.rank, self.world)]
        out = collate(items)
        if self.size_range is not None:
            out = random_resize(out, self.size_range, self.seed, step, self.tag)
        return out

    def iterate(self, start: int, stop: int) -> Iterator[dict[str, Tensor]]:
        """Batches of steps ``start .. stop - 1``, composed ``workers`` at a time ahead."""
        return ordered_map(self.load, range(start, stop), self.workers, ahead=max(2, self.workers + 1))


class TrainingSource:
    """Where training sequences come from: a synth recipe's split (streamed) or a split on disk.

    Parameters
    ----------
    recipe : str, optional
        Synth recipe to stream from (with ``split``).
    split : str
        The recipe's split, or the folder of ``root`` to read.
    root : path, optional
        A synthesized dataset on disk (``root/split/<clip>/...``); overrides ``recipe``.
    clips : int, optional
        Streamed: clips of the split (default: the recipe's).
    """

    def __init__(self, recipe: str | None = None, split: str = "train", root: str | Path | None = None,
                 clips: int | None = None):
        self.recipe, self.split, self.clips = recipe, split, clips
        self.root = None if root is None else Path(root)

    def describe(self) -> dict[str, Any]:
        if self.root is not None:
            return {"kind": "disk", "root": str(self.root.resolve()), "split": self.split}
        return {"kind": "stream", "recipe": str(self.recipe), "split": self.split, "clips": self.clips}

    def dataset(self, *, seq_len: int, size: tuple[int, int], seed: int, needs_background: bool,
                why: str = "training") -> torch.utils.data.Dataset:
        """The sequences for one pass kind (``seed`` distinguishes the kinds); ``why`` names the
        user of the data in error messages (``"training bgmv2"``)."""
        if self.root is not None:
            layers = TRAIN_LAYERS + (("bgr",) if needs_background else ())
            return DiskSequences(self.root / self.split, seq_len=seq_len, size=size, seed=seed, layers=layers,
                                 why=why)
        return StreamSequences(self.recipe, self.split, seed=seed, seq_len=seq_len, size=size, clips=self.clips)


def training_source(recipe: str, split: str, data: str | Path | None,
                    clips: int | None = None) -> TrainingSource:
    """The preset's stream (``recipe``, ``split``, ``clips``), or ``split`` of the dataset on disk at ``data``."""
    if data is None:
        return TrainingSource(recipe=recipe, split=split, clips=clips)
    root = Path(data)
    if not (root / split).is_dir():
        have = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if root.is_dir() else []
        raise BadInput(f"no '{split}' split folder for training (found: {', '.join(have) or 'nothing'})", root)
    return TrainingSource(split=split, root=root)
