"""``mbench leaderboard``: build a board from a results store, or submit predictions to one.

Two forms share the command, told apart by the first argument::

    mbench leaderboard STORE --out BOARD [...]
    mbench leaderboard submit PREDS --gt GT --name NAME --store STORE [...]

(a store folder literally named ``submit`` is given as ``./submit``).
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Sequence

DESCRIPTION = """\
Publish evaluations ('mbench evaluate' outputs) as tables, statistics, plots and a web page.

A results store is any folder tree holding evaluation folders (per_frame.csv, per_clip.csv,
summary.json) with a method.json beside each: in the evaluation folder or in the folder above it
(RUNS/<model>/method.json for RUNS/<model>/eval/). method.json keys: name (required), parameters,
gmacs, fps, hardware, preset, training, notes, dataset, date, mbench_version, url, commands.

A table is named by a dataset label (summary.json "dataset", method.json "dataset", the synth
manifest of the ground truth, else the last two parts of its path; never a whole local path).
Evaluations under the same protocol (or convention) on the same ground truth (summary.json
"gt_hash" where present, else the same label) form one table, and their protocol cards must match;
the card is printed under the table. Evaluations of one ground truth that cover different clips are
refused. Statistics (docs/design.md 2.5): with 6 or more clips, 95 % bootstrap intervals over clips
and paired bootstrap + Wilcoxon tests against the best (Holm-corrected, both p < 0.05 to separate);
with fewer, a moving-block bootstrap over frames within clips (block length stated on the table);
too few frames for that: means only, no p-values or shared ranks.

BOARD gets leaderboard.md, leaderboard.tex (booktabs), leaderboard.csv, index.html (self-contained),
the plots (PNG and SVG) and board.json; it is replaced as a whole, only when everything succeeded.

To add a method: mbench leaderboard submit --help
"""

USAGE = ("%(prog)s STORE --out BOARD [--sort METRIC] [--reported] [--hf] [--seed N] [--resamples N]\n"
         "       %(prog)s submit PREDS --gt GT --name NAME --store STORE [options]")

SUBMIT_DESCRIPTION = """\
Score a predictions tree with 'mbench evaluate' and add it to a results store as STORE/<name>/
(the evaluation files and a method.json made from the flags), then rebuild the store's board
(--out, default STORE/leaderboard, keeping the options it was built with).

