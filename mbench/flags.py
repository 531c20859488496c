"""argparse types for numeric flags: whole numbers and finite numbers with a lower bound.

A value out of range (``--workers -3``, ``--max-file-mb inf``, ``--fps nan``) is a usage error:
one line naming the flag, exit status 2 (see :class:`mbench.cli.Parser`), never a crash later.
"""

from __future__ import annotations

import argparse
import math
from typing import Callable


def count(minimum: int = 0, maximum: int = 2**63 - 1) -> Callable[[str], int]:
    """An argparse ``type``: a whole number within ``[minimum, maximum]`` (by default at most what
    an index can hold, so no count overflows a C integer later)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text!r}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {text!r}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in its messages
    return parse


def number(minimum: float = 0.0, *, inclusive: bool = True) -> Callable[[str], float]:
    """An argparse ``type``: a finite number ``>= minimum`` (``> minimum`` unless ``inclusive``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        if value < minimum or (value == minimum and not inclusive):
            bound = (f"at least {minimum:g}" if inclusive else "a positive number" if minimum == 0
                     else f"more than {minimum:g}")
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text!r}")
        return value

    parse.__name__ = "number"
    return parse
