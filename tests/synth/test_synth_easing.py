"""Easing curves and easing-driven motion: every curve, endpoints, overshoot kept in the canvas."""

from __future__ import annotations

import numpy as np
import pytest

from mbench.errors import BadInput
from mbench.synth import easing
from mbench.synth.geometry import params_matrix
from mbench.synth.motion import affine_bounds, draw_motion, draw_ramp, motion_at, ramp_at

# seed 000, Table 2, verbatim
TABLE_2 = """LinearInOut BackEaseIn BackEaseOut BackEaseInOut BounceEaseIn BounceEaseOut BounceEaseInOut
CircularEaseIn CircularEaseOut CircularEaseInOut CubicEaseIn CubicEaseOut CubicEaseInOut ExponentialEaseIn
ExponentialEaseOut ExponentialEaseInOut ElasticEaseIn ElasticEaseOut ElasticEaseInOut QuadEaseIn QuadEaseOut
QuadEaseInOut QuarticEaseIn QuarticEaseOut QuarticEaseInOut QuinticEaseIn QuinticEaseOut QuinticEaseInOut
SineEaseIn SineEaseOut SineEaseInOut""".split()
RANGES = {"rotation": 10.0, "translate": 0.1, "scale": [0.9, 1.1], "shear": 5.0}


def test_the_curves_are_table_2_plus_step():
    assert len(TABLE_2) == 31
    assert set(easing.PACKAGE_CURVES) == set(TABLE_2)
    assert set(easing.ALL_CURVES) == set(TABLE_2) | {"Step"}
    assert len(easing.MOTION_CURVES) == 31 and easing.LINEAR not in easing.MOTION_CURVES


@pytest.mark.parametrize("name", easing.ALL_CURVES)
def test_every_curve_has_exact_endpoints_and_matches_the_package(name):
    assert easing.ease(name, 0.0) == 0.0
    assert easing.ease(name, 1.0) == 1.0
    values = easing.curve_values(name, 11)
    assert values[0] == 0.0 and values[-1] == 1.0
    if name != "Step":
        import easing_functions

        ref = getattr(easing_functions, name)()
        for t in np.linspace(0.05, 0.95, 7):
            assert easing.ease(name, t) == pytest.approx(ref(t), abs=1e-12)


def test_step_and_overshooting_curves():
    assert easing.ease("Step", 0.49) == 0.0 and easing.ease("Step", 0.5) == 1.0
    t = np.linspace(0, 1, 401)
    for name in ("BackEaseIn", "BackEaseInOut", "ElasticEaseIn", "ElasticEaseOut", "ElasticEaseInOut"):
        v = [easing.ease(name, x) for x in t]
        assert min(v) < -0.05 or max(v) > 1.05, name  # they do overshoot [0, 1]


def test_unknown_curve_is_bad_input():
    with pytest.raises(BadInput, match="unknown easing curve"):
        easing.ease("WobbleEaseIn", 0.5)


def test_draw_curve_uses_linear_with_its_probability_and_reaches_every_curve():
    rng = np.random.default_rng(0)
    names = [easing.draw_curve(rng, 0.2) for _ in range(4000)]
    assert 0.17 < names.count(easing.LINEAR) / len(names) < 0.23
    assert set(names) == set(easing.ALL_CURVES)


@pytest.mark.parametrize("name", easing.ALL_CURVES)
def test_motion_endpoints_exact_and_overshoot_kept_within_ranges_and_canvas(name):
    rng = np.random.default_rng(1)
    bounds = affine_bounds(RANGES)
    size = (64, 48)
    for _ in range(5):
        motion = draw_motion(rng, RANGES, 0.0)
        motion["curve"] = name
        # extreme start and end sets make an overshoot push past the range
        motion["a"] = {k: bounds[k][0] for k in motion["a"]}
        motion["b"] = {k: bounds[k][1] for k in motion["b"]}
        length = 40
        assert motion_at(motion, 0, length) == motion["a"]
        assert motion_at(motion, length - 1, length) == motion["b"]
        for t in range(length):
            p = motion_at(motion, t, length)
            for key, (lo, hi) in bounds.items():
                assert lo <= p[key] <= hi
            # the subject's centre stays inside the canvas
            m = params_matrix(p, size)
            cx, cy, _ = m @ np.array([(size[0] - 1) / 2, (size[1] - 1) / 2, 1.0])
            assert 0 <= cx <= size[0] - 1 and 0 <= cy <= size[1] - 1


def test_overshoot_stays_visible_inside_the_range():
    # A and B in the middle of the range: Elastic's overshoot leaves [A, B] without being clamped
    motion = {"curve": "ElasticEaseOut", "a": dict(angle=0.0, tx=0.0, ty=0.0, scale=1.0, shear=0.0),
              "b": dict(angle=2.0, tx=0.0, ty=0.0, scale=1.0, shear=0.0), "ranges": RANGES}
    angles = [motion_at(motion, t, 50)["angle"] for t in range(50)]
    assert max(angles) > 2.2


def test_ramps_interpolate_scalars_and_vectors():
    rng = np.random.default_rng(2)
    ramp = draw_ramp(rng, lambda r: [1.0, 2.0], 1.0)
    ramp["b"] = [3.0, 6.0]
    assert ramp_at(ramp, 0, 5) == [1.0, 2.0] and ramp_at(ramp, 4, 5) == [3.0, 6.0]
    assert ramp_at(ramp, 2, 5) == [2.0, 4.0]  # linear curve (linear_p = 1)
    scalar = {"curve": "QuadEaseIn", "a": 0.0, "b": 10.0}
    assert ramp_at(scalar, 1, 3) == pytest.approx(2.5)
    assert ramp_at(scalar, 0, 1) == 0.0  # a one-frame sequence sits at the start
