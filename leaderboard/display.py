"""What a convention's metrics are called and how they are printed (``display.toml``).

Which metrics a convention may report comes from the engine itself
(:mod:`mbench.benchmark.conventions`), so the leaderboard and ``mbench evaluate`` cannot disagree;
a protocol module's metrics come from its ``summary.json`` and card. Only labels, decimals and the
default sort column live here; a metric not listed is shown by its name in capitals, 3 decimals.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping

from mbench.benchmark.conventions import conventions


@dataclass(frozen=True)
class MetricStyle:
    """How one metric of one convention is shown."""

    name: str
    label: str
    latex: str
    decimals: int

    def format(self, value: float | None) -> str:
        """``value`` with the metric's decimals; an en dash when it is unknown."""
        if value is None or not math.isfinite(value):
            return "\u2013"
        return f"{value:.{self.decimals}f}"


@lru_cache(maxsize=None)
def _table() -> Mapping[str, dict]:
    text = resources.files("mbench.leaderboard").joinpath("display.toml").read_text()
    return MappingProxyType(tomllib.loads(text))


def convention_names() -> tuple[str, ...]:
    """The conventions the engine knows."""
    return tuple(conventions())


def available_metrics(convention: str) -> tuple[str, ...]:
    """Every metric an evaluation under ``convention`` may hold, in the engine's column order."""
    return conventions()[convention].available


def default_sort(convention: str) -> str | None:
    """The column a table of ``convention`` is sorted by when ``--sort`` is not given (None for a
    protocol display.toml does not list: the table's first column then)."""
    conv = _table()["conventions"].get(convention, {})
    if "default_sort" in conv:
        return conv["default_sort"]
    return conventions()[convention].metrics[0] if convention in conventions() else None


def metric_style(convention: str, metric: str) -> MetricStyle:
    """Label, LaTeX label and decimals of ``metric`` under ``convention``."""
    base = dict(_table()["metrics"].get(metric, {}))
    base.update(_table()["conventions"].get(convention, {}).get("overrides", {}).get(metric, {}))
    label = base.get("label", metric.upper())
    return MetricStyle(metric, label, base.get("latex", label), int(base.get("decimals", 3)))


def higher_is_better(metric: str) -> bool:
    """Whether larger values of ``metric`` are better (``higher_is_better = true`` in display.toml;
    every error metric is lower-is-better). A protocol's own declarations (summary.json
    "metric_declarations", the card) decide first; see :func:`mbench.leaderboard.board.higher_is_better`."""
    return bool(_table()["metrics"].get(metric, {}).get("higher_is_better", False))
