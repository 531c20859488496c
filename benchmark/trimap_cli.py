"""``mbench trimap``: trimaps from ground-truth alpha, the way the matting benchmarks make them."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """\
Write a trimap for every ground-truth alpha frame: 255 where the matte is opaque and stays opaque
after eroding by K pixels, 0 likewise for transparent, 128 (unknown) elsewhere. So every pixel with
0 < alpha < max is unknown, and the band reaches K pixels into both known regions (elliptical
structuring element of diameter 2K+1, replicated image border; mbench.trimap.make_trimap).
Deterministic: the same alpha and widths always give the same bytes.

  mbench trimap gt/ --out trimaps/ --width 10
  mbench trimap gt/ --out trimaps/ --width 10 --bg-width 5

GT is a clip tree (folders with pha/): trimaps go to TRIMAPS/<clip>/NNNN.png, where
'mbench evaluate --trimap TRIMAPS' finds them. A flat folder of images (GT/NAME.png) gives
TRIMAPS/NAME.png. The folder appears only when every trimap is written.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mbench.flags import count

    parser.add_argument("gt", help="ground-truth root (clip tree or flat image folder)")
    parser.add_argument("--out", required=True, help="folder to write the trimaps into")
    parser.add_argument("--width", type=count(0), required=True,
                        help="band width into the opaque region, pixels")
    parser.add_argument("--bg-width", type=count(0), help="band width into the transparent region "
                                                        "(default: --width)")
    parser.add_argument("--workers", type=count(1), help="threads (default: CPU count)")


def frame_sources(gt_root: Path) -> list[tuple[Path, str]]:
    """(alpha file, relative output name) of every frame: a clip tree or a flat image folder."""
    from mbench.errors import BadInput
    from mbench.frames import IMAGE_SUFFIXES
    from mbench.layout import discover_clips, frame_folder_layer

    if not gt_root.is_dir():
        raise BadInput("ground-truth root is not a folder" if gt_root.exists()
                       else "ground-truth root does not exist", gt_root)
    if any(f.suffix.lower() in IMAGE_SUFFIXES for f in gt_root.iterdir() if f.is_file()):
        layer = frame_folder_layer(gt_root)
        return [(f, f"{s}.png") for f, s in zip(layer.files, layer.stems)]
    out = []
    for clip in discover_clips(gt_root, layers=("pha",), what="ground-truth"):
        layer = clip.layers["pha"]
        if layer.is_video:
            raise BadInput("trimaps are made from image frames, not a video layer", layer.path)
        prefix = "" if clip.id == "." else clip.id + "/"
        out += [(f, f"{prefix}{s}.png") for f, s in zip(layer.files, layer.stems)]
    return out


def write_trimaps(gt_root, out, width: int, bg_width: int | None = None, *, workers: int | None = None,
                  quiet: bool = True) -> int:
    """Write the trimap of every frame under ``gt_root`` into ``out`` (atomically); return the count."""
    from mbench.atomic import atomic_dir
    from mbench.frames import read_alpha, write_image
    from mbench.parallel import default_workers, ordered_map
    from mbench.paths import check_output, mark_output
    from mbench.progress import progress
    from mbench.trimap import make_trimap

    gt_root = Path(gt_root)
    out = check_output(out, [gt_root], kind="trimaps")
    sources = frame_sources(gt_root)

    with atomic_dir(out) as tmp:
        mark_output(tmp, "trimaps")  # a rerun may replace it; nothing else is ever overwritten

        def one(item):
            src, rel = item
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            write_image(target, make_trimap(read_alpha(src), width, bg_width=bg_width))

        with progress(total=len(sources), desc="trimap", unit="frame", quiet=quiet) as bar:
            for _ in ordered_map(one, sources, workers or default_workers()):
                bar.update(1)
    return len(sources)


def run(args: argparse.Namespace) -> int:
    n = write_trimaps(args.gt, args.out, args.width, args.bg_width, workers=args.workers or None,
                      quiet=args.quiet)
    if not args.quiet:
        print(f"wrote {n} trimaps to {args.out}")
    return 0
