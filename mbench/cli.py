"""The ``mbench`` command: one entry point, sub-commands imported only when they run.

A sub-command module provides ``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args) -> int``,
or a ``main(argv, prog) -> int`` of its own when it has sub-commands of its own.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
import traceback
import warnings
from typing import Sequence

from . import __version__
from .errors import BadInput, printable
from .heap import keep_freed_memory

# name -> (module, one-line summary); the module is imported only when its command runs.
COMMANDS = {
    "synth": ("mbench.synth.cli", "compose a video-matting dataset (built-in sources need no downloads)"),
    "evaluate": ("mbench.benchmark.cli", "score predicted mattes against ground truth (MAD, MSE, Grad, Conn, dtSSD, ...)"),
    "trimap": ("mbench.benchmark.trimap_cli", "trimaps from ground-truth alpha (eroded opaque and transparent regions)"),
    "run-baselines": ("mbench.baselines.cli", "train and score the four reference architectures"),
    "leaderboard": ("mbench.leaderboard.cli", "publish evaluations as tables, plots and a web page"),
}


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit status 2) instead of a usage dump."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise BadInput(f"{message} (see '{self.prog} --help')", self.prog)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags every command shares (docs/design.md section 3)."""
    parser.add_argument("--quiet", action="store_true", help="no progress bars or summary tables")
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks and library warnings on errors")


def _top_help() -> str:
    lines = [f"usage: mbench COMMAND [options]   (mbench {__version__})", "",
             "Matting research toolkit: datasets, metrics, baselines and leaderboards.", "",
             "commands:"]
    width = max(map(len, COMMANDS))
    lines += [f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items()]
    lines += ["", "Run 'mbench COMMAND --help' for the options of a command."]
    return "\n".join(lines)


@contextlib.contextmanager
def native_stderr_silenced():
    """Send what C libraries write to file descriptor 2 (libpng's "libpng error: ...") to /dev/null.

    Python's ``sys.stderr`` is re-pointed at the real stderr meanwhile, so mbench's own one-line
    errors and progress bars still show. A subprocess that must report errors passes
    ``stderr=sys.stderr`` explicitly.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no real stderr (embedded use)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    old = sys.stderr
    sys.stderr = io.TextIOWrapper(io.FileIO(saved, "w", closefd=False), line_buffering=True,
                                  errors="backslashreplace")
    try:
        yield
    finally:
        try:
            sys.stderr.flush()
        finally:
            sys.stderr = old
            os.dup2(saved, 2)
            os.close(saved)


def run_guarded(fn, debug: bool) -> int:
    """Run ``fn()`` mapping failures to exit statuses: 2 bad input, 1 internal error, 130 interrupt."""
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(warnings.catch_warnings())
            if not debug:
                # library warnings stay hidden; mbench's own (e.g. a metric undefined on a frame)
                # show as one line each
                warnings.simplefilter("ignore")
                warnings.filterwarnings("always", module=r"mbench(\..*)?$")
                warnings.showwarning = _one_line_warning
                stack.enter_context(native_stderr_silenced())
            try:
                result = fn()
            except BaseException as e:  # report while sys.stderr still reaches the terminal
                return _report(e, debug)
        return int(result or 0)
    except BaseException as e:  # raised while entering or leaving the contexts
        return _report(e, debug)


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"mbench: warning: {printable(' '.join(str(message).split()))}", file=sys.stderr)


def _report(e: BaseException, debug: bool) -> int:
    """Print one line for ``e`` and return the exit status."""
    if isinstance(e, SystemExit):
        return int(e.code or 0) if not isinstance(e.code, str) else 2
    if isinstance(e, BadInput):
        if debug:
            traceback.print_exc()
        print(f"mbench: error: {e}", file=sys.stderr)
        return 2
    if isinstance(e, KeyboardInterrupt):
        print("mbench: interrupted", file=sys.stderr)
        return 130
    if debug:
        traceback.print_exc()
    msg = printable(" ".join(f"{type(e).__name__}: {e}".split()))
    print(f"mbench: internal error: {msg} (rerun with --debug for a traceback)", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mbench`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_top_help())
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"mbench {__version__}")
        return 0
    name = argv[0]
    if name not in COMMANDS:
        print(f"mbench: error: unknown command {name!r} (choose from {', '.join(COMMANDS)})",
              file=sys.stderr)
        return 2
    debug = "--debug" in argv
    module_name, summary = COMMANDS[name]
    prog = f"mbench {name}"

    def go():
        keep_freed_memory()  # every command decodes or encodes frame after frame (mbench.heap)
        module = importlib.import_module(module_name)
        if hasattr(module, "main"):
            return module.main(argv[1:], prog)
        parser = Parser(prog=prog, description=getattr(module, "DESCRIPTION", summary),
                        formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(parser)
        add_common_arguments(parser)
        args = parser.parse_args(argv[1:])
        return module.run(args)

    return run_guarded(go, debug)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
