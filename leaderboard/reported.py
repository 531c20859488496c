"""The papers' published numbers (``reported.toml``), shown as "reported, not re-measured" rows."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Mapping

from mbench.errors import BadInput

LABEL = "reported, not re-measured"
_ROW_KEYS = ("method", "parameters", "gmacs", "fps", "hardware")


@dataclass(frozen=True)
class Source:
    """Where a group of published numbers comes from."""

    key: str          # short tag shown next to the method, e.g. "R1"
    convention: str
    citation: str
    setting: str
    note: str

    def describe(self) -> str:
        text = f"[{self.key}] {self.citation}; {self.setting}"
        return f"{text}. {self.note}" if self.note else text


@dataclass(frozen=True)
class ReportedRow:
    """One published row: a method's numbers as printed in a paper."""

    method: str
    source: Source
    values: Mapping[str, float]
    parameters: int | None = None
    gmacs: float | None = None
    fps: float | None = None
    hardware: str | None = None

    @property
    def label(self) -> str:
        return f"{self.method} [{self.source.key}]"


@lru_cache(maxsize=None)
def _load() -> tuple[ReportedRow, ...]:
    text = resources.files("mbench.leaderboard").joinpath("reported.toml").read_text()
    rows = []
    for s in tomllib.loads(text)["sources"]:
        source = Source(s["key"], s["convention"], s["citation"], s["setting"], s.get("note", ""))
        for r in s["rows"]:
            values = {k: float(v) for k, v in r.items() if k not in _ROW_KEYS}
            rows.append(ReportedRow(r["method"], source, values, r.get("parameters"), r.get("gmacs"),
                                    r.get("fps"), r.get("hardware")))
    return tuple(rows)


def reported_rows(convention: str) -> list[ReportedRow]:
    """Published rows that use ``convention``'s metric definitions."""
    return [r for r in _load() if r.source.convention == convention]


def reported_conventions() -> set[str]:
    return {r.source.convention for r in _load()}


def require_reported_table(conventions: set[str]) -> None:
    """``--reported`` needs a table the published rows can sit in."""
    if not conventions & reported_conventions():
        raise BadInput(f"the published numbers use convention {', '.join(sorted(reported_conventions()))}, "
                       f"but this store has only {', '.join(sorted(conventions))} evaluations", "--reported")
