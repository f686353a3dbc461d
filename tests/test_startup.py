"""`bpstep --help` stays light: the heavy modules load only in the commands that need them."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "yaml", "bpstep.engine", "bpstep.scenario", "rich.table")


def loaded_after(code: str) -> set[str]:
    probe = (f"{code}\nimport sys\n"
             f"print('LOADED:', *(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("LOADED:")
    return set(last.split()[1:])


def test_importing_the_cli_loads_no_heavy_module() -> None:
    assert loaded_after("import bpstep.cli") == set()


def test_help_loads_no_heavy_module() -> None:
    code = ("import sys\nfrom bpstep.cli import app\nsys.argv = ['bpstep', '--help']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass")
    assert loaded_after(code) - {"rich.table"} == set()
