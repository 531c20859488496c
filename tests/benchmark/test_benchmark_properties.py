"""Properties that hold for any mattes (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mbench.benchmark import evaluate_arrays

METRICS = ["mad", "mse", "grad", "conn", "dtssd"]


def mattes(max_side=12):
    shapes = st.tuples(st.integers(1, 3), st.integers(1, max_side), st.integers(1, max_side))
    return shapes.flatmap(lambda s: arrays(np.uint8, s, elements=st.sampled_from([0, 0, 255, 255, 1, 26, 128, 153, 200, 254])))


@settings(max_examples=60, deadline=None)
@given(mattes())
def test_identical_mattes_score_zero(x):
    df = evaluate_arrays(x, x)
    for m in METRICS:
        assert (df[m] == 0).all(), m


@settings(max_examples=60, deadline=None)
@given(mattes().flatmap(lambda a: st.tuples(st.just(a), arrays(np.uint8, a.shape))))
def test_metrics_are_symmetric(pair):
    a, b = pair
    ab, ba = evaluate_arrays(a, b), evaluate_arrays(b, a)
    for m in METRICS:
        np.testing.assert_allclose(ab[m], ba[m], rtol=1e-12, atol=0)


# The float inputs x / 255 carry float32 rounding, at most eps = 2**-24 each (values <= 1), so a
# per-pixel difference moves by up to 2 eps: MAD (x1e3) by 2e3 eps, MSE (x1e3) by 4e3 eps (d^2 moves
# by 2|d| 2 eps), dtSSD (x1e2) by 4e2 eps. Small differences make that large against the value
# (hypothesis found MSE 2.1e-6 relative for 128 against 121). Grad squares differences of nearly
# equal gradient magnitudes, so it also gets an absolute 1e-9 (values run 1e-3..10; hypothesis found
# 3.4e-6 relative at Grad 1.9e-5). Conn's levels come from the same float32 thresholds on both paths.
EPS32 = 2.0 ** -24
FLOAT_INPUT_ATOL = {"mad": 2e3 * EPS32, "mse": 4e3 * EPS32, "dtssd": 4e2 * EPS32, "grad": 1e-9,
                    "conn": 1e-12}


@settings(max_examples=40, deadline=None)
@given(mattes().flatmap(lambda a: st.tuples(st.just(a), arrays(np.uint8, a.shape))))
@example(pair=(np.array([[[128]]], np.uint8), np.array([[[121]]], np.uint8)))
def test_values_are_nonnegative_and_uint8_equals_float(pair):
    a, b = pair
    ints = evaluate_arrays(a, b)
    floats = evaluate_arrays(a.astype(np.float32) / 255, b.astype(np.float32) / 255)
    for m in METRICS:
        assert (ints[m] >= 0).all()
        np.testing.assert_allclose(floats[m], ints[m], rtol=2e-6, atol=FLOAT_INPUT_ATOL[m])
