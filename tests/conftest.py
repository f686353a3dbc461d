"""Shared test settings: hypothesis runs the same examples on every machine and every run."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("BPSTEP_HYPOTHESIS", "deterministic"))
