"""Which frames a sequence shows (RVM ``TrainFrameSampler``, seed 000's frame-rate reduction).

A sequence of ``T`` frames is a window into a clip: offsets ``int(f * speed) + shift`` for
``f = 0 .. T-1`` (speed from the profile, e.g. {0.5, 1, 2, 3, 4, 5}: 0.5 repeats frames; shift from
``0 .. T-1``), reversed with probability ``reverse_p``; indices wrap around the clip. Frame-rate
reduction (keep one frame in N) is applied when the clip's frames are chosen from its source.
"""

from __future__ import annotations

import numpy as np


def draw_sampling(rng: np.random.Generator, profile: dict, length: int) -> dict:
    """Draw a sequence's speed, shift and direction from a sampling profile."""
    speeds = profile["speeds"]
    speed = float(speeds[int(rng.integers(len(speeds)))])
    shift = int(rng.integers(length)) if profile["shift"] and length > 0 else 0
    reverse = bool(rng.random() < profile["reverse_p"]) if profile["reverse_p"] > 0 else False
    return {"speed": speed, "shift": shift, "reverse": reverse}


def sample_offsets(draw: dict, length: int) -> list[int]:
    """The frame offsets of a sequence (relative to its window start, before wrapping)."""
    offsets = [int(f * draw["speed"]) + draw["shift"] for f in range(length)]
    return offsets[::-1] if draw["reverse"] else offsets


def clip_frames(start: int, length: int, keep_one_in: int, source_frames: int) -> list[int]:
    """Source frame indices of a clip: every ``keep_one_in``-th frame from ``start``, wrapping."""
    return [(start + m * keep_one_in) % source_frames for m in range(length)]


def start_range(length: int, keep_one_in: int, source_frames: int) -> int:
    """How many start frames fit ``length`` frames at one in ``keep_one_in`` without wrapping
    (at least one: a short source wraps)."""
    span = (length - 1) * keep_one_in + 1
    return max(1, source_frames - span + 1)
