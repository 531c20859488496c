"""Protocol ``gfm``: the whole-image family of GFM (AM-2k), P3M (P3M-500-P/NP) and AIM (AIM-500),
``core/evaluate.py`` + ``core/test.py`` (docs/protocols.md, "The image-matting family").

Alpha, prediction and trimap are read with PIL (first channel of a multi-channel image; alpha and
prediction divided by 255). Ten values per image: whole-image SAD/MSE/MAD, the "trimap" variants
(whole-image sums after forcing the known regions, divided by |U|), fg/bg SAD, Conn with its
``continue`` on an empty intersection, and Grad from scipy's Gaussian derivatives in float32, /10.
"""

from __future__ import annotations

import numpy as np

from mbench.benchmark.kernels import conn_rules, grad_scipy, trimap_sums
from mbench.benchmark.kernels.workspace import Workspace

from . import image_folders as folders
from .base import Card, Options, Result

# trimaps default to trimap/ beside the masks, so the runner does not demand --trimap
TRIMAP_IN_GT = True

METRICS = ("sad", "mse", "mad", "sad_trimap", "mse_trimap", "mad_trimap", "sad_fg", "sad_bg", "conn", "grad")

CARD = Card(
    name="gfm",
    version="1",
    source="JizhiziLi/GFM @ 4b15ee0, core/evaluate.py + core/test.py (same functions in "
           "JizhiziLi/P3M @ 9f9390f2 and JizhiziLi/AIM @ 48e3dc8d)",
    used_by="GFM (IJCV 2022) AM-2k; P3M (ACM MM 2021) P3M-500-P/NP; AIM (IJCAI 2021) AIM-500",
    region="whole image (the trimap variants force the known regions and divide by |trimap == 128|)",
    needs=("trimap",),
    metrics=METRICS,
    rules={
        "layout": "flat folders PRED/NAME, GT/NAME or GT/mask or GT/validation/mask (AM-2k, AIM-500, "
                  "P3M-500), trimaps from --trimap or trimap/ beside the masks; sorted name order",
        "reading": "PIL np.array(Image.open(path)), first channel if multi-channel (RGBA: red); alpha and "
                   "prediction / 255. in float64 (a 16-bit file keeps 0..65535, so values reach 257)",
        "region": "whole image; U = trimap == 128, F = 255, B = 0 (exact values)",
        "scales": {"sad": "/1000", "mse": "mean, unscaled", "mad": "mean, unscaled",
                   "sad_trimap": "/1000", "mse_trimap": "sum / |U|", "mad_trimap": "sum / |U|",
                   "sad_fg": "/1000", "sad_bg": "/1000", "conn": "/1000", "grad": "/10"},
        "trimap_variants": "prediction forced to 1 on F and 0 on B, summed over the whole image; denominator "
                           "|U|, or if 0 the count of trimap values neither 0 nor 255 (NaN / inf when 0)",
        "grad": "scipy gaussian_filter sigma 1.4, truncate 4 (13 taps, normalised Gaussian and its "
                "derivative), reflect border, output float32 after each axis; no min-max; whole image",
        "thresholds": {"values": "arange(0, 1.1, 0.1)", "dtype": "float64", "level_map": "float32"},
        "connectivity": 4,
        "tie_rule": "largest skimage regionprops area, first (row-major) label on ties; background excluded",
        "conn_empty": "an empty intersection is skipped (nothing assigned); unassigned l = 1",
        "conn_phi": "1 - d [d >= 0.15], d = alpha - l in float64",
        "aggregation": "running sums from 0. in sorted name order, / number of images; no NaN handling",
    },
    quirks=(
        "SAD/MSE/MAD_trimap sum over the whole image after forcing the known regions and divide by |U|: "
        "known pixels where the GT is not 0/1, and trimap values other than 0/128/255, count",
        "|U| = 0 gives NaN (nothing wrong) or inf for MSE/MAD_trimap, and a NaN/inf dataset mean",
        "Conn skips an empty intersection: pixels of the last non-empty top component end at l = 1",
        "Conn thresholds are float64 (alpha 153 drops at 0.6000000000000001) and the level map float32",
        "Grad: scipy Gaussian (radius 6, reflect), whole image, float32, divided by 10 not 1000",
        "MSE and MSE_trimap are unscaled (papers often print them x1000)",
    ),
)


def image_metrics(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray, workspace: Workspace | None = None
                  ) -> dict[str, float]:
    """GFM's ten per-image values for integer codes (value = code / 255) and a trimap."""
    p, g, t = (np.ascontiguousarray(a) for a in (pred, gt, trimap))
    n = p.size
    sa, ss, fa, fs, afg, abg, nu, no = trimap_sums.forced_sums(p.ravel(), g.ravel(), t.ravel(), 255, 0, 128)
    denom = float(nu) if nu else float(no)
    with np.errstate(divide="ignore", invalid="ignore"):  # numpy float64 / 0.0: NaN or inf, as GFM
        mse_t = np.float64(fs / 65025.0) / denom
        mad_t = np.float64(fa / 255.0) / denom
    conn = conn_rules.conn_sum(p, g, None, rule="skip_empty", values="float64", levels="float32",
                               workspace=workspace)
    return {"sad": sa / 255.0 / 1000, "mse": ss / 65025.0 / n, "mad": sa / 255.0 / n,
            "sad_trimap": fa / 255.0 / 1000, "mse_trimap": float(mse_t), "mad_trimap": float(mad_t),
            "sad_fg": afg / 255.0 / 1000, "sad_bg": abg / 255.0 / 1000,
            "conn": conn / 1000, "grad": grad_scipy.gfm_grad(p, g, 255.0)}


def _score(item: folders.ImageItem, ws: Workspace) -> dict[str, float]:
    p, g, t = (folders.read_pil(f) for f in (item.pred, item.gt, item.trimap))
    folders.check_shapes(item, p, g, t)
    return image_metrics(p, g, t, ws)


def aggregate(rows: list[dict]) -> dict[str, float]:
    """``test_am2k``'s figures: running sums from 0. in order, divided by the number of images."""
    return folders.running_means(rows, METRICS, 0.0)


def run(pred, gt, options: Options) -> Result:
    """Score PRED against an AM-2k / AIM-500 / P3M-500 style GT folder with trimaps, as GFM does."""
    return folders.evaluate_flat(CARD, pred, gt, options,
                                 alpha_dirs=("mask", "validation/mask"), trimap_dirs=("trimap",),
                                 reading="pil", score=_score, aggregate=aggregate)


UNIT = "frame"  # shards split by image (base.py)
aggregate_rows = folders.rows_aggregate(CARD, aggregate)
