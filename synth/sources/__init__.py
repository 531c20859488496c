"""Sources of foregrounds and backgrounds for ``mbench synth``, opened from a spec ``KIND[:PATH]``.

Foreground kinds (``open_foreground``):

``procedural``
    Built-in person-like subjects: portrait silhouettes with anti-aliased edges, hair of
    thousands of supersampled strands, optional sheer veil/scarf (alpha 0.2-0.8), patterned
    clothes, sway, head turns, hair in the wind, motion blur. Options: ``seed`` (0), ``clips``
    (int or {split: int}; default train 100, valid 10, test 25), ``frames`` per clip (300),
    ``size`` (width, height) or "WxH" (768x432), ``fps`` (30), ``cache`` (8 subjects).
``videomatte:PATH``
    VideoMatte240K: ``PATH/{train,test}/{fgr,pha}/<clip>/<frame>.jpg|png``, or without the split
    folders, or one video per clip (``fgr/0000.mp4``). valid = RVM's clips 0000/0100/0200/0300
    moved out of train. Options: ``fps`` of frame folders (30), ``cache`` (8 open clips).
``images:PATH``
    One-frame clips: RGBA PNGs (PhotoMatte85), or ``fg/`` + ``alpha/`` folders with matching names
    (AIM, Distinctions-646). Options: ``fps`` (30).

Background kinds (``open_background``):

``builtin``
    scikit-image's offline photographs (split between train/valid/test), procedural textures
    (noise, stripes, gradients, bokeh, checkers, wood, marble, plaid) and videos made by a
    procedural camera path over a still. Options: ``seed`` (0), ``textures`` and ``videos`` (int
    or {split: int}; defaults train 200/100, valid 20/10, test 20/10), ``photos`` (True),
    ``frames`` per video (300), ``size`` (768x432), ``fps`` (30), ``cache`` (16).
``images:PATH``
    Every PNG/JPEG under PATH. Options: ``fps`` (30).
``videos:PATH``
    Video files or folders of frames directly under PATH (DVM). Options: ``fps`` of frame
    folders (30), ``cache`` (8 open clips).

Splits are ``train``, ``valid``, ``test``. Folder sources use ``PATH/{train,valid,test}/`` when
present (BGMv2's ``Backgrounds/``), otherwise every split reads the whole folder. Frames are
RGB ``uint8`` (16-bit files are rounded to 8 bits); alpha is ``uint8``. Sources pickle without
their caches, for worker processes. A bad spec, path, option or file raises :class:`BadInput`
naming it.
"""

from __future__ import annotations

import inspect
import os

from mbench.errors import BadInput

from .base import BackgroundItem, BackgroundSource, ForegroundClip, ForegroundSource
from .builtin import BuiltinBackgrounds
from .images import ImageBackgrounds, ImageForeground
from .procedural import ProceduralForeground
from .videomatte import VideoMatteForeground
from .videos import VideoBackgrounds

FOREGROUND_KINDS: dict[str, type] = {
    "procedural": ProceduralForeground,
    "videomatte": VideoMatteForeground,
    "images": ImageForeground,
}
BACKGROUND_KINDS: dict[str, type] = {
    "builtin": BuiltinBackgrounds,
    "images": ImageBackgrounds,
    "videos": VideoBackgrounds,
}

__all__ = ["open_foreground", "open_background", "parse_spec", "source_options", "FOREGROUND_KINDS",
           "BACKGROUND_KINDS", "ForegroundClip", "BackgroundItem", "ForegroundSource", "BackgroundSource"]


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split ``KIND[:PATH]`` into the kind and the path (None when absent or empty)."""
    if not isinstance(spec, str) or not spec.strip():
        raise BadInput("empty source spec (expected KIND or KIND:PATH)", repr(spec))
    kind, sep, path = spec.partition(":")
    return kind.strip(), (path if sep and path.strip() else None)


def source_options(cls: type) -> list[str]:
    """The option names a source kind accepts (its keyword-only constructor parameters)."""
    params = inspect.signature(cls.__init__).parameters.values()
    return [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]


def _open(spec: str, kinds: dict[str, type], what: str, options: dict):
    kind, path = parse_spec(spec)
    cls = kinds.get(kind)
    if cls is None:
        raise BadInput(f"unknown {what} source kind '{kind}' (known: {', '.join(kinds)})", spec)
    if cls.needs_path and path is None:
        raise BadInput(f"{what} source kind '{kind}' needs a path: {kind}:/path/to/data", spec)
    if not cls.needs_path and path is not None:
        raise BadInput(f"{what} source kind '{kind}' takes no path (write just '{kind}')", spec)
    valid = source_options(cls)
    for name in options:
        if name not in valid:
            raise BadInput(f"unknown option '{name}' for {what} source kind '{kind}' "
                           f"(valid: {', '.join(valid) or 'none'})", spec)
    if cls.needs_path:
        return cls(spec, os.path.expanduser(path), **options)
    return cls(spec, **options)


def open_foreground(spec: str, **options) -> ForegroundSource:
    """Open a foreground source from ``KIND[:PATH]`` (kinds: ``FOREGROUND_KINDS``).

    Parameters
    ----------
    spec : str
        ``procedural``, ``videomatte:PATH`` or ``images:PATH``.
    **options
        The kind's options (see the module docstring); unknown names are :class:`BadInput`.
    """
    return _open(spec, FOREGROUND_KINDS, "foreground", options)


def open_background(spec: str, **options) -> BackgroundSource:
    """Open a background source from ``KIND[:PATH]`` (kinds: ``BACKGROUND_KINDS``).

    Parameters
    ----------
    spec : str
        ``builtin``, ``images:PATH`` or ``videos:PATH``.
    **options
        The kind's options (see the module docstring); unknown names are :class:`BadInput`.
    """
    return _open(spec, BACKGROUND_KINDS, "background", options)
