"""Smooth signals of time: sums of sinusoids plus occasional quick "events".

A :class:`Signal` is evaluated in closed form at any ``t``, so frame ``k`` of an animation never
depends on frame ``k - 1``. An event is a there-and-back bump, ``sin(pi u)^2`` over its duration
(a quick glance, a lean, a camera jolt). Events are drawn over a fixed horizon
(``EVENT_HORIZON`` seconds) whatever the clip's length, so a longer clip of the same item starts
with the same frames.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

EVENT_HORIZON = 600.0   # seconds of events drawn per signal (20 minutes at 30 fps)
MAX_EVENT = 1.0         # the longest event, seconds


@dataclass(frozen=True)
class Signal:
    """``sum a sin(2 pi f t + phase)`` plus bumps ``A sin(pi (t - start) / d)^2`` on ``[start, start + d)``."""

    waves: tuple[tuple[float, float, float], ...]           # (amplitude, frequency Hz, phase)
    starts: tuple[float, ...] = ()                            # sorted event start times
    events: tuple[tuple[float, float], ...] = ()              # (duration s, amplitude) per start

    def __call__(self, t: float) -> float:
        v = 0.0
        for a, f, p in self.waves:
            v += a * math.sin(2 * math.pi * f * t + p)
        if self.starts:
            lo = bisect.bisect_right(self.starts, t - MAX_EVENT)
            hi = bisect.bisect_right(self.starts, t)
            for i in range(lo, hi):
                d, amp = self.events[i]
                u = (t - self.starts[i]) / d
                if 0.0 <= u < 1.0:
                    v += amp * math.sin(math.pi * u) ** 2
        return v


def draw_signal(rng: np.random.Generator, amplitude: float, freq: tuple[float, float],
                n_waves: int = 3, event_rate: float = 0.0, event_amp: float = 0.0,
                event_dur: tuple[float, float] = (0.25, 0.8)) -> Signal:
    """A random :class:`Signal` whose waves' amplitudes sum to ``amplitude``.

    Events arrive as a Poisson process of ``event_rate`` per second with amplitudes
    ``N(0, event_amp^2)`` and durations uniform in ``event_dur`` (at most ``MAX_EVENT``).
    """
    weights = rng.dirichlet(np.ones(n_waves))
    waves = tuple((float(amplitude * w), float(rng.uniform(*freq)), float(rng.uniform(0, 2 * math.pi)))
                  for w in weights)
    if event_rate <= 0 or event_amp == 0:
        return Signal(waves)
    n = int(rng.poisson(event_rate * EVENT_HORIZON))
    starts = np.sort(rng.uniform(0.0, EVENT_HORIZON, n))
    durs = np.minimum(rng.uniform(*event_dur, n), MAX_EVENT)
    amps = rng.normal(0.0, event_amp, n)
    return Signal(waves, tuple(float(s) for s in starts),
                  tuple((float(d), float(a)) for d, a in zip(durs, amps)))
