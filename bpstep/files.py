"""Writing outputs: never over something the user already has unless they say ``--force``, never
over a file the command reads, and never half a file.

Every file is written to a temporary file in its own folder, made durable, and renamed into
place, so a killed or interrupted command (or a crash) leaves either the old file or the whole
new one. Many files (a class of variants) are made durable with one ``sync`` rather than one
``fsync`` each: 20,000 of those take minutes on a disk. A file the command reads
is recognised by device and inode, so neither a symbolic link nor a hard link to it is written;
a symbolic link named as an output counts as an existing file, even when it leads nowhere.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from itertools import combinations
from pathlib import Path

from bpstep.errors import UserError
from bpstep.inputs import files_read

MANY = 16
"""From this many files on, one ``sync`` makes them all durable instead of an ``fsync`` each."""


class OutputError(UserError):
    """An output file that cannot or may not be written; the message says what to do."""


def _identity(path: Path, follow: bool = True) -> tuple[int, int] | None:
    """(device, inode) of ``path``, or None when there is nothing there to compare."""
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def check_output(path: Path, *, force: bool, reads: Iterable[Path] = (), option: str = "") -> None:
    """Refuse ``path`` as an output, with what to do, unless it may be written: never a file in
    ``reads`` nor any file the command has read (``bpstep.inputs``)."""
    named = f"{option} {path}" if option else str(path)
    inputs = {i for i in map(_identity, reads) if i is not None} | files_read()
    if inputs & {_identity(path), _identity(path, follow=False)}:
        raise OutputError(f"{named} is an input of this command; it is never overwritten: choose "
                          "another name")
    try:
        exists = os.path.lexists(path)
        if path.is_dir():
            raise OutputError(f"{named} is a directory; give a file name, e.g. {path / 'out'}")
        if exists and not force:
            what = "is a symbolic link" if path.is_symlink() else "already exists"
            raise OutputError(f"{named} {what}; use --force to overwrite it")
        if not path.parent.is_dir():
            raise OutputError(f"{named}: the folder {path.parent} does not exist; create it first")
        os.stat(path.parent)
    except OSError as err:
        raise OutputError(f"cannot write {named}: {_reason(err)}") from None


def check_outputs(outputs: Mapping[str, Path | None], *, force: bool,
                  reads: Iterable[Path] = ()) -> None:
    """Refuse, before any work is done, the outputs of a command's options (by option, None for
    one not given): two that name one file, or one ``check_output`` refuses."""
    given = [(option, path) for option, path in outputs.items() if path is not None]
    for (first, one), (second, other) in combinations(given, 2):
        if one.resolve() == other.resolve():
            raise OutputError(f"{first} and {second} name the same file; give them different names")
    for option, path in given:
        check_output(path, force=force, reads=reads, option=option)


def write_files(files: Mapping[Path, str | bytes], *, force: bool = False,
                reads: Iterable[Path] = (), progress: Callable[[int], None] | None = None) -> None:
    """Write every file or none of them: all are checked before the first is written.

    ``progress`` is told how many files are written so far."""
    reads = tuple(reads)
    for path in files:
        check_output(path, force=force, reads=reads)
    if len(files) < MANY or not hasattr(os, "sync"):
        for done, (path, content) in enumerate(files.items(), start=1):
            _replace(path, content.encode("utf-8") if isinstance(content, str) else content)
            if progress is not None:
                progress(done)
        return
    temps: list[tuple[Path, int | None, Path]] = []
    installed = 0
    try:
        for done, (path, content) in enumerate(files.items(), start=1):
            data = content.encode("utf-8") if isinstance(content, str) else content
            temps.append((*_temp_file(path, data, durable=False), path))
            if progress is not None:
                progress(done)
        os.sync()  # every new file on disk before any is renamed over an old one
        for temp, mode, path in temps:
            installed += 1
            _install(temp, mode, path)
    except BaseException:
        for temp, _, _ in temps[installed:]:
            temp.unlink(missing_ok=True)
        raise


def write_new(path: Path, text: str, *, force: bool = False, reads: Iterable[Path] = ()) -> None:
    """Write ``text`` to ``path`` (``-`` means stdout), refusing to replace a file without ``force``
    and refusing any file in ``reads``."""
    if str(path) == "-":
        sys.stdout.write(text)
        return
    write_files({path: text}, force=force, reads=reads)


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file beside ``path``, then rename it over ``path`` in one step.

    A replaced file keeps its permissions; a new one gets the usual ones (0666 less the umask).
    """
    temp, mode = _temp_file(path, data, durable=True)
    _install(temp, mode, path)


def _temp_file(path: Path, data: bytes, *, durable: bool) -> tuple[Path, int | None]:
    """``data`` in a new hidden file beside ``path`` (fsynced when ``durable``), and the
    permissions of the file it will replace (None for a new file)."""
    try:
        mode = os.stat(path).st_mode & 0o7777 if os.path.isfile(path) else None
        temp = path.parent / f".{path.name[:200]}.{os.getpid()}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {_reason(err)}") from None
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            if durable:
                os.fsync(file.fileno())
    except BaseException as err:
        temp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise OutputError(f"cannot write {path}: {_reason(err)}") from None
        raise
    return temp, mode


def _install(temp: Path, mode: int | None, path: Path) -> None:
    """Rename the written ``temp`` over ``path`` (keeping the permissions ``mode`` it had)."""
    try:
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as err:
        temp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise OutputError(f"cannot write {path}: {_reason(err)}") from None
        raise


def _reason(err: OSError) -> str:
    if err.errno == errno.ENAMETOOLONG:
        return "a folder or file name is longer than the file system allows (255 bytes)"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; check that you may write to the folder"
    return str(err.strerror or err)
