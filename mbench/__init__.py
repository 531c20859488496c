"""mbench: a toolkit for matting research.

Rooms (sub-packages), one per verb of the command line:

- :mod:`mbench.synth` composes video-matting datasets (``mbench synth``),
- :mod:`mbench.benchmark` scores predictions (``mbench evaluate``),
- :mod:`mbench.baselines` trains and scores reference models (``mbench run-baselines``),
- :mod:`mbench.leaderboard` publishes results (``mbench leaderboard``).

The core modules here hold what the rooms share: frame I/O, the on-disk clip layout, errors,
atomic writing and parallel helpers.
"""

__version__ = "0.1.0"
