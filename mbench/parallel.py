"""Ordered parallel maps with bounded read-ahead.

mbench's heavy work (decoding, numba kernels with ``nogil=True``, encoding) releases the GIL,
so threads give real parallelism without pickling arrays between processes.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """The number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int, ahead: int | None = None,
                executor: ThreadPoolExecutor | None = None) -> Iterator[R]:
    """Yield ``fn(item)`` for each item, in order, running up to ``ahead`` calls ahead.

    With ``workers <= 1`` and no executor the calls run in the caller's thread. An exception
    raised by ``fn`` propagates when its result is reached; pending calls are cancelled.
    """
    if executor is None and workers <= 1:
        for item in items:
            yield fn(item)
        return
    ahead = ahead or 2 * max(1, workers)
    own = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mbench")
    pending: deque[Future] = deque()
    try:
        it = iter(items)
        for item in it:
            pending.append(pool.submit(fn, item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
