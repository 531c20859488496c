"""How a baseline run talks to the leaderboard: through its Python API, never by composing command
lines, and through its one reader and one writer of the on-disk files.

- :func:`write_method` writes ``RUNS/<model>/method.json`` through the schema class
  (:class:`mbench.leaderboard.method.Method`), with the run's dataset label;
- :func:`read_row` reads a scored row back with the leaderboard's evaluation reader;
- :func:`build_board` builds ``RUNS/leaderboard/`` with :func:`mbench.leaderboard.build.build`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mbench.leaderboard.datasets import manifest_label, path_label
from mbench.leaderboard.method import parse_method, write_method as write_method_file

METHOD_FILE = "method.json"


def dataset_label(gt_root: Path, recipe: dict | None, splits: tuple[str, ...]) -> str:
    """The label of the data a run scores: its synth recipe (name, size, splits, seed), else the
    manifest of ``--data``, else the data folder's name."""
    if recipe is not None:
        w, h = recipe["size"]
        return f"{recipe['name']} {w}x{h}/{'+'.join(recipe['splits'])} (seed {recipe['seed']})"
    resolved = str(Path(gt_root).resolve())
    if len(splits) > 1:  # a folder of links to several splits: name the dataset the links point into
        first = Path(gt_root) / splits[0]
        resolved = os.path.join(os.path.dirname(str(first.resolve())), "+".join(splits))
    return manifest_label(resolved) or path_label(resolved)


def write_method(folder: Path, fields: dict[str, Any], dataset: str) -> None:
    """Validate ``fields`` against the method.json schema and write ``folder/method.json``."""
    path = Path(folder) / METHOD_FILE
    write_method_file(parse_method({**fields, "dataset": dataset}, path), path)


def read_row(folder: Path, name: str) -> dict[str, Any]:
    """A scored row: the dataset values of ``folder/eval`` and what its method.json records."""
    from mbench.leaderboard.store import load_evaluation

    ev = load_evaluation(Path(folder) / "eval", Path(folder).parent)
    method = ev.method
    return {"method": name, **ev.summary["metrics"], "parameters": method.parameters,
            "gmacs": method.gmacs, "fps": method.fps, "steps": method.extra.get("steps"),
            "seconds": method.extra.get("seconds")}


def build_board(runs: Path, *, command: str, quiet: bool) -> None:
    """``RUNS/leaderboard/`` from every evaluation under ``runs`` (the leaderboard's defaults)."""
    from mbench.leaderboard.board import Options
    from mbench.leaderboard.build import build
    from mbench.leaderboard.store import load_store

    runs = Path(runs)
    build(load_store(runs, quiet=quiet), runs / "leaderboard", Options(), command=command, stores=[runs],
          quiet=quiet)
