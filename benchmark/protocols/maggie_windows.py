"""MaGGIe's window bookkeeping (hmchuong/MaGGIe @ 62344dd, ``maggie/engine/test.py:eval_video``)
replayed on frame indices: which frames and pairs each window's metric call scores, skipped windows
and the stale state they leave included. Used by :mod:`.maggie`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mbench.errors import BadInput


@dataclass(frozen=True)
class Call:
    """One window that reached the metrics: frame indices as the original's state holds them."""

    start: int
    pred: tuple[int, ...]
    gt: tuple[int, ...]
    temporal_pred: tuple[int, ...] | None
    temporal_gt: tuple[int, ...] | None


_UNDEFINED = "undefined"  # eval_video's prev_preds before any window assigned it


def plan(n: int, skipped, prev, where: Path) -> tuple[list[Call], object]:
    """Replay eval_video's list bookkeeping for one video of ``n`` frames on frame indices.

    ``skipped(s)`` says whether window s has all-zero guidance masks; ``prev`` is the
    ``prev_preds`` variable left by the previous video (it survives across videos: its length ends
    the last window's slice). Returns the calls and the new ``prev_preds``. A path on which the
    original raises is refused with :class:`BadInput`.
    """
    calls: list[Call] = []
    preds: list[int] = []
    gts: list[int] = []
    for s in range(n - 2):
        first, last = s == 0, s + 3 >= n
        if first:
            preds, gts = [], []
        if skipped(s):
            continue
        if first:
            preds, gts = [s, s + 1, s + 2], [s, s + 1, s + 2]
        else:
            if not gts:
                raise BadInput(f"window {s} follows a skipped first window: the original fails "
                               "(concatenating onto an empty list)", where)
            gts = gts + [s + 2]
            preds = preds[:-1] + [s + 1, s + 2]
        if last and (prev is _UNDEFINED or prev is None):
            raise BadInput(f"the last window (frame {s}) has no previous temporal window: the original "
                           "fails here (videos of 4 frames, a first video of 3)", where)
        end = len(prev) if last else -3
        prev_p = preds[-4:end] if len(preds) > 3 else None
        prev_g = gts[-4:end] if len(preds) > 3 else None
        end_all = len(preds) if last else -2
        cur_p, cur_g = preds[-3:end_all], gts[-3:end_all]
        calls.append(Call(s, tuple(cur_p), tuple(cur_g),
                          None if prev_p is None else tuple(prev_p + cur_p),
                          None if prev_g is None else tuple(prev_g + cur_g)))
        prev = prev_p
        if len(preds) > 3:
            preds, gts = preds[-3:], gts[-3:]
    return calls, prev
