"""Protocol ``mmagic``: OpenMMLab mmagic's (formerly mmediting) matting metrics SAD, MattingMSE,
GradientError and ConnectivityError, after ``BaseMattor.postprocess`` (docs/protocols.md, "The
image-matting family").

Files are read as 8-bit grayscale (OpenCV). The prediction is masked as ``postprocess`` does (255 on
trimap 255, 0 on trimap 0), so mmagic's check that it is masked always passes. Everything is float64
in the original; SAD and MSE here are exact integer sums, Grad is DIM's 9x9 filter on each matte
min-max normalised (:mod:`..kernels.grad`), Conn the standard rule with float64 thresholds.
"""

from __future__ import annotations

import numpy as np

from mbench.benchmark.kernels import conn_rules, trimap_sums, video
from mbench.benchmark.kernels.workspace import Workspace

from . import image_folders as folders
from .base import Card, Options, Result

# trimaps default to trimaps/ beside the GT alphas, so the runner does not demand --trimap
TRIMAP_IN_GT = True

METRICS = ("sad", "mattingmse", "gradienterror", "connectivityerror")

CARD = Card(
    name="mmagic",
    version="1",
    source="open-mmlab/mmagic @ 0a560bb, mmagic/evaluation/metrics/{sad,matting_mse,gradient_error,"
           "connectivity_error,metrics_utils}.py + BaseMattor.postprocess",
    used_by="OpenMMLab mmagic/mmediting matting models (DIM, GCA, IndexNet) on Composition-1k; mmeval",
    region="SAD and MSE numerators whole image (prediction masked by the trimap), MSE denominator |U|; "
           "Grad and Conn on U = trimap == 128",
    needs=("trimap",),
    metrics=METRICS,
    rules={
        "layout": folders.LAYOUT_COMPOSITION,
        "reading": folders.READING_GRAY8 + "; alpha / 255.0 in float64",
        "masking": "prediction set to 255 where trimap == 255 and 0 where trimap == 0 (postprocess), "
                   "then / 255.0",
        "region": "U = trimap == 128 exactly; the trimap is not re-binned",
        "scales": {"sad": "sum over all pixels / 1000", "mattingmse": "sum over all pixels / |U|, unscaled; "
                   "the int 0 when |U| = 0", "gradienterror": "/1000", "connectivityerror": "/1000"},
        "grad": "cv2.normalize NORM_MINMAX of each matte (a constant one becomes 0), 9x9 Gaussian-gradient "
                "(sigma 1.4, kernel / its L2 norm), cv2.filter2D BORDER_REPLICATE, float64; sum over U",
        "thresholds": {"values": "arange(0, 1 + 0.1, 0.1)", "dtype": "float64"},
        "connectivity": 4,
        "tie_rule": "cv2.connectedComponentsWithStats: largest label, background excluded, lowest "
                    "(row-major) label on ties; an empty intersection assigns t_{i-1} to everything left",
        "conn_phi": "1 - d [d >= 0.15], d = alpha - l in float64; unassigned l = 1",
        "aggregation": "average(): running sum from 0 in sorted name order / number of images",
    },
    quirks=(
        "the prediction is forced to 0/255 on the known regions before every metric (an unmasked input "
        "raises in the original; mbench masks as postprocess does)",
        "SAD and the MattingMSE numerator cover the whole image; MattingMSE is unscaled and the int 0 "
        "when |U| = 0 (DIM gives NaN)",
        "Grad min-max normalises each matte by its own range after masking",
        "Conn thresholds are float64: alpha 153 drops at 0.6000000000000001",
        "Conn ties go to the row-major first component (MATLAB's bwconncomp is column-major)",
    ),
)

def mask_prediction(pred: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """``postprocess`` on an 8-bit prediction: 255 on trimap 255, 0 on trimap 0, else unchanged."""
    p = np.ascontiguousarray(pred, dtype=np.uint8)
    t = np.ascontiguousarray(trimap)
    return trimap_sums.force_known(p.ravel(), t.ravel(), 255, 0).reshape(p.shape)


def _scale(a: np.ndarray) -> float:
    """cv2.normalize's NORM_MINMAX factor in code units: 1 / (max - min), 0 for a constant matte."""
    lo, hi = int(a.min()), int(a.max())
    return 1.0 / (hi - lo) if hi > lo else 0.0


def image_metrics(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray, workspace: Workspace | None = None
                  ) -> dict[str, float | int]:
    """mmagic's four values for an 8-bit (unmasked) prediction, GT and trimap."""
    ws = workspace if workspace is not None else Workspace()
    g, t = (np.ascontiguousarray(a, dtype=np.uint8) for a in (gt, trimap))
    p = mask_prediction(np.asarray(pred, dtype=np.uint8), t)
    _, _, fa, fs, _, _, nu, _ = trimap_sums.forced_sums(p.ravel(), g.ravel(), t.ravel(), 255, 0, 128)
    grad = video.grad_sum(p, g, _scale(p), _scale(g), t, 128, ws)
    conn = conn_rules.conn_sum(p, g, t, rule="standard", values="float64", workspace=ws)
    return {"sad": fa / 255.0 / 1000,
            "mattingmse": fs / 65025.0 / int(nu) if nu else 0,
            "gradienterror": float(grad) / 1000,
            "connectivityerror": conn / 1000}


def _score(item: folders.ImageItem, ws: Workspace) -> dict[str, float | int]:
    p, g, t = (folders.read_gray8(f) for f in (item.pred, item.gt, item.trimap))
    folders.check_shapes(item, p, g, t)
    return image_metrics(p, g, t, ws)


def aggregate(rows: list[dict]) -> dict[str, float]:
    """mmagic's ``average``: a running sum from the int 0, divided by the number of images."""
    return folders.running_means(rows, METRICS, 0)


def run(pred, gt, options: Options) -> Result:
    """Score PRED against GT (flat folders or Composition-1k) with trimaps, as mmagic's evaluator does."""
    return folders.evaluate_flat(CARD, pred, gt, options,
                                 alpha_dirs=("alpha_copy", "alpha"), trimap_dirs=("trimaps", "trimap"),
                                 reading="gray8", score=_score, aggregate=aggregate)


UNIT = "frame"  # shards split by image (base.py)
aggregate_rows = folders.rows_aggregate(CARD, aggregate)
