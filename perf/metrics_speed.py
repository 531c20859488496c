"""Speed of mbench's metric kernels against the straightforward numpy + OpenCV implementation.

Prints two tables:

1. Per-frame time of each metric, and of all five rvm metrics together, at 512x288 and 1920x1080,
   for mbench and for the straightforward implementation (RobustVideoMatting's evaluate_lr.py
   restated: per-threshold cv2.connectedComponentsWithStats, 2-D cv2.filter2D), timed in the same
   run on the same frames. Both sides get the same threads: frames are spread over a pool of
   ``--workers`` threads (the reference's evaluator also runs clips in threads), and the time per
   frame is wall time / frames.
2. End to end: ``mbench evaluate`` frames/s on PNG trees against the bound of only decoding the
   same PNGs with the same number of threads, two ways: with OpenCV (``cv2.imdecode``, as the
   reference evaluation scripts read frames) and with mbench's own reader (``mbench.png``, which
   ``mbench evaluate`` uses). Each evaluation is timed right after its two decode-only passes,
   and the shares are medians over these neighbours: on a shared machine whose speed drifts by
   10-20 % from second to second, a ratio of neighbours is steadier than a ratio of two best
   times taken minutes apart. The rates are medians too.

Frames are realistic: procedural subjects (hair, soft edges) as ground truth and network-like
predictions (perf/realistic_mattes.py).

    python perf/metrics_speed.py [--workers 2] [--frames 24] [--quick]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "benchmark"))

import realistic_mattes  # noqa: E402
import rvm_reference as ref  # noqa: E402
from mbench.benchmark.context import FrameContext  # noqa: E402
from mbench.benchmark.conventions import get_convention  # noqa: E402
from mbench.benchmark.evaluation import evaluate  # noqa: E402
from mbench.benchmark.kernels.workspace import Workspace  # noqa: E402
from mbench.benchmark.metrics import build_metrics  # noqa: E402
from mbench.frames import read_alpha  # noqa: E402

METRICS = ("mad", "mse", "grad", "conn", "dtssd")


def reference_frame(p, g, pp, gp, names):
    pf, gf = p.astype(np.float32) / 255, g.astype(np.float32) / 255
    out = {}
    for m in names:
        if m == "dtssd":
            out[m] = ref.dtssd(pf, pp.astype(np.float32) / 255, gf, gp.astype(np.float32) / 255)
        else:
            out[m] = getattr(ref, m)(pf, gf)
    return out


_SCRATCH = threading.local()  # a kernel workspace per thread, as ``mbench evaluate`` keeps


def mbench_frame(p, g, pp, gp, names):
    metrics = build_metrics(get_convention("rvm"), names)
    if not hasattr(_SCRATCH, "workspace"):
        _SCRATCH.workspace = Workspace()
    ctx = FrameContext(p, g, pred_prev=pp, gt_prev=gp, spatial=bool({"grad", "conn"} & set(names)),
                       workspace=_SCRATCH.workspace)
    return {m.name: m.compute(ctx) for m in metrics}


def per_frame_seconds(fn, frames, names, workers, repeats):
    """Best wall time per frame over ``repeats`` passes, frames spread over ``workers`` threads."""
    items = [(frames[i], frames[i - 1]) for i in range(1, len(frames))]
    best = float("inf")
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda it: fn(*it[0], *it[1], names), items[:workers]))  # warm-up / compile
        for _ in range(repeats):
            t = time.perf_counter()
            list(pool.map(lambda it: fn(*it[0], *it[1], names), items))
            best = min(best, (time.perf_counter() - t) / len(items))
    return best


def kernel_table(sizes, n_frames, workers, repeats):
    rows = []
    for w, h in sizes:
        gt = realistic_mattes.ground_truth(w, h, 1, n_frames)[0]
        pred = realistic_mattes.prediction(gt, 1)
        frames = list(zip(pred, gt))
        for names in [(m,) for m in METRICS] + [METRICS]:
            r = per_frame_seconds(reference_frame, frames, names, workers, repeats)
            o = per_frame_seconds(mbench_frame, frames, names, workers, repeats)
            rows.append((f"{w}x{h}", "all five" if len(names) > 1 else names[0], r * 1e3, o * 1e3, r / o))
    return rows


def _decode_opencv(path):
    return cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_GRAYSCALE)


def end_to_end_table(sizes, clips, n_frames, workers, repeats):
    """Per size: frames/s of decoding only (OpenCV; mbench's reader) and of ``mbench evaluate``,
    and the evaluation's share of each decode-only rate, as medians over neighbouring passes."""
    rows = []
    for w, h in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            realistic_mattes.write_tree(root, w, h, clips, n_frames)
            files = sorted(str(p) for p in root.rglob("*.png"))
            n = len(files) // 2

            def decode_all(read):
                t = time.perf_counter()
                with ThreadPoolExecutor(workers) as pool:
                    list(pool.map(read, files))
                return time.perf_counter() - t

            evaluate(root / "pred", root / "gt", workers=workers)  # warm-up
            passes = []
            for r in range(repeats):
                opencv, ours = decode_all(_decode_opencv), decode_all(read_alpha)
                t = time.perf_counter()
                evaluate(root / "pred", root / "gt", workers=workers, out=root / f"eval{r}")
                passes.append((opencv, ours, time.perf_counter() - t))
            rate = [n / statistics.median(p[i] for p in passes) for i in range(3)]
            share = [statistics.median(p[i] / p[2] for p in passes) for i in range(2)]
            rows.append((f"{w}x{h}", n, *rate, *share))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="fewer frames, one repeat")
    args = ap.parse_args()
    if args.quick:
        args.frames, args.repeats = 6, 1
    cv2.setNumThreads(1)
    sizes = [(512, 288), (1920, 1080)]
    print(f"machine: {platform.machine()}, {platform.processor() or platform.system()}, "
          f"threads: {args.workers}, python {platform.python_version()}")
    print("\n| size | metric | reference ms/frame | mbench ms/frame | speed-up |\n|---|---|---:|---:|---:|")
    for size, name, r, o, ratio in kernel_table(sizes, args.frames, args.workers, args.repeats):
        print(f"| {size} | {name} | {r:.2f} | {o:.3f} | {ratio:.1f}x |")
    print("\n| size | frames | decode only, OpenCV (frames/s) | decode only, mbench reader (frames/s) "
          "| mbench evaluate (frames/s) | share of OpenCV decode | share of mbench-reader decode |"
          "\n|---|---:|---:|---:|---:|---:|---:|")
    clips = {(512, 288): 8, (1920, 1080): 3}
    for s in sizes:
        for size, n, fo, fm, fe, so, sm in end_to_end_table([s], clips[s], args.frames, args.workers,
                                                          args.repeats):
            print(f"| {size} | {n} | {fo:.0f} | {fm:.0f} | {fe:.0f} | {so:.0%} | {sm:.0%} |")

if __name__ == "__main__":
    main()
