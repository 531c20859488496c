"""Protocol ``maggie``: MaGGIe's V-HIM60 video evaluation (hmchuong/MaGGIe @ 62344dd,
``maggie/utils/metric.py`` through ``engine/test.py:eval_video`` and ``dataloader/vim.py``).

The original slides windows of 3 frames (overlap 2) over each video and feeds every window's frames
to one set of metric objects: a middle window scores its first frame (and the pair before it), the
last window its three frames (and three pairs) in one call. mbench replays that bookkeeping on
frame indices (skipped windows and the stale frames they leave included) and scores each call with
the compiled kernels. DVM's MESSDdt warp is shared with ``dvm`` (see :mod:`..kernels.video`).
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import cv2
import numpy as np

from mbench.benchmark.context import FrameContext
from mbench.benchmark.kernels import conn as conn_kernels
from mbench.benchmark.kernels import pixel
from mbench.benchmark.kernels import band
from mbench.benchmark.kernels import video as vk
from mbench.benchmark.kernels import warp
from mbench.benchmark.kernels.workspace import Workspace
from mbench.benchmark.protocols.base import Card, Options, Result, shard_figures, shard_units
from mbench.benchmark.results import absent_table
from mbench.benchmark.protocols.image_folders import finite_or_none, reading_warnings, refuse_full_precision
from mbench.benchmark.protocols.maggie_windows import _UNDEFINED, Call, plan  # noqa: F401  (re-exported)
from mbench.errors import BadInput
from mbench.frames import ImageInfo, read_alpha, read_alpha_with_info, read_image_bytes
from mbench.imagecheck import check_bytes
from mbench.parallel import ordered_map
from mbench.progress import progress

UNIT = "clip"  # shards split by video (base.py)
COLUMNS = ("mad", "mse", "sad", "grad", "conn", "dtssd", "messddt", "mad_fg", "mad_bg", "mad_unk")
MAX_INST = 10
_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))

CARD = Card(
    name="maggie",
    version="1",
    source="hmchuong/MaGGIe @ 62344ddf7dead04ccfe09171243f838c544c912b, maggie/utils/metric.py + "
           "maggie/engine/test.py:eval_video + maggie/dataloader/vim.py (configs/maggie_video.yaml)",
    used_by="MaGGIe (CVPR 2024) V-HIM60 video instance matting",
    region="whole frame (MAD_fg/bg/unk: trimap from the GT, fg alpha >= 128, unknown = dilate - erode "
           "with a 25x25 ellipse)",
    needs=("instances",),
    metrics=COLUMNS,
    rules={
        "layout": "GT = ROOT/<split>: fgr/<video>/<frame>.jpg (frame list), pha/<video>/<frame>/<inst>.png "
                  "(first 10 sorted), xmem/<video>/<frame>/<inst>.png (guidance masks); predictions "
                  "SAVE/<video>/<frame>.png (one instance) or SAVE/<video>/<frame>/<NN>.png",
        "reading": "GT: PIL convert('L'), /255 float32; prediction: 8-bit gray /255 float32",
        "clamp": "prediction <= 1/255 -> 0, >= 254/255 -> 1 before every metric",
        "windows": "clip_length 3, overlap 2: windows s = 0..N-3; a middle window scores frame s and "
                   "the pair s-1 -> s; the last window scores frames N-3..N-1 and their three pairs in "
                   "one call; a window whose guidance masks are all 0 is skipped and leaves stale state",
        "scales": {"sad": "sum |p-g| * 1e-3", "mad": "sum_f mean(|p-g| m) / (sum m + 1e-6) * 1e10",
                   "mse": "sum_f mean((p-g)^2 m) / (sum m + 1e-6) * 1e10",
                   "grad": "sum (|grad g~| - |grad p~|)^2 * 1e-3", "conn": "sum |phi_g - phi_p| * 1e-3",
                   "dtssd": "0.1 * sum_instances sqrt(sum_pairs sum_pixels (dp - dg)^2)",
                   "messddt": "1e4 * sum_instances sum_pairs error / sum_pairs (sum m + 1)"},
        "grad": "joint min-max over every frame and instance of the call, (x - min) / (max - min + 1e-6); "
                "9x9 sigma-1.4 filters, cross-correlation, zero padding 4",
        "thresholds": {"values": "np.arange(0, 1.1, 0.1)", "dtype": "float64 comparison (numpy >= 2), "
                       "round-down map float32"},
        "connectivity": 4, "tie_rule": "lowest skimage label (first in raster order)",
        "messddt": "DVM's warp: Farneback (0.5, 5, 10, 2, 7, 1.5, GAUSSIAN) on (g*255 float32) truncated "
                   "to uint8, rint; pixel (y, x) reads flat index "
                   "clamp(x+dx, 0, H-1)*W + clamp(y+dy, 0, W-1) "
                   "of the call's second frame for every pair",
        "counts": "non-temporal: frames x instances per call; dtSSD and MESSDdt: instances per call",
        "aggregation": "per-window row = score/count of that call; dataset = total score / (total count "
                       "+ 1e-6) over all windows of all videos",
    },
    quirks=(
        "MAD and MSE divide by H*W and again by sum m (x1e10), so they depend on the resolution",
        "Grad min-max normalises jointly over all frames of a call, with zero padding",
        "the last window scores three frames and three pairs in one call (one sqrt, one ratio)",
        "MESSDdt: DVM's warp with x and y swapped, every pair reading the call's first next frame",
        "a skipped window (all-zero guidance masks) leaves stale frames for the following windows",
        "videos of 4 frames, and a first video of 3 frames, crash the original (refused here)",
    ),
)


def _names(folder: Path, suffix: str, what: str) -> list[str]:
    if not folder.is_dir():
        raise BadInput(f"missing {what} folder", folder)
    return sorted(n for n in os.listdir(folder) if n.endswith(suffix) and not n.startswith("."))


class _Video:
    """One video's files: frame names, GT instance files, guidance masks, prediction files."""

    def __init__(self, pred: Path, gt: Path, name: str):
        self.name = name
        self.frames = [f[:-4] for f in _names(gt / "fgr" / name, ".jpg", "frame (fgr/<video>/*.jpg)")]
        if len(self.frames) < 3:
            raise BadInput("a video needs at least 3 frames (clip_length 3)", gt / "fgr" / name)
        self.gt, self.masks, self.pred = [], [], []
        self._empty: dict[int, bool] = {}
        for f in self.frames:
            insts = _names(gt / "pha" / name / f, ".png", "per-instance alpha (pha/<video>/<frame>/*.png)")
            insts = insts[:MAX_INST]
            if not insts or (self.gt and len(insts) != len(self.gt[0])):
                raise BadInput(f"expected {len(self.gt[0]) if self.gt else 'at least 1'} instance PNGs",
                               gt / "pha" / name / f)
            self.gt.append([gt / "pha" / name / f / i for i in insts])
            self.masks.append([gt / "xmem" / name / f / i for i in insts])
            for m in self.masks[-1]:
                if not m.is_file():
                    raise BadInput("missing guidance mask (xmem/<video>/<frame>/<instance>.png)", m)
            if len(insts) == 1:
                files = [pred / name / f"{f}.png"]
            else:
                files = [pred / name / f / f"{k:02d}.png" for k in range(len(insts))]
            for p in files:
                if not p.is_file():
                    raise BadInput(f"missing prediction (expected for {len(insts)} instance(s))", p)
            self.pred.append(files)

    def mask_empty(self, s: int) -> bool:
        """Whether window s's guidance masks are all 0 (each frame read once)."""
        for f in range(s, s + 3):
            if f not in self._empty:
                self._empty[f] = all(not read_alpha(m, reading="gray8").any() for m in self.masks[f])
        return all(self._empty[f] for f in range(s, s + 3))


