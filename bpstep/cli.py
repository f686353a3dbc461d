"""The ``bpstep`` command line: options in, calls to the core, output out; errors become exit codes.

Only this module knows every part (scenario, engine, render, verify, export); it does no maths.
Heavy modules (numpy, the engine, rich tables) are imported inside the commands that need them,
so ``bpstep --help`` starts quickly.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from typer.core import TyperGroup

from bpstep import __version__
from bpstep.errors import ExitCode, UserError

if TYPE_CHECKING:
    from bpstep.scenario import Scenario
    from bpstep.train import TrainResult


class _Commands(TyperGroup):
    """Runs a command; the one place where a ``UserError`` becomes a line on stderr and an exit code."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except UserError as err:
            fail(str(err), err.exit_code)


app = typer.Typer(
    cls=_Commands,
    name="bpstep",
    help="Make backpropagation visible, one stage at a time.\n\n"
    "Examples:\n\n"
    "  bpstep run scenarios/gfg_sigmoid.yaml --step\n\n"
    "  bpstep run scenarios/gfg_sigmoid.yaml --explain\n\n"
    "  bpstep run scenarios/gfg_sigmoid.yaml --json\n\n"
    "  bpstep verify scenarios/gfg_sigmoid.article-answers.yaml\n\n"
    "  bpstep train scenarios/xor_sigmoid.yaml --plot loss.svg",
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

    make_console(stderr=True).print(f"bpstep: error: {message}", markup=False, soft_wrap=True)
    raise typer.Exit(int(code))


def load_scenario(path: Path):
    """The scenario at ``path`` (a bad one is a ``UserError``: exit code 2)."""
    from bpstep.scenario import load

    return load(path)


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
    auto: Annotated[float | None, typer.Option(
        "--auto", min=0.1, max=3600, metavar="SECONDS", show_default=False,
        help="Step through by itself, one stage every SECONDS (implies --step; any key pauses).",
    )] = None,
    focus: Annotated[str | None, typer.Option(
        "--focus", metavar="UNIT", show_default=False,
        help="Follow one unit: only its values and those computed right before or after them.",
    )] = None,
    diagram: Annotated[bool, typer.Option(
        "--diagram", help="Draw the network under each stage, with the values known so far.",
    )] = False,
    save_svg: Annotated[Path | None, typer.Option(
        "--save-svg", metavar="DIR", show_default=False,
        help="Also write every stage as an SVG picture of the terminal: DIR/stage-01.svg ...",
    )] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Let --save-svg replace stage-NN.svg files that already exist.",
    )] = False,
) -> None:
    """Run one training step and show every stage: forward, loss, deltas, updates, after.

    Examples: [bold]bpstep run scenarios/gfg_sigmoid.yaml[/] ·
    [bold]bpstep run scenarios/gfg_sigmoid.yaml --step --explain[/] ·
    [bold]bpstep run scenarios/gfg_sigmoid.yaml --step --auto 3 --diagram[/] ·
    [bold]bpstep run scenarios/gfg_sigmoid.yaml --focus h1 --save-svg slides[/]
    """
    from bpstep.engine import step as run_step
    from bpstep.render.console import make_console
    from bpstep.render.focus import focus_on
    from bpstep.render.screen import View, render_all
    from bpstep.render.snapshots import save_svgs

    scenario = load_scenario(file)
    trace = run_step(scenario)
    followed = focus_on(trace, focus) if focus is not None else None
    view = View(precision, explain, followed, diagram, scenario.title or "")
    if save_svg is not None:
        paths = save_svgs(trace, view, save_svg, force=force)
        make_console(stderr=True).print(
            f"wrote {len(paths)} SVG files to {save_svg} ({paths[0].name} … {paths[-1].name})",
            markup=False)
    if as_json:
        from bpstep.export.json import write_trace_json

        write_trace_json(scenario, trace, sys.stdout)
        return
    console = make_console()
    if step or auto is not None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            make_console(stderr=True).print(
                "bpstep: --step needs an interactive terminal; printing all stages instead.",
                markup=False)
        else:
            from bpstep.render.stepper import step_through

            raise typer.Exit(int(step_through(console, trace, view, auto=auto)))
    console.print(render_all(trace, view, width=console.width))


class ExportFormat(str, Enum):
    """Document formats of ``bpstep export`` (the keys of ``bpstep.export.publish.FORMATS``)."""

    markdown = "markdown"
    latex = "latex"
    html = "html"


Output = Annotated[Path, typer.Option("--output", "-o", show_default=False,
                                      help="File to write ('-' for stdout).")]
Force = Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")]


