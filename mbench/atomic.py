"""Writing so that a kill never leaves half a result: temporary names, then ``os.replace``."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Iterator


def temp_sibling(path: str | os.PathLike, tag: str = "tmp") -> Path:
    """A hidden, unique name beside ``path`` (same file system, so renames are atomic)."""
    path = Path(path)
    unique = f"{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
    return path.with_name(f".{path.name}.{tag}-{unique}")


def remove_stale_temps(folder: str | os.PathLike, *, recursive: bool = False, tag: str = "tmp") -> None:
    """Remove what killed runs left of :func:`temp_sibling` names (``.<name>.<tag>-...``) in ``folder``
    (and below it, if ``recursive``)."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    for entry in list(folder.rglob(f".*.{tag}-*") if recursive else folder.glob(f".*.{tag}-*")):
        if entry.exists():
            remove_tree(entry)


def write_bytes(path: str | os.PathLike, data: bytes, durable: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (readers see the old file or the whole new one).

    The rename alone survives a killed process; ``durable`` also forces the data to disk (fsync),
    which only an operating-system crash needs and which costs milliseconds per file.
    """
    path = Path(path)
    tmp = temp_sibling(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def dumps_json(obj: Any) -> str:
    """The one JSON style mbench writes: sorted keys, two-space indent, NaN as ``null``."""
    return json.dumps(_nan_to_none(obj), indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, dumps_json(obj))


def _nan_to_none(obj: Any) -> Any:
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 1) == 0:
        return _nan_to_none(obj.item())  # numpy scalars
    return obj


def remove_tree(path: str | os.PathLike) -> None:
    path = Path(path)
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def replace_tree(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Move the finished folder ``src`` to ``dst``, replacing whatever ``dst`` held."""
    src, dst = Path(src), Path(dst)
    if dst.exists() or dst.is_symlink():
        old = temp_sibling(dst, "old")
        os.replace(dst, old)
        os.replace(src, dst)
        remove_tree(old)
    else:
        os.replace(src, dst)


@contextlib.contextmanager
def atomic_dir(final: str | os.PathLike) -> Iterator[Path]:
    """Build a folder under a temporary name; it appears at ``final`` only if the block succeeds.

    An existing ``final`` is replaced as a whole. On failure the temporary folder is removed and
    ``final`` is left as it was.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(final)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        remove_tree(tmp)
        raise
    replace_tree(tmp, final)
