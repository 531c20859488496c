"""Inference speed as a leaderboard row reports it: frames per second, batch 1, frame by frame."""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import nn


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(torch.device(device))


def frames_per_second(model: nn.Module, height: int, width: int, *, device: str, forward: dict[str, Any],
                      needs_background: bool, recurrent: bool, frames: int = 10, warmup: int = 2) -> float:
    """Time ``frames`` single-frame calls (after ``warmup``), the recurrent state carried, no grad.

    Inputs are random frames of the evaluation size; eval mode; the time includes nothing but
    the forward passes (no decoding or encoding).
    """
    model = model.to(device).eval()
    gen = torch.Generator().manual_seed(0)
    src = torch.rand(warmup + frames, 1, 3, height, width, generator=gen).to(device)
    bgr = torch.rand(1, 3, height, width, generator=gen).to(device) if needs_background else None
    state, start = None, 0.0
    with torch.no_grad():
        for i in range(warmup + frames):
            if i == warmup:
                _sync(device)
                start = time.perf_counter()
            kwargs = dict(forward)
            if bgr is not None:
                kwargs["bgr"] = bgr
            if recurrent:
                kwargs["state"] = state
            state = model(src[i], **kwargs).state
    _sync(device)
    return frames / max(time.perf_counter() - start, 1e-9)