def write_output(path: Path, text: str, force: bool, what: str, then: str = "") -> None:
    """Write an export without replacing the user's files unless forced; say what was written
    (and ``then``, what to do next)."""
    from bpstep.export.output import write_new

    write_new(path, text, force=force)
    if str(path) != "-":
        from bpstep.render.console import make_console

        make_console(stderr=True).print(f"wrote {path} ({what})" + (f"; {then}" if then else ""),
                                        markup=False)


@app.command()
def diagram(
    file: FileArg,
    output: Output,
    stage: Annotated[int | None, typer.Option("--stage", "-k", show_default=False,
                                              help="Show the values known at stage K "
                                              "(1-based, as in 'stage K of N'); "
                                              "default: before the step.")] = None,
    precision: Precision = 6,
    force: Force = False,
) -> None:
    """Draw the network as SVG: units in layer columns, weights on the edges, values at a stage.

    Examples: [bold]bpstep diagram scenarios/gfg_sigmoid.yaml -o net.svg[/] ·
    [bold]bpstep diagram scenarios/gfg_sigmoid.yaml -o net.svg --stage 7[/]
    """
    from bpstep.engine import step as run_step
    from bpstep.export.svg_diagram import diagram_svg

    scenario = load_scenario(file)
    trace = run_step(scenario)
    n = len(trace.stages)
    if stage is not None and not 1 <= stage <= n:
        fail(f"--stage {stage} is out of range: valid stages are 1 to {n} (or leave --stage out "
             "for the network before the step)")
    svg = diagram_svg(scenario, trace, None if stage is None else stage - 1, precision=precision)
    write_output(output, svg, force, "before the step" if stage is None else f"stage {stage} of {n}")


@app.command()
def export(
    file: FileArg,
    form: Annotated[ExportFormat, typer.Option("--format", "-f", show_default=False,
                                               help="Document format.")],
    output: Output,
    precision: Precision = 6,
    explain: Annotated[bool, typer.Option(
        "--explain", "-e", help="Also write every formula, in names and with its numbers "
        "substituted (without it: the table of values of each stage).")] = False,
    force: Force = False,
) -> None:
    """Write the worked solution of the step, stage by stage: Markdown, LaTeX or an HTML slideshow.

    Examples: [bold]bpstep export scenarios/gfg_sigmoid.yaml -f html -o walk.html --explain[/] ·
    [bold]bpstep export scenarios/gfg_sigmoid.yaml -f latex -o key.tex --explain[/]
    """
    from bpstep.engine import step as run_step
    from bpstep.export.publish import export as publish

    scenario = load_scenario(file)
    trace = run_step(scenario)
    text = publish(scenario, trace, form.value, precision=precision, explain=explain)
    write_output(output, text, force, f"{form.value}, {len(trace.stages)} stages")


@app.command()
def train(
    file: FileArg,
    epochs: Annotated[int | None, typer.Option("--epochs", "-n", min=1, show_default=False,
                                               help="Epochs to train (default: the scenario's "
                                               "'epochs', else 1000).")] = None,
    lr: Annotated[float | None, typer.Option("--lr", show_default=False,
                                             help="Learning rate (default: the scenario's).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, show_default=False,
                                             help="Seed for drawn weights (init) and shuffling.")] = None,
    every: Annotated[int | None, typer.Option("--every", "-k", min=1, show_default=False,
                                              help="Log the loss every K epochs (default: "
                                              "epochs / 10).")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", show_default=False,
                                              help="Write the loss curve as an SVG chart.")] = None,
    save: Annotated[Path | None, typer.Option("--save", show_default=False,
                                              help="Write the trained network as a scenario "
                                              "'bpstep run' accepts.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing --plot/--save files "
                                        "(never the input scenario).")] = False,
    precision: Precision = 6,
    as_json: AsJson = False,
) -> None:
    """Train for many epochs: progress, loss table, loss curve and the final predictions.

    Examples: [bold]bpstep train scenarios/xor_sigmoid.yaml[/] ·
    [bold]bpstep train scenarios/xor_sigmoid.yaml --epochs 2000 --every 500 --plot loss.svg[/] ·
    [bold]bpstep train scenarios/xor_sigmoid.yaml --seed 3 --save trained.yaml --json[/]
    """
    from bpstep.render.console import make_console
    from bpstep.render.training import progress_bar, render_training
    from bpstep.train import DEFAULT_EPOCHS, StopFlag, stop_on_interrupt, with_overrides
    from bpstep.train import train as train_epochs

    scenario = load_scenario(file)
    if lr is not None and not (math.isfinite(lr) and lr > 0):
        fail(f"--lr {lr} is not a learning rate: expected a number > 0, e.g. --lr 0.1")
    if plot is not None and save is not None and plot.resolve() == save.resolve():
        fail("--plot and --save name the same file; give them different names")
    for path, option in ((plot, "--plot"), (save, "--save")):
        problem = _check_output(path, file, force, option)
        if problem:
            fail(problem)
    errors = make_console(stderr=True)
    if seed is not None and scenario.init is None and not scenario.shuffle:
        errors.print("bpstep: note: --seed has no effect: the scenario lists its weights and does "
                     "not shuffle", markup=False)
    scenario = with_overrides(scenario, learning_rate=lr, seed=seed)
    count = epochs or scenario.epochs or DEFAULT_EPOCHS
    flag = StopFlag()
    with stop_on_interrupt(flag), progress_bar(errors, count) as tick:
        result = train_epochs(scenario, count, every=every, stop=flag, on_tick=tick)
    if as_json:
        from bpstep.export.json import result_to_json

        print(json.dumps(result_to_json(scenario, result), indent=2))
    else:
        console = make_console()
        if scenario.title:
            console.print(scenario.title, style="bold underline", markup=False)
        console.print(render_training(scenario, result, precision))
    _write_training(file, scenario, result, plot=plot, save=save, force=force,
                    precision=precision)
    if result.stopped == "interrupted":
        errors.print(f"bpstep: interrupted after {result.epochs} of {result.requested} epochs",
                     markup=False)
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    if result.stopped == "diverged":
        errors.print(f"bpstep: error: the loss stopped being a finite number after {result.epochs} "
                     "epochs; try a smaller --lr" + ("; nothing saved" if save else ""), markup=False)
        raise typer.Exit(int(ExitCode.MISTAKES))