def _read_gt(path: Path) -> tuple[np.ndarray, ImageInfo]:
    """The GT alpha as PIL's ``convert("L")`` gives it, and the file's header (for the warnings)."""
    data = read_image_bytes(path)  # read once: whichever decoder runs sees the bytes checked
    info = check_bytes(path, data)[0]
    if info.channels == 1 and info.bit_depth == 8:  # 8-bit gray: PIL's "L" is the file itself
        return read_alpha_with_info(path, reading="unchanged", data=data)[0], info
    from PIL import Image  # PIL's own "L" conversion for anything else, as the original

    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("L")), info


class _Frames:
    """Decoded frames of one video (clamped predictions, GT, trimaps), kept while windows need them."""

    def __init__(self, video: _Video, ws: Workspace):
        self.video = video
        self.ws = ws
        self.cache: dict[int, tuple] = {}
        self.infos: dict[Path, ImageInfo] = {}  # prediction headers, for the reading warnings
        self.gt_infos: dict[Path, ImageInfo] = {}  # and the ground truth's
        self.errors: dict[tuple[int, int, int], np.ndarray] = {}  # MESSDdt error maps

    def error_map(self, fp: int, fg: int, i: int) -> np.ndarray:
        """Instance i's squared-error map of prediction frame fp against GT frame fg (mask 1)."""
        key = (fp, fg, i)
        if key not in self.errors:
            p, g = self.get(fp)[0][i], self.get(fg)[1][i]
            self.errors[key] = warp.error_map(p, g, np.ones(p.shape, np.uint8), np.empty(p.shape, np.float32))
        return self.errors[key]

    def get(self, f: int):
        if f not in self.cache:
            g = []
            for q in self.video.gt[f]:
                img, self.gt_infos[q] = _read_gt(q)
                g.append(img)
            g = np.stack(g)
            p = []
            for q in self.video.pred[f]:
                img, self.infos[q] = read_alpha_with_info(q, reading="gray8")
                p.append(img)
            p = np.stack(p)
            if p.shape != g.shape:
                raise BadInput(f"prediction is {p.shape[-1]}x{p.shape[-2]}, ground truth "
                               f"{g.shape[-1]}x{g.shape[-2]}", self.video.pred[f][0])
            p = vk.clamp_codes(p, 1, 254)  # alpha <= 1/255 -> 0, >= 254/255 -> 1
            t = np.stack([_trimap(a, self.ws) for a in g])
            self.cache[f] = (p, g, t)
        return self.cache[f]

    def forget_before(self, f: int):
        for k in [k for k in self.cache if k < f]:
            del self.cache[k]
        for k in [k for k in self.errors if min(k[:2]) < f]:
            del self.errors[k]


