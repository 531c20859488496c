"""Scratch memory that the kernels reuse from frame to frame.

One frame's kernels need megabytes of scratch: the run and difference lists of the scan, the
union-find arrays of Conn. Allocated afresh for every frame, each array is mapped, faulted in page by
page and unmapped again; in worker threads that cost 20-50 % of the kernels' time at 512x288. A
:class:`Workspace` keeps one thread's buffers, so frames of one size allocate nothing. It is not
shared between threads (the runner gives each worker thread its own), and serves one frame at a
time: a frame's results that live in it (run lists) are overwritten by the next frame's.
"""

from __future__ import annotations

import math

import numpy as np


class Workspace:
    """Named scratch buffers, grown on demand and reused (their contents are undefined)."""

    def __init__(self) -> None:
        self._buffers: dict[tuple[str, np.dtype], np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """A C-contiguous array of ``shape`` backed by the buffer ``name`` (valid until that name is
        asked for again)."""
        dtype = np.dtype(dtype)
        size = math.prod(shape)
        buf = self._buffers.get((name, dtype))
        if buf is None or buf.size < size:
            buf = self._buffers[(name, dtype)] = np.empty(size, dtype)
        return buf[:size].reshape(shape)
