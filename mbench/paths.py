"""Where mbench may write, and which names from data may become paths (docs/design.md 3).

Two rules hold for every command, checked before anything is written or deleted:

- **Outputs never overlap inputs.** :func:`check_output` refuses an output (``--out``, a
  ``--merge`` target, ``--store``, ``--sheet``, a runs folder) that is, holds or lies inside one of
  the command's inputs, that is the current folder or a folder above it, whose parent is not a
  writable folder, or that already exists and was not written by the same kind of mbench output.
- **Names from data are names.** Split and clip names read from recipes, manifests and presets
  become path components only through :func:`check_name`; relative paths from data are joined
  only through :func:`safe_join`, each of whose parts is such a name. (Layer names are checked
  against a fixed list; a method name is never a path: a submission's folder is a slug of it.)

How mbench recognises its own outputs (the one rule, :func:`written_by`): an output folder holds
a *record*, a JSON object with an ``mbench_version`` key, under the file name of its kind
(``summary.json`` for an evaluation, ``manifest.json``, ``.synth-run.json`` or ``shard.json``
for a dataset, ``board.json`` for a board), or the generic record ``.mbench-output.json`` that
:func:`mark_output` writes (its ``kind`` key says which output it is). A contact sheet, a single
PNG, carries the record as a text chunk (:data:`SHEET_TEXT`).

A new command makes one call before it writes, ``out = check_output(args.out, [its inputs],
kind=...)``, and writes to the returned path; an output with no record file of its own adds its
kind to :data:`RECORDS` with an empty tuple and calls :func:`mark_output` once it has made the
folder (or inside its temporary folder, for outputs that appear atomically).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable

from . import __version__
from .errors import BadInput, printable
from .regular import read_regular

OUTPUT_RECORD = ".mbench-output.json"
SHEET_TEXT = b"mbench contact sheet"  # PNG tEXt value of the contact sheets mbench writes

# kind -> the record files that mark a folder as that kind of mbench output (besides OUTPUT_RECORD)
RECORDS: dict[str, tuple[str, ...]] = {
    "evaluation": ("summary.json",),
    "dataset": ("manifest.json", ".synth-run.json", "shard.json"),
    "board": ("board.json",),
    "runs": (),
    "trimaps": (),
}
FILE_KINDS = ("sheet",)  # outputs that are one file, not a folder
KIND_NAMES = {"evaluation": "evaluation", "dataset": "synth dataset", "board": "board",
              "runs": "runs folder", "sheet": "contact sheet", "trimaps": "trimap folder"}

_PROBE = ".mbench-probe-"  # prefix of the folders _can_write makes and removes at once
_MAX_NAME_BYTES = 255  # the longest file name common file systems allow


# ---------------------------------------------------------------------------------- names

def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a single path component, or ``None`` if it can."""
    if not isinstance(name, str):
        return f"must be a string, not {type(name).__name__}"
    if not name:
        return "is empty"
    if name in (".", ".."):
        return f"is {name!r}, which names a folder, not an entry"
    if "/" in name or "\\" in name:
        return "holds a path separator"
    if any(not c.isprintable() and c != " " for c in name):
        return "holds a control character"
    if len(name.encode("utf-8", "surrogateescape")) > _MAX_NAME_BYTES:
        return f"is longer than {_MAX_NAME_BYTES} bytes"
    return None


def check_name(name: object, where: str | os.PathLike, key: str) -> str:
    """Return ``name`` if it is one safe path component, else raise naming the file and key.

    Parameters
    ----------
    name : object
        A split, clip, layer or method name read from data.
    where : path
        The file it was read from (leads the error line).
    key : str
        Where in the file, e.g. ``"splits.<name>"`` or ``"data.valid.splits"``.

    Raises
    ------
    BadInput
        Not a string, empty, ``.`` or ``..``, holding ``/`` or ``\\`` or a control character, or
        over 255 bytes.
    """
    problem = name_problem(name)
    if problem:
        shown = printable(repr(name))[:80]
        raise BadInput(f"'{printable(key)}' must be a single file or folder name: it {problem} "
                       f"(got {shown})", where)
    return name


