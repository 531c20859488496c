"""``mbench run-baselines``: data -> train -> predict -> evaluate -> leaderboard, resumable per model.

Layout (docs/design.md 2.4)::

    RUNS/.mbench-output.json              marks RUNS as a runs folder (a non-empty RUNS without it
                                          is refused: mbench.paths.check_output)
    RUNS/data/<recipe>-<WxH>-<hash>/      the validation clips, synthesized once (unless --data)
    RUNS/<model>/config.json              what was trained, on what (a changed preset is refused)
    RUNS/<model>/train_log.csv            step, stage, loss terms, learning rates, seconds
    RUNS/<model>/checkpoint.safetensors   final weights (training_state.safetensors while training)
    RUNS/<model>/pred/<clip>/{pha,fgr}/   predictions in the clip layout
    RUNS/<model>/eval/                    per_frame.csv, per_clip.csv, summary.json
    RUNS/<model>/method.json              the leaderboard's record of the row
    RUNS/empty/, RUNS/bgdiff/             the two reference rows (pred, eval, method.json)
    RUNS/leaderboard/                     the board (mbench leaderboard RUNS --out RUNS/leaderboard)

Everything the command could refuse (preset, models, device, weights files, data layers, a run
folder of another configuration) is checked before anything is written. Each step of each model
is skipped when its output is complete: a finished model is not retrained, a killed training
resumes from its last checkpoint, prediction resumes at the first unfinished clip, and an
evaluation resumes at its first unscored clip. Predictions and scores of other validation clips
(another ``--data`` or preset) are redone. ``--force`` retrains the selected models from scratch.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from mbench import __version__
from mbench.atomic import atomic_dir, dumps_json, remove_tree, write_json
from mbench.config_files import sha256_file
from mbench.errors import BadInput
from mbench.paths import check_output, mark_output

from . import SPECS, build
from .architecture import plan_for_checkpoint
from .board import METHOD_FILE, build_board, dataset_label, read_row, scored_gt, write_method
from .checkpoint import STATE_FILE, read_state
from .data import check_layers, training_source
from .devices import hardware, resolve_device
from .measure import count_macs, count_parameters
from .predict import check_frame_size, eval_clips, model_predictor, write_predictions
from .presets import ModelPlan, Preset, load_preset
from .reference_methods import METHODS
from .run_folder import clear_training
from .train import CHECKPOINT, CONFIG, check_config, train_model, training_config
from .weights import load_weights, save_weights


@dataclass
class RunOptions:
    """What ``mbench run-baselines`` was asked for."""

    preset: str = "quick"
    models: list[str] = field(default_factory=lambda: list(SPECS))
    device: str = "cpu"
    data: Path | None = None
    out: Path = Path("runs")
    force: bool = False
    weights: dict[str, Path] = field(default_factory=dict)
    workers: int | None = None
    quiet: bool = False
    command: str = "mbench run-baselines"
    cluster: Any = None     # --executor local|slurm arguments: predict and score as shards (shards.py)


def parse_models(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise BadInput("no model named", f"--models {text}")
    for name in names:
        if name not in SPECS:
            raise BadInput(f"unknown model (choose from {', '.join(SPECS)})", f"--models {name}")
    return list(dict.fromkeys(names))


def parse_weights(items: list[str], models: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not path:
            raise BadInput("expected NAME=PATH", f"--weights {item}")
        if name not in models:
            raise BadInput(f"model is not among those run ({', '.join(models)})", f"--weights {item}")
        out[name] = Path(path)
    return out


def _build(name: str, plan: ModelPlan, seed: int) -> torch.nn.Module:
    return build(name, plan.backbone, **{"seed": seed, **plan.options})


class Run:
    """One ``mbench run-baselines`` invocation: checks first, then the work, model by model."""

    def __init__(self, opts: RunOptions):
        self.opts = opts
        self.preset: Preset = load_preset(opts.preset)
        self.plans = {m: self.preset.plan(m) for m in opts.models}
        for name, path in opts.weights.items():  # build what the checkpoint holds, whatever the preset
            self.plans[name] = plan_for_checkpoint(self.plans[name], path)
        self.device = resolve_device(opts.device)
        self.workers = opts.workers or max(1, os.cpu_count() or 1)
        # a runs folder is written in place: it must be new, empty or an earlier runs folder
        self.out = check_output(opts.out, [opts.data, *opts.weights.values()], kind="runs")
        nets = {m: self._checked_build(m, plan) for m, plan in self.plans.items()}
        for name, path in opts.weights.items():  # corrupt / other model / other shape: refused now
            load_weights(nets[name], path)
        self.eval_layers = ("pha", "com") + (("bgr",) if any(SPECS[m].needs_background for m in opts.models) else ())
        # Models a selected one starts from (init_from) that this run must train first.
        self.extra = {}
        for m in opts.models:
            src = self.plans[m].init_from
            if m not in opts.weights and src and src not in self.plans and not (self.out / src / CHECKPOINT).is_file():
                self.extra[src] = self.preset.plan(src)
                self._checked_build(src, self.extra[src])
        self.source = None
        if any(m not in opts.weights for m in opts.models):
            self.source = training_source(self.preset.train_recipe, self.preset.train_split, opts.data,
                                          self.preset.train_clips)
            self._check_training_data()
        self.valid_recipe = None if opts.data else self._valid_recipe()
        if opts.data:
            self._check_disk_valid()
        self.configs = {m: self._config(m) for m in opts.models}
        if not opts.force:
            for m, config in self.configs.items():
                check_config(self.out / m, config)
                self._check_checkpoints(m)
        for m, plan in self.extra.items():
            check_config(self.out / m, training_config(m, plan, preset=self.preset.name, seed=self.preset.seed,
                                                       source=self.source, world=1, device=self.device))

    # -- checks --------------------------------------------------------------------------------
    def _checked_build(self, m: str, plan: ModelPlan) -> torch.nn.Module:
        """Build ``m`` once now, so bad ``options`` values fail before any work starts."""
        try:
            return _build(m, plan, self.preset.seed)
        except (BadInput, ValueError, TypeError) as e:
            problem = e.message if isinstance(e, BadInput) else e
            raise BadInput(f"'models.{m}.options': {problem}", self.preset.where) from None

    def _check_training_data(self) -> None:
        for m, plan in {**self.plans, **self.extra}.items():
            if m in self.opts.weights:
                continue
            p = plan.stages[0].main
            self.source.dataset(seq_len=p.seq_len, size=p.size, seed=self.preset.seed,
                                needs_background=SPECS[m].needs_background, why=f"training {m}")

    def _valid_recipe(self) -> dict:
        from mbench.synth.recipes import resolve

        v = self.preset.valid
        recipe = resolve(v.recipe, size=v.size, clips=v.clips, frames=v.frames)
        splits = v.splits or tuple(recipe["splits"])
        for s in splits:
            if s not in recipe["splits"]:
                raise BadInput(f"recipe '{recipe['name']}' has no split '{s}' (it has "
                               f"{', '.join(recipe['splits'])})", self.preset.where)
        recipe["splits"] = {s: recipe["splits"][s] for s in splits}
        return recipe

    def _check_disk_valid(self) -> None:
        data = Path(self.opts.data)
        self.valid_splits = self.preset.valid.splits or ("valid",)
        clips = {}
        for s in self.valid_splits:
            if not (data / s).is_dir():
                raise BadInput(f"no '{s}' split folder for validation (the preset's data.valid.splits)", data)
            clips[s] = eval_clips(data / s, self.eval_layers, "evaluation of " + ", ".join(self.opts.models))
        # A reference row is left out when no clip has its layers, but some clips without them is bad input.
        for name, method in METHODS.items():
            if any(all(layer in c.layers for layer in method.needs) for cs in clips.values() for c in cs):
                for s, cs in clips.items():
                    check_layers(cs, method.needs, data / s, f"the {name} reference row")

    def _check_checkpoints(self, m: str) -> None:
        """A run folder's checkpoints must be readable and fit the model before any work starts."""
        folder = self.out / m
        if (folder / CHECKPOINT).is_file():
            load_weights(_build(m, self.plans[m], self.preset.seed), folder / CHECKPOINT)
        if (folder / STATE_FILE).is_file():
            read_state(folder / STATE_FILE)

    def _config(self, m: str) -> dict[str, Any]:
        plan = self.plans[m]
        if m in self.opts.weights:
            path = self.opts.weights[m]
            return {"model": m, "backbone": plan.backbone, "options": plan.options, "preset": self.preset.name,
                    "weights": str(path.resolve()), "weights_sha256": sha256_file(path),
                    "predict": plan.predict, "device": self.device, "mbench_version": __version__}
        return training_config(m, plan, preset=self.preset.name, seed=self.preset.seed, source=self.source,
                               world=1, device=self.device)

    # -- the work ------------------------------------------------------------------------------
    def prepare_valid(self) -> None:
        if self.opts.data:
            data = Path(self.opts.data)
            if len(self.valid_splits) == 1:
                self.gt_root = data / self.valid_splits[0]
            else:  # several splits are scored as one dataset: a folder of links to them
                # The resolved path's hash: another --data folder of the same name gets its own links.
                digest = hashlib.sha256(str(data.resolve()).encode()).hexdigest()[:8]
                self.gt_root = self.out / "data" / f"{data.resolve().name}-{'+'.join(self.valid_splits)}-{digest}"
                if not self.gt_root.is_dir():
                    with atomic_dir(self.gt_root) as tmp:
                        for s in self.valid_splits:
                            os.symlink((data / s).resolve(), tmp / s)
            self.clips = eval_clips(self.gt_root, self.eval_layers, "evaluation")
            return
        from mbench.synth import SourceSet, synthesize

        recipe = self.valid_recipe
        w, h = recipe["size"]
        digest = hashlib.sha256(dumps_json(recipe).encode()).hexdigest()[:8]
        root = self.out / "data" / f"{recipe['name']}-{w}x{h}-{digest}"
        root.parent.mkdir(parents=True, exist_ok=True)
        synthesize(recipe, root, seed=recipe["seed"], sources=SourceSet.for_recipe(recipe),
                   workers=self.workers, quiet=self.opts.quiet)
        self.gt_root = root
        self.clips = eval_clips(root, self.eval_layers, "evaluation")

    def _scored(self, folder: Path) -> bool:
        """True when ``folder`` holds a finished row for the current validation clips; the
        predictions and scores of other clips (another --data or preset) are removed."""
        if scored_gt(folder) == str(Path(self.gt_root).resolve()):
            return (folder / METHOD_FILE).is_file()
        for name in ("pred", "eval", METHOD_FILE):
            remove_tree(folder / name)
        return False

    def order(self) -> list[str]:
        """The selected models, each after the model its training starts from (``init_from``)."""
        done: list[str] = []

        def visit(m: str) -> None:
            source = self.plans[m].init_from if m in self.plans else None
            if source in self.plans and source not in done:
                visit(source)
            if m not in done:
                done.append(m)

        for m in self.opts.models:
            visit(m)
        return done

    def _train_source(self, m: str) -> None:
        """Train the model ``m`` starts from when this run does not include it (training only)."""
        source = self.plans[m].init_from
        if source not in self.extra:
            return
        train_model(source, self.extra[source], self.out / source, preset=self.preset.name, seed=self.preset.seed,
                    source=self.source, device=self.device, workers=min(2, self.workers), quiet=self.opts.quiet)

    def model(self, m: str) -> dict[str, Any]:
        plan, folder = self.plans[m], self.out / m
        if self.opts.force:
            clear_training(folder)
        if self._scored(folder):
            return self._row(m)
        if m in self.opts.weights:
            net = _build(m, plan, self.preset.seed)
            load_weights(net, self.opts.weights[m])
            folder.mkdir(parents=True, exist_ok=True)
            write_json(folder / CONFIG, self.configs[m])
            save_weights(net, folder / CHECKPOINT, metadata={"model": m, "weights": str(self.opts.weights[m])})
            steps, seconds = 0, 0.0
        else:
            self._train_source(m)
            result = train_model(m, plan, folder, preset=self.preset.name, seed=self.preset.seed,
                                 source=self.source, device=self.device, workers=min(2, self.workers),
                                 quiet=self.opts.quiet)
            steps, seconds = result.steps, result.seconds
            net = _build(m, plan, self.preset.seed)
            load_weights(net, folder / CHECKPOINT)
        spec = SPECS[m]
        if self.opts.cluster is not None:
            self._predict_sharded(folder, {"kind": "model", "name": m, "plan": plan, "seed": self.preset.seed,
                                           "checkpoint": str(folder / CHECKPOINT), "device": self.device,
                                           "chunk": self.preset.chunk, "layers": ("pha", "fgr")})
        else:
            predictor = model_predictor(net, device=self.device, chunk=self.preset.chunk, forward=plan.predict,
                                        needs_background=spec.needs_background, recurrent=spec.recurrent,
                                        workers=self.workers)
            write_predictions(self.clips, folder / "pred", predictor, layers=("pha", "fgr"), workers=self.workers,
                              quiet=self.opts.quiet, desc=f"predicting {m}")
        self._evaluate(folder)
        write_method(folder, self._method(m, net, steps, seconds), self.dataset)
        return self._row(m)

    def reference(self, name: str) -> dict[str, Any] | None:
        method = METHODS[name]
        if not all(layer in clip.layers for clip in self.clips for layer in method.needs):
            return None  # e.g. bgdiff without backgrounds: the row is left out
        folder = self.out / name
        if not self._scored(folder):
            options = self.preset.bgdiff if name == "bgdiff" else {}
            if self.opts.cluster is not None:
                self._predict_sharded(folder, {"kind": "reference", "name": name, "options": options,
                                               "layers": method.writes})
            else:
                write_predictions(self.clips, folder / "pred", method.factory(**options), layers=method.writes,
                                  workers=self.workers, quiet=self.opts.quiet, desc=f"predicting {name}")
            self._evaluate(folder)
            width, height = check_frame_size(self.clips, self.gt_root)
            write_method(folder, {
                "name": name, "parameters": 0, "gmacs": 0.0, "hardware": hardware("cpu"),
                "preset": self.preset.name, "training": "none (not learned)", "notes": method.description,
                "date": datetime.date.today().isoformat(), "mbench_version": __version__,
                "commands": [self.opts.command], "steps": 0, "seconds": 0.0, "options": options,
                "eval_size": [width, height]}, self.dataset)
        return self._row(name)

    def _predict_sharded(self, folder: Path, spec: dict[str, Any]) -> None:
        from .shards import predict_sharded

        predict_sharded(self.opts.cluster, dict(spec, gt_root=str(Path(self.gt_root).absolute()),
                                                eval_layers=self.eval_layers, pred=str(folder / "pred"),
                                                workers=self.workers))

    def _evaluate(self, folder: Path) -> None:
        from mbench.benchmark import evaluate

        if self.opts.cluster is not None and not (folder / "eval" / "summary.json").is_file():
            from .shards import evaluate_sharded

            evaluate_sharded(self.opts.cluster, folder / "pred", self.gt_root, folder / "eval", self.workers)
        elif not (folder / "eval" / "summary.json").is_file():
            evaluate(folder / "pred", self.gt_root, out=folder / "eval", workers=self.workers, quiet=self.opts.quiet)

    def _method(self, m: str, net: torch.nn.Module, steps: int, seconds: float) -> dict[str, Any]:
        from .speed import measure

        plan, spec = self.plans[m], SPECS[m]
        width, height = check_frame_size(self.clips, self.gt_root)
        net = net.to(self.device).eval()
        src = torch.rand(1, 3, 3, height, width, generator=torch.Generator().manual_seed(0)).to(self.device)
        kwargs = dict(plan.predict)
        if spec.needs_background:
            kwargs["bgr"] = torch.rand(1, 3, height, width, generator=torch.Generator().manual_seed(1)).to(self.device)
        if spec.recurrent:  # steady state: the counted frame follows two others (full memory)
            with torch.no_grad():
                kwargs["state"] = net(src[:, :2], **kwargs).state
        macs = count_macs(net, src[:, 2:], **kwargs)
        stage = plan.stages[-1].main
        lrs = ", ".join(f"{g} {lr:g}" for g, lr in plan.stages[0].learning_rates.items())
        training = (f"{steps} steps in {len(plan.stages)} stage(s), {seconds:.0f} s; {plan.backbone}, "
                    f"options {plan.options or 'none'}; {stage.size[0]}x{stage.size[1]}, batch "
                    f"{stage.batch} x {stage.seq_len} frames; {plan.optimizer} ({lrs})"
                    + (f"; {plan.threads} torch thread(s)" if plan.threads and self.device == "cpu" else ""))
        if m in self.opts.weights:
            training = f"weights loaded from {self.opts.weights[m]} (not trained by this run)"
        sizes = [(width, height)] + [s for s in self.preset.speed_sizes if tuple(s) != (width, height)]
        speed = measure(net, sizes, device=self.device, forward=plan.predict, repeats=self.preset.speed_repeats,
                        needs_background=spec.needs_background, recurrent=spec.recurrent)
        return {
            "name": m, "parameters": count_parameters(net)["total"], "gmacs": round(macs.gmacs, 4),
            "fps": speed[0]["fps"], "speed": speed,
            "hardware": hardware(self.device), "preset": self.preset.name, "training": training,
            "notes": f"seed {spec.seed}: {spec.title}; evaluated at {width}x{height}",
            "date": datetime.date.today().isoformat(), "mbench_version": __version__,
            "commands": [self.opts.command], "steps": steps, "seconds": round(seconds, 1),
            "backbone": plan.backbone, "options": plan.options, "width_mult": plan.options.get("width_mult", 1.0),
            "train_size": list(stage.size), "eval_size": [width, height], "seed": self.preset.seed,
        }

    def _row(self, name: str) -> dict[str, Any]:
        return read_row(self.out / name, name)

    @property
    def dataset(self) -> str:
        """The label of the validation data, which names the board's table."""
        splits = tuple(self.valid_splits) if self.opts.data else ()
        return dataset_label(self.gt_root, None if self.opts.data else self.valid_recipe, splits)

    def board(self) -> None:
        build_board(self.out, command=f"{self.opts.command} (leaderboard of {self.out})", quiet=self.opts.quiet)


def run_baselines(opts: RunOptions) -> list[dict[str, Any]]:
    """Check everything, then run every model and reference row and build the board.

    Returns
    -------
    list of dict
        One row per method: its metrics (``summary.json``) and parameters, GMACs, fps, steps, seconds.
    """
    run = Run(opts)
    run.out.mkdir(parents=True, exist_ok=True)
    mark_output(run.out, "runs")
    run.prepare_valid()
    rows = [run.model(m) for m in run.order()]
    for name in METHODS:
        row = run.reference(name)
        if row is not None:
            rows.append(row)
    run.board()
    return rows
