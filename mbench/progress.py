"""Progress bars: tqdm on a terminal, silent in pipes, logs and ``--quiet`` runs."""

from __future__ import annotations

import sys
from typing import Iterable

from tqdm.auto import tqdm


def progress(iterable: Iterable | None = None, *, total: int | None = None, desc: str = "",
             unit: str = "it", quiet: bool = False) -> tqdm:
    """A tqdm bar on stderr, hidden when ``quiet`` or when stderr is not a terminal."""
    disable = quiet or not sys.stderr.isatty()
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, dynamic_ncols=True,
                leave=False, file=sys.stderr)
