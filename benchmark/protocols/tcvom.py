"""Protocol ``tcvom``: TCVOM's ``calc_metric.py`` on VideoMatting108 (yunkezhang/TCVOM @ f5fa07a,
``calc_metric.py`` + ``utils/utils.py``).

Layout (the original's): ``GT/frame_corr.json`` (its keys list ``<video>/<frame>.<ext>``),
``GT/FG_done/<video>/<frame>.png`` (RGBA; the alpha is the last channel),
``PRED/<video>/<frame>_pred.png`` and ``_tri.png`` (the trimap comes from the prediction folder),
``GT/flow_png/<video>/flow_<f>_<n>.png`` (or ``--flow ROOT``): 16-bit, channels B, G = int16 dx, dy
x 100, R = validity. Per frame: mSAD and MSE are means over ``0 < trimap < 255`` (NaN when empty),
SSDA, dtSSD and MESSDdt unnormalised sums; a video's figures are means over all its frames (the last
frame's temporal zeros included); the dataset figure is the mean of the video means, and the last
video in sorted order is never evaluated (the original's loop appends a video only when the next
one starts).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from mbench.benchmark.kernels import video as vk
from mbench.benchmark.protocols.base import Card, Options, Result, shard_figures, shard_units, unit_spans
from mbench.benchmark.protocols.image_folders import finite_or_none, reading_warnings, refuse_full_precision
from mbench.errors import BadInput
from mbench.frames import read_alpha
from mbench.parallel import ordered_map
from mbench.progress import progress

AVERAGED = ("msad", "mse", "ssda", "dtssd", "messddt_fix", "messddt")
COUNTS = ("pixel_count", "flow_pixel_count")
COLUMNS = AVERAGED + COUNTS
UNIT = "clip"  # shards split by video (base.py)

CARD = Card(
    name="tcvom",
    version="1",
    source="yunkezhang/TCVOM @ f5fa07a26d11c8c0d865f66f8f4a9ed5f9230207, calc_metric.py + utils/utils.py",
    used_by="TCVOM (ACM MM 2021) VideoMatting108 validation",
    region="0 < trimap < 255, trimap PRED/<video>/<frame>_tri.png",
    needs=("trimap", "flow"),
    metrics=COLUMNS,
    rules={
        "layout": "GT/frame_corr.json keys (sorted) list <video>/<frame>.<ext>; "
                  "GT/FG_done/<video>/<frame>.png; PRED/<video>/<frame>_pred.png and _tri.png; "
                  "flow GT/flow_png (or --flow)/<video>/flow_<f>_<n>.png",
        "reading": "prediction and trimap 8-bit gray; GT alpha = last channel of IMREAD_UNCHANGED (RGBA); "
                   "float32(x / 255.0); flow: int16 of channels 0, 1 / 100 (dx, dy), "
                   "channel 2 == 0 invalid (NaN)",
        "region": "m = 0 < trimap < 255 of the current frame",
        "scales": {"msad": "mean_m |a-g| (unscaled, NaN on empty m)",
                   "mse": "mean_m (a-g)^2 (NaN on empty m)",
                   "ssda": "sqrt(sum_m (a-g)^2)", "dtssd": "sqrt(sum_m ((a-ha)-(g-hg))^2), next frame, no /N",
                   "messddt_fix": "sum_V |(a-g) - (ha~-hg~)|", "messddt": "sum_V |(a-g)^2 - (ha~-hg~)^2|"},
        "warp": "next frame sampled at (x+dx, y+dy): grid_sample bilinear, align_corners, zero padding; "
                "V = valid flow and m; invalid flow set to 0 and not counted; |V| = 0 gives 0",
        "temporal": "each frame paired with the next frame of its video; "
                    "the last frame's dtssd, messddt_fix, "
                    "messddt and flow_pixel_count are 0 and count in the video mean",
        "selection": "a frame exists when _pred.png and _tri.png exist; only videos with every frame kept; "
                     "the last video in sorted order is never evaluated",
        "aggregation": "video = mean over its frames (counts summed); dataset = mean of video means",
        "float": "float32 per frame; video and dataset sums in float64",
    },
    quirks=(
        "the trimap is taken from the prediction folder",
        "mSAD and MSE are unscaled means and NaN on an empty unknown region (which poisons the averages)",
        "SSDA, dtSSD and MESSDdt are unnormalised sums",
        "the last frame's temporal values are 0 but counted in the video mean",
        "the last video in sorted order is never evaluated (corrected figure under extra)",
    ),
)


def _videos(pred: Path, gt: Path) -> tuple[list[tuple[str, list[str]]], bool]:
    """(video, frame ids) of the full videos, in sorted order, and whether the last one is full."""
    corr = gt / "frame_corr.json"
    try:
        keys = sorted(json.loads(corr.read_text()).keys())
    except FileNotFoundError:
        raise BadInput("missing frame_corr.json (the VM108 data root holds it)", corr) from None
    except (ValueError, AttributeError) as e:
        raise BadInput(f"not a JSON object of frame keys ({e})", corr) from None
    by_video: dict[str, list[str]] = {}
    full: dict[str, bool] = {}
    for k in keys:
        fid, v = os.path.splitext(k)[0], os.path.dirname(k)
        by_video.setdefault(v, []).append(fid)
        ok = (pred / f"{fid}_pred.png").is_file() and (pred / f"{fid}_tri.png").is_file()
        full[v] = full.get(v, True) and ok
    order = list(by_video)  # keys are sorted, so videos come in first-key order
    return [(v, by_video[v]) for v in order if full[v]], bool(order) and full[order[-1]]


def _read_frame(pred: Path, gt: Path, fid: str):
    a = read_alpha(pred / f"{fid}_pred.png", reading="gray8")
    t = read_alpha(pred / f"{fid}_tri.png", reading="gray8")
    path = gt / "FG_done" / f"{fid}.png"
    if not path.is_file():
        raise BadInput("missing ground truth (FG_done/<video>/<frame>.png, RGBA)", path)
    full = read_alpha(path, reading="unchanged")
    if full.ndim != 3:
        raise BadInput("expected an RGBA PNG (TCVOM takes the alpha from the last channel); "
                       "this has one channel", path)
    g = np.ascontiguousarray(full[..., -1])
    if g.dtype != np.uint8:
        raise BadInput("expected an 8-bit RGBA PNG", path)
    for arr, p in ((a, pred / f"{fid}_pred.png"), (t, pred / f"{fid}_tri.png")):
        if arr.shape != g.shape:
            raise BadInput(f"is {arr.shape[1]}x{arr.shape[0]}, ground truth {g.shape[1]}x{g.shape[0]}", p)
    return a, g, t, full.shape[2]


def _read_flow(root: Path, video: str, f: str, n: str, shape) -> np.ndarray:
    path = root / video / f"flow_{os.path.basename(f)}_{os.path.basename(n)}.png"
    if not path.is_file():
        raise BadInput("missing flow (expected <video>/flow_<frame>_<next>.png, 16-bit, 3 channels)", path)
    x = read_alpha(path, reading="unchanged")
    if x.ndim != 3 or x.shape[2] != 3 or x.dtype != np.uint16 or x.shape[:2] != shape:
        raise BadInput(f"expected a 16-bit 3-channel flow PNG of {shape[1]}x{shape[0]}", path)
    return x  # decoded inside the warp: int16(B, G) / 100 = (dx, dy), R == 0 invalid


def _score_video(job):
    pred, gt, flow_root, video, fids = job
    rows, channels = [], set()
    cur = _read_frame(pred, gt, fids[0])
    for i, fid in enumerate(fids):
        a, g, t, ch = cur
        channels.add(ch)
        nxt = _read_frame(pred, gt, fids[i + 1]) if i + 1 < len(fids) else None
        sa, ss, n, st = vk.tcvom_sums(a, g, t, *((nxt[0], nxt[1]) if nxt else (a, g)), nxt is not None)
        row = {"clip": video, "frame": os.path.basename(fid),
               "msad": sa / n if n else math.nan, "mse": ss / n if n else math.nan,  # numpy: NaN
               "ssda": math.sqrt(ss), "dtssd": 0.0, "messddt_fix": 0.0, "messddt": 0.0,
               "pixel_count": n, "flow_pixel_count": 0}
        if nxt is not None:
            raw = _read_flow(flow_root, video, fid, fids[i + 1], a.shape)
            fix, sq, valid = vk.bilinear_warp_error(a, g, nxt[0], nxt[1], t, raw)
            row.update(dtssd=math.sqrt(st), messddt_fix=fix, messddt=sq, flow_pixel_count=int(valid))
            cur = nxt
        rows.append(row)
    flows = [flow_root / video / f"flow_{os.path.basename(f)}_{os.path.basename(n)}.png"
             for f, n in zip(fids, fids[1:])]
    return rows, [gt / "FG_done" / f"{f}.png" for f in fids] + flows, channels


def _video_means(cols: dict[str, list]) -> dict[str, float]:
    """A video's means (and pixel counts) from its per-frame columns, summed in frame order."""
    out = {k: sum(cols[k]) / len(cols[k]) for k in AVERAGED}
    out.update({k: sum(cols[k]) for k in COUNTS})
    return out


