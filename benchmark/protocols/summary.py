"""The protocol keys of ``summary.json``: the card, the figures, and a hash of the ground truth.

The leaderboard puts two evaluations in one column only when their ``card`` and ``gt_hash`` agree,
so both are computed the same way for every protocol, on the clip engine (``rvm``, ``dim``) or not.
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


def gt_file_hashes(files: Iterable[str | os.PathLike], gt_root: str | os.PathLike) -> dict[str, str]:
    """{path relative to ``gt_root`` (``/`` separators): sha256} of every file (each once)."""
    root = os.path.abspath(gt_root)
    out = {}
    for f in files:
        rel = Path(os.path.relpath(os.path.abspath(f), root)).as_posix()
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
            "mbench_version": __version__, "gt_hash": gt_hash, "frames": int(frames),
            "metric_declarations": declared}
