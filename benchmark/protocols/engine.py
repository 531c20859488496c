"""What the protocols on the clip engine share: building a run's Result, and RVM's workbook figure.

``rvm`` and ``dim`` are mbench's two original conventions (``conventions.toml``): their clips are
scored by :func:`mbench.benchmark.evaluation.run_evaluation` (resume, shards, CUDA). The other
RVM-family protocols (``rvm_hr``, ``matanyone``, ``matanyone_crgnn``) find and pair their files in
their own native layouts and score them with the same engine (:func:`score_jobs`).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from mbench.benchmark.conventions import Convention, select_metrics
from mbench.benchmark.dataset import ClipJob, EvalPlan, check_clip_images
from mbench.benchmark.metrics import declarations, needs_fgr
from mbench.benchmark.protocols.base import Options, Result, shard_figures, shard_units
from mbench.benchmark.protocols.spreadsheet import workbook_figure
from mbench.benchmark.runner import ReadingNotes


def values_by_clip(per_frame: pd.DataFrame, metric: str, clips: list[str] | None = None) -> list[list[float]]:
    """One metric's values, clip by clip in ``clips`` order (default: order of appearance)."""
    groups = {c: g[metric].tolist() for c, g in per_frame.groupby("clip", sort=False)}
    order = clips if clips is not None else list(groups)
    return [groups.get(c, []) for c in order]


def workbook_figures(per_frame: pd.DataFrame, metrics, clips: list[str] | None = None,
                     shift: bool = False) -> dict[str, float | None]:
    """The summary sheet of RVM's workbook: {metric: B2} (see :mod:`.spreadsheet`)."""
    return {m: workbook_figure(values_by_clip(per_frame, m, clips), shift) for m in metrics}


def engine_result(pred, gt, options: Options, convention: str) -> Result:
    """A :class:`Result` from a run of the clip engine (for ``run()`` of ``rvm`` and ``dim``)."""
    from mbench.benchmark.evaluation import run_evaluation

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        per_frame, info = run_evaluation(pred, gt, convention=convention, metrics=options.metrics,
                                         trimap=options.trimap, workers=options.workers or None,
                                         device=options.device, quiet=options.quiet,
                                         full_precision=options.full_precision)
    return Result(per_frame, info["metrics"], info["extra"],
                  warnings=[str(w.message) for w in caught])


def score_jobs(conv: Convention, jobs: list[ClipJob], pred: Path, gt: Path, options: Options,
               have_fgr: bool = False) -> tuple[pd.DataFrame, tuple[str, ...], list[str]]:
    """Score clip jobs under ``conv`` on the engine; (per-frame table, columns, warnings)."""
    from mbench.benchmark.evaluation import check_device, score_plan

    check_device(options.device)
    names = select_metrics(conv, list(options.metrics) if options.metrics else None, have_fgr)
    wants_fgr = needs_fgr(conv, names)
    for job in jobs:
        job.fgr = wants_fgr
    plan = EvalPlan(conv, names, jobs, pred, gt, None, len(jobs), None,
                    reading="alpha" if options.full_precision else conv.reading)
    for job in jobs:
        if job.stems:
            check_clip_images(job)
    notes = ReadingNotes()
    per_frame = score_plan(plan, workers=options.workers or None, device=options.device,
                           quiet=options.quiet, notes=notes)
    return per_frame, names, notes.messages()


def pooled_means(per_frame: pd.DataFrame, metrics) -> dict[str, float | None]:
    """mbench's own figure: the mean over every frame of every clip, NaN frames left out."""
    out = {}
    for m in metrics:
        v = per_frame[m].to_numpy(np.float64)
        v = v[~np.isnan(v)]
        out[m] = float(v.mean()) if v.size else None
    return out


def jobs_gt_files(jobs: list[ClipJob]) -> list[Path]:
    """The ground-truth alpha files of the jobs (for the summary's hash; ``fgr/`` colour is not a
    target, so it stays out)."""
    return [f for j in jobs for f in j.gt.layers["pha"].files]


def workbook_result(conv: Convention, jobs: list[ClipJob], pred: Path, gt: Path, options: Options, *,
                    have_fgr: bool = False, shift: bool = False, notes: tuple[str, ...] = ()) -> Result:
    """Score ``jobs`` (under ``options.shard`` only that shard's) on the engine and report the
    workbook's figures, as RVM's and MatAnyone's scripts do (:func:`workbook_aggregate`)."""
    mine = shard_units(jobs, options.shard)
    per_frame, names, reading = score_jobs(conv, mine, pred, gt, options, have_fgr)
    metrics, extra, _ = shard_figures(lambda df, units, state: workbook_aggregate(df, units, shift),
                                      per_frame, [j.id for j in mine], {})
    return Result(per_frame, metrics, extra=extra, gt_files=jobs_gt_files(mine), warnings=list(notes) + reading,
                  declarations=declarations(conv, names), units=[j.id for j in jobs])


def workbook_aggregate(per_frame: pd.DataFrame, units: list[str], shift: bool = False) -> tuple:
    """(the workbook's figures, extra, no per-clip table) of the rows of clips ``units``, in that
    order; mbench's pooled means (and, with ``shift``, the unshifted figures) go under ``extra``."""
    names = tuple(per_frame.columns[2:])
    extra = {"pooled_mean": pooled_means(per_frame, names)}
    if shift:
        extra = {"workbook_unshifted": workbook_figures(per_frame, names, units), **extra}
    return workbook_figures(per_frame, names, units, shift=shift), extra, None
