"""Protocol ``dim``: Deep Image Matting's MATLAB evaluation code (docs/reference.md 1.2).

mbench's original convention, on the clip engine: SAD, MSE, Grad and Conn on the trimap's unknown
region (value 128), MATLAB column-major component ties; figures are means over all frames, as the
original's driver averages its images.
"""

from __future__ import annotations

from pathlib import Path

from mbench.benchmark.protocols.base import Card, Options, Result
from mbench.benchmark.protocols.engine import engine_result

ENGINE = "dim"

CARD = Card(
    name="dim", version="1",
    source="DIM MATLAB evaluation code (vendored in Yaoyi-Li/GCA-Matting DIM_evaluation_code/)",
    used_by="Deep Image Matting (CVPR 2017) Composition-1k; most image-matting papers",
    region="trimap == 128", needs=("trimap",), metrics=("sad", "mse", "grad", "conn"),
    rules={
        "layout": "any folder with pha/; trimaps ROOT/<clip>/NNNN.png or ROOT/<clip>/trimap/NNNN.png",
        "reading": "file depth (MATLAB imread), x/255 or x/65535",
        "scales": {"sad": 1e-3, "mse": 1.0, "grad": 1e-3, "conn": 1e-3},
        "grad": "9x9 Gaussian-derivative filters, sigma 1.4, replicate border, after mat2gray min-max normalisation",
        "thresholds": "0.1..1.0 step 0.1, theta 0.15", "connectivity": "4",
        "tie_rule": "column-major (MATLAB bwconncomp)",
        "mse": "unscaled; NaN when the unknown region is empty",
        "aggregation": "mean over all frames",
    },
    quirks=())


def run(pred: Path, gt: Path, options: Options) -> Result:
    """Score as the DIM MATLAB code does (the clip engine, convention ``dim``)."""
    return engine_result(pred, gt, options, ENGINE)
