"""The trainer: one model, the stages of a preset, checkpoints, resume, distributed data parallel.

Writes into ``RUNS/<model>/`` (docs/design.md 2.4): ``config.json`` (what is trained, on what),
``train_log.csv`` (step, stage, loss and its terms, learning rates, seconds), the periodic
``training_state.safetensors`` (:mod:`.checkpoint`) and, when done, ``checkpoint.safetensors`` (the
final weights; the training state is then removed).

A step is one matting optimiser step on a batch (the seed's loss, :mod:`.losses`), then, when the
stage says so, RVM's extra steps: a high-resolution pass (``hr``, stage 3) and a segmentation
step. Segmentation alternates as in seed 001 section 3.3: after odd steps an "image" batch (B*T
single frames), after even ones a "video" batch. mbench ships no segmentation data, so the masks
are the composites' own alpha > 0.5 (:func:`.losses.rvm.segmentation_target`), on sequences of
another seed. Optimisers: the seed's (Adam for rvm, bgmv2 and seed 002, AdamW for seed 000) with
per-part learning rates; gradients are clipped to the stage's ``grad_clip`` norm; mixed
precision (float16 autocast with a grad scaler) on CUDA only.

Randomness: the models are initialised from their own ``torch.Generator``; every data draw is a
function of (seed, item index) (:mod:`.data`). The only global state is torch's default
generator, which dropout (BGMv2's ASPP) draws from and which cannot be replaced there: it is
re-seeded at every step from ``(seed, rank, step)``, so a resumed run draws what an
uninterrupted one does, and its state is also saved in the checkpoint. On CPU the result is
deterministic for a fixed thread count.

Distributed: ``torchrun --nproc_per_node N -m mbench.baselines.train --model rvm --preset quick``
runs N processes (gloo on CPU, nccl on GPU); rank r reads items ``(step * N + r) * B + b``, rank 0
writes every file.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from mbench.atomic import write_json
from mbench.errors import BadInput
from mbench.progress import progress

from . import SPECS, ModelOutput, build
from .checkpoint import STATE_FILE, load_state, save_state
from .data import Batches, TrainingSource
from .devices import cpu_threads
from .losses import SEG_NEEDS
from .losses.rvm import seg_loss
from .presets import ModelPlan, Pass, Stage
from .run_folder import (CHECKPOINT, CONFIG, LOG, check_config, clear_training, finished_seconds, fingerprint,
                         read_log, training_config, write_log)
from .weights import load_weights, save_weights

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
TAGS = {"main": 0, "hr": 1, "seg": 2, "bn": 3}  # seed offsets of the pass kinds' data


class Interrupted(Exception):
    """Raised by ``train_model(..., stop_after=N)`` after step N, without saving (a simulated kill)."""


@dataclass(frozen=True)
class TrainResult:
    steps: int
    seconds: float
    resumed_from: int
    checkpoint: Path


def step_seed(seed: int, rank: int, step: int) -> int:
    return int(np.random.SeedSequence([seed, rank, step]).generate_state(1)[0])


class Outputs(torch.nn.Module):
    """The model, returning only the outputs a loss reads (``fields``), as float32 for the loss.

    DistributedDataParallel (find_unused_parameters) follows the returned tensors back to the
    parameters that made them and waits for their gradients: an output the loss ignores (the
    segmentation logits in a matting step) would leave it waiting. RVM's own model skips those
    heads instead; ours computes them and this wrapper leaves them out.
    """

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, src: Tensor, fields: tuple[str, ...], **kwargs: Any) -> dict[str, Tensor]:
        out = self.model(src, **kwargs)
        return {f: getattr(out, f) for f in fields if getattr(out, f) is not None}


class Trainer:
    """One model's training loop (see the module docstring); use :func:`train_model`."""

    def __init__(self, name: str, plan: ModelPlan, *, seed: int, source: TrainingSource, device: str,
                 rank: int, world: int, workers: int):
        self.name, self.plan, self.seed, self.source = name, plan, seed, source
        self.device, self.rank, self.world, self.workers = torch.device(device), rank, world, workers
        self.spec = SPECS[name]
        options = {"seed": seed, **plan.options}
        self.model = build(name, plan.backbone, **options).to(self.device).train()
        self.net = Outputs(self.model)
        if world > 1:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = DistributedDataParallel(self.net, device_ids=ids, find_unused_parameters=True)
        self.optimizer = OPTIMIZERS[plan.optimizer](self.model.param_groups(plan.stages[0].learning_rates))
        self.amp = plan.amp and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.amp)

    def columns(self) -> list[str]:
        cols = ["step", "stage", "loss", *SPECS[self.name].loss_terms]
        if any(s.hr for s in self.plan.stages):
            cols.append("hr_loss")
        if any(s.segmentation for s in self.plan.stages):
            cols.append("seg_bce")
        cols += [f"lr_{g['name']}" for g in self.optimizer.param_groups]
        return cols + ["seconds"]

    def batches(self, stage: Stage, kind: str, p: Pass) -> Batches:
        dataset = self.source.dataset(seq_len=p.seq_len, size=p.size, seed=self.seed + TAGS[kind],
                                      needs_background=self.spec.needs_background, why=f"training {self.name}")
        return Batches(dataset, p.batch, rank=self.rank, world=self.world, size_range=p.size_range,
                       seed=self.seed, tag=TAGS[kind], workers=self.workers)

    def _optimise(self, loss: Tensor, stage: Stage) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if stage.grad_clip > 0:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), stage.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()

    def _forward(self, src: Tensor, fields: tuple[str, ...], **kwargs: Any) -> ModelOutput:
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp):
            out = self.net(src, fields, **kwargs)
        return ModelOutput(**{"pha": None, "fgr": None, **{k: v.float() for k, v in out.items()}})

    def matting_step(self, batch: dict[str, Tensor], p: Pass, stage: Stage) -> dict[str, float]:
        batch = {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}
        kwargs = dict(p.forward)
        if self.spec.needs_background:
            kwargs["bgr"] = batch["bgr"]
        spec = SPECS[self.name]
        terms = spec.loss(self._forward(batch["com"], spec.loss_needs, **kwargs), batch)
        self._optimise(terms["total"], stage)
        return {k: float(v.detach()) for k, v in terms.items()}

    def segmentation_step(self, batch: dict[str, Tensor], image: bool, stage: Stage) -> float:
        src, pha = batch["com"].to(self.device), batch["pha"].to(self.device)
        if image:  # seed 001: images are sequences of one frame, batch B*T
            src, pha = src.flatten(0, 1).unsqueeze(1), pha.flatten(0, 1).unsqueeze(1)
        loss = seg_loss(self._forward(src, SEG_NEEDS), {"pha": pha})["total"]
        self._optimise(loss, stage)
        return float(loss.detach())

    def recalibrate(self, stage: Stage, batches: int) -> None:
        """Re-estimate every batch norm's running statistics with the final weights ("precise BN").

        The running averages a short run leaves (momentum 0.01 in MobileNetV3) mix statistics of
        weights long gone; here they are reset and replaced by the plain average over ``batches``
        training batches (the last stage's data and forward options, a data stream of its own),
        in training mode, without gradients. Each rank estimates its own under DDP; rank 0's are saved.
        """
        norms = [m for m in self.model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        momenta = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average
        loader = self.batches(stage, "bn", stage.main)
        kwargs = dict(stage.main.forward)
        try:
            with torch.no_grad(), contextlib.closing(loader.iterate(0, batches)) as feed:
                for batch in feed:
                    if self.spec.needs_background:
                        kwargs["bgr"] = batch["bgr"].to(self.device)
                    with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp):
                        self.model(batch["com"].to(self.device), **kwargs)
        finally:
            for m, momentum in zip(norms, momenta):
                m.momentum = momentum

    def feeds(self, stage: Stage, start: int, stop: int) -> list:
        """Batch iterators of steps ``start .. stop - 1``: matting, then hr and segmentation if any."""
        kinds = [("main", stage.main)] + ([("hr", stage.hr)] if stage.hr else []) \
            + ([("seg", stage.main)] if stage.segmentation else [])
        return [self.batches(stage, kind, p).iterate(start, stop) for kind, p in kinds]

    def step(self, step: int, batches: tuple[dict[str, Tensor], ...], stage: Stage) -> dict[str, float]:
        """One training step (matting, then the stage's hr and segmentation steps); the log row."""
        feed = iter(batches)
        terms = self.matting_step(next(feed), stage.main, stage)
        row = {"loss": terms.pop("total"), **terms}
        if stage.hr is not None:
            row["hr_loss"] = self.matting_step(next(feed), stage.hr, stage)["total"]
        if stage.segmentation:
            row["seg_bce"] = self.segmentation_step(next(feed), step % 2 == 1, stage)
        return self.reduce(row)

    def reduce(self, row: dict[str, float]) -> dict[str, float]:
        """The mean of the logged values over the ranks (what the log shows under DDP)."""
        if self.world == 1:
            return row
        keys = sorted(row)
        values = torch.tensor([row[k] for k in keys], dtype=torch.float64, device=self.device)
        torch.distributed.all_reduce(values)
        return {k: float(v) / self.world for k, v in zip(keys, values.tolist())}


