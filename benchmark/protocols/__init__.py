"""Named evaluation protocols: one module each, one registry line each (see ``base.py``)."""

from __future__ import annotations

# name -> module under mbench.benchmark.protocols; a module is imported only when its protocol runs.
PROTOCOLS: dict[str, str] = {
    "gca": "mbench.benchmark.protocols.gca",
    "gfm": "mbench.benchmark.protocols.gfm",
    "mmagic": "mbench.benchmark.protocols.mmagic",
    "vitmatte_py": "mbench.benchmark.protocols.vitmatte_py",
    "dvm": "mbench.benchmark.protocols.dvm",
    "maggie": "mbench.benchmark.protocols.maggie",
    "tcvom": "mbench.benchmark.protocols.tcvom",
    "ftpvm": "mbench.benchmark.protocols.ftpvm",
}
