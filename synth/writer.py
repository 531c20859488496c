"""Writing a dataset to disk (docs/design.md 2.2): clip by clip, atomically, resumable, checksummed.

Each clip is rendered into a hidden temporary folder beside its final place and renamed when
complete, so a killed run leaves finished clips and at most some temporary folders (removed on the
next run). A run first records what it is making (recipe, seed, sources, mbench version) in
``DIR/.synth-run.json``; a rerun with the same record skips the finished clips, one with another
record is refused unless ``force``. ``manifest.json`` (with the sha256 of every file) is written
last, and its presence means the dataset is complete. Clips are independent, so they run in
parallel on a thread pool (rendering and encoding release the GIL) and the bytes written do not
depend on the number of workers.
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

from mbench import __version__
from mbench.atomic import atomic_dir, dumps_json, remove_stale_temps, remove_tree, write_json, write_text
from mbench.config_files import sha256_file
from mbench.errors import BadInput
from mbench.frames import encode_image
from mbench.paths import check_output
from mbench.parallel import default_workers
from mbench.progress import progress
from mbench.regular import read_regular

from .catalog import SourceSet
from .plan import Planner
from .recipes import clip_lengths
from .render import render_sequence
from .subjects import occlusion_summary

MANIFEST = "manifest.json"
SHARD_FILE = "shard.json"  # a finished shard (--shard K/N): the manifest of its clips, merged by shards.py
RUN_RECORD = ".synth-run.json"
FORMAT = "mbench-synth-1"
SUBJECTS_LOG = "subjects.json"  # per clip with several subjects: the shifts and occlusion reached


def layer_suffix(layer: str, output: dict) -> str:
    """File suffix of a layer: alpha is always PNG, colour layers follow the recipe."""
    return ".png" if layer in ("pha", "trimap", "mask") or layer.startswith("pha/") or \
        output["color_format"] == "png" else ".jpg"


def frame_names(n: int) -> list[str]:
    width = max(4, len(str(n - 1)))
    return [f"{i:0{width}d}" for i in range(n)]


def has_subjects(plan: dict) -> bool:
    """Whether a clip's profile can add subjects (its occlusion log, :data:`SUBJECTS_LOG`, exists)."""
    return any(seq.get("subjects") is not None for seq in plan["sequences"])


def clip_files(plan: dict, output: dict) -> list[str]:
    """Paths (relative to the clip folder) of every file of a clip, in writing order."""
    frames = [f"{layer}/{name}{layer_suffix(layer, output)}"
              for name in frame_names(plan["frames"]) for layer in output["layers"]]
    return frames + [SUBJECTS_LOG] if has_subjects(plan) else frames


def _subjects_log(plan: dict, logs: list[list[dict]]) -> bytes:
    """The clip's occlusion log: per sequence, per added subject, the shift and occlusion reached."""
    sequences = []
    for seq, frames in zip(plan["sequences"], logs):
        subs = seq.get("subjects") or []
        sequences.append(occlusion_summary(frames[0]["shifts"], [f["hidden"] for f in frames]) if subs else [])
    return dumps_json({"sequences": sequences}).encode("utf-8")


def add_subjects_log(plan: dict, folder: Path) -> None:
    """Copy a finished clip's occlusion log into its plan's ``subjects`` entries (for the manifest)."""
    if not has_subjects(plan):
        return
    import json

    logged = json.loads((folder / SUBJECTS_LOG).read_text("utf-8"))["sequences"]
    for seq, entries in zip(plan["sequences"], logged):
        for sub, entry in zip(seq.get("subjects") or [], entries):
            sub.update(entry)