def check_inputs(pred: Path, gt: Path, options: Options) -> None:
    """Refuse, before any work, a data root without ``frame_corr.json``."""
    if not (Path(gt) / "frame_corr.json").is_file():
        raise BadInput("missing frame_corr.json (GT is the VM108 data root)", Path(gt) / "frame_corr.json")


def run(pred: Path, gt: Path, options: Options) -> Result:
    """Score ``pred`` against the VM108 data root ``gt`` as TCVOM's ``calc_metric.py`` does (under
    ``options.shard`` only that shard's videos)."""
    refuse_full_precision(options, CARD.name)
    pred, gt = Path(pred), Path(gt)
    flow_root = Path(options.flow) if options.flow is not None else gt / "flow_png"
    videos, last_full = _videos(pred, gt)
    evaluated = videos[:-1] if last_full else videos  # the original never appends the last video
    if not evaluated:
        raise BadInput("no complete video to evaluate (the original skips the last video in "
                       "sorted order)", pred)
    jobs = shard_units([(pred, gt, flow_root, v, f) for v, f in videos], options.shard)
    results = list(progress(ordered_map(_score_video, jobs, options.workers), total=len(jobs), desc="tcvom",
                            unit="video", quiet=options.quiet))
    names = [j[3] for j in jobs]
    last = videos[-1][0] if last_full else None
    # the last video is scored (extra.all_videos) but not evaluated: its means travel as state
    state = {"": last}
    kept = []
    for v, (rows, files, channels) in zip(names, results):
        if v == last:
            state[v] = _video_means({k: [r[k] for r in rows] for k in COLUMNS})
        else:
            kept.append((v, rows, files, channels))
    warnings = reading_warnings([pred / f"{fid}{end}" for v, fids in evaluated if v in names for fid in fids
                                 for end in ("_pred.png", "_tri.png")], "gray8")
    if any(3 in k[3] for k in kept):
        warnings.append("a ground-truth PNG has 3 channels: TCVOM reads its red channel as alpha")
    df = pd.DataFrame([row for k in kept for row in k[1]], columns=("clip", "frame") + COLUMNS)
    metrics, extra, per_clip = shard_figures(aggregate_rows, df, names, state)
    return Result(per_frame=df, metrics=metrics, extra=extra, per_clip=per_clip,
                  gt_files=[p for k in kept for p in k[2]], warnings=warnings, units=[v for v, _ in videos],
                  state=state)


