"""Protocol ``ftpvm``: FTP-VM's low-resolution evaluation split by trimap region
(csvt32745/FTP-VM @ 9fa2c7b, ``evalutation/evaluate_lr.py``).

``mbench evaluate ROOT/<model> ROOT/GT --protocol ftpvm``: datasets and clips are the sorted
sub-folders of the prediction tree, the frames of a clip the sorted names in
``GT/<dataset>/<clip>/pha``, the trimap ``GT/<dataset>/<clip>/trimap/<name>``. Whole-frame metrics
are RVM-LR's; SAD, MAD, MSE, Grad and dtSSD are repeated per region (fg: trimap >= 254, tran: 2..253,
bg: <= 1; dtSSD over the union of the two frames' regions). The dataset figures follow the original's
workbook: the frame-wise figure (mean over frame-index columns of the per-index means, with the
header-column bug deciding which indices have a column) and the clip-wise figure (mean of clip means).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from mbench.benchmark.context import FrameContext
from mbench.benchmark.kernels import video as vk
from mbench.benchmark.kernels.workspace import Workspace
from mbench.benchmark.protocols.base import Card, Options, Result, shard_units, unit_spans
from mbench.benchmark.protocols.image_folders import reading_warnings, refuse_full_precision
from mbench.errors import BadInput
from mbench.frames import read_alpha_with_info
from mbench.parallel import ordered_map
from mbench.progress import progress

UNIT = "clip"  # shards split by clip (base.py)
PREFIXES = ("", "fg_", "tran_", "bg_")
COLUMNS = ("pha_mad", "pha_sad", "pha_mse", "pha_grad", "pha_conn", "pha_dtssd") + tuple(
    f"{r}pha_{m}" for r in PREFIXES[1:] for m in ("mad", "sad", "mse", "grad", "dtssd"))
# the leftover loop variable the original's first row tests: the last metric's name
_FIRST_ROW_TEST = len(COLUMNS[-1])

CARD = Card(
    name="ftpvm",
    version="1",
    source="csvt32745/FTP-VM @ 9fa2c7bd9dda173fb0660fc44d64f4b6620186a5, evalutation/evaluate_lr.py",
    used_by="FTP-VM (CVPR 2023) on VideoMatting108, VideoMatte240K composites, CRGNN",
    region="whole frame + trimap fg (>= 254), tran (2..253), bg (<= 1)",
    needs=("trimap",),
    metrics=COLUMNS,
    rules={
        "layout": "PRED = ROOT/<model>/<dataset>/<clip>/pha/<name>, "
                  "GT = ROOT/GT/<dataset>/<clip>/{pha,trimap}/<name>; "
                  "datasets and clips: sorted sub-folders of PRED; frames: sorted names in the GT pha folder",
        "reading": "cv2 IMREAD_GRAYSCALE, float32 / 255; trimap raw uint8",
        "regions": {"fg": "trimap >= 254", "tran": "2 <= trimap <= 253", "bg": "trimap <= 1"},
        "scales": {"sad": "sum |p-g| (raw)", "mad": "sad / |R| * 1e3", "mse": "mean_R (p-g)^2 * 1e3",
                   "grad": "sum_R (|grad g^| - |grad p^|)^2 / 1000, min-max normalised over the whole frame",
                   "conn": "whole frame only, / 1000", "dtssd": "sqrt(sum_R E / |R|) * 1e2"},
        "empty_region": "sad, mad, mse, grad, dtssd = 0",
        "grad": "cv2.normalize NORM_MINMAX per matte, 9x9 sigma-1.4 filters, cv2.filter2D, replicate border",
        "thresholds": {"values": "np.arange(0, 1.1, 0.1)", "dtype": "float32 mattes"},
        "connectivity": 4, "tie_rule": "first OpenCV label (raster order)",
        "temporal": "dtSSD region = union of the region at t and t-1, each frame's own trimap; frame 0 = 0 "
                    "(counted)",
        "aggregation": "metrics: frame-wise workbook figure B2 = mean over frame-index columns of the mean "
                       "over clips at that index, only for columns the header code created; "
                       "metrics_clip_wise (extra): C2 = mean of clip means",
    },
    quirks=(
        "SAD is a raw sum of [0, 1] differences",
        "tran is 2..253, not 128 only",
        "regional dtSSD is over the union of two frames' regions",
        "header-column bug: a frame index only a longer clip has may get no average column and drop out "
        "of the frame-wise figure (corrected figure under extra)",
    ),
)


def _clips(pred: Path, gt: Path) -> list[tuple[str, str]]:
    if not pred.is_dir():
        raise BadInput("prediction root is not a folder (expected ROOT/<model>)", pred)
    out = []
    for ds in sorted(os.listdir(pred)):
        if (pred / ds).is_dir():
            out += [(ds, c) for c in sorted(os.listdir(pred / ds)) if (pred / ds / c).is_dir()]
    if not out:
        raise BadInput("no <dataset>/<clip> folders in the predictions", pred)
    return out


def _read(path: str, what: str, infos: list) -> np.ndarray:
    """The frame, its header appended to ``infos`` (the reading warnings need no second probe)."""
    try:
        img, info = read_alpha_with_info(path, reading="gray8")
    except BadInput:
        if not os.path.isfile(path):  # named for what it is (the reader says only "not found")
            raise BadInput(f"missing {what}", path) from None
        raise
    infos.append(info)
    return img


def _score_clip(job):
    """One clip: (frame names, per-frame values in COLUMNS order, GT files, prediction files,
    their headers). Lists rather than dicts and tables: at 512x288 a frame's kernels take about a
    millisecond, and per-frame Python bookkeeping would be a visible share."""
    pred, gt, ds, clip = job
    gdir = gt / ds / clip
    if not (gdir / "pha").is_dir():
        raise BadInput("missing ground truth (expected GT/<dataset>/<clip>/pha)", gdir / "pha")
    names = sorted(os.listdir(gdir / "pha"))
    ws = Workspace()
    values, files, preds, prev = [], [], [], None
    file_infos, pred_infos = [], []
    folders = (gdir / "pha", gdir / "trimap", pred / ds / clip / "pha")
    gpha, gtri, ppha = (os.path.join(d, "") for d in folders)
    for name in names:
        files += [gpha + name, gtri + name]
        preds.append(ppha + name)
        g = _read(files[-2], "ground-truth frame", file_infos)
        p = _read(preds[-1], "prediction frame (the ground truth has it)", pred_infos)
        t = _read(files[-1], "trimap (GT/<dataset>/<clip>/trimap/<name>)", file_infos)
        if p.shape != g.shape or t.shape != g.shape:
            raise BadInput(f"size differs from the ground truth's {g.shape[1]}x{g.shape[0]}", preds[-1])
        first = prev is None
        ctx = FrameContext(p, g, pred_prev=None if first else prev[0], gt_prev=None if first else prev[1],
                           workspace=ws)
        sa, ss, st, n = ctx.pixel_sums
        cls = vk.trimap_classes(t, 254, 1)
        pp, gp, cp = (p, g, cls) if first else prev
        csa, css, cn, cst, cnt = (a.tolist() for a in vk.class_sums3(
            p.ravel(), g.ravel(), pp.ravel(), gp.ravel(), cls.ravel(), cp.ravel(), not first))
        sp, sg = ctx._minmax_scales
        grads = [x / 1000 for x in vk.grad_class_sums3(p, g, sp, sg, cls, ws, ctx.tiles)]
        row = [sa / n * 1e3, sa, ss / n * 1e3, sum(grads), ctx.conn_sum / 1000,
               0 if first else math.sqrt(st / n) * 1e2]
        for c in range(3):  # fg, tran, bg: mad, sad, mse, grad, dtssd
            k, sad = cn[c], csa[c] / 255.0
            row += [sad / k * 1e3 if k else 0, sad, css[c] / 65025.0 / k * 1e3 if k else 0, grads[c],
                    0 if first or not cnt[c] else math.sqrt(cst[c] / 65025.0 / cnt[c]) * 1e2]
        values.append(row)
        prev = (p, g, cls)
    return [os.path.splitext(n)[0] for n in names], values, files, preds, file_infos, pred_infos


def workbook_figures(lengths: list[int], values: list[list[float]], made: list[int] | None = None
                     ) -> tuple[float | None, float | None, float | None]:
    """(frame-wise B2, clip-wise C2, corrected frame-wise) of one metric sheet, rows in clip order;
    ``made``: :func:`made_columns` of ``lengths`` where the caller has it."""
    made = made_columns(lengths) if made is None else made
    longest = max(lengths)
    if longest == 0:
        return None, None, None
    per_index = [[v[c] for v in values if c < len(v)] for c in range(longest)]
    means = [sum(x) / len(x) for x in per_index]
    frame_wise = [means[c] for c in made if c < longest]
    # an empty clip's mean cell is #DIV/0!, which makes the clip-wise AVERAGE an error too
    clip_means = None if not all(values) else [sum(v) / len(v) for v in values]
    return (sum(frame_wise) / len(frame_wise) if frame_wise else None,
            sum(clip_means) / len(clip_means) if clip_means else None,
            sum(means) / len(means))


def made_columns(lengths: list[int]) -> list[int]:
    """The frame-index columns that get an AVERAGE cell, in order: only where the original's header
    code creates them (row r tests the previous row's length, row 0 the last metric name's length,
    against the columns made so far, and when that passes makes columns up to row r's own length)."""
    made: set[int] = set()
    cols, test = 0, _FIRST_ROW_TEST
    for n in lengths:
        if test > cols:
            made.update(range(cols, n))
            cols = n
        test = n
    return sorted(made)


def check_inputs(pred: Path, gt: Path, options: Options) -> None:
    """Refuse, before any work, a clip whose GT has no pha/ or trimap/ folder."""
    for ds, clip in _clips(Path(pred), Path(gt)):
        for sub in ("pha", "trimap"):
            if not (Path(gt) / ds / clip / sub).is_dir():
                raise BadInput(f"missing GT/<dataset>/<clip>/{sub} for a predicted clip",
                               Path(gt) / ds / clip / sub)


def run(pred: Path, gt: Path, options: Options) -> Result:
    """Score ``ROOT/<model>`` against ``ROOT/GT`` as FTP-VM's ``evaluate_lr.py`` does (under
    ``options.shard`` only that shard's clips)."""
    refuse_full_precision(options, CARD.name)
    pred, gt = Path(pred), Path(gt)
    every = [(pred, gt, ds, c) for ds, c in _clips(pred, gt)]
    jobs = shard_units(every, options.shard)
    frames, values, files, preds, pred_infos, file_infos = [], [], [], [], [], []
    for fr, v, f, p, fi, pi in progress(ordered_map(_score_clip, jobs, options.workers), total=len(jobs),
                                        desc="ftpvm", unit="clip", quiet=options.quiet):
        frames.append(fr)
        values.append(v)
        files += f
        preds += p
        file_infos += fi
        pred_infos += pi
    names = [f"{ds}/{c}" for _, _, ds, c in jobs]
    table = {"clip": [n for n, fr in zip(names, frames) for _ in fr], "frame": [s for fr in frames for s in fr]}
    by_metric = {k: [[row[j] for row in v] for v in values] for j, k in enumerate(COLUMNS)}
    table.update((k, [x for v in by_metric[k] for x in v]) for k in COLUMNS)
    metrics, extra, per_clip = _figures(names, [len(v) for v in values], by_metric) if jobs else ({}, {}, None)
    return Result(per_frame=_table(table), metrics=metrics, per_clip=per_clip, gt_files=[Path(f) for f in files],
                  warnings=reading_warnings(preds + files, "gray8", pred_infos + file_infos), extra=extra,
                  units=[f"{ds}/{c}" for _, _, ds, c in every])


def aggregate_rows(per_frame: pd.DataFrame, units: list[str], state: dict) -> tuple:
    """:func:`_figures` of the rows of ``units`` (a clip's rows are consecutive; a clip of no frames
    has none), as ``--merge`` reads them back."""
    spans = unit_spans(per_frame["clip"].tolist())
    bounds = [spans.get(u, (0, 0)) for u in units]
    columns = {k: per_frame[k].tolist() for k in COLUMNS}
    return _figures(units, [b - a for a, b in bounds],
                    {k: [columns[k][a:b] for a, b in bounds] for k in COLUMNS})


def _figures(units: list[str], lengths: list[int], by_metric: dict[str, list[list[float]]]) -> tuple:
    """(frame-wise figures, extra, per-clip table) from each metric's values by clip, clips in order."""
    made = made_columns(lengths)
    frame, clip, fixed = {}, {}, {}
    for k in COLUMNS:
        frame[k], clip[k], fixed[k] = workbook_figures(lengths, by_metric[k], made)
    # column C of each clip row: the clip's mean over its own frames (#DIV/0! for a clip of no
    # frames, written nan like the summary's null)
    per_clip = {"clip": list(units), "frames": lengths}
    per_clip.update((k, [sum(v) / len(v) if v else math.nan for v in by_metric[k]]) for k in COLUMNS)
    return frame, {"metrics_clip_wise": clip, "frame_wise_corrected": fixed}, _table(per_clip)


def _table(columns: dict[str, list]) -> pd.DataFrame:
    """A table from its columns; numbers as float64 (an empty table keeps its column names)."""
    return pd.DataFrame({k: v if k in ("clip", "frame") else np.asarray(v, np.float64) if k != "frames"
                         else np.asarray(v, np.int64) for k, v in columns.items()})
