"""The page's per-clip viewer: frame slider, zoom, method toggle and error heat map.

For each table the viewer shows the clip of its most disputed frame (or the first chosen one):
at most :data:`MAX_FRAMES` frames spread over the clip, each at most :data:`MAX_WIDTH` pixels
wide, as PNG data embedded in the page (it stays one self-contained file). Left: the composite
(or the ground truth); right: the chosen method's alpha or its error |alpha - truth| on one colour
scale for the clip (the same ``inferno`` map as the figures). Zoom enlarges both panes, which
scroll together.
"""

from __future__ import annotations

import base64
import html
import json

import numpy as np

from mbench.frames import encode_image

from .board import TableResult
from .figures import error_limit, load_example, sources, subsample

MAX_FRAMES = 24
MAX_WIDTH = 360


def _png(image: np.ndarray) -> str:
    data = encode_image(np.clip(np.rint(image * 255), 0, 255).astype(np.uint8), ".png")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _shrink(image: np.ndarray) -> np.ndarray:
    step = max(1, -(-image.shape[1] // MAX_WIDTH))
    return image[::step, ::step]


def _heat(error: np.ndarray, top: float) -> np.ndarray:
    from matplotlib import colormaps

    return colormaps["inferno"](np.clip(error / top, 0, 1))[..., :3]


def viewer_data(result: TableResult, clip: str) -> dict:
    """Every embedded frame of ``clip``: ``{"frames": [...], "methods": [...], "top": ...,
    "images": {frame: {"left": uri, "truth": uri, "alpha": {m: uri}, "error": {m: uri}}}}``."""
    truth, preds = sources(result)
    stems = truth[clip].stems
    chosen = [stems[i] for i in subsample(len(stems), MAX_FRAMES)]
    items = [load_example(truth, preds, clip, stem, crop=(0, 0, 1)) for stem in chosen]
    top = error_limit(items)
    images = {}
    for ex in items:
        left = ex.composite if ex.composite is not None else ex.truth
        images[ex.stem] = {
            "left": _png(_shrink(left)), "truth": _png(_shrink(ex.truth)),
            "alpha": {m: _png(_shrink(a)) for m, a in ex.alphas.items()},
            "error": {m: _png(_shrink(_heat(e, top))) for m, e in ex.errors().items()},
        }
    return {"clip": clip, "frames": chosen, "methods": [row.name for row in result.rows], "top": top,
            "images": images}


SCRIPT = """
(function () {
  var root = document.getElementById("viewer-%(slug)s");
  var data = JSON.parse(root.querySelector("script[type='application/json']").textContent);
  var slider = root.querySelector("input.frame"), zoom = root.querySelector("input.zoom");
  var label = root.querySelector(".frame-label"), left = root.querySelector("img.left");
  var right = root.querySelector("img.right"), panes = root.querySelectorAll(".pane");
  function state() {
    var method = root.querySelector("input[name='method-%(slug)s']:checked").value;
    var mode = root.querySelector("input[name='mode-%(slug)s']:checked").value;
    return {frame: data.frames[+slider.value], method: method, mode: mode};
  }
  function show() {
    var s = state(), images = data.images[s.frame];
    label.textContent = data.clip + " frame " + s.frame;
    left.src = s.mode === "truth" ? images.truth : images.left;
    right.src = s.mode === "error" ? images.error[s.method] : images.alpha[s.method];
    right.dataset.method = s.method; right.dataset.mode = s.mode; right.dataset.frame = s.frame;
    var scale = +zoom.value;
    [left, right].forEach(function (img) { img.style.width = (100 * scale) + "%%"; });
  }
  root.addEventListener("input", show);
  root.addEventListener("change", show);
  panes.forEach(function (pane) {
    pane.addEventListener("scroll", function () {
      panes.forEach(function (other) {
        if (other !== pane) { other.scrollLeft = pane.scrollLeft; other.scrollTop = pane.scrollTop; }
      });
    });
  });
  show();
})();
"""


def section(result: TableResult, clip: str) -> str:
    """The viewer's HTML (its data and script inline)."""
    data = viewer_data(result, clip)
    e = lambda text: html.escape(str(text), quote=True)  # noqa: E731
    slug = e(result.slug)
    methods = "".join(
        f'<label><input type="radio" name="method-{slug}" value="{e(m)}"{" checked" if i == 0 else ""}> '
        f'{e(m)}</label>' for i, m in enumerate(data["methods"]))
    modes = "".join(
        f'<label><input type="radio" name="mode-{slug}" value="{v}"{" checked" if v == "alpha" else ""}> '
        f'{text}</label>' for v, text in (("alpha", "alpha"), ("error", "error heat map"),
                                         ("truth", "vs ground truth")))
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return (f'<section class="viewer" id="viewer-{slug}"><h3>Viewer: {e(data["clip"])} '
            f'({len(data["frames"])} frames shown)</h3>'
            f'<div class="controls"><label>frame <input class="frame" type="range" min="0" '
            f'max="{len(data["frames"]) - 1}" value="0" step="1"></label> <span class="frame-label"></span> '
            f'<label>zoom <input class="zoom" type="range" min="1" max="8" value="1" step="0.5"></label></div>'
            f'<div class="controls methods">{methods}</div><div class="controls modes">{modes}</div>'
            f'<div class="panes"><div class="pane"><img class="left" alt="composite"></div>'
            f'<div class="pane"><img class="right" alt="method"></div></div>'
            f'<p class="legend">Error heat map: |alpha - truth| from 0 (black) to {data["top"]:.2f} (white-yellow), '
            f'one scale for the clip. Frames: {len(data["frames"])} spread over the clip.</p>'
            f'<script type="application/json">{payload}</script>'
            f'<script>{SCRIPT % {"slug": result.slug}}</script></section>')


STYLE = """
  .viewer .controls { margin: 6px 0; display: flex; gap: 14px; flex-wrap: wrap; align-items: center; }
  .viewer .panes { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
  .viewer .pane { overflow: auto; max-height: 420px; border: 1px solid var(--line); }
  .viewer .pane img { display: block; width: 100%; image-rendering: pixelated; }
"""
