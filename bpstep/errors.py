"""What goes wrong for the user, and the exit codes scripts rely on: defined once, here.

Every error a person can cause (a bad file, an unknown unit, an output that may not be
written) is a ``UserError``; the command line turns each into one line on stderr and its exit
code, in one place (``bpstep.cli``). One is caught elsewhere only where the work goes on past it:
marking a class reports a student's bad file and marks the next (``classroom``), ``train``
checks its --save and --plot paths before it starts (``train.plan_training``), and a worksheet's
scenario errors are said as the worksheet's (``answers``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum


class ExitCode(IntEnum):
    """What scripts can rely on: 0 ok, 1 the check found mistakes, 2 bad input, 130 interrupted."""

    OK = 0
    MISTAKES = 1
    BAD_INPUT = 2
    INTERRUPTED = 130


class UserError(Exception):
    """A problem with what the user gave or asked for, said in one line with what to do."""

    exit_code = ExitCode.BAD_INPUT


def did_you_mean(word: str, names: Iterable[str]) -> str:
    """``did you mean 'a' or 'b'?`` for the names closest to a mistyped one (one that differs
    only in case first), or "" when none is close: every command suggests the same way."""
    import difflib

    names = list(names)
    cutoff = 0.5 if len(word) <= 2 else 0.6  # h3 for h1 is one letter off, yet scores only 0.5
    close = [n for n in names if n.lower() == word.lower()] or difflib.get_close_matches(
        word, names, n=3, cutoff=cutoff)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
