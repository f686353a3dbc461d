"""Shared test settings: hypothesis runs the same examples on every machine and every run, and
no test inherits a terminal size from the environment it runs in (pytest-xdist workers and some
CI runners set COLUMNS or LINES, which rich prefers to the real size); a test that wants a size
sets it. The Click command of the app is built once. Under mutmut, the caches that hide calls
are cleared per test."""

from __future__ import annotations

import os
from functools import cache

import pytest
import typer.main
import typer.testing
from hypothesis import settings

from bpstep import inputs, scenario, trace

settings.register_profile("deterministic", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("BPSTEP_HYPOTHESIS", "deterministic"))

for inherited in ("COLUMNS", "LINES"):
    os.environ.pop(inherited, None)

# typer's CliRunner builds the Click command from the app's functions on every invoke (5 ms,
# some 900 times a run); the commands read their options anew each time, so one build serves.
typer.testing._get_command = cache(typer.main.get_command)


@pytest.fixture(autouse=True)
def _uncached_under_mutmut() -> None:
    """mutmut maps each test to the functions it calls, then runs each mutant in a process forked
    from one that has run the tests already. These caches call a rule builder or the loader once
    per process: a later test would go unseen, and a fork would reuse the unmutated rule. Under
    mutmut they are cleared before every test."""
    if "MUTANT_UNDER_TEST" in os.environ:
        trace._shape_of.cache_clear()
        scenario._loader_class.cache_clear()


@pytest.fixture(autouse=True)
def _no_inputs_of_an_earlier_test() -> None:
    """Each command forgets what an earlier one read; a test that writes without a command does
    the same, so a file another test read is never taken for an input of this one."""
    inputs.forget_reads()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``early`` run first: one that takes seconds, left to the end of a run split
    over workers, keeps one worker busy while the others have nothing left to do."""
    items.sort(key=lambda item: item.get_closest_marker("early") is None)
