"""``evaluate``: score a predictions tree against a ground-truth tree (DESIGN.md 2.3)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mbench.atomic import atomic_dir
from mbench.benchmark.checkpoint import Checkpoint
from mbench.benchmark.conventions import get_convention
from mbench.benchmark.dataset import plan_evaluation
from mbench.benchmark.results import per_frame_table, summary, write_evaluation
from mbench.benchmark.runner import run_plan
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


def run_evaluation(pred_root, gt_root, *, convention: str = "rvm", metrics: list[str] | None = None,
                   trimap=None, out=None, workers: int | None = None, device: str = "cpu",
                   shard=None, quiet: bool = True) -> tuple[pd.DataFrame, dict]:
    """Score, write the files to ``out`` if given, and return (per-frame table, summary)."""
    if out is not None:  # before anything is read or written: outputs never overlap inputs
        out = check_output(out, [pred_root, gt_root, trimap], kind="evaluation")
    conv = get_convention(convention)
    check_device(device)
    plan = plan_evaluation(pred_root, gt_root, conv, metrics, trimap, shard)
    checkpoint = Checkpoint(Path(out), plan) if out is not None else None
    done = checkpoint.load(plan.jobs) if checkpoint else {}
    try:
        rows = run_plan(plan, workers=workers, device=device, quiet=quiet, skip=set(done),
                        on_clip=checkpoint.save if checkpoint else None)
    except BadInput:
        if checkpoint:
            checkpoint.remove()  # bad input leaves nothing behind
        raise
    rows.update(done)
    per_frame = per_frame_table(rows, [j.id for j in plan.jobs], plan.metrics)
    info = summary(per_frame, plan.metrics, convention=conv.name, pred=plan.pred_root.resolve(),
                   gt=plan.gt_root.resolve(),
                   trimap=None if plan.trimap_root is None else plan.trimap_root.resolve(),
                   shard=plan.shard, total_clips=plan.total_clips)
    if out is not None:
        with atomic_dir(out) as tmp:
            write_evaluation(tmp, per_frame, plan.metrics, info)
        checkpoint.remove()
    return per_frame, info


def evaluate(pred_root, gt_root, *, convention: str = "rvm", metrics: list[str] | None = None,
             trimap=None, out=None, workers: int | None = None, device: str = "cpu", shard=None,
             quiet: bool = True) -> pd.DataFrame:
    """Score the predictions under ``pred_root`` against ``gt_root``.

    Parameters
    ----------
    pred_root, gt_root : path
        Dataset roots holding the same clips and frames (DESIGN.md 2.1).
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

    Returns
    -------
    pandas.DataFrame
        One row per frame: ``clip``, ``frame``, then the metrics.
    """
    return run_evaluation(pred_root, gt_root, convention=convention, metrics=metrics, trimap=trimap,
                          out=out, workers=workers, device=device, shard=shard, quiet=quiet)[0]
