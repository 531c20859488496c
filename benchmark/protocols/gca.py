"""Protocol ``gca``: GCA-Matting's Python port of the DIM metrics (``utils/evaluate.py``), as the
evaluation scripts of GCA, MGMatting and Matting-Anything call it (docs/protocols.md, "The
image-matting family").

Files are read with ``cv2.imread(path, 0)`` and used as float32 0..255. U = {trimap == 128}.
SAD and MSE are exact integer sums here (the original's float32 sums differ by ~1e-7 relative);
Grad is DIM's 9x9 Gaussian-gradient filter on x/255 with a replicated border and *no* min-max
normalisation; Conn counts the background as a component (see :mod:`..kernels.conn_rules`).
"""

from __future__ import annotations

import numpy as np

from mbench.benchmark.kernels import conn_rules, pixel, video
from mbench.benchmark.kernels.workspace import Workspace

from . import image_folders as folders
from .base import Card, Options, Result

# trimaps default to trimaps/ beside the GT alphas, so the runner does not demand --trimap
TRIMAP_IN_GT = True

CARD = Card(
    name="gca",
    version="1",
    source="Yaoyi-Li/GCA-Matting @ 5a999be, utils/evaluate.py (copied by MGMatting and Matting-Anything)",
    used_by="GCA-Matting (AAAI 2020), MGMatting (CVPR 2021), Matting-Anything (CVPR 2024) evaluation scripts",
    region="trimap == 128",
    needs=("trimap",),
    metrics=("sad", "mse", "grad", "conn"),
    rules={
        "layout": folders.LAYOUT_COMPOSITION,
        "reading": folders.READING_GRAY8 + ", as float32 0..255",
        "region": "U = trimap == 128 exactly; the trimap is not re-binned",
        "scales": {"sad": "sum_U |P - G| / 255 / 1000",
                   "mse": "sum_U ((P - G) / 255)^2 / (|U| + 1e-8), unscaled", "grad": "/1000", "conn": "/1000"},
        "grad": "9x9 Gaussian-gradient (sigma 1.4, half 4, kernel / its L2 norm), scipy convolve mode "
                "nearest (replicated border) on x/255, no min-max normalisation; sum_U (|grad P| - |grad G|)^2",
        "thresholds": {"values": "arange(0, 1.1, 0.1)", "dtype": "float64",
                       "alpha": "float32(x) / 255 in float32"},
        "connectivity": 4,
        "tie_rule": "largest label of bincount(skimage label) including the background label 0; lowest "
                    "label on ties, so the background wins them; components numbered row-major",
        "conn_phi": "1 - d [d >= 0.15], d = alpha - l in float64; unassigned l = 1",
        "aggregation": "mean over images of each per-image value (np.array(list).mean())",
    },
    quirks=(
        "Conn: the background (label 0) competes as a component; when it is the largest, every pixel of "
        "the intersection is assigned t_{i-1} and the pixels outside keep -1 (then 1)",
        "Conn: alpha is float32, so 153/255 = 0.6000000238 stays in at t = 0.6000000000000001",
        "Grad has no min-max normalisation (MATLAB's mat2gray is missing)",
        "MSE divides by |U| + 1e-8: 0 when U is empty, never NaN",
        "MSE is unscaled while SAD, Grad and Conn are /1000",
    ),
)

def unknown_sad_mse(p: np.ndarray, g: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """``comput_sad_loss(...)[0]`` and ``compute_mse_loss`` of the port for 8-bit arrays, from exact
    integer sums: SAD = sum_U |P - G| / 255 / 1000, MSE = sum_U ((P - G) / 255)^2 / (|U| + 1e-8)."""
    p, g, t = (np.ascontiguousarray(a, dtype=np.uint8).ravel() for a in (p, g, t))
    sa, ss, _, n = pixel.int_sums(p, g, p, g, t, False, True, 128)
    return float(sa) / 255.0 / 1000.0, float(ss) / 65025.0 / (float(n) + 1e-8)


def image_metrics(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray, workspace: Workspace | None = None
                  ) -> dict[str, float]:
    """The four per-image values of the port for 8-bit arrays (evaluation-script convention)."""
    ws = workspace if workspace is not None else Workspace()
    p, g, t = (np.ascontiguousarray(a, dtype=np.uint8) for a in (pred, gt, trimap))
    sad, mse = unknown_sad_mse(p, g, t)
    grad = video.grad_sum(p, g, 1.0 / 255.0, 1.0 / 255.0, t, 128, ws)  # no min-max: both scales 1/255
    conn = conn_rules.conn_sum(p, g, t, rule="background", values="float32", workspace=ws)
    return {"sad": sad, "mse": mse,
            "grad": float(grad) / 1000.0,
            "conn": conn / 1000.0}


def _score(item: folders.ImageItem, ws: Workspace) -> dict[str, float]:
    p, g, t = (folders.read_gray8(f) for f in (item.pred, item.gt, item.trimap))
    folders.check_shapes(item, p, g, t)
    return image_metrics(p, g, t, ws)


def _figures(rows: list[dict]) -> dict[str, float]:
    """The port's figures: ``np.array(list).mean()`` of each metric."""
    return {m: float(np.mean([r[m] for r in rows])) for m in CARD.metrics}


def run(pred, gt, options: Options) -> Result:
    """Score PRED against GT (flat folders or Composition-1k) with trimaps, as the port does."""
    return folders.evaluate_flat(CARD, pred, gt, options,
                                 alpha_dirs=("alpha_copy", "alpha"), trimap_dirs=("trimaps", "trimap"),
                                 reading="gray8", score=_score, aggregate=_figures)


UNIT = "frame"  # shards split by image (base.py)
aggregate_rows = folders.rows_aggregate(CARD, _figures)
