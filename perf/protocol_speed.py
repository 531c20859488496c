"""Speed of each protocol of the RVM family and ``dim`` against a straightforward restatement of its
original evaluation code, timed in the same run on the same in-memory frames.

Per protocol, the time to score one frame with its whole default metric set:

- ``rvm``, ``matanyone`` (evaluate_lr.py, MatAnyone2 eval_lr.py): numpy float32 + cv2.filter2D +
  one cv2.connectedComponentsWithStats per Conn threshold (tests/benchmark/rvm_reference.py);
- ``rvm_hr`` (with fgr_mse), ``matanyone_hr``, ``matanyone_crgnn`` (evaluate_hr.py, eval_hr.py,
  eval_crgnn.py): torch float32 on the CPU, 9x9 conv2d with replicate padding, as those scripts run
  (on a GPU there);
- ``dim``: the MATLAB code's steps in numpy/cv2 on the trimap's unknown region (mat2gray, 2-D filter,
  per-threshold component labelling).

mbench scores through :class:`mbench.benchmark.scoring.FrameScorer` with the protocol's convention
(the compiled kernels). One thread each; frames from perf/realistic_mattes.py.

    python perf/protocol_speed.py [--frames 6] [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "benchmark"))

import realistic_mattes  # noqa: E402
import rvm_reference as ref  # noqa: E402
from mbench.benchmark.kernels.workspace import Workspace  # noqa: E402
from mbench.benchmark.protocols.runner import protocol_convention  # noqa: E402
from mbench.benchmark.scoring import Frame, FrameScorer  # noqa: E402
from mbench.trimap import make_trimap  # noqa: E402

_KX = torch.from_numpy(ref.gauss_filters()[0]).float()[None, None]
_KY = torch.from_numpy(ref.gauss_filters()[1]).float()[None, None]


def _hr_gradient(x: torch.Tensor) -> torch.Tensor:
    x = F.pad(x[None, None], (4, 4, 4, 4), mode="replicate")
    return (F.conv2d(x, _KX) ** 2 + F.conv2d(x, _KY) ** 2).sqrt()[0, 0]


def reference_hr(p, g, pp, gp, fgr):
    """evaluate_hr.py's steps: torch float32, no min-max normalisation, no Conn."""
    p, g = torch.from_numpy(p).float() / 255, torch.from_numpy(g).float() / 255
    pp, gp = torch.from_numpy(pp).float() / 255, torch.from_numpy(gp).float() / 255
    out = [(p - g).abs().mean() * 1e3, ((p - g) ** 2).mean() * 1e3,
           ((_hr_gradient(g) - _hr_gradient(p)) ** 2).sum() / 1000,
           (((p - pp) - (g - gp)) ** 2).sum().div(g.numel()).sqrt() * 1e2]
    if fgr is not None:
        fp, fg = (torch.from_numpy(f).float() / 255 for f in fgr)
        m = g > 0
        out.append(((fp[m] - fg[m]) ** 2).mean() * 1e3)
    return [float(v) for v in out]


def reference_lr(p, g, pp, gp, fgr):
    """evaluate_lr.py's steps (numpy float32, cv2), all five alpha metrics."""
    pf, gf = p.astype(np.float32) / 255, g.astype(np.float32) / 255
    return [ref.mad(pf, gf), ref.mse(pf, gf), ref.grad(pf, gf), ref.conn(pf, gf),
            ref.dtssd(pf, pp.astype(np.float32) / 255, gf, gp.astype(np.float32) / 255)]


