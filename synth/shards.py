"""Joining the shards of a sharded synthesis (``mbench synth --shard K/N``) into one dataset.

A finished shard is a folder in the dataset layout holding the clips of one residue class of the plan
order and a ``shard.json``: the manifest of those clips plus ``"shard": "K/N"``. Every clip is drawn from
its own seeded generators, so the N shards hold exactly the files of a single run; merging links (or,
across file systems, copies) them into a temporary folder beside the output, writes the manifest a
single run writes, and renames the folder into place (docs/design.md 2.2).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from mbench.atomic import atomic_dir, dumps_json
from mbench.errors import BadInput
from mbench.paths import check_output
from mbench.regular import read_regular

from .writer import MANIFEST, SHARD_FILE

# what every shard of one run shares (the manifest's keys besides the clips and their files)
_SAME = ("format", "recipe", "seed", "sources", "mbench_version", "splits")


def read_shard(folder: str | os.PathLike) -> dict:
    """The ``shard.json`` of a finished shard folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput("shard folder not found", folder)
    path = folder / SHARD_FILE
    if not os.path.lexists(path):
        raise BadInput("not a finished synth shard (no shard.json; rerun its --shard K/N to finish it)", folder)
    try:
        info = json.loads(read_regular(path).decode("utf-8"))
    except ValueError:
        raise BadInput("shard.json is not valid JSON", path) from None
    if not isinstance(info, dict) or not all(k in info for k in (*_SAME, "shard", "clips", "files")):
        raise BadInput("shard.json is not a synth shard record", path)
    return info


def _parse(text: str, where: Path) -> tuple[int, int]:
    try:
        k, n = (int(v) for v in str(text).split("/"))
    except ValueError:
        raise BadInput(f"bad shard {text!r}", where) from None
    return k, n


def merged_manifest(shards: list[tuple[Path, dict]]) -> tuple[dict, dict[str, Path]]:
    """Check that ``shards`` are the N parts of one run; return the manifest and each file's shard."""
    if not shards:
        raise BadInput("give the shard folders to merge", "--merge")
    first_dir, first = shards[0]
    n = _parse(first["shard"], first_dir)[1]
    seen: dict[int, Path] = {}
    clips: dict[str, dict] = {}
    owner: dict[str, Path] = {}
    for folder, info in shards:
        diff = [k for k in _SAME if info.get(k) != first.get(k)]
        if diff:
            raise BadInput(f"made with another {', '.join(diff)} than {first_dir}", folder)
        k, nn = _parse(info["shard"], folder)
        if nn != n:
            raise BadInput(f"shard {info['shard']} is not one of {n}", folder)
        if k in seen:
            raise BadInput(f"shard {k}/{n} given twice (also {seen[k]})", folder)
        seen[k] = folder
        clips.update(info["clips"])
        owner.update({rel: folder for rel in info["files"]})
    missing = sorted(set(range(n)) - set(seen))
    if missing:
        raise BadInput(f"shards missing: {', '.join(f'{k}/{n}' for k in missing)}", "--merge")
    expected = sum(s["clips"] for s in first["splits"].values())
    if len(clips) != expected:
        raise BadInput(f"the shards hold {len(clips)} clips, the recipe makes {expected}", "--merge")
    files = {rel: digest for _, info in shards for rel, digest in info["files"].items()}
    manifest = {k: v for k, v in first.items() if k != "shard"}
    manifest.update(clips=clips, files=dict(sorted(files.items())))
    return manifest, owner


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or no hard links there
        shutil.copyfile(src, dst)


def merge_shards(out: str | os.PathLike, shard_dirs: list, *, quiet: bool = True) -> dict:
    """Join finished shards into the dataset a single run writes at ``out``; return a summary."""
    shards = [(Path(d), read_shard(d)) for d in shard_dirs]
    manifest, owner = merged_manifest(shards)
    out = check_output(out, [d for d, _ in shards], kind="dataset", flag="--merge")
    summary = {"out": str(out), "clips": len(manifest["clips"]), "written": 0,
               "frames": sum(p["frames"] for p in manifest["clips"].values())}
    if (out / MANIFEST).is_file():
        if read_regular(out / MANIFEST).decode("utf-8") == dumps_json(manifest):
            return dict(summary, state="complete")
        raise BadInput("holds another dataset (choose a new or empty folder)", out)
    if out.exists() and any(out.iterdir()):
        raise BadInput("is not empty (merge into a new or empty folder)", out)
    from mbench.progress import progress

    with atomic_dir(out) as tmp, progress(total=len(owner), desc="merge", unit="file", quiet=quiet) as bar:
        made: set[Path] = set()
        for rel in manifest["files"]:
            src, dst = owner[rel] / rel, tmp / rel
            if dst.parent not in made:
                dst.parent.mkdir(parents=True, exist_ok=True)
                made.add(dst.parent)
            if not src.is_file():
                raise BadInput("file listed in shard.json is missing", src)
            _link_or_copy(src, dst)
            bar.update(1)
        (tmp / MANIFEST).write_text(dumps_json(manifest), "utf-8")
    return dict(summary, state="written", written=summary["clips"])
