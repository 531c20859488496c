"""mbench.synth: compose video-matting datasets (``mbench synth``) and stream them to trainers.

Python API (imported on first use, so ``mbench synth --help`` stays fast):

- :func:`stream` / :class:`Sequences`: composed, augmented sequences in memory
  (``{"com", "fgr", "bgr": (T, H, W, 3), "pha": (T, H, W, 1)}``), iterated or indexed.
- :func:`synthesize`: write a dataset to disk (what ``mbench synth --out`` runs).
- :func:`resolve`: load and check a recipe; :class:`SourceSet`: open sources by spec.
- :class:`ArrayForegrounds` / :class:`ArrayBackgrounds`: in-memory sources.

Modules: ``recipes`` (TOML recipes), ``plan`` (every random draw), ``render`` (plan -> frames),
``writer`` / ``verify`` (datasets on disk), ``streaming``, ``compose``, ``augment``, ``motion``,
``easing``, ``geometry``, ``photometric``, ``sampling``, ``catalog`` (sources), ``hf``, ``preview``.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "stream": "streaming", "Sequences": "streaming",
    "synthesize": "writer",
    "resolve": "recipes", "shipped_recipes": "recipes",
    "SourceSet": "catalog", "parse_source_arg": "catalog",
    "ArrayForegrounds": "arrays", "ArrayBackgrounds": "arrays",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
