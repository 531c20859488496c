"""Scoring a validated plan: frames decoded ahead in threads, scored in parallel, in order.

Decoding (OpenCV) and the numba kernels (``nogil``) release the GIL, so one thread pool keeps
every core busy: a bounded window of tasks runs ahead, each decoding and scoring a run of
consecutive frames of one clip, every frame with the one before it (for dtSSD). Results come back in
frame order; each finished clip is handed to ``on_clip`` (the checkpoint that makes a killed run
resumable).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from mbench.benchmark.dataset import ClipJob, EvalPlan
from mbench.benchmark.kernels.workspace import Workspace
from mbench.benchmark.scoring import Frame, FrameScorer
from mbench.errors import BadInput
from mbench.frames import read_alpha_noting_loss
from mbench.heap import keep_freed_memory
from mbench.parallel import default_workers, ordered_map
from mbench.progress import progress

TASK_PIXELS = 1_000_000  # frames per task: about this many pixels (see frames_per_task)

_TRIMAP_VALUES = np.zeros(256, np.bool_)
_TRIMAP_VALUES[[0, 128, 255]] = True


def _where(layer, index: int) -> str:
    return str(layer.frame_path(index))


class ReadingNotes:
    """What the reading dropped (16-bit precision, an alpha channel), and the first file it did so
    in: the first in (clip, frame) order, whichever thread read it first."""

    def __init__(self):
        self._lock = threading.Lock()
        self._first: dict[str, tuple[tuple[int, int], str]] = {}

    def add(self, loss: str, key: tuple[int, int], path: str) -> None:
        with self._lock:
            if loss not in self._first or key < self._first[loss][0]:
                self._first[loss] = (key, path)

    def messages(self) -> list[str]:
        """One line per kind of loss, naming its first file."""
        hint = {"16-bit precision dropped": "read as 8-bit (high byte), as the original does; "
                                            "--full-precision reads all 16 bits",
                "RGBA alpha ignored": "gray from the colour channels, as the original reads it; "
                                      "--full-precision reads the alpha channel"}
        return [f"{path}: {loss} ({hint[loss]})"
                for loss, (_, path) in sorted(self._first.items(), key=lambda kv: kv[1][0])]


def _read_pha(layer, index: int, reading: str, notes: ReadingNotes | None, key: tuple[int, int]):
    if layer.is_video or reading == "full":
        return layer.read_alpha(index)
    img, loss = read_alpha_noting_loss(layer.files[index], reading)
    if loss is not None and notes is not None:
        notes.add(loss, key, str(layer.files[index]))
    return img


def _read_fgr(layer, index: int, reading: str, notes: ReadingNotes | None, key: tuple[int, int]):
    """A foreground frame; under ``gray8`` 8-bit as cv2.IMREAD_COLOR reads it (a 16-bit file keeps
    its high byte, like the alpha)."""
    img = layer.read_color(index)
    if reading == "gray8" and img.dtype == np.uint16:
        if notes is not None:
            notes.add("16-bit precision dropped", key, str(layer.frame_path(index)))
        img = (img >> 8).astype(np.uint8)
    return img


def decode(job: ClipJob, index: int, reading: str = "full", notes: ReadingNotes | None = None,
           order: int = 0) -> Frame:
    """Read frame ``index`` of ``job`` (both alphas, and foregrounds / trimap when scored).

    ``reading`` is how alpha files are read (``mbench.frames.READINGS``); what it drops is recorded
    in ``notes`` under the key ``(order, index)``.
    """
    pl, gl = job.pred.layers["pha"], job.gt.layers["pha"]
    pred = _read_pha(pl, index, reading, notes, (order, 4 * index))
    gt = _read_pha(gl, index, reading, notes, (order, 4 * index + 1))
    if pred.shape != gt.shape:
        raise BadInput(f"alpha is {pred.shape[1]}x{pred.shape[0]} but the ground truth is "
                       f"{gt.shape[1]}x{gt.shape[0]}", _where(pl, index))
    frame = Frame(pred, gt)
    if job.trimap is not None:
        tri = job.trimap.read_alpha(index)
        if tri.dtype != np.uint8 or tri.shape != gt.shape:
            raise BadInput("trimap must be 8-bit and of the alpha's size", _where(job.trimap, index))
        if not _TRIMAP_VALUES[tri].all():
            bad = int(tri[~_TRIMAP_VALUES[tri]][0])
            raise BadInput(f"trimap holds value {bad}; only 0, 128 and 255 are allowed",
                           _where(job.trimap, index))
        frame.trimap = tri
    if job.fgr:
        frame.pred_fgr = _read_fgr(job.pred.layers["fgr"], index, reading, notes, (order, 4 * index + 2))
        frame.gt_fgr = _read_fgr(job.gt.layers["fgr"], index, reading, notes, (order, 4 * index + 3))
        for side, arr in (("pred", frame.pred_fgr), ("gt", frame.gt_fgr)):
            if arr.shape[:2] != gt.shape:
                layer = (job.pred if side == "pred" else job.gt).layers["fgr"]
                raise BadInput("foreground and alpha differ in size", _where(layer, index))
    return frame


class _Handoff:
    """A decoded frame passed from its task to the next frame's task (for temporal metrics)."""

    __slots__ = ("ready", "frame")

    def __init__(self):
        self.ready = threading.Event()
        self.frame: Frame | None = None


