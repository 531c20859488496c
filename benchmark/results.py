"""The evaluation files of docs/design.md 2.3: per_frame.csv, per_clip.csv, summary.json.

Values are written with ``repr`` (shortest exact round trip), so shards merged from their CSV files
give the very bytes a single run writes. Undefined values are ``nan`` in the CSVs, left out of the
means, and ``null`` in JSON; ``metric_frames`` in the summary says how many frames each mean covers.
An *absent* value (one the original never computes, such as a first frame's temporal error under
some protocols) is ``<NA>`` in a table (pandas' nullable ``Float64``) and an empty cell in a CSV, so
it stays distinct from a computed NaN (docs/design.md 2.3).

This module is the one writer and the one parser of these files (:func:`read_summary`,
:func:`read_csv`): merging shards, resuming and the leaderboard (which adds its consistency
checks in :mod:`mbench.leaderboard.evaluation`) all read through it.
"""

from __future__ import annotations

import json
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from mbench import __version__
from mbench.atomic import dumps_json
from mbench.errors import BadInput
from mbench.regular import read_regular


def format_value(v) -> str:
    """One CSV cell: an absent value (``<NA>``) is empty, NaN is ``nan``, a float its ``repr``."""
    if v is pd.NA:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return str(int(v))
    f = float(v)
    return "nan" if math.isnan(f) else repr(f)


