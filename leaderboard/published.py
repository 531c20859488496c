"""Published numbers (``--reported``) as tables of their own, one per source (paper table and
dataset setting), never in a measured table's columns: they were measured on other data, at other
resolutions, on other hardware, so they are never ranked, bold or tested.
"""

from __future__ import annotations

import html
import math

from .board import Row, TableResult
from .display import metric_style
from .reported import LABEL, Source

EXTRAS = (("parameters", "Params (M)"), ("gmacs", "GMACs"), ("fps", "FPS"), ("hardware", "Hardware"))
DASH = "\u2013"


def sources(results: list[TableResult]) -> list[tuple[Source, list[Row]]]:
    """Every source's published rows, once per board (tables of one convention share them)."""
    out: dict[str, tuple[Source, list[Row]]] = {}
    for result in results:
        for row in result.reported:
            source = row.reported.source
            entry = out.setdefault(source.key, (source, []))
            if all(r.reported.method != row.reported.method for r in entry[1]):
                entry[1].append(row)
    return list(out.values())


def _metrics(rows: list[Row]) -> list[str]:
    seen: list[str] = []
    for row in rows:
        seen += [m for m in row.reported.values if m not in seen]
    return seen


def _value(row: Row, column: str) -> str:
    if column == "hardware":
        return row.reported.hardware or DASH
    value = getattr(row.reported, column)
    if value is None:
        return DASH
    return f"{value / 1e6:.4g}" if column == "parameters" else f"{value:.4g}"


def _cells(source: Source, rows: list[Row]) -> tuple[list[str], list[list[str]]]:
    metrics = _metrics(rows)
    extras = [(c, label) for c, label in EXTRAS if any(
        (r.reported.hardware if c == "hardware" else getattr(r.reported, c)) is not None for r in rows)]
    head = ["Method"] + [f"{metric_style(source.convention, m).label} \u2193" for m in metrics]
    head += [label for _, label in extras]
    body = []
    for row in rows:
        values = [metric_style(source.convention, m).format(row.reported.values.get(m, math.nan))
                  for m in metrics]
        body.append([f"{row.reported.method} [{source.key}]"] + values + [_value(row, c) for c, _ in extras])
    return head, body


def title(source: Source) -> str:
    return f"Published numbers [{source.key}]: {source.setting} ({LABEL})"


def markdown(results: list[TableResult]) -> str:
    """The published tables in Markdown ('' without ``--reported``)."""
    parts = []
    for source, rows in sources(results):
        head, body = _cells(source, rows)
        lines = [f"## {title(source)}", "", "| " + " | ".join(head) + " |",
                 "|" + "|".join([":---"] + ["---:"] * (len(head) - 1)) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |" for cells in body]
        lines += ["", f"{source.describe()}. Convention {source.convention}; never ranked.", ""]
        parts.append("\n".join(lines))
    return "\n".join(parts)


def latex(results: list[TableResult], escape) -> str:
    """The published tables as booktabs tables ('' without ``--reported``)."""
    parts = []
    for source, rows in sources(results):
        head, body = _cells(source, rows)
        lines = ["\\begin{table}[t]", "  \\centering",
                 f"  \\caption{{{escape(title(source))}. {escape(source.describe())}.}}",
                 f"  \\begin{{tabular}}{{l{'r' * (len(head) - 1)}}}", "    \\toprule",
                 "    " + " & ".join(escape(h).replace("\u2193", "$\\downarrow$") for h in head) + " \\\\",
                 "    \\midrule"]
        lines += ["    " + " & ".join(escape(c) for c in cells) + " \\\\" for cells in body]
        lines += ["    \\bottomrule", "  \\end{tabular}", "\\end{table}", ""]
        parts.append("\n".join(lines))
    return "\n".join(parts)


def html_sections(results: list[TableResult]) -> str:
    """The published tables as page sections ('' without ``--reported``)."""
    e = lambda text: html.escape(str(text), quote=True)  # noqa: E731
    parts = []
    for source, rows in sources(results):
        head, body = _cells(source, rows)
        heads = "".join(f"<th>{e(h)}</th>" for h in head)
        trs = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>" for cells in body)
        parts.append(f'<section class="table published" id="published-{e(source.key)}"><h2>{e(title(source))}</h2>'
                     f'<div class="scroll"><table class="board reported" id="table-published-{e(source.key)}">'
                     f'<thead><tr>{heads}</tr></thead><tbody class="rows reported">{trs}</tbody></table></div>'
                     f'<p class="legend">{e(source.describe())}. Never ranked.</p></section>')
    return "".join(parts)