def transfer(model: torch.nn.Module, name: str, source: str, checkpoint: Path) -> None:
    """Start ``model`` from another model's trained weights: every tensor whose name and shape fit.

    Seed 000 began from BGMv2's weights this way (all but the first convolution, which takes 3
    channels instead of 6, the last one, and the ConvLSTMs).
    """
    if not checkpoint.is_file():
        raise BadInput(f"{name} starts from {source}'s trained weights (the preset's init_from) and there "
                       f"are none yet: train {source} first (--models {source},{name})", checkpoint)
    load_weights(model, checkpoint, strict=False)


def train_model(name: str, plan: ModelPlan, folder: str | os.PathLike, *, preset: str, seed: int,
                source: TrainingSource, device: str = "cpu", rank: int = 0, world: int = 1,
                workers: int = 2, quiet: bool = False, stop_after: int | None = None) -> TrainResult:
    """Train ``name`` as ``plan`` says, in ``folder`` (``RUNS/<model>``), resuming a checkpoint there.

    Parameters
    ----------
    name : str
        Model name (``SPECS``).
    plan : ModelPlan
        From :func:`mbench.baselines.presets.load_preset`.
    folder : path
        The model's run folder; created if missing.
    preset : str
        Preset name (recorded).
    seed : int
        Seed of initialisation, data and dropout.
    source : TrainingSource
        Training data.
    device : str
        ``cpu`` or ``cuda`` (``cuda:K``).
    rank, world : int
        Distributed rank and size (1: no process group needed).
    workers : int
        Threads composing batches ahead.
    quiet : bool
        No progress bar.
    stop_after : int, optional
        Stop with :class:`Interrupted` after this many steps, saving nothing more (tests).

    Returns
    -------
    TrainResult
    """
    with cpu_threads(device, plan.threads):
        return _train(name, plan, Path(folder), preset=preset, seed=seed, source=source, device=device, rank=rank,
                      world=world, workers=workers, quiet=quiet, stop_after=stop_after)