def aggregate_rows(per_frame: pd.DataFrame, units: list[str], state: dict) -> tuple:
    """The original's figures (means over the evaluated videos of the video means), every video's
    means under extra (the unevaluated last one's from ``state``), the per-video table."""
    last = state.get("")
    clips = per_frame["clip"].tolist()
    cols = {k: per_frame[k].tolist() for k in COLUMNS}
    spans = unit_spans(clips)  # a video's rows are consecutive
    per_clip = {u: _video_means({k: cols[k][slice(*spans[u])] for k in COLUMNS})
                for u in units if u != last and u in spans}
    every = list(per_clip.values())
    if last in units and last in state:  # NaN came back from JSON as null
        every.append({k: math.nan if v is None else v for k, v in state[last].items()})
    metrics = {k: finite_or_none(sum(c[k] for c in per_clip.values()) / len(per_clip)) for k in AVERAGED} \
        if per_clip else {}
    extra = {"per_clip": per_clip,
             "all_videos": {k: finite_or_none(sum(c[k] for c in every) / len(every)) for k in AVERAGED}}
    lengths = {u: spans[u][1] - spans[u][0] for u in per_clip}
    clip_rows = [{"clip": v, "frames": lengths[v], **m} for v, m in per_clip.items()]
    return metrics, extra, pd.DataFrame(clip_rows, columns=("clip", "frames") + AVERAGED + COUNTS)
