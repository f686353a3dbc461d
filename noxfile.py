"""The test suite on every Python that requires-python admits: ``nox`` (all), ``nox -s tests-3.10``.

Each session installs bpstep with its test extra into a fresh environment; a Python that is not
installed is skipped (pyenv's versions are found through its shims).
"""

from __future__ import annotations

import nox

nox.options.error_on_missing_interpreters = False
nox.options.reuse_existing_virtualenvs = False

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Install bpstep[test] and run pytest (arguments after -- go to pytest)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-q", *session.posargs)
