"""Building a board folder: every output written into a temporary folder, renamed at the end.

``BOARD/`` holds ``leaderboard.md``, ``leaderboard.tex``, ``leaderboard.csv``, ``index.html``,
the plots (``<table>_<plot>.png`` and ``.svg``), ``board.json`` (how it was made, so that
``mbench leaderboard submit`` rebuilds it the same way), with ``--hf`` ``hf/``, and with
``--figures`` ``figures/<table>_qualitative.{pdf,svg,png,tex}`` plus a viewer on the page. A failed
build leaves the previous board untouched.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Callable

from mbench import __version__
from mbench.atomic import atomic_dir, dumps_json
from mbench.errors import BadInput
from mbench.paths import check_output, inside
from mbench.progress import progress
from mbench.regular import read_regular

from . import plots, site, tables
from .board import Options, TableResult, compute_board
from .evaluation import Evaluation
from .store import group_tables

MARKER = "board.json"


def check_out(out: Path, stores: list[Path], inputs: list[Path] = ()) -> Path:
    """Refuse an output folder whose replacement would destroy something that is not a board;
    returns it as an absolute path. It may lie inside a store (``STORE/leaderboard``) but not be
    or hold one, nor overlap ``inputs`` (see :func:`mbench.paths.check_output`)."""
    for store in stores:
        if inside(store, out):
            raise BadInput("--out would replace the results store (it is the store or holds it); "
                           "outputs never overlap inputs, choose another folder", out)
    return check_output(out, inputs, kind="board")


def read_options(out: Path) -> Options | None:
    """The options an existing board was built with, or None if there is no readable board."""
    try:
        saved = json.loads(read_regular(out / MARKER).decode("utf-8"))["options"]
        names = {f.name for f in fields(Options)}
        return Options(**{k: v for k, v in saved.items() if k in names})
    except (BadInput, ValueError, KeyError, TypeError):
        return None


def build(evaluations: list[Evaluation], out: Path, options: Options, *, command: str,
          stores: list[Path], quiet: bool = True,
          before_commit: Callable[[], None] | None = None) -> list[TableResult]:
    """Compute the board of ``evaluations`` and write it to ``out`` atomically.

    ``before_commit`` runs after every file is written and before the folder is renamed into
    place (submit moves its new evaluation into the store there), so a failure in either leaves
    both the store and the old board as they were.

    Raises
    ------
    BadInput
        For every problem with the evaluations, the options or ``out``, before anything is written.
    """
    out = check_out(out, stores, [ev.path for ev in evaluations])
    results = compute_board(group_tables(evaluations), options)
    steps = ["tables", "plots", "page"] + (["hf"] if options.hf else [])
    with atomic_dir(out) as tmp:
        bar = progress(total=len(steps), desc="writing board", unit="step", quiet=quiet)
        md = tables.markdown(results, options)
        (tmp / "leaderboard.md").write_text(md, encoding="utf-8")
        (tmp / "leaderboard.tex").write_text(tables.latex(results, options), encoding="utf-8")
        (tmp / "leaderboard.csv").write_text(tables.to_csv(results), encoding="utf-8")
        bar.update()
        written = plots.write_plots(results, tmp)
        viewers = write_figures(results, options, tmp / "figures") if options.figures else {}
        bar.update()
        page = site.render_page(results, options, written, tmp, command, viewers)
        (tmp / "index.html").write_text(page, encoding="utf-8")
        bar.update()
        if options.hf:
            from .hf import write_hf
            write_hf(results, tmp, md)
            bar.update()
        record = {"command": command, "mbench_version": __version__, "options": asdict(options),
                  "stores": [str(s.resolve()) for s in stores],
                  "tables": [{"slug": r.slug, "convention": r.convention, "dataset": r.table.label,
                              "protocol": r.table.protocol, "gt_hash": r.table.gt_hash,
                              "sort": r.sort, "methods": [row.name for row in r.rows]} for r in results]}
        (tmp / MARKER).write_text(dumps_json(record), encoding="utf-8")
        bar.close()
        if before_commit is not None:
            before_commit()
    return results


def write_figures(results: list[TableResult], options: Options, folder: Path) -> dict[str, str]:
    """Every table's qualitative grid into ``folder``; returns each table's viewer section."""
    from . import figure_grid, viewer
    from .figures import examples, parse_frame

    chosen = [parse_frame(text) for text in options.figure_frames]
    sections = {}
    for r in results:
        clips = set(r.table.clips)
        items = examples(r, [c for c in chosen if c[0] in clips])
        if not items:
            continue
        figure_grid.write(r, items, folder)
        sections[r.slug] = viewer.section(r, items[0].clip)
    return sections


def summary_line(results: list[TableResult], out: Path) -> str:
    n = sum(len(r.rows) for r in results)
    return (f"wrote {out}: {len(results)} table{'s' * (len(results) != 1)}, {n} evaluation"
            f"{'s' * (n != 1)} (leaderboard.md, leaderboard.tex, leaderboard.csv, index.html, plots)")
