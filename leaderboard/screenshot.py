"""Screenshot a board page in headless Chromium.

    python -m mbench.leaderboard.screenshot BOARD/index.html OUT.png [--width 1280] [--height 900] [--full-page]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .browser import Browser, BrowserError


def screenshot(page: Path, out: Path, *, width: int = 1280, height: int = 900, full_page: bool = False,
               timeout: float = 30.0) -> Path:
    """Open ``page``, wait for its script to finish, and save a PNG screenshot to ``out``."""
    page = Path(page)
    if not page.is_file():
        raise BrowserError(f"{page}: no such page")
    with Browser(width, height, timeout) as b:
        b.open(page)
        b.find("body[data-ready='1']")
        return b.screenshot(Path(out), full_page=full_page)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mbench.leaderboard.screenshot",
                                description="Save a PNG screenshot of a leaderboard page (headless Chromium).")
    p.add_argument("page", type=Path, help="the page, e.g. BOARD/index.html")
    p.add_argument("out", type=Path, help="PNG to write")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=900)
    p.add_argument("--full-page", action="store_true", help="grow the window to the whole page (max 6000 px)")
    args = p.parse_args(argv)
    try:
        path = screenshot(args.page, args.out, width=args.width, height=args.height, full_page=args.full_page)
    except BrowserError as e:
        print(f"screenshot: error: {e}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
