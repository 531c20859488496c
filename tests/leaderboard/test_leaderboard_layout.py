"""Layout: with one clip and long names, no title, label or legend entry falls outside its figure."""

from __future__ import annotations

import numpy as np
import pytest
from leaderboard_helpers import write_evaluation
from matplotlib.text import Text

from mbench.leaderboard import plots
from mbench.leaderboard.board import Options, compute_board
from mbench.leaderboard.store import group_tables, load_store


@pytest.fixture
def one_clip(tmp_path):
    rng = np.random.default_rng(0)
    for k in range(6):
        vals = {"the-only-clip": {m: list(rng.uniform(1, 2, 40) * (k + 1)) for m in ("mad", "mse", "dtssd")}}
        write_evaluation(tmp_path / f"m{k}", vals, gt="/data/a-dataset-with-a-rather-long-name/valid",
                         method={"name": f"A fairly long method name number {k}", "fps": 10.0 + k})
    return compute_board(group_tables(load_store(tmp_path)), Options(resamples=200))[0]


@pytest.mark.parametrize("plot", ["bars", "over_time", "speed"])
def test_nothing_is_clipped_with_one_clip(one_clip, plot, monkeypatch, tmp_path):
    figures = []
    monkeypatch.setattr(plots, "_save", lambda fig, folder, name: figures.append(fig))
    import matplotlib

    with matplotlib.rc_context(plots.RC):
        getattr(plots, plot)(one_clip, plots.method_colors([one_clip]), tmp_path)
    (fig,) = figures
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert any("A fairly long method name number 5" in t.get_text() for t in texts)
    assert any("a-dataset-with-a-rather-long-name/valid" in t.get_text() for t in texts)
    drawn = fig.get_tightbbox(renderer)   # everything drawn (titles, labels, legends), in inches
    page = fig.bbox_inches
    assert drawn.x0 >= page.x0 - 0.02 and drawn.x1 <= page.x1 + 0.02, (drawn, page)
    assert drawn.y0 >= page.y0 - 0.02 and drawn.y1 <= page.y1 + 0.02, (drawn, page)


@pytest.mark.browser
def test_a_wide_table_scrolls_inside_its_box_at_1280_px(tmp_path):
    from mbench.cli import main
    from mbench.leaderboard.browser import Browser

    rng = np.random.default_rng(1)
    metrics = ("mad", "mse", "grad", "conn", "dtssd", "fgr_mad", "fgr_mse", "messddt")
    for k in range(4):
        vals = {f"clip{c}": {m: list(rng.uniform(1, 2, 30) * (k + 1)) for m in metrics} for c in range(2)}
        write_evaluation(tmp_path / "store" / f"m{k}", vals, gt="/data/wide/valid",
                         method={"name": f"A fairly long method name number {k}", "parameters": 1234567,
                                 "gmacs": 4.5, "fps": 10.0 + k})
    assert main(["leaderboard", str(tmp_path / "store"), "--out", str(tmp_path / "board"), "--resamples",
                 "200", "--quiet"]) == 0
    with Browser(1280, 900, timeout=30) as b:
        b.open(tmp_path / "board" / "index.html")
        b.find("body[data-ready='1']")
        assert b.script("return document.documentElement.scrollWidth") <= 1280
        inner, box = b.script("var s = document.querySelector('.scroll'); return [s.scrollWidth, s.clientWidth]")
        assert inner > box  # the table is wider than its box, which scrolls
