"""The plots of a table (matplotlib, Agg, no pyplot state), each written as PNG and SVG.

- ``<slug>_bars``: one panel per metric, a bar per method with its bootstrap interval.
- ``<slug>_time``: the sort metric frame by frame, one panel per clip, a line per method (temporal
  flicker and drift show here, where the means hide them).
- ``<slug>_speed``: quality against speed, the sort metric against fps with its interval, marker
  area proportional to the parameter count (hollow where unknown); only methods that report fps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .board import TableResult

RC = {"svg.hashsalt": "mbench", "svg.fonttype": "none", "font.size": 9, "axes.titlesize": 9,
      "axes.spines.top": False, "axes.spines.right": False}
SAVE = {"png": {"dpi": 110, "metadata": {"Software": None}}, "svg": {"metadata": {"Date": None}}}


@dataclass(frozen=True)
class Plot:
    """One written plot."""

    name: str      # file stem inside the board
    caption: str


def method_colors(results: list[TableResult]) -> dict[str, tuple]:
    """One colour per method name, the same in every table and plot."""
    from matplotlib import colormaps

    names = sorted({r.name for t in results for r in t.rows}, key=str.casefold)
    cmap = colormaps["tab10"] if len(names) <= 10 else colormaps["tab20"]
    return {n: cmap(i % cmap.N) for i, n in enumerate(names)}


def _save(fig, folder: Path, name: str) -> None:
    for ext, kwargs in SAVE.items():
        fig.savefig(folder / f"{name}.{ext}", format=ext, **kwargs)


MIN_WIDTH = 6.4  # inches: a two-line title and a legend fit even when there is one panel


def _title(result: TableResult, text: str) -> str:
    """A figure title wrapped to the figure's width (long dataset labels would be clipped)."""
    import textwrap

    return "\n".join(textwrap.fill(line, 95) for line in f"{result.title}\n{text}".split("\n"))


