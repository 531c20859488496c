"""``mbench.benchmark``: the matting metrics engine behind ``mbench evaluate``.

- :func:`evaluate` scores a predictions tree against a ground-truth tree under a named protocol
  (``protocol=``; docs/protocols.md) and writes ``per_frame.csv`` and ``summary.json``
  (docs/design.md 2.3);
- :func:`evaluate_arrays` scores in-memory arrays (T, H, W) as one clip;
- :mod:`mbench.benchmark.protocols` holds the protocols, one module each, and the shared runner;
- :func:`merge` combines ``--shard K/N`` evaluations;
- :func:`conventions` lists the named conventions (``rvm``, ``dim``), read from
  ``conventions.toml``.

Kernels are numba-compiled (:mod:`mbench.benchmark.kernels`), with a CUDA path for the per-pixel
metrics and Grad.
"""

from mbench.benchmark.conventions import conventions, get_convention
from mbench.benchmark.evaluation import evaluate, run_evaluation
from mbench.benchmark.merge import merge
from mbench.benchmark.scoring import evaluate_arrays

__all__ = ["evaluate", "evaluate_arrays", "merge", "conventions", "get_convention", "run_evaluation"]
