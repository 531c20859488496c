"""Streaming: composed, augmented sequences in memory, for training data loaders.

The same planner and renderer as the writer (:mod:`mbench.synth.plan`, :mod:`mbench.synth.render`)
with a different indexing: sequence ``i`` is window ``i mod N`` of the split's clips (``N`` windows
of ``seq_len`` frames, clip by clip), with its own sampling, background and augmentation drawn
from ``[seed, split, i]``. So ``Sequences(...)[i]`` is the same array whenever and wherever it is
computed (any worker, any order), and ``i`` and ``i + N`` show the same material augmented afresh.

>>> from mbench.synth import Sequences, stream
>>> for seq in stream("videomatte8k", "train", seq_len=8, count=2):
...     seq["com"].shape            # (8, 224, 224, 3) uint8; also "fgr", "pha" (T, H, W, 1), "bgr"
>>> data = Sequences("videomatte8k", "train", seq_len=8)   # map-style: len(data), data[i]
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from mbench.errors import BadInput
from mbench.parallel import ordered_map

from .catalog import SourceSet
from .plan import Planner
from .recipes import DEFAULT_RECIPE, resolve, with_overrides
from .render import render_sequence

DTYPES = ("uint8", "float32")


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, tuple)) or not isinstance(value, Sequence):
        return [value]
    return list(value)


class Sequences:
    """Map-style access to a split's streamed sequences (wrap it in a ``torch.utils.data.Dataset``).

    Parameters
    ----------
    recipe : str or dict
        A recipe name, a ``.toml`` file, or a recipe already resolved by :func:`mbench.synth.recipes.resolve`.
    split : str
        The recipe's split to draw from (its clips, sampling and augmentation profiles).
    seed : int, optional
        Default: the recipe's seed.
    fgr, bgr : spec, source object, or a list of them, optional
        Sources as for ``mbench synth --fgr/--bgr`` (``"KIND:PATH@WEIGHT"``), or objects such as
        :class:`mbench.synth.arrays.ArrayForegrounds`. Default: the recipe's sources.
    seq_len : int
        Frames per sequence (all sharing one background).
    size : (W, H), optional
        Output size; default the recipe's.
    dtype : {"uint8", "float32"}
        ``float32`` arrays are the ``uint8`` ones divided by 255.
    epoch_length : int, optional
        ``len()`` of the object; default the number of windows ``N`` (one pass over the clips).
    **overrides
        ``clips=`` / ``frames=`` as for :func:`mbench.synth.recipes.resolve`.
    """

    def __init__(self, recipe: str | dict = DEFAULT_RECIPE, split: str = "train", *, seed: int | None = None,
                 fgr: Any = None, bgr: Any = None, seq_len: int = 8, size: tuple[int, int] | None = None,
                 dtype: str = "uint8", epoch_length: int | None = None, **overrides):
        self.recipe = (resolve(recipe, size=size, **overrides) if isinstance(recipe, str)
                       else with_overrides(recipe, size=size, **overrides))
        if split not in self.recipe["splits"]:
            raise BadInput(f"recipe '{self.recipe['name']}' has no split '{split}' "
                           f"(it has {', '.join(self.recipe['splits'])})", split)
        if seq_len < 1:
            raise BadInput("seq_len must be at least 1", str(seq_len))
        if dtype not in DTYPES:
            raise BadInput(f"dtype must be one of {', '.join(DTYPES)}", str(dtype))
        self.split, self.seq_len, self.dtype = split, int(seq_len), dtype
        self.seed = int(self.recipe["seed"] if seed is None else seed)
        if self.seed < 0:
            raise BadInput("the seed must be a non-negative integer", str(self.seed))
        self._fgr, self._bgr = _as_list(fgr), _as_list(bgr)
        self._planner: Planner | None = None
        self._windows: list[tuple[int, int]] = []
        self.epoch = 0
        self._epoch_length = epoch_length
        self._open()

    def _open(self) -> None:
        sources = SourceSet.for_recipe(self.recipe, self._fgr, self._bgr)
        self._planner = Planner(self.recipe, self.split, self.seed, sources)
        self._windows = self._planner.windows(self.seq_len)
        self._settings = self._planner.settings()

    def __getstate__(self) -> dict:
        # Sources are reopened in the receiving process (e.g. a DataLoader worker).
        state = dict(self.__dict__)
        state["_planner"] = None
        state["_windows"] = []
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._open()

    @property
    def sources(self) -> SourceSet:
        return self._planner.sources

    def __len__(self) -> int:
        return self._epoch_length or len(self._windows)

    def set_epoch(self, epoch: int) -> None:
        """Make ``self[i]`` return sequence ``i + epoch * len(self)`` (fresh draws each epoch)."""
        self.epoch = int(epoch)

    def plan(self, i: int) -> dict:
        """The plan (every draw) of sequence ``i`` (before the epoch offset)."""
        if i < 0:
            raise IndexError(i)
        return self._planner.stream_plan(int(i), self.seq_len, self._windows)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        """Sequence ``i + epoch * len(self)``: ``{"com", "fgr", "bgr": (T, H, W, 3), "pha": (T, H, W, 1)}``."""
        if not isinstance(i, (int, np.integer)) or i < 0:
            raise IndexError(i)
        plan = self.plan(int(i) + self.epoch * len(self))
        frames = [layers for layers, _ in render_sequence(plan, self._settings, self.sources)]
        out = {}
        for name in frames[0]:
            stack = np.stack([f[name] for f in frames])
            if stack.ndim == 3:
                stack = stack[..., None]
            out[name] = stack.astype(np.float32) / np.float32(255) if self.dtype == "float32" else stack
        return out


def stream(recipe: str | dict = DEFAULT_RECIPE, split: str = "train", *, seed: int | None = None,
           fgr: Any = None, bgr: Any = None, seq_len: int = 8, size: tuple[int, int] | None = None,
           count: int | None = None, start: int = 0, dtype: str = "uint8", workers: int = 0,
           **overrides) -> Iterator[dict[str, np.ndarray]]:
    """Yield sequences ``start, start + 1, ...`` (``count`` of them, or endlessly).

    Arguments as for :class:`Sequences`; ``workers > 0`` renders that many sequences ahead on
    threads (the output does not depend on it).
    """
    data = Sequences(recipe, split, seed=seed, fgr=fgr, bgr=bgr, seq_len=seq_len, size=size, dtype=dtype,
                     **overrides)

    def indices():
        i = start
        while count is None or i < start + count:
            yield i
            i += 1

    yield from ordered_map(data.__getitem__, indices(), workers)