def _trimap(a: np.ndarray, ws: Workspace) -> np.ndarray:
    # 1 where (cv2.dilate - cv2.erode) > 0 with the 25x25 ellipse, else 2 where a >= 128, else 0
    return band.transition_band(a, _KERNEL, inside=1, fg=2, fg_from=128, ws=ws)


_T64 = np.arange(0, 1 + 0.1, 0.1)
# float64 thresholds against float32 code / 255 give the same level for every 8-bit code as the
# float32 thresholds of the shared kernels (checked here, not assumed)
_STANDARD_LEVELS = bool((vk.level_lut_u8(_T64) == conn_kernels.level_lut(255)).all())
# Farneback's input: (g * 255).astype(uint8) with g = code / 255 in float32 (truncation; with
# IEEE float32 every code comes back unchanged, which this table checks rather than assumes)
_TRUNC = (np.arange(256, dtype=np.float32) / np.float32(255) * np.float32(255)).astype(np.uint8)
_TRUNC_IDENTITY = bool((_TRUNC == np.arange(256)).all())


def _spatial(frames: _Frames, call: Call, ws: Workspace, lut: np.ndarray) -> dict[str, tuple[float, int]]:
    """Scores of one non-temporal call (every metric's update return value) and its raw sums."""
    ps = [a for f in call.pred for a in frames.get(f)[0]]  # the call's frames x instances
    gs = [a for f in call.gt for a in frames.get(f)[1]]
    ts = [a for f in call.gt for a in frames.get(f)[2]]
    if len(ps) != len(gs):
        raise BadInput("the original's window bookkeeping pairs unequal frame counts here and fails",
                       frames.video.pred[call.pred[0]][0])
    n = len(gs)
    h, w = gs[0].shape
    if any(a.shape != (h, w) for a in gs):
        raise BadInput("frames of one window differ in size (the original stacks them)",
                       frames.video.gt[call.gt[0]][0])
    hw = float(h * w)
    out = dict.fromkeys(("sad", "mad", "mse", "mad_fg", "mad_bg", "mad_unk"), 0.0)
    for i in range(n):
        p, g, t = ps[i].ravel(), gs[i].ravel(), ts[i].ravel()
        ca, cs, cn, _, _ = (x.tolist() for x in vk.class_sums3(p, g, p, g, t, t, False))
        sa, ss = sum(ca) / 255.0, sum(cs) / 65025.0
        out["sad"] += sa * 1e-3
        out["mad"] += sa / hw / (hw + 1e-6) * 1e10
        out["mse"] += ss / hw / (hw + 1e-6) * 1e10
        for name, c in (("mad_fg", 2), ("mad_bg", 0), ("mad_unk", 1)):
            out[name] += ca[c] / 255.0 / hw / (cn[c] + 1e-6) * 1e10
    # one 8-bit scan per frame: Conn's runs, Grad's tile maps and (one frame) the min-max
    ctx = FrameContext(ps[0], gs[0], workspace=ws) if n == 1 else None
    if ctx is not None:
        plo, phi, glo, ghi = (int(v) for v in ctx.extremes)
    else:
        glo, ghi = min(int(a.min()) for a in gs), max(int(a.max()) for a in gs)
        plo, phi = min(int(a.min()) for a in ps), max(int(a.max()) for a in ps)
    sg = (1 / 255) / ((ghi - glo) / 255 + 1e-6)
    sp = (1 / 255) / ((phi - plo) / 255 + 1e-6)
    grad = conn = 0.0
    for i in range(n):
        if ctx is None or i:
            ctx = FrameContext(ps[i], gs[i], workspace=ws)
        if _STANDARD_LEVELS:  # the shared scan computes exactly these levels
            conn += ctx.conn_sum
        else:
            conn += vk.conn_sum_u8(ps[i], gs[i], lut, None, 0, ws)
        grad += vk.grad_sum_zero_border(ps[i], gs[i], sp, sg, ws, ctx.tiles, (plo, glo))
    out["grad"], out["conn"] = grad * 1e-3, conn * 1e-3
    return {k: (v, n) for k, v in out.items()}