def frames_per_task(job: ClipJob, total_frames: int, workers: int) -> int:
    """How many consecutive frames of ``job`` one task scores.

    Each task costs the main thread a wake-up and the workers a few GIL hand-offs (about 0.1 ms
    each on a virtual machine): small frames are grouped to about a megapixel a task. Groups stay
    small enough that the last ones still spread over every worker.
    """
    h, w = job.frame_size()
    by_size = -(-TASK_PIXELS // max(1, h * w))
    return max(1, min(by_size, total_frames // (4 * workers)))


def run_plan(plan: EvalPlan, *, workers: int | None = None, device: str = "cpu", quiet: bool = True,
             skip: set[str] = frozenset(),
             on_clip: Callable[[ClipJob, list[dict]], None] | None = None,
             notes: ReadingNotes | None = None) -> dict[str, list[dict]]:
    """Score every clip of ``plan`` not in ``skip``; return {clip id: rows in frame order}.

    Each task decodes and scores a run of consecutive frames of one clip (see
    :func:`frames_per_task`), each against the frame before it (dtSSD). The run's last frame is
    decoded first and handed to the next run's task, whose first frame is scored last of all,
    against it. Tasks start in order and hand over before they wait, so no task waits on one that
    has not started.
    """
    workers = workers or default_workers()
    keep_freed_memory()  # each frame reuses the last one's pages (see mbench.heap)
    scorer = FrameScorer(plan.convention, plan.metrics, device)
    order = {j.id: n for n, j in enumerate(plan.jobs)}
    jobs = [j for j in plan.jobs if j.id not in skip and j.stems]
    total = sum(len(j.stems) for j in jobs)
    spans = []
    for j in jobs:
        k = frames_per_task(j, total, workers)
        spans += [(j, a, min(a + k, len(j.stems))) for a in range(0, len(j.stems), k)]
    handoffs = [_Handoff() for _ in spans]

    def read(job: ClipJob, t: int) -> Frame:
        return decode(job, t, plan.reading, notes, order[job.id])

    scratch = threading.local()  # one kernel workspace per worker thread

    def score(job: ClipJob, t: int, frame: Frame, prev: Frame | None) -> dict:
        if not hasattr(scratch, "workspace"):
            scratch.workspace = Workspace()
        stem = job.stems[t]
        return scorer(job.id, stem, frame, prev, scratch.workspace, f"{job.gt.layers['pha'].path}/{stem}")

    def task(n: int) -> list[dict]:
        job, start, stop = spans[n]
        try:  # the run's last frame first: the next run's task may be waiting for it
            last = handoffs[n].frame = read(job, stop - 1)
        finally:
            handoffs[n].ready.set()
        rows: list[dict] = []
        first = prev = read(job, start) if stop - start > 1 else last
        for t in range(start + 1, stop):
            frame = last if t == stop - 1 else read(job, t)
            rows.append(score(job, t, frame, prev))
            prev = frame
        before = None
        if start > 0:
            handoffs[n - 1].ready.wait()
            before = handoffs[n - 1].frame
            if before is None:  # the previous run failed; its error is raised first
                raise RuntimeError("previous frame unavailable")
        return [score(job, start, first, before), *rows]

    out: dict[str, list[dict]] = {j.id: [] for j in plan.jobs if j.id not in skip and not j.stems}
    with progress(total=total, desc="evaluate", unit="frame", quiet=quiet) as bar, \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mbench-eval") as pool:
        for n, rows in enumerate(ordered_map(task, range(len(spans)), workers, ahead=2 * workers,
                                             executor=pool)):
            if n:
                handoffs[n - 1] = None  # frees the previous run's last frame
            job = spans[n][0]
            out.setdefault(job.id, []).extend(rows)
            bar.update(len(rows))
            if on_clip is not None and len(out[job.id]) == len(job.stems):
                on_clip(job, out[job.id])
    return out
