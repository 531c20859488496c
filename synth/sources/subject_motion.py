"""How a procedural subject moves: every channel a closed-form :class:`~.signals.Signal` of time.

Slow sinusoids give sway, breathing and idle head motion; events give quick glances, tilts and
leans (the frames that get motion blur); wind waves and inertia move the hair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .signals import Signal, draw_signal


@dataclass(frozen=True)
class Motion:
    """The motion channels of one subject (pixels, radians, seconds)."""

    body_x: Signal
    body_y: Signal
    body_rot: Signal
    body_zoom: Signal     # relative scale change around the body's pivot
    head_x: Signal
    head_y: Signal
    head_rot: Signal      # roll around the neck
    yaw: Signal           # head turn (radians of rotation of the face about the vertical axis)
    pitch: Signal         # nod
    wind_x: tuple[tuple[float, float, float, float], ...]   # (amplitude px, freq Hz, wavenumber 1/px, phase)
    wind_y: tuple[tuple[float, float, float, float], ...]
    gust: tuple[float, float, float]                        # (freq Hz, phase, depth 0..1)
    lag: float            # seconds hair trails behind the head
    lag_gain: float
    shutter: float        # exposure as a fraction of the frame interval


def draw_motion(rng: np.random.Generator, width: int, height: int, head_ry: float) -> Motion:
    """Random motion for a subject in a ``width`` x ``height`` frame with head half-height ``head_ry``."""
    calm = rng.uniform(0.4, 1.0)          # some subjects hardly move, some fidget
    fast = rng.uniform(0.1, 0.4)          # quick events per second
    deg = math.pi / 180

    def wind(n: int, amp: float) -> tuple[tuple[float, float, float, float], ...]:
        w = rng.dirichlet(np.ones(n))
        return tuple((float(amp * wi), float(rng.uniform(0.15, 0.9)),
                      float(2 * math.pi / (rng.uniform(0.6, 2.5) * head_ry)), float(rng.uniform(0, 2 * math.pi)))
                     for wi in w)

    return Motion(
        body_x=draw_signal(rng, calm * rng.uniform(0.01, 0.05) * width, (0.03, 0.3),
                           event_rate=fast * 0.5, event_amp=0.04 * width),
        body_y=draw_signal(rng, calm * rng.uniform(0.004, 0.015) * height, (0.1, 0.35)),
        body_rot=draw_signal(rng, calm * rng.uniform(1.0, 3.5) * deg, (0.03, 0.25),
                             event_rate=fast * 0.3, event_amp=3 * deg),
        body_zoom=draw_signal(rng, rng.uniform(0.0, 0.05), (0.02, 0.1), n_waves=2),
        head_x=draw_signal(rng, calm * rng.uniform(0.0, 0.02) * width, (0.1, 0.5)),
        head_y=draw_signal(rng, calm * rng.uniform(0.0, 0.01) * height, (0.1, 0.5)),
        head_rot=draw_signal(rng, calm * rng.uniform(2.0, 8.0) * deg, (0.05, 0.4),
                             event_rate=fast, event_amp=8 * deg, event_dur=(0.2, 0.6)),
        yaw=draw_signal(rng, calm * rng.uniform(0.1, 0.5), (0.03, 0.25),
                        event_rate=fast, event_amp=0.45, event_dur=(0.3, 0.9)),
        pitch=draw_signal(rng, calm * rng.uniform(0.03, 0.2), (0.05, 0.4),
                          event_rate=fast * 0.5, event_amp=0.2),
        wind_x=wind(3, rng.uniform(0.04, 0.18) * head_ry),
        wind_y=wind(2, rng.uniform(0.01, 0.06) * head_ry),
        gust=(float(rng.uniform(0.05, 0.3)), float(rng.uniform(0, 2 * math.pi)), float(rng.uniform(0.2, 0.8))),
        lag=float(rng.uniform(0.06, 0.2)),
        lag_gain=float(rng.uniform(0.4, 1.0)),
        shutter=float(rng.uniform(0.2, 0.6)),   # 1/150 s to 1/50 s at 30 fps, as video cameras expose
    )