def _write_training(file: Path, scenario: Scenario, result: TrainResult, *, plot: Path | None,
                    save: Path | None, force: bool, precision: int) -> None:
    """The ``--plot`` loss curve and the ``--save`` trained scenario (not after a divergence)."""
    from bpstep.numbers import fmt

    if plot is not None:
        from bpstep.export.svg_plot import line_chart_svg

        title = f"{scenario.title or file.name}: loss over {result.epochs} epochs"
        svg = line_chart_svg([e for e, _ in result.history], [v for _, v in result.history],
                             title=title, x_label="epoch", y_label=f"loss ({scenario.loss}, "
                             f"{scenario.reduction})")
        write_output(plot, svg, force, "loss curve")
    if save is not None and result.stopped != "diverged":
        from bpstep.export.scenario_yaml import scenario_yaml

        note = (f"Trained by 'bpstep train {file.name}' for {result.epochs} epochs "
                f"(loss {fmt(result.loss, precision)}).\nStarting weights: {file}.")
        text = scenario_yaml(scenario, result.params, note=note,
                             title=f"{scenario.title or file.stem} (trained {result.epochs} epochs)")
        write_output(save, text, force, f"trained scenario, {result.epochs} epochs")


def _check_output(path: Path | None, source: Path, force: bool, option: str) -> str | None:
    """Why ``path`` may not be written (checked before training, so no run is wasted), or None."""
    if path is None:
        return None
    if path.exists() and source.exists() and path.resolve() == source.resolve():
        return f"{option} {path} is the input scenario; it is never overwritten: choose another name"
    if path.is_dir():
        return f"{option} {path} is a directory; give a file name"
    if path.exists() and not force:
        return f"{option} {path} already exists; use --force to overwrite it"
    if not path.parent.is_dir():
        return f"{option} {path}: the folder {path.parent} does not exist; create it first"
    return None


@app.command()
def template(
    file: FileArg,
    output: Annotated[Path | None, typer.Option("--output", "-o", show_default=False,
                                                help="Write the worksheet to this file "
                                                "(default: print it).")] = None,
    force: Force = False,
) -> None:
    """Print a worksheet to fill in by hand: every quantity of the step, in stage order, as null.

    Examples: [bold]bpstep template scenarios/gfg_sigmoid.yaml -o answers.yaml[/] ·
    then [bold]bpstep verify answers.yaml[/]
    """
    from bpstep.answers import worksheet
    from bpstep.engine import step as run_step

    scenario = load_scenario(file)
    if output is None or str(output) == "-":
        ref, check = str(file), "bpstep verify ANSWERS.yaml"
    else:
        ref = os.path.relpath(file.resolve(), output.resolve().parent)
        check = f"bpstep verify {output}"
    trace = run_step(scenario)
    text = worksheet(trace, scenario, Path(ref).as_posix(), check)
    write_output(output or Path("-"), text, force, f"{len(trace.values)} quantities to work out",
                 then=f"check it with: {check}")


