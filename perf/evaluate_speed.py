"""End to end: ``mbench evaluate`` against RobustVideoMatting's ``evaluation/evaluate_lr.py``.

The reference is restated here in its own terms (docs/reference.md 1.1; the metric functions are
``tests/benchmark/rvm_reference.py``): a ``ThreadPoolExecutor`` with one task per clip, each task
walking its frames in order, reading both alphas with ``cv2.imread(..., IMREAD_GRAYSCALE)`` as
float32 x/255, scoring MAD, MSE, Grad, Conn and dtSSD (0 on the first frame), and, with foreground
layers, reading both ``fgr`` frames with ``cv2.imread(..., IMREAD_COLOR)`` and scoring MAD and MSE
on the pixels where the true alpha is above 0. Its spreadsheet writing is left out (not timed).

Trees use RVM's evaluation layout (``<dataset>/<clip>/{pha,fgr}/NNNN.png``) and are written with
Pillow, as RVM's dataset generator and inference write them. Alphas are realistic mattes
(``perf/realistic_mattes.py``); foregrounds a scikit-image photograph moving across the frame,
the prediction off by a little noise. Both sides read the same files with the same number of
threads, in one run; each round times the reference then ``mbench.benchmark.evaluate`` (same
metrics, in process), and the speed-up is the median of the rounds' ratios.

Each round also times reading and decoding alone: every file the run reads, through mbench's
readers (no PNG decoder measured here is faster, ``perf/decoder_survey.py``), in the same number of
threads, nothing scored. The reference's time over that is the ceiling: the largest speed-up any
evaluator that reads these files with that decoder could reach on this machine.

    python perf/evaluate_speed.py [--workers 2] [--rounds 3] [--sizes 512x288,1920x1080]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data as skdata

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "benchmark"))

import realistic_mattes  # noqa: E402
import rvm_reference as ref  # noqa: E402
from mbench.benchmark.conventions import get_convention  # noqa: E402
from mbench.benchmark.dataset import plan_evaluation  # noqa: E402
from mbench.benchmark.evaluation import evaluate  # noqa: E402
from mbench.benchmark.runner import decode  # noqa: E402

ALPHA = ["mad", "mse", "grad", "conn", "dtssd"]
FGR = ["fgr_mad", "fgr_mse"]


def write_tree(root: Path, w: int, h: int, clips: int, frames: int) -> None:
    """pred/ and gt/ trees in RVM's layout: videomatte/<clip>/{pha,fgr}/NNNN.png (Pillow)."""
    photo = cv2.resize(skdata.astronaut(), (w, h), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(0)
    for c, gt in enumerate(realistic_mattes.ground_truth(w, h, clips, frames)):
        pred = realistic_mattes.prediction(gt, c)
        for t in range(frames):
            fgr = np.roll(photo, 7 * t + 31 * c, axis=1)
            noisy = np.clip(fgr.astype(np.int16) + rng.integers(-3, 4, fgr.shape), 0, 255).astype(np.uint8)
            for side, pha, colour in (("gt", gt[t], fgr), ("pred", pred[t], noisy)):
                clip = root / side / "videomatte" / f"{c:04d}"
                for layer, img in (("pha", pha), ("fgr", colour)):
                    (clip / layer).mkdir(parents=True, exist_ok=True)
                    Image.fromarray(img).save(clip / layer / f"{t:04d}.png")


class Reference:
    """evaluate_lr.py's Evaluator.evaluate / evaluate_worker, restated."""

    def __init__(self, pred_dir: Path, true_dir: Path, metrics: list[str], workers: int):
        self.pred_dir, self.true_dir, self.metrics, self.workers = pred_dir, true_dir, metrics, workers

    def run(self) -> list:
        tasks = []
        with ThreadPoolExecutor(max_workers=self.workers) as executor:
            for dataset in sorted(os.listdir(self.pred_dir)):
                if os.path.isdir(os.path.join(self.pred_dir, dataset)):
                    for clip in sorted(os.listdir(os.path.join(self.pred_dir, dataset))):
                        tasks.append(executor.submit(self.worker, dataset, clip))
        return [t.result() for t in tasks]

    def worker(self, dataset: str, clip: str) -> dict:
        names = sorted(os.listdir(os.path.join(self.pred_dir, dataset, clip, "pha")))
        out = {m: [] for m in self.metrics}
        pred_tm1 = true_tm1 = None
        for i, name in enumerate(names):
            true = cv2.imread(os.path.join(self.true_dir, dataset, clip, "pha", name),
                              cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
            pred = cv2.imread(os.path.join(self.pred_dir, dataset, clip, "pha", name),
                              cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
            for m in ("mad", "mse", "grad", "conn"):
                if m in self.metrics:
                    out[m].append(getattr(ref, m)(pred, true))
            if "dtssd" in self.metrics:
                out["dtssd"].append(0 if i == 0 else ref.dtssd(pred, pred_tm1, true, true_tm1))
            pred_tm1, true_tm1 = pred, true
            if "fgr_mse" in self.metrics or "fgr_mad" in self.metrics:
                true_fgr = cv2.imread(os.path.join(self.true_dir, dataset, clip, "fgr", name),
                                      cv2.IMREAD_COLOR).astype(np.float32) / 255
                pred_fgr = cv2.imread(os.path.join(self.pred_dir, dataset, clip, "fgr", name),
                                      cv2.IMREAD_COLOR).astype(np.float32) / 255
                mask = true > 0
                if "fgr_mse" in self.metrics:
                    out["fgr_mse"].append(ref.mse(pred_fgr[mask], true_fgr[mask]))
                if "fgr_mad" in self.metrics:
                    out["fgr_mad"].append(ref.mad(pred_fgr[mask], true_fgr[mask]))
        return out


def decode_only(pred_dir: Path, true_dir: Path, metrics: list[str], workers: int) -> None:
    """Read and decode every frame the evaluation reads (alphas, foregrounds when scored) as
    ``mbench evaluate`` reads them, one task per clip in ``workers`` threads; nothing is scored."""
    conv = get_convention("rvm")
    plan = plan_evaluation(pred_dir, true_dir, conv, metrics, check_images=False)

    def clip(job) -> None:
        for t in range(len(job.stems)):
            decode(job, t, conv.reading)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(clip, plan.jobs))


def _sizes(text: str) -> set[tuple[int, int]]:
    """``--sizes``: WxH,WxH, each one this script has a tree for."""
    known = {"512x288": (512, 288), "1920x1080": (1920, 1080)}
    if not text or any(size not in known for size in text.split(",")):
        raise argparse.ArgumentTypeError(f"{text!r}: give 512x288, 1920x1080 or both, comma-separated")
    return {known[size] for size in text.split(",")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sizes", default="512x288,1920x1080", type=_sizes,
                    help="frame sizes to run, of 512x288 and 1920x1080 (default: both)")
    args = ap.parse_args()
    sizes = args.sizes
    cv2.setNumThreads(1)  # as mbench runs it; the reference's pool gives both the same cores
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {args.workers} workers, "
          f"OpenCV {cv2.__version__}")
    print("\n| size | clips x frames | layers | RVM evaluate_lr.py s | mbench evaluate s | speed-up "
          "| decode only s | ceiling |\n|---|---|---|---:|---:|---:|---:|---:|")
    for (w, h), clips, frames in (((512, 288), 8, 48), ((1920, 1080), 4, 12)):
        if (w, h) not in sizes:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            write_tree(root, w, h, clips, frames)
            for label, metrics in (("pha", ALPHA), ("pha + fgr", ALPHA + FGR)):
                reference = Reference(root / "pred", root / "gt", metrics, args.workers)
                ours = evaluate(root / "pred", root / "gt", metrics=metrics, workers=args.workers)
                theirs = reference.run()  # both warm: numba compiled, files in the page cache
                for m in metrics:  # the same scores (dtSSD from the second frame of each clip)
                    a = np.array([r[m] for r in theirs], np.float64)
                    b = ours[m].to_numpy(np.float64).reshape(a.shape)
                    if m == "dtssd":
                        a, b = a[:, 1:], b[:, 1:]
                    assert np.allclose(a, b, rtol=1e-4, atol=1e-6), m
                rounds = []
                for _ in range(args.rounds):
                    t = time.perf_counter()
                    reference.run()
                    r = time.perf_counter() - t
                    t = time.perf_counter()
                    evaluate(root / "pred", root / "gt", metrics=metrics, workers=args.workers)
                    o = time.perf_counter() - t
                    t = time.perf_counter()
                    decode_only(root / "pred", root / "gt", metrics, args.workers)
                    rounds.append((r, o, time.perf_counter() - t))
                r, o, d = (statistics.median(x[k] for x in rounds) for k in range(3))
                ratio = statistics.median(x[0] / x[1] for x in rounds)
                ceiling = statistics.median(x[0] / x[2] for x in rounds)
                print(f"| {w}x{h} | {clips} x {frames} | {label} | {r:.2f} | {o:.3f} | {ratio:.1f}x "
                      f"| {d:.3f} | {ceiling:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
