"""The one CSV writer and reader of benchmark/results.py: absent cells (empty) stay apart from NaN."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mbench.benchmark.results import absent_table, format_value, read_csv, to_csv


def test_absent_nan_and_numbers_round_trip(tmp_path):
    rows = [{"clip": "a", "frame": "0", "x": 0.1, "y": math.nan},
            {"clip": "a", "frame": "1", "y": 2.5},                      # x absent
            {"clip": "b", "frame": "0", "x": math.nan, "y": -1e-300}]
    df = absent_table(rows, ("clip", "frame", "x", "y"))
    assert str(df["x"].dtype) == "Float64" and df["y"].dtype == np.float64  # only x has an absent cell
    text = to_csv(df)
    assert text == "clip,frame,x,y\na,0,0.1,nan\na,1,,2.5\nb,0,nan,-1e-300\n"
    path = tmp_path / "t.csv"
    path.write_text(text)
    back = read_csv(path)
    assert back["x"].isna().tolist() == [False, True, False]       # only the empty cell is <NA>
    assert back["x"][1] is pd.NA and math.isnan(back["x"][2]) and back["x"][0] == 0.1
    assert back["y"].dtype == np.float64 and math.isnan(back["y"][0]) and back["y"][2] == -1e-300
    assert to_csv(back) == text                                     # the reader gives the writer's bytes


def test_without_absent_cells_nothing_changes(tmp_path):
    rows = [{"clip": "", "frame": "img", "x": 1.0, "n": 3}]
    df = absent_table(rows, ("clip", "frame", "x", "n"))
    assert to_csv(df) == to_csv(pd.DataFrame(rows)) == ",img,1.0,3\n".join(["clip,frame,x,n\n", ""])
    assert format_value(pd.NA) == "" and format_value(math.nan) == "nan" and format_value(np.int64(2)) == "2"


def test_text_columns_stay_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("clip,frame,note,x\n,0,,1\n,1,word,\n")
    back = read_csv(path)
    assert back["note"].tolist() == ["", "word"] and back["clip"].tolist() == ["", ""]
    assert back["x"][1] is pd.NA and back["x"][0] == 1.0
