"""Prediction: mattes for every clip of a dataset, written in the clip layout (docs/design.md 2.1).

``PRED/<clip>/pha/<stem>.png`` (8-bit alpha) and ``PRED/<clip>/fgr/<stem>.png`` (RGB foreground),
with the ground truth's clip ids and frame stems, so ``mbench evaluate PRED GT`` pairs them.
Each clip is written under a temporary name and renamed when complete: a killed run resumes at
the first unfinished clip, and a finished clip is never rewritten.

A model sees a clip in chunks of ``chunk`` frames, its recurrent state carried from one chunk to
the next (so the whole clip is one sequence, as the seeds evaluate); bgmv2 gets the clip's
``bgr/`` frames beside its ``com/`` frames. Frames are decoded ahead of the model on threads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mbench.atomic import atomic_dir, remove_stale_temps
from mbench.errors import BadInput
from mbench.frames import encode_image, to_unit_float
from mbench.layout import Clip, discover_clips
from mbench.parallel import ordered_map
from mbench.progress import progress

from .data import check_layers

# A frame's prediction: 8-bit alpha (H, W) and, optionally, an 8-bit RGB foreground (H, W, 3).
Frame = tuple[np.ndarray, np.ndarray | None]
Predictor = Callable[[Clip], Iterator[Frame]]


@dataclass(frozen=True)
class PredictStats:
    clips: int
    written: int            # clips predicted by this call (the others were complete)
    frames: int             # frames predicted by this call
    seconds: float          # wall time of this call


def eval_clips(root: str | Path, layers: tuple[str, ...], why: str) -> list[Clip]:
    """The clips under ``root``, checked to hold ``layers`` (BadInput naming what is missing)."""
    clips = discover_clips(root, what="validation data")
    check_layers(clips, layers, Path(root), why)
    return clips


def _complete(folder: Path, clip: Clip, layers: tuple[str, ...]) -> bool:
    stems = {f"{s}.png" for s in clip.stems}
    return all((folder / name).is_dir() and {p.name for p in (folder / name).iterdir()} == stems
               for name in layers)


def write_predictions(clips: list[Clip], out: str | Path, predictor: Predictor, *, layers: tuple[str, ...],
                      workers: int = 2, quiet: bool = True, desc: str = "predicting") -> PredictStats:
    """Run ``predictor`` on every unfinished clip and write its frames under ``out``.

    Parameters
    ----------
    clips : list of Clip
        The ground-truth clips (ids and frame stems).
    out : path
        The predictions root.
    predictor : callable
        ``predictor(clip)`` yields one (alpha, foreground or None) pair per frame, in order.
    layers : tuple of str
        ``("pha",)`` or ``("pha", "fgr")``: what the predictor writes (for the completeness check).
    workers : int
        Threads encoding PNGs.
    """
    out = Path(out)
    remove_stale_temps(out, recursive=True)  # clip folders a killed run left half written
    todo = [c for c in clips if not _complete(out / c.id, c, layers)]
    start, frames = time.perf_counter(), 0
    bar = progress(total=sum(len(c) for c in todo), desc=desc, unit="frame", quiet=quiet)
    for clip in todo:
        with atomic_dir(out / clip.id) as tmp:
            for name in layers:
                (tmp / name).mkdir()

            def encode(job: tuple[str, Frame]) -> None:
                stem, (pha, fgr) = job
                (tmp / "pha" / f"{stem}.png").write_bytes(encode_image(pha, ".png"))
                if fgr is not None and "fgr" in layers:
                    (tmp / "fgr" / f"{stem}.png").write_bytes(encode_image(fgr, ".png"))

            count = 0
            for _ in ordered_map(encode, zip(clip.stems, predictor(clip)), workers):
                count += 1
                bar.update()
            if count != len(clip):
                raise RuntimeError(f"predictor gave {count} frames for clip {clip.id} of {len(clip)}")
        frames += count
    bar.close()
    return PredictStats(len(clips), len(todo), frames, time.perf_counter() - start)


def read_frames(clip: Clip, name: str, indices: range) -> np.ndarray:
    """Frames ``indices`` of layer ``name`` as float32 (T, H, W, 3) in [0, 1]."""
    layer = clip.layers[name]
    return np.stack([to_unit_float(layer.read_color(i)) for i in indices])


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """[0, 1] float tensor -> rounded uint8 array."""
    return (x.float().clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()


def model_predictor(model: torch.nn.Module, *, device: str, chunk: int, forward: dict[str, Any],
                    needs_background: bool, recurrent: bool, workers: int = 2) -> Predictor:
    """A :data:`Predictor` running ``model`` (eval mode, no grad) over a clip in chunks."""
    model = model.to(device).eval()

    def predict(clip: Clip) -> Iterator[Frame]:
        n = len(clip)
        chunks = [range(s, min(n, s + chunk)) for s in range(0, n, chunk)]
        names = ("com", "bgr") if needs_background else ("com",)

        def load(indices: range) -> dict[str, torch.Tensor]:
            return {k: torch.from_numpy(read_frames(clip, k, indices)).permute(0, 3, 1, 2)[None]
                    for k in names}

        state = None
        for inputs in ordered_map(load, chunks, min(workers, 2), ahead=2):
            kwargs = dict(forward)
            if needs_background:
                kwargs["bgr"] = inputs["bgr"].to(device)
            if recurrent:
                kwargs["state"] = state
            with torch.no_grad():
                out = model(inputs["com"].to(device), **kwargs)
            state = out.state
            pha = to_uint8(out.pha[0, :, 0])
            fgr = to_uint8(out.fgr[0].permute(0, 2, 3, 1))
            yield from zip(pha, fgr)

    return predict


def check_frame_size(clips: list[Clip], root: Path) -> tuple[int, int]:
    """The (W, H) shared by every clip's first alpha frame (the evaluation resolution)."""
    sizes = {clip.layers["pha"].read_alpha(0).shape[::-1] for clip in clips}
    if len(sizes) != 1:
        raise BadInput(f"validation clips differ in size ({', '.join(f'{w}x{h}' for w, h in sorted(sizes))})", root)
    return next(iter(sizes))
