"""Resuming a killed evaluation: finished clips are kept beside ``--out`` until the run completes.

The folder ``.<out>.partial/`` holds ``run.json`` (what the run is: trees, convention, metrics,
shard) and one CSV per finished clip, written atomically under a name that carries a signature of
the clip's files (names, sizes, modification times): ``clip-<index>-<signature>.csv``. A rerun with
the same settings reuses every clip whose files are unchanged; the final files are then identical
to those of an uninterrupted run. One small write per clip: saving costs well under a
millisecond, so short clips do not slow the run.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from mbench import __version__
from mbench.atomic import dumps_json, remove_tree, write_text
from mbench.benchmark.dataset import ClipJob, EvalPlan
from mbench.benchmark.results import read_csv, rows_to_csv
from mbench.errors import BadInput
from mbench.regular import read_regular


def clip_signature(job: ClipJob) -> str:
    """A hash of the names, sizes and modification times of every file the clip's scoring reads."""
    h = hashlib.sha256()
    layers = [job.pred.layers["pha"], job.gt.layers["pha"]]
    if job.fgr:
        layers += [job.pred.layers["fgr"], job.gt.layers["fgr"]]
    if job.trimap is not None:
        layers.append(job.trimap)
    for layer in layers:
        for f in ([layer.path] if layer.is_video else layer.files):
            st = os.stat(f)
            h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


class Checkpoint:
    """Per-clip results of an evaluation writing to ``out``."""

    def __init__(self, out: Path, plan: EvalPlan):
        out = Path(out)
        self.folder = out.parent / f".{out.name}.partial"
        self.index = {job.id: i for i, job in enumerate(plan.jobs)}
        self.run = {
            "pred": str(plan.pred_root.resolve()), "gt": str(plan.gt_root.resolve()),
            "trimap": None if plan.trimap_root is None else str(plan.trimap_root.resolve()),
            "convention": plan.convention.name, "metrics": list(plan.metrics),
            "shard": None if plan.shard is None else list(plan.shard),
            "clips": [job.id for job in plan.jobs], "mbench_version": __version__,
        }

    def _clip_file(self, job: ClipJob) -> Path:
        return self.folder / f"clip-{self.index[job.id]:06d}-{clip_signature(job)}.csv"

    def load(self, jobs: list[ClipJob]) -> dict[str, list[dict]]:
        """Rows of the clips finished by an earlier run of the same evaluation (files unchanged)."""
        try:
            run = json.loads(read_regular(self.folder / "run.json").decode("utf-8"))
        except (BadInput, ValueError):
            run = None
        if run != self.run:
            remove_tree(self.folder)
            return {}
        done = {}
        for job in jobs:
            f = self._clip_file(job)
            if not f.exists():
                continue
            df = read_csv(f)
            if list(df["clip"].unique()) != [job.id] or tuple(df["frame"]) != job.stems:
                continue
            done[job.id] = df.to_dict("records")
        return done

    def save(self, job: ClipJob, rows: list[dict]) -> None:
        """Record one finished clip (atomically, in one file)."""
        if not self.folder.exists():
            self.folder.mkdir(parents=True)
            write_text(self.folder / "run.json", dumps_json(self.run))
        write_text(self._clip_file(job), rows_to_csv(list(rows[0]), (r.values() for r in rows)))

    def remove(self) -> None:
        remove_tree(self.folder)
