"""The test suite on every Python that requires-python admits: ``nox`` (all), ``nox -s tests-3.10``.

Each session installs bpstep with its test extra into a fresh environment; a Python that is not
installed is skipped. Interpreters are found on PATH, and in pyenv's versions folder, whose
shims answer only for the versions pyenv has selected.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.error_on_missing_interpreters = False
nox.options.reuse_existing_virtualenvs = False

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]

PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
os.environ["PATH"] = os.pathsep.join(
    [*(str(p / "bin") for v in PYTHONS for p in sorted(PYENV_VERSIONS.glob(f"{v}.*"))),
     os.environ.get("PATH", "")])


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Install bpstep[test] and run pytest (arguments after -- go to pytest)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *session.posargs)
