"""Protocol ``rvm``: RobustVideoMatting's ``evaluation/evaluate_lr.py`` (docs/reference.md 1.1).

mbench's original convention, on the clip engine (resume, ``--shard``, ``--device cuda``). Figures
are pooled means over all frames (equal to the original's workbook for equal-length clips); the
workbook's own B2 is in ``extra["workbook"]``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mbench.benchmark.protocols.base import Card, Options, Result
from mbench.benchmark.protocols.engine import engine_result, workbook_figures

ENGINE = "rvm"  # the convention in conventions.toml that scores it

CARD = Card(
    name="rvm", version="1",
    source="PeterL1n/RobustVideoMatting @ 53d74c6, evaluation/evaluate_lr.py",
    used_by="RobustVideoMatting (WACV 2022) VideoMatte240K 512x288; MatAnyone2 eval_lr.py",
    region="whole frame", needs=(),
    metrics=("mad", "mse", "grad", "conn", "dtssd", "fgr_mad", "fgr_mse"),
    rules={
        "layout": "any folder with pha/ (and fgr/); clip id = path under the root; same frames both sides",
        "reading": "gray8: cv2.IMREAD_GRAYSCALE (16-bit -> high byte, RGBA -> gray of the colour), x/255 float32",
        "scales": {"mad": 1e3, "mse": 1e3, "grad": 1e-3, "conn": 1e-3, "dtssd": 1e2,
                   "fgr_mad": 1e3, "fgr_mse": 1e3},
        "grad": "9x9 Gaussian-derivative filters, sigma 1.4, replicate border, after cv2 min-max normalisation",
        "thresholds": "0.1..1.0 step 0.1 (float32), theta 0.15",
        "connectivity": "4", "tie_rule": "row-major (OpenCV labels)",
        "fgr": "colour over pixels with GT alpha > 0",
        "temporal": "dtSSD of a clip's first frame = 0, counted",
        "aggregation": "pooled mean over all frames (the original's workbook B2 in extra.workbook)",
    },
    quirks=())


def engine_extra(per_frame: pd.DataFrame, metrics) -> dict:
    """The original's own figure: its workbook's B2 (mean over frame index of the clip means)."""
    return {"workbook": workbook_figures(per_frame, metrics)}


def run(pred: Path, gt: Path, options: Options) -> Result:
    """Score as ``evaluate_lr.py`` does (the clip engine, convention ``rvm``)."""
    return engine_result(pred, gt, options, ENGINE)
