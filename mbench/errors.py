"""Errors that the command line turns into exit statuses.

A :class:`BadInput` is the user's to fix: the CLI prints its one-line message and exits with
status 2. Anything else is a bug in mbench and exits with status 1.
"""

from __future__ import annotations

import os


def printable(text: str) -> str:
    """``text`` with control characters (newline, NUL, escape, ...) written as escapes (``\\n``,
    ``\\x00``), so a file name cannot split or garble a one-line message."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape", "backslashreplace")
                   .decode("ascii") for c in text)


class MbenchError(Exception):
    """Base class of the errors mbench raises on purpose."""


class BadInput(MbenchError):
    """Bad input or usage: one line naming the path (or value) and what is wrong with it.

    Parameters
    ----------
    message : str
        What is wrong, in a few words.
    path : str or os.PathLike, optional
        The file, folder or value the message is about; it leads the printed line.
    """

    def __init__(self, message: str, path: str | os.PathLike | None = None):
        self.path = None if path is None else os.fspath(path)
        if isinstance(self.path, bytes):
            self.path = os.fsdecode(self.path)
        # always one line: the prose's line breaks become spaces, a path's control characters escapes
        self.message = printable(" ".join(str(message).split()))
        super().__init__(self.message if self.path is None else f"{printable(self.path)}: {self.message}")


def require(condition: bool, message: str, path: str | os.PathLike | None = None) -> None:
    """Raise :class:`BadInput` unless ``condition`` holds."""
    if not condition:
        raise BadInput(message, path)
