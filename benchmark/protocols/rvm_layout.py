"""The native layouts of the RobustVideoMatting family, as their scripts list and pair files.

- RVM (``evaluate_lr.py``, ``evaluate_hr.py``) and MatAnyone2's ``eval_lr.py``/``eval_hr.py``:
  ``P/<dataset>/<clip>/pha/<frame>``; datasets are the folders of ``P``, clips every entry of a
  dataset (sorted), frames the sorted names in the **prediction's** ``pha`` folder, each looked up
  in the ground truth under a name derived from it (the same, or MatAnyone's extension remapping).
- MatAnyone2's ``eval_crgnn.py``: ``P/<video>/pha/<any>`` against ``T/<video>/<any>`` with ground
  truth every 10th frame, paired **by rank** (GT i <-> prediction 10 i).

Where the original crashes (a stray file among the clips, a missing ground-truth file) mbench
raises :class:`BadInput` naming the file; where it silently skips, so does mbench.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from mbench.benchmark.dataset import ClipJob
from mbench.errors import BadInput
from mbench.frames import probe_image
from mbench.layout import Clip, Layer

SPARSE_STEP = 10  # CRGNN: one ground-truth alpha every 10 video frames


def _listdir(folder: Path, what: str) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except FileNotFoundError:
        raise BadInput(f"{what} not found", folder) from None
    except NotADirectoryError:
        raise BadInput(f"{what} is not a folder", folder) from None


def _layer(name: str, folder: Path, stems: list[str], files: list[Path]) -> Layer:
    return Layer(name, folder, tuple(stems), tuple(files))


def _job(cid: str, pred_dir: Path, gt_dir: Path, layers: dict[str, tuple[Layer, Layer]]) -> ClipJob:
    pred = Clip(cid, pred_dir, {k: v[0] for k, v in layers.items()})
    gt = Clip(cid, gt_dir, {k: v[1] for k, v in layers.items()})
    return ClipJob(cid, pred, gt, None, "fgr" in layers)


def rvm_tree_jobs(pred_root: Path, gt_root: Path, gt_name: Callable[[str], str] = lambda n: n,
                  want_fgr: bool = False) -> tuple[list[ClipJob], bool]:
    """Clips of an RVM-style tree, in the original's order, and whether every clip has ``fgr/`` on
    both sides (then the foreground layers are paired too, under the prediction's names)."""
    per_clip = []
    for dataset in _listdir(pred_root, "predictions root"):
        if not (pred_root / dataset).is_dir():
            continue
        for clip in _listdir(pred_root / dataset, "dataset folder"):
            rel = f"{dataset}/{clip}"
            pha = pred_root / dataset / clip / "pha"
            if not pha.is_dir():
                raise BadInput("expected <dataset>/<clip>/pha/ here (the original script fails on "
                               "any other entry of a dataset folder)", pred_root / dataset / clip)
            names = [n for n in _listdir(pha, "pha folder") if not n.startswith(".")]
            per_clip.append((rel, names))
    if not per_clip:
        raise BadInput("no clips found (expected <dataset>/<clip>/pha/<frame>)", pred_root)
    fgr = want_fgr and all((root / rel / "fgr").is_dir() for rel, _ in per_clip
                           for root in (pred_root, gt_root))
    jobs = []
    for rel, names in per_clip:
        stems = [os.path.splitext(n)[0] for n in names]
        layers = {}
        kinds = ("pha", "fgr") if fgr else ("pha",)
        for kind in kinds:
            pred_files = [pred_root / rel / kind / n for n in names]
            gt_files = [gt_root / rel / kind / (gt_name(n) if kind == "pha" else n) for n in names]
            for f in gt_files:
                if not f.is_file():
                    raise BadInput(f"ground truth missing for prediction frame {f.name} (the "
                                   f"original reads it under this name)", f)
            for f in pred_files:
                if not f.is_file():
                    raise BadInput(f"{kind} frame missing (the pha folder has it)", f)
            layers[kind] = (_layer(kind, pred_root / rel / kind, stems, pred_files),
                            _layer(kind, gt_root / rel / kind, stems, gt_files))
        jobs.append(_job(rel, pred_root / rel, gt_root / rel, layers))
    return jobs, fgr


def _readable(path: Path) -> bool:
    try:
        probe_image(path)
        return True
    except BadInput:
        return False


def sparse_jobs(pred_root: Path, gt_root: Path) -> tuple[list[ClipJob], list[str]]:
    """CRGNN pairing (``eval_crgnn.py``): videos present on both sides, GT i <-> prediction 10 i.

    Returns the jobs (one per video, possibly without frames) and the warnings the original
    prints (ground truth beyond the predictions, unreadable pairs skipped).
    """
    notes = []
    jobs = []
    for video in _listdir(pred_root, "predictions root"):
        if not ((pred_root / video).is_dir() and (gt_root / video).is_dir()):
            continue
        pha = pred_root / video / "pha"
        preds = [n for n in _listdir(pha, "pha folder") if (pha / n).is_file()]
        gts = [n for n in _listdir(gt_root / video, "ground-truth folder") if (gt_root / video / n).is_file()]
        kept_p, kept_g = [], []
        if not gts:
            notes.append(f"{gt_root / video}: no ground-truth frames; the video scores nothing, as in "
                         f"the original")
        for i, name in enumerate(gts):
            k = SPARSE_STEP * i
            if k >= len(preds):
                notes.append(f"{gt_root / video}: ground-truth frames {i}.. need prediction rank "
                             f"{k} but there are {len(preds)} predictions; dropped, as the original does")
                break
            p, g = pha / preds[k], gt_root / video / name
            if not (_readable(p) and _readable(g)):
                if i == 0 and len(gts) > 1 and len(preds) > SPARSE_STEP:
                    raise BadInput("the first pair is unreadable; the original then fails at the "
                                   "next dtSSD (no previous frame)", p if not _readable(p) else g)
                notes.append(f"{p if not _readable(p) else g}: unreadable; pair {i} skipped, as "
                             f"the original does")
                continue
            kept_p.append(p)
            kept_g.append(g)
        stems = [os.path.splitext(g.name)[0] for g in kept_g]
        layers = {"pha": (_layer("pha", pha, stems, kept_p), _layer("pha", gt_root / video, stems, kept_g))}
        jobs.append(_job(video, pred_root / video, gt_root / video, layers))
    if not jobs:
        raise BadInput("no video folder is in both trees (expected P/<video>/pha/ and T/<video>/)",
                       pred_root)
    return jobs, notes
