"""Writing an export: never over something the user already has, unless they say ``--force``."""

from __future__ import annotations

import sys
from pathlib import Path

from bpstep.errors import UserError


class OutputError(UserError):
    """An output file that cannot or may not be written; the message says what to do."""


def write_new(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` (``-`` means stdout), refusing to replace a file without ``force``."""
    if str(path) == "-":
        sys.stdout.write(text)
        return
    if path.is_dir():
        raise OutputError(f"{path} is a directory; give a file name, e.g. {path / 'out'}")
    if path.exists() and not force:
        raise OutputError(f"{path} already exists; use --force to overwrite it")
    if not path.parent.is_dir():
        raise OutputError(f"{path.parent} does not exist; create the folder first")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from err
