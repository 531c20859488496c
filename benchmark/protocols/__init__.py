"""Named evaluation protocols: one module each, one registry line each (see ``base.py``)."""

from __future__ import annotations

# name -> module under mbench.benchmark.protocols; a module is imported only when its protocol runs.
PROTOCOLS: dict[str, str] = {
    "gca": "gca",
    "gfm": "gfm",
    "mmagic": "mmagic",
    "vitmatte_py": "vitmatte_py",
    "dvm": "dvm",
    "maggie": "maggie",
    "tcvom": "tcvom",
    "ftpvm": "ftpvm",
}
