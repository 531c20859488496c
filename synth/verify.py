"""``mbench synth --verify DIR``: recompute every checksum of a dataset's manifest."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mbench.config_files import sha256_file
from mbench.errors import BadInput
from mbench.paths import check_relative, safe_join
from mbench.parallel import default_workers, ordered_map
from mbench.progress import progress
from mbench.regular import read_regular

from .writer import FORMAT, MANIFEST, RUN_RECORD


def read_manifest(root: str | os.PathLike) -> dict:
    """The manifest of a synthesized dataset.

    Raises
    ------
    BadInput
        No manifest (or an unfinished run), or one that is not an mbench synth manifest.
    """
    root = Path(root)
    path = root / MANIFEST
    if not root.is_dir():
        raise BadInput("dataset folder not found", root)
    if not path.is_file():
        unfinished = (root / RUN_RECORD).exists()
        hint = " (the run that makes it has not finished: rerun it to resume)" if unfinished else ""
        raise BadInput(f"no {MANIFEST}{hint}", root)
    try:
        manifest = json.loads(read_regular(path).decode("utf-8"))
    except ValueError as e:
        raise BadInput(f"manifest cannot be read ({e})", path) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or \
            not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("clips", {}), dict):
        raise BadInput(f"not an mbench synth manifest (format {FORMAT})", path)
    # its keys become paths below root: every one checked before any file is read or written
    for rel in manifest["files"]:
        check_relative(rel, path, "files key")
    for cid in manifest.get("clips", {}):
        check_relative(cid, path, "clips key")
    return manifest


def _check(item: tuple[Path, str, str]) -> tuple[str, str | None]:
    path, rel, expected = item
    try:
        digest = sha256_file(path)  # never opens a FIFO listed as a frame (it would block)
    except BadInput as e:
        return rel, "missing" if e.message == "file not found" else e.message
    except OSError as e:
        return rel, f"unreadable ({e.strerror})"
    return rel, None if digest == expected else "checksum mismatch"


def verify(root: str | os.PathLike, *, workers: int | None = None, quiet: bool = False) -> dict:
    """Check every file listed in the manifest, and that the clip folders hold no others.

    Returns
    -------
    dict
        ``{"files": n, "bad": [(relative path, problem), ...]}``.
    """
    root = Path(root)
    manifest = read_manifest(root)
    files = manifest["files"]
    items = [(safe_join(root, rel, root / MANIFEST, "files key"), rel, digest) for rel, digest in sorted(files.items())]
    bad = []
    results = ordered_map(_check, items, workers or default_workers())
    for rel, problem in progress(results, total=len(items), desc="verify", unit="file", quiet=quiet):
        if problem:
            bad.append((rel, problem))
    listed = set(files)
    # the clips' folders (a clip's own files, as its occlusion log, lie directly in it)
    clip_dirs = sorted(manifest.get("clips") or {rel.rsplit("/", 2)[0] for rel in files})
    for clip in clip_dirs:
        folder = safe_join(root, clip, root / MANIFEST, "files key")
        if folder.is_dir():
            for p in sorted(folder.rglob("*")):
                rel = p.relative_to(root).as_posix()
                if p.is_file() and rel not in listed:
                    bad.append((rel, "not in the manifest"))
    return {"files": len(items), "bad": bad}