def rows_to_csv(columns, rows) -> str:
    """CSV text of ``rows`` (value sequences in ``columns`` order) with exact float formatting (no
    quoting: clip ids are paths)."""
    lines = [",".join(columns)]
    lines += [",".join(format_value(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def to_csv(df: pd.DataFrame) -> str:
    """:func:`rows_to_csv` of a table."""
    return rows_to_csv(df.columns, df.itertuples(index=False))


def read_csv(path: Path, *, text: bool = False) -> pd.DataFrame:
    """Read a CSV written by :func:`to_csv`.

    ``text=False``: clip and frame stay strings, metric columns are floats (``nan`` undefined); a
    numeric column with empty (absent) cells is ``Float64`` with ``<NA>`` there, as
    :func:`absent_table` made it.
    ``text=True``: every cell a string (so a caller can name the first bad cell), column names
    stripped, and a file without rows refused.
    """
    try:
        source = io.BytesIO(read_regular(path))  # never a FIFO named like a CSV (it would block)
        if text:
            df = pd.read_csv(source, dtype=str, keep_default_na=False)
        else:
            return _with_absent(pd.read_csv(source, dtype={"clip": str, "frame": str}, keep_default_na=False,
                                            na_values=["nan"]))
    except pd.errors.EmptyDataError:
        raise BadInput("file is empty" if text else "not a readable CSV (EmptyDataError)", path) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        detail = " ".join(str(e).split())[:100] if text else type(e).__name__
        raise BadInput(f"not a readable CSV ({detail})", path) from None
    if len(df) == 0:
        raise BadInput("CSV has a header but no rows", path)
    df.columns = [c.strip() for c in df.columns]
    return df


def _with_absent(df: pd.DataFrame) -> pd.DataFrame:
    """Turn each text column that holds numbers and empty cells into ``Float64`` with ``<NA>``."""
    for c in df.columns:
        if c in ("clip", "frame") or pd.api.types.is_numeric_dtype(df[c]):
            continue
        text = df[c].astype(str).fillna("nan")  # the reader already made "nan" cells missing
        absent = (text == "").to_numpy()
        values = pd.to_numeric(text.where(~absent, "0"), errors="coerce").to_numpy(np.float64)
        if not absent.any() or (np.isnan(values) & (text.str.lower() != "nan").to_numpy()).any():
            continue  # not a metric column with absent cells: leave the text alone
        df[c] = pd.arrays.FloatingArray(values, absent)
    return df


def absent_table(rows: list[dict], columns) -> pd.DataFrame:
    """A table of ``rows`` where a key a row lacks is *absent* (``<NA>``, written as an empty cell).

    A column without absent cells keeps its plain dtype (so tables without any are unchanged); one
    with absent cells becomes ``Float64``, which keeps NaN (written ``nan``) apart from ``<NA>``.
    """
    if not rows:
        return pd.DataFrame(rows, columns=list(columns))
    data = {}
    for c in columns:  # built by columns: a table of a few rows is mostly pandas' per-call cost
        absent = np.array([c not in r for r in rows], dtype=bool)
        if absent.any():
            values = np.array([0.0 if a else r[c] for a, r in zip(absent, rows)], np.float64)
            data[c] = pd.arrays.FloatingArray(values, absent)
        else:
            data[c] = [r[c] for r in rows]
    return pd.DataFrame(data, columns=list(columns))


def read_summary(path: Path) -> dict:
    """``summary.json`` as a dict (only its form is checked here: a JSON object)."""
    try:
        info = json.loads(read_regular(path).decode("utf-8"))
    except UnicodeDecodeError:
        raise BadInput("summary.json cannot be read as UTF-8 text", path) from None
    except json.JSONDecodeError as e:
        raise BadInput(f"summary.json is not valid JSON (line {e.lineno}: {e.msg})", path) from None
    if not isinstance(info, dict):
        raise BadInput("summary.json must hold a JSON object", path)
    return info


def per_frame_table(rows_by_clip: dict[str, list[dict]], clip_order: list[str],
                    metrics: tuple[str, ...]) -> pd.DataFrame:
    rows = [r for cid in clip_order for r in rows_by_clip.get(cid, ())]  # a clip of no frames has no rows
    df = pd.DataFrame(rows, columns=["clip", "frame", *metrics])
    return df.astype({m: np.float64 for m in metrics})


def _nanmean(values: np.ndarray) -> float:
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if kept.size else math.nan


def per_clip_table(per_frame: pd.DataFrame, metrics: tuple[str, ...]) -> pd.DataFrame:
    rows = []
    for cid, group in per_frame.groupby("clip", sort=False):
        rows.append({"clip": cid, "frames": len(group),
                     **{m: _nanmean(group[m].to_numpy(np.float64)) for m in metrics}})
    return pd.DataFrame(rows, columns=["clip", "frames", *metrics])


def summary(per_frame: pd.DataFrame, metrics: tuple[str, ...], *, convention: str, pred, gt,
            trimap=None, shard=None, total_clips: int | None = None) -> dict:
    """Dataset values: pooled means over all frames of all clips."""
    values = {m: per_frame[m].to_numpy(np.float64) for m in metrics}
    out = {
        "convention": convention,
        "metrics": {m: _nanmean(v) for m, v in values.items()},
        "metric_frames": {m: int((~np.isnan(v)).sum()) for m, v in values.items()},
        "n_clips": int(per_frame["clip"].nunique()),
        "n_frames": int(len(per_frame)),
        "pred": str(pred),
        "gt": str(gt),
        "trimap": None if trimap is None else str(trimap),
        "mbench_version": __version__,
    }
    if shard is not None:
        out["shard"] = f"{shard[0]}/{shard[1]}"
        out["total_clips"] = total_clips
    return out


def write_evaluation(folder: Path, per_frame: pd.DataFrame, metrics: tuple[str, ...], info: dict) -> None:
    """Write the three files into ``folder`` (the caller makes the folder appear atomically)."""
    folder = Path(folder)
    (folder / "per_frame.csv").write_text(to_csv(per_frame))
    (folder / "per_clip.csv").write_text(to_csv(per_clip_table(per_frame, metrics)))
    (folder / "summary.json").write_text(dumps_json(info))


def summary_table(info: dict) -> str:
    """A small text table of the dataset values, for the terminal."""
    names = list(info["metrics"])
    cells = [f"{info['metrics'][m]:.4g}" if info["metrics"][m] is not None and
             not math.isnan(info["metrics"][m]) else "nan" for m in names]
    widths = [max(len(n), len(c)) for n, c in zip(names, cells)]
    head = "  ".join(n.upper().rjust(w) for n, w in zip(names, widths))
    body = "  ".join(c.rjust(w) for c, w in zip(cells, widths))
    name = info["protocol"]["name"] if "protocol" in info else info["convention"]
    rows = f"{info['n_clips']} clips, {info['n_frames']} frames" if "n_clips" in info else f"{info['frames']} rows"
    title = f"protocol {name}, {rows}"
    return f"{title}\n{head}\n{body}"
