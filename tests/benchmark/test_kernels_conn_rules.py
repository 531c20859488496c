"""kernels/conn_rules against the slow per-threshold restatement on small random mattes, where equal
components, empty intersections and a winning background are common (all three ports' rules)."""

from __future__ import annotations

import numpy as np
import pytest

import slow_image as slow
from mbench.benchmark.kernels import conn_rules

VALUES = np.array([0, 26, 51, 100, 153, 180, 204, 230, 255], np.uint8)


@pytest.mark.parametrize("rule,values,levels", [("standard", "float64", "float64"),
                                                ("skip_empty", "float64", "float32"),
                                                ("background", "float32", "float64")])
def test_rules_against_slow(rule, values, levels):
    rng = np.random.default_rng(sum(map(ord, rule)))  # fixed per rule
    level_dtype = np.float32 if levels == "float32" else np.float64
    for _ in range(40):
        h, w = rng.integers(1, 8), rng.integers(1, 9)
        dense = rng.random() < 0.5  # mostly opaque frames: a component beats the background
        pick = lambda: VALUES[rng.integers(5 if dense else 0, len(VALUES), (h, w))]  # noqa: E731
        p, g = pick(), pick()
        region = None if rng.random() < 0.3 else rng.choice(np.array([0, 128, 255], np.uint8), (h, w))
        got = conn_rules.conn_sum(p, g, region, rule=rule, values=values, levels=levels) / 1000
        want = slow.conn(p, g, region, rule, values=values, level_dtype=level_dtype)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), (p, g, region)


def test_unknown_rule():
    with pytest.raises(ValueError, match="unknown Conn rule"):
        conn_rules.conn_sum(np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.uint8), None, rule="x",
                            values="float64")
