"""``mbench leaderboard submit``: check a predictions tree, score it, add it to a store, rebuild.

Checks before anything is scored (each failure is one line naming the file, exit status 2):

- the tree: no symbolic link leading outside it; only regular files and folders; no file over
  ``--max-file-mb`` (default 64 MiB); at most ``--max-total-gb`` (default 20 GiB) and
  ``--max-files`` (default 1,000,000) files in all;
- against the ground truth: the same clips, the same frames (``pha/``, and ``fgr/`` where both
  sides have it), every image readable (header and ending checked) and of the ground truth's size.

The evaluation is written by the real engine (:func:`mbench.benchmark.evaluate`) into a hidden
folder of the store, with a ``method.json`` built from the flags; the board is rebuilt with it
(the options of the existing board are kept, see ``board.json``); only when all of that worked is
the folder renamed to ``STORE/<name>`` (lower case, letters, digits, ``.``, ``_`` and ``-``).
"""

from __future__ import annotations

import datetime
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from mbench import __version__
from mbench.atomic import remove_tree, replace_tree
from mbench.errors import BadInput
from mbench.frames import IMAGE_SUFFIXES, probe_image
from mbench.layout import check_same_frames, discover_clips, pair_clips
from mbench.paths import check_disjoint, inside, written_by
from mbench.progress import progress

from .board import Options, TableResult
from .build import build, check_out, read_options
from .datasets import manifest_label, path_label
from .method import Method, parse_method, write_method
from .store import find_evaluations, load_evaluation


@dataclass(frozen=True)
class Limits:
    """Size limits of a predictions tree."""

    max_file_bytes: int = 64 * 2**20
    max_total_bytes: int = 20 * 2**30
    max_files: int = 1_000_000


def folder_name(name: str) -> str:
    """A safe folder name for method ``name``: ``"My Net (v2)"`` -> ``"my-net-v2"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9._-]+", "-", ascii_name.lower()).strip("-._")[:64].strip("-._")
    if not slug:
        raise BadInput("needs at least one letter or digit to name its folder in the store", f"--name {name!r}")
    return slug


def check_tree(root: Path, limits: Limits, quiet: bool = True) -> None:
    """Refuse links leading outside ``root``, special files, and trees over the size limits."""
    real_root = os.path.realpath(root)
    total = files = 0
    for dirpath, dirnames, filenames in progress(os.walk(root), desc="checking files", unit="dir",
                                                 quiet=quiet):
        dirnames.sort()
        filenames.sort()
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                target = os.path.realpath(path)
                if not inside(target, real_root):
                    raise BadInput(f"symbolic link leads outside the predictions tree (to {target})", path)
                continue
            if stat.S_ISDIR(st.st_mode):
                continue
            if not stat.S_ISREG(st.st_mode):
                raise BadInput("not a regular file (predictions hold only images and folders)", path)
            files += 1
            total += st.st_size
            if st.st_size > limits.max_file_bytes:
                raise BadInput(f"file is {st.st_size:,} bytes, over the limit of "
                               f"{limits.max_file_bytes:,} bytes (--max-file-mb)", path)
            if total > limits.max_total_bytes:
                raise BadInput(f"predictions exceed the limit of {limits.max_total_bytes:,} bytes "
                               f"in all (--max-total-gb)", root)
            if files > limits.max_files:
                raise BadInput(f"predictions hold more than {limits.max_files} files (--max-files)", root)


def check_against_gt(preds: Path, gt: Path, quiet: bool = True) -> int:
    """Same clips, same frames, readable images of the right size; returns the number of frames."""
    pairs = pair_clips(discover_clips(preds, what="predictions"), discover_clips(gt, what="ground truth"),
                       preds, gt)
    checks = []
    for p, g in pairs:
        for layer in ("pha", "fgr"):
            if layer in p.layers and layer in g.layers:
                check_same_frames(p.layers[layer], g.layers[layer])
                pl, gl = p.layers[layer], g.layers[layer]
                if not pl.is_video and not gl.is_video:
                    gfiles = dict(zip(gl.stems, gl.files))
                    checks += [(f, gfiles[s]) for s, f in zip(pl.stems, pl.files)]
    for pred_file, gt_file in progress(checks, desc="checking images", unit="img", quiet=quiet):
        if pred_file.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        pi, gi = probe_image(pred_file), probe_image(gt_file)
        if (pi.height, pi.width) != (gi.height, gi.width):
            raise BadInput(f"image is {pi.width}x{pi.height} but the ground truth frame is "
                           f"{gi.width}x{gi.height}", pred_file)
    return sum(len(p) for p, _ in pairs)


def check_store(store: Path, inputs: list[Path | None]) -> Path:
    """The results store a submission goes into: a folder (or a new one) overlapping no input.

    A store is written in place (one new folder per submission), so it may hold anything else.
    """
    store = check_disjoint(store, inputs, flag="--store")
    if store.exists() and not store.is_dir():
        raise BadInput("results store is not a folder", store)
    return store


def make_method(fields: dict, command: str) -> Method:
    """The submission's method.json, validated like any other."""
    obj = {k: v for k, v in fields.items() if v is not None}
    obj.update(date=datetime.date.today().isoformat(), mbench_version=__version__, commands=[command])
    return parse_method(obj, "method.json")


