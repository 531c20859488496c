"""Protocol ``dvm``: DVM's ``BatchMetric`` (nowsyn/DVM @ c045693, ``evaluation/metric.py``).

The original is a class over arrays with no layout, loop or aggregation of its own; mbench feeds it
one clip at a time (a clip is one batch, its frames in sorted order) from mbench's clip layout
(``<clip>/pha/NNNN.png``), with the mask from ``--trimap`` (only 128 counts) or, without one,
``0 < gt < 255``. Every per-frame value and every (error, count) pair is the class's; the dataset
figures (mean of the frame values, sum of errors over sum of counts) are mbench's choice, as the
original has none. MESSDdt reproduces the original's warp (x and y swapped, every pair reading
frame 1); ``messddt_fix`` is the corrected warp. See docs/reference.md and the protocol notes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from mbench.benchmark.kernels import conn as conn_kernels
from mbench.benchmark.kernels import pixel
from mbench.benchmark.kernels import video as vk
from mbench.benchmark.kernels import warp
from mbench.benchmark.kernels.workspace import Workspace
from mbench.benchmark.protocols.base import Card, Options, Result, shard_figures, shard_units
from mbench.benchmark.results import absent_table
from mbench.benchmark.protocols.image_folders import finite_or_none, reading_warnings, refuse_full_precision
from mbench.errors import BadInput
from mbench.frames import read_alpha
from mbench.layout import check_same_frames, discover_clips, pair_clips, trimap_layer
from mbench.parallel import ordered_map
from mbench.progress import progress

UNIT = "clip"  # shards split by clip (base.py)
COLUMNS = ("sad", "mse", "grad", "conn", "ssda", "ssda_num", "dtssd", "dtssd_num", "messddt",
           "messddt_num", "messddt_fix")

CARD = Card(
    name="dvm",
    version="1",
    source="nowsyn/DVM @ c045693867c9397ed3eb635cea7c6f2cba6c02c3, evaluation/metric.py (BatchMetric)",
    used_by="DVM (CVPR 2021); its MESSDdt code is reused by MaGGIe (CVPR 2024)",
    region="trimap == 128 with --trimap, else 0 < gt < 255 (8-bit)",
    needs=(),
    metrics=COLUMNS,
    rules={
        "reading": "8-bit grayscale (cv2 IMREAD_GRAYSCALE) for prediction, GT and trimap; x/255 in float32",
        "layout": "PRED/<clip>/pha/NAME and GT/<clip>/pha/NAME; trimaps TRIMAP/<clip>/[trimap/]NAME; "
                  "a clip is one batch, frames in sorted order",
        "region": "m = (trimap == 128) exactly; without --trimap m = (0 < gt < 255)",
        "scales": {"sad": "sum |p-g| m / 1000", "mse": "sum (p-g)^2 m / (sum m + 1)",
                   "grad": "sum (|grad p| - |grad g|)^2 m, no /1000, no min-max normalisation",
                   "conn": "sum |phi_p - phi_g| m, no /1000"},
        "grad": "9x9 Gaussian-derivative filters, sigma 1.4, unit L2 norm, float32, true convolution "
                "(flipped kernel), replicate border",
        "thresholds": {"values": "torch.arange(0, 1.1, 0.1)", "dtype": "float32"},
        "connectivity": 4, "tie_rule": "lowest skimage label (first in raster order)",
        "conn_phi": "phi = 1 - (x - l) [x - l >= 0.15], float32; empty intersection: l = previous threshold",
        "ssda": "(sqrt(sum (p-g)^2 m), sum m + 1) per frame",
        "temporal": "pairs k -> k+1 written on frame k+1's row (first row empty); dtSSD = "
                    "(sqrt(sum ((p1-p0)-(g1-g0))^2 m0), sum m0 + 1)",
        "messddt": "Farneback on uint8 GT (0.5, 5, 10, 2, 7, 1.5, GAUSSIAN), flow rounded with rint; "
                   "pixel (y, x) reads flat index clamp(x+dx, 0, H-1)*W + clamp(y+dy, 0, W-1) of "
                   "frame 1 of the clip for every pair; error = sum |(p0-g0)^2 m0 - (p~-g~)^2 m~|, "
                   "count = sum m0 + 1",
        "messddt_fix": "mbench's corrected warp: (clamp(y+dy), clamp(x+dx)) in frame k+1; same count",
        "aggregation": "none in the original; mbench reports the mean over all frames of sad, mse, "
                       "grad, conn, and sum(error)/sum(count) over all frames/pairs for ssda, dtssd, "
                       "messddt (messddt_fix under extra)",
        "farneback": "values depend on OpenCV's Farneback giving the same rounded flow (4.10 and 5.0 agree)",
    },
    quirks=(
        "MSE divides by sum m + 1, so an empty region gives 0",
        "Grad and Conn are raw sums (no /1000)",
        "MESSDdt swaps x and y when sampling, so a zero flow is not the identity",
        "MESSDdt samples frame 1 of the clip for every pair (torch.take on the whole stack)",
    ),
)


def _pairs(pred: Path, gt: Path, options: Options):
    pairs = pair_clips(discover_clips(pred, layers=("pha",), what="prediction"),
                       discover_clips(gt, layers=("pha",), what="ground-truth"), pred, gt)
    out = []
    for p, g in pairs:
        tri = None
        if options.trimap is not None:
            tri = trimap_layer(options.trimap, g.id)
            check_same_frames(tri, g.layers["pha"])
        out.append((p, g, tri))
    return out


def _read(pclip, gclip, tri, i):
    """(pred, gt, region, region value) of frame i, read as the original is fed: 8-bit gray."""
    p = read_alpha(pclip.layers["pha"].files[i], reading="gray8")
    g = read_alpha(gclip.layers["pha"].files[i], reading="gray8")
    if p.shape != g.shape:
        raise BadInput(f"prediction is {p.shape[1]}x{p.shape[0]}, ground truth {g.shape[1]}x{g.shape[0]}",
                       pclip.layers["pha"].files[i])
    if tri is None:
        return p, g, ((g > 0) & (g < 255)).view(np.uint8), 1
    t = read_alpha(tri.files[tri.stems.index(gclip.stems[i])], reading="gray8")
    if t.shape != g.shape:
        raise BadInput(f"trimap is {t.shape[1]}x{t.shape[0]}, ground truth {g.shape[1]}x{g.shape[0]}",
                       tri.path)
    return p, g, t, 128


def _score_clip(item) -> tuple[list[dict], list[Path]]:
    pclip, gclip, tri = item
    ws = Workspace()
    lut = vk.level_lut_u8(conn_kernels.thresholds())
    rows, files = [], list(gclip.layers["pha"].files)
    prev = first_next = None
    shape = None
    for i, stem in enumerate(gclip.stems):
        p, g, reg, rv = _read(pclip, gclip, tri, i)
        m = (reg == rv)
        if shape != p.shape:  # two error maps in turn (this frame's, the previous one's)
            shape = p.shape
            maps = [np.empty(shape, np.float32) for _ in range(2)]
            idx = np.empty(shape[1], np.int64)
        err = warp.error_map(p, g, m.view(np.uint8), maps[i % 2])
        sa, ss, _, n = pixel.int_sums(p.ravel(), g.ravel(), p.ravel(), g.ravel(), reg.ravel(),
                                      False, True, rv)
        row = {"clip": gclip.id, "frame": stem,
               "sad": sa / 255.0 / 1000.0, "mse": ss / 65025.0 / (n + 1),
               "grad": vk.grad_sum(p, g, 1 / 255, 1 / 255, reg, rv, ws),
               "conn": vk.conn_sum_u8(p, g, lut, reg, rv, ws),
               "ssda": math.sqrt(ss) / 255.0, "ssda_num": float(n + 1)}
        if prev is not None:
            p0, g0, r0, err0 = prev
            _, _, st, n0 = pixel.int_sums(p.ravel(), g.ravel(), p0.ravel(), g0.ravel(), r0.ravel(),
                                          True, True, rv)
            if first_next is None:
                first_next = err.copy()  # every pair samples the clip's frame 1
            flow = vk.farneback_rint(g0, g)
            row.update(dtssd=math.sqrt(st) / 255.0, dtssd_num=float(n0 + 1),
                       messddt=warp.warp_error(err0, first_next, flow, False, idx),
                       messddt_num=float(n0 + 1),
                       messddt_fix=warp.warp_error(err0, err, flow, True, idx))
        prev = (p, g, reg, err)
        rows.append(row)
    if tri is not None:
        files += list(tri.files)
    return rows, files


def run(pred: Path, gt: Path, options: Options) -> Result:
    """Score ``pred`` against ``gt`` as DVM's ``BatchMetric`` does, one clip per batch (under
    ``options.shard`` only that shard's clips)."""
    rows, files = [], []
    refuse_full_precision(options, CARD.name)
    every = _pairs(Path(pred), Path(gt), options)
    pairs = shard_units(every, options.shard)
    for r, f in progress(ordered_map(_score_clip, pairs, options.workers), total=len(pairs), desc="dvm",
                         unit="clip", quiet=options.quiet):
        rows += r
        files += f
    # the first frame of a clip has no pair: its temporal cells are absent (empty), as in the original
    per_frame = absent_table(rows, ("clip", "frame") + COLUMNS)
    metrics, extra, _ = shard_figures(aggregate_rows, per_frame, [g.id for _, g, _ in pairs], {})
    preds = [f for p, _, _ in pairs for f in p.layers["pha"].files]
    return Result(per_frame=per_frame, metrics=metrics, extra=extra, gt_files=files,
                  warnings=reading_warnings(preds + files, "gray8"), units=[g.id for _, g, _ in every])


def aggregate_rows(per_frame: pd.DataFrame, units: list[str], state: dict) -> tuple:
    """mbench's dataset figures (the original has none): means of the per-frame values, and summed
    errors over summed counts (absent cells as NaN, which the sums and means skip)."""
    df = pd.DataFrame({k: per_frame[k].to_numpy(np.float64, na_value=np.nan) for k in COLUMNS})
    metrics = {k: finite_or_none(df[k].mean()) if len(df) else None for k in ("sad", "mse", "grad", "conn")}
    for k in ("ssda", "dtssd", "messddt"):
        metrics[k] = _ratio(df[k].sum(), df[f"{k}_num"].sum())
    return metrics, {"messddt_fix": _ratio(df["messddt_fix"].sum(), df["messddt_num"].sum())}, None


def _ratio(a: float, b: float) -> float | None:
    return float(a) / float(b) if b > 0 else None


