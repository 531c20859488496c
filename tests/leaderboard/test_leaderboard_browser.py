"""The page in a real browser: headless Chromium through chromedriver's WebDriver API.

This test fails (it does not skip) when Chromium or chromedriver is missing: CI installs them.
"""

from __future__ import annotations

import pytest
from leaderboard_helpers import example_store

from mbench.cli import main
from mbench.leaderboard.browser import Browser

NAMES = "#table-rvm-vm-valid tbody.measured tr td:nth-child(2)"


@pytest.mark.browser
def test_page_renders_sorts_and_is_screenshotted(tmp_path, capsys):
    store = example_store(tmp_path / "store", n_clips=6, frames=4)
    board = tmp_path / "board"
    assert main(["leaderboard", str(store), "--out", str(board), "--resamples", "500", "--reported",
                 "--quiet"]) == 0
    with Browser(1280, 900, timeout=30) as b:
        b.open(board / "index.html")
        b.find("body[data-ready='1']")  # the page's script ran to its end
        assert b.script("return document.title") == "mbench leaderboard"
        assert b.texts(NAMES) == ["GoodNet", "MidNet", "BadNet"]  # by MAD, lowest first
        assert len(b.find_all("#table-rvm-vm-valid tbody.reported tr")) == 0  # published: own tables
        assert len(b.find_all("#table-published-R1 tbody.reported tr")) >= 5
        assert b.script("return document.documentElement.scrollWidth") <= 1280  # wide tables scroll inside
        heads = b.texts("#table-rvm-vm-valid thead th")
        fps = b.find_all("#table-rvm-vm-valid thead th")[heads.index("FPS")]
        b.click(fps)
        assert b.texts(NAMES) == ["MidNet", "GoodNet", "BadNet"]  # 60, 120, 200 fps
        b.click(fps)
        assert b.texts(NAMES) == ["BadNet", "GoodNet", "MidNet"]
        assert b.script("return arguments[0].getAttribute('aria-sort')", {
            "element-6066-11e4-a52e-4f735466cecf": fps}) == "descending"
        b.click(b.find_all("#table-rvm-vm-valid thead th")[heads.index("Method")])
        assert b.texts(NAMES) == ["BadNet", "GoodNet", "MidNet"]  # alphabetical
        images = b.script("return Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
        assert images == [True, True, True]
        fetched = b.script("return performance.getEntriesByType('resource')"
                           ".filter(e => !e.name.startsWith('data:')).map(e => e.name)")
        assert fetched == []  # nothing loaded from anywhere
        assert len(b.find_all(".card")) == 3
        shot = b.screenshot(tmp_path / "leaderboard_page.png", full_page=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    with capsys.disabled():
        print(f"\nleaderboard page screenshot: {shot}")
