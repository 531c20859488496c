"""The prediction and scoring steps of ``mbench run-baselines`` as shards (``--executor local|slurm``).

Training stays on the submitting machine (or torchrun). Prediction splits the validation clips into
``--shards`` residue classes; each shard job rebuilds the predictor from picklable parts (model name,
plan and checkpoint, or a reference method and its options) and writes its clips into the model's
``pred/`` folder, clip by clip and atomically, as a single run does. Scoring is ``mbench evaluate``
through the same executor, merged into ``eval/`` (docs/design.md 2.4, 3).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mbench import executor
from mbench.atomic import remove_tree
from mbench.errors import BadInput


def predict_shard(spec: dict[str, Any], k: int, n: int) -> str | None:
    """Write the predictions of clips i with i % n == k; ``None``, or a bad-input message."""
    from .predict import eval_clips, model_predictor, write_predictions

    try:
        clips = eval_clips(spec["gt_root"], tuple(spec["eval_layers"]), "evaluation")[k::n]
        if spec["kind"] == "model":
            from . import SPECS
            from .run import _build
            from .weights import load_weights

            name, plan = spec["name"], spec["plan"]
            net = _build(name, plan, spec["seed"])
            load_weights(net, spec["checkpoint"])
            model_spec = SPECS[name]
            predictor = model_predictor(net, device=spec["device"], chunk=spec["chunk"], forward=plan.predict,
                                        needs_background=model_spec.needs_background,
                                        recurrent=model_spec.recurrent, workers=spec["workers"])
        else:
            from .reference_methods import METHODS

            predictor = METHODS[spec["name"]].factory(**spec["options"])
        write_predictions(clips, spec["pred"], predictor, layers=tuple(spec["layers"]), workers=spec["workers"],
                          quiet=True)
    except BadInput as e:
        return str(e)
    return None


def predict_sharded(cluster: argparse.Namespace, spec: dict[str, Any]) -> None:
    """Run :func:`predict_shard` for every shard through ``cluster.executor``."""
    pred = Path(spec["pred"]).absolute()
    work = pred.parent / f".{pred.name}.shards"
    n = cluster.shards
    executor.run_jobs(cluster, predict_shard, [(dict(spec, pred=str(pred)), k, n) for k in range(n)], work,
                      f"mbench-predict-{spec['name']}")
    remove_tree(work)


def evaluate_sharded(cluster: argparse.Namespace, pred: Path, gt: Path, out: Path, workers: int | None) -> None:
    """``mbench evaluate PRED GT --out OUT`` (convention rvm, every metric) as shards, merged into ``out``."""
    from mbench.benchmark import cli as evaluate_cli
    from mbench.benchmark.merge import merge
    from mbench.cli import Parser, add_common_arguments

    argv = [str(pred), str(gt), "--out", str(out), "--executor", cluster.executor, "--shards", str(cluster.shards),
            "--retries", str(cluster.retries)]
    for flag in ("partition", "time", "cpus", "mem", "workers"):
        value = workers if flag == "workers" else getattr(cluster, flag)
        if value is not None:
            argv += [f"--{flag}", str(value)]
    parser = Parser(prog="mbench evaluate")
    evaluate_cli.add_arguments(parser)
    add_common_arguments(parser)
    args = parser.parse_args(argv + (["--quiet"] if cluster.quiet else []))
    executor.run_sharded(args, evaluate_cli.__name__, merge)
