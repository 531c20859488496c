"""``mbench evaluate``: score predicted mattes against ground truth."""

from __future__ import annotations

import argparse
import sys

from mbench import executor

DESCRIPTION = """\
Score predicted alpha mattes against ground truth, under a named protocol: the rules of one
published evaluation code, reproduced number for number (docs/protocols.md).

  mbench evaluate preds/ gt/ --out eval/                              # protocol rvm
  mbench evaluate preds/ gt/ --protocol rvm_hr --out eval/            # RVM evaluate_hr.py
  mbench evaluate preds/ YouTubeMatte/ --protocol matanyone --out eval/
  mbench evaluate preds/ CRGNN/ --protocol matanyone_crgnn --out eval/
  mbench evaluate preds/ gt/ --protocol dim --trimap trimaps/ --out eval/
  mbench evaluate preds/ gt/ --metrics mad,conn,messddt
  mbench evaluate preds/ gt/ --shard 0/4 --out eval-0      # ... 3/4, then:
  mbench evaluate --merge eval/ eval-0 eval-1 eval-2 eval-3
  mbench evaluate preds/ gt/ --out eval/ --executor slurm --shards 4 --partition cpu   # all of the above
  mbench evaluate --list-protocols

Each protocol reads its dataset's native layout and reads files as its original does (RVM's
scripts: 8-bit gray, so a 16-bit PNG counts by its high byte and an RGBA PNG by its colour; a
warning names the first such file; --full-precision reads all bits instead).
Writes OUT/per_frame.csv and summary.json (rvm, dim: also per_clip.csv; a killed run resumes),
atomically. summary.json carries the protocol's card and a hash of the ground truth.
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
    parser.add_argument("--protocol", help="evaluation protocol (default rvm; see --list-protocols)")
    parser.add_argument("--convention", help="old name of --protocol (rvm or dim)")
    parser.add_argument("--list-protocols", action="store_true",
                        help="list the protocols: name, source, region, used by")
    parser.add_argument("--metrics", type=_metric_list, help="comma-separated subset, e.g. mad,mse,conn")
    parser.add_argument("--trimap", help="trimap root (protocols that score a trimap region)")
    parser.add_argument("--flow", help="optical-flow root (protocols that read flow; default GT/flow_png)")
    parser.add_argument("--full-precision", action="store_true",
                        help="read all 16 bits / the alpha channel where the original reads 8-bit gray")
    parser.add_argument("--workers", type=count(1), help="threads (default: CPU count)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--shard", metavar="K/N", help="score clips i with i %% N == K (0 <= K < N)")
    parser.add_argument("--merge", nargs="+", metavar=("OUT", "SHARD"),
                        help="merge shard evaluations: --merge OUT SHARD_DIR...")
    executor.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from mbench.errors import BadInput

    if args.merge:
        if args.pred or args.gt:
            raise BadInput("--merge takes OUT and the shard folders, not PRED GT", "--merge")
        from mbench.benchmark.merge import merge
        from mbench.benchmark.results import read_summary, summary_table

        from pathlib import Path

        merge(args.merge[0], args.merge[1:])
        if not args.quiet:
            print(summary_table(read_summary(Path(args.merge[0]) / "summary.json")))
            print(f"merged {len(args.merge) - 1} shards into {args.merge[0]}")
        return 0
    if args.list_protocols:
        print(protocol_list())
        return 0
    if not args.pred or not args.gt:
        raise BadInput("give PRED and GT roots (see 'mbench evaluate --help')", "mbench evaluate")
    if args.protocol and args.convention and args.protocol != args.convention:
        raise BadInput(f"--convention is the old name of --protocol; give one "
                       f"(got {args.convention!r} and {args.protocol!r})", "--convention")
    from pathlib import Path

    from mbench.benchmark.protocols.base import Options
    from mbench.benchmark.protocols.runner import run_protocol
    from mbench.benchmark.results import summary_table

    if executor.wanted(args):  # the shards as jobs, merged into --out (docs/design.md 3)
        from mbench.benchmark.merge import merge
        from mbench.benchmark.results import read_summary

        out = executor.run_sharded(args, __name__, merge)
        if not args.quiet:
            print(summary_table(read_summary(Path(out) / "summary.json")))
            print(f"wrote {args.out}/per_frame.csv, per_clip.csv, summary.json")
        return 0
    options = Options(trimap=None if args.trimap is None else Path(args.trimap),
                      flow=None if args.flow is None else Path(args.flow), workers=args.workers or 0,
                      quiet=args.quiet, full_precision=args.full_precision,
                      metrics=None if args.metrics is None else tuple(args.metrics),
                      device=args.device, shard=args.shard)
    _, info = run_protocol(args.protocol or args.convention or "rvm", args.pred, args.gt,
                           out=args.out, options=options)
    if not args.quiet:
        print(summary_table(info))
        if args.out:
            print(f"wrote {args.out}/per_frame.csv, summary.json")
    sys.stdout.flush()
    return 0


def protocol_list() -> str:
    """The table ``--list-protocols`` prints: name, source, region, used by."""
    from mbench.benchmark.protocols.runner import protocol_cards

    cards = protocol_cards()
    width = max(len(c.name) for c in cards)
    lines = []
    for c in cards:
        lines.append(f"{c.name:<{width}}  {c.source}")
        pad = " " * (width + 2)
        lines.append(f"{pad}region: {c.region}")
        lines.append(f"{pad}used by: {c.used_by}")
    return "\n".join(lines)