def _train(name: str, plan: ModelPlan, folder: Path, *, preset: str, seed: int, source: TrainingSource,
           device: str, rank: int, world: int, workers: int, quiet: bool, stop_after: int | None) -> TrainResult:
    config = training_config(name, plan, preset=preset, seed=seed, source=source, world=world, device=device)
    check_config(folder, config)
    checkpoint = folder / CHECKPOINT
    if checkpoint.is_file():  # finished earlier with this configuration
        return TrainResult(plan.total_steps, finished_seconds(checkpoint), plan.total_steps, checkpoint)
    trainer = Trainer(name, plan, seed=seed, source=source, device=device, rank=rank, world=world,
                      workers=workers)
    lead = rank == 0
    if lead:
        folder.mkdir(parents=True, exist_ok=True)
        write_json(folder / CONFIG, config)
    state_path, log_path = folder / STATE_FILE, folder / LOG
    start, seconds, fp = 0, 0.0, fingerprint(config)
    if plan.init_from and not state_path.is_file():
        transfer(trainer.model, name, plan.init_from, folder.parent / plan.init_from / CHECKPOINT)
    if state_path.is_file():
        resumed = load_state(state_path, trainer.model, trainer.optimizer, trainer.scaler)
        if resumed.fingerprint != fp:
            raise BadInput("training checkpoint of another configuration; use --force to start over",
                           state_path)
        start, seconds = resumed.step, resumed.seconds
    columns = trainer.columns()
    rows: list[dict[str, Any]] = read_log(log_path, start) if lead else []
    total = plan.total_steps
    bar = progress(total=total, desc=f"training {name}", unit="step", quiet=quiet or not lead)
    bar.update(start)
    first = 0
    for stage in plan.stages:
        last = first + stage.steps
        begin = max(start, first)
        if begin < last:
            for group in trainer.optimizer.param_groups:
                group["lr"] = stage.learning_rates.get(group["name"], stage.learning_rates.get("default"))
            with contextlib.ExitStack() as stack:  # the loader threads stop with the stage, or an error
                feeds = [stack.enter_context(contextlib.closing(f)) for f in trainer.feeds(stage, begin, last)]
                tick = time.perf_counter()
                for step, batches in zip(range(begin, last), zip(*feeds)):
                    torch.manual_seed(step_seed(seed, rank, step))
                    row = trainer.step(step, batches, stage)
                    now = time.perf_counter()
                    seconds, tick, done = seconds + now - tick, now, step + 1
                    rows.append({"step": done, "stage": stage.name, **row, "seconds": round(seconds, 3),
                                 **{f"lr_{g['name']}": float(g["lr"]) for g in trainer.optimizer.param_groups}})
                    bar.update()
                    if stop_after is not None and done >= stop_after:
                        bar.close()
                        raise Interrupted(f"stopped after step {done}")
                    if done % plan.checkpoint_every == 0 and done < total:
                        if lead:
                            save_state(state_path, trainer.model, trainer.optimizer, trainer.scaler,
                                       step=done, seconds=seconds, fingerprint=fp)
                            write_log(log_path, columns, rows)
                        if world > 1:
                            torch.distributed.barrier()
        first = last
    bar.close()
    if plan.bn_recalibration and total:
        torch.manual_seed(step_seed(seed, rank, total))
        trainer.recalibrate(plan.stages[-1], plan.bn_recalibration)
    if lead:
        write_log(log_path, columns, rows)
        save_weights(trainer.model, checkpoint, metadata={"model": name, "backbone": plan.backbone,
                                                          "steps": str(total), "preset": preset,
                                                          "fingerprint": fp, "seconds": f"{seconds:.3f}"})
        state_path.unlink(missing_ok=True)
    if world > 1:
        torch.distributed.barrier()
    return TrainResult(total, seconds, start, checkpoint)


