"""A minimal W3C WebDriver client for headless Chromium, over ``urllib`` (no selenium).

It starts ``chromedriver`` on a free localhost port, opens one headless Chromium session and talks
to it with JSON over HTTP. Every request and every wait has a timeout; leaving the ``with`` block
always deletes the session and ends chromedriver (terminate, then kill)::

    with Browser() as b:
        b.open(Path("board/index.html"))
        rows = b.texts("table.board tbody.measured tr td:nth-child(2)")
        b.click(b.find("th[data-metric='mse']"))
        b.screenshot(Path("page.png"))
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", "--hide-scrollbars"]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserError(RuntimeError):
    """Chromium or chromedriver is missing, or the browser did not answer in time."""


def find_programs() -> tuple[str, str]:
    """Paths of chromedriver and Chromium (``CHROMEDRIVER`` and ``CHROMIUM`` override)."""
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    browser = os.environ.get("CHROMIUM") or next(filter(None, map(shutil.which, BROWSERS)), None)
    if not driver or not browser:
        missing = " and ".join(n for n, p in (("chromedriver", driver), ("chromium", browser)) if not p)
        raise BrowserError(f"{missing} not found (Debian: apt-get install chromium chromium-driver)")
    return driver, browser


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One headless Chromium session driven through chromedriver (a context manager)."""

    def __init__(self, width: int = 1280, height: int = 900, timeout: float = 30.0):
        self.width, self.height, self.timeout = width, height, timeout
        self._proc: subprocess.Popen | None = None
        self._profile: tempfile.TemporaryDirectory | None = None
        self._url = ""
        self._session: str | None = None

    # --- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> "Browser":
        driver, chromium = find_programs()
        port = _free_port()
        self._url = f"http://127.0.0.1:{port}"
        self._profile = tempfile.TemporaryDirectory(prefix="mbench-chromium-")
        try:
            self._proc = subprocess.Popen([driver, f"--port={port}"], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._wait(lambda: self._call("GET", "/status", timeout=2).get("ready"), "chromedriver to start")
            args = CHROME_ARGS + [f"--user-data-dir={self._profile.name}",
                                  f"--window-size={self.width},{self.height}"]
            caps = {"capabilities": {"alwaysMatch": {
                "browserName": "chrome", "goog:chromeOptions": {"binary": chromium, "args": args}}}}
            self._session = self._call("POST", "/session", caps)["sessionId"]
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._session is not None:
                try:
                    self._call("DELETE", f"/session/{self._session}", timeout=10)
                except (BrowserError, OSError):
                    pass
                self._session = None
        finally:
            if self._proc is not None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(timeout=10)
                self._proc = None
            if self._profile is not None:
                self._profile.cleanup()
                self._profile = None

    # --- protocol ---------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict | None = None, timeout: float | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self._url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:
                payload = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            detail = json.loads(e.read() or b"{}").get("value", {})
            raise BrowserError(f"{method} {path}: {detail.get('error', e.code)}: "
                               f"{str(detail.get('message', ''))[:200]}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout) as e:
            raise BrowserError(f"{method} {path}: {e}") from None
        return payload.get("value", payload)

    def _wait(self, condition, what: str) -> Any:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                result = condition()
                if result:
                    return result
            except BrowserError:
                pass
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out after {self.timeout:g} s waiting for {what}")
            time.sleep(0.1)

    def _s(self, path: str) -> str:
        return f"/session/{self._session}{path}"

    # --- what tests and the screenshot tool use -----------------------------------------------
    def open(self, page: Path) -> None:
        """Load a local file and wait until the page (and its scripts) finished loading."""
        self._call("POST", self._s("/url"), {"url": Path(page).resolve().as_uri()})
        self._wait(lambda: self.script("return document.readyState") == "complete", "the page to load")

    def script(self, source: str, *args: Any) -> Any:
        return self._call("POST", self._s("/execute/sync"), {"script": source, "args": list(args)})

    def find_all(self, css: str) -> list[str]:
        found = self._call("POST", self._s("/elements"), {"using": "css selector", "value": css})
        return [e[ELEMENT] for e in found]

    def find(self, css: str) -> str:
        found = self.find_all(css)
        if not found:
            raise BrowserError(f"no element matches {css!r}")
        return found[0]

    def click(self, element: str) -> None:
        self._call("POST", self._s(f"/element/{element}/click"), {})

    def text(self, element: str) -> str:
        return self._call("GET", self._s(f"/element/{element}/text"))

    def texts(self, css: str) -> list[str]:
        return [self.text(e) for e in self.find_all(css)]

    def resize(self, width: int, height: int) -> None:
        self._call("POST", self._s("/window/rect"), {"width": width, "height": height})

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        """Save a PNG of the window (``full_page``: first grow the window to the page, at most 6000 px)."""
        if full_page:
            height = int(self.script("return document.documentElement.scrollHeight"))
            self.resize(self.width, min(max(height + 120, self.height), 6000))
        png = base64.b64decode(self._call("GET", self._s("/screenshot")))
        Path(path).write_bytes(png)
        return Path(path)
