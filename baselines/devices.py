"""Devices: checking the one asked for, and naming the hardware a result was measured on."""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Iterator

import torch

from mbench.errors import BadInput

DEVICES = ("cpu", "cuda")


def resolve_device(name: str, local_rank: int = 0) -> str:
    """``cpu`` or ``cuda`` -> a torch device string (``cuda:<local_rank>``).

    Raises
    ------
    BadInput
        Unknown device, or ``cuda`` on a machine where torch sees no CUDA device.
    """
    if name not in DEVICES:
        raise BadInput(f"unknown device (choose from {', '.join(DEVICES)})", f"--device {name}")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise BadInput("CUDA is not available here (torch sees no GPU, or is a CPU build); "
                           "use --device cpu", "--device cuda")
        return f"cuda:{local_rank % torch.cuda.device_count()}"
    return "cpu"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@contextlib.contextmanager
def cpu_threads(device: str, threads: int) -> Iterator[None]:
    """Run the block with ``threads`` torch threads when ``device`` is the CPU (0: leave torch's)."""
    if not threads or not device.startswith("cpu"):
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def hardware(device: str) -> str:
    """A one-line description: ``"NVIDIA H100 (CUDA)"`` or ``"<CPU model>, 2 cores, 4 torch threads"``."""
    if device.startswith("cuda"):
        return f"{torch.cuda.get_device_name(torch.device(device))} (CUDA)"
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return f"{_cpu_name()}, {cores} cores, {torch.get_num_threads()} torch threads"
