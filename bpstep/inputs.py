"""The files the running command has read, so that no output of it ever replaces one.

Every file a user hands bpstep (scenario, answers, roster, class index) is read through
``bpstep.scenario.read_text``, which notes it here; every output is checked against this
record (``bpstep.files.check_output``), so a file read anywhere (a scenario only
compared, one that failed to load) is protected without each command listing it. Files are
known by (device, inode): neither a symbolic nor a hard link to one is written either.
"""

from __future__ import annotations

import os

_READ: set[tuple[int, int]] = set()


def note_read(info: os.stat_result) -> None:
    """Record the file ``info`` describes (from ``os.fstat`` of the open file) as an input."""
    _READ.add((info.st_dev, info.st_ino))


def files_read() -> frozenset[tuple[int, int]]:
    """(device, inode) of every file read since the command began."""
    return frozenset(_READ)


def forget_reads() -> None:
    """Start a new command: what an earlier one read (in one process: tests, a notebook) is no
    longer an input."""
    _READ.clear()
