"""The tables: Markdown, LaTeX (booktabs; best bold, second underlined) and CSV.

Every format shows the same cells: rank, method, each metric as mean +- half the width of its
95 % bootstrap interval, then parameters (millions), GMACs and fps where any row knows them.
Best and second best are decided on the printed means of the measured rows only (published rows
never compete), so a tie in the printed digits marks both rows.
"""

from __future__ import annotations

import csv
import io
import math

from .board import Options, Row, TableResult
from . import published
from .datasets import card_text
from .reported import LABEL

EXTRA_COLUMNS = (("parameters", "Params (M)"), ("gmacs", "GMACs"), ("fps", "FPS"))
DASH = "\u2013"


def fmt_extra(column: str, value: float | None) -> str:
    if value is None:
        return DASH
    if column == "parameters":
        value /= 1e6
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def fmt_p(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return DASH
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def cell(result: TableResult, row: Row, metric: str) -> tuple[str, str]:
    """The printed mean and the printed +- half-width (empty when there is no interval)."""
    style = result.styles[metric]
    mean = style.format(row.mean.get(metric))
    lo, hi = row.ci.get(metric, (math.nan, math.nan))
    half = style.format((hi - lo) / 2) if math.isfinite(lo) and math.isfinite(hi) else ""
    return mean, half


def marks(result: TableResult, metric: str) -> tuple[set[int], set[int]]:
    """Indices (into ``result.rows``) of the best and second-best printed means of ``metric``."""
    printed = {}
    for i, row in enumerate(result.rows):
        text = cell(result, row, metric)[0]
        if text != DASH:
            printed[i] = float(text)
    distinct = sorted(set(printed.values()), reverse=metric in result.higher)
    best = {i for i, v in printed.items() if distinct and v == distinct[0]}
    second = {i for i, v in printed.items() if len(distinct) > 1 and v == distinct[1]}
    return best, second


def extra_columns(result: TableResult) -> list[tuple[str, str]]:
    return [(c, label) for c, label in EXTRA_COLUMNS if result.has(c)]


def rank_text(row: Row, metric: str) -> str:
    r = row.rank.get(metric)
    return DASH if r is None else str(r)


def p_header(result: TableResult) -> str | None:
    """The heading of the p-value column, or None when the table has no tests."""
    label = result.styles[result.sort].label
    if result.plan.kind == "clips":
        return f"p vs best ({label}, Holm): bootstrap / Wilcoxon"
    if result.plan.kind == "blocks":
        return f"p vs best ({label}, Holm): block bootstrap"
    return None


def p_text(result: TableResult, row: Row) -> str:
    """The p-value cell of ``row`` (Holm-adjusted, against the best of the sort metric)."""
    p = row.p_bootstrap.get(result.sort)
    if p is None:
        return DASH
    if result.plan.kind == "clips":
        return f"{fmt_p(p)} / {fmt_p(row.p_wilcoxon.get(result.sort))}"
    return fmt_p(p)


def first_text(result: TableResult, row: Row) -> str:
    """How often ``row`` ranks first over the resamples, as a percentage."""
    share = row.p_first.get(result.sort)
    return DASH if share is None else f"{100 * share:.0f} %"


def protocol_notes(result: TableResult) -> list[str]:
    """What the values and intervals of a protocol module's table are (nothing for the clip engine,
    whose values are the pooled means that the intervals resample)."""
    table = result.table
    if table.engine:
        return []
    rows = "images" if table.unit == "image" else "rows of per_frame.csv within clips"
    lines = [f"Values: each protocol's own figure (summary.json metrics) as its original aggregates it"
             + (f"; intervals and tests resample the {rows}, whose mean that figure is."
                if set(result.metrics) - set(result.fixed) else ".")]
    if result.fixed:
        labels = ", ".join(result.styles[m].label for m in result.fixed)
        how = table.evaluations[0].aggregation or "not a mean of the rows"
        lines.append(f"{labels}: the figure is not the mean of its rows ({how}), so no resampling is "
                     f"honest: shown without interval, p-value or rank.")
    return lines


def legend(result: TableResult, options: Options) -> list[str]:
    """The sentences under a table, in plain text."""
    n = len(result.table.clips)
    label = result.styles[result.sort].label
    direction = ("All metrics: lower is better." if not result.higher else
                 f"Higher is better for {', '.join(result.styles[m].label for m in result.metrics if m in result.higher)}"
                 f"; lower for the rest.")
    if set(result.metrics) <= set(result.fixed):  # no metric can be resampled: no plan applies
        lines = [f"Ordered by the {label} figure alone; no interval, p-value or rank. {direction}"]
    elif result.plan.kind == "none":
        lines = [result.plan.describe(),
                 f"Mean over {n} clip{'s' * (n != 1)}; rank by {label} mean alone. {direction}"]
    else:
        lines = [result.plan.describe(),
                 f"Mean \u00b1 half-width of the {options.level:.0%} bootstrap interval "
                 f"({options.resamples} resamples, seed {options.seed}; exact bounds in leaderboard.csv). "
                 f"{direction}",
                 f"Rank by {label}: methods sharing a rank are not significantly different from the best "
                 f"of their group ({result.plan.tests}; Holm-adjusted p < {options.alpha}"
                 f"{' in both' if result.plan.kind == 'clips' else ''}). p vs best: those p-values for "
                 f"{label}. First: share of resamples in which the method has the best {label}."]
    lines += protocol_notes(result)
    lines.append(card_text(result.table.card, result.table.protocol))
    if result.reported:
        lines.append(f"Published numbers of this convention are in tables of their own below ({LABEL}).")
    return lines


# --- Markdown -------------------------------------------------------------------------------

def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def markdown_table(result: TableResult, options: Options) -> str:
    """One table as GitHub Markdown: best **bold**, second _italic_ (Markdown has no underline)."""
    metrics, extras = result.metrics, extra_columns(result)
    sort_label = result.styles[result.sort].label
    head = ["Rank", "Method"] + [f"{result.styles[m].label} {result.better(m)}" for m in metrics]
    head += [label for _, label in extras]
    tested = p_header(result)
    head += [tested, f"First ({sort_label})"] if tested else []
    lines = [f"## {_md_escape(result.title)}", "",
             "| " + " | ".join(head) + " |",
             "|" + "|".join(["---:", ":---"] + ["---:"] * (len(head) - 2)) + "|"]
    best = {m: marks(result, m) for m in metrics}
    for i, row in enumerate(result.rows):
        cells = [rank_text(row, result.sort), _md_escape(row.name)]
        for m in metrics:
            mean, half = cell(result, row, m)
            if row.measured and i in best[m][0]:
                mean = f"**{mean}**"
            elif row.measured and i in best[m][1]:
                mean = f"_{mean}_"
            cells.append(f"{mean} \u00b1 {half}" if half else mean)
        cells += [fmt_extra(c, getattr(row, c)) for c, _ in extras]
        cells += [p_text(result, row), first_text(result, row)] if tested else []
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"{line}  " for line in legend(result, options)]
    lines.append("**Bold**: best, _italic_: second best per column (measured methods only).")
    return "\n".join(lines) + "\n"


