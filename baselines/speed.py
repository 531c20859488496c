"""Inference speed and peak memory as a method card reports them, measured the same way for every
method.

Protocol (:func:`measure`): batch 1, frame by frame, the recurrent state carried, eval mode, no
gradient, random frames of the measured size (and a random background for bgmv2); ``warmup``
calls first, not timed (allocator and kernel selection); then ``repeats`` timed runs of ``frames``
calls each, and the card gives the MEDIAN of the runs' frames per second. Peak memory is the most
bytes held by the model's tensors (weights, buffers and activations) during one call: on CUDA
``torch.cuda.max_memory_allocated``; on the CPU PyTorch's tensor-level tracker
(``torch.distributed._tools.mem_tracker.MemTracker``), since the CPU allocator keeps no peak. The
hardware, the device and the number of torch threads go with the figures.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

SIZES = ((512, 288), (1920, 1080))  # besides the table's own resolution


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(torch.device(device))


def _inputs(height: int, width: int, count: int, device: str, needs_background: bool):
    gen = torch.Generator().manual_seed(0)
    src = torch.rand(count, 1, 3, height, width, generator=gen).to(device)
    bgr = torch.rand(1, 3, height, width, generator=gen).to(device) if needs_background else None
    return src, bgr


def _call(model: nn.Module, frame: torch.Tensor, bgr, state, forward: dict, recurrent: bool):
    kwargs = dict(forward)
    if bgr is not None:
        kwargs["bgr"] = bgr
    if recurrent:
        kwargs["state"] = state
    return model(frame, **kwargs).state


def frames_per_second(model: nn.Module, height: int, width: int, *, device: str, forward: dict[str, Any],
                      needs_background: bool, recurrent: bool, frames: int = 10, warmup: int = 2,
                      repeats: int = 1) -> float:
    """Median frames per second over ``repeats`` timed runs of ``frames`` single-frame calls,
    after ``warmup`` untimed calls (the state carried throughout)."""
    model = model.to(device).eval()
    src, bgr = _inputs(height, width, warmup + frames, device, needs_background)
    rates, state = [], None
    with torch.no_grad():
        for i in range(warmup):
            state = _call(model, src[i], bgr, state, forward, recurrent)
        for _ in range(repeats):
            _sync(device)
            start = time.perf_counter()
            for i in range(warmup, warmup + frames):
                state = _call(model, src[i], bgr, state, forward, recurrent)
            _sync(device)
            rates.append(frames / max(time.perf_counter() - start, 1e-9))
    return float(statistics.median(rates))


def peak_memory_bytes(model: nn.Module, height: int, width: int, *, device: str, forward: dict[str, Any],
                      needs_background: bool, recurrent: bool) -> int:
    """The most bytes the model's tensors hold during one call (in steady state: the second
    frame, with the state of the first)."""
    model = model.to(device).eval()
    src, bgr = _inputs(height, width, 2, device, needs_background)
    with torch.no_grad():
        state = _call(model, src[0], bgr, None, forward, recurrent)
        if device.startswith("cuda"):
            _sync(device)
            torch.cuda.reset_peak_memory_stats(torch.device(device))
            _call(model, src[1], bgr, state, forward, recurrent)
            _sync(device)
            return int(torch.cuda.max_memory_allocated(torch.device(device)))
        from torch.distributed._tools.mem_tracker import MemTracker

        tracker = MemTracker()
        tracker.track_external(model)
        with tracker:
            _call(model, src[1], bgr, state, forward, recurrent)
        return int(tracker.get_tracker_snapshot("peak")[torch.device("cpu")]["Total"])


def measure(model: nn.Module, sizes: Sequence[tuple[int, int]], *, device: str, forward: dict[str, Any],
            needs_background: bool, recurrent: bool, frames: int = 5, warmup: int = 2,
            repeats: int = 3) -> list[dict[str, Any]]:
    """Speed and peak memory at each (width, height) of ``sizes``, for a method card."""
    out = []
    for width, height in sizes:
        common = dict(device=device, forward=forward, needs_background=needs_background, recurrent=recurrent)
        fps = frames_per_second(model, height, width, frames=frames, warmup=warmup, repeats=repeats, **common)
        peak = peak_memory_bytes(model, height, width, **common)
        out.append({"size": [int(width), int(height)], "fps": round(fps, 3),
                    "peak_memory_mb": round(peak / 2**20, 2), "frames": frames, "warmup": warmup,
                    "repeats": repeats, "statistic": "median", "device": device,
                    "threads": torch.get_num_threads() if device == "cpu" else None,
                    "memory": "cuda max_memory_allocated" if device.startswith("cuda")
                    else "tensor tracker (weights + buffers + activations)"})
    return out
