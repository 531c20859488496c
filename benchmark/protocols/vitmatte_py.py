"""Protocol ``vitmatte_py``: ViTMatte's quick Python check (``evaluation.py``), SAD and MSE over the
unknown region only (docs/protocols.md, "The image-matting family"). The paper's own numbers come
from the DIM MATLAB code (protocol ``dim``).

The driver walks the GT folder and skips, with a printed line, any name missing from the prediction
or trimap folder; so does this protocol (it reports them as warnings). The formulas are textually
GCA's, so the values come from :func:`.gca.unknown_sad_mse`.
"""

from __future__ import annotations

import numpy as np

from mbench.benchmark.kernels.workspace import Workspace

from . import image_folders as folders
from .base import Card, Options, Result, shard_units

# trimaps default to trimaps/ beside the GT alphas, so the runner does not demand --trimap
TRIMAP_IN_GT = True
from .gca import unknown_sad_mse

CARD = Card(
    name="vitmatte_py",
    version="1",
    source="hustvl/ViTMatte @ 8cd7ef0, evaluation.py",
    used_by="ViTMatte (Information Fusion 2024) quick evaluation script (the paper reports dim)",
    region="trimap == 128",
    needs=("trimap",),
    metrics=("sad", "mse"),
    rules={
        "layout": folders.LAYOUT_COMPOSITION + "; names missing a prediction or trimap are skipped",
        "reading": folders.READING_GRAY8 + ", as float32 0..255",
        "region": "U = trimap == 128 exactly; the trimap is not re-binned; the prediction is not masked",
        "scales": {"sad": "sum_U |P - G| / 255 / 1000",
                   "mse": "sum_U ((P - G) / 255)^2 / (|U| + 1e-8), unscaled"},
        "aggregation": "mean over the evaluated images (np.array(list).mean())",
    },
    quirks=(
        "SAD and MSE only: the script's Grad and Conn lists are never filled",
        "MSE divides by |U| + 1e-8: 0 when U is empty, never NaN",
        "GT names missing from the prediction or trimap folder are skipped, not reported as errors",
        "the commented-out whole-image (Distinctions-646) variant is not applied",
    ),
)


def _score(item: folders.ImageItem, ws: Workspace) -> dict[str, float]:
    p, g, t = (folders.read_gray8(f) for f in (item.pred, item.gt, item.trimap))
    folders.check_shapes(item, p, g, t)
    sad, mse = unknown_sad_mse(p, g, t)
    return {"sad": sad, "mse": mse}


def run(pred, gt, options: Options) -> Result:
    """Score PRED against GT with trimaps as ViTMatte's ``evaluate`` does."""
    folders.refuse_full_precision(options, CARD.name)
    alphas = folders.alpha_folder(gt, ("alpha_copy", "alpha"))
    trimaps = folders.trimap_folder(alphas, options.trimap, ("trimaps", "trimap"))
    every = folders.pair_images(pred, alphas, trimaps, skip_missing=True)
    skipped = len(folders.list_images(alphas)) - len({i.gt for i in every})
    items = shard_units(every, options.shard)
    files = [f for i in items for f in (i.pred, i.gt, i.trimap)]
    warnings = folders.reading_warnings(files, "gray8")
    if skipped > 0:
        warnings.append(f"{alphas}: {skipped} ground-truth image(s) without a prediction or trimap skipped, "
                        "as ViTMatte's evaluate does")
    rows = folders.score_images(items, _score, options, CARD.name)
    result = folders.finish(CARD, items, rows, _figures(rows) if rows else {}, options, warnings)
    result.units = [i.name for i in every]
    return result


def _figures(rows: list[dict]) -> dict[str, float]:
    """``np.array(list).mean()`` of each metric."""
    return {m: float(np.mean([r[m] for r in rows])) for m in CARD.metrics}


UNIT = "frame"  # shards split by image (base.py)
aggregate_rows = folders.rows_aggregate(CARD, _figures)
