"""`bpstep --help` stays light and a plain `bpstep run` imports only what it draws: the heavy
modules load only in the commands that need them. Checked by which modules a fresh interpreter
holds afterwards, never by timing (benchmarks/bench_startup.py measures what that saves)."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "yaml", "bpstep.engine", "bpstep.scenario", "rich.table")

RUN_DRAWS = frozenset({
    "bpstep", "bpstep.launch", "bpstep.cli", "bpstep.errors", "bpstep.escaping", "bpstep.enums",
    "bpstep.arrays", "bpstep.inputs", "bpstep.numbers", "bpstep.lessons",
    "bpstep.affine", "bpstep.expr", "bpstep.functions", "bpstep.scenario", "bpstep.trace",
    "bpstep.engine", "bpstep.tables",
    "bpstep.render", "bpstep.render.console", "bpstep.render.screen", "bpstep.render.stages",
})
"""The bpstep modules a plain `bpstep run FILE` needs: read, one step, the stage tables. A
module that only some option or command uses (matrices, diagrams, focus, SVG, verify, export,
file writing, init, written answers) is imported where it is used; if a plain run really needs a
new one, add it here."""

FLOOR_CODE = runpy.run_path(str(ROOT / "benchmarks" / "bench_startup.py"))["FLOOR"]
"""benchmarks/bench_startup.py's typer floor: the libraries any CLI built like bpstep loads."""


def modules_after(code: str) -> set[str]:
    """Every module a fresh interpreter holds after running ``code`` from the repository root."""
    probe = ("import sys, io\nsys.stdout = io.StringIO()\ntry:\n"
             + "".join(f"    {line}\n" for line in code.strip().splitlines())
             + "except SystemExit:\n    pass\nsys.stdout = sys.__stdout__\n"
             "print('LOADED:', *sorted(sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          cwd=ROOT, stdin=subprocess.DEVNULL)
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("LOADED:"), done.stdout + done.stderr
    return set(last.split()[1:])


def bpstep_loaded(*argv: str) -> set[str]:
    return modules_after(f"from bpstep.cli import app\nsys.argv = ['bpstep', *{argv!r}]\napp()")


def test_importing_the_cli_loads_no_heavy_module() -> None:
    assert modules_after("import bpstep.cli").intersection(HEAVY) == set()


def test_help_loads_no_heavy_module() -> None:
    assert bpstep_loaded("--help").intersection(HEAVY) - {"rich.table"} == set()


def test_a_plain_run_loads_only_what_it_draws() -> None:
    """No matrices, diagrams, focus or SVG snapshots without --view, --diagram, --focus or
    --save-svg; no verify, export or file writing at all."""
    loaded = {m for m in bpstep_loaded("run", "scenarios/gfg_sigmoid.yaml") if m.startswith("bpstep")}
    assert loaded <= RUN_DRAWS, f"a plain run imports what it does not draw: {loaded - RUN_DRAWS}"


def test_a_plain_run_loads_no_library_module_the_typer_floor_does_not() -> None:
    """Besides rich's own parts for drawing the tables and the decoder of a file's encoding,
    bpstep adds nothing from outside (xml.sax.saxutils alone brought urllib, http, email, ssl)."""
    floor = modules_after(f"sys.argv = ['hello']\n{FLOOR_CODE}")
    run = bpstep_loaded("run", "scenarios/gfg_sigmoid.yaml")
    extra = {m for m in run - floor
             if m.split(".")[0] not in ("bpstep", "rich") and not m.startswith("encodings.")}
    assert extra == set()


def test_run_json_loads_nothing_that_draws() -> None:
    """`bpstep run --json` writes text: no rich, no renderer (issue 28 counts its start-up)."""
    loaded = bpstep_loaded("run", "scenarios/gfg_sigmoid.yaml", "--json")
    drawing = {m for m in loaded if m.split(".")[0] == "rich" or m.startswith("bpstep.render")}
    assert drawing == set()
    assert {m for m in loaded if m.startswith("bpstep")} <= RUN_DRAWS | {"bpstep.export",
                                                                       "bpstep.export.json"}
