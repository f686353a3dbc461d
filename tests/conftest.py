"""Shared test settings: hypothesis runs the same examples on every machine and every run, and
no test inherits a terminal size from the environment it runs in (pytest-xdist workers and some
CI runners set COLUMNS or LINES, which rich prefers to the real size); a test that wants a size
sets it."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("BPSTEP_HYPOTHESIS", "deterministic"))

for inherited in ("COLUMNS", "LINES"):
    os.environ.pop(inherited, None)
