"""A model's run folder, ``RUNS/<model>/``: its configuration record and training log.

``config.json`` holds everything the trained weights depend on (model, backbone, options, preset,
seed, data, stages, world size); a run folder made with another configuration is refused rather
than silently continued (``--force`` starts over). ``train_log.csv`` has one row per step (step,
stage, loss and its terms, learning rates, seconds), rewritten atomically at each checkpoint.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
from pathlib import Path
from typing import Any

from mbench import __version__
from mbench.atomic import dumps_json, remove_tree, write_text
from mbench.errors import BadInput
from mbench.regular import read_regular

from .checkpoint import STATE_FILE
from .data import TrainingSource
from .presets import ModelPlan

CHECKPOINT = "checkpoint.safetensors"
CONFIG = "config.json"
LOG = "train_log.csv"
VOLATILE = ("device", "mbench_version", "command")  # config keys a resumed run may change
# A finished model's weights do not depend on how many processes trained it (torchrun vs one).
FINISHED_VOLATILE = ("world_size",)
RESULTS = ("pred", "eval", "method.json")  # a model's predictions, scores and leaderboard record


def training_config(name: str, plan: ModelPlan, *, preset: str, seed: int, source: TrainingSource,
                    world: int, device: str) -> dict[str, Any]:
    """The ``config.json`` record: everything the trained weights depend on."""
    return {"model": name, "backbone": plan.backbone, "options": plan.options, "optimizer": plan.optimizer,
            "preset": preset, "seed": seed, "data": source.describe(), "world_size": world,
            "stages": [dataclasses.asdict(s) for s in plan.stages], "predict": plan.predict,
            "checkpoint_every": plan.checkpoint_every, "amp": plan.amp, "init_from": plan.init_from,
            "bn_recalibration": plan.bn_recalibration, "threads": plan.threads,
            "device": device,
            "mbench_version": __version__}


def fingerprint(config: dict[str, Any]) -> str:
    stable = {k: v for k, v in config.items() if k not in VOLATILE}
    return hashlib.sha256(dumps_json(stable).encode()).hexdigest()[:16]


def check_config(folder: Path, config: dict[str, Any]) -> None:
    """Refuse to continue a run of another configuration in ``folder`` (``--force`` starts over)."""
    path = folder / CONFIG
    if not path.is_file():
        return
    try:
        old = json.loads(read_regular(path).decode("utf-8"))
    except (BadInput, ValueError) as e:
        raise BadInput(f"unreadable run configuration ({e}); use --force to start over", path) from None
    new = json.loads(dumps_json(config))
    volatile = VOLATILE + (FINISHED_VOLATILE if (folder / CHECKPOINT).is_file() else ())
    for key in sorted(set(old) | set(new)):
        if key not in volatile and old.get(key) != new.get(key):
            raise BadInput(f"this run was made with another '{key}' (another preset or option?); "
                           f"use --force to retrain, or another --out", path)


def finished_seconds(checkpoint: Path) -> float:
    """Training seconds recorded in a finished checkpoint's metadata (0 if absent)."""
    from safetensors import safe_open

    try:
        with safe_open(str(checkpoint), framework="pt", device="cpu") as f:
            return float((f.metadata() or {}).get("seconds", 0.0))
    except Exception:  # an unreadable checkpoint is reported when it is loaded
        return 0.0


def read_log(path: Path, upto: int) -> list[dict[str, str]]:
    """The rows of ``train_log.csv`` up to step ``upto`` (what a resumed run keeps)."""
    if not path.is_file():
        return []
    text = read_regular(path).decode("utf-8")  # the file checked, even if replaced since
    return [row for row in csv.DictReader(io.StringIO(text, newline=""))
            if row.get("step", "").isdigit() and int(row["step"]) <= upto]


def write_log(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    """Write ``train_log.csv`` atomically (floats with 6 significant digits)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    write_text(path, buf.getvalue())


def clear_training(folder: Path) -> None:
    """Remove a model folder's training outputs and what was made from them (``--force``): the
    model trains from scratch and its predictions, scores and ``method.json`` are redone."""
    for name in (CHECKPOINT, STATE_FILE, LOG, CONFIG):
        (folder / name).unlink(missing_ok=True)
    for name in RESULTS:
        remove_tree(folder / name)