def reference_dim(p, g, tri):
    """The DIM MATLAB code's steps on the unknown region (trimap == 128)."""
    pf, gf = p.astype(np.float64) / 255, g.astype(np.float64) / 255
    u = tri == 128
    d = pf - gf
    sad, mse = np.abs(d)[u].sum() / 1000, (d ** 2)[u].sum() / max(u.sum(), 1)
    mags = []
    for a in (pf, gf):
        n = cv2.normalize(a, None, 1.0, 0.0, cv2.NORM_MINMAX)
        fx = cv2.filter2D(n, -1, ref.gauss_filters()[0], borderType=cv2.BORDER_REPLICATE)
        fy = cv2.filter2D(n, -1, ref.gauss_filters()[1], borderType=cv2.BORDER_REPLICATE)
        mags.append(np.sqrt(fx ** 2 + fy ** 2))
    grad = ((mags[0] - mags[1]) ** 2)[u].sum() / 1000
    steps = np.arange(0, 1.0001, 0.1)
    level = -np.ones_like(gf)
    for i in range(1, len(steps)):
        inter = ((gf >= steps[i]) & (pf >= steps[i])).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(inter, connectivity=4)
        omega = labels == (np.argmax(stats[1:, -1]) + 1) if n > 1 else np.zeros(gf.shape, bool)
        level[(level == -1) & ~omega] = steps[i - 1]
    level[level == -1] = 1
    dg, dp = gf - level, pf - level
    conn = np.abs((1 - dg * (dg >= 0.15)) - (1 - dp * (dp >= 0.15)))[u].sum() / 1000
    return [sad, mse, grad, conn]


def seconds_per_frame(fn, items, repeats):
    fn(*items[0])  # warm-up (compiles the kernels)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for it in items:
            fn(*it)
        best = min(best, (time.perf_counter() - t) / len(items))
    return best


def table(sizes, n_frames, repeats):
    rows = []
    torch.set_num_threads(1)
    for w, h in sizes:
        gt = realistic_mattes.ground_truth(w, h, 1, n_frames)[0]
        pred = realistic_mattes.prediction(gt, 1)
        rng = np.random.default_rng(0)
        fgr = [(rng.integers(0, 256, (h, w, 3), dtype=np.uint8),) * 2 for _ in range(n_frames)]
        tris = [make_trimap(g, 10) for g in gt]
        items = [(i,) for i in range(1, n_frames)]
        for name in ("rvm", "matanyone", "rvm_hr", "matanyone_hr", "matanyone_crgnn", "dim"):
            conv = protocol_convention(name)
            names = conv.metrics + (("fgr_mse",) if name == "rvm_hr" else ())
            scorer = FrameScorer(conv, names)
            ws = Workspace()
            use_fgr = name == "rvm_hr"

            def ours(i):
                f = Frame(pred[i], gt[i], tris[i] if name == "dim" else None,
                          *(fgr[i] if use_fgr else (None, None)))
                prev = Frame(pred[i - 1], gt[i - 1], tris[i - 1] if name == "dim" else None)
                return scorer("c", "f", f, prev, ws, "c/f")

            if name == "dim":
                def theirs(i):
                    return reference_dim(pred[i], gt[i], tris[i])
            else:
                base = reference_hr if name in ("rvm_hr", "matanyone_hr", "matanyone_crgnn") else reference_lr

                def theirs(i):
                    return base(pred[i], gt[i], pred[i - 1], gt[i - 1], fgr[i] if use_fgr else None)

            r = seconds_per_frame(theirs, items, repeats)
            o = seconds_per_frame(ours, items, repeats)
            has = "Conn, Grad" if {"conn"} & {conv.kind(m) for m in names} else "Grad"
            rows.append((f"{w}x{h}", name, has, r * 1e3, o * 1e3, r / o))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="512x288 only, 3 frames, 1 repeat")
    a = ap.parse_args()
    sizes = [(512, 288)] if a.quick else [(512, 288), (1920, 1080)]
    frames, repeats = (3, 1) if a.quick else (a.frames, a.repeats)
    print("| size | protocol | has | original restated (ms/frame) | mbench (ms/frame) | speed-up |")
    print("|---|---|---|---:|---:|---:|")
    for size, name, has, r, o, x in table(sizes, frames, repeats):
        print(f"| {size} | `{name}` | {has} | {r:.2f} | {o:.2f} | {x:.1f}x |")


if __name__ == "__main__":
    main()