@app.command()
def verify(
    first: Annotated[Path, typer.Argument(metavar="[SCENARIO] ANSWERS", show_default=False,
                                          help="Answers file (YAML) naming its scenario, or the "
                                          "scenario followed by the answers file.")],
    second: Annotated[Path | None, typer.Argument(metavar="", show_default=False)] = None,
    tol: Annotated[float | None, typer.Option("--tol", min=0.0, show_default=False,
                                              help="Accept answers within ±TOL (default: half a "
                                              "unit of the last digit written).")] = None,
    no_reveal: Annotated[bool, typer.Option("--no-reveal", help="Verdicts and hints without the "
                                            "correct values (for practice).")] = False,
    everything: Annotated[bool, typer.Option("--all", help="Also list the quantities not "
                                             "attempted (with their correct values).")] = False,
    precision: Precision = 6,
    as_json: AsJson = False,
) -> None:
    """Mark hand-worked numbers: correct, within rounding, carried forward, or wrong (with a hint).

    Exit code 0 when every attempted answer is accepted, 1 when any is wrong, 2 on bad input.

    Examples: [bold]bpstep verify scenarios/gfg_sigmoid.article-answers.yaml[/] ·
    [bold]bpstep verify scenarios/gfg_sigmoid.yaml answers.yaml --no-reveal[/] ·
    [bold]bpstep verify answers.yaml --json[/]
    """
    from bpstep.answers import check_names
    from bpstep.answers import load as load_answers
    from bpstep.engine import step as run_step
    from bpstep.verify import verify as mark

    answers_path = first if second is None else second
    sheet = load_answers(answers_path)
    scenario_path = sheet.scenario if second is None else first
    if scenario_path is None:
        fail(f"{answers_path}: does not name its scenario; add a line like "
             "`scenario: gfg_sigmoid.yaml` (relative to the answers file) or run "
             f"`bpstep verify SCENARIO {answers_path}`")
    scenario = load_scenario(scenario_path)
    trace = run_step(scenario)
    check_names(sheet, {q.name for q in trace}, trace.given)
    report = mark(trace, scenario, sheet.answers, tol)
    if as_json:
        from bpstep.export.json import report_to_json

        print(json.dumps(report_to_json(report, scenario=str(scenario_path), reveal=not no_reveal,
                                        tol=tol), indent=2, ensure_ascii=False))
    else:
        from bpstep.render.console import make_console
        from bpstep.render.verdicts import render_report

        console = make_console()
        if scenario.title:
            console.print(scenario.title, style="bold underline", markup=False)
        console.print(f"answers: {answers_path}", style="dim", markup=False)
        console.print(render_report(report, precision=precision, reveal=not no_reveal,
                                    everything=everything,
                                    explain_command=f"bpstep explain {scenario_path}"))
    if report.has_mistakes:
        raise typer.Exit(int(ExitCode.MISTAKES))


@app.command()
def explain(
    file: FileArg,
    name: Annotated[str, typer.Argument(show_default=False,
                                        help="Quantity name, e.g. 'delta[h1]' (quote it).")],
    precision: Precision = 6,
) -> None:
    """Show how one quantity is computed: its rule, its numbers, and what it comes from.

    Examples: [bold]bpstep explain scenarios/gfg_sigmoid.yaml 'delta[h1]'[/] ·
    [bold]bpstep explain scenarios/gfg_sigmoid.yaml 'w[x1->h1]'[/]
    """
    from bpstep.engine import step as run_step
    from bpstep.render.console import make_console
    from bpstep.render.verdicts import render_explanation

    scenario = load_scenario(file)
    trace = run_step(scenario)
    wanted = "".join(name.split())
    if wanted not in trace and wanted not in trace.given:
        close = difflib.get_close_matches(wanted, [*(q.name for q in trace), *trace.given], n=3,
                                          cutoff=0.6)
        hint = (f"did you mean {' or '.join(repr(c) for c in close)}?" if close else
                f"`bpstep template {file}` lists every name")
        fail(f"{file}: no quantity named {name!r} in this step; {hint}")
    make_console().print(render_explanation(trace, scenario, wanted, precision=precision,
                                            command=f"bpstep explain {file}"))


def main() -> None:
    """Console-script entry point: run the app, turning Ctrl-C into exit code 130.

    A reader that stops early (``bpstep run big.yaml --json | head``) ends us quietly, as it
    ends ``cat``: the default SIGPIPE action, not an error message and exit code 1.
    """
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("\nbpstep: interrupted\n")
        sys.exit(int(ExitCode.INTERRUPTED))
