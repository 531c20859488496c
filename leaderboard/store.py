"""A results store: every evaluation under a folder, with its method, grouped into tables.

An evaluation is a folder holding ``per_frame.csv`` and ``summary.json``, plus ``per_clip.csv`` on
the clip engine (docs/design.md section 2.3). Its ``method.json`` lies in the same folder or, failing that, in the
folder above it, so a baseline run ``RUNS/<model>/eval/`` finds ``RUNS/<model>/method.json``.
Hidden folders (names starting with ``.``, such as unfinished atomic writes) are skipped.

Tables: two evaluations belong to the same table when they were scored under the same protocol
(name and version; the convention for evaluations without a protocol card) on the same ground
truth: the same ``gt_hash`` where ``summary.json`` records one (it covers only the ground-truth
targets, so one label with two hashes is two different data sets and makes two tables), else the
same dataset label (see :mod:`.datasets`; never the local path, so the same data at another path
joins the same table).
Within a table the protocol cards must be identical, or the store is refused naming the rule that
differs. Evaluations of one ground truth must cover the same clips with the same frame counts; if
the ground truth changed between two evaluations the store is refused, naming both, rather than
comparing numbers over different clips.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mbench.errors import BadInput
from mbench.progress import progress

from . import display
from .evaluation import FILES, Evaluation, read_evaluation
from .datasets import same_card
from .method import load_method


@dataclass
class Table:
    """Evaluations of one ground truth under one convention: the rows of one leaderboard table."""

    convention: str
    gt: str                        # the dataset label (what the table is named by)
    evaluations: list[Evaluation]  # sorted by method name
    clips: tuple[str, ...]
    frames: np.ndarray
    metrics: tuple[str, ...]       # every metric any of its evaluations holds, engine order
    protocol: str = ""             # protocol name and version, or the convention
    identity: str = ""             # sha256:<gt_hash> or label:<label>

    @property
    def engine(self) -> bool:
        """Whether the table's evaluations come from the clip engine (rows are frames)."""
        return self.evaluations[0].engine

    @property
    def unit(self) -> str:
        """What the table's clips are: "clip", or "image" (image protocols: one row each)."""
        return self.evaluations[0].unit

    @property
    def label(self) -> str:
        return self.gt

    @property
    def card(self) -> dict | None:
        return self.evaluations[0].card

    @property
    def gt_hash(self) -> str | None:
        return self.evaluations[0].gt_hash

    @property
    def key(self) -> str:
        return f"{self.protocol or self.convention}\n{self.identity or self.gt}"

    @property
    def seed_key(self) -> int:
        """A stable number for this table, so that its random draws do not depend on the others."""
        return zlib.crc32(self.key.encode("utf-8"))

    @property
    def n_frames(self) -> int:
        return int(self.frames.sum())