def check_relative(rel: object, where: str | os.PathLike, key: str) -> str:
    """Return ``rel`` if it is a ``/``-separated relative path of names that pass
    :func:`check_name`, else raise :class:`BadInput` naming ``where`` and ``key``."""
    if not isinstance(rel, str) or not rel or rel.startswith("/"):
        problem = "is empty" if rel == "" else "is absolute" if isinstance(rel, str) else "is not a string"
        raise BadInput(f"'{printable(key)}' {problem}: it must be a relative path", where)
    if any(name_problem(part) for part in rel.split("/")):
        raise BadInput(f"'{printable(key)}' must be a relative path of plain names (no '..', '.', "
                       f"empty part, backslash or control character): got {printable(repr(rel))[:120]}",
                       where)
    return rel


def safe_join(root: str | os.PathLike, rel: str, where: str | os.PathLike | None = None,
              key: str = "path") -> Path:
    """Join ``rel`` (a ``/``-separated relative path from a manifest, listing or recipe) to ``root``.

    ``"."`` is ``root`` itself; otherwise every part of ``rel`` must pass :func:`check_name`, and
    the joined path must not leave ``root`` through a symbolic link.

    Raises
    ------
    BadInput
        Naming ``where`` (default: ``rel`` itself) and ``key``.
    """
    root = Path(root)
    if rel == ".":
        return root
    joined = root / check_relative(rel, rel if where is None else where, key)
    real_root = os.path.realpath(root)
    if not _within(os.path.realpath(joined), real_root):
        raise BadInput(f"'{printable(key)}' leaves {root} through a symbolic link", joined)
    return joined


# ---------------------------------------------------------------------------------- outputs

def _within(path: str, folder: str) -> bool:
    """Whether the resolved ``path`` is ``folder`` or lies inside it."""
    return os.path.commonpath([path, folder]) == folder


def inside(path: str | os.PathLike, folder: str | os.PathLike) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it, after resolving symbolic links."""
    return _within(os.path.realpath(path), os.path.realpath(folder))


def _is_file(path: Path) -> bool:
    """A regular file (checked before opening: opening a FIFO would block)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _record_ok(path: Path, kind: str | None) -> bool:
    if not _is_file(path):
        return False
    try:  # whole: a finished dataset's manifest lists every file
        obj = json.loads(read_regular(path))
    except (BadInput, ValueError):
        return False
    return isinstance(obj, dict) and "mbench_version" in obj and (kind is None or obj.get("kind") == kind)


def written_by(path: str | os.PathLike, kind: str) -> bool:
    """Whether ``path`` is an output mbench wrote as ``kind`` (see the module docstring)."""
    path = Path(path)
    if kind in FILE_KINDS:
        if not _is_file(path):
            return False
        try:
            head = read_regular(path, 4096)
        except BadInput:
            return False
        return head.startswith(b"\x89PNG\r\n\x1a\n") and b"tEXtSoftware\x00" + SHEET_TEXT in head
    if kind not in RECORDS:
        raise ValueError(f"unknown output kind {kind!r}")
    if _record_ok(path / OUTPUT_RECORD, kind):
        return True
    return any(_record_ok(path / name, None) for name in RECORDS[kind])


def mark_output(folder: str | os.PathLike, kind: str) -> None:
    """Write the generic record that makes ``folder`` recognisable as mbench's ``kind`` output
    (for outputs that have no record file of their own)."""
    from .atomic import write_json  # atomic imports nothing of ours; kept lazy all the same

    write_json(Path(folder) / OUTPUT_RECORD, {"kind": kind, "mbench_version": __version__})


def _can_write(folder: Path) -> bool:
    """Whether a folder can be made in ``folder`` (tried and removed: permissions alone do not
    tell, e.g. for root, read-only mounts or ``/proc``)."""
    try:
        probe = tempfile.mkdtemp(prefix=_PROBE, dir=folder)
    except OSError:
        return False
    os.rmdir(probe)
    return True