def _temporal(frames: _Frames, call: Call, ws: Workspace) -> dict[str, tuple[float, int]]:
    ps = [frames.get(f)[0] for f in call.temporal_pred]  # F arrays of (I, H, W)
    gs = [frames.get(f)[1] for f in call.temporal_gt]
    if len(ps) != len(gs):
        raise BadInput("the original's window bookkeeping pairs unequal frame counts here and fails",
                       frames.video.pred[call.temporal_pred[0]][0])
    nf = len(gs)
    ni, h, w = gs[0].shape
    cls0 = np.zeros(0, np.uint8)
    dt = 0.0
    for i in range(ni):
        st = sum(pixel.int_sums(ps[k + 1][i].ravel(), gs[k + 1][i].ravel(), ps[k][i].ravel(),
                                gs[k][i].ravel(), cls0, True, False, 0)[2] for k in range(nf - 1))
        dt += 0.1 * math.sqrt(st / 65025.0)
    if nf < 2:  # the original's MESSDdt raises on one frame, prints it and skips every instance
        return {"dtssd": (dt, ni), "messddt": (0.0, 0)}
    mes = 0.0
    idx = ws.array("warp_idx", (w,), np.int64)
    fp, fg = call.temporal_pred, call.temporal_gt
    for i in range(ni):
        err = 0.0
        e1 = frames.error_map(fp[1], fg[1], i)  # every pair samples the call's first next frame
        for k in range(nf - 1):
            g0, g1 = gs[k][i], gs[k + 1][i]
            if not _TRUNC_IDENTITY:
                g0, g1 = np.take(_TRUNC, g0), np.take(_TRUNC, g1)
            flow = vk.farneback_rint(g0, g1)
            err += warp.warp_error(frames.error_map(fp[k], fg[k], i), e1, flow, False, idx)
        mes += err / ((nf - 1) * (h * w + 1.0)) * 1e4
    return {"dtssd": (dt, ni), "messddt": (mes, ni)}