def _write_new(path: str, data: bytes) -> None:
    """Write ``data`` to the new file ``path`` (bare system calls: ``open()``'s file objects cost
    extra calls per file, which add up over tens of thousands of small files)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def write_clip(plan: dict, settings: dict, output: dict, sources: SourceSet, final: Path,
               on_frame: Callable[[], None] | None = None) -> dict[str, str]:
    """Render clip ``plan`` into ``final`` atomically; return ``{relative path: sha256}``."""
    names = iter(frame_names(plan["frames"]))
    sums: dict[str, str] = {}
    options = {"jpeg_quality": output["jpeg_quality"], "png_compression": output["png_compression"]}
    suffixes = {layer: layer_suffix(layer, output) for layer in output["layers"]}
    with atomic_dir(final) as tmp:
        for layer in output["layers"]:
            (tmp / layer).mkdir()
        folder = str(tmp)
        logs: list[list[dict]] = []
        for sequence in plan["sequences"]:
            last: dict[str, tuple] = {}  # layer -> (signature, bytes, digest): reuse within a sequence
            logs.append([])
            for layers, signature in render_sequence(sequence, settings, sources, logs[-1]):
                name = next(names)
                for layer, suffix in suffixes.items():
                    if layer in last and last[layer][0] == signature[layer]:
                        data, digest = last[layer][1], last[layer][2]
                    else:
                        data = encode_image(layers[layer], suffix, **options)
                        digest = hashlib.sha256(data).hexdigest()
                        last[layer] = (signature[layer], data, digest)
                    rel = f"{layer}/{name}{suffix}"
                    _write_new(os.path.join(folder, rel), data)
                    sums[rel] = digest
                if on_frame:
                    on_frame()
        if has_subjects(plan):
            data = _subjects_log(plan, logs)
            _write_new(os.path.join(folder, SUBJECTS_LOG), data)
            sums[SUBJECTS_LOG] = hashlib.sha256(data).hexdigest()
    return sums


def _fingerprint(recipe: dict, seed: int, sources: SourceSet) -> dict:
    return {"format": FORMAT, "recipe": recipe, "seed": seed, "sources": sources.describe(),
            "mbench_version": __version__}


def _differences(old: dict, new: dict) -> list[str]:
    return [k for k in ("recipe", "seed", "sources", "mbench_version", "format", "shard")
            if old.get(k) != new.get(k)]


def _read_json(path: Path) -> dict | None:
    import json

    try:
        value = json.loads(read_regular(path).decode("utf-8"))
    except (BadInput, ValueError):
        return None
    return value if isinstance(value, dict) else None  # e.g. a "[]" manifest: not one of ours


def _check_out(out: Path, fingerprint: dict, force: bool, done_name: str = MANIFEST) -> str:
    """What ``out`` holds, without touching it: ``missing``, ``empty``, ``replace`` (another
    dataset, with ``force``), ``resume`` or ``complete``; refuse anything else."""
    if not out.exists():
        return "missing"
    manifest, record = out / done_name, out / RUN_RECORD
    existing = _read_json(manifest) if manifest.exists() else _read_json(record) if record.exists() else None
    if existing is None:  # check_output let it through: an empty folder
        return "empty"
    diff = _differences(existing, fingerprint)
    if diff and not force:
        raise BadInput(f"holds a dataset made with another {', '.join(diff)} (use --force to replace "
                       "it, or choose another --out)", out)
    if force:
        return "replace"
    return "complete" if manifest.exists() else "resume"


def _empty(folder: Path) -> None:
    for entry in list(folder.iterdir()):
        remove_tree(entry)


def _existing_clip_sums(final: Path, plan: dict, output: dict) -> dict[str, str] | None:
    """Checksums of a finished clip folder, or ``None`` if it is not exactly the expected files."""
    expected = clip_files(plan, output)
    present = {p.relative_to(final).as_posix() for p in final.rglob("*") if p.is_file()}
    if present != set(expected):
        return None
    return {rel: sha256_file(final / rel) for rel in expected}


def synthesize(recipe: dict, out: str | os.PathLike, *, seed: int, sources: SourceSet,
               workers: int | None = None, force: bool = False, quiet: bool = False,
               shard: tuple[int, int] | None = None) -> dict:
    """Write the dataset of ``recipe`` to ``out``; return a summary.

    With ``shard=(k, n)`` only the clips whose index in plan order (splits in recipe order, clips by
    number) is k modulo n are written, and ``shard.json`` takes the place of the manifest
    (:func:`mbench.synth.shards.merge_shards` joins the n shards into the dataset).

    Raises
    ------
    BadInput
        ``out`` holds something else (without ``force``), or a source is bad; a run that created
        ``out`` removes it again on bad input.
    """
    roots = [getattr(src, "root", None) for src, _ in sources.fgr + sources.bgr]
    out = check_output(out, roots, kind="dataset")  # before anything is written
    if seed < 0:
        raise BadInput("the seed must be a non-negative integer", str(seed))
    fingerprint = _fingerprint(recipe, seed, sources)
    done_name = MANIFEST
    if shard is not None:
        fingerprint["shard"], done_name = f"{shard[0]}/{shard[1]}", SHARD_FILE
    state = _check_out(out, fingerprint, force, done_name)
    if state == "complete" and shard is not None:
        plans = _read_json(out / done_name)["clips"]
        return {"state": "complete", "out": str(out), "clips": len(plans), "written": 0,
                "frames": sum(p["frames"] for p in plans.values())}
    if state == "complete":
        splits = recipe["splits"].values()
        return {"state": "complete", "out": str(out), "clips": sum(s["clips"] for s in splits), "written": 0,
                "frames": sum(sum(clip_lengths(s)) for s in splits)}
    planners = {split: Planner(recipe, split, seed, sources) for split in recipe["splits"]}
    ids = [(split, c) for split, p in planners.items() for c in range(p.config["clips"])]
    if shard is not None:
        ids = ids[shard[0]::shard[1]]
    # plans first: bad sources fail before any write
    plans = {f"{split}/{c:04d}": planners[split].clip_plan(c) for split, c in ids}
    # How a failed run restores out: remove what it made, empty what was empty or replaced, and
    # keep the finished clips of a resumed run.
    undo = {"missing": "remove", "empty": "empty", "replace": "empty", "resume": None}[state]
    if state == "missing":
        out.mkdir(parents=True)
    elif state == "replace":
        _empty(out)
    try:
        write_json(out / RUN_RECORD, fingerprint)
        for split in recipe["splits"]:
            remove_stale_temps(out / split)
        sums: dict[str, str] = {}
        todo = []
        for cid, plan in plans.items():
            final = out / cid
            found = _existing_clip_sums(final, plan, recipe["output"]) if final.is_dir() else None
            if found is None:
                if final.exists():
                    remove_tree(final)
                todo.append(cid)
            else:
                sums.update({f"{cid}/{rel}": d for rel, d in found.items()})
        _run_jobs(todo, plans, planners, recipe, sources, out, sums, workers or default_workers(), quiet)
        for cid, plan in plans.items():  # written now or by the killed run: the same bytes
            add_subjects_log(plan, out / cid)
        manifest = dict(fingerprint, splits={s: {"clips": p.config["clips"], "frames": sum(p.lengths)}
                                             for s, p in planners.items()},
                        clips=plans, files=dict(sorted(sums.items())))
        write_text(out / done_name, dumps_json(manifest))
        (out / RUN_RECORD).unlink()
    except BadInput:  # nothing half-written: the folder goes back to what it was
        if undo == "remove":
            remove_tree(out)
        elif undo == "empty":
            _empty(out)
        raise
    return {"state": "resumed" if state == "resume" and len(todo) < len(plans) else "written",
            "out": str(out), "clips": len(plans), "written": len(todo),
            "frames": sum(p["frames"] for p in plans.values())}


class _Stopped(Exception):
    """Raised inside a clip job when the run is being abandoned (another job failed, Ctrl-C)."""


def _run_jobs(todo, plans, planners, recipe, sources, out, sums, workers, quiet) -> None:
    # Longest clips first, so the pool does not end waiting on one long clip.
    todo = sorted(todo, key=lambda cid: -plans[cid]["frames"])
    total = sum(plans[cid]["frames"] for cid in todo)
    stop = threading.Event()
    with progress(total=total, desc="synth", unit="frame", quiet=quiet) as bar:
        def on_frame() -> None:
            if stop.is_set():
                raise _Stopped  # the clip's temporary folder is removed on the way out
            bar.update(1)

        def job(cid: str) -> dict[str, str]:
            plan = plans[cid]
            settings = planners[plan["split"]].settings()
            return write_clip(plan, settings, recipe["output"], sources, out / cid, on_frame)

        if workers <= 1 or len(todo) <= 1:
            for cid in todo:
                sums.update({f"{cid}/{rel}": d for rel, d in job(cid).items()})
            return
        # Threads, not processes: encoding, warps, hashing and file writes release the GIL, the
        # sources' caches are shared, and nothing is pickled (measured in perf/synth_speed.py).
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="synth") as pool:
            futures = {pool.submit(job, cid): cid for cid in todo}
            try:
                for future in as_completed(futures):
                    cid = futures[future]
                    sums.update({f"{cid}/{rel}": d for rel, d in future.result().items()})
            except BaseException:
                stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