def main(argv: list[str] | None = None) -> int:
    """``python -m mbench.baselines.train`` (also under ``torchrun``): train one model."""
    import argparse

    from mbench.cli import Parser, add_common_arguments, run_guarded
    from mbench.flags import count
    from mbench.paths import check_output, mark_output

    from .data import training_source
    from .devices import resolve_device
    from .presets import load_preset

    parser = Parser(prog="python -m mbench.baselines.train", formatter_class=argparse.RawDescriptionHelpFormatter,
                    description="Train one baseline model as a preset says (RUNS/<model>/...); under "
                                "torchrun, with distributed data parallel (gloo on CPU, nccl on GPU).")
    parser.add_argument("--model", required=True, help=f"one of {', '.join(SPECS)}")
    parser.add_argument("--preset", default="quick", help="smoke, quick, paper or a .toml file (default quick)")
    parser.add_argument("--out", type=Path, default=Path("runs"), help="runs folder (default runs/)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--data", type=Path, help="synthesized dataset on disk to train from (default: stream)")
    parser.add_argument("--workers", type=count(1), default=2, help="threads composing batches ahead (default 2)")
    parser.add_argument("--force", action="store_true", help="discard earlier training and start over")
    add_common_arguments(parser)

    def go() -> int:
        args = parser.parse_args(argv)
        if args.model not in SPECS:
            raise BadInput(f"unknown model (choose from {', '.join(SPECS)})", args.model)
        preset = load_preset(args.preset)
        plan = preset.plan(args.model)
        rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
        device = resolve_device(args.device, int(os.environ.get("LOCAL_RANK", 0)))
        source = training_source(preset.train_recipe, preset.train_split, args.data, preset.train_clips)
        # written in place: new, empty or a runs folder; every rank checks before the rendezvous
        # below, so none sees rank 0 marking it half-way
        out = check_output(args.out, [args.data], kind="runs")
        folder = out / args.model
        if world > 1:
            backend = "nccl" if device.startswith("cuda") else "gloo"
            if device.startswith("cuda"):
                torch.cuda.set_device(torch.device(device))
            torch.distributed.init_process_group(backend)
        try:
            if rank == 0:
                out.mkdir(parents=True, exist_ok=True)
                mark_output(out, "runs")
            if args.force and rank == 0:
                clear_training(folder)
            if world > 1:
                torch.distributed.barrier()
            result = train_model(args.model, plan, folder, preset=preset.name, seed=preset.seed,
                                 source=source, device=device, rank=rank, world=world,
                                 workers=args.workers, quiet=args.quiet)
        finally:
            if world > 1:
                torch.distributed.destroy_process_group()
        if rank == 0 and not args.quiet:
            print(f"trained {args.model}: {result.steps} steps in {result.seconds:.1f} s -> {result.checkpoint}")
        return 0

    debug = "--debug" in (argv if argv is not None else __import__("sys").argv[1:])
    return run_guarded(go, debug)


if __name__ == "__main__":
    import sys

    sys.exit(main())