def find_evaluations(store: str | os.PathLike) -> list[Path]:
    """Every evaluation folder under ``store`` (a folder holding any of the three files), sorted."""
    store = Path(store)
    if not store.exists():
        raise BadInput("results store does not exist", store)
    if not store.is_dir():
        raise BadInput("results store is not a folder", store)
    found: list[Path] = []
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(store, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a symbolic link loop
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if any(f in filenames for f in FILES):
            found.append(Path(dirpath))
            dirnames[:] = []
    return sorted(found)


def method_file(folder: Path, store: Path) -> Path:
    """The ``method.json`` of the evaluation in ``folder``: beside it, or in the folder above."""
    candidates = [folder / "method.json"]
    if folder.resolve() != store.resolve():
        candidates.append(folder.parent / "method.json")
    for c in candidates:
        if c.is_file():
            return c
    raise BadInput("no method.json beside this evaluation (looked here and in the folder above)", folder)


def load_evaluation(folder: Path, store: Path, rel: str | None = None) -> Evaluation:
    """Read the evaluation in ``folder`` with its method; ``rel`` names it (default: path in store)."""
    mpath = method_file(folder, store)
    method = load_method(mpath)
    if rel is None:
        rel = folder.relative_to(store).as_posix() or "."
    return read_evaluation(folder, rel, method, mpath)


def load_store(store: str | os.PathLike, *, quiet: bool = True) -> list[Evaluation]:
    """Every evaluation in ``store``, read and checked.

    Raises
    ------
    BadInput
        The store is missing or holds no evaluation, or any evaluation or method.json is bad.
    """
    store = Path(store)
    folders = find_evaluations(store)
    if not folders:
        raise BadInput("no evaluations found (no folder below holds per_frame.csv, per_clip.csv and "
                       "summary.json from 'mbench evaluate')", store)
    return [load_evaluation(f, store) for f in progress(folders, desc="reading evaluations",
                                                         unit="eval", quiet=quiet)]


def group_tables(evaluations: list[Evaluation]) -> list[Table]:
    """Group evaluations into tables by (ground truth, convention), checking that they compare.

    Raises
    ------
    BadInput
        Two evaluations of one ground truth cover different clips or frame counts, or one table
        holds the same method name twice.
    """
    tables = []
    for protocol, evs in _components(evaluations):
        evs = sorted(evs, key=lambda e: (e.method.name.casefold(), e.rel))
        first = evs[0]
        # the table's name: the most deliberate label among its evaluations (summary.json, then
        # method.json, then the synth manifest, then the folder name), alphabetically on ties
        gt = min(evs, key=lambda e: (LABEL_PRIORITY.index(e.label_source)
                                     if e.label_source in LABEL_PRIORITY else len(LABEL_PRIORITY), e.label)).label
        identity = f"label:{gt}"  # seeds the table's draws: stable across paths
        convention = first.convention
        for ev in evs[1:]:
            differs = same_card(first.card, ev.card)
            if differs is not None or ev.convention != convention:
                raise BadInput(f"scored under protocol {protocol} on the same ground truth as {first.rel}, "
                               f"but their protocol cards differ at {differs or 'convention'}; a column "
                               f"never mixes rules: re-score one of them", ev.path)
            _check_same_clips(first, ev)
        names: dict[str, Evaluation] = {}
        for ev in evs:
            other = names.setdefault(ev.method.name.casefold(), ev)
            if other is not ev:
                raise BadInput(f"method name {ev.method.name!r} appears twice in the table of {gt} "
                               f"({other.rel} and {ev.rel}); give one a different name", ev.method_path)
        tables.append(Table(convention, gt, evs, first.clips, first.frames, _columns(convention, evs),
                            protocol, identity))
    _one_truth_per_label(tables)
    tables.sort(key=lambda t: (t.convention, t.label, t.protocol))
    return tables


def _columns(convention: str, evs: list[Evaluation]) -> tuple[str, ...]:
    """Every metric the evaluations hold: the engine's column order for its conventions, else the
    protocol's own order (its summary and card, never a fixed list)."""
    if convention in display.convention_names():
        present = {m for ev in evs for m in ev.metrics}
        return tuple(m for m in display.available_metrics(convention) if m in present)
    return tuple(dict.fromkeys(m for ev in evs for m in ev.metrics))


def _one_truth_per_label(tables: list[Table]) -> None:
    """Refuse one dataset label under one protocol with two ground-truth hashes: the hash covers
    only the targets, so these are two different data sets and a board would print two tables of
    one name (a ground truth changed between evaluations, or two data sets share a label)."""
    seen: dict[tuple[str, str], Table] = {}
    for t in tables:
        other = seen.setdefault((t.protocol, t.gt), t)
        if other is t:
            continue
        a, b = other.evaluations[0], t.evaluations[0]
        _check_same_clips(a, b)  # the more precise message where the clip sets differ
        raise BadInput(f"dataset label {t.gt!r} names two different ground truths under {t.protocol} "
                       f"({a.rel}: gt_hash {a.gt_hash[:12]}..., {b.rel}: {b.gt_hash[:12]}...); re-score on "
                       f"the current ground truth or give one its own label (--dataset-label)", b.path)


LABEL_PRIORITY = ("summary.json", "method.json", "synth manifest", "ground-truth folder name")


def _components(evaluations: list[Evaluation]) -> list[tuple[str, list[Evaluation]]]:
    """Evaluations of one protocol on one ground truth, sorted by protocol and label: the same
    ``gt_hash`` (the targets' bytes, whatever the label or path), else, for evaluations without a
    hash, the same label. A hashless evaluation joins the hashed group of its label when exactly
    one such group exists."""
    groups: dict[tuple[str, str], list[Evaluation]] = {}
    for ev in sorted(evaluations, key=lambda e: e.gt_hash is None):
        key = (ev.protocol, ev.identity)
        if ev.gt_hash is None:
            hashed = {k for k, g in groups.items() if k[0] == ev.protocol and g[0].label == ev.label}
            key = hashed.pop() if len(hashed) == 1 else key
        groups.setdefault(key, []).append(ev)
    return sorted(((k[0], evs) for k, evs in groups.items()),
                  key=lambda g: (g[0], min(e.label for e in g[1])))


def _check_same_clips(a: Evaluation, b: Evaluation) -> None:
    if a.clips == b.clips and np.array_equal(a.frames, b.frames):
        return
    only_a = sorted(set(a.clips) - set(b.clips))
    only_b = sorted(set(b.clips) - set(a.clips))
    if only_a:
        what = f"clip {only_a[0]} is in {a.rel} but not in {b.rel}"
    elif only_b:
        what = f"clip {only_b[0]} is in {b.rel} but not in {a.rel}"
    else:
        i = int(np.flatnonzero(a.frames != b.frames)[0])
        what = f"clip {a.clips[i]} has {a.frames[i]} frames in {a.rel} but {b.frames[i]} in {b.rel}"
    raise BadInput(f"evaluations of the same ground truth ({a.label}, {a.protocol}) cover "
                   f"different clip sets and cannot share a table: {what}; re-run 'mbench evaluate' "
                   f"on the current ground truth", b.path)
