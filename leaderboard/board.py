"""The leaderboard's numbers: per table, every method's means, intervals, tests and ranks.

This module computes; :mod:`tables`, :mod:`plots`, :mod:`site` and :mod:`hf` only render what it
returns, so every output shows the same numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np

from mbench.errors import BadInput

from . import display, stats
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

    def check(self) -> None:
        if not 100 <= self.resamples <= 1_000_000:
            raise BadInput("must be between 100 and 1000000", f"--resamples {self.resamples}")
        if self.seed < 0:
            raise BadInput("must be >= 0", f"--seed {self.seed}")


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
    if sort not in known:
        present = sorted({m for t in tables for m in t.metrics})
        raise BadInput(f"unknown metric (choose from {', '.join(present)})", f"--sort {sort}")
    for t in tables:
        if sort not in t.metrics:
            raise BadInput(f"the table of {t.gt} (convention {t.convention}) has no {sort} column "
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
        tail = "-".join(table.gt.replace("\\", "/").rstrip("/").split("/")[-2:])
        slug = base = f"{table.convention}-{_slug(tail)}"
        k = 2
        while slug in slugs:
            slug, k = f"{base}-{k}", k + 1
        slugs.add(slug)
        results.append(compute_table(table, sort, options, slug))
    return results


def _metric_stats(evs: list[Evaluation], rows: list[Row], metric: str, weights: np.ndarray,
                  options: Options) -> None:
    """Fill every row's mean, interval, tests against the best and rank for ``metric``."""
    members = [i for i, ev in enumerate(evs) if metric in ev.metrics]
    cols = [evs[i].column(metric) for i in members]
    sums = np.stack([evs[i].sums[:, c] for i, c in zip(members, cols)], axis=1)
    counts = np.stack([evs[i].counts[:, c] for i, c in zip(members, cols)], axis=1)
    boot = stats.bootstrap_means(sums, counts, weights)
    lo, hi = stats.percentile_interval(boot, options.level)
    means = [evs[i].pooled(metric) for i in members]
    clip_means = [evs[i].clip_means(metric) for i in members]
    tests: dict[tuple[int, int], stats.Comparison] = {}

    def compare(a: int, b: int) -> stats.Comparison:
        if (a, b) not in tests:
            tests[a, b] = stats.Comparison(stats.paired_bootstrap_p(boot[:, a], boot[:, b]),
                                           stats.wilcoxon_p(clip_means[a], clip_means[b]))
        return tests[a, b]

    ranks = stats.significance_ranks(means, lambda a, b: compare(a, b).significant(options.alpha))
    finite = [k for k in range(len(members)) if math.isfinite(means[k])]
    kbest = min(finite, key=lambda k: means[k]) if finite else None
    for k, i in enumerate(members):
        rows[i].mean[metric] = means[k]
        rows[i].ci[metric] = (float(lo[k]), float(hi[k]))
        rows[i].rank[metric] = ranks[k]
        if kbest is not None and k != kbest and math.isfinite(means[k]):
            c = compare(kbest, k)
            rows[i].p_bootstrap[metric], rows[i].p_wilcoxon[metric] = c.p_bootstrap, c.p_wilcoxon


def compute_table(table: Table, sort: str, options: Options, slug: str) -> TableResult:
    """Means, bootstrap intervals, paired tests against the best and ranks of one table."""
    rows = [Row(ev.method.name, evaluation=ev, parameters=ev.method.parameters, gmacs=ev.method.gmacs,
                fps=ev.method.fps) for ev in table.evaluations]
    # one set of clip draws per table, shared by all methods and metrics (paired tests)
    rng = np.random.default_rng([options.seed, table.seed_key])
    n = len(table.clips)
    weights = stats.resample_weights(stats.resample_indices(n, options.resamples, rng), n)
    for metric in table.metrics:
        _metric_stats(table.evaluations, rows, metric, weights, options)

    def sort_key(row: Row) -> tuple:
        v = row.value(sort)
        return (not math.isfinite(v), v if math.isfinite(v) else 0.0, row.name.casefold())

    rows.sort(key=sort_key)
    published = []
    if options.reported:
        for r in reported_rows(table.convention):
            published.append(Row(r.label, reported=r, parameters=r.parameters, gmacs=r.gmacs, fps=r.fps,
                                 mean={m: v for m, v in r.values.items() if m in table.metrics}))
    styles = {m: _style(table.convention, m, rows) for m in table.metrics}
    title = (f"{table.gt} \u00b7 convention {table.convention} \u00b7 {n} clip{'s' * (n != 1)}, "
             f"{table.n_frames} frame{'s' * (table.n_frames != 1)}")
    return TableResult(table, slug, title, sort, styles, rows, published)
