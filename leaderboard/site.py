"""``index.html``: one self-contained page (inline CSS, JS and images; nothing is fetched).

The page holds every table (click a header to sort), the plots as PNG data URIs (the SVG files
beside the page are linked), a card per method from its ``method.json`` and its evaluation, and
the exact commands: the one that built the board and the ones each method.json records.
"""

from __future__ import annotations

import base64
import html
import math
import re
import shlex
from importlib import resources
from pathlib import Path

from mbench import __version__

from .board import Options, Row, TableResult
from .plots import Plot
from . import published
from .viewer import STYLE as VIEWER_STYLE
from .tables import (DASH, cell, extra_columns, first_text, fmt_extra, fmt_p, legend, marks, p_header, p_text,
                     rank_text)

_CARD_FIELDS = (("parameters", "Parameters"), ("gmacs", "GMACs"), ("fps", "FPS"), ("hardware", "Hardware"),
                ("preset", "Preset"), ("training", "Training"), ("notes", "Notes"), ("date", "Date"),
                ("mbench_version", "mbench"), ("url", "Link"))


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num_attr(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else repr(float(value))


def _row_html(result: TableResult, row: Row, i: int, best: dict) -> str:
    rank = row.rank.get(result.sort)
    cells = [f'<td data-v="{"" if rank is None else rank}">{_e(rank_text(row, result.sort))}</td>']
    name = _e(row.name)
    if row.measured:
        name = f'<a href="#method-{_e(result.slug)}-{i}">{name}</a>'
    cells.append(f'<td data-v="{_e(row.name)}">{name}</td>')
    for m in result.metrics:
        mean, half = cell(result, row, m)
        cls = ""
        if row.measured and i in best[m][0]:
            cls = ' class="best"'
        elif row.measured and i in best[m][1]:
            cls = ' class="second"'
        lo, hi = row.ci.get(m, (math.nan, math.nan))
        tip = f"95 % CI [{lo:.6g}, {hi:.6g}]" if math.isfinite(lo) else ""
        if m in row.p_bootstrap:
            tip += f"; p vs best (Holm): bootstrap {fmt_p(row.p_bootstrap[m])}"
            tip += f", Wilcoxon {fmt_p(row.p_wilcoxon[m])}" if m in row.p_wilcoxon else ""
        text = _e(mean) + (f" <small>\u00b1 {_e(half)}</small>" if half else "")
        cells.append(f'<td{cls} data-v="{_num_attr(row.mean.get(m))}" title="{_e(tip)}">{text}</td>')
    for c, _ in extra_columns(result):
        cells.append(f'<td data-v="{_num_attr(getattr(row, c))}">{_e(fmt_extra(c, getattr(row, c)))}</td>')
    if p_header(result):
        cells.append(f'<td data-v="{_num_attr(row.p_bootstrap.get(result.sort))}">{_e(p_text(result, row))}</td>')
        cells.append(f'<td data-v="{_num_attr(row.p_first.get(result.sort))}">{_e(first_text(result, row))}</td>')
    return "<tr>" + "".join(cells) + "</tr>"


def _image(folder: Path, plot: Plot) -> str:
    data = base64.b64encode((folder / f"{plot.name}.png").read_bytes()).decode("ascii")
    return (f'<figure><img alt="{_e(plot.caption)}" src="data:image/png;base64,{data}">'
            f'<figcaption>{_e(plot.caption)} Files: <a href="{_e(plot.name)}.svg">SVG</a>, '
            f'<a href="{_e(plot.name)}.png">PNG</a>.</figcaption></figure>')


def table_section(result: TableResult, options: Options, plots: list[Plot], folder: Path) -> str:
    best = {m: marks(result, m) for m in result.metrics}
    heads = ['<th data-sort="num">Rank</th>', '<th data-sort="text">Method</th>']
    for m in result.metrics:
        current = ' aria-sort="ascending"' if m == result.sort else ""
        label = _e(result.styles[m].label)
        heads.append(f'<th data-sort="num" data-metric="{_e(m)}"{current}>{label} {result.better(m)}</th>')
    heads += [f'<th data-sort="num">{_e(label)}</th>' for _, label in extra_columns(result)]
    if p_header(result):
        heads.append(f'<th data-sort="num">{_e(p_header(result))}</th>')
        heads.append(f'<th data-sort="num">First ({_e(result.styles[result.sort].label)})</th>')
    measured = "".join(_row_html(result, r, i, best) for i, r in enumerate(result.rows))
    body = [f'<tbody class="rows measured">{measured}</tbody>']
    notes = "".join(f"<p class=\"legend\">{_e(s)}</p>" for s in legend(result, options))
    figures = "".join(_image(folder, p) for p in plots)
    return (f'<section class="table" id="{_e(result.slug)}"><h2>{_e(result.title)}</h2>'
            f'<div class="scroll"><table class="board" id="table-{_e(result.slug)}">'
            f'<thead><tr>{"".join(heads)}</tr></thead>{"".join(body)}</table></div>'
            f'{notes}{figures}</section>')


def _dl(pairs: list[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in pairs) + "</dl>"


def method_card(result: TableResult, row: Row, i: int) -> str:
    ev = row.evaluation
    m = ev.method
    fields = []
    for key, label in _CARD_FIELDS:
        value = getattr(m, key)
        if value is None:
            continue
        if key == "parameters":
            value = f"{value:,} ({value / 1e6:.4g} M)"
        fields.append((label, str(value)))
    fields += [(k, v if isinstance(v, str) else repr(v)) for k, v in m.extra.items()]
    evaluation = [("Table", result.title), ("Evaluation", ev.rel), ("method.json", ev.method_path.name
                  if ev.method_path.parent == ev.path else f"../{ev.method_path.name}"),
                  ("Dataset", f"{ev.label} (from the {ev.label_source})"),
                  ("Ground-truth hash", ev.gt_hash or "not recorded (scored before protocol cards)"),
                  ("Rules", ev.protocol),
                  ("Clips / frames", f"{len(ev.clips)} / {int(ev.frames.sum())}"),
                  ("Scored by", f"mbench {ev.summary.get('mbench_version', DASH)}")]
    commands = "".join(f"<pre><code>{_e(c)}</code></pre>" for c in m.commands)
    if not commands:
        commands = '<p class="note">method.json records no commands.</p>'
    # local paths stay off a published page: PRED, GT (and TRIMAPS) stand for the folders
    words = ["mbench", "evaluate", "PRED", "GT", "--convention", ev.convention]
    if ev.summary.get("trimap"):
        words += ["--trimap", "TRIMAPS"]
    reconstructed = shlex.join(words + ["--out", ev.rel])
    return (f'<article class="card" id="method-{_e(result.slug)}-{i}"><h3>{_e(m.name)}</h3>'
            f'{_dl(fields) if fields else ""}{_speed_table(m)}<h4>Evaluation</h4>{_dl(evaluation)}'
            f'<h4>Commands (from method.json)</h4>{commands}'
            f'<h4>Scoring (from summary.json, run from the store)</h4>'
            f'<pre><code>{_e(reconstructed)}</code></pre></article>')


def _speed_table(m) -> str:
    """The method's speed and peak memory per resolution, as measured (baselines/speed.py)."""
    if not m.speed:
        return ""
    rows = []
    for entry in m.speed:
        w, h = entry["size"]
        memory = entry.get("peak_memory_mb")
        how = ", ".join(str(x) for x in (
            entry.get("device"), f"{entry['threads']} thread(s)" if entry.get("threads") else None,
            f"{entry.get('statistic', 'median')} of {entry['repeats']} runs" if entry.get("repeats") else None)
            if x)
        rows.append(f"<tr><td>{w}x{h}</td><td>{entry['fps']:.4g}</td>"
                    f"<td>{DASH if memory is None else f'{memory:.4g}'}</td><td>{_e(how)}</td></tr>")
    return ('<h4>Speed and memory (batch 1, frame by frame, warm-up excluded)</h4>'
            '<table class="speed"><thead><tr><th>size</th><th>frames/s</th><th>peak MiB</th><th>measured</th>'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def render_page(results: list[TableResult], options: Options, plots: dict[str, list[Plot]], folder: Path,
                command: str, viewers: dict[str, str] | None = None) -> str:
    """The page, with the PNG plots already written into ``folder`` inlined."""
    template = resources.files("mbench.leaderboard").joinpath("site_template.html").read_text()
    n_methods = sum(len(r.rows) for r in results)
    meta = (f"{len(results)} table{'s' * (len(results) != 1)}, {n_methods} evaluation"
            f"{'s' * (n_methods != 1)}; {options.resamples} bootstrap resamples (of clips, or of blocks of "
            f"frames within clips where a table has fewer than 6 clips: each table says which), seed "
            f"{options.seed}; significance level {options.alpha}, Holm-adjusted.")
    nav = "".join(f'<a href="#{_e(r.slug)}">{_e(r.slug)}</a>' for r in results)
    nav += '<a href="#methods">methods</a><a href="#commands">commands</a>'
    commands = ("<p>This page and the files beside it (leaderboard.md, leaderboard.tex, leaderboard.csv, "
                "plots) were made with:</p>" f"<pre><code>{_e(command)}</code></pre>"
                "<p>The commands that produced each method's numbers are on its card above.</p>")
    values = {
        "version": _e(__version__), "title": "mbench leaderboard", "meta": _e(meta), "nav": nav,
        "tables": (f"<style>{VIEWER_STYLE}</style>" if viewers else "")
        + "\n".join(table_section(r, options, plots.get(r.slug, []), folder) + (viewers or {}).get(r.slug, "")
                    for r in results)
        + published.html_sections(results),
        "cards": "\n".join(method_card(r, row, i) for r in results for i, row in enumerate(r.rows)),
        "commands": commands,
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda mt: values[mt.group(1)], template)
