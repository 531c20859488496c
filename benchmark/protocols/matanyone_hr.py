"""Protocol ``matanyone_hr``: MatAnyone2's ``evaluation/eval_hr.py`` (YouTubeMatte / VideoMatte 1920x1080).

``rvm_hr``'s rules (Grad without min-max normalisation, no Conn) without the colour metric, and
MatAnyone's extension remapping: the ground truth of prediction ``NAME.ext`` is ``NAME.jpg`` (the
last 4 characters replaced), so the high-resolution ground truth **must** be named ``.jpg``; OpenCV
decodes by content, so PNG bytes under a ``.jpg`` name read losslessly. Rules: docs/protocols.md.
"""

from __future__ import annotations

from pathlib import Path

from mbench.benchmark.conventions import Convention
from mbench.benchmark.protocols.base import Card, Options, Result
from mbench.benchmark.protocols.engine import workbook_aggregate, workbook_result
from mbench.benchmark.protocols.rvm_hr import CARD as HR_CARD
from mbench.benchmark.protocols.rvm_hr import CONVENTION as HR
from mbench.benchmark.protocols.rvm_layout import rvm_tree_jobs

CONVENTION = Convention(
    name="matanyone_hr", source="pq-yang/MatAnyone2 @ e337012, evaluation/eval_hr.py",
    description="rvm_hr rules without fgr; GT name = prediction name[:-4] + '.jpg'",
    metrics=HR.metrics, foreground=(), optional=(), region="frame", region_value=0,
    column_major=False, params=HR.params, reading="gray8", minmax_grad=False, kinds=HR.kinds)

CARD = Card(
    name="matanyone_hr", version="1", source=CONVENTION.source,
    used_by="MatAnyone (CVPR 2025) / MatAnyone2 on YouTubeMatte and VideoMatte 1920x1080",
    region="whole frame", needs=(), metrics=CONVENTION.metrics,
    rules={**{k: v for k, v in HR_CARD.rules.items() if k != "fgr"},
           "layout": "P/<dataset>/<clip>/pha/<frame>; frames listed from the prediction; GT = name[:-4] + '.jpg'",
           "scales": {m: HR_CARD.rules["scales"][m] for m in HR.metrics}},
    quirks=("only the first clip's frame count gets average columns",))


def gt_name(prediction: str) -> str:
    """The ground-truth file name ``eval_hr.py`` looks up for a prediction file name."""
    return prediction[:-4] + ".jpg"


def run(pred: Path, gt: Path, options: Options) -> Result:
    """Score ``pred`` against ``gt`` as MatAnyone2's ``eval_hr.py`` does."""
    jobs, _ = rvm_tree_jobs(Path(pred), Path(gt), gt_name)
    return workbook_result(CONVENTION, jobs, Path(pred), Path(gt), options)


UNIT = "clip"  # shards split by clip (base.py)


def aggregate_rows(per_frame, units: list[str], state: dict) -> tuple:
    """The workbook's figures of the clips ``units`` (for ``--merge``)."""
    return workbook_aggregate(per_frame, units)
