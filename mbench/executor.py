"""Shards on other processes or a SLURM cluster: ``--executor {none,local,slurm} --shards N``.

``synth``, ``evaluate`` and ``run-baselines`` share one model of scale: a run splits into N shards
(``--shard K/N``: the clips whose index is K modulo N), each shard is an ordinary run of the same
command into its own folder, and a merge writes the files one run over everything writes. With
``--executor none`` (the default) the command runs in this process on its thread pool, as always.
With ``local`` or ``slurm`` this module submits the N shard runs through submitit (a maintained
library: real subprocesses on this machine, or one SLURM job array), waits with a progress bar,
resubmits a shard whose job failed (up to ``--retries`` times), and hands the finished shard folders
to the command's merge. Shard folders and job logs live in ``.<out>.shards/`` beside ``--out``:
removed after a successful merge, kept after a failure so a rerun resumes each shard where it
stopped (docs/design.md 3).
"""

from __future__ import annotations

import argparse
import copy
import importlib
import re
import time
from pathlib import Path
from typing import Callable

from .atomic import remove_tree
from .errors import BadInput
from .flags import count
from .progress import progress

EXECUTORS = ("none", "local", "slurm")
POLL_S = 1.0  # how often finished jobs are looked for (submitit caches SLURM's answers itself)


