"""Paper-ready qualitative comparison grids: ``BOARD/figures/<table>_qualitative.{pdf,svg,png}`` and
a LaTeX snippet that includes the PDF.

Per example two rows: the zoomed crop of the composite (or, without a ``com/`` layer, the full
frame's truth), the ground truth and each method's alpha; below, the full frame with the crop
marked and each method's absolute error |alpha - truth| on one colour scale, with one colour bar
for the whole figure. Methods are in the table's order (best first).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .board import TableResult
from .figures import Example, error_limit
from .plots import RC, SAVE, _figure
from .tables import tex_escape

CMAP = "inferno"
CELL = 1.25   # inches per panel


def _crop(image: np.ndarray, crop: tuple[int, int, int]) -> np.ndarray:
    y0, x0, side = crop
    return image[y0:y0 + side, x0:x0 + side]


def _show(ax, image, **kwargs):
    shown = ax.imshow(image, interpolation="nearest", **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return shown


def draw(result: TableResult, items: list[Example]):
    """The figure (matplotlib, no pyplot state)."""
    from matplotlib.patches import Rectangle

    names = [row.name for row in result.rows]
    ncols = 2 + len(names)
    fig = _figure(CELL * ncols + 0.8, CELL * 2 * len(items) + 0.6)
    grid = fig.subplots(2 * len(items), ncols, squeeze=False)
    top = error_limit(items)
    mappable = None
    for k, ex in enumerate(items):
        upper, lower = grid[2 * k], grid[2 * k + 1]
        picture = ex.composite if ex.composite is not None else ex.truth
        gray = {"cmap": "gray", "vmin": 0, "vmax": 1}
        _show(upper[0], _crop(picture, ex.crop), **({} if picture.ndim == 3 else gray))
        _show(upper[1], _crop(ex.truth, ex.crop), **gray)
        _show(lower[0], picture, **({} if picture.ndim == 3 else gray))
        y0, x0, side = ex.crop
        lower[0].add_patch(Rectangle((x0 - 0.5, y0 - 0.5), side, side, fill=False, edgecolor="#00d0ff",
                                     linewidth=1.2))
        lower[1].set_axis_off()
        lower[1].text(0.5, 0.5, f"{ex.clip}\nframe {ex.stem}", ha="center", va="center", fontsize=7,
                      transform=lower[1].transAxes)
        errors = ex.errors()
        for j, name in enumerate(names, start=2):
            _show(upper[j], _crop(ex.alphas[name], ex.crop), **gray)
            mappable = _show(lower[j], _crop(errors[name], ex.crop), cmap=CMAP, vmin=0, vmax=top)
        if k == 0:
            for ax, title in zip(upper, ["Composite" if ex.composite is not None else "Frame",
                                         "Ground truth", *names]):
                ax.set_title(title, fontsize=7, wrap=True)
        upper[0].set_ylabel("crop", fontsize=7)
        lower[0].set_ylabel("frame / |error|", fontsize=7)
    bar = fig.colorbar(mappable, ax=grid.ravel().tolist(), shrink=0.6, pad=0.02)
    bar.set_label("|alpha - truth|", fontsize=7)
    bar.ax.tick_params(labelsize=6)
    return fig


def write(result: TableResult, items: list[Example], folder: Path) -> list[Path]:
    """Write the grid as PDF, SVG and PNG and the LaTeX snippet into ``folder``; the paths."""
    import matplotlib

    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{result.slug}_qualitative"
    with matplotlib.rc_context({**RC, "pdf.fonttype": 42}):
        fig = draw(result, items)
        written = []
        for ext, kwargs in {**SAVE, "pdf": {"metadata": {"CreationDate": None, "Producer": None}}}.items():
            path = folder / f"{stem}.{ext}"
            fig.savefig(path, format=ext, **kwargs)
            written.append(path)
    frames = "; ".join(f"{ex.clip} frame {ex.stem}" for ex in items)
    tex = folder / f"{stem}.tex"
    tex.write_text(
        f"% mbench leaderboard --figures: {result.title}\n"
        "% Needs \\usepackage{graphicx}; put this file beside the PDF.\n"
        "\\begin{figure*}[t]\n  \\centering\n"
        f"  \\includegraphics[width=\\linewidth]{{{stem}.pdf}}\n"
        f"  \\caption{{Qualitative comparison on {tex_escape(result.table.label)} ({tex_escape(frames)}): "
        "composite and ground truth, then each method's alpha (top) and absolute error (bottom, "
        "one colour scale), zoomed where the methods differ most.}\n"
        f"  \\label{{fig:mbench-{result.slug}-qualitative}}\n\\end{{figure*}}\n", encoding="utf-8")
    written.append(tex)
    return written
