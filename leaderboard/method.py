"""``method.json``: what a results store says about the method behind an evaluation.

Schema (every key but ``name`` optional; ``null`` means unknown)::

    {
      "name": "MyNet",                      # shown in the tables; unique within a table
      "parameters": 3749000,                # parameter count (a whole number)
      "gmacs": 4.57,                        # multiply-accumulates per frame, in billions
      "fps": 131.9,                         # frames per second, measured on `hardware`
      "hardware": "1x RTX 3090, FP16",
      "speed": [{"size": [512, 288], "fps": 131.9, "peak_memory_mb": 97.1,   # per resolution, measured
                 "repeats": 3, "statistic": "median", "device": "cuda", "threads": null}],
      "preset": "rvm-stage4",               # training preset
      "training": "4 stages, 40 epochs",    # training notes
      "notes": "input 512x288",
      "dataset": "videomatte8k/valid (seed 0)",   # the label of the data it was scored on
      "date": "2024-05-01",                 # ISO 8601 date (a time may follow)
      "mbench_version": "0.1.0",
      "url": "https://example.org/mynet",   # shown as text, never fetched
      "commands": ["mbench run-baselines ...", "mbench evaluate ..."]   # what produced the numbers
    }

Other keys are kept and shown on the method's card as they are.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

from mbench.errors import BadInput
from mbench.regular import read_regular

# key -> (kind, what it holds); the kinds are checked by _CHECKS below.
SCHEMA: Mapping[str, tuple[str, str]] = {
    "name": ("name", "method name"),
    "parameters": ("count", "parameter count"),
    "gmacs": ("number", "GMACs per frame"),
    "fps": ("positive", "frames per second"),
    "hardware": ("text", "hardware the speed was measured on"),
    "speed": ("speed", "speed and peak memory per resolution"),
    "preset": ("text", "training preset"),
    "training": ("text", "training notes"),
    "notes": ("text", "notes"),
    "dataset": ("label", "dataset label"),
    "date": ("date", "date"),
    "mbench_version": ("text", "mbench version"),
    "url": ("text", "link (shown as text)"),
    "commands": ("commands", "commands that produced the numbers"),
}


@dataclass(frozen=True)
class Method:
    """A validated ``method.json``."""

    name: str
    parameters: int | None = None
    gmacs: float | None = None
    fps: float | None = None
    hardware: str | None = None
    speed: tuple[Mapping[str, Any], ...] = ()
    preset: str | None = None
    training: str | None = None
    notes: str | None = None
    dataset: str | None = None
    date: str | None = None
    mbench_version: str | None = None
    url: str | None = None
    commands: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict:
        """The ``method.json`` object (unknown values left out)."""
        out = {k: getattr(self, k) for k in SCHEMA if getattr(self, k) not in (None, ())}
        if self.commands:
            out["commands"] = list(self.commands)
        if self.speed:
            out["speed"] = [dict(entry) for entry in self.speed]
        out.update(self.extra)
        return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_name(v: Any) -> str | None:
    if not isinstance(v, str) or not v.strip():
        return "must be a non-empty string"
    # a display name, never a path (a submission's folder is a slug of it), but one printable line
    if not v.isprintable() or len(v) > 120:
        return "must be one line of at most 120 printable characters (no control characters)"
    return None


def _check_count(v: Any) -> str | None:
    ok = (isinstance(v, int) and not isinstance(v, bool)) or (_number(v) and float(v).is_integer())
    return None if ok and v >= 0 else "must be a whole number >= 0 (the parameter count, e.g. 3749000)"


def _check_number(v: Any) -> str | None:
    return None if _number(v) and v >= 0 else "must be a number >= 0"


def _check_positive(v: Any) -> str | None:
    return None if _number(v) and v > 0 else "must be a number > 0"


def _check_text(v: Any) -> str | None:
    return None if isinstance(v, str) else "must be a string"


def _check_date(v: Any) -> str | None:
    if isinstance(v, str):
        for parse in (date.fromisoformat, datetime.fromisoformat):
            try:
                parse(v)
                return None
            except ValueError:
                pass
    return "must be an ISO 8601 date such as 2024-05-01"


def _check_commands(v: Any) -> str | None:
    if isinstance(v, str) or (isinstance(v, list) and all(isinstance(c, str) for c in v)):
        return None
    return "must be a string or a list of strings"


def _check_label(v: Any) -> str | None:
    if not isinstance(v, str) or not v.strip() or "\n" in v or len(v) > 80:
        return "must be one non-empty line of at most 80 characters"
    return None


def _check_speed(v: Any) -> str | None:
    problem = "must be a list of {\"size\": [W, H], \"fps\": > 0, \"peak_memory_mb\": >= 0, ...}"
    if not isinstance(v, list):
        return problem
    for entry in v:
        if not isinstance(entry, dict) or not isinstance(entry.get("size"), list) or len(entry["size"]) != 2:
            return problem
        if not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in entry["size"]):
            return problem
        if _check_positive(entry.get("fps")) or (entry.get("peak_memory_mb") is not None
                                                and _check_number(entry["peak_memory_mb"])):
            return problem
    return None


_CHECKS = {"name": _check_name, "label": _check_label, "speed": _check_speed, "count": _check_count, "number": _check_number,
           "positive": _check_positive, "text": _check_text, "date": _check_date,
           "commands": _check_commands}


def parse_method(obj: Any, path: str | os.PathLike) -> Method:
    """Validate a decoded ``method.json`` object.

    Raises
    ------
    BadInput
        Naming ``path``, the key and what is wrong with its value.
    """
    if not isinstance(obj, dict):
        raise BadInput("method.json must hold a JSON object", path)
    if "name" not in obj:
        raise BadInput('method.json has no "name"', path)
    values: dict[str, Any] = {}
    for key, value in obj.items():
        if key not in SCHEMA:
            continue
        if value is None and key != "name":
            continue
        problem = _CHECKS[SCHEMA[key][0]](value)
        if problem:
            raise BadInput(f'"{key}" {problem}, got {json.dumps(value)[:60]}', path)
        values[key] = value
    values["name"] = values["name"].strip()
    if "dataset" in values:
        values["dataset"] = values["dataset"].strip()
    if "parameters" in values:
        values["parameters"] = int(values["parameters"])
    for key in ("gmacs", "fps"):
        if key in values:
            values[key] = float(values[key])
    if "speed" in values:
        values["speed"] = tuple(dict(entry) for entry in values["speed"])
    if "commands" in values:
        c = values["commands"]
        values["commands"] = (c,) if isinstance(c, str) else tuple(c)
    extra = {k: v for k, v in obj.items() if k not in SCHEMA}
    return Method(**values, extra=extra)


def load_method(path: str | os.PathLike) -> Method:
    """Read and validate ``path`` (a ``method.json``)."""
    path = Path(path)
    try:
        text = read_regular(path).decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("method.json is not UTF-8 text", path) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"method.json is not valid JSON (line {e.lineno}: {e.msg})", path) from None
    return parse_method(obj, path)


def write_method(method: Method, path: str | os.PathLike) -> None:
    """Write ``method`` as ``path`` atomically: the one writer of ``method.json`` (its object is
    checked against the schema first, so nothing unreadable is ever written)."""
    from mbench.atomic import write_bytes

    obj = method.to_json()
    parse_method(obj, path)
    write_bytes(Path(path), (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
