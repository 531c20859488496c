"""``--hf``: the results as Hugging Face datasets, ready to publish with a dataset card.

``BOARD/hf/summary/`` holds one row per method and table (the rows of leaderboard.csv) and
``BOARD/hf/per_clip/`` one row per method, table and clip (frames and clip means), both written
with ``datasets.Dataset.save_to_disk`` (reload with ``datasets.load_from_disk``).
``BOARD/hf/README.md`` is the dataset card: YAML metadata naming the two configurations, then the
leaderboard tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mbench import __version__

from .board import TableResult
from .tables import csv_rows

CARD_HEADER = """---
pretty_name: mbench leaderboard
tags:
- matting
- video-matting
- leaderboard
- mbench
configs:
- config_name: summary
  data_files: summary/data-*.arrow
- config_name: per_clip
  data_files: per_clip/data-*.arrow
---

# mbench leaderboard results

Made with mbench {version} (`mbench leaderboard --hf`). Two configurations:

- `summary`: one row per method and table, the same columns as `leaderboard.csv` (means, 95 %
  bootstrap intervals, Holm-adjusted p-values against the best, ranks, the share of resamples ranked
  first; `resampling` says whether clips or blocks of frames within clips were resampled, or none; `status` says whether a
  row was measured or only reported by a paper).
- `per_clip`: one row per method, table and clip: the clip's frame count and its mean of every metric.

Load a saved copy with `datasets.load_from_disk("summary")`.

"""


def summary_frame(results: list[TableResult]) -> pd.DataFrame:
    """leaderboard.csv as a typed DataFrame (numbers as float64, text as str)."""
    header, rows = csv_rows(results)
    df = pd.DataFrame(rows, columns=header)
    text = {"table", "convention", "dataset", "gt_hash", "resampling", "status", "sort_metric", "method", "source", "hardware", "evaluation"}
    for c in df.columns:
        if c not in text:
            df[c] = pd.to_numeric(df[c].replace("", np.nan), errors="raise").astype(np.float64)
    return df


def per_clip_frame(results: list[TableResult]) -> pd.DataFrame:
    metrics: list[str] = []
    for r in results:
        metrics += [m for m in r.metrics if m not in metrics]
    records = []
    for r in results:
        for row in r.rows:
            ev = row.evaluation
            means = {m: ev.clip_means(m) for m in ev.metrics}
            for k, clip in enumerate(ev.clips):
                rec = {"table": r.slug, "convention": ev.convention, "dataset": ev.label, "method": ev.method.name,
                       "clip": clip, "frames": int(ev.frames[k])}
                rec.update({m: float(means[m][k]) if m in means else np.nan for m in metrics})
                records.append(rec)
    return pd.DataFrame.from_records(records)


def write_hf(results: list[TableResult], folder: Path, markdown: str) -> Path:
    """Write the two datasets and the card under ``folder / "hf"``; returns that folder."""
    import datasets

    out = folder / "hf"
    out.mkdir()
    bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # the board has its own progress reporting
    try:
        for name, df in (("summary", summary_frame(results)), ("per_clip", per_clip_frame(results))):
            datasets.Dataset.from_pandas(df, preserve_index=False).save_to_disk(str(out / name))
    finally:
        if bars:
            datasets.enable_progress_bars()
    card = CARD_HEADER.format(version=__version__) + markdown.replace("# Leaderboard\n", "", 1)
    (out / "README.md").write_text(card, encoding="utf-8")
    return out
