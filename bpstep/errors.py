"""What goes wrong for the user, and the exit codes scripts rely on: defined once, here.

Every error a person can cause (a bad file, an unknown unit, an output that may not be
written) is a ``UserError``; the command line turns each into one line on stderr and its exit
code, in one place (``bpstep.cli``), so no command catches them on its own.
"""

from __future__ import annotations

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