def markdown(results: list[TableResult], options: Options) -> str:
    parts = ["# Leaderboard", ""]
    parts += [markdown_table(r, options) for r in results]
    parts.append(published.markdown(results))
    return "\n".join(parts)


# --- LaTeX ----------------------------------------------------------------------------------

_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
        "\u00b7": r"$\cdot$", "\u2013": "--", "\u00b1": r"$\pm$"}


def tex_escape(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in text)


def latex_table(result: TableResult, options: Options) -> str:
    """One booktabs table, ready to paste into a paper (needs ``\\usepackage{booktabs}``)."""
    metrics, extras = result.metrics, extra_columns(result)
    # display.toml's latex labels are LaTeX already; everything else is escaped
    head = ["Rank", "Method"] + [f"{result.styles[m].latex}$\\{'uparrow' if m in result.higher else 'downarrow'}$"
                                 for m in metrics]
    head += [tex_escape(label) for _, label in extras]
    caption = (f"{tex_escape(result.title)}. " + (
        f"Mean $\\pm$ half-width of the {tex_escape(f'{options.level:.0%}')} bootstrap interval. Methods "
        f"sharing a rank do not differ significantly ({tex_escape(result.plan.tests)}, Holm, "
        f"$p<{options.alpha}$). " if result.plan.kind != "none" else "Means only. ")
               + f"{tex_escape(result.plan.describe())} Bold: best, underlined: second best.")
    lines = [f"% mbench leaderboard: {result.title}",
             "% Needs \\usepackage{booktabs}. Bold: best, underlined: second best (measured rows only)."]
    lines += [f"% {line}" for line in legend(result, options)]
    lines += ["\\begin{table}[t]", "  \\centering",
              f"  \\caption{{{caption}}}", f"  \\label{{tab:mbench-{result.slug}}}",
              f"  \\begin{{tabular}}{{rl{'r' * (len(metrics) + len(extras))}}}", "    \\toprule",
              "    " + " & ".join(head) + " \\\\", "    \\midrule"]
    best = {m: marks(result, m) for m in metrics}
    for i, row in enumerate(result.rows):
        lines.append("    " + " & ".join(_latex_cells(result, row, i, metrics, extras, best)) + " \\\\")
    # the protocol card as the table's footnote: the rules every number in it follows
    card = tex_escape(card_text(result.table.card, result.table.protocol))
    lines += ["    \\bottomrule", "  \\end{tabular}",
              f"  \\par\\smallskip{{\\footnotesize\\raggedright {card}\\par}}", "\\end{table}"]
    return "\n".join(lines) + "\n"


