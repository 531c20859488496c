"""Scoring in memory: frames of one clip in, one row of metric values per frame out."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mbench.benchmark.context import FrameContext
from mbench.benchmark.conventions import Convention, get_convention, select_metrics
from mbench.benchmark.kernels.workspace import Workspace
from mbench.benchmark.metrics import Metric, build_metrics
from mbench.errors import BadInput


def score_frame(metrics: list[Metric], ctx: FrameContext) -> dict[str, float]:
    """Every metric's value for one frame."""
    return {m.name: float(m.compute(ctx)) for m in metrics}


def warn_undefined(values: dict[str, float], where: str) -> None:
    """Warn, naming the frame, about metrics that are undefined (NaN) there."""
    bad = [k for k, v in values.items() if isinstance(v, float) and math.isnan(v)]
    if bad:
        warnings.warn(f"{where}: {', '.join(bad)} undefined (no pixel to score); written as nan",
                      stacklevel=2)


def check_array(a: np.ndarray, what: str) -> np.ndarray:
    """Validate an in-memory matte sequence: (T, H, W), uint8/uint16 or float in [0, 1]."""
    a = np.asarray(a)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise BadInput(f"expected shape (T, H, W), got {a.shape}", what)
    if a.dtype in (np.uint8, np.uint16):
        return a
    if a.dtype.kind != "f" and a.dtype != np.bool_:
        raise BadInput(f"unsupported dtype {a.dtype} (use uint8, uint16 or float in [0, 1])", what)
    a = a.astype(np.float32, copy=False)
    if np.isnan(a).any():
        t = int(np.argwhere(np.isnan(a))[0][0])
        raise BadInput(f"NaN values (first at frame {t})", what)
    lo, hi = float(a.min()), float(a.max())
    if lo < 0 or hi > 1:
        raise BadInput(f"values out of range [0, 1] (min {lo:g}, max {hi:g})", what)
    return a


def evaluate_arrays(pred, gt, convention: str = "rvm", metrics: list[str] | None = None,
                    trimap=None, clip: str = "clip", pred_fgr=None, gt_fgr=None,
                    device: str = "cpu", protocol: str | None = None) -> pd.DataFrame:
    """Score in-memory mattes of shape (T, H, W) as one clip (dtSSD runs across T).

    Parameters
    ----------
    pred, gt : array_like (T, H, W)
        uint8 (x / 255), uint16 (x / 65535) or float in [0, 1].
    convention : str
        ``"rvm"`` (default) or ``"dim"`` (needs ``trimap``).
    metrics : list of str, optional
        A subset of the convention's metrics (default: its standard set).
    trimap : array_like (T, H, W) uint8, optional
        Trimaps with values 0/128/255.
    clip : str
        The clip name in the returned table.
    pred_fgr, gt_fgr : array_like (T, H, W, 3), optional
        Foregrounds, for fgr_mad / fgr_mse.
    device : {"cpu", "cuda"}
    protocol : str, optional
        Score by a protocol's per-frame rules and column names instead (``rvm``, ``rvm_hr``,
        ``matanyone``, ``matanyone_crgnn``, ``dim``); a protocol whose original needs files (a
        dataset layout, flow, instances) is refused with :class:`BadInput`.

    Returns
    -------
    pandas.DataFrame
        Columns ``clip``, ``frame`` (``0000``, ...), then one column per metric.
    """
    if protocol is not None:
        from mbench.benchmark.protocols.runner import protocol_convention

        conv = protocol_convention(protocol)
    else:
        conv = get_convention(convention)
    p, g = check_array(pred, "pred"), check_array(gt, "gt")
    if p.shape != g.shape:
        raise BadInput(f"shape {p.shape} differs from gt {g.shape}", "pred")
    have_fgr = pred_fgr is not None and gt_fgr is not None
    names = select_metrics(conv, metrics, have_fgr)
    tri = None
    if conv.needs_trimap or trimap is not None:
        if trimap is None:
            raise BadInput(f"convention {conv.name} needs a trimap", "trimap")
        tri = np.asarray(trimap)
        tri = tri[None] if tri.ndim == 2 else tri
        if tri.shape != p.shape:
            raise BadInput(f"shape {tri.shape} differs from pred {p.shape}", "trimap")
    if have_fgr:
        pred_fgr, gt_fgr = np.asarray(pred_fgr), np.asarray(gt_fgr)
        if pred_fgr.shape != p.shape + (3,) or gt_fgr.shape != p.shape + (3,):
            raise BadInput(f"foregrounds must have shape {p.shape + (3,)}", "fgr")
    scorer = FrameScorer(conv, names, device)
    workspace = Workspace()
    rows, prev = [], None
    for t in range(p.shape[0]):
        frame = Frame(p[t], g[t], None if tri is None else tri[t],
                      pred_fgr[t] if have_fgr else None, gt_fgr[t] if have_fgr else None)
        rows.append(scorer(clip, f"{t:04d}", frame, prev, workspace, f"{clip} frame {t:04d}"))
        prev = frame
    return pd.DataFrame(rows, columns=["clip", "frame", *names])


@dataclass
class Frame:
    """One frame's decoded inputs (a file's or an array's)."""

    pred: np.ndarray
    gt: np.ndarray
    trimap: np.ndarray | None = None
    pred_fgr: np.ndarray | None = None
    gt_fgr: np.ndarray | None = None


class FrameScorer:
    """The one per-frame step of every evaluation (files or arrays): a frame and the one before it
    in, a row of metric values out, undefined values warned about by name."""

    def __init__(self, conv: Convention, names: tuple[str, ...], device: str = "cpu"):
        self.conv, self.names, self.device = conv, tuple(names), device
        self.metrics = build_metrics(conv, self.names)

    def __call__(self, clip: str, stem: str, frame: Frame, prev: Frame | None,
                 workspace: Workspace, where: str) -> dict:
        ctx = frame_context(self.conv, frame.pred, frame.gt, prev and prev.pred, prev and prev.gt,
                            frame.trimap, prev and prev.trimap, frame.pred_fgr, frame.gt_fgr,
                            self.device, self.names, workspace)
        values = score_frame(self.metrics, ctx)
        warn_undefined(values, where)
        return {"clip": clip, "frame": stem, **values}


def frame_context(conv: Convention, pred, gt, pred_prev, gt_prev, region, region_prev, pred_fgr,
                  gt_fgr, device: str, metrics: tuple[str, ...] = ("grad",),
                  workspace: Workspace | None = None) -> FrameContext:
    """A :class:`FrameContext` set up as ``conv`` scores frames, for ``metrics``."""
    return FrameContext(pred, gt, pred_prev=pred_prev, gt_prev=gt_prev,
                        spatial=bool({"grad", "conn"} & {conv.kind(m) for m in metrics}),
                        minmax=conv.minmax_grad, conn="conn" in {conv.kind(m) for m in metrics},
                        region=region if conv.needs_trimap else None,
                        region_prev=region_prev if conv.needs_trimap else None,
                        region_value=conv.region_value, pred_fgr=pred_fgr, gt_fgr=gt_fgr,
                        column_major=conv.column_major, device=device, workspace=workspace)
