"""Agreement of mbench's metrics with the reference implementations, as max relative difference.

- convention ``rvm`` against RobustVideoMatting's evaluate_lr.py restated with numpy + OpenCV
  (tests/benchmark/rvm_reference.py: float32 arithmetic, cv2.filter2D, cv2.connectedComponents);
- convention ``dim`` against the slow MATLAB-semantics implementation of the tests
  (tests/benchmark/slow_metrics.py: column-major labelling, mat2gray, trimap region).

Frames: realistic procedural mattes with network-like predictions, plus pure-noise mattes (the
hardest case for Conn's labelling).

    python perf/metrics_agreement.py [--frames 40]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "benchmark"))

import realistic_mattes  # noqa: E402
import rvm_reference as ref  # noqa: E402
import slow_metrics as slow  # noqa: E402
from mbench.benchmark import evaluate_arrays  # noqa: E402


def rel(a, b):
    return abs(a - b) / abs(b) if b else abs(a - b)


def clips(n_frames):
    gt = realistic_mattes.ground_truth(512, 288, 2, n_frames // 2)
    out = [(realistic_mattes.prediction(g, i), g) for i, g in enumerate(gt)]
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 256, (4, 96, 128)).astype(np.uint8) for _ in range(2)]
    out.append((noise[0], noise[1]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=40)
    args = ap.parse_args()
    worst = {}
    count = 0
    for pred, gt in clips(args.frames):
        got = evaluate_arrays(pred, gt)
        for t in range(len(pred)):
            pf, gf = pred[t].astype(np.float32) / 255, gt[t].astype(np.float32) / 255
            expected = dict(mad=ref.mad(pf, gf), mse=ref.mse(pf, gf), grad=ref.grad(pf, gf),
                            conn=ref.conn(pf, gf),
                            dtssd=0.0 if t == 0 else ref.dtssd(pf, pred[t - 1].astype(np.float32) / 255, gf,
                                                               gt[t - 1].astype(np.float32) / 255))
            for m, v in expected.items():
                worst[("rvm", m)] = max(worst.get(("rvm", m), 0.0), rel(got[m][t], v))
            count += 1
        h, w = gt.shape[1:]
        tri = np.full(gt.shape, 128, np.uint8)
        tri[:, :, : w // 3] = 0
        got = evaluate_arrays(pred, gt, convention="dim", trimap=tri)
        for t in range(min(3, len(pred))):  # the slow implementation is slow
            expected = dict(sad=slow.sad(pred[t], gt[t], tri[t]), mse=slow.mse(pred[t], gt[t], tri[t], 1.0),
                            grad=slow.grad(pred[t], gt[t], tri[t]),
                            conn=slow.conn(pred[t], gt[t], tri[t], column_major=True))
            for m, v in expected.items():
                worst[("dim", m)] = max(worst.get(("dim", m), 0.0), rel(got[m][t], v))
    print(f"{count} frames (rvm); max relative difference per metric\n")
    print("| convention | metric | reference | max relative difference |\n|---|---|---|---:|")
    for (conv, m), v in worst.items():
        who = "RVM evaluate_lr.py (numpy + OpenCV, float32)" if conv == "rvm" else "MATLAB semantics (slow, float64)"
        print(f"| {conv} | {m} | {who} | {v:.1e} |")


if __name__ == "__main__":
    main()
