"""``mbench run-baselines``: train the four seed architectures, score them, publish the board."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from mbench import executor

DESCRIPTION = """\
Train the four seed architectures (rvm, bgmv2, convlstm, attention_memory) on synthesized data,
predict the validation clips, score them with 'mbench evaluate' and build a leaderboard, beside
two reference rows: empty (alpha 0) and bgdiff (thresholded |image - background|, blurred).

  mbench run-baselines                                  # preset quick, CPU, all four models
  mbench run-baselines --preset smoke                   # seconds: checks the pipeline
  mbench run-baselines --preset paper --device cuda --models rvm,bgmv2
  mbench run-baselines --data VideoMatte8K --models convlstm --out runs/

Presets (TOML; shipped: smoke, quick, paper; or a file) say the data, steps, sizes, widths and
learning rates. Without --data the validation clips the preset names are synthesized into
RUNS/data/ and training sequences are streamed; with --data DIR (a dataset written by 'mbench
synth') training reads DIR/<train split> and evaluation DIR/<valid split>. bgmv2 and bgdiff need
the background layer (bgr/).

Layout: RUNS/<model>/{config.json, train_log.csv, checkpoint.safetensors, pred/, eval/,
method.json}, RUNS/empty/, RUNS/bgdiff/, RUNS/leaderboard/. Each model resumes where it stopped
(a finished one is skipped, a killed training continues from its last checkpoint, predictions
and scores of other validation clips are redone); --force retrains the selected models. A
model whose preset says init_from starts from that model's trained weights (trained first).
Distributed training of one model:
  torchrun --nproc_per_node 2 -m mbench.baselines.train --model rvm --preset quick
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mbench.flags import count

    parser.add_argument("--preset", default="quick", help="smoke, quick, paper or a .toml file (default quick)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    from .models import SPECS  # the registry: defaults and help come from it

    parser.add_argument("--models", default=",".join(SPECS),
                        help="comma-separated models (default: all): "
                             + "; ".join(spec.describe() for spec in SPECS.values()))
    parser.add_argument("--data", type=Path, metavar="DIR",
                        help="a synthesized dataset on disk (default: synthesize the preset's validation "
                             "clips, stream the training sequences)")
    parser.add_argument("--out", type=Path, default=Path("runs"), metavar="RUNS", help="runs folder (default runs/)")
    parser.add_argument("--force", action="store_true", help="retrain the selected models from scratch")
    parser.add_argument("--weights", action="append", default=[], metavar="NAME=PATH",
                        help="use these weights for model NAME instead of training it (official or own "
                             "checkpoint: .safetensors, or a torch file read with weights_only=True); repeatable")
    parser.add_argument("--workers", type=count(1), help="threads for data, encoding and scoring (default: CPU count)")
    executor.add_arguments(parser)  # prediction and scoring as shards; training stays here (or torchrun)


def run(args: argparse.Namespace) -> int:
    from .run import RunOptions, parse_models, parse_weights, run_baselines

    models = parse_models(args.models)
    opts = RunOptions(preset=args.preset, models=models, device=args.device, data=args.data, out=args.out,
                      force=args.force, weights=parse_weights(args.weights, models), workers=args.workers,
                      quiet=args.quiet, cluster=args if executor.wanted(args) else None, command=shlex.join(["mbench", "run-baselines", *sys.argv[2:]]))
    rows = run_baselines(opts)
    if not args.quiet:
        print(summary_table(rows))
        print(f"board: {args.out / 'leaderboard' / 'leaderboard.md'}")
    return 0


def summary_table(rows: list[dict]) -> str:
    """A compact Markdown table of the run's rows (the board has the statistics)."""
    cols = [c for c in ("mad", "mse", "grad", "conn", "dtssd", "fgr_mad") if any(r.get(c) is not None for r in rows)]
    head = ["method", *cols, "params", "GMACs", "steps", "seconds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["method"], *(f"{r[c]:.3f}" if r.get(c) is not None else "-" for c in cols),
                 f"{r.get('parameters') or 0:,}", f"{r.get('gmacs') or 0:.3f}", str(r.get("steps", 0)),
                 f"{r.get('seconds') or 0:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