class ShardFailed(RuntimeError):
    """A shard's job failed more often than ``--retries`` allows."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The executor flags, shared by every command that can shard."""
    group = parser.add_argument_group("running shards elsewhere (docs/design.md 3)")
    group.add_argument("--executor", choices=EXECUTORS, default="none",
                       help="none: this process (default); local: N subprocesses through submitit; "
                            "slurm: a SLURM job array through submitit")
    group.add_argument("--shards", type=count(1), metavar="N",
                       help="with --executor local|slurm: split the run into N shards, then merge into --out")
    group.add_argument("--partition", metavar="NAME", help="SLURM partition")
    group.add_argument("--time", metavar="MIN|HH:MM:SS", help="time limit of each shard's job (default 60 min)")
    group.add_argument("--cpus", type=count(1), metavar="N", help="CPUs per shard job (default: 4)")
    group.add_argument("--mem", metavar="GB|16G", help="memory per shard job in GB (default: 16)")
    group.add_argument("--retries", type=count(0), default=2, metavar="N",
                       help="resubmit a failed shard job up to N times (default 2)")


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"K/N"`` (0 <= K < N) -> (K, N); ``None`` stays ``None``."""
    if text is None:
        return None
    try:
        k, n = (int(v) for v in str(text).split("/"))
    except ValueError:
        raise BadInput("shard must be K/N with whole numbers, e.g. 0/4", text) from None
    if n < 1 or not 0 <= k < n:
        raise BadInput("shard K/N needs 0 <= K < N", text)
    return k, n


def wanted(args: argparse.Namespace) -> bool:
    """Whether the run goes through an executor; refuses executor flags that would be ignored."""
    if args.executor == "none":
        given = [f"--{k}" for k in ("shards", "partition", "time", "cpus", "mem") if getattr(args, k) is not None]
        if given:
            raise BadInput("only with --executor local or slurm", ", ".join(given))
        return False
    if args.shards is None:
        raise BadInput(f"--executor {args.executor} needs --shards N", "--executor")
    if getattr(args, "shard", None):
        raise BadInput("--shard K/N runs one shard here; --executor runs them all (give one of them)", "--shard")
    if not getattr(args, "out", None):
        raise BadInput(f"--executor {args.executor} needs --out DIR (the shards are merged there)", "--executor")
    if args.executor == "local" and (args.partition or args.mem):
        raise BadInput("--partition and --mem are for --executor slurm", "--partition" if args.partition else "--mem")
    _minutes(args.time), _gigabytes(args.mem)  # bad values are refused before any job
    return True


def _minutes(text: str | None) -> int:
    if text is None:
        return 60
    m = re.fullmatch(r"(?:(?:(\d+):)?(\d+):)?(\d+)", text.strip())
    if not m:
        raise BadInput("--time must be minutes or HH:MM:SS", text)
    h, mi, s = m.groups()
    if h is None and mi is None:
        return max(1, int(s))  # a bare number: minutes, as sbatch reads it
    return max(1, int(h or 0) * 60 + int(mi) + (int(s) > 0))


def _gigabytes(text: str | None) -> int:
    if text is None:
        return 16
    m = re.fullmatch(r"(\d+)\s*([GgMmTt]?)[Bb]?", text.strip())
    if not m or int(m[1]) == 0:
        raise BadInput("--mem must be gigabytes, e.g. 16 or 16G (or 512M, 1T)", text)
    scale = {"": 1.0, "g": 1.0, "m": 1 / 1024, "t": 1024.0}[m[2].lower()]
    return max(1, round(int(m[1]) * scale))


def shard_job(module: str, args: argparse.Namespace) -> str | None:
    """Run one shard: the command's ``run(args)`` in the job's process.

    Returns ``None`` on success and the one-line message of bad input (resubmitting would not help);
    anything else raised fails the job, and the job is resubmitted.
    """
    try:
        code = importlib.import_module(module).run(args)
    except BadInput as e:
        return str(e)
    if code:
        raise RuntimeError(f"exit status {code}")
    return None


def _executor(kind: str, logs: Path, args: argparse.Namespace, name: str):
    try:
        import submitit
    except ImportError:
        raise BadInput("--executor local|slurm needs submitit (pip install 'mbench[cluster]')",
                       "--executor") from None
    try:
        executor = submitit.AutoExecutor(folder=logs, cluster="local" if kind == "local" else "slurm")
    except RuntimeError as e:  # submitit finds no sbatch/srun here
        raise BadInput(f"no SLURM cluster here ({' '.join(str(e).split())}); --executor local runs the shards "
                       "on this machine", "--executor slurm") from None
    params = {"timeout_min": _minutes(args.time), "cpus_per_task": args.cpus or 4, "name": name}
    if kind == "slurm" and getattr(args, "device", "cpu") == "cuda":
        params["gpus_per_node"] = 1  # each shard job scores or predicts on one GPU
    if kind == "slurm":
        params["mem_gb"] = _gigabytes(args.mem)
        if args.partition:
            params["slurm_partition"] = args.partition
    executor.update_parameters(**params)
    return executor


def run_jobs(args: argparse.Namespace, fn: Callable[..., str | None], calls: list[tuple], work: Path,
             name: str) -> None:
    """Run ``fn(*call)`` for every call as one job each (a job array), through ``args.executor``.

    ``fn`` returns ``None`` on success or a one-line bad-input message (raised here as
    :class:`BadInput`, after cancelling the other jobs and removing ``work``); a job that fails
    otherwise is resubmitted up to ``args.retries`` times, then :class:`ShardFailed` is raised and
    ``work`` (with the job logs in ``work/logs``) is kept.
    """
    n = len(calls)
    executor = _executor(args.executor, work / "logs", args, name)
    if args.executor == "slurm":
        executor.update_parameters(slurm_array_parallelism=n)
    jobs = dict(enumerate(executor.map_array(fn, *(list(col) for col in zip(*calls)))))
    tries = dict.fromkeys(range(n), 0)
    try:
        with progress(total=n, desc=f"{args.executor} shards", unit="shard", quiet=args.quiet) as bar:
            while jobs:
                for k, job in list(jobs.items()):
                    if not job.done():
                        continue
                    try:
                        message = job.result()
                    except Exception as e:  # the job failed or was killed: submit it again
                        if tries[k] >= args.retries:
                            raise ShardFailed(f"shard {k}/{n} failed {tries[k] + 1} times (last: "
                                              f"{' '.join(str(e).split())[:300]}; logs in {work / 'logs'})") from None
                        tries[k] += 1
                        jobs[k] = executor.submit(fn, *calls[k])
                        continue
                    if message is not None:
                        raise BadInput(message)
                    del jobs[k]
                    bar.update(1)
                if jobs:
                    time.sleep(POLL_S)
    except BaseException as e:
        for job in jobs.values():
            job.cancel(check=False)
        if isinstance(e, BadInput):  # bad input leaves nothing behind; a failed job keeps its logs
            remove_tree(work)
        raise


def run_sharded(args: argparse.Namespace, module: str, merge: Callable[[Path, list[Path]], None], *,
                prepare: Callable[[argparse.Namespace, int, int, Path], None] | None = None) -> Path:
    """Run the command of ``module`` as ``args.shards`` shards through the executor, then merge.

    Parameters
    ----------
    args : argparse.Namespace
        The command's parsed arguments (``args.out`` the merged output).
    module : str
        The command's module (``run(args)`` runs one shard).
    merge : callable
        ``merge(out, shard_folders)`` writes the single run's files into ``out``.
    prepare : callable, optional
        ``prepare(shard_args, k, n, folder)`` adjusts a shard's arguments beyond ``shard``, ``out``,
        ``executor`` and ``quiet`` (which are set here).

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    n = args.shards
    out = Path(args.out).absolute()
    work = out.parent / f".{out.name}.shards"
    folders = [work / f"{k}-of-{n}" for k in range(n)]
    shard_args = []
    for k, folder in enumerate(folders):
        a = copy.copy(args)
        a.shard, a.out, a.executor, a.shards, a.quiet = f"{k}/{n}", str(folder), "none", None, True
        for flag in ("partition", "time", "cpus", "mem"):
            setattr(a, flag, None)
        if prepare:
            prepare(a, k, n, folder)
        shard_args.append(a)
    run_jobs(args, shard_job, [(module, a) for a in shard_args], work, f"mbench-{module.split('.')[1]}")
    merge(out, folders)
    remove_tree(work)
    return out
