"""Named evaluation protocols: one module each, one registry line each (see ``base.py``)."""

from __future__ import annotations

# name -> module under mbench.benchmark.protocols; a module is imported only when its protocol runs.
PROTOCOLS: dict[str, str] = {
    "rvm": "mbench.benchmark.protocols.rvm",
    "rvm_hr": "mbench.benchmark.protocols.rvm_hr",
    "matanyone": "mbench.benchmark.protocols.matanyone",
    "matanyone_crgnn": "mbench.benchmark.protocols.matanyone_crgnn",
    "dim": "mbench.benchmark.protocols.dim",
}
