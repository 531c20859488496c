"""Protocol ``matanyone_crgnn``: MatAnyone2's ``evaluation/eval_crgnn.py`` (CRGNN real videos).

``rvm_hr``'s formulas (torch float32, Grad without min-max normalisation, no Conn, no colour) on
sparse ground truth: GT file i of a video is paired **by rank** with prediction file 10 i, names
ignored, so dtSSD spans 10 video frames. The workbook writes each video's values one column left of
its headers, so the original's summary is ``#DIV/0!`` (``null``) unless a later video has more
values than the first; the figure with RVM's placement is in ``extra``. Rules: docs/protocols.md.
"""

from __future__ import annotations

from pathlib import Path

from mbench.benchmark.conventions import Convention
from mbench.benchmark.protocols.base import Card, Options, Result
from mbench.benchmark.protocols.engine import workbook_aggregate, workbook_result
from mbench.benchmark.protocols.rvm_hr import CONVENTION as HR
from mbench.benchmark.protocols.rvm_layout import SPARSE_STEP, sparse_jobs

CONVENTION = Convention(
    name="matanyone_crgnn", source="pq-yang/MatAnyone2 @ e337012, evaluation/eval_crgnn.py",
    description="rvm_hr formulas on GT every 10th frame, paired by rank",
    metrics=HR.metrics, foreground=(), optional=(), region="frame", region_value=0,
    column_major=False, params=HR.params, reading="gray8", minmax_grad=False, kinds=HR.kinds)

CARD = Card(
    name="matanyone_crgnn", version="1", source=CONVENTION.source,
    used_by="MatAnyone2 on the CRGNN real-human videos (GT every 10th frame)",
    region="whole frame", needs=("sparse",), metrics=CONVENTION.metrics,
    rules={
        "layout": "P/<video>/pha/<any> and T/<video>/<any>; videos in both trees; GT i <-> prediction rank 10 i",
        "reading": "gray8: cv2.IMREAD_GRAYSCALE (16-bit -> high byte, RGBA -> gray of the colour), x/255 float32",
        "scales": {"pha_mad": 1e3, "pha_mse": 1e3, "pha_grad": 1e-3, "pha_dtssd": 1e2},
        "grad": "9x9 Gaussian-derivative filters, sigma 1.4, replicate border, no min-max normalisation",
        "temporal": f"dtSSD between consecutive evaluated GT frames ({SPARSE_STEP} video frames apart); GT 0 gets 0, counted",
        "aggregation": "workbook B2 with each video's values written one column left of the headers",
    },
    quirks=("values shifted one column left in the workbook: #DIV/0! unless a later video is longer than the first",
            "unreadable pairs skipped without updating the previous frame"))


def check_inputs(pred: Path, gt: Path, options: Options) -> None:
    """Refuse trees without the sparse naming: a video's ground truth is files in ``T/<video>/``
    (an RVM-style tree, ``T/<dataset>/<clip>/pha/``, holds folders there instead)."""
    from mbench.errors import BadInput

    for entry in sorted(pred.iterdir()):
        target = gt / entry.name
        if not (entry.is_dir() and target.is_dir()):
            continue
        inside = list(target.iterdir())
        if inside and not any(f.is_file() for f in inside):
            raise BadInput("protocol matanyone_crgnn reads sparse ground truth as T/<video>/<frames> "
                           "(every 10th frame); this folder holds only folders", target)


def run(pred: Path, gt: Path, options: Options) -> Result:
    """Score ``pred`` against ``gt`` as ``eval_crgnn.py`` does."""
    jobs, notes = sparse_jobs(Path(pred), Path(gt))
    return workbook_result(CONVENTION, jobs, Path(pred), Path(gt), options, shift=True, notes=tuple(notes))


UNIT = "clip"  # shards split by clip (base.py)


def aggregate_rows(per_frame, units: list[str], state: dict) -> tuple:
    """The workbook's figures of the clips ``units`` (for ``--merge``)."""
    return workbook_aggregate(per_frame, units, shift=True)
