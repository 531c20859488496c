"""Protocol ``matanyone``: MatAnyone2's ``evaluation/eval_lr.py`` (YouTubeMatte / VideoMatte 512x288).

RVM's ``evaluate_lr.py`` rules exactly (the ``rvm`` convention's formulas: Grad after min-max
normalisation, Conn with 4-connectivity and row-major ties) with MatAnyone's extension remapping:
the ground truth of prediction ``NAME.ext`` is ``NAME.png`` (the last 4 characters replaced), so
``.jpg`` predictions score against ``.png`` ground truth. No colour metrics. The figure is the
workbook's B2 (:mod:`.spreadsheet`). Rules: docs/protocols.md.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from mbench.benchmark.conventions import Convention
from mbench.benchmark.protocols.base import Card, Options, Result
from mbench.benchmark.protocols.engine import workbook_aggregate, workbook_result
from mbench.benchmark.protocols.rvm_layout import rvm_tree_jobs

_MEAN_1E3 = MappingProxyType({"reduce": "mean", "scale": 1e3})
_SUM_1E_3 = MappingProxyType({"reduce": "sum", "scale": 1e-3})

CONVENTION = Convention(
    name="matanyone", source="pq-yang/MatAnyone2 @ e337012, evaluation/eval_lr.py",
    description="RVM evaluate_lr.py rules; GT name = prediction name[:-4] + '.png'",
    metrics=("pha_mad", "pha_mse", "pha_grad", "pha_dtssd", "pha_conn"), foreground=(), optional=(),
    region="frame", region_value=0, column_major=False,
    params=MappingProxyType({"pha_mad": _MEAN_1E3, "pha_mse": _MEAN_1E3, "pha_grad": _SUM_1E_3,
                             "pha_dtssd": MappingProxyType({"scale": 1e2}), "pha_conn": _SUM_1E_3}),
    reading="gray8", minmax_grad=True,
    kinds=MappingProxyType({"pha_mad": "mad", "pha_mse": "mse", "pha_grad": "grad",
                            "pha_dtssd": "dtssd", "pha_conn": "conn"}))

CARD = Card(
    name="matanyone", version="1", source=CONVENTION.source,
    used_by="MatAnyone (CVPR 2025) / MatAnyone2 on YouTubeMatte and VideoMatte 512x288",
    region="whole frame", needs=(), metrics=CONVENTION.metrics,
    rules={
        "layout": "P/<dataset>/<clip>/pha/<frame>; frames listed from the prediction; GT = name[:-4] + '.png'",
        "reading": "gray8: cv2.IMREAD_GRAYSCALE (16-bit -> high byte, RGBA -> gray of the colour), x/255 float32",
        "scales": {"pha_mad": 1e3, "pha_mse": 1e3, "pha_grad": 1e-3, "pha_dtssd": 1e2, "pha_conn": 1e-3},
        "grad": "9x9 Gaussian-derivative filters, sigma 1.4, replicate border, after cv2 min-max normalisation",
        "thresholds": "0.1..1.0 step 0.1 (float32), theta 0.15",
        "connectivity": "4", "tie_rule": "row-major (OpenCV labels)",
        "temporal": "dtSSD of a clip's first frame = 0, counted",
        "aggregation": "workbook B2: mean over frame index (first clip's length, <= 700) of the per-index clip means",
    },
    quirks=("only the first clip's frame count gets average columns",))


def gt_name(prediction: str) -> str:
    """The ground-truth file name ``eval_lr.py`` looks up for a prediction file name."""
    return prediction[:-4] + ".png"


def run(pred: Path, gt: Path, options: Options) -> Result:
    """Score ``pred`` against ``gt`` as MatAnyone2's ``eval_lr.py`` does."""
    jobs, _ = rvm_tree_jobs(Path(pred), Path(gt), gt_name)
    return workbook_result(CONVENTION, jobs, Path(pred), Path(gt), options)


UNIT = "clip"  # shards split by clip (base.py)


def aggregate_rows(per_frame, units: list[str], state: dict) -> tuple:
    """The workbook's figures of the clips ``units`` (for ``--merge``)."""
    return workbook_aggregate(per_frame, units)
