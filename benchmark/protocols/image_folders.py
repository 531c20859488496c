"""Flat image folders, as the image-matting evaluators read them (shared by ``gca``, ``gfm``,
``mmagic`` and ``vitmatte_py``).

A dataset is three flat folders of images named alike: predictions, ground-truth alphas and
trimaps. Two native forms of the ground truth are understood besides a plain folder:

- Composition-1k: ``alpha/<fg>.png`` holds one alpha per foreground, and the
  trimaps and predictions are named per composite, ``<fg>_<k>.png``; each composite reuses its
  foreground's alpha (what GCA's ``copy_testing_alpha.sh`` makes ``alpha_copy/`` for).
- AM-2k / AIM-500 / P3M-500: a dataset root holding ``mask/`` (or ``validation/mask/``) and
  ``trimap/`` beside it.

Files are matched by stem; rows come in sorted stem order.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mbench.benchmark.protocols.base import shard_units
from mbench.errors import BadInput
from mbench.frames import IMAGE_SUFFIXES, ImageInfo, probe_image, read_alpha, read_image_bytes

_COMPOSITE = re.compile(r"^(.*)_(\d+)$")

# the card rules the OpenCV-reading protocols share
READING_GRAY8 = ("cv2.imread(path, 0): 8-bit gray (a 16-bit file by its high byte, RGBA from its colour "
                 "channels)")
LAYOUT_COMPOSITION = ("flat folders PRED/NAME, GT/NAME (or GT/alpha_copy, GT/alpha with Composition-1k "
                      "composites NAME = <alpha>_<k>), trimaps from --trimap or trimaps/ beside the alphas; "
                      "sorted name order")


@dataclass(frozen=True)
class ImageItem:
    """One scored image: its name (the prediction's stem) and the three files."""

    name: str
    pred: Path
    gt: Path
    trimap: Path | None


def list_images(folder: Path) -> dict[str, Path]:
    """Stem -> file of the images directly in ``folder`` (hidden files skipped, as GFM does)."""
    if not folder.is_dir():
        raise BadInput("expected a folder of images", folder)
    out: dict[str, Path] = {}
    for f in sorted(folder.iterdir()):
        if f.name.startswith(".") or f.suffix.lower() not in IMAGE_SUFFIXES or not f.is_file():
            continue
        if f.stem in out:
            raise BadInput(f"two images named {f.stem!r} ({out[f.stem].name}, {f.name})", folder)
        out[f.stem] = f
    return out


def alpha_folder(gt: Path, subfolders: tuple[str, ...]) -> Path:
    """The folder holding the GT alphas: ``gt`` itself when it holds images, else the first of
    ``subfolders`` (e.g. ``mask``, ``alpha_copy``) that exists under it."""
    gt = Path(gt)
    if not gt.is_dir():
        raise BadInput("ground truth: expected a folder", gt)
    if any(f.suffix.lower() in IMAGE_SUFFIXES for f in gt.iterdir()):
        return gt
    for sub in subfolders:
        if (gt / sub).is_dir():
            return gt / sub
    raise BadInput(f"ground truth: expected alpha images, or one of {', '.join(subfolders)}/ in it", gt)


def trimap_folder(alphas: Path, given: Path | None, names: tuple[str, ...]) -> Path:
    """``--trimap ROOT`` if given, else the first of ``names`` beside the alpha folder or inside it."""
    if given is not None:
        return Path(given)
    for base in (alphas.parent, alphas):
        for name in names:
            if (base / name).is_dir():
                return base / name
    raise BadInput(f"no trimaps: pass --trimap ROOT or put a {names[0]}/ folder beside the alphas", alphas)


def pair_images(pred: Path, alphas: Path, trimaps: Path | None, *,
                skip_missing: bool = False) -> list[ImageItem]:
    """The images to score, in sorted name order.

    The names come from the ground truth, or, when no prediction is named like a GT alpha, from
    the trimaps (or predictions) named ``<alpha>_<k>`` (Composition-1k's composites). With
    ``skip_missing`` a name lacking a prediction or trimap is skipped (ViTMatte's driver), else it
    is bad input; so is a prediction that has no ground truth.
    """
    preds, gts = list_images(Path(pred)), list_images(alphas)
    tris = list_images(trimaps) if trimaps is not None else None
    if not gts:
        raise BadInput("no ground-truth images", alphas)
    direct = bool(preds.keys() & gts.keys())
    names = sorted(gts) if direct else sorted(tris if tris is not None else preds)
    items = []
    for name in names:
        gt_name = name
        if not direct:
            m = _COMPOSITE.match(name)
            if m is None or m.group(1) not in gts:
                if skip_missing:
                    continue
                where = trimaps if tris is not None else Path(pred)
                base = name.rpartition("_")[0] or name
                raise BadInput(f"{name}: no ground-truth alpha {name}.png (nor {base}.png for a composite "
                               f"<alpha>_<k>) in {alphas}", where)
            gt_name = m.group(1)
        p = preds.get(name)
        t = tris.get(name) if tris is not None else None
        if p is None or (tris is not None and t is None):
            if skip_missing:
                continue
            folder, what = (Path(pred), "prediction") if p is None else (trimaps, "trimap")
            raise BadInput(f"no {what} {name}.png for ground truth {gts[gt_name].name}", folder)
        items.append(ImageItem(name, p, gts[gt_name], t))
    if not skip_missing:
        used = {i.name for i in items}
        extra = sorted(set(preds) - used)
        if extra:
            raise BadInput(f"prediction {preds[extra[0]].name} has no ground truth in {alphas}", Path(pred))
    if not items:
        folders = "predictions, ground truth" + (" and trimaps" if tris is not None else "")
        raise BadInput(f"no image is present in all of {folders}", Path(pred))
    return items


def check_shapes(item: ImageItem, *arrays: np.ndarray) -> None:
    """All of one image's arrays must have the first one's size."""
    shape = arrays[0].shape[:2]
    for a, f in zip(arrays[1:], (item.gt, item.trimap)):
        if a.shape[:2] != shape:
            raise BadInput(f"size {a.shape[1]}x{a.shape[0]} differs from the prediction's "
                           f"{shape[1]}x{shape[0]} ({item.pred.name})", f)


def read_gray8(path: Path) -> np.ndarray:
    """``cv2.imread(path, 0)``: 8-bit grayscale, a 16-bit file by its high byte, RGBA by colour."""
    return read_alpha(path, reading="gray8")


def read_pil(path: Path) -> np.ndarray:
    """``np.array(Image.open(path))`` cut to its first channel, as GFM/P3M/AIM read alpha and trimaps:
    uint8, or uint16 codes for a 16-bit file (they are then divided by 255, not 65535)."""
    from PIL import Image

    data = read_image_bytes(path)  # checked as read (missing, empty, truncated: one line); the
    try:  # bytes checked are the bytes decoded, whatever the path names by now
        with Image.open(io.BytesIO(data)) as im:
            a = np.array(im)
    except (OSError, ValueError) as e:
        raise BadInput(f"cannot be decoded ({e})", path) from None
    if a.ndim == 3:
        a = a[:, :, 0]
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    elif a.dtype != np.uint8:
        if a.dtype.kind not in "iu" or a.min() < 0 or a.max() > 65535:
            raise BadInput(f"unsupported pixel values ({a.dtype}, range {a.min()}..{a.max()})", path)
        a = a.astype(np.uint16)
    return np.ascontiguousarray(a)


def reading_warnings(files: list[Path], reading: str,
                     infos: list[ImageInfo | None] | None = None) -> list[str]:
    """One line for the first 16-bit file and one for the first file with colour or alpha channels,
    saying what the original's reading does with it (``reading``: "gray8", "pil" (``np.array(Image.open)``)
    or "pil_l" (``Image.convert('L')``)). ``infos``: the
    files' headers, in the same order, where the caller kept them while reading (None: probed here)."""
    deep = colour = None
    for k, f in enumerate(files):
        info = infos[k] if infos is not None and infos[k] is not None else probe_image(f)
        if deep is None and info.bit_depth == 16:
            deep = f
        if colour is None and info.channels > 1:
            colour = f
        if deep is not None and colour is not None:
            break
    out = []
    if deep is not None:
        out.append(f"{deep}: 16-bit image; {_DEEP[reading]}")
    if colour is not None:
        out.append(f"{colour}: image has colour/alpha channels; {_COLOUR[reading]}")
    return out


# what each reading does with a 16-bit file and with a file with colour or alpha channels
_DEEP = {"gray8": "its high byte is used (16-bit precision dropped), as cv2.imread(path, 0) does",
         "pil": "its 0..65535 values are divided by 255, as PIL and the original do",
         "pil_l": "PIL's convert('L') clips its values to 0..255 (16-bit precision dropped), as the original "
                  "reads it"}
_COLOUR = {"gray8": "it is converted to gray from its colour channels (RGBA alpha ignored), as cv2.imread(path, 0) "
                    "does",
           "pil": "its first channel is used (RGBA alpha ignored), as the original does",
           "pil_l": "PIL's convert('L') takes gray from its colour channels (RGBA alpha ignored), as the original "
                    "reads it"}


def score_images(items: list[ImageItem], score, options, desc: str) -> list[dict]:
    """``score(item, workspace)`` for every image, in order, on ``options.workers`` threads (0: one per
    CPU; the kernels release the GIL), each thread with its own scratch :class:`Workspace`."""
    import threading

    from mbench.benchmark.kernels.workspace import Workspace
    from mbench.parallel import default_workers, ordered_map
    from mbench.progress import progress

    local = threading.local()

    def one(item: ImageItem) -> dict:
        if not hasattr(local, "ws"):
            local.ws = Workspace()
        return score(item, local.ws)

    rows = []
    with progress(total=len(items), desc=desc, unit="img", quiet=options.quiet) as bar:
        for row in ordered_map(one, items, int(options.workers) or default_workers()):
            rows.append(row)
            bar.update(1)
    return rows


def frame_table(items: list[ImageItem], rows: list[dict], metrics: tuple[str, ...]):
    """The per-image table of the output contract: ``clip`` empty, ``frame`` the image's name."""
    import pandas as pd

    df = pd.DataFrame({"clip": [""] * len(items), "frame": [i.name for i in items]})
    for m in metrics:
        df[m] = [r[m] for r in rows]
    return df


def finite_or_none(x: float) -> float | None:
    """A dataset figure for summary.json: NaN and inf are undefined (``None``)."""
    x = float(x)
    return x if np.isfinite(x) else None


def refuse_full_precision(options, name: str) -> None:
    """These protocols read files exactly as their originals do; no other reading is offered."""
    if getattr(options, "full_precision", False):
        raise BadInput(f"protocol {name} reads files as its original does; --full-precision is not offered "
                       "for it", "--full-precision")


def finish(card, items: list[ImageItem], rows: list[dict], figures: dict[str, float], options,
           warnings: list[str]):
    """The :class:`Result` of an image protocol: the per-image table and the dataset figures (NaN and
    inf as ``None``), limited to ``--metrics`` when given; GT alphas and trimaps as the files read."""
    from .base import Result

    wanted = getattr(options, "metrics", None)
    names = tuple(card.metrics)
    if wanted:
        unknown = [m for m in wanted if m not in names]
        if unknown:
            raise BadInput(f"protocol {card.name} has no metric {unknown[0]!r} (it has {', '.join(names)})",
                           "--metrics")
        names = tuple(m for m in names if m in wanted)
    if getattr(options, "device", "cpu") != "cpu":
        warnings = [*warnings, f"protocol {card.name} runs on the CPU (--device {options.device} ignored)"]
    df = frame_table(items, rows, names)
    metrics = {m: finite_or_none(figures[m]) for m in names} if items else {}  # an empty shard: none
    gt_files = sorted({i.gt for i in items} | {i.trimap for i in items if i.trimap is not None})
    return Result(per_frame=df, metrics=metrics, gt_files=gt_files, warnings=warnings)


def rows_aggregate(card, figures):
    """A module's ``aggregate_rows`` (base.py) from its ``figures(rows)``: the per-image table's
    values as the rows (metrics left out by ``--metrics`` as zeros, whose figures are dropped)."""

    def aggregate_rows(per_frame, units: list[str], state: dict) -> tuple:
        names = tuple(per_frame.columns[2:])
        cols = {m: per_frame[m].tolist() if m in names else [0.0] * len(per_frame) for m in card.metrics}
        rows = [dict(zip(cols, values)) for values in zip(*cols.values())]
        figs = figures(rows)
        return {m: finite_or_none(figs[m]) for m in names}, {}, None

    return aggregate_rows


def running_means(rows: list[dict], metrics, start: float | int = 0) -> dict[str, float]:
    """Each metric summed in row order from ``start`` (``0.`` or the int ``0``, as the original's
    accumulator is) and divided by the number of rows: the originals' plain Python averages."""
    out = {}
    for m in metrics:
        total = start
        for r in rows:
            total += r[m]
        out[m] = total / len(rows)
    return out


def evaluate_flat(card, pred, gt, options, *, alpha_dirs: tuple[str, ...], trimap_dirs: tuple[str, ...],
                  reading: str, score, aggregate):
    """The whole run of an image protocol: find the alphas and trimaps, pair them with the
    predictions, score each image with ``score(item, workspace)`` and the dataset with
    ``aggregate(rows)``."""
    refuse_full_precision(options, card.name)
    alphas = alpha_folder(gt, alpha_dirs)
    trimaps = trimap_folder(alphas, options.trimap, trimap_dirs)
    every = pair_images(pred, alphas, trimaps)
    items = shard_units(every, getattr(options, "shard", None))
    warnings = reading_warnings([f for i in items for f in (i.pred, i.gt, i.trimap)], reading)
    rows = score_images(items, score, options, card.name)
    result = finish(card, items, rows, aggregate(rows) if rows else {}, options, warnings)
    result.units = [i.name for i in every]
    return result
