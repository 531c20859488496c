"""Qualitative figures (--figures): picks, grids, LaTeX snippet and the page's viewer."""

from __future__ import annotations

import numpy as np
import pytest
from figure_store import figure_store

from mbench.cli import main
from mbench.errors import BadInput
from mbench.leaderboard import figures
from mbench.leaderboard.board import Options, compute_board
from mbench.leaderboard.store import group_tables, load_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return figure_store(tmp_path_factory.mktemp("fig"))


def test_the_crop_is_where_the_methods_disagree():
    truth = np.zeros((30, 30))
    same = truth.copy()
    other = truth.copy()
    other[20:26, 3:9] = 1.0          # only here do the two methods differ
    y0, x0, side = figures.pick_crop(truth, [same, other])
    assert side == 10 and y0 <= 20 and y0 + side >= 26 and x0 <= 3 and x0 + side >= 9


def test_frames_are_picked_where_the_metric_spreads_most(store):
    (result,) = compute_board(group_tables(load_store(store)), Options(resamples=200))
    picks = figures.pick_frames(result, 2)
    assert len(picks) == 2 and len({clip for clip, _ in picks}) == 2
    table = {row.name: row.evaluation.per_frame.set_index(["clip", "frame"])["mad"] for row in result.rows}
    spread = {key: np.std([table[m][key] for m in table]) for key in table["blur"].index}
    assert spread[picks[0]] == max(spread.values())


def test_figures_write_grids_a_latex_snippet_and_a_viewer(store, tmp_path):
    board = tmp_path / "board"
    assert main(["leaderboard", str(store), "--out", str(board), "--resamples", "200", "--figures", "--quiet"]) == 0
    stem = next(board.glob("figures/*_qualitative.pdf")).with_suffix("")
    for ext in (".pdf", ".svg", ".png"):
        assert stem.with_suffix(ext).stat().st_size > 2000
    assert stem.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"
    tex = stem.with_suffix(".tex").read_text()
    assert f"\\includegraphics[width=\\linewidth]{{{stem.name}.pdf}}" in tex and "blobs" in tex
    page = (board / "index.html").read_text()
    assert page.count('class="viewer"') == 1 and 'type="range"' in page
    chosen = tmp_path / "chosen"
    assert main(["leaderboard", str(store), "--out", str(chosen), "--resamples", "200",
                 "--figure-frame", "clip1:0002", "--quiet"]) == 0
    assert "clip1 frame 0002" in next(chosen.glob("figures/*.tex")).read_text()


def test_a_frame_that_does_not_exist_is_bad_input(store, tmp_path):
    with pytest.raises(BadInput, match="clip 'clip1' has no frame '0099'"):
        from mbench.leaderboard.build import build
        build(load_store(store), tmp_path / "b", Options(resamples=200, figures=True,
                                                          figure_frames=("clip1:0099",)),
              command="test", stores=[store])
    assert not (tmp_path / "b").exists()
    with pytest.raises(BadInput, match="expected CLIP:FRAME"):
        Options(figure_frames=("nocolon",)).check()


@pytest.mark.browser
def test_the_viewer_in_headless_chromium(store, tmp_path):
    from mbench.leaderboard.browser import Browser

    board = tmp_path / "board"
    assert main(["leaderboard", str(store), "--out", str(board), "--resamples", "200", "--figures", "--quiet"]) == 0
    with Browser(1280, 900, timeout=30) as b:
        b.open(board / "index.html")
        b.find("body[data-ready='1']")
        right = "document.querySelector('.viewer img.right')"
        state = lambda: b.script(f"var r = {right}; return [r.dataset.frame, r.dataset.method, r.dataset.mode, "  # noqa: E731
                                 f"r.complete && r.naturalWidth > 0, r.src.length]")
        first = state()
        methods = b.script("return Array.from(document.querySelectorAll('.viewer input[type=radio]'))"
                           ".filter(i => i.name.startsWith('method-')).map(i => i.value)")
        assert sorted(methods) == ["blur", "noise", "shift"]
        assert first[:3] == ["0000", methods[0], "alpha"] and first[3]
        b.script("var s = document.querySelector('.viewer input.frame'); s.value = 2;"
                 "s.dispatchEvent(new Event('input', {bubbles: true}));")
        assert state()[0] == "0002"
        b.click(b.find(f".viewer input[value='{methods[-1]}']"))
        b.click(b.find(".viewer input[value='error']"))
        now = state()
        assert now[1:3] == [methods[-1], "error"] and now[3] and now[4] != first[4]
        b.script("var z = document.querySelector('.viewer input.zoom'); z.value = 4;"
                 "z.dispatchEvent(new Event('input', {bubbles: true}));")
        width = b.script(f"return {right}.getBoundingClientRect().width")
        pane = b.script("return document.querySelector('.viewer .pane').clientWidth")
        assert width > 3 * pane            # zoomed: the pane scrolls