def _score_video(item):
    video, calls = item
    ws = Workspace()
    frames = _Frames(video, ws)
    lut = vk.level_lut_u8(_T64)
    rows = []
    for call in calls:
        scores = _spatial(frames, call, ws, lut)
        if call.temporal_pred is not None:
            scores.update(_temporal(frames, call, ws))
        row = {"clip": video.name, "frame": video.frames[call.start]}
        row.update({k: s / (c + (1e-8 if k == "messddt" else 1e-10 if k == "dtssd" else 0))
                    for k, (s, c) in scores.items()})
        rows.append((row, scores))
        frames.forget_before(call.start - 3)
    files = [p for fr in video.gt for p in fr]
    return rows, files, frames.infos, frames.gt_infos


def check_inputs(pred: Path, gt: Path, options: Options) -> None:
    """Refuse, before any work, a split folder without its frames, instances or guidance masks."""
    for sub, what in (("pha", "per-instance alphas pha/<video>/<frame>/<instance>.png"),
                      ("fgr", "frames fgr/<video>/<frame>.jpg"),
                      ("xmem", "guidance masks xmem/<video>/<frame>/<instance>.png")):
        if not (Path(gt) / sub).is_dir():
            raise BadInput(f"missing {what} (GT is the V-HIM split folder)", Path(gt) / sub)


def run(pred: Path, gt: Path, options: Options) -> Result:
    """Score MaGGIe's saved predictions ``pred`` against the V-HIM split folder ``gt`` (under
    ``options.shard`` only that shard's videos; every video is planned, as the window bookkeeping
    carries ``prev_preds`` from one video to the next)."""
    refuse_full_precision(options, CARD.name)
    pred, gt = Path(pred), Path(gt)
    names = sorted(n for n in os.listdir(gt / "pha")) if (gt / "pha").is_dir() else None
    if not names:
        raise BadInput("expected the split folder holding pha/<video>/<frame>/<instance>.png", gt / "pha")
    every, prev = [], _UNDEFINED
    for name in names:
        video = _Video(pred, gt, name)
        calls, prev = plan(len(video.frames), video.mask_empty, prev, gt / "fgr" / name)
        every.append((video, calls))
    jobs = shard_units(every, options.shard)
    rows, files, infos, gt_infos, state = [], [], {}, {}, {}
    for (video, _), (r, f, i, gi) in zip(jobs, progress(ordered_map(_score_video, jobs, options.workers),
                                                        total=len(jobs), desc="maggie", unit="video",
                                                        quiet=options.quiet)):
        rows += [row for row, _ in r]
        state[video.name] = [{k: list(sc) for k, sc in scores.items()} for _, scores in r]
        files += f
        infos.update(i)
        gt_infos.update(gi)
    # a video's first window makes no temporal call: its dtssd and messddt cells are absent (empty)
    df = absent_table(rows, ("clip", "frame") + COLUMNS)
    metrics, _, _ = shard_figures(aggregate_rows, df, [v.name for v, _ in jobs], state)
    preds = [p for video, _ in jobs for fr in video.pred for p in fr]
    return Result(per_frame=df, metrics=metrics, gt_files=files, units=names, state=state,
                  warnings=reading_warnings(preds, "gray8", [infos.get(p) for p in preds])
                  + reading_warnings(files, "pil_l", [gt_infos.get(p) for p in files]))


def aggregate_rows(per_frame, units: list[str], state: dict) -> tuple:
    """Total score over total count (+ 1e-6) of every window of the videos ``units``, in order, from
    each window's raw (score, count) pairs (``state``: the rows hold only their ratios)."""
    totals = {k: [0.0, 0] for k in COLUMNS}
    for video in units:
        for scores in state[video]:
            for k, (s, c) in scores.items():
                totals[k][0] += s
                totals[k][1] += c
    return {k: finite_or_none(s / (c + 1e-6)) for k, (s, c) in totals.items()}, {}, None
