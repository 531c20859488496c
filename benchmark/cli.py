"""``mbench evaluate``: score predicted mattes against ground truth."""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
Score predicted alpha mattes against ground truth.

  mbench evaluate preds/ gt/ --out eval/
  mbench evaluate preds/ gt/ --convention dim --trimap trimaps/ --out eval/
  mbench evaluate preds/ gt/ --metrics mad,conn,messddt
  mbench evaluate preds/ gt/ --shard 0/4 --out eval-0      # ... 3/4, then:
  mbench evaluate --merge eval/ eval-0 eval-1 eval-2 eval-3

PRED and GT hold the same clips (any folder with a pha/ layer, or pha.mp4) and frames.
Conventions:
  rvm  RobustVideoMatting's evaluate_lr.py: whole frame; MAD, MSE (x1e3), Grad, Conn (/1000),
       dtSSD (x1e2, frame 0 = 0); fgr_mad, fgr_mse when both trees have fgr/. Optional: messddt.
  dim  Deep Image Matting MATLAB code: trimap unknown region; SAD (/1000), MSE, Grad, Conn (/1000).
Writes OUT/per_frame.csv, per_clip.csv and summary.json, atomically; a killed run resumes.
"""


def _metric_list(text: str) -> list[str]:
    names = [m.strip().lower() for m in text.split(",") if m.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one metric name")
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mbench.flags import count

    parser.add_argument("pred", nargs="?", help="predictions root")
    parser.add_argument("gt", nargs="?", help="ground-truth root")
    parser.add_argument("--out", help="folder for per_frame.csv, per_clip.csv, summary.json")
    parser.add_argument("--convention", default="rvm", help="rvm (default) or dim")
    parser.add_argument("--metrics", type=_metric_list, help="comma-separated subset, e.g. mad,mse,conn")
    parser.add_argument("--trimap", help="trimap root (convention dim)")
    parser.add_argument("--workers", type=count(1), help="threads (default: CPU count)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--shard", metavar="K/N", help="score clips i with i %% N == K (0 <= K < N)")
    parser.add_argument("--merge", nargs="+", metavar=("OUT", "SHARD"),
                        help="merge shard evaluations: --merge OUT SHARD_DIR...")


def run(args: argparse.Namespace) -> int:
    from mbench.errors import BadInput

    if args.merge:
        if args.pred or args.gt:
            raise BadInput("--merge takes OUT and the shard folders, not PRED GT", "--merge")
        from mbench.benchmark.merge import merge
        from mbench.benchmark.results import summary_table

        import json
        from pathlib import Path

        merge(args.merge[0], args.merge[1:])
        if not args.quiet:
            info = json.loads((Path(args.merge[0]) / "summary.json").read_text())
            print(summary_table(info))
            print(f"merged {len(args.merge) - 1} shards into {args.merge[0]}")
        return 0
    if not args.pred or not args.gt:
        raise BadInput("give PRED and GT roots (see 'mbench evaluate --help')", "mbench evaluate")
    from mbench.benchmark.evaluation import run_evaluation
    from mbench.benchmark.results import summary_table

    _, info = run_evaluation(args.pred, args.gt, convention=args.convention, metrics=args.metrics,
                             trimap=args.trimap, out=args.out, workers=args.workers,
                             device=args.device, shard=args.shard, quiet=args.quiet)
    if not args.quiet:
        print(summary_table(info))
        if args.out:
            print(f"wrote {args.out}/per_frame.csv, per_clip.csv, summary.json")
    sys.stdout.flush()
    return 0