def _existing_ancestor(path: Path) -> Path:
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def check_disjoint(out: str | os.PathLike, inputs: Iterable[str | os.PathLike | None] = (), *,
                   flag: str = "--out") -> Path:
    """The checks of :func:`check_output` that do not depend on what ``out`` holds.

    For outputs written in place that may hold other things (a results store): ``out`` is not
    the current folder or above it, overlaps no input, and its parent is a writable folder.
    Returns ``out`` as an absolute path.
    """
    given = os.fspath(out)
    if not given or "\0" in given:
        raise BadInput(f"{flag} needs a folder name" if not given else f"{flag} holds a NUL byte",
                       given or flag)
    path = Path(os.path.abspath(given))
    real = os.path.realpath(path)
    if _within(os.path.realpath(os.getcwd()), real):
        raise BadInput(f"{flag} is the current folder or a folder above it; give a new folder "
                       f"(e.g. {flag} results)", given)
    for item in inputs:
        if item is None:
            continue
        real_in = os.path.realpath(item)
        if _within(real, real_in) or _within(real_in, real):
            what = "is" if real == real_in else "lies inside" if _within(real, real_in) else "holds"
            raise BadInput(f"{flag} {what} the input {printable(os.fspath(item))}; outputs never overlap "
                           f"inputs, choose another folder", given)
    parent = _existing_ancestor(path.parent)
    if not parent.is_dir():
        raise BadInput(f"{flag} cannot be made: {printable(str(parent))} is not a folder", given)
    if not _can_write(parent):
        raise BadInput(f"{flag} cannot be made: cannot write in {printable(str(parent))}", given)
    return path


def check_output(out: str | os.PathLike, inputs: Iterable[str | os.PathLike | None] = (), *,
                 kind: str, flag: str = "--out") -> Path:
    """Refuse an output path that could destroy or mix with anything but mbench's own output.

    Call it before writing (or deleting) anything; write to the path it returns.

    Parameters
    ----------
    out : path
        The output folder (or file, for the kinds in :data:`FILE_KINDS`).
    inputs : paths
        What the command reads; ``out`` must not be, hold or lie inside any of them (compared
        after resolving symbolic links). ``None`` entries are skipped.
    kind : str
        Which output this is (a key of :data:`RECORDS` or :data:`FILE_KINDS`): an existing
        ``out`` is accepted only if it is empty or :func:`written_by` says it is this kind.
    flag : str
        How the user gave ``out`` (``--out``, ``--merge``, ``--store``, ``--sheet``), for the message.

    Returns
    -------
    pathlib.Path
        ``out`` as an absolute path (so that ``--out x/`` and ``--out ./x`` name the same folder).

    Raises
    ------
    BadInput
        One line naming ``out`` and the problem.
    """
    if kind not in RECORDS and kind not in FILE_KINDS:
        raise ValueError(f"unknown output kind {kind!r}")
    path = check_disjoint(out, inputs, flag=flag)
    given = os.fspath(out)
    if not os.path.lexists(path):
        return path
    if not path.exists():
        raise BadInput(f"{flag} is a symbolic link to nothing", given)
    if kind in FILE_KINDS:
        if not path.is_file():
            raise BadInput(f"{flag} exists and is not a file", given)
        if not written_by(path, kind):
            raise BadInput(f"{flag} exists and is not a {KIND_NAMES.get(kind, kind)} mbench wrote; "
                           f"give a new file name", given)
        return path
    if not path.is_dir():
        what = "a file" if path.is_file() else "a special file (FIFO, device or socket)"
        raise BadInput(f"{flag} exists and is {what}, not a folder", given)
    with os.scandir(path) as entries:  # another process's write probe is not content
        empty = all(e.name.startswith(_PROBE) for e in entries)
    if not empty and not written_by(path, kind):
        names = ", ".join(RECORDS[kind] + (OUTPUT_RECORD,))
        raise BadInput(f"{flag} is not empty and is not an mbench {KIND_NAMES.get(kind, kind)} (it holds "
                       f"none of {names}); choose a new or empty folder", given)
    if not _can_write(path):
        raise BadInput(f"{flag} is not writable", given)
    return path
