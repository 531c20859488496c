"""The matting metrics, one class each with a uniform interface (as TrackEval does).

A metric is built from its convention's parameters (``reduce``, ``scale``) and computes one frame's
value from a :class:`~mbench.benchmark.context.FrameContext`. Definitions: docs/reference.md section 1.
"""

from __future__ import annotations

import math
from typing import Mapping

from mbench.benchmark.context import FrameContext


NEEDS = ("previous", "fgr", "trimap", "flow", "instances")  # what a metric may declare it reads


class Metric:
    """Base class: a metric declares what it reads and how it is read, and computes one frame.

    ``needs``: inputs beyond the two mattes (of :data:`NEEDS`); the runner loads foregrounds only
    for metrics that need ``fgr``, and gives a clip's first frame no ``previous`` (the metric
    returns its frame-0 value). ``higher_is_better``: the leaderboard's ranking direction.
    ``aggregate``: how frame values become a dataset figure (``mean`` over frames, NaN frames left
    out; a protocol may aggregate as its original does instead).
    """

    name = ""
    needs: tuple[str, ...] = ()
    higher_is_better = False
    aggregate = "mean"

    def __init__(self, params: Mapping[str, object]):
        self.scale = float(params.get("scale", 1.0))
        self.reduce = str(params.get("reduce", "sum"))

    @classmethod
    def declaration(cls) -> dict:
        """What the metric declares, as data (for tables, the leaderboard and the docs)."""
        return {"needs": list(cls.needs), "higher_is_better": cls.higher_is_better,
                "aggregate": cls.aggregate}

    def _reduced(self, total: float, count: int) -> float:
        if self.reduce == "mean":
            return total / count * self.scale if count else math.nan
        return total * self.scale

    def compute(self, ctx: FrameContext) -> float:  # pragma: no cover - interface
        raise TypeError(f"{type(self).__name__} does not define compute()")


class AbsoluteError(Metric):
    """MAD (mean |p - g|, x1e3 in rvm) or SAD (sum |p - g| / 1000 in dim)."""

    name = "mad"

    def compute(self, ctx):
        sa, _, _, n = ctx.pixel_sums
        return self._reduced(sa, n)


class SAD(AbsoluteError):
    name = "sad"


class MSE(Metric):
    """Mean squared error (x1e3 in rvm; unscaled in dim, NaN on an empty unknown region)."""

    name = "mse"

    def compute(self, ctx):
        _, ss, _, n = ctx.pixel_sums
        return self._reduced(ss, n)


class Grad(Metric):
    """Gaussian-gradient error of the min-max normalised mattes (sigma 1.4), / 1000."""

    name = "grad"

    def compute(self, ctx):
        return self._reduced(ctx.grad_sum, 0)


class Conn(Metric):
    """Connectivity error over thresholds 0.1..1.0 (step 0.1), / 1000."""

    name = "conn"

    def compute(self, ctx):
        return self._reduced(ctx.conn_sum, 0)


class DtSSD(Metric):
    """sqrt(sum(((p_t - p_t-1) - (g_t - g_t-1))^2) / pixels) x 1e2; 0 on a clip's first frame."""

    name = "dtssd"
    needs = ("previous",)

    def compute(self, ctx):
        if not ctx.has_prev:
            return 0.0
        _, _, st, n = ctx.pixel_sums
        return math.sqrt(st / n) * self.scale if n else math.nan


class ForegroundMAD(Metric):
    """Mean |F_p - F_g| over pixels with true alpha > 0 and all channels, x1e3."""

    name = "fgr_mad"
    needs = ("fgr",)

    def compute(self, ctx):
        sa, _, n = ctx.fgr_sums
        return self._reduced(sa, n)


class ForegroundMSE(Metric):
    name = "fgr_mse"
    needs = ("fgr",)

    def compute(self, ctx):
        _, ss, n = ctx.fgr_sums
        return self._reduced(ss, n)


class MESSDdt(Metric):
    """Motion-aware temporal error (Erofeev et al. 2015), mbench's documented variant.

    See :mod:`mbench.benchmark.messddt`.
    """

    name = "messddt"
    needs = ("previous",)

    def compute(self, ctx):
        from mbench.benchmark.messddt import messddt_sum

        if not ctx.has_prev:
            return 0.0
        return self._reduced(messddt_sum(ctx), 0)


METRICS = {cls.name: cls for cls in (AbsoluteError, SAD, MSE, Grad, Conn, DtSSD, ForegroundMAD,
                                     ForegroundMSE, MESSDdt)}


def build_metrics(convention, names) -> list[Metric]:
    """Instantiate ``names`` (column names) with ``convention``'s parameters."""
    out = []
    for n in names:
        metric = METRICS[convention.kind(n)](convention.params.get(n, {}))
        metric.name = n
        out.append(metric)
    return out


def needs_fgr(convention, names) -> bool:
    """Whether any of the columns ``names`` reads the foreground layers."""
    return any("fgr" in METRICS[convention.kind(n)].needs for n in names)


def metric_class(convention, column: str) -> type[Metric]:
    """The metric class behind a column of ``convention`` (for its declarations)."""
    return METRICS[convention.kind(column)]


def declarations(convention, names) -> dict[str, dict]:
    """{column: its metric's declarations} for a summary (the leaderboard ranks by them)."""
    return {n: metric_class(convention, n).declaration() for n in names}