def _legend_columns(width: float, labels: list[str]) -> int:
    """How many legend entries fit side by side in ``width`` inches (9 pt text: about 0.075 in a
    character, plus the line sample), so long method names wrap into rows instead of being cut."""
    entry = 0.075 * max((len(label) for label in labels), default=1) + 0.7
    return max(1, min(len(labels), int(max(width, MIN_WIDTH) // entry)))


def _legend(fig, handles, labels) -> None:
    """A legend under the figure (see :func:`_legend_columns`)."""
    if labels:
        fig.legend(handles, labels, loc="outside lower center", frameon=False,
                   ncols=_legend_columns(fig.get_figwidth(), labels))


LONG_NAMES = 12  # characters: longer method names go into a legend, not under the bars


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(width, MIN_WIDTH), height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def bars(result: TableResult, colors: dict, folder: Path) -> Plot:
    metrics = result.metrics
    ncols = len(metrics) if len(metrics) <= 5 else 4
    nrows = math.ceil(len(metrics) / ncols)
    n = len(result.rows)
    long_names = any(len(r.name) > LONG_NAMES for r in result.rows)
    fig = _figure(max(2.2 * ncols, 0.45 * n * ncols), (1.8 if long_names else 2.6) * nrows + 0.3
                  + (0.25 * math.ceil(n / 2) if long_names else 0))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, metric in zip(axes, metrics):
        rows = [r for r in result.rows if math.isfinite(r.value(metric))]
        x = np.arange(len(rows))
        means = np.array([r.value(metric) for r in rows])
        lo = np.array([r.ci.get(metric, (math.nan, math.nan))[0] for r in rows])
        hi = np.array([r.ci.get(metric, (math.nan, math.nan))[1] for r in rows])
        err = np.vstack([np.nan_to_num(means - lo), np.nan_to_num(hi - means)])
        ax.bar(x, means, yerr=err, capsize=3, color=[colors[r.name] for r in rows], edgecolor="black",
               linewidth=0.4, error_kw={"linewidth": 0.8})
        if long_names:
            ax.set_xticks([])
        else:
            ax.set_xticks(x, [r.name for r in rows], rotation=35, ha="right")
        ax.set_title(f"{result.styles[metric].label} {result.better(metric)}")
        ax.margins(y=0.1)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    if long_names:
        from matplotlib.patches import Patch

        _legend(fig, [Patch(color=colors[r.name]) for r in result.rows], [r.name for r in result.rows])
    what = ("mean (too few frames for an interval)" if result.plan.kind == "none" else
            f"mean and 95 % bootstrap interval ({'clips' if result.plan.kind == 'clips' else 'blocks of frames within clips'})")
    fig.suptitle(_title(result, what), fontsize=9)
    name = f"{result.slug}_bars"
    _save(fig, folder, name)
    return Plot(name, f"Per-metric {what}. {result.plan.describe()}")


def over_time(result: TableResult, colors: dict, folder: Path) -> Plot:
    from matplotlib.ticker import MaxNLocator

    metric = result.sort
    clips = result.table.clips
    ncols = min(len(clips), 4)
    nrows = math.ceil(len(clips) / ncols)
    names = [r.name for r in result.rows]
    legend_rows = math.ceil(len(names) / _legend_columns(3.0 * ncols, names))
    fig = _figure(3.0 * ncols, 1.9 * nrows + 0.8 + 0.2 * legend_rows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, sharey=True)).ravel()
    by_method = {r.name: r.evaluation.per_frame.groupby("clip", sort=False)
                 for r in result.rows if metric in r.evaluation.metrics}
    for ax, clip in zip(axes, clips):
        for row in result.rows:
            if row.name not in by_method:
                continue
            values = by_method[row.name].get_group(clip)[metric].to_numpy()
            ax.plot(np.arange(values.size), values, color=colors[row.name], linewidth=0.9, label=row.name)
        ax.set_title(clip, loc="left")
        ax.set_xlabel("frame")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in axes[len(clips):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    _legend(fig, handles, labels)
    label = result.styles[metric].label
    better = "higher" if metric in result.higher else "lower"
    fig.suptitle(_title(result, f"{label} per frame ({better} is better)"), fontsize=9)
    name = f"{result.slug}_time"
    _save(fig, folder, name)
    return Plot(name, f"{label} frame by frame on every clip, one line per method.")


def speed(result: TableResult, colors: dict, folder: Path) -> Plot | None:
    metric = result.sort
    rows = [r for r in result.rows if r.fps is not None and math.isfinite(r.value(metric))]
    if not rows:
        return None
    known = [r.parameters for r in rows if r.parameters]
    top = max(known) if known else 1
    fig = _figure(5.0, 3.6)
    ax = fig.add_subplot()
    for r in rows:
        mean, (lo, hi) = r.value(metric), r.ci.get(metric, (math.nan, math.nan))
        size = 40 + 700 * r.parameters / top if r.parameters else 60
        face = colors[r.name] if r.parameters else "none"
        ax.errorbar([r.fps], [mean], yerr=[[mean - lo], [hi - mean]], fmt="none", ecolor="gray",
                    elinewidth=0.8, capsize=3)
        ax.scatter([r.fps], [mean], s=size, facecolors=face, edgecolors=colors[r.name], linewidths=1.2,
                   alpha=0.85, zorder=3)
        ax.annotate(r.name, (r.fps, mean), xytext=(6, 6), textcoords="offset points", fontsize=8)
    label = result.styles[metric].label
    ax.set_xlabel("frames per second (as reported in method.json) \u2192 faster")
    ax.set_ylabel(f"{label} {result.better(metric)}")
    ax.margins(0.2)
    ax.set_title(_title(result, "quality vs speed; marker area \u221d parameters (hollow: unknown)"),
                 fontsize=8)
    name = f"{result.slug}_speed"
    _save(fig, folder, name)
    return Plot(name, f"{label} against fps; marker area proportional to the parameter count.")


def write_plots(results: list[TableResult], folder: Path) -> dict[str, list[Plot]]:
    """Every plot of every table, written into ``folder``; returns them by table slug."""
    import matplotlib

    colors = method_colors(results)
    out: dict[str, list[Plot]] = {}
    with matplotlib.rc_context(RC):
        for r in results:
            plots = [bars(r, colors, folder), over_time(r, colors, folder), speed(r, colors, folder)]
            out[r.slug] = [p for p in plots if p is not None]
    return out
