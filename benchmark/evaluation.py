"""``evaluate``: score a predictions tree against a ground-truth tree (docs/design.md 2.3)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from mbench.atomic import atomic_dir
from mbench.benchmark.checkpoint import Checkpoint
from mbench.benchmark.conventions import get_convention
from mbench.benchmark.dataset import EvalPlan, plan_evaluation
from mbench.benchmark.results import per_frame_table, summary, write_evaluation
from mbench.benchmark.runner import ReadingNotes, run_plan
from mbench.errors import BadInput
from mbench.paths import check_output

DEVICES = ("cpu", "cuda")


def check_device(device: str) -> None:
    """Refuse an unknown device, or ``cuda`` where numba finds no GPU."""
    if device not in DEVICES:
        raise BadInput(f"unknown device (choose from {', '.join(DEVICES)})", device)
    if device == "cuda":
        from numba import cuda

        if not cuda.is_available():
            raise BadInput("no CUDA GPU is available to numba (use --device cpu)", device)


def score_plan(plan: EvalPlan, *, out=None, workers: int | None = None, device: str = "cpu",
               quiet: bool = True, notes: ReadingNotes | None = None) -> pd.DataFrame:
    """Score every clip of ``plan`` and return the per-frame table (clips in plan order).

    With ``out``, finished clips are kept beside it so that a killed run resumes (the caller
    removes the checkpoint once the files are written).
    """
    checkpoint = Checkpoint(Path(out), plan) if out is not None else None
    done = checkpoint.load(plan.jobs) if checkpoint else {}
    try:
        rows = run_plan(plan, workers=workers, device=device, quiet=quiet, skip=set(done),
                        on_clip=checkpoint.save if checkpoint else None, notes=notes)
    except BadInput:
        if checkpoint:
            checkpoint.remove()  # bad input leaves nothing behind
        raise
    rows.update(done)
    return per_frame_table(rows, [j.id for j in plan.jobs], plan.metrics)


def plan_gt_files(plan: EvalPlan) -> list[Path]:
    """The ground-truth files that define the plan's targets (alpha, trimaps), for ``gt_hash``;
    foreground colour (``fgr/``) is left out, so the hash does not depend on the metrics asked."""
    files: list[Path] = []
    for job in plan.jobs:
        layers = [job.gt.layers["pha"]] + ([job.trimap] if job.trimap is not None else [])
        for layer in layers:
            files += [layer.path] if layer.is_video else list(layer.files)
    return files


def run_evaluation(pred_root, gt_root, *, convention: str = "rvm", metrics: list[str] | None = None,
                   trimap=None, out=None, workers: int | None = None, device: str = "cpu",
                   shard=None, quiet: bool = True,
                   full_precision: bool = False) -> tuple[pd.DataFrame, dict]:
    """Score, write the files to ``out`` if given, and return (per-frame table, summary).

    ``convention`` is a protocol on the clip engine (``rvm``, ``dim``): its card, the original's
    workbook figure (``extra``) and the ground-truth hash join the summary.
    """
    from mbench.benchmark.protocols.runner import engine_keys, load_protocol
    from mbench.benchmark.protocols.summary import gt_file_hashes

    if out is not None:  # before anything is read or written: outputs never overlap inputs
        out = check_output(out, [pred_root, gt_root, trimap], kind="evaluation")
    conv = get_convention(convention)
    check_device(device)
    plan = plan_evaluation(pred_root, gt_root, conv, metrics, trimap, shard)
    plan.reading = "alpha" if full_precision else conv.reading
    notes = ReadingNotes()
    per_frame = score_plan(plan, out=out, workers=workers, device=device, quiet=quiet, notes=notes)
    for message in notes.messages():
        warnings.warn(message, stacklevel=2)
    info = summary(per_frame, plan.metrics, convention=conv.name, pred=plan.pred_root.resolve(),
                   gt=plan.gt_root.resolve(),
                   trimap=None if plan.trimap_root is None else plan.trimap_root.resolve(),
                   shard=plan.shard, total_clips=plan.total_clips)
    info.update(engine_keys(load_protocol(conv.name), per_frame, plan.metrics, info,
                            gt_file_hashes(plan_gt_files(plan), plan.gt_root, {"trimap": plan.trimap_root}),
                            full_precision, plan.shard is not None))
    if out is not None:
        with atomic_dir(out) as tmp:
            write_evaluation(tmp, per_frame, plan.metrics, info)
        Checkpoint(Path(out), plan).remove()
    return per_frame, info


def evaluate(pred_root, gt_root, *, convention: str = "rvm", metrics: list[str] | None = None,
             trimap=None, out=None, workers: int | None = None, device: str = "cpu", shard=None,
             quiet: bool = True, protocol: str | None = None, flow=None,
             full_precision: bool = False) -> pd.DataFrame:
    """Score the predictions under ``pred_root`` against ``gt_root``.

    Parameters
    ----------
    pred_root, gt_root : path
        Dataset roots holding the same clips and frames (docs/design.md 2.1).
    convention : {"rvm", "dim"}
        ``rvm``: whole frame, MAD/MSE/Grad/Conn/dtSSD (+ fgr_mad/fgr_mse when both trees have
        ``fgr/``); ``dim``: SAD/MSE/Grad/Conn on the trimap's unknown region (needs ``trimap``).
    metrics : list of str, optional
        A subset (or optional extras such as ``messddt``).
    trimap : path, optional
        Root of the trimaps (``ROOT/<clip>/NNNN.png`` or ``ROOT/<clip>/trimap/NNNN.png``).
    out : path, optional
        Folder to write ``per_frame.csv``, ``per_clip.csv`` and ``summary.json`` into; it appears
        only when the run succeeds, and a killed run resumes from the clips it finished.
    workers : int, optional
        Threads (default: the CPU count).
    device : {"cpu", "cuda"}
    shard : "K/N", optional
        Score only clips i with i % N == K (merge shards with :func:`mbench.benchmark.merge`).
    protocol : str, optional
        A named protocol (``mbench evaluate --list-protocols``; docs/protocols.md): the trees are
        read in that protocol's native layout and scored by its rules; ``convention`` is then
        ignored (``rvm`` and ``dim`` are protocols too).
    flow : path, optional
        Flow root for protocols that read optical flow.
    full_precision : bool
        Read all 16 bits / the alpha channel where the original reads 8-bit gray.

    Returns
    -------
    pandas.DataFrame
        One row per frame: ``clip``, ``frame``, then the metrics.
    """
    if protocol is not None:
        from mbench.benchmark.protocols.base import Options
        from mbench.benchmark.protocols.runner import run_protocol

        options = Options(trimap=None if trimap is None else Path(trimap),
                          flow=None if flow is None else Path(flow), workers=workers or 0,
                          quiet=quiet, full_precision=full_precision,
                          metrics=None if metrics is None else tuple(metrics), device=device,
                          shard=shard)
        return run_protocol(protocol, pred_root, gt_root, out=out, options=options)[0]
    return run_evaluation(pred_root, gt_root, convention=convention, metrics=metrics, trimap=trimap,
                          out=out, workers=workers, device=device, shard=shard, quiet=quiet,
                          full_precision=full_precision)[0]
