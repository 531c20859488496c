"""Reading one evaluation folder (docs/design.md section 2.3) and checking that its files agree.

This is the one reader of an evaluation folder (``summary.json``, ``per_frame.csv``,
``per_clip.csv``); the leaderboard, ``mbench evaluate --merge`` and resuming go through it.

Two kinds of folder:

clip engine (``rvm``, ``dim``: ``per_clip.csv`` present)
    For every clip and metric, the sum of the per-frame values and the number of frames they cover
    (NaN frames left out). A dataset value is the pooled mean, sum of clip sums / sum of covered
    frames, exactly as ``mbench evaluate`` defines it; ``summary.json`` and ``per_clip.csv`` must
    agree with it, or the evaluation is refused.
protocol module (every other protocol: no ``per_clip.csv``)
    The column value is the protocol's own figure, ``summary.json`` "metrics", as the original
    aggregates it. A metric's rows in ``per_frame.csv`` may be resampled only where that figure is
    the mean of those rows (checked to the CSV's precision); elsewhere (MaGGIe's score/count sums,
    TCVOM's mean of video means, a spreadsheet shift) the figure is shown without interval, test
    or rank. Image protocols leave ``clip`` empty: each image is its own unit.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mbench.benchmark import results
from mbench.errors import BadInput

from . import display
from .datasets import dataset_label
from .method import Method

FILES = ("per_frame.csv", "per_clip.csv", "summary.json")
REQUIRED = ("per_frame.csv", "summary.json")  # per_clip.csv: clip-engine evaluations only
# CSVs hold rounded decimals; agreement closer than this is not required.
RTOL, ATOL = 1e-4, 1e-5


@dataclass
class Evaluation:
    """One evaluation with its method, reduced to what the leaderboard needs."""

    path: Path                 # the evaluation folder
    rel: str                   # its path relative to the store (for messages and cards)
    method: Method
    method_path: Path
    convention: str
    gt: str                    # the ground-truth root as summary.json records it
    pred: str
    summary: dict
    metrics: tuple[str, ...]   # in the engine's column order
    clips: tuple[str, ...]     # sorted clip ids
    frames: np.ndarray         # frames per clip
    sums: np.ndarray           # (clips, metrics): sum of the defined per-frame values
    counts: np.ndarray         # (clips, metrics): number of frames with a defined value
    per_frame: pd.DataFrame    # clip, frame, metrics (floats)
    label: str = ""            # the dataset label (see :mod:`.datasets`)
    label_source: str = ""     # where the label came from
    figures: dict[str, float] = field(default_factory=dict)  # the column values (NaN: undefined)
    resampled: frozenset[str] = frozenset()  # metrics whose figure is the mean of their rows
    unit: str = "clip"         # what a row group is: "clip", or "image" (each row its own unit)
    engine: bool = True        # from the clip engine (per_clip.csv; rows are frames)

    def figure(self, metric: str) -> float:
        """The value the table prints: the protocol's own dataset figure."""
        return self.figures.get(metric, math.nan)

    @property
    def aggregation(self) -> str:
        """The card's aggregation rule, in words ('' when the card has none)."""
        return str(((self.card or {}).get("rules") or {}).get("aggregation", ""))

    @property
    def higher_is_better(self) -> frozenset[str]:
        """Metrics declared larger-is-better by ``metric_declarations`` or the card."""
        declared = self.summary.get("metric_declarations") or {}
        listed = {m for m, d in declared.items() if isinstance(d, dict) and d.get("higher_is_better")}
        return frozenset(listed | set((self.card or {}).get("higher_is_better") or []))

    @property
    def card(self) -> dict | None:
        """The protocol card of ``summary.json`` (None for evaluations scored before cards)."""
        card = self.summary.get("card")
        return card if isinstance(card, dict) else None

    @property
    def gt_hash(self) -> str | None:
        """The hash of the ground-truth files, where ``summary.json`` records one."""
        value = self.summary.get("gt_hash")
        return value if isinstance(value, str) and value else None

    @property
    def protocol(self) -> str:
        """The rules the numbers follow: protocol name and version, else the convention."""
        protocol = self.summary.get("protocol")
        if isinstance(protocol, dict) and protocol.get("name"):
            return f"{protocol['name']} v{protocol.get('version', '?')}"
        return self.convention

    @property
    def identity(self) -> str:
        """Which ground truth: its file hash where known, else its dataset label."""
        return f"sha256:{self.gt_hash}" if self.gt_hash else f"label:{self.label}"

    @property
    def gt_key(self) -> str:
        """The ground truth as tables compare it (see :func:`mbench.leaderboard.store.group_tables`)."""
        return os.path.normpath(self.gt)

    def column(self, metric: str) -> int:
        return self.metrics.index(metric)

    def pooled(self, metric: str) -> float:
        """The dataset value: mean over every frame that has one."""
        j = self.column(metric)
        n = self.counts[:, j].sum()
        return float(self.sums[:, j].sum() / n) if n else math.nan

    def clip_means(self, metric: str) -> np.ndarray:
        j = self.column(metric)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.counts[:, j] > 0, self.sums[:, j] / np.maximum(self.counts[:, j], 1),
                            np.nan)


