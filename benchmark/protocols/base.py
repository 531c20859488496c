"""The contract between ``mbench evaluate --protocol NAME`` and one protocol module.

A protocol reproduces one published evaluation code exactly: how it finds and pairs files (its
dataset's native layout), how it reads them, its regions, formulas, float types, temporal rules and
aggregation, bugs included. Each lives in one module ``mbench.benchmark.protocols.<name>`` with:

``CARD``
    a :class:`Card`: every rule that shapes a number (written into ``summary.json``).
``run(pred, gt, options) -> Result``
    score a prediction tree against a ground-truth tree in the protocol's native layout.

and one line in the registry (``mbench.benchmark.protocols.PROTOCOLS``). A protocol whose dataset
figures are a function of its per-frame rows (and, where a row's own values do not suffice, a
per-unit ``Result.state``) can be sharded: it defines ``UNIT`` (the per-frame column naming a row's
unit: ``"clip"``, or ``"frame"`` for one image) and ``aggregate_rows(per_frame, units, state) ->
(metrics, extra, per_clip)`` that gives the figures its run gives, and under ``options.shard`` scores
only the units i with i % N == K (:func:`shard_units`), listing every unit in ``Result.units``;
``mbench evaluate --merge`` then calls ``aggregate_rows`` on the shards' rows and writes the files one
run over all units writes, byte for byte. A protocol without ``aggregate_rows`` says why in ``NO_SHARD``.
Optionally
``check_inputs(pred, gt, options)`` raises :class:`mbench.errors.BadInput` before any work when an
input the protocol needs is missing (instances, the sparse ground-truth naming, ...); ``flow`` in
``CARD.needs`` is checked by the runner (``--flow`` or ``GT/flow_png``); trimaps, whose default place
differs between datasets, by the module. The runner around it
(writing ``per_frame.csv``, ``per_clip.csv`` where the module gives one, and ``summary.json``
atomically, the ground-truth hash, the warnings,
refusing missing inputs) is shared; a module only computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Card:
    """The rules of a protocol, as data: what ``summary.json`` records and the leaderboard compares.

    ``rules`` maps a rule's name to its value (JSON-compatible): ``region``, ``scales`` (metric ->
    factor), ``thresholds`` (Conn's vector and dtype), ``connectivity``, ``tie_rule``,
    ``temporal`` (frame-0 / last-frame / sparse rule), ``reading`` (bit depth and channels),
    ``aggregation``. ``quirks`` lists the original's bugs that are reproduced on purpose.
    """

    name: str
    version: str                      # bump when mbench's reproduction of the rules changes
    source: str                       # "owner/repo @ commit, path"
    used_by: str                      # papers and datasets that report numbers under it
    region: str                       # one line: whole frame, trimap == 128, ...
    needs: tuple[str, ...] = ()       # of "trimap", "flow", "instances", "fgr"
    metrics: tuple[str, ...] = ()     # per-frame columns, in order
    higher_is_better: tuple[str, ...] = ()  # metrics where larger is better (none so far)
    rules: dict[str, Any] = field(default_factory=dict)
    quirks: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "source": self.source,
                "used_by": self.used_by, "region": self.region, "needs": list(self.needs),
                "metrics": list(self.metrics), "higher_is_better": list(self.higher_is_better),
                "rules": self.rules, "quirks": list(self.quirks)}


@dataclass(frozen=True)
class Options:
    """What the command line hands a protocol besides the two trees."""

    trimap: Path | None = None        # --trimap ROOT (image protocols, dvm); None: the protocol's default
    flow: Path | None = None          # --flow ROOT (tcvom); None: GT/flow_png
    workers: int = 1
    quiet: bool = True
    full_precision: bool = False      # --full-precision: read all 16 bits / the alpha channel
    metrics: tuple[str, ...] | None = None  # --metrics: a subset of the protocol's columns
    device: str = "cpu"               # --device: where the compiled kernels run
    shard: str | None = None          # --shard K/N: score units i with i % N == K (see the module notes)


@dataclass
class Result:
    """What a protocol computed.

    ``per_frame`` has columns ``clip``, ``frame`` and one per metric (a row is whatever the
    protocol's unit is: a frame, an evaluated sparse GT frame, a sliding window, an image; image
    protocols leave ``clip`` empty). ``metrics`` holds the dataset figures exactly as the original
    aggregates them (``None`` where the original gives NaN or a spreadsheet error); ``extra`` holds
    figures mbench adds (corrected variants, clip-wise means), never mixed with ``metrics``.
    ``per_clip`` holds the original's own per-video figures where it computes them (columns
    ``clip``, ``frames``, then its figures), written to ``per_clip.csv``; ``None`` where it has none.
    ``gt_files`` lists every ground-truth file read, for the summary's hash. ``warnings`` are one-line
    messages (precision dropped, RGBA alpha ignored, ...), each printed once.
    """

    per_frame: pd.DataFrame
    metrics: dict[str, float | None]
    extra: dict[str, Any] = field(default_factory=dict)
    gt_files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    per_clip: pd.DataFrame | None = None
    # {column: {"needs": [...], "higher_is_better": bool, "aggregate": str}}; empty: every column
    # lower-is-better unless listed in CARD.higher_is_better
    declarations: dict[str, dict] = field(default_factory=dict)
    # shardable protocols: every unit of the whole run, in order, and what ``aggregate_rows`` needs of a
    # scored unit beyond its rows ({unit: JSON-compatible value}, floats exact through JSON)
    units: list[str] | None = None
    state: dict[str, Any] = field(default_factory=dict)


def shard_units(items: list, shard: str | None) -> list:
    """The items of shard ``K/N`` (indices i with i % N == K), or all of them without a shard."""
    from mbench.executor import parse_shard

    parsed = parse_shard(shard)
    if parsed is None:
        return list(items)
    k, n = parsed
    return [x for i, x in enumerate(items) if i % n == k]


def shard_figures(aggregate, per_frame: pd.DataFrame, units: list[str], state: dict) -> tuple:
    """``aggregate`` over the units a run scored: (metrics, extra, per_clip); none for a shard that
    holds no unit (more shards than units)."""
    if not units:
        return {}, {}, None
    return aggregate(per_frame, units, state)


def unit_spans(units_of_rows: list[str]) -> dict[str, tuple[int, int]]:
    """Each unit's rows as ``(start, end)``, for a table whose rows of one unit are consecutive."""
    spans, start = {}, 0
    for i in range(1, len(units_of_rows) + 1):
        if i == len(units_of_rows) or units_of_rows[i] != units_of_rows[start]:
            spans[units_of_rows[start]] = (start, i)
            start = i
    return spans
