"""Baseline models: parameters and GMACs against the papers, CPU inference and training speed.

Run:  python perf/model_speed.py [--quick] [--sections params,macs,speed] [--threads N]
      (several minutes on 2 cores; prints Markdown tables). On a shared machine time with
      ``OMP_WAIT_POLICY=PASSIVE ... --sections speed --threads 1``: multi-threaded timings swing
      widely when other jobs hold the cores.

Parameters are exact counts; GMACs count convolutions, linear layers and attention matrix products
(``mbench.baselines.measure``: interpolation, cropping, normalisation and activations are not
counted, as the papers state). Published numbers: docs/reference.md sections 2 and 4 (RVM paper, BGMv2
Table 3, seed 000, seed 002). CPU speed: batch 1 at 512x288, eval mode, no grad, recurrent models
stepping frame by frame with their state; training step: forward + backward of a plain L1 loss on
2 clips x 2 frames at 256x256 (train mode).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch

from mbench.baselines import SPECS, build
from mbench.baselines.measure import count_macs, count_parameters

# (model, backbone, label, (height, width), model options, forward options, published GMACs or None)
COSTS = [
    ("rvm", "mobilenetv3", "512x288", (288, 512), {}, {}, 4.57),
    ("rvm", "mobilenetv3", "HD, ratio 0.25", (1080, 1920), {}, {"downsample_ratio": 0.25}, 4.1),
    ("rvm", "mobilenetv3", "256x256", (256, 256), {}, {}, 2.0),
    ("rvm", "mobilenetv3", "128x128", (128, 128), {}, {}, 0.5),
    ("rvm", "resnet50", "512x288", (288, 512), {}, {}, None),
    ("bgmv2", "resnet50", "512x288", (288, 512), {}, {}, None),
    ("bgmv2", "resnet50", "HD", (1080, 1920), {}, {}, 34.3),
    ("bgmv2", "resnet50", "4K", (2160, 3840), {"backbone_scale": 1 / 8, "refine_sample_pixels": 320_000}, {}, 41.5),
    ("bgmv2", "resnet101", "HD", (1080, 1920), {}, {}, 44.0),
    ("bgmv2", "resnet101", "4K", (2160, 3840), {"backbone_scale": 1 / 8, "refine_sample_pixels": 320_000}, {}, 51.2),
    ("bgmv2", "mobilenetv2", "512x288", (288, 512), {}, {}, None),
    ("bgmv2", "mobilenetv2", "HD", (1080, 1920), {}, {}, 9.9),
    ("bgmv2", "mobilenetv2", "4K", (2160, 3840), {"backbone_scale": 1 / 8, "refine_sample_pixels": 320_000}, {}, 17.0),
    ("convlstm", "resnet50", "512x288", (288, 512), {}, {}, None),
    ("convlstm", "resnet50", "256x256", (256, 256), {}, {}, 14.8 + 5.1),
    ("convlstm", "mobilenetv2", "512x288", (288, 512), {}, {}, None),
    ("attention_memory", "mobilenetv3", "512x288", (288, 512), {}, {}, None),
    ("attention_memory", "mobilenetv3", "512x512", (512, 512), {}, {}, 9.69),
    ("attention_memory", "resnet50", "512x288", (288, 512), {}, {}, None),
]


def frames(*shape: int, seed: int) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


def inputs(name: str, height: int, width: int, batch: int = 1, time_steps: int = 1) -> dict:
    src = frames(batch, time_steps, 3, height, width, seed=0)
    kwargs = {"bgr": frames(batch, time_steps, 3, height, width, seed=1)} if SPECS[name].needs_background else {}
    return {"src": src, **kwargs}


def steady_macs(model, name: str, size, forward: dict) -> float:
    """GMACs per frame once a clip is under way (attention memory full: 2 previous frames)."""
    kwargs = inputs(name, *size)
    src = kwargs.pop("src")
    model.eval()
    if SPECS[name].recurrent:
        state = None
        with torch.no_grad():
            for _ in range(2):
                state = model(src, state=state, **kwargs, **forward).state
        kwargs["state"] = state
    return count_macs(model, src, **kwargs, **forward).gmacs


def inference_fps(model, name: str, runs: int) -> float:
    kwargs = inputs(name, 288, 512)
    src = kwargs.pop("src")
    model.eval()
    state, times = None, []
    with torch.no_grad():
        for _ in range(2 + runs):
            start = time.perf_counter()
            state = model(src, state=state, **kwargs).state
            times.append(time.perf_counter() - start)
    return 1 / min(times[2:])  # the best run: the machine is shared


def train_step_seconds(model, name: str, runs: int) -> float:
    kwargs = inputs(name, 256, 256, batch=2, time_steps=2)
    src = kwargs.pop("src")
    model.train()
    times = []
    for _ in range(1 + runs):
        start = time.perf_counter()
        out = model(src, **kwargs)
        loss = (out.pha - 0.5).abs().mean() + (out.fgr - src).abs().mean()
        loss.backward()
        model.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - start)
    return min(times[1:])


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer timed runs")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--sections", default="params,macs,speed",
                        help="comma-separated subset of params, macs, speed (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    runs = 2 if args.quick else 5
    sections = set(args.sections.split(","))

    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {args.threads} torch threads, "
          f"torch {torch.__version__}\n")
    if "params" in sections:
        parameter_table()
    if "macs" in sections:
        mac_table()
    if "speed" in sections:
        speed_table(runs)


def parameter_table() -> None:
    print("| model | backbone | parameters | paper | ratio | by part |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for name, spec in SPECS.items():
        for backbone in spec.backbones:
            counts = count_parameters(build(name, backbone))
            paper = spec.paper_parameters.get(backbone)
            parts = ", ".join(f"{k} {v:,}" for k, v in counts.items() if k != "total")
            ratio = fmt(counts["total"] / paper, 4) if paper else "-"
            print(f"| {name} | {backbone} | {counts['total']:,} | "
                  f"{'-' if paper is None else f'{paper:,.0f}'} | {ratio} | {parts} |")


def mac_table() -> None:
    print("\n| model | backbone | input | GMACs | paper | ratio |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for name, backbone, label, size, options, forward, paper in COSTS:
        if name == "bgmv2":
            options = {"refine_prevent_oversampling": False, **options}  # always the full k patches
        model = build(name, backbone, **options)
        gmacs = steady_macs(model, name, size, forward)
        ratio = fmt(gmacs / paper, 3) if paper else "-"
        print(f"| {name} | {backbone} | {label} | {gmacs:.2f} | {fmt(paper)} | {ratio} |")


def speed_table(runs: int) -> None:
    print(f"\nLoad average before: {os.getloadavg()[0]:.1f}")
    print("\n| model | backbone | CPU fps 512x288 (batch 1) | train step 2x2x256x256 (s) | "
          "train step, width_mult 0.5 (s) |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name, spec in SPECS.items():
        for backbone in spec.backbones:
            model = build(name, backbone)
            fps = inference_fps(model, name, runs)
            step = train_step_seconds(model, name, max(1, runs // 2))
            half = train_step_seconds(build(name, backbone, width_mult=0.5), name, max(1, runs // 2))
            print(f"| {name} | {backbone} | {fps:.2f} | {step:.2f} | {half:.2f} |", flush=True)
    print(f"\nLoad average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
