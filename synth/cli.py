"""``mbench synth``: compose a video-matting dataset, or list, verify and preview datasets."""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from pathlib import Path

from mbench import executor
from mbench.errors import BadInput

DESCRIPTION = """\
Compose a video-matting dataset (docs/design.md 2.2) from foreground clips with alpha and backgrounds,
with RVM-style static and easing-driven motion augmentation (profile rvm: RVM's exactly), optional
effects (motion blur, defocus, shake, codecs, several subjects) and guidance layers (trimap, mask),
as a recipe says.

  mbench synth --out VideoMatte8K                       # default recipe, built-in sources
  mbench synth --out VM8K --fgr videomatte:/data/VideoMatte240K_JPEG_SD --bgr images:/data/Backgrounds
  mbench synth --out evalset --recipe rvm-eval-512x288 --fgr videomatte:/data/VM240K --bgr videos:/data/dvm
  mbench synth --out tiny --recipe smoke
  mbench synth --list-recipes | --verify DIR | --preview DIR | --check-leakage A B
  mbench synth --out part0 --shard 0/2 && mbench synth --out part1 --shard 1/2   # anywhere, then:
  mbench synth --merge VideoMatte8K part0 part1
  mbench synth --out VideoMatte8K --executor slurm --shards 16 --partition cpu --time 30

Sources are KIND or KIND:PATH, optionally @WEIGHT: foregrounds procedural (built in), videomatte,
images; backgrounds builtin, images, videos. Repeat --fgr/--bgr to mix sources: weights (default 1)
set the share of random draws, e.g. --bgr images:/data/bg@0.7 --bgr builtin@0.3.
The same recipe, seed and sources give byte-identical files with any --workers; a killed run
resumes where it stopped when rerun with the same arguments.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mbench.flags import count

    what = parser.add_argument_group("what to do (one of)")
    what.add_argument("--out", metavar="DIR", help="write the dataset here (resumes an unfinished run)")
    what.add_argument("--list-recipes", action="store_true", help="list the shipped recipes")
    what.add_argument("--verify", metavar="DIR", help="recompute the checksums of a dataset's manifest")
    what.add_argument("--check-leakage", nargs=2, metavar=("A", "B"),
                      help="list the source items (foreground clips, background images or videos) that "
                           "datasets A and B share; exit status 1 when there are any")
    what.add_argument("--merge", nargs="+", metavar=("DIR", "SHARD"),
                      help="join finished shards (--shard K/N runs) into the dataset DIR (docs/design.md 2.2)")
    what.add_argument("--preview", metavar="DIR",
                      help="write a contact sheet of com/pha frames (DIR/preview.png, or --sheet FILE)")
    parser.add_argument("--recipe", default="videomatte8k", metavar="NAME|FILE.toml",
                        help="a shipped recipe (see --list-recipes) or your own TOML (default: videomatte8k)")
    parser.add_argument("--seed", type=count(0), default=None, help="random seed (default: the recipe's)")
    parser.add_argument("--workers", type=count(1), default=None, help="parallel clips (default: CPU count)")
    parser.add_argument("--fgr", action="append", metavar="KIND[:PATH][@W]",
                        help="foreground source, repeatable (default: the recipe's, procedural)")
    parser.add_argument("--bgr", action="append", metavar="KIND[:PATH][@W]",
                        help="background source, repeatable (default: the recipe's, builtin)")
    parser.add_argument("--size", metavar="WxH", help="override the output size, e.g. 512x288")
    parser.add_argument("--clips", type=count(1), metavar="N", help="override the clips of every split")
    parser.add_argument("--frames", type=count(1), metavar="N", help="override the frames of every clip")
    parser.add_argument("--force", action="store_true",
                        help="replace a dataset of another recipe/seed/sources in --out "
                             "(rebuilds from scratch)")
    parser.add_argument("--hf", action="store_true",
                        help="also write a Hugging Face DatasetDict to DIR/hf (save_to_disk)")
    parser.add_argument("--sheet", metavar="FILE.png", help="with --preview: where to write the contact sheet")
    parser.add_argument("--shard", metavar="K/N",
                        help="with --out: write only clips i with i %% N == K (then --merge the N shards)")
    executor.add_arguments(parser)


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not m:
        raise BadInput("--size must be WxH, e.g. 512x288", text)
    return int(m[1]), int(m[2])


def run(args: argparse.Namespace) -> int:
    modes = [m for m in ("out", "list_recipes", "verify", "preview", "check_leakage", "merge") if getattr(args, m)]
    if len(modes) != 1:
        raise BadInput("give exactly one of --out DIR, --list-recipes, --verify DIR, --preview DIR, "
                       "--check-leakage A B, --merge DIR SHARD...", "mbench synth")
    if args.merge:
        return _merge(args)
    if args.check_leakage:
        return _check_leakage(args)
    if args.list_recipes:
        from .recipes import shipped_recipes

        recipes = shipped_recipes()
        width = max(map(len, recipes))
        for name, description in recipes.items():
            print(f"{name:<{width}}  {description}")
        return 0
    if args.verify:
        return _verify(args)
    if args.preview:
        from .preview import contact_sheet

        path = contact_sheet(args.preview, args.sheet)
        if not args.quiet:
            print(path)
        return 0
    return _synthesize(args)


def _verify(args: argparse.Namespace) -> int:
    from .verify import verify

    result = verify(args.verify, workers=args.workers, quiet=args.quiet)
    bad = result["bad"]
    if bad:
        rel, problem = bad[0]
        raise BadInput(f"{problem} ({len(bad)} of {result['files']} files bad)",
                       f"{args.verify.rstrip('/')}/{rel}")
    if not args.quiet:
        print(f"{args.verify}: all {result['files']} files match the manifest")
    _warn_overlaps(args.verify)
    return 0


def _warn_overlaps(root: str) -> None:
    """One warning line (stderr) per pair of splits of ``root`` that share source items."""
    from .leakage import split_overlaps
    from .verify import read_manifest

    for line in split_overlaps(read_manifest(root)):
        print(f"mbench synth: warning: {root}: {line}", file=sys.stderr)


def _check_leakage(args: argparse.Namespace) -> int:
    from .leakage import dataset_overlaps

    lines = dataset_overlaps(*args.check_leakage)
    for line in lines:
        print(line)
    if not lines and not args.quiet:
        print(f"{args.check_leakage[0]} and {args.check_leakage[1]} share no source items")
    return 1 if lines else 0


def _synthesize(args: argparse.Namespace) -> int:
    from .catalog import SourceSet, parse_source_arg
    from .recipes import resolve
    from .writer import synthesize

    if args.hf and importlib.util.find_spec("datasets") is None:
        # checked before writing: finding out only after the whole dataset is rendered wastes the run
        raise BadInput("--hf needs the 'datasets' package (pip install 'mbench[hf]')", "--hf")
    recipe = resolve(args.recipe, size=_size(args.size) if args.size else None, clips=args.clips,
                     frames=args.frames)
    seed = recipe["seed"] if args.seed is None else args.seed
    fgr = [parse_source_arg(s) for s in (args.fgr or recipe["sources"]["fgr"])]
    bgr = [parse_source_arg(s) for s in (args.bgr or recipe["sources"]["bgr"])]
    sources = SourceSet.for_recipe(recipe, fgr, bgr)
    shard = executor.parse_shard(args.shard)
    if shard is not None and args.hf:
        raise BadInput("--hf exports the whole dataset: give it to --merge, not to a shard", "--hf")
    if executor.wanted(args) and not (Path(args.out) / "manifest.json").is_file():
        summary = _sharded(args, sources)
    else:
        summary = synthesize(recipe, args.out, seed=seed, sources=sources, workers=args.workers,
                             force=args.force, quiet=args.quiet, shard=shard)
    if shard is None:  # a shard has no manifest: --merge warns for the whole dataset
        _warn_overlaps(args.out)
    if args.hf:
        from .hf import HF_DIR, export_hf
        from .verify import read_manifest

        if summary["state"] != "complete" or not (Path(args.out) / HF_DIR).is_dir():
            export_hf(args.out, read_manifest(args.out))
    if not args.quiet:
        verb = {"complete": "already complete", "resumed": "resumed and finished", "written": "written"}
        print(f"{args.out}: recipe {recipe['name']}, seed {seed}: {summary['clips']} clips, "
              f"{summary['frames']} frames {verb[summary['state']]} ({summary['written']} clips rendered)")
    return 0


def _sharded(args: argparse.Namespace, sources) -> dict:
    """``--executor local|slurm --shards N``: the shards as jobs, then the merge into --out."""
    from mbench.paths import check_output

    from .shards import merge_shards

    # refused before any job: an output among the sources, or one holding anything (the merge needs it empty)
    out = check_output(args.out, [getattr(src, "root", None) for src, _ in sources.fgr + sources.bgr],
                       kind="dataset")
    if out.is_dir() and any(out.iterdir()):
        raise BadInput("holds an unfinished run; finish it without --executor, or merge into a new or empty "
                       "folder", out)
    merged: dict = {}

    def shard_only(a: argparse.Namespace, k: int, n: int, folder: Path) -> None:
        a.hf = False  # the merged dataset is exported once, not each shard

    executor.run_sharded(args, __name__, lambda out, dirs: merged.update(merge_shards(out, dirs, quiet=args.quiet)),
                         prepare=shard_only)
    return merged


def _merge(args: argparse.Namespace) -> int:
    from .shards import merge_shards

    out, shards = args.merge[0], args.merge[1:]
    if not shards:
        raise BadInput("--merge takes DIR and the shard folders", "--merge")
    summary = merge_shards(out, shards, quiet=args.quiet)
    _warn_overlaps(out)
    if args.hf:
        from .hf import export_hf
        from .verify import read_manifest

        export_hf(out, read_manifest(out))
    if not args.quiet:
        state = "already complete" if summary["state"] == "complete" else "merged"
        print(f"{out}: {summary['clips']} clips, {summary['frames']} frames from {len(shards)} shards {state}")
    return 0
