"""Shipped-or-own TOML files (synth recipes, baseline presets) and file digests for run records."""

from __future__ import annotations

import hashlib
import os
import tomllib
from importlib import resources
from pathlib import Path

from .errors import BadInput
from .regular import open_regular, read_regular


def read_toml_spec(spec: str, kind: str, package: str, folder: str, choices: list[str] | tuple[str, ...]
                   ) -> tuple[str, dict, str]:
    """Parse a shipped ``NAME`` or a ``FILE.toml`` path into ``(name, raw dict, where)``.

    Parameters
    ----------
    spec : str
        A shipped name (looked up as ``<package>/<folder>/<spec>.toml``) or a path to a TOML file.
    kind : str
        What the file is ("recipe", "preset"), for the error lines.
    package, folder : str
        Where the shipped files live.
    choices : sequence of str
        The shipped names, listed when ``spec`` is none of them.
    """
    if spec.endswith(".toml") or os.sep in spec or "/" in spec:
        path = Path(spec)
        if not path.is_file():
            raise BadInput(f"{kind} file not found", path)
        try:
            text = read_regular(path).decode("utf-8")
        except UnicodeDecodeError as e:
            raise BadInput(f"cannot read {kind} ({e})", path) from None
        name, where = path.stem, str(path)
    else:
        entry = resources.files(package).joinpath(folder).joinpath(f"{spec}.toml")
        if not entry.is_file():
            raise BadInput(f"unknown {kind} (choose from {', '.join(choices)}, or give a .toml file)", spec)
        text, name, where = entry.read_text("utf-8"), spec, f"{spec}.toml"
    try:
        return name, tomllib.loads(text), where
    except tomllib.TOMLDecodeError as e:
        raise BadInput(f"malformed TOML ({e})", where) from None


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a regular file, read in 1 MiB blocks (BadInput: see :func:`open_regular`)."""
    h = hashlib.sha256()
    with os.fdopen(open_regular(path), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
