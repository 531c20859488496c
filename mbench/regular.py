"""Opening files that other people made: only regular files, and never a call that blocks.

A FIFO, device or socket named like a frame, a manifest or a ``method.json`` would block a reader
or do worse. Files are checked before opening and again on the descriptor (opened non-blocking),
so one swapped in between cannot block either; callers then read that descriptor, never the path
again.
"""

from __future__ import annotations

import os
import stat

from .errors import BadInput

__all__ = ["open_regular", "read_regular"]


def open_regular(path: str | os.PathLike) -> int:
    """Open a regular file for reading (symlinks followed) and return its descriptor.

    The type is checked before opening, so a FIFO or device is never opened, and again on the
    descriptor (opened non-blocking), so a file swapped in between cannot block either.
    """
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise BadInput("is a folder, not a file", path)
        if not stat.S_ISREG(mode):
            raise BadInput("is not a regular file (a FIFO, device or socket)", path)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise BadInput("file not found", path) from None
    except OSError as e:
        raise BadInput(f"cannot read file ({e.strerror})", path) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BadInput("is not a regular file (a FIFO, device or socket)", path)
    return fd


def read_regular(path: str | os.PathLike, limit: int = -1) -> bytes:
    """The bytes of a regular file (at most ``limit`` of them when given), through :func:`open_regular`.

    Raises
    ------
    BadInput
        Missing, a folder, not a regular file, or unreadable.
    """
    fd = open_regular(path)
    try:
        with os.fdopen(fd, "rb") as f:  # owns fd from here
            return f.read(limit)
    except OSError as e:
        raise BadInput(f"cannot read file ({e.strerror})", path) from None