Checked first: no symbolic link leading outside PREDS, only regular files, size limits; the same
clips and frames as GT, every image readable and of the ground truth's size. Nothing is written
unless the scoring and the new board both succeed.
"""


def _main_parser(prog: str) -> argparse.ArgumentParser:
    from mbench.cli import Parser, add_common_arguments

    p = Parser(prog=prog, usage=USAGE, description=DESCRIPTION,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("store", metavar="STORE", type=Path, help="results store (folder of evaluations)")
    p.add_argument("--out", required=True, type=Path, metavar="BOARD", help="board folder to write")
    _board_options(p)
    add_common_arguments(p)
    return p


def _board_options(p: argparse.ArgumentParser) -> None:
    from mbench.flags import count

    p.add_argument("--sort", metavar="METRIC",
                   help="metric the tables are sorted and ranked by (default: mad; sad for convention dim; "
                        "a protocol's first column)")
    p.add_argument("--reported", action="store_true",
                   help='also show the papers\' published numbers, marked "reported, not re-measured"')
    p.add_argument("--hf", action="store_true",
                   help="also write BOARD/hf/: the results as Hugging Face datasets with a dataset card")
    p.add_argument("--seed", type=count(0), default=0, help="seed of the bootstrap draws (default 0)")
    p.add_argument("--resamples", type=count(100), default=10_000, help="bootstrap resamples (default 10000)")
    p.add_argument("--figures", action="store_true",
                   help="also write BOARD/figures/: qualitative comparison grids (PDF, SVG, PNG) with a LaTeX "
                        "snippet, and a per-clip viewer on the page; needs the predictions and ground truth "
                        "that summary.json names (frames picked where the methods disagree most)")
    p.add_argument("--figure-frame", action="append", default=[], metavar="CLIP:FRAME",
                   help="show this frame in the figures instead of the automatic pick; repeatable")


def _submit_parser(prog: str) -> argparse.ArgumentParser:
    from mbench.cli import Parser, add_common_arguments
    from mbench.flags import count, number

    p = Parser(prog=f"{prog} submit", description=SUBMIT_DESCRIPTION,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("preds", metavar="PREDS", type=Path, help="predictions root (clip layout, pha/ and fgr/)")
    p.add_argument("--gt", required=True, type=Path, help="ground-truth root")
    p.add_argument("--name", required=True, help="method name (also names the store folder)")
    p.add_argument("--store", required=True, type=Path, help="results store to add the evaluation to")
    p.add_argument("--out", type=Path, metavar="BOARD", help="board to rebuild (default STORE/leaderboard)")
    p.add_argument("--convention", default="rvm", help="metric convention (default rvm)")
    p.add_argument("--trimap", type=Path, help="trimap root (convention dim)")
    p.add_argument("--params", type=count(0), help="parameter count")
    p.add_argument("--gmacs", type=number(0), help="GMACs per frame")
    p.add_argument("--fps", type=number(0, inclusive=False), help="frames per second")
    p.add_argument("--hardware", help="hardware the speed was measured on")
    p.add_argument("--preset", help="training preset")
    p.add_argument("--training", help="training notes")
    p.add_argument("--notes", help="anything else worth knowing")
    p.add_argument("--url", help="link to the method (shown as text)")
    p.add_argument("--dataset-label", metavar="LABEL",
                   help="name of the ground truth's dataset, which names its table (default: from the "
                        "synth manifest, else the last two parts of the GT path; never the whole path)")
    p.add_argument("--replace", action="store_true", help="replace an earlier submission of this name")
    p.add_argument("--workers", type=count(1), help="scoring workers (default: CPU count)")
    p.add_argument("--max-file-mb", type=number(0, inclusive=False), default=64, help="largest file allowed (default 64 MiB)")
    p.add_argument("--max-total-gb", type=number(0, inclusive=False), default=20, help="largest tree allowed (default 20 GiB)")
    p.add_argument("--max-files", type=count(1), default=1_000_000, help="most files allowed (default 1000000)")
    add_common_arguments(p)
    return p


def run_board(args: argparse.Namespace, command: str) -> int:
    from .board import Options
    from .build import build, summary_line
    from .store import load_store

    options = Options(sort=args.sort, reported=args.reported, hf=args.hf, seed=args.seed,
                      resamples=args.resamples, figures=args.figures or bool(args.figure_frame),
                      figure_frames=tuple(args.figure_frame))
    options.check()
    evaluations = load_store(args.store, quiet=args.quiet)
    results = build(evaluations, args.out, options, command=command, stores=[args.store], quiet=args.quiet)
    if not args.quiet:
        print(summary_line(results, args.out))
    return 0


def run_submit(args: argparse.Namespace, command: str) -> int:
    from .build import summary_line
    from .submit import Limits, submit

    fields = {"name": args.name, "parameters": args.params, "gmacs": args.gmacs, "fps": args.fps,
              "hardware": args.hardware, "preset": args.preset, "training": args.training,
              "notes": args.notes, "url": args.url, "dataset": args.dataset_label}
    limits = Limits(int(args.max_file_mb * 2**20), int(args.max_total_gb * 2**30), args.max_files)
    final, results = submit(args.preds, args.gt, args.store, fields, convention=args.convention,
                            trimap=args.trimap, out=args.out, replace=args.replace, limits=limits,
                            workers=args.workers, command=command, quiet=args.quiet)
    if not args.quiet:
        print(f"added {final}")
        print(summary_line(results, args.out or args.store / "leaderboard"))
    return 0


def main(argv: Sequence[str], prog: str) -> int:
    """Entry point called by ``mbench`` with the arguments after ``leaderboard``."""
    argv = list(argv)
    command = shlex.join(["mbench", "leaderboard", *argv])
    if argv and argv[0] == "submit":
        args = _submit_parser(prog).parse_args(argv[1:])
        return run_submit(args, command)
    args = _main_parser(prog).parse_args(argv)
    return run_board(args, command)