def _latex_cells(result: TableResult, row: Row, i: int, metrics, extras, best) -> list[str]:
    cells = [tex_escape(rank_text(row, result.sort)), tex_escape(row.name)]
    for m in metrics:
        mean, half = cell(result, row, m)
        mean = tex_escape(mean)
        if row.measured and i in best[m][0]:
            mean = f"\\textbf{{{mean}}}"
        elif row.measured and i in best[m][1]:
            mean = f"\\underline{{{mean}}}"
        cells.append(f"{mean}{{\\scriptsize$\\,\\pm${half}}}" if half else mean)
    cells += [tex_escape(fmt_extra(c, getattr(row, c))) for c, _ in extras]
    return cells


def latex(results: list[TableResult], options: Options) -> str:
    return "\n".join([latex_table(r, options) for r in results] + [published.latex(results, tex_escape)])


# --- CSV ------------------------------------------------------------------------------------

def _num(value: float | None) -> str:
    if value is None:
        return ""
    return "nan" if isinstance(value, float) and math.isnan(value) else repr(value)


def csv_rows(results: list[TableResult]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of ``leaderboard.csv``: one row per method (and published row) per table."""
    metrics: list[str] = []
    for r in results:
        metrics += [m for m in r.metrics if m not in metrics]
    header = ["table", "convention", "dataset", "gt_hash", "clips", "frames", "resampling", "block", "status", "rank",
              "sort_metric", "method", "source"]
    for m in metrics:
        header += [m, f"{m}_ci_low", f"{m}_ci_high", f"{m}_p_bootstrap", f"{m}_p_wilcoxon", f"{m}_rank",
                   f"{m}_first"]
    header += ["parameters", "gmacs", "fps", "hardware", "evaluation"]
    out = []
    measured = [(r, row) for r in results for row in r.rows]
    reported = [(None, row) for _, rows in published.sources(results) for row in rows]
    for r, row in measured + reported:
        rep = row.reported
        if r is not None:
            t = r.table
            line = [r.slug, t.convention, t.label, t.gt_hash or "", str(len(t.clips)), str(t.n_frames),
                    r.plan.kind, str(r.plan.block) if r.plan.kind == "blocks" else "", "measured",
                    _num(row.rank.get(r.sort)), r.sort, row.evaluation.method.name, ""]
        else:  # a published row: its own source's setting, nothing of a measured table
            line = [f"published-{rep.source.key}", rep.source.convention, rep.source.setting, "", "", "",
                    "", "", "reported", "", "", rep.method,
                    f"[{rep.source.key}] {rep.source.citation}; {rep.source.setting}"]
        for m in metrics:
            lo, hi = row.ci.get(m, (None, None))
            mean = row.mean.get(m) if r is not None else rep.values.get(m)
            line += [_num(mean), _num(lo), _num(hi), _num(row.p_bootstrap.get(m)),
                     _num(row.p_wilcoxon.get(m)), _num(row.rank.get(m)), _num(row.p_first.get(m))]
        hardware = row.evaluation.method.hardware if row.measured else rep.hardware
        line += [_num(row.parameters), _num(row.gmacs), _num(row.fps), hardware or "",
                 row.evaluation.rel if row.measured else ""]
        out.append(line)
    return header, out


def to_csv(results: list[TableResult]) -> str:
    header, rows = csv_rows(results)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()
