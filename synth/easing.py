"""Easing curves that drive motion augmentation (seed 000, Table 2; RVM ``dataset/augmentation.py``).

The 31 curves of package ``easing-functions`` 1.0.4 (``LinearInOut`` plus In/Out/InOut of Back,
Bounce, Circular, Cubic, Exponential, Elastic, Quad, Quartic, Quintic and Sine) and RVM's ``Step``
curve, as a table ``name -> function of t in [0, 1]``. The package's own formulas are used, so the
curves are the ones the seeds trained with; the endpoints are pinned to exactly 0 and 1 (the package
returns e.g. ``-1.8e-15`` for ``BounceEaseIn(0)``), so a motion starts and ends exactly on its two
parameter sets. Back and Elastic overshoot [0, 1] in between, by design.
"""

from __future__ import annotations

from typing import Callable

import easing_functions
import numpy as np

from mbench.errors import BadInput

LINEAR = "LinearInOut"
STEP = "Step"

# The 30 non-linear curves of the package, in RVM's order (random_easing_fn), then Step.
_FAMILIES = ("Back", "Bounce", "Circular", "Cubic", "Exponential", "Elastic", "Quad", "Quartic",
             "Quintic", "Sine")
PACKAGE_CURVES: tuple[str, ...] = (LINEAR,) + tuple(
    f"{family}Ease{kind}" for family in _FAMILIES for kind in ("In", "Out", "InOut"))
MOTION_CURVES: tuple[str, ...] = PACKAGE_CURVES[1:] + (STEP,)
"""The curves a motion draws from when it is not linear: 30 package curves plus Step (RVM)."""
ALL_CURVES: tuple[str, ...] = PACKAGE_CURVES + (STEP,)


def _step(t: float) -> float:
    """RVM's ``Step``: a sharp change half way."""
    return 0.0 if t < 0.5 else 1.0


def _package_curve(name: str) -> Callable[[float], float]:
    instance = getattr(easing_functions, name)()
    return lambda t: float(instance.func(float(t)))


CURVES: dict[str, Callable[[float], float]] = {name: _package_curve(name) for name in PACKAGE_CURVES}
CURVES[STEP] = _step


def ease(name: str, t: float) -> float:
    """The curve ``name`` at ``t`` in [0, 1]; exactly 0 at ``t = 0`` and 1 at ``t = 1``."""
    try:
        fn = CURVES[name]
    except KeyError:
        raise BadInput(f"unknown easing curve (choose from {', '.join(ALL_CURVES)})", name) from None
    if t <= 0.0:
        return 0.0
    if t >= 1.0:
        return 1.0
    return fn(t)


def curve_values(name: str, length: int) -> np.ndarray:
    """The curve sampled at ``t / (length - 1)`` for ``t = 0 .. length - 1`` (RVM's parametrisation).

    A sequence of one frame sits at the start of the curve.
    """
    if length <= 1:
        return np.zeros(max(length, 0), dtype=np.float64)
    return np.array([ease(name, t / (length - 1)) for t in range(length)], dtype=np.float64)


def draw_curve(rng: np.random.Generator, linear_p: float) -> str:
    """RVM's ``random_easing_fn``: linear with probability ``linear_p``, else one of :data:`MOTION_CURVES`."""
    if rng.random() < linear_p:
        return LINEAR
    return MOTION_CURVES[int(rng.integers(len(MOTION_CURVES)))]
