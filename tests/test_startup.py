"""`bpstep --help` stays light: the heavy modules load only in the commands that need them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_a_plain_run_loads_only_what_it_draws() -> None:
    """No matrices, diagrams or SVG snapshots for `bpstep run` without --view, --diagram or
    --save-svg (benchmarks/bench_startup.py measures what that saves)."""
    unused = ("bpstep.matrix", "bpstep.render.matrix", "bpstep.render.diagram_text",
              "bpstep.render.snapshots", "bpstep.files")
    probe = ("import sys\nfrom bpstep.cli import app\n"
             "sys.argv = ['bpstep', 'run', 'scenarios/gfg_sigmoid.yaml']\n"
             "try:\n    app()\nexcept SystemExit:\n    pass\n"
             f"print('LOADED:', *(m for m in {unused!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    last = done.stdout.strip().splitlines()[-1]
    assert last == "LOADED:", last


def test_run_json_loads_nothing_that_draws() -> None:
    """`bpstep run --json` writes text: no rich, no renderer (issue 28 counts its start-up)."""
    probe = ("import sys, io\nfrom bpstep.cli import app\n"
             "sys.argv = ['bpstep', 'run', 'scenarios/gfg_sigmoid.yaml', '--json']\n"
             "sys.stdout = io.StringIO()\n"
             "try:\n    app()\nexcept SystemExit:\n    pass\n"
             "sys.stdout = sys.__stdout__\n"
             "print('LOADED:', *sorted(m for m in sys.modules\n"
             "                         if m.split('.')[0] == 'rich' or m.startswith('bpstep.render')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    last = done.stdout.strip().splitlines()[-1]
    assert last == "LOADED:", last
