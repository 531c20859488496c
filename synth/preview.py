"""``mbench synth --preview DIR``: a contact sheet of composite and alpha frames (a PNG).

Works on any dataset in the clip layout (docs/design.md 2.1): up to ``clips`` clips spread over the
dataset, ``frames`` frames spread over each clip, each shown as its composite (or foreground)
beside its alpha, and its ``trimap`` and ``mask`` guidance layers when the clip has them. For an
``mbench synth`` dataset each row's label also names the effects its first sequence draws (from
``manifest.json``).
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np

from mbench.atomic import write_bytes
from mbench.errors import BadInput
from mbench.frames import encode_image
from mbench.layout import check_same_frames, discover_clips
from mbench.paths import SHEET_TEXT, check_output
from mbench.regular import read_regular

_LABEL = 18  # pixels of the label band above each row


def _spread(n: int, k: int) -> list[int]:
    """``k`` indices spread evenly over ``range(n)`` (all of them when ``n <= k``)."""
    if n <= k:
        return list(range(n))
    return [round(i * (n - 1) / (k - 1)) for i in range(k)] if k > 1 else [0]


def _fit(img: np.ndarray, height: int) -> np.ndarray:
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    width = max(1, round(img.shape[1] * height / img.shape[0]))
    interp = cv2.INTER_AREA if height < img.shape[0] else cv2.INTER_LINEAR
    return cv2.resize(img, (width, height), interpolation=interp)


_EFFECTS = ("motion_blur", "defocus_bg", "defocus_fg", "shake", "codec", "fg_motion", "joint_motion", "bg_motion",
            "fg_jitter", "noise", "shadow")


def _labels(root: Path) -> dict[str, str]:
    """Clip id -> the effects of its first sequence, for an mbench synth dataset (else empty)."""
    import json

    try:
        clips = json.loads(read_regular(root / "manifest.json").decode("utf-8")).get("clips", {})
        out = {}
        for cid, plan in clips.items():
            seq = plan["sequences"][0]
            aug = seq["augment"]
            names = [(f"codec {aug[k]['codec']}" if k == "codec" else k) for k in _EFFECTS if aug.get(k)]
            if seq.get("subjects"):
                names.append(f"{1 + len(seq['subjects'])} subjects")
            if seq.get("guidance"):
                names.append(f"mask {seq['guidance']['mask']['kind']}")
            out[cid] = ", ".join(names)
        return out
    except (BadInput, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return {}


def contact_sheet(root: str | os.PathLike, out: str | os.PathLike | None = None, *, clips: int = 6,
                  frames: int = 4, height: int = 128) -> Path:
    """Write the contact sheet of the dataset at ``root`` (default ``root/preview.png``)."""
    root = Path(root)
    found = discover_clips(root, layers=("pha", "fgr", "com", "bgr", "trimap", "mask"))
    out = Path(out) if out else root / "preview.png"
    if out.suffix.lower() != ".png":
        raise BadInput("the contact sheet is a PNG: give a file name ending in .png", out)
    # the dataset root (or a clip folder) may hold its sheet; the layers it reads may not
    layers = [layer.path for clip in found for layer in clip.layers.values()]
    out = check_output(out, layers, kind="sheet", flag="--sheet")
    labels = _labels(root)
    rows = []
    for clip in (found[i] for i in _spread(len(found), clips)):
        colour = clip.layers.get("com") or clip.layers.get("fgr")
        if colour is not None:  # frames are read by pha's index: both layers must have the same ones
            check_same_frames(colour, clip.layers["pha"])
        cells = []
        for t in _spread(len(clip), frames):
            pha = _fit(clip.layers["pha"].read_alpha(t), height)
            pair = [pha] if colour is None else [_fit(colour.read_color(t), height), pha]
            pair += [_fit(clip.layers[g].read_alpha(t), height) for g in ("trimap", "mask") if g in clip.layers]
            cells.append(np.concatenate(pair, axis=1))
            cells.append(np.full((height, 4, 3), 255, np.uint8))
        row = np.concatenate(cells[:-1], axis=1)
        band = np.full((_LABEL, row.shape[1], 3), 255, np.uint8)
        label = clip.id + (f": {labels[clip.id]}" if labels.get(clip.id) else "")
        cv2.putText(band, label, (2, _LABEL - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        rows.append(np.concatenate([band, row], axis=0))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    sheet = np.concatenate(rows, axis=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(out, _with_record(encode_image(sheet, ".png", png_compression=6)))
    return out


def _with_record(png: bytes) -> bytes:
    """``png`` with a ``tEXt`` chunk ``Software`` = :data:`SHEET_TEXT` after its header, by which a
    later run knows the file is a sheet it may replace (:func:`mbench.paths.written_by`)."""
    data = b"Software\0" + SHEET_TEXT
    chunk = struct.pack(">I", len(data)) + b"tEXt" + data + struct.pack(">I", zlib.crc32(b"tEXt" + data))
    end_of_header = 8 + 8 + 13 + 4  # signature, IHDR length and type, its 13 bytes, its CRC
    return png[:end_of_header] + chunk + png[end_of_header:]
