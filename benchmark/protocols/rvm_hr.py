"""Protocol ``rvm_hr``: RobustVideoMatting's ``evaluation/evaluate_hr.py`` (VideoMatte 1920x1080).

``evaluate_lr.py``'s formulas in torch float32 with three differences: Grad without min-max
normalisation, no Conn, and ``fgr_mse`` (colour MSE over GT alpha > 0) in the default list. The
dataset figure is the workbook's B2 (:mod:`.spreadsheet`); a NaN fgr_mse (a frame whose GT alpha is
all 0) keeps the original's workbook from being written, so that figure is ``null`` and the pooled
mean without NaN frames is in ``extra``. Rules: docs/protocols.md.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from mbench.benchmark.conventions import Convention
from mbench.benchmark.protocols.base import Card, Options, Result
from mbench.benchmark.protocols.engine import workbook_aggregate, workbook_result
from mbench.benchmark.protocols.rvm_layout import rvm_tree_jobs

_MEAN_1E3 = MappingProxyType({"reduce": "mean", "scale": 1e3})

CONVENTION = Convention(
    name="rvm_hr", source="PeterL1n/RobustVideoMatting @ 53d74c6, evaluation/evaluate_hr.py",
    description="whole frame, x/255 float32; Grad without min-max normalisation; no Conn",
    metrics=("pha_mad", "pha_mse", "pha_grad", "pha_dtssd"), foreground=("fgr_mse",), optional=(),
    region="frame", region_value=0, column_major=False,
    params=MappingProxyType({"pha_mad": _MEAN_1E3, "pha_mse": _MEAN_1E3,
                             "pha_grad": MappingProxyType({"reduce": "sum", "scale": 1e-3}),
                             "pha_dtssd": MappingProxyType({"scale": 1e2}), "fgr_mse": _MEAN_1E3}),
    reading="gray8", minmax_grad=False,
    kinds=MappingProxyType({"pha_mad": "mad", "pha_mse": "mse", "pha_grad": "grad",
                            "pha_dtssd": "dtssd", "fgr_mse": "fgr_mse"}))

CARD = Card(
    name="rvm_hr", version="1", source=CONVENTION.source,
    used_by="RobustVideoMatting (WACV 2022) VideoMatte 1920x1080; MatAnyone2 eval_hr.py",
    region="whole frame", needs=(),
    metrics=("pha_mad", "pha_mse", "pha_grad", "pha_dtssd", "fgr_mse"),
    rules={
        "layout": "P/<dataset>/<clip>/pha/<frame>; frames listed from the prediction, GT under the same name",
        "reading": "gray8: cv2.IMREAD_GRAYSCALE (16-bit -> high byte, RGBA -> gray of the colour), x/255 float32",
        "scales": {"pha_mad": 1e3, "pha_mse": 1e3, "pha_grad": 1e-3, "pha_dtssd": 1e2, "fgr_mse": 1e3},
        "grad": "9x9 Gaussian-derivative filters, sigma 1.4, replicate border, no min-max normalisation",
        "fgr": "colour MSE over pixels with GT alpha > 0, 3 channels; NaN when there is none",
        "temporal": "dtSSD of a clip's first frame = 0, counted",
        "aggregation": "workbook B2: mean over frame index (first clip's length, <= 700) of the per-index clip means",
    },
    quirks=("only the first clip's frame count gets average columns",
            "a NaN fgr_mse keeps the workbook from being written: that figure is null"))


def run(pred: Path, gt: Path, options: Options) -> Result:
    """Score ``pred`` against ``gt`` as ``evaluate_hr.py`` does."""
    jobs, have_fgr = rvm_tree_jobs(Path(pred), Path(gt), want_fgr=True)
    return workbook_result(CONVENTION, jobs, Path(pred), Path(gt), options, have_fgr=have_fgr)


UNIT = "clip"  # shards split by clip (base.py)


def aggregate_rows(per_frame, units: list[str], state: dict) -> tuple:
    """The workbook's figures of the clips ``units`` (for ``--merge``)."""
    return workbook_aggregate(per_frame, units)
