"""Resuming a killed evaluation: finished clips are kept beside ``--out`` until the run completes.

The folder ``.<out>.partial/`` holds ``run.json`` (what the run is: trees, convention, metrics,
shard) and one CSV per finished clip, each written atomically with a signature of the clip's files
(names, sizes, modification times). A rerun with the same settings reuses every clip whose files
are unchanged; the final files are then identical to those of an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from mbench import __version__
from mbench.atomic import dumps_json, remove_tree, write_text
from mbench.benchmark.dataset import ClipJob, EvalPlan
from mbench.benchmark.results import read_csv, to_csv


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

    def _clip_file(self, cid: str) -> Path:
        return self.folder / f"clip-{self.index[cid]:06d}.csv"

    def load(self, jobs: list[ClipJob]) -> dict[str, list[dict]]:
        """Rows of the clips finished by an earlier run of the same evaluation (files unchanged)."""
        try:
            run = json.loads((self.folder / "run.json").read_text())
        except (OSError, ValueError):
            run = None
        if run != self.run:
            remove_tree(self.folder)
            return {}
        done = {}
        for job in jobs:
            f = self._clip_file(job.id)
            sig = self.folder / (f.name + ".sig")
            if not (f.exists() and sig.exists()) or sig.read_text() != clip_signature(job):
                continue
            df = read_csv(f)
            if list(df["clip"].unique()) != [job.id] or tuple(df["frame"]) != job.stems:
                continue
            done[job.id] = df.to_dict("records")
        return done

    def save(self, job: ClipJob, rows: list[dict]) -> None:
        """Record one finished clip (atomically: the signature is written last)."""
        if not self.folder.exists():
            self.folder.mkdir(parents=True)
            write_text(self.folder / "run.json", dumps_json(self.run))
        import pandas as pd

        f = self._clip_file(job.id)
        write_text(f, to_csv(pd.DataFrame(rows)))
        write_text(self.folder / (f.name + ".sig"), clip_signature(job))

    def remove(self) -> None:
        remove_tree(self.folder)
