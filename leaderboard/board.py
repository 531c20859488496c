"""The leaderboard's numbers: per table, every method's means, intervals, tests and ranks.

This module computes; :mod:`tables`, :mod:`plots`, :mod:`site` and :mod:`hf` only render what it
returns, so every output shows the same numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from mbench.errors import BadInput

from . import display, resampling, stats
from .evaluation import Evaluation
from .reported import ReportedRow, require_reported_table, reported_rows
from .store import Table


@dataclass(frozen=True)
class Options:
    """How a board is computed (also recorded in ``board.json`` so that submit can rebuild it)."""

    sort: str | None = None
    reported: bool = False
    hf: bool = False
    seed: int = 0
    resamples: int = 10_000
    level: float = 0.95
    alpha: float = 0.05
    figures: bool = False
    figure_frames: tuple[str, ...] = ()   # CLIP:FRAME; empty: picked where the methods disagree most

    def check(self) -> None:
        if not 100 <= self.resamples <= 1_000_000:
            raise BadInput("must be between 100 and 1000000", f"--resamples {self.resamples}")
        if self.seed < 0:
            raise BadInput("must be >= 0", f"--seed {self.seed}")
        from .figures import parse_frame

        for text in self.figure_frames:
            parse_frame(text)


@dataclass
class Row:
    """One line of a table: a measured method, or a published (reported) one."""

    name: str
    evaluation: Evaluation | None = None
    reported: ReportedRow | None = None
    mean: dict[str, float] = field(default_factory=dict)
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    p_bootstrap: dict[str, float] = field(default_factory=dict)   # against the metric's best
    p_wilcoxon: dict[str, float] = field(default_factory=dict)
    rank: dict[str, int | None] = field(default_factory=dict)
    p_first: dict[str, float] = field(default_factory=dict)      # share of resamples ranked first
    parameters: int | None = None
    gmacs: float | None = None
    fps: float | None = None

    @property
    def measured(self) -> bool:
        return self.evaluation is not None

    def value(self, metric: str) -> float:
        return self.mean.get(metric, math.nan)


@dataclass
class TableResult:
    """A table ready to render."""

    table: Table
    slug: str
    title: str
    sort: str
    styles: dict[str, display.MetricStyle]
    rows: list[Row]            # measured, in order of the sort metric
    reported: list[Row]        # published rows (empty without --reported)
    plan: resampling.Plan = field(default_factory=lambda: resampling.Plan("clips", 0))
    higher: frozenset[str] = frozenset()   # metrics where larger is better
    fixed: tuple[str, ...] = ()            # metrics shown as figures only (not a mean of rows)

    def better(self, metric: str) -> str:
        """An arrow saying which way is better."""
        return "\u2191" if metric in self.higher else "\u2193"

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.table.metrics

    @property
    def convention(self) -> str:
        return self.table.convention

    def has(self, column: str) -> bool:
        """Whether any row knows ``column`` (parameters, gmacs or fps)."""
        return any(getattr(r, column) is not None for r in self.rows + self.reported)


def choose_sort(tables: list[Table], sort: str | None) -> list[str]:
    """The sort metric of each table (``--sort`` for all, else each convention's default)."""
    if sort is None:
        return [display.default_sort(t.convention) if display.default_sort(t.convention) in t.metrics
                else t.metrics[0] for t in tables]
    known = {m for c in display.convention_names() for m in display.available_metrics(c)}
    known |= {m for t in tables for m in t.metrics}
    if sort not in known:
        present = sorted({m for t in tables for m in t.metrics})
        raise BadInput(f"unknown metric (choose from {', '.join(present)})", f"--sort {sort}")
    for t in tables:
        if sort not in t.metrics:
            raise BadInput(f"the table of {t.label} ({t.protocol}) has no {sort} column "
                           f"(it has {', '.join(t.metrics)})", f"--sort {sort}")
    return [sort] * len(tables)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "table"


def _style(convention: str, metric: str, rows: list[Row]) -> display.MetricStyle:
    """The metric's style, with more decimals if its smallest mean would otherwise show < 2 digits."""
    style = display.metric_style(convention, metric)
    values = [abs(r.value(metric)) for r in rows if math.isfinite(r.value(metric)) and r.value(metric) != 0]
    if not values:
        return style
    needed = min(6, max(0, 1 - math.floor(math.log10(min(values)))))
    return replace(style, decimals=max(style.decimals, needed))


def compute_board(tables: list[Table], options: Options) -> list[TableResult]:
    """Statistics of every table; deterministic for ``options.seed``."""
    options.check()
    if options.reported:
        require_reported_table({t.convention for t in tables})
    sorts = choose_sort(tables, options.sort)
    results, slugs = [], set()
    for table, sort in zip(tables, sorts):
        slug = base = f"{_slug(table.protocol or table.convention)}-{_slug(table.label)}"
        k = 2
        while slug in slugs:
            slug, k = f"{base}-{k}", k + 1
        slugs.add(slug)
        results.append(compute_table(table, sort, options, slug))
    return results


def higher_is_better(table: Table) -> frozenset[str]:
    """Metrics of ``table`` where larger is better: from its evaluations' ``metric_declarations``
    and protocol cards, or ``display.toml`` for evaluations without them."""
    listed = {m for ev in table.evaluations for m in ev.higher_is_better}
    return frozenset(m for m in table.metrics if m in listed or display.higher_is_better(m))


def fixed_metrics(table: Table) -> tuple[str, ...]:
    """Metrics whose figure is not the mean of per_frame.csv rows in some evaluation: no honest
    resampling exists, so they get no interval, test or rank."""
    return tuple(m for m in table.metrics
                 if any(m in ev.metrics and m not in ev.resampled for ev in table.evaluations))


def _frame_values(table: Table, ev: Evaluation, metric: str) -> np.ndarray:
    """``metric``'s per-frame values of ``ev`` in the table's clip order, then frame order."""
    df = ev.per_frame
    order = {c: i for i, c in enumerate(table.clips)}
    frame = pd.to_numeric(df["frame"], errors="coerce")
    key = pd.DataFrame({"c": df["clip"].map(order), "f": frame.fillna(-1), "t": df["frame"]})
    index = key.sort_values(["c", "f", "t"], kind="stable").index
    return df[metric].to_numpy(np.float64)[index]


def _series(table: Table) -> list[np.ndarray]:
    """Every per-frame series (evaluation x metric x clip), for the block length."""
    cuts = np.cumsum(table.frames)[:-1]
    return [part for ev in table.evaluations for m in ev.metrics
            for part in np.split(_frame_values(table, ev, m), cuts)]


def _boot(table: Table, evs: list[Evaluation], members: list[int], metric: str, plan: resampling.Plan,
          options: Options) -> np.ndarray:
    """Resampled pooled means ``(resamples, members)`` under the table's plan (same draws for every
    method and metric: the generator is seeded by the table)."""
    rng = np.random.default_rng([options.seed, table.seed_key])
    if plan.kind == "clips":
        cols = [evs[i].column(metric) for i in members]
        sums = np.stack([evs[i].sums[:, c] for i, c in zip(members, cols)], axis=1)
        counts = np.stack([evs[i].counts[:, c] for i, c in zip(members, cols)], axis=1)
        n = len(table.clips)
        weights = stats.resample_weights(stats.resample_indices(n, options.resamples, rng), n)
        return stats.bootstrap_means(sums, counts, weights)
    values = np.stack([_frame_values(table, evs[i], metric) for i in members], axis=1)
    defined = np.isfinite(values)
    values = np.where(defined, values, 0.0)
    parts = []
    for weights in resampling.block_weights(table.frames, plan.block, options.resamples, rng):
        parts.append(stats.bootstrap_means(values, defined.astype(np.float64), weights))
    return np.concatenate(parts)


def _metric_stats(table: Table, rows: list[Row], metric: str, plan: resampling.Plan, higher: bool,
                  options: Options, fixed: bool = False) -> None:
    """Fill every row's mean, interval, tests against the best (Holm), first-place share and rank;
    only the figure for a ``fixed`` metric (not a mean of rows)."""
    evs = table.evaluations
    members = [i for i, ev in enumerate(evs) if metric in ev.metrics]
    means = [evs[i].figure(metric) for i in members]
    sign = -1.0 if higher else 1.0
    order = sorted((k for k in range(len(members)) if math.isfinite(means[k])), key=lambda k: sign * means[k])
    for k, i in enumerate(members):
        rows[i].mean[metric] = means[k]
    if fixed:
        return
    if plan.kind == "none":  # nothing can be inferred: order by mean, ties only where means are equal
        for k in order:
            rows[members[k]].rank[metric] = 1 + sum(sign * means[j] < sign * means[k] for j in order)
        return
    boot = _boot(table, evs, members, metric, plan, options)
    lo, hi = stats.percentile_interval(boot, options.level)
    share = resampling.first_place_share(boot, higher)
    clip_means = [evs[i].clip_means(metric) for i in members]
    raw: dict[tuple[int, int], tuple[float, float]] = {}

    def test(a: int, b: int) -> tuple[float, float]:
        if (a, b) not in raw:
            p_boot = stats.paired_bootstrap_p(boot[:, a], boot[:, b])
            p_wil = stats.wilcoxon_p(clip_means[a], clip_means[b]) if plan.kind == "clips" else math.nan
            raw[a, b] = (p_boot, p_wil)
        return raw[a, b]

    def adjusted(leader: int, others: list[int]) -> list[tuple[float, float]]:
        tests = [test(leader, k) for k in others]
        return list(zip(resampling.holm([t[0] for t in tests]), resampling.holm([t[1] for t in tests])))

    def significant(p: tuple[float, float]) -> bool:
        if plan.kind == "clips":
            return p[0] < options.alpha and p[1] < options.alpha
        return p[0] < options.alpha

    ranks: dict[int, int] = {}
    start = 0
    while start < len(order):  # a group: its leader and the next methods not significantly worse
        leader, rest = order[start], order[start + 1:]
        ranks[leader] = start + 1
        end = start + 1
        for k, p in zip(rest, adjusted(leader, rest)):
            if significant(p):
                break
            ranks[k], end = start + 1, end + 1
        start = end
    best = order[0] if order else None
    versus_best = dict(zip(order[1:], adjusted(best, order[1:]))) if best is not None else {}
    for k, i in enumerate(members):
        rows[i].ci[metric] = (float(lo[k]), float(hi[k]))
        rows[i].rank[metric] = ranks.get(k)
        rows[i].p_first[metric] = float(share[k])
        if k in versus_best:
            rows[i].p_bootstrap[metric] = versus_best[k][0]
            if plan.kind == "clips":
                rows[i].p_wilcoxon[metric] = versus_best[k][1]


def compute_table(table: Table, sort: str, options: Options, slug: str) -> TableResult:
    """Means, bootstrap intervals, paired tests against the best and ranks of one table."""
    rows = [Row(ev.method.name, evaluation=ev, parameters=ev.method.parameters, gmacs=ev.method.gmacs,
                fps=ev.method.fps) for ev in table.evaluations]
    n = len(table.clips)
    if n >= resampling.MIN_CLIPS:
        plan = resampling.Plan("clips", n, unit=table.unit)
    elif table.unit == "image":  # one row per image: nothing to resample within
        plan = resampling.Plan("none", n, unit="image")
    else:
        plan = resampling.choose_plan([int(f) for f in table.frames], _series(table))
    higher = higher_is_better(table)
    fixed = fixed_metrics(table)
    for metric in table.metrics:
        _metric_stats(table, rows, metric, plan, metric in higher, options, metric in fixed)
    sign = -1.0 if sort in higher else 1.0

    def sort_key(row: Row) -> tuple:
        v = row.value(sort)
        return (not math.isfinite(v), sign * v if math.isfinite(v) else 0.0, row.name.casefold())

    rows.sort(key=sort_key)
    published = []
    if options.reported:
        for r in reported_rows(table.convention):
            published.append(Row(r.label, reported=r, parameters=r.parameters, gmacs=r.gmacs, fps=r.fps,
                                 mean={m: v for m, v in r.values.items() if m in table.metrics}))
    styles = {m: _style(table.convention, m, rows) for m in table.metrics}
    rules = f"protocol {table.protocol}" if table.card else f"convention {table.convention}"
    size = (f"{n} image{'s' * (n != 1)}" if table.unit == "image" else
            f"{n} clip{'s' * (n != 1)}, {table.n_frames} row{'s' * (table.n_frames != 1)}"
            if not table.engine else
            f"{n} clip{'s' * (n != 1)}, {table.n_frames} frame{'s' * (table.n_frames != 1)}")
    title = f"{table.label} \u00b7 {rules} \u00b7 {size}"
    return TableResult(table, slug, title, sort, styles, rows, published, plan, higher, fixed)
