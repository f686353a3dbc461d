"""The ``bpstep`` command line: options in, calls to the core, output out; errors become exit codes.

Only this module knows every part (scenario, engine, render, verify, export); it does no maths.
Heavy modules (numpy, the engine, rich tables) are imported inside the commands that need them,
so ``bpstep --help`` starts quickly.
"""

from __future__ import annotations

import json
import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from bpstep import __version__


class ExitCode(IntEnum):
    """What scripts can rely on: 0 ok, 1 the check found mistakes, 2 bad input, 130 interrupted."""

    OK = 0
    MISTAKES = 1
    BAD_INPUT = 2
    INTERRUPTED = 130


app = typer.Typer(
    name="bpstep",
    help="Make backpropagation visible, one stage at a time.\n\n"
    "Examples:\n\n"
    "  bpstep run scenarios/gfg_sigmoid.yaml --step\n\n"
    "  bpstep run scenarios/gfg_sigmoid.yaml --explain\n\n"
    "  bpstep run scenarios/gfg_sigmoid.yaml --json",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"bpstep {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Make backpropagation visible, one stage at a time."""


def fail(message: str, code: ExitCode = ExitCode.BAD_INPUT) -> NoReturn:
    """Say what went wrong on stderr, for people, and leave with ``code``."""
    from bpstep.render.console import make_console

    make_console(stderr=True).print(f"bpstep: error: {message}", markup=False)
    raise typer.Exit(int(code))


def load_scenario(path: Path):
    """The scenario at ``path``, or a clear error and exit code 2."""
    from bpstep.scenario import ScenarioError, load

    try:
        return load(path)
    except ScenarioError as err:
        fail(str(err))


FileArg = Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)]
Precision = Annotated[int, typer.Option("--precision", "-p", min=1, max=17,
                                        help="Significant digits shown (full precision is kept).")]
Explain = Annotated[bool, typer.Option("--explain", "-e",
                                       help="Show each formula with its numbers substituted.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]


@app.command()
def run(
    file: FileArg,
    step: Annotated[bool, typer.Option("--step", "-s",
                                       help="Walk through the stages one at a time.")] = False,
    explain: Explain = False,
    precision: Precision = 6,
    as_json: AsJson = False,
) -> None:
    """Run one training step and show every stage: forward, loss, deltas, updates, after.

    Examples: [bold]bpstep run scenarios/gfg_sigmoid.yaml[/] ·
    [bold]bpstep run scenarios/gfg_sigmoid.yaml --step --explain[/]
    """
    from bpstep.engine import step as run_step

    scenario = load_scenario(file)
    trace = run_step(scenario)
    if as_json:
        from bpstep.export.json import trace_to_json

        print(json.dumps(trace_to_json(scenario, trace), indent=2))
        return
    from bpstep.render.console import make_console
    from bpstep.render.stages import render_trace

    console = make_console()
    if scenario.title:
        console.print(scenario.title, style="bold underline", markup=False)
    if step:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            make_console(stderr=True).print(
                "bpstep: --step needs an interactive terminal; printing all stages instead.")
        else:
            from bpstep.render.stepper import step_through

            raise typer.Exit(int(step_through(console, trace, precision=precision,
                                              explain=explain)))
    console.print(render_trace(trace, precision=precision, explain=explain))


def main() -> None:
    """Console-script entry point: run the app, turning Ctrl-C into exit code 130."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("\nbpstep: interrupted\n")
        sys.exit(int(ExitCode.INTERRUPTED))
