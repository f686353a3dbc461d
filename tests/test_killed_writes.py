"""A command killed at the rename that puts an output in place (SIGKILL, which nothing can catch,
or Ctrl-C) leaves each file either as it was or whole as new, never part of one: the kill is
landed by a patched ``os.replace`` in a real process, at a chosen rename, with no timing."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pty_support import like_a_shell
from typer.testing import CliRunner, Result

from bpstep.cli import app

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
KILLING = """
import os, signal, sys
real, calls = os.replace, [0]
def replace(src, dst):
    calls[0] += 1
    if calls[0] == {at} and {before}:
        os.kill(os.getpid(), {signal})
    real(src, dst)
    if calls[0] == {at} and not {before}:
        os.kill(os.getpid(), {signal})
os.replace = replace
from bpstep.cli import main
sys.argv = ["bpstep", *{args!r}]
main()
"""


def killed(*args: object, kill: tuple[int, bool, signal.Signals]) -> subprocess.CompletedProcess[str]:
    """bpstep in its own process, with ``kill`` = (n, before, signal): that signal comes just
    before (or just after) the n-th rename of a written file into place."""
    at, before, sig = kill
    code = KILLING.format(at=at, before=before, signal=int(sig), args=[str(a) for a in args])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False, preexec_fn=like_a_shell)


def unkilled(*args: object) -> Result:
    """bpstep run to its end in this process: the files a command that is not killed writes
    (the same bytes in any process; starting one for each would double this file's time)."""
    return CliRunner().invoke(app, [str(a) for a in args])


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its path there, hidden temp files aside."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


KILLS = [(signal.SIGKILL, True), (signal.SIGKILL, False), (signal.SIGINT, True)]


@pytest.fixture(scope="module", params=[3, 10], ids=["one fsync each", "one sync for all"])
def classes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[int, Path, Path]:
    """Variants of one scenario made with seed 1 (the class on disk) and seed 2 (the new one)."""
    count = request.param
    folder = tmp_path_factory.mktemp(f"classes-{count}")
    for name, seed in (("old", 1), ("new", 2)):
        done = unkilled("variants", GFG, "-n", count, "--seed", seed, "-o", folder / name)
        assert done.exit_code == 0, done.stderr
    return count, folder / "old", folder / "new"


@pytest.mark.parametrize(("sig", "before"), KILLS, ids=["kill before", "kill after", "ctrl-c"])
def test_variants_killed_at_a_rename_leave_each_file_old_or_new(
        tmp_path: Path, classes: tuple[int, Path, Path], sig: signal.Signals, before: bool) -> None:
    count, old, new = classes
    folder = Path(shutil.copytree(old, tmp_path / "class"))
    before_files, after_files = contents(old), contents(new)
    done = killed("variants", GFG, "-n", count, "--seed", 2, "-o", folder, "--force",
                  kill=(3, before, sig))
    assert done.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 130), done.stderr
    left = contents(folder)
    assert left.keys() == before_files.keys() == after_files.keys()
    replaced = {name for name, data in left.items() if data == after_files[name]}
    kept = {name for name, data in left.items() if data == before_files[name]}
    assert replaced | kept == set(left), set(left) - replaced - kept  # nothing partial
    assert len(replaced) == (2 if before else 3), sorted(replaced)  # killed half-way through
    if sig == signal.SIGINT:  # Python cleaned up: no temp file is left behind
        assert not list(folder.rglob(".*.tmp"))


@pytest.fixture(scope="module", params=["html", "qti"])
def fresh(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[str, bytes]:
    """An export (HTML text, a QTI zip) as a command that is not killed writes it."""
    out = tmp_path_factory.mktemp("fresh") / f"fresh.{request.param}"
    assert unkilled("export", GFG, "-f", request.param, "-o", out).exit_code == 0
    return request.param, out.read_bytes()


@pytest.mark.parametrize(("sig", "before"), KILLS, ids=["kill before", "kill after", "ctrl-c"])
def test_an_export_killed_at_its_rename_leaves_the_old_file_or_the_new(
        tmp_path: Path, fresh: tuple[str, bytes], sig: signal.Signals, before: bool) -> None:
    form, made = fresh
    out = tmp_path / "out"
    mine = b"my own notes, not to be lost half-way\n"
    out.write_bytes(mine)
    done = killed("export", GFG, "-f", form, "-o", out, "--force", kill=(1, before, sig))
    assert done.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 130), done.stderr
    assert out.read_bytes() == (mine if before else made)
