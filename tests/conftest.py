"""Shared test fixtures. Tests make their own small data; nothing is downloaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# Property tests draw the same examples on every run, so CI is reproducible; set
# HYPOTHESIS_PROFILE=explore to search afresh (more examples, new ones each run).
settings.register_profile("reproducible", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=400)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))


def run_cli(*args: str, cwd: str | os.PathLike | None = None, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``mbench ARGS...`` in a fresh interpreter, as a user would."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "mbench", *map(str, args)], cwd=cwd,
                          env=full_env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cli():
    """``cli("evaluate", pred, gt, "--out", out)`` -> CompletedProcess."""
    return run_cli


def assert_bad_input(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit status 2, exactly one line on stderr, naming every fragment, and no traceback."""
    assert proc.returncode == 2, f"exit {proc.returncode}\nstdout:{proc.stdout}\nstderr:{proc.stderr}"
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    for frag in fragments:
        assert str(frag) in lines[0], f"{frag!r} not in {lines[0]!r}"


@pytest.fixture
def cli_here(capfd):
    """``cli_here("synth", ...)``: the ``mbench`` entry point in this process (no interpreter start-up),
    as a CompletedProcess for ``bad_input``. ``capfd``, not ``capsys``: the CLI points ``sys.stderr`` at
    file descriptor 2 while it runs."""
    from mbench.cli import main

    def run(*args) -> subprocess.CompletedProcess:
        capfd.readouterr()
        code = main([str(a) for a in args])
        out, err = capfd.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


@pytest.fixture
def bad_input():
    """``bad_input(proc, "path", "problem")`` asserts the one-line, exit-2 contract."""
    return assert_bad_input


class _Job:
    """A finished job of :class:`InProcessExecutor`."""

    def __init__(self, fn, args, lost: bool):
        self.value, self.lost = (None if lost else fn(*args)), lost

    def done(self) -> bool:
        return True

    def result(self):
        if self.lost:
            raise RuntimeError("node lost")
        return self.value

    def cancel(self, check: bool = True) -> None:
        pass


class InProcessExecutor:
    """submitit's executor interface, each job run in this process when submitted: the sharded code
    path without interpreter start-ups. ``lose(args)`` says which submissions fail as a lost job."""

    def __init__(self):
        self.names: list[str] = []
        self.submissions: list[tuple] = []
        self.lose = lambda args: False

    def update_parameters(self, **params) -> None:
        pass

    def map_array(self, fn, *columns) -> list[_Job]:
        return [self.submit(fn, *args) for args in zip(*columns)]

    def submit(self, fn, *args) -> _Job:
        self.submissions.append(args)
        return _Job(fn, args, self.lose(args))


@pytest.fixture
def in_process_executor(monkeypatch) -> InProcessExecutor:
    """``--executor local|slurm`` runs its jobs through an :class:`InProcessExecutor`."""
    from mbench import executor

    fake = InProcessExecutor()

    def make(kind, logs, args, name):
        fake.names.append(name)
        return fake

    monkeypatch.setattr(executor, "_executor", make)
    monkeypatch.setattr(executor, "POLL_S", 0.0)
    return fake