def submit(preds: Path, gt: Path, store: Path, method_fields: dict, *, convention: str = "rvm",
           trimap: Path | None = None, out: Path | None = None, replace: bool = False,
           limits: Limits = Limits(), workers: int | None = None, command: str,
           quiet: bool = True) -> tuple[Path, list[TableResult]]:
    """Check, score and add a submission; rebuild the board. Returns the new evaluation folder.

    Raises
    ------
    BadInput
        The predictions fail a check, the name is taken (without ``replace``), or the new board
        cannot be built (for instance the store's table of this ground truth has other clips).
        Nothing is left behind in the store or the board.
    """
    preds, gt, store = Path(preds), Path(gt), Path(store)
    out = store / "leaderboard" if out is None else Path(out)
    for path, what in ((preds, "predictions"), (gt, "ground truth")):
        if not path.is_dir():
            raise BadInput(f"{what} root {'is not a folder' if path.exists() else 'does not exist'}", path)
    inputs = [preds, gt, trimap]
    store = check_store(store, inputs)
    if not method_fields.get("dataset"):  # the label is fixed now: moving the data later keeps the table
        resolved = str(gt.resolve())
        method_fields = {**method_fields, "dataset": manifest_label(resolved) or path_label(resolved)}
    method = make_method(method_fields, command)
    final = store / folder_name(method.name)
    if final.exists() or final.is_symlink():
        if not replace:
            raise BadInput("is already in the store (pass --replace to score it again)", final)
        if not written_by(final, "evaluation"):  # --replace removes it: only an evaluation may go
            raise BadInput("is in the store but is not an mbench evaluation (no summary.json); "
                           "--replace will not remove it, choose another --name", final)
    out = check_out(out, [store], inputs)
    options = read_options(out) or Options()

    check_tree(preds, limits, quiet)
    check_against_gt(preds, gt, quiet)

    existing = [load_evaluation(f, store) for f in find_evaluations(store)] if store.is_dir() else []
    existing = [ev for ev in existing if not inside(ev.path, final)]  # being replaced

    created_store = not store.exists()
    store.mkdir(parents=True, exist_ok=True)
    # A fixed hidden name: a killed submission resumes from the clips the engine had scored.
    tmp = final.parent / f".{final.name}.submitting"
    try:
        from mbench.benchmark import evaluate

        evaluate(str(preds), str(gt), convention=convention,
                 trimap=None if trimap is None else str(trimap), out=str(tmp),
                 workers=workers, quiet=quiet)
        write_method(method, tmp / "method.json")
        new = load_evaluation(tmp, store, rel=final.name)
        new.path, new.method_path = final, final / "method.json"
        results = build(existing + [new], out, options, command=command, stores=[store], quiet=quiet,
                        before_commit=lambda: replace_tree(tmp, final))
    except KeyboardInterrupt:
        raise  # keep what the engine scored: the same command resumes
    except BaseException:
        remove_tree(tmp)
        if created_store and store.is_dir() and not any(store.iterdir()):
            store.rmdir()
        raise
    return final, results
