"""Training step time per baseline model, with and without composing batches ahead of the step.

Run:  python perf/train_speed.py [--preset quick] [--steps 20]      (a few minutes on 2 cores)

For each model of the preset (its first stage: size, batch, sequence length, width, torch
threads), over the same steps in every phase (each step draws its own size, so other steps would
cost otherwise), after a warm-up pass over those steps:

- compute: the optimiser steps alone on batches composed beforehand (matting step, plus the
  interleaved segmentation step where the preset trains one);
- data: composing one step's batches (the synth stream renders and augments the sequences);
- naive: a loop that composes each batch inline, then steps (data + compute in turn);
- ours: the trainer's loop, batches composed on threads ahead of the step (``Batches.iterate``).

Each model runs at every torch thread count of ``--threads`` (default: the preset's, and the CPU
count). Prints a Markdown table: milliseconds per step and the naive / ours ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch

from mbench.baselines.data import TrainingSource
from mbench.baselines.devices import cpu_threads
from mbench.baselines.presets import load_preset
from mbench.baselines.train import Trainer, step_seed


def loaders(trainer: Trainer, stage) -> list:
    """The batch sources of a step: matting, and segmentation where the stage trains it."""
    kinds = [("main", stage.main)] + ([("seg", stage.main)] if stage.segmentation else [])
    return [trainer.batches(stage, kind, p) for kind, p in kinds]


def one_step(trainer: Trainer, stage, step: int, batches: list) -> None:
    torch.manual_seed(step_seed(0, 0, step))
    trainer.step(step, tuple(batches), stage)


def measure(name: str, plan, source: TrainingSource, steps: int, workers: int) -> dict[str, float]:
    stage = plan.stages[0]
    trainer = Trainer(name, plan, seed=0, source=source, device="cpu", rank=0, world=1, workers=workers)
    sources = loaders(trainer, stage)
    # Every phase runs the same steps: each step draws its own batch size, so other steps would cost otherwise.
    steps_range = range(2, 2 + steps)
    for s in steps_range:  # warm-up: sources built, kernels chosen for every shape measured
        one_step(trainer, stage, s, [ld.load(s) for ld in sources])
    t = time.perf_counter()
    preloaded = [[ld.load(s) for ld in sources] for s in steps_range]
    data = (time.perf_counter() - t) / steps
    t = time.perf_counter()
    for s, batches in zip(steps_range, preloaded):
        one_step(trainer, stage, s, batches)
    compute = (time.perf_counter() - t) / steps
    t = time.perf_counter()
    for s in steps_range:
        one_step(trainer, stage, s, [ld.load(s) for ld in sources])
    naive = (time.perf_counter() - t) / steps
    t = time.perf_counter()
    feeds = [ld.iterate(steps_range.start, steps_range.stop) for ld in sources]
    for s, batches in zip(steps_range, zip(*feeds)):
        one_step(trainer, stage, s, list(batches))
    ours = (time.perf_counter() - t) / steps
    for feed in feeds:
        feed.close()
    return {"compute": compute, "data": data, "naive": naive, "ours": ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", default="rvm,bgmv2,convlstm,attention_memory")
    parser.add_argument("--threads", default="",
                        help="comma-separated torch thread counts to compare (default: the preset's, and the "
                             "CPU count)")
    args = parser.parse_args()
    preset = load_preset(args.preset)
    source = TrainingSource(preset.train_recipe, preset.train_split)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; load average {load:.1f}; preset {preset.name}, {args.steps} steps")
    print()
    print("| model | backbone, width | batch x frames, size | seg step | threads | compute ms | data ms | naive ms "
          "| ours ms | naive / ours |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|")
    cpus = os.cpu_count() or 1
    for name in args.models.split(","):
        plan = preset.models[name]
        stage = plan.stages[0]
        counts = [int(t) for t in args.threads.split(",") if t] or [plan.threads or cpus, cpus]
        for threads in dict.fromkeys(counts):
            with cpu_threads("cpu", threads):  # as the trainer runs with the preset's threads
                r = measure(name, plan, source, args.steps, args.workers)
            width = plan.options.get("width_mult", 1.0)
            print(f"| {name} | {plan.backbone} x{width:g} | {stage.main.batch} x {stage.main.seq_len}, "
                  f"{stage.main.size[0]}x{stage.main.size[1]} | {'yes' if stage.segmentation else 'no'} | "
                  f"{threads}{' (preset)' if threads == plan.threads else ''} | {r['compute'] * 1e3:.0f} | "
                  f"{r['data'] * 1e3:.0f} | {r['naive'] * 1e3:.0f} | {r['ours'] * 1e3:.0f} | "
                  f"{r['naive'] / r['ours']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
