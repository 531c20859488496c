"""Named evaluation protocols: one module each, one registry line each (see ``base.py``)."""

from __future__ import annotations

# name -> module under mbench.benchmark.protocols; a module is imported only when its protocol runs.
PROTOCOLS: dict[str, str] = {
    "dvm": "dvm",
    "maggie": "maggie",
    "tcvom": "tcvom",
    "ftpvm": "ftpvm",
}