def _read_csv(path: Path) -> pd.DataFrame:
    return results.read_csv(path, text=True)


def _numbers(df: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    """A metric column as floats: 'nan' (or an empty cell) is NaN; anything else must be a number."""
    text = df[column].str.strip()
    values = np.array(pd.to_numeric(text, errors="coerce"), dtype=np.float64)
    undefined = text.str.lower().isin(["nan", ""]).to_numpy()
    bad = (np.isnan(values) & ~undefined) | np.isinf(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise BadInput(f"column {column!r}, line {i + 2}: not a number: {df[column].iloc[i]!r}", path)
    values[undefined] = np.nan
    return values


def _check_metric_names(names: list[str], convention: str, path: Path) -> tuple[str, ...]:
    allowed = display.available_metrics(convention)
    for name in names:
        if name in allowed:
            continue
        others = [c for c in display.convention_names() if name in display.available_metrics(c)]
        if others:
            raise BadInput(f"metric column {name!r} belongs to convention {others[0]}, but summary.json "
                           f"says {convention} (mixed conventions in one evaluation)", path)
        raise BadInput(f"unknown metric column {name!r} for convention {convention} "
                       f"(known: {', '.join(allowed)})", path)
    if len(set(names)) != len(names):
        raise BadInput("a metric column appears twice", path)
    return tuple(m for m in allowed if m in names)


def read_summary(path: Path) -> dict:
    """``summary.json`` of a whole evaluation, with the keys the leaderboard relies on checked."""
    summary = results.read_summary(path)
    for key, kind in (("convention", str), ("metrics", dict), ("gt", str)):
        if not isinstance(summary.get(key), kind):
            raise BadInput(f'summary.json has no "{key}" {kind.__name__}', path)
    if "shard" in summary:
        raise BadInput(f"is shard {summary['shard']} of an evaluation, not a whole one; combine the shards "
                       f"with 'mbench evaluate --merge' first", path)
    for key in ("protocol", "card", "extra", "metric_declarations"):
        if key in summary and not isinstance(summary[key], dict):
            raise BadInput(f'summary.json "{key}" must be a JSON object', path)
    # a protocol's own name is its convention; without a card only the engine's conventions exist
    if "card" not in summary and summary["convention"] not in display.convention_names():
        raise BadInput(f"unknown convention {summary['convention']!r} "
                       f"(known: {', '.join(display.convention_names())})", path)
    for key in ("gt_hash", "dataset"):
        if summary.get(key) is not None and not isinstance(summary[key], str):
            raise BadInput(f'summary.json "{key}" must be a string', path)
    for name, value in summary["metrics"].items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise BadInput(f"metrics.{name} must be a number or null, got {json.dumps(value)[:40]}", path)
    return summary


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= ATOL + RTOL * abs(b)


def read_evaluation(folder: Path, rel: str, method: Method, method_path: Path) -> Evaluation:
    """Read ``folder``'s three files and check that they describe the same numbers.

    Raises
    ------
    BadInput
        A file is missing, unreadable or malformed, or the files disagree with each other.
    """
    for name in REQUIRED:
        if not (folder / name).is_file():
            raise BadInput(f"evaluation is missing {name} (an evaluation holds {', '.join(FILES)}; "
                           f"per_clip.csv from the clip engine, tcvom and ftpvm)", folder / name)
    summary_path = folder / "summary.json"
    summary = read_summary(summary_path)
    convention = summary["convention"]

    frame_path = folder / "per_frame.csv"
    pf = _read_csv(frame_path)
    if list(pf.columns[:2]) != ["clip", "frame"]:
        raise BadInput("per_frame.csv must start with the columns clip, frame", frame_path)
    # a protocol module's per_clip.csv (tcvom, ftpvm) holds its original's own per-video figures,
    # not the pooled means of per_frame.csv that the clip engine's does
    own = "card" in summary and convention not in display.convention_names()
    if own or not (folder / "per_clip.csv").is_file():
        if "card" not in summary:
            raise BadInput("evaluation is missing per_clip.csv (an evaluation without a protocol card "
                           "holds per_frame.csv, per_clip.csv and summary.json)", folder / "per_clip.csv")
        return _read_protocol_evaluation(folder, rel, method, method_path, summary, pf)
    metrics = _check_metric_names(list(pf.columns[2:]), convention, frame_path)
    if not metrics:
        raise BadInput("per_frame.csv has no metric columns", frame_path)
    if pf.duplicated(["clip", "frame"]).any():
        row = pf[pf.duplicated(["clip", "frame"])].iloc[0]
        raise BadInput(f"frame {row['frame']} of clip {row['clip']} appears twice", frame_path)
    values = np.stack([_numbers(pf, m, frame_path) for m in metrics], axis=1)

    codes, uniques = pd.factorize(pf["clip"], sort=True)
    clips = tuple(str(c) for c in uniques)
    sums, counts = _clip_sums(codes, len(clips), values)
    frames = np.bincount(codes, minlength=len(clips))

    _check_per_clip(folder / "per_clip.csv", clips, frames, metrics, sums, counts)
    per_frame = pd.DataFrame({"clip": pf["clip"], "frame": pf["frame"]})
    for j, m in enumerate(metrics):
        per_frame[m] = values[:, j]
    label, source = dataset_label(summary, method.dataset, summary["gt"])
    ev = Evaluation(folder, rel, method, method_path, convention, summary["gt"],
                    str(summary.get("pred", "")), summary, metrics, clips, frames, sums, counts, per_frame,
                    label, source)
    _check_summary(summary_path, summary, ev)
    ev.figures = {m: ev.pooled(m) for m in metrics}
    ev.resampled = frozenset(metrics)
    return ev


def _clip_sums(codes: np.ndarray, n: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-clip sums of the defined values and their counts, (clips, metrics) each."""
    defined = ~np.isnan(values)
    sums = np.stack([np.bincount(codes, weights=np.where(defined[:, j], values[:, j], 0.0), minlength=n)
                     for j in range(values.shape[1])], axis=1)
    counts = np.stack([np.bincount(codes, weights=defined[:, j], minlength=n)
                       for j in range(values.shape[1])], axis=1)
    return sums, counts


def _read_protocol_evaluation(folder: Path, rel: str, method: Method, method_path: Path, summary: dict,
                              pf: pd.DataFrame) -> Evaluation:
    """A protocol module's evaluation: its figures as the original aggregates them, and the rows
    (per_frame.csv) that may be resampled where a figure is their mean."""
    frame_path = folder / "per_frame.csv"
    names = list(summary["metrics"])
    if not names:
        raise BadInput("summary.json has no metrics", folder / "summary.json")
    columns = [c for c in pf.columns[2:] if c in names]
    metrics = tuple(columns + sorted(m for m in names if m not in columns))
    clip = pf["clip"].str.strip()
    unit = "image" if (clip == "").all() else "clip"
    ids = pf["frame"] if unit == "image" else clip  # an image is its own unit
    values = np.stack([_numbers(pf, m, frame_path) if m in columns else np.full(len(pf), np.nan)
                       for m in metrics], axis=1)
    codes, uniques = pd.factorize(ids, sort=True)
    clips = tuple(str(c) for c in uniques)
    sums, counts = _clip_sums(codes, len(clips), values)
    frames = np.bincount(codes, minlength=len(clips))
    per_frame = pd.DataFrame({"clip": ids, "frame": pf["frame"]})
    for j, m in enumerate(metrics):
        per_frame[m] = values[:, j]
    label, source = dataset_label(summary, method.dataset, summary["gt"])
    ev = Evaluation(folder, rel, method, method_path, summary["convention"], summary["gt"],
                    str(summary.get("pred", "")), summary, metrics, clips, frames, sums, counts, per_frame,
                    label, source, unit=unit, engine=False)
    ev.figures = {m: math.nan if summary["metrics"][m] is None else float(summary["metrics"][m])
                  for m in metrics}
    # resampling a metric's rows is honest only where the printed figure is their mean
    ev.resampled = frozenset(m for m in columns if math.isfinite(ev.figure(m)) and _close(ev.figure(m), ev.pooled(m)))
    return ev


def _check_per_clip(path: Path, clips: tuple[str, ...], frames: np.ndarray, metrics: tuple[str, ...],
                    sums: np.ndarray, counts: np.ndarray) -> None:
    pc = _read_csv(path)
    if list(pc.columns[:2]) != ["clip", "frames"]:
        raise BadInput("per_clip.csv must start with the columns clip, frames", path)
    listed = tuple(pc["clip"])
    if sorted(listed) != list(clips):
        missing = sorted(set(clips) - set(listed)) or sorted(set(listed) - set(clips))
        raise BadInput(f"per_clip.csv and per_frame.csv list different clips (first: {missing[0]!r})"
                       if missing else "per_clip.csv lists a clip twice", path)
    order = [listed.index(c) for c in clips]
    n = _numbers(pc, "frames", path)[order]
    bad = np.flatnonzero(n != frames)
    if bad.size:
        c = clips[bad[0]]
        raise BadInput(f"clip {c}: frames = {n[bad[0]]:g} but per_frame.csv has {frames[bad[0]]} frames", path)
    for j, m in enumerate(metrics):
        if m not in pc.columns:
            raise BadInput(f"per_clip.csv has no column {m!r} (per_frame.csv has it)", path)
        listed_means = _numbers(pc, m, path)[order]
        for i, c in enumerate(clips):
            mean = sums[i, j] / counts[i, j] if counts[i, j] else math.nan
            if not _close(listed_means[i], mean):
                raise BadInput(f"clip {c}: {m} = {listed_means[i]:g} but the mean of its per_frame.csv "
                               f"rows is {mean:g}", path)


def _check_summary(path: Path, summary: dict, ev: Evaluation) -> None:
    listed = set(summary["metrics"])
    if listed != set(ev.metrics):
        diff = sorted(listed ^ set(ev.metrics))[0]
        raise BadInput(f"summary.json and per_frame.csv hold different metrics (first: {diff!r})", path)
    for m in ev.metrics:
        value = summary["metrics"][m]
        value = math.nan if value is None else float(value)
        if not _close(value, ev.pooled(m)):
            raise BadInput(f"metrics.{m} = {value:g} but the pooled mean of per_frame.csv is "
                           f"{ev.pooled(m):g}", path)
    for key, actual in (("n_clips", len(ev.clips)), ("n_frames", int(ev.frames.sum()))):
        if key in summary and summary[key] != actual:
            raise BadInput(f"{key} = {summary[key]} but per_frame.csv holds {actual}", path)
    covered = summary.get("metric_frames")
    if isinstance(covered, dict):
        for m, n in covered.items():
            if m in ev.metrics and isinstance(n, int) and n != int(ev.counts[:, ev.column(m)].sum()):
                raise BadInput(f"metric_frames.{m} = {n} but per_frame.csv defines "
                               f"{int(ev.counts[:, ev.column(m)].sum())} values", path)
