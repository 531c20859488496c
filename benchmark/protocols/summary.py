"""The protocol keys of ``summary.json``: the card, the figures, and a hash of the ground truth.

The leaderboard puts two evaluations in one column only when their ``card`` and ``gt_hash`` agree,
so both are computed the same way for every protocol, on the clip engine (``rvm``, ``dim``) or not.

``gt_hash`` covers only the files that define the protocol's targets (:data:`GT_HASH_SCOPE`):
alpha mattes, trimaps, optical flow and instance masks, never colour layers (``fgr/``) that only
some metrics read, so one dataset scored with and without foreground metrics has one hash
(docs/design.md 2.3). A file under a named root (``--trimap``, ``--flow``) is named
``<root name>/<path below that root>``, so the hash does not depend on where that root lies.
"""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path
from typing import Iterable

from mbench import __version__
from mbench.benchmark.protocols.base import Card

_CHUNK = 1 << 20  # hash files a megabyte at a time: bounded memory for any file size


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


GT_HASH_SCOPE = "ground-truth targets only: alpha, trimaps, flow, instance masks (not fgr/ colour)"


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def gt_file_hashes(files: Iterable[str | os.PathLike], gt_root: str | os.PathLike,
                   roots: dict[str, str | os.PathLike | None] | None = None) -> dict[str, str]:
    """{name: sha256} of every file (each once); the name is ``<key>/<path below roots[key]>`` for a
    file under one of ``roots`` (checked first), else its path relative to ``gt_root`` (``/``
    separators)."""
    named = [(key, os.path.abspath(r)) for key, r in (roots or {}).items() if r is not None]
    root = os.path.abspath(gt_root)
    out = {}
    for f in files:
        path = os.path.abspath(f)
        key, base = next(((k, r) for k, r in named if _inside(path, r)), ("", root))
        rel = Path(os.path.relpath(path, base)).as_posix()
        rel = f"{key}/{rel}" if key else rel
        if rel not in out:
            out[rel] = file_sha256(f)
    return out


def combine_hashes(hashes: dict[str, str]) -> str:
    """sha256 over the sorted (relative path, file sha256) pairs: one name for one ground truth."""
    h = hashlib.sha256()
    for rel in sorted(hashes):
        h.update(f"{rel}\0{hashes[rel]}\n".encode())
    return h.hexdigest()


def figure(value) -> float | None:
    """A dataset figure for JSON: ``None`` where it is undefined (NaN, a spreadsheet error)."""
    if value is None:
        return None
    v = float(value)
    return None if math.isnan(v) else v


def protocol_keys(card: Card, metrics: dict, extra: dict, gt_hash: str, frames: int,
                  declarations: dict | None = None) -> dict:
    """The keys every protocol's ``summary.json`` carries (the ``board`` helper reads these).

    ``declarations`` ({column: what its metric declares: needs, higher_is_better, aggregate})
    go under ``metric_declarations``; without them every column is lower-is-better as the card says.
    """
    higher = set(card.higher_is_better)
    declared = declarations or {m: {"needs": [], "higher_is_better": m in higher, "aggregate": "mean"}
                                for m in metrics}
    return {"protocol": {"name": card.name, "version": card.version}, "card": card.as_dict(),
            "metrics": {k: figure(v) for k, v in metrics.items()}, "extra": extra,
            "mbench_version": __version__, "gt_hash": gt_hash, "gt_hash_scope": GT_HASH_SCOPE,
            "frames": int(frames),
            "metric_declarations": declared}
