"""Composition (rounded once, RVM's float64 expression) and frame sampling."""

from __future__ import annotations

import numpy as np
import pytest

from mbench.synth.compose import compose, compose_reference
from mbench.synth.sampling import clip_frames, draw_sampling, sample_offsets, start_range


@pytest.fixture(scope="module")
def layers():
    rng = np.random.default_rng(0)
    shape = (37, 53)
    fgr = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    bgr = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    pha = rng.integers(0, 256, shape, dtype=np.uint8)
    pha[:3] = 0
    pha[-3:] = 255
    bgr[5:9] = fgr[5:9]  # equal layers: the float error cases of floor
    return fgr, pha, bgr


def test_floor_is_bit_identical_to_rvm(layers):
    fgr, pha, bgr = layers
    a = np.asarray(pha).astype(float)[:, :, None] / 255
    rvm = np.uint8(np.asarray(fgr) * a + np.asarray(bgr) * (1 - a))  # generate_videomatte_with_background_*.py
    assert np.array_equal(compose(fgr, pha, bgr, "floor"), rvm)


def test_half_up_rounds_the_exact_value_once(layers):
    fgr, pha, bgr = layers
    com = compose(fgr, pha, bgr, "half-up")
    assert np.array_equal(com, compose_reference(fgr, pha, bgr, "half-up"))
    exact = (fgr.astype(np.int64) * pha[..., None] + bgr.astype(np.int64) * (255 - pha[..., None])) / 255
    assert np.abs(com - exact).max() <= 0.5 + 1e-9
    assert np.array_equal(com[:3], bgr[:3]) and np.array_equal(com[-3:], fgr[-3:])


def test_compose_checks_shapes(layers):
    fgr, pha, bgr = layers
    with pytest.raises(ValueError, match="shapes differ"):
        compose(fgr, pha[:-1], bgr)


def test_speeds_shift_reverse():
    assert sample_offsets({"speed": 0.5, "shift": 0, "reverse": False}, 5) == [0, 0, 1, 1, 2]
    assert sample_offsets({"speed": 3.0, "shift": 2, "reverse": False}, 4) == [2, 5, 8, 11]
    assert sample_offsets({"speed": 1.0, "shift": 1, "reverse": True}, 3) == [3, 2, 1]
    profile = {"speeds": [0.5, 1.0, 2.0, 3.0, 4.0, 5.0], "shift": True, "reverse_p": 0.5}
    rng = np.random.default_rng(0)
    draws = [draw_sampling(rng, profile, 8) for _ in range(600)]
    assert {d["speed"] for d in draws} == set(profile["speeds"])
    assert {d["shift"] for d in draws} == set(range(8))
    assert 0.4 < np.mean([d["reverse"] for d in draws]) < 0.6
    none = {"speeds": [1.0], "shift": False, "reverse_p": 0.0}
    assert sample_offsets(draw_sampling(rng, none, 4), 4) == [0, 1, 2, 3]


def test_frame_rate_reduction_and_wrap_around():
    assert clip_frames(1, 4, 3, 100) == [1, 4, 7, 10]  # keep one frame in three
    assert clip_frames(5, 4, 3, 9) == [5, 8, 2, 5]      # wraps around a short source
    assert start_range(4, 3, 100) == 91                 # last start 90 still fits 10 frames
    assert start_range(40, 3, 100) == 1                 # too short: start 0 and wrap
