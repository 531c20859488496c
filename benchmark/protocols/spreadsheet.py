"""RobustVideoMatting's workbook as a function: the dataset figure its spreadsheet shows.

``evaluate_lr.py`` / ``evaluate_hr.py`` (and MatAnyone2's copies) write one sheet per metric: row 1
heads columns C, D, ... with the frame indices of the **first** clip only, row 2 averages each
column over the clips (rows 3..9999) and B2 = AVERAGE(C2:ZZ2). So the figure is the mean over frame
index of the per-index means, for indices below the first clip's length (and at most 700 columns).
Spreadsheet AVERAGE ignores empty cells; an empty range gives ``#DIV/0!``, which spreads (``None``
here). ``shift`` reproduces ``eval_crgnn.py``, which writes each clip's values from column B, one
column left of the headers (docs/protocols.md).
"""

from __future__ import annotations

import math
from typing import Sequence

COLUMNS = 700  # C..ZZ


def column_means(values_by_clip: Sequence[Sequence[float]], shift: bool = False) -> list[float | None]:
    """Row 2 of a metric sheet: per header column, the mean of the clips' cells (None: #DIV/0!)."""
    if not values_by_clip:
        return []
    first = 1 if shift else 0  # shifted: the header "j" column holds value index j + 1
    out = []
    for j in range(len(values_by_clip[0])):
        cells = [v[j + first] for v in values_by_clip if j + first < len(v)]
        out.append(math.fsum(cells) / len(cells) if cells else None)
    return out


def workbook_figure(values_by_clip: Sequence[Sequence[float]], shift: bool = False) -> float | None:
    """Cell B2 (the summary sheet's figure) for one metric; ``None`` for ``#DIV/0!`` or when a NaN
    value keeps the workbook from being written at all (xlsxwriter refuses NaN)."""
    if any(math.isnan(v) for clip in values_by_clip for v in clip):
        return None
    means = column_means(values_by_clip, shift)[:COLUMNS]
    if not means or any(m is None for m in means):
        return None
    return math.fsum(means) / len(means)
