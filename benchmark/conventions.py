"""Named metric conventions, read from ``conventions.toml`` (data, not code)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping

from mbench.errors import BadInput


@dataclass(frozen=True)
class Convention:
    """How a family of papers computes its metrics."""

    name: str
    source: str
    description: str
    metrics: tuple[str, ...]          # reported by default
    foreground: tuple[str, ...]       # added when both trees have fgr/
    optional: tuple[str, ...]         # available on request
    region: str                       # "frame" or "unknown" (trimap == region_value)
    region_value: int
    column_major: bool                # Conn tie-break order
    params: Mapping[str, Mapping[str, object]]
    reading: str = "full"             # how alpha files are read (mbench.frames.READINGS)
    minmax_grad: bool = True          # Grad on min-max normalised mattes (False: on x / max)
    kinds: Mapping[str, str] = field(default_factory=dict)  # column -> metric (pha_mad -> mad)

    def kind(self, column: str) -> str:
        """The metric (a key of :data:`mbench.benchmark.metrics.METRICS`) behind a column name."""
        return self.kinds.get(column, column)

    @property
    def needs_trimap(self) -> bool:
        return self.region == "unknown"

    @property
    def available(self) -> tuple[str, ...]:
        return self.metrics + self.foreground + self.optional


@lru_cache(maxsize=None)
def conventions() -> Mapping[str, Convention]:
    """All conventions by name."""
    text = resources.files("mbench.benchmark").joinpath("conventions.toml").read_text()
    table = tomllib.loads(text)
    out = {}
    for name, c in table.items():
        out[name] = Convention(
            name=name, source=c["source"], description=c["description"],
            metrics=tuple(c["metrics"]), foreground=tuple(c["foreground"]),
            optional=tuple(c["optional"]), region=c["region"],
            region_value=int(c.get("region_value", 0)),
            column_major=c["component_order"] == "column-major",
            params=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in c["params"].items()}),
            reading=c.get("reading", "full"))
    return MappingProxyType(out)


def get_convention(name: str) -> Convention:
    """The convention ``name``; :class:`BadInput` listing the known ones otherwise."""
    table = conventions()
    if name not in table:
        raise BadInput(f"unknown convention (choose from {', '.join(table)})", name)
    return table[name]


def select_metrics(convention: Convention, requested: list[str] | None, have_fgr: bool) -> tuple[str, ...]:
    """The metrics to compute: ``requested`` if given (validated), else the convention's defaults."""
    if requested is None:
        return convention.metrics + (convention.foreground if have_fgr else ())
    for m in requested:
        if m not in convention.available:
            raise BadInput(f"unknown metric for convention {convention.name} "
                           f"(choose from {', '.join(convention.available)})", m)
        if m in convention.foreground and not have_fgr:
            raise BadInput("needs fgr/ layers in both the predictions and the ground truth", m)
    seen = []
    for m in requested:
        if m not in seen:
            seen.append(m)
    return tuple(seen)
