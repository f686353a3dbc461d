"""The ``bpstep`` command line: options in, calls to the core, output out; errors become exit codes.

Only this module knows every part (scenario, engine, render, verify, export); it does no maths.
Heavy modules (numpy, the engine, rich tables) are imported inside the commands that need them,
so ``bpstep --help`` starts quickly. Annotations here are objects, not strings (no ``from
__future__ import annotations``): typer reads every command's options at each start, and a
string annotation is compiled and evaluated again each time (20 ms for bpstep's commands).
"""

import signal
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from bpstep.errors import ExitCode, UserError
from bpstep.escaping import json_dumps

if TYPE_CHECKING:
    from bpstep.trace import Trace


try:  # typer 0.22 and later carry their own copy of click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer, on click
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError


def _flags_without_type(params: list) -> list:  # type: ignore[type-arg]
    """``params`` with nothing shown beside a flag in help (typer would write ``<bool>``)."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class _Commands(TyperGroup):
    """Runs a command; the one place where a ``UserError``, or a usage error of the command line
    (a missing argument, a bad choice), becomes one line on stderr and an exit code."""

    def get_params(self, ctx):  # type: ignore[no-untyped-def]
        return _flags_without_type(super().get_params(ctx))

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def]
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as err:
            _usage_error(err)

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        from bpstep.inputs import forget_reads

        forget_reads()  # in one process (tests, a notebook), each command has its own inputs
        try:
            return super().invoke(ctx)
        except UserError as err:
            fail(str(err), err.exit_code)
        except UsageError as err:
            _usage_error(err)
        except KeyboardInterrupt:
            # typer would turn Ctrl-C into a silent exit 130; say what happened, as train does.
            sys.stderr.write("\nbpstep: interrupted\n")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def _usage_error(err: ClickException) -> NoReturn:
    """A usage error in bpstep's words, on one line like every other error: what is wrong, and
    where the command's options are listed (exit code 2). Help asked for by giving nothing
    stays help."""
    if isinstance(err, NoArgsIsHelpError):
        raise err
    # typer words a bad choice "Invalid value for '-f': Value error, 'pdf' is not one of …"
    message = err.format_message().rstrip(".").replace(": Value error, ", ": ")
    command = err.ctx.command_path if isinstance(err, UsageError) and err.ctx else "bpstep"
    fail(f"{message[:1].lower()}{message[1:]}; `{command} --help` lists what it takes")


class _Command(TyperCommand):
    """A command's usage and help as people read them: ``run [OPTIONS] FILE``, an optional
    argument in brackets once, no type shown beside a flag, its summary in the list of commands
    one sentence (not broken where the docstring's line ends)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if self.short_help is None and self.help:
            self.short_help = " ".join(self.help.split("\n\n", 1)[0].split())

    def get_params(self, ctx):  # type: ignore[no-untyped-def]
        return _flags_without_type(super().get_params(ctx))

    def collect_usage_pieces(self, ctx):  # type: ignore[no-untyped-def]
        pieces = ["[OPTIONS]"]
        for param in self.get_params(ctx):
            if param.param_type_name != "argument" or getattr(param, "hidden", False):
                continue
            name = param.metavar or param.name.upper()
            pieces.append(name if param.required or name.startswith("[") else f"[{name}]")
        return pieces


class _App(typer.Typer):
    """bpstep's commands all read their usage the same way (``_Command``)."""

    def command(self, *args, cls=None, **kwargs):  # type: ignore[no-untyped-def]
        return super().command(*args, cls=cls or _Command, **kwargs)


app = _App(
    cls=_Commands,
    name="bpstep",
    help="Make backpropagation visible, one stage at a time.\n\n"
    "Examples:\n\n"
    "  bpstep lessons\n\n"
    "  bpstep run gfg_sigmoid --step\n\n"
    "  bpstep run gfg_sigmoid --explain\n\n"
    "  bpstep run gfg_sigmoid --json\n\n"
    "  bpstep verify gfg_sigmoid.article-answers\n\n"
    "  bpstep train xor_sigmoid --plot loss.svg\n\n"
    "  bpstep lessons copy gfg_sigmoid -o mine  (then edit mine/gfg_sigmoid.yaml)\n\n"
    "Every FILE may also be the name of a lesson that comes with bpstep.",
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
)


def _version(value: bool) -> None:
    if value:
        from bpstep import version

        print(f"bpstep {version()}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Make backpropagation visible, one stage at a time."""
    if ctx.invoked_subcommand is None:
        print(ctx.get_help())


def fail(message: str, code: ExitCode = ExitCode.BAD_INPUT) -> NoReturn:
    """Say what went wrong on stderr, for people, and leave with ``code``."""
    say(f"error: {message}")
    raise typer.Exit(int(code))


def say(message: str) -> None:
    """One line for people on stderr: ``bpstep: note: …`` or ``bpstep: error: …``."""
    from bpstep.render.console import make_console

    make_console(stderr=True).print(f"bpstep: {message}", markup=False, soft_wrap=True)


def load_scenario(path: Path):
    """The scenario of a FILE argument (``lessons.load_scenario``), imported when a command runs
    so that ``bpstep --help`` starts quickly."""
    from bpstep.lessons import load_scenario as load

    return load(path)


def input_path(path: Path) -> Path:
    """The file to read for a FILE argument: a path that exists, else the lesson of that name."""
    from bpstep.lessons import find

    return find(path)


FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="Scenario file (YAML), or the name "
                                         "of a lesson (bpstep lessons).", show_default=False)]
Precision = Annotated[int, typer.Option("--precision", "-p", min=1, max=17,
                                        help="Significant digits shown (full precision is kept).")]
Explain = Annotated[bool, typer.Option("--explain", "-e",
                                       help="Show each formula with its numbers substituted.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]


Digits = Annotated[int | None, typer.Option(
    "--digits", min=1, max=15, show_default=False,
    help="Accept an answer only when it has at least N significant figures, unless it is exactly "
    "the value (default: the scenario's 'marking', else 3).")]
DecimalPlaces = Annotated[int | None, typer.Option(
    "--decimals", min=0, max=15, show_default=False,
    help="Ask for at least N decimal places instead of significant figures.")]


def _renamed(value: int | None, old_value: int | None, *, old: str, new: str, why: str
             ) -> int | None:
    """An option given by its old name still counts, with a note that the name is going: a
    short option means one thing across bpstep's commands."""
    if old_value is None:
        return value
    if value is not None:
        fail(f"{old} and {new} are the same option; give {new}")
    say(f"note: {old} is deprecated here and will be removed; write {new} {old_value} ({why})")
    return old_value


class ViewChoice(str, Enum):
    """What each stage is shown as (the values of ``bpstep.render.screen.ViewMode``)."""

    unit = "unit"
    matrix = "matrix"
    both = "both"


ViewOption = Annotated[ViewChoice, typer.Option(
    "--view", help="Each stage as its per-unit table, as matrix equations with every shape, or "
    "both.")]


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
    view: ViewOption = ViewChoice.unit,
) -> None:
    """Run one training step and show every stage: forward, loss, deltas, updates, after.

    Examples: [bold]bpstep run gfg_sigmoid[/] ·
    [bold]bpstep run gfg_sigmoid --step --explain[/] ·
    [bold]bpstep run gfg_sigmoid --step --auto 3 --diagram[/] ·
    [bold]bpstep run gfg_sigmoid --focus h1 --save-svg slides[/]
    """
    from bpstep.engine import step as run_step  # rich and the renderers only when drawing

    trace = run_step(load_scenario(file))
    shown = None
    if not as_json or save_svg is not None or focus is not None:  # a wrong --focus fails --json too
        from bpstep.render.screen import ViewMode, view_of

        shown = view_of(trace, precision=precision, explain=explain, focus=focus, diagram=diagram,
                        mode=ViewMode(view.value))
    if save_svg is not None:
        from bpstep.render.console import make_console
        from bpstep.render.snapshots import save_svgs

        paths = save_svgs(trace, shown, save_svg, force=force)
        make_console(stderr=True).print(
            f"wrote {len(paths)} SVG files to {save_svg} ({paths[0].name} … {paths[-1].name})",
            markup=False)
    done = ExitCode.MISTAKES if say_not_finite(trace) else ExitCode.OK
    if as_json:
        from bpstep.export.json import write_trace_json

        write_trace_json(trace, sys.stdout)
        raise typer.Exit(int(done))
    from bpstep.render.screen import show_stages

    raise typer.Exit(max(show_stages(trace, shown, step=step or auto is not None, auto=auto),
                         int(done)))


def say_not_finite(trace: "Trace") -> bool:
    """Say once, on stderr, from which stage the numbers are no longer finite; True if they are not."""
    from bpstep.trace import not_finite_note

    note = not_finite_note(trace)
    if note is not None:
        say(note)
    return note is not None


def exit_if_not_finite(trace: "Trace") -> None:
    """End a command whose output is written with exit code 1 when its numbers left the float
    range (said once, by ``say_not_finite``): a script sees the step is not usable as it is."""
    if say_not_finite(trace):
        raise typer.Exit(int(ExitCode.MISTAKES))


class ExportFormat(str, Enum):
    """Document formats of ``bpstep export`` (the keys of ``bpstep.export.publish.FORMATS``)."""

    markdown = "markdown"
    latex = "latex"
    html = "html"
    moodle = "moodle"
    gift = "gift"
    qti = "qti"
    web = "web"
    scorm = "scorm"


Output = Annotated[Path, typer.Option("--output", "-o", show_default=False,
                                      help="File to write ('-' for stdout).")]
Force = Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")]


def write_output(path: Path, text: str, force: bool, what: str, then: str = "",
                 reads: tuple[Path, ...] = ()) -> None:
    """Write an export without replacing the user's files unless forced, nor ever a file in
    ``reads``; say what was written (and ``then``, what to do next)."""
    from bpstep.files import write_new

    write_new(path, text, force=force, reads=reads)
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

    Examples: [bold]bpstep diagram gfg_sigmoid -o net.svg[/] ·
    [bold]bpstep diagram gfg_sigmoid -o net.svg --stage 7[/]
    """
    from bpstep.engine import step as run_step
    from bpstep.export.svg_diagram import asked_diagram, check_drawable

    scenario = load_scenario(file)
    check_drawable(scenario, "bpstep diagram")
    trace = run_step(scenario)
    svg, what = asked_diagram(trace, stage, precision=precision)
    write_output(output, svg, force, what, reads=(input_path(file),))
    exit_if_not_finite(trace)


@app.command()
def export(
    file: Annotated[Path, typer.Argument(
        metavar="FILE_OR_DIR", show_default=False,
        help="Scenario file (YAML), or for moodle/gift/qti also a folder made by 'bpstep variants'.")],
    form: Annotated[ExportFormat, typer.Option("--format", "-f", show_default=False,
                                               help="Document format; moodle (XML, Cloze), gift "
                                               "and qti (Canvas zip) make a quiz.")],
    output: Output,
    precision: Precision = 6,
    explain: Annotated[bool, typer.Option(
        "--explain", "-e", help="Also write every formula, in names and with its numbers "
        "substituted (without it: the table of values of each stage).")] = False,
    force: Force = False,
    decimals: Annotated[int | None, typer.Option(
        "--decimals", min=0, max=15, show_default=False,
        help="Quiz, web, scorm: answers to N decimals, accepted ±half a unit of the last "
        "(default: the scenario's 'marking', else 3 significant figures, as bpstep verify "
        "asks).")] = None,
    digits: Annotated[int | None, typer.Option(
        "--digits", min=1, max=15, show_default=False,
        help="Quiz, web, scorm: answers to N significant figures instead, accepted ±half a "
        "unit of the last.")] = None,
    rounding_credit: Annotated[int, typer.Option(
        "--rounding-credit", min=0, max=100, metavar="PERCENT",
        help="Quiz: credit for a value bpstep verify calls rounded too early (one value it is "
        "worked from rounded to as few figures as the answer has, two at least); 0 for none. "
        "GIFT snaps it to Moodle's list of credits; Canvas QTI has none.")] = 50,
    ask: Annotated[str | None, typer.Option(
        "--ask", show_default=False,
        help="Quiz: which values are blanks (web/scorm: which values the page asks): forward, "
        "loss, deltas, updates, after, all, or name patterns such as 'delta[*]' "
        "(comma-separated; default: every value).")] = None,
    hide_formula: Annotated[bool, typer.Option(
        "--hide-formula", help="Quiz: each blank says what it is (output of h1) but not its "
        "rule, for an exam.")] = False,
    by_stage: Annotated[bool, typer.Option(
        "--by-stage", help="Quiz: each stage its own question, given the correct results of the "
        "stages before, so one early slip costs no later stage (carried-forward credit).")] = False,
    view: ViewOption = ViewChoice.unit,
    tries: Annotated[int, typer.Option(
        "--tries", min=1, max=9, help="web/scorm: tries per value before it is shown.")] = 2,
) -> None:
    """Write the step as a handout (Markdown, LaTeX, HTML), a quiz or a practice page.

    The worked solution goes stage by stage; a quiz is for a course's system; a practice page
    (web) marks like bpstep verify in any browser, alone or as a SCORM 1.2 package (scorm).

    Examples: [bold]bpstep export gfg_sigmoid -f html -o walk.html --explain[/] ·
    [bold]bpstep export gfg_sigmoid -f latex -o key.tex --explain[/] ·
    [bold]bpstep export class/ -f moodle -o quiz.xml --ask forward,deltas[/] ·
    [bold]bpstep export two_hidden_layers -f web -o practice.html[/] ·
    [bold]bpstep export gfg_sigmoid -f scorm -o practice.zip --ask deltas[/]
    """
    from bpstep.engine import step as run_step
    from bpstep.export.publish import PRACTICE_FORMATS, QUIZ_FORMATS, check_export
    from bpstep.export.publish import export as publish

    if form.value in PRACTICE_FORMATS or form.value in QUIZ_FORMATS:
        from bpstep.verify import check_one_floor

        check_one_floor(digits, decimals)
    if form.value in PRACTICE_FORMATS:
        _export_practice(file, form.value, output, force, ask=ask, tries=tries, digits=digits,
                         decimals=decimals)
        return
    if form.value in QUIZ_FORMATS:
        _export_quiz(file, form.value, output, force, ask=ask, decimals=decimals, digits=digits,
                     rounding_credit=rounding_credit, hide_formula=hide_formula, by_stage=by_stage)
        return
    scenario = load_scenario(file)
    check_export(scenario, form.value)
    trace = run_step(scenario)
    text = publish(trace, form.value, precision=precision, explain=explain,
                   view=view.value)
    write_output(output, text, force, f"{form.value}, {len(trace.stages)} stages",
                 reads=(input_path(file),))
    exit_if_not_finite(trace)


@app.command()
def train(
    file: FileArg,
    epochs: Annotated[int | None, typer.Option("--epochs", min=1, show_default=False,
                                               help="Epochs to train (default: the scenario's "
                                               "'epochs', else 1000).")] = None,
    lr: Annotated[float | None, typer.Option("--lr", show_default=False,
                                             help="Learning rate (default: the scenario's).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, show_default=False,
                                             help="Seed for drawn weights (init) and shuffling.")] = None,
    every: Annotated[int | None, typer.Option("--every", min=1, show_default=False,
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
    old_epochs: Annotated[int | None, typer.Option("-n", min=1, hidden=True,
                                                   show_default=False)] = None,
    old_every: Annotated[int | None, typer.Option("-k", min=1, hidden=True,
                                                  show_default=False)] = None,
) -> None:
    """Train for many epochs: progress, loss table, loss curve and the final predictions.

    Examples: [bold]bpstep train xor_sigmoid[/] ·
    [bold]bpstep train xor_sigmoid --epochs 2000 --every 500 --plot loss.svg[/] ·
    [bold]bpstep train xor_sigmoid --seed 3 --save trained.yaml --json[/]
    """
    from bpstep.render.console import make_console
    from bpstep.render.training import print_training, progress_bar
    from bpstep.train import StopFlag, plan_training, stop_on_interrupt
    from bpstep.train import train as train_epochs

    epochs = _renamed(epochs, old_epochs, old="-n", new="--epochs",
                      why="-n is how many variants in bpstep variants")
    every = _renamed(every, old_every, old="-k", new="--every",
                     why="-k is a stage number in bpstep diagram and practice")
    plan = plan_training(load_scenario(file), epochs=epochs, learning_rate=lr, seed=seed,
                         plot=plot, save=save, force=force, reads=(input_path(file),))
    scenario = plan.scenario
    errors = make_console(stderr=True)
    if plan.note is not None:
        errors.print(f"bpstep: note: {plan.note}", markup=False)
    flag = StopFlag()
    with stop_on_interrupt(flag), progress_bar(errors, plan.epochs) as tick:
        result = train_epochs(scenario, plan.epochs, every=every, stop=flag, on_tick=tick)
    if as_json:
        import json  # here, not at the top: only this output needs it, not a plain run

        from bpstep.export.json import result_to_json

        print(json.dumps(result_to_json(scenario, result), indent=2))
    else:
        print_training(make_console(), scenario, result, precision)
    from bpstep.export.trained import training_files

    for path, (text, what) in training_files(scenario, result, file, plot=plot, save=save,
                                             precision=precision).items():
        write_output(path, text, force, what, reads=(input_path(file),))
    ending = result.ending(saving=save is not None)
    if ending is not None:
        errors.print(f"bpstep: {ending}", markup=False)
    raise typer.Exit(int(result.exit_code))


@app.command()
def template(
    file: FileArg,
    output: Annotated[Path | None, typer.Option("--output", "-o", show_default=False,
                                                help="Write the worksheet to this file "
                                                "(default: print it).")] = None,
    force: Force = False,
) -> None:
    """Print a worksheet to fill in by hand: every quantity of the step, in stage order, as null.

    Examples: [bold]bpstep template gfg_sigmoid -o answers.yaml[/] ·
    then [bold]bpstep verify answers.yaml[/]
    """
    from bpstep.answers import blank_worksheet

    blank = blank_worksheet(file, output)
    write_output(output or Path("-"), blank.text, force, f"{blank.quantities} quantities to work out",
                 then=f"check it with: {blank.check}", reads=(input_path(file),))


class GradebookChoice(str, Enum):
    """The layout of ``verify --batch --csv``: bpstep's own, or a course system's import
    (``bpstep.export.grades.FORMATS``)."""

    bpstep = "bpstep"
    moodle = "moodle"
    canvas = "canvas"


@app.command()
def verify(
    first: Annotated[Path | None, typer.Argument(metavar="[SCENARIO] ANSWERS", show_default=False,
                                                 help="Answers file (YAML) naming its scenario, or "
                                                 "the scenario followed by the answers file.")] = None,
    second: Annotated[Path | None, typer.Argument(metavar="ANSWERS", show_default=False,
                                                  hidden=True)] = None,
    tol: Annotated[float | None, typer.Option("--tol", min=0.0, show_default=False,
                                              help="Accept answers within ±TOL (default: half a "
                                              "unit of the last digit written); with it alone, "
                                              "no number of figures is asked.")] = None,
    digits: Digits = None,
    decimals: DecimalPlaces = None,
    no_reveal: Annotated[bool, typer.Option("--no-reveal", help="Verdicts and hints without the "
                                            "correct values (for practice; with --batch, on the "
                                            "--feedback pages).")] = False,
    everything: Annotated[bool, typer.Option("--all", help="Also list the quantities not "
                                             "attempted (with their correct values).")] = False,
    precision: Precision = 6,
    as_json: AsJson = False,
    batch: Annotated[str | None, typer.Option(
        "--batch", metavar="PATTERN", show_default=False,
        help="Mark a class: every answers file matching PATTERN (quote it: 'answers/*.yaml'), one "
        "line per student, then a class summary.")] = None,
    csv_out: Annotated[Path | None, typer.Option(
        "--csv", show_default=False, help="With --batch: write a gradebook CSV (student, score, "
        "max, a verdict per quantity, points, status; see --gradebook).")] = None,
    html_out: Annotated[Path | None, typer.Option(
        "--html", show_default=False, help="With --batch: write a self-contained HTML class "
        "report with a chart of the mistakes.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Let --csv/--html/--feedback replace "
                                        "existing files.")] = False,
    scenarios: Annotated[list[Path] | None, typer.Option(
        "--scenarios", metavar="DIR", show_default=False,
        help="A folder where an answers file's 'scenario:' is looked for, besides the answers "
        "file's own folder and the current folder (repeatable).")] = None,
    roster: Annotated[Path | None, typer.Option(
        "--roster", show_default=False,
        help="With --batch: the class's CSV (columns headed id, name, email ...): every student "
        "gets a line, marked, missing or unreadable; a file is theirs by its name (as 'bpstep "
        "variants --roster' names it) or its 'student:' key.")] = None,
    gradebook: Annotated[GradebookChoice, typer.Option(
        "--gradebook", help="The layout of --csv: bpstep (every verdict), or moodle or canvas to "
        "import (needs --roster).")] = GradebookChoice.bpstep,
    assignment: Annotated[str, typer.Option(
        "--assignment", metavar="NAME",
        help="With --gradebook moodle/canvas: the grade column's title (Canvas fills the "
        "assignment of that name, or makes it).")] = "bpstep",
    feedback: Annotated[Path | None, typer.Option(
        "--feedback", metavar="DIR", show_default=False,
        help="With --batch: write a printable HTML page per student to DIR (made if missing): "
        "each value's verdict, hint and points; --html links to them.")] = None,
) -> None:
    """Mark hand-worked numbers: correct, within rounding, carried forward, too coarse, rounded
    too early, or wrong (with the likely mistake named).

    A written number stands for every value that rounds to it: 0.5523 for 0.55225 to 0.55235.
    It is accepted when it agrees with the true value, or with what your own earlier numbers
    give (rounding, or an earlier mistake carried forward), and has at least 3 significant
    figures (--digits, --decimals; a value written exactly needs no more).

    Exit code 0 when every attempted answer is accepted, 1 when any is not (or none was
    attempted), 2 on bad input: a file that cannot be read, or names the step does not have
    (the other answers are still marked). With --batch: 2 when any file had such a problem, or
    with --roster a file is no student's (or a student has several); 1 also when a student of
    the roster handed in nothing.

    The 'scenario:' of an answers file is a path from its folder, or a file name looked for in
    its folder, the current folder and each --scenarios DIR (never outside them).

    Examples: [bold]bpstep verify gfg_sigmoid.article-answers[/] ·
    [bold]bpstep verify gfg_sigmoid answers.yaml --no-reveal[/] ·
    [bold]bpstep verify answers.yaml --json[/] ·
    [bold]bpstep verify --batch 'answers/*.yaml' --scenarios class/students --csv grades.csv
    --html report.html[/] ·
    [bold]bpstep verify --batch 'answers/*.yaml' --scenarios class/students --roster
    roster.csv --gradebook moodle --csv moodle.csv --feedback feedback[/]
    """
    from bpstep.classroom import check_verify_options

    check_verify_options(batch=batch is not None, answers_file=first is not None,
                         every_quantity=everything, no_reveal=no_reveal, feedback=feedback,
                         gradebook=gradebook.value, csv_out=csv_out, html_out=html_out,
                         roster=roster, digits=digits, decimals=decimals)
    if batch is not None:
        _verify_batch(batch, tol=tol, as_json=as_json, csv_out=csv_out, html_out=html_out,
                      force=force, scenarios=tuple(scenarios or ()), digits=digits,
                      decimals=decimals, roster=roster, gradebook=gradebook.value,
                      assignment=assignment, feedback=feedback, reveal=not no_reveal)
        return
    from bpstep.verify import mark_file

    assert first is not None  # check_verify_options refuses no file without --batch
    answers, scenario = (first, None) if second is None else (second, first)
    marked = mark_file(answers, scenario, folders=scenarios or (), tol=tol, digits=digits,
                       decimals=decimals)
    notes = marked.worksheet.sheet.notes
    for line in [*(f"note: {n}" for n in notes), *(f"error: {p}" for p in marked.problems)]:
        say(line)
    say_not_finite(marked.trace)
    if as_json:
        from bpstep.export.json import report_to_json

        print(json_dumps(report_to_json(marked.report, scenario=marked.worksheet.scenario_named,
                                        reveal=not no_reveal, tol=tol, notes=notes,
                                        problems=marked.problems), indent=2))
    else:
        from bpstep.render.console import make_console
        from bpstep.render.verdicts import print_marked

        print_marked(make_console(), marked, precision=precision, reveal=not no_reveal,
                     everything=everything)
    raise typer.Exit(int(marked.exit_code))


@app.command()
def explain(
    file: FileArg,
    name: Annotated[str, typer.Argument(metavar="QUANTITY", show_default=False,
                                        help="Quantity name, e.g. 'delta\\[h1]' (quote it).")],
    precision: Precision = 6,
) -> None:
    """Show how one quantity is computed: its rule, its numbers, and what it comes from.

    Examples: [bold]bpstep explain gfg_sigmoid 'delta\\[h1]'[/] ·
    [bold]bpstep explain gfg_sigmoid 'w\\[x1->h1]'[/]
    """
    from bpstep.engine import step as run_step
    from bpstep.render.console import make_console
    from bpstep.render.verdicts import render_explanation
    from bpstep.trace import quantity_named

    trace = run_step(load_scenario(file))
    wanted = quantity_named(trace, name, str(file))
    make_console().print(render_explanation(trace, wanted, precision=precision,
                                            command=f"bpstep explain {file}",
                                            graph_command=f"bpstep graph {file}"))
    exit_if_not_finite(trace)


def _write_files(files: dict[Path, str | bytes], force: bool, reads: tuple[Path, ...] = ()) -> None:
    """Write every file or none: each checked first (never a file the command reads, nothing
    replaced without ``--force``), then written to a temp file renamed into place."""
    from bpstep.files import write_files

    write_files(files, force=force, reads=reads)


@app.command()
def variants(
    file: FileArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", show_default=False,
                                         help="Class folder to write students/, keys/ and "
                                         "index.csv to (made if missing).")],
    count: Annotated[int | None, typer.Option("--count", "-n", min=1, max=10_000,
                                              show_default=False,
                                              help="Numbered variants to make (default 30).")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Class seed: the same seed (and "
                                      "roster) makes the same variants.")] = 0,
    roster: Annotated[Path | None, typer.Option(
        "--roster", show_default=False, help="CSV with a column of student ids (the first "
        "headed id, Student ID, ID number, student, name, email or username that holds ids, else "
        "the first column): one variant per student, named after them; two ids that would make the same "
        "file name are refused.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace variant files that already "
                                        "exist in DIR. Nothing is deleted: files of an earlier "
                                        "class that the new index.csv does not list stay, and a "
                                        "warning counts them.")] = False,
) -> None:
    """Make a fair variant of a scenario per student: same network, new nice numbers, a key.

    Writes DIR/students/variant-01.yaml ... (the scenarios to hand out), DIR/keys/variant-01.key.yaml
    ... (every value at full precision: [bold]bpstep verify DIR/keys/variant-01.key.yaml[/]
    accepts it) and DIR/index.csv (variant, seed, file, key, line). Every variant is fair: no 0
    drawn, no unit saturated, dead or a copy of another, nothing that rounds to 0 at the
    precision asked, each stage within a factor of 3 of the original's (README: Using bpstep
    with a class). With --roster, files are named after the ids (Zoë O'Neil → Zoe-O-Neil); two
    ids that would make the same name, ignoring case, accents and punctuation, are refused with
    their lines, and nothing is written. Make each class in a fresh folder: over an earlier class
    (with --force), files the new index.csv does not list are kept and counted in a warning,
    and bpstep export leaves them out.

    Examples: [bold]bpstep variants gfg_sigmoid --count 30 --seed 7 -o class[/] ·
    [bold]bpstep variants gfg_sigmoid --roster students.csv --seed 7 -o class[/]
    """
    from bpstep.files import write_files
    from bpstep.render.console import make_console
    from bpstep.render.progress import progress_bar
    from bpstep.variants import INDEX_NAME, KEYS, STUDENTS, plan_variants

    plan = plan_variants(file, output, seed=seed, count=count, roster=roster)
    errors = make_console(stderr=True)
    drawn = plan.draw()  # before the bar's thread
    with progress_bar(errors, len(plan.variants), "drawing variants") as tick:
        files = plan.documents(drawn, tick)
    plan.make_folders()
    with progress_bar(errors, len(files), "writing files") as tick:
        write_files(files, force=force, reads=plan.reads, progress=tick)
    first, last = plan.variants[0].stem, plan.variants[-1].stem
    errors.print(f"wrote {len(plan.variants)} variants to {output}: {STUDENTS}/ ({first}.yaml … "
                 f"{last}.yaml) to hand out, {KEYS}/ with the answer keys, {INDEX_NAME}; next: "
                 f"bpstep export {output} -f moodle -o quiz.xml", markup=False)
    stale = plan.stale()
    if stale:
        say(f"warning: {stale}")


def _export_quiz(source: Path, form: str, output: Path, force: bool, *, ask: str | None,
                 decimals: int | None, digits: int | None, rounding_credit: int,
                 hide_formula: bool, by_stage: bool) -> None:
    """A quiz from one scenario, or from every variant of a ``bpstep variants`` folder."""
    from bpstep.export.publish import quiz_notes, quiz_of
    from bpstep.variants import quiz_source

    asked_of = quiz_source(source)
    if asked_of.stale:
        say(f"warning: {asked_of.stale}")
    made, what = quiz_of(asked_of, form, ask=ask, decimals=decimals, digits=digits,
                         rounding_credit=rounding_credit, hide_formula=hide_formula,
                         by_stage=by_stage)
    to_stdout = str(output) == "-"
    if to_stdout:
        _to_stdout(made)
    else:
        _write_files({output: made}, force, reads=asked_of.reads)
    for note in quiz_notes(form, rounding_credit):  # once the quiz is out: a refusal says all
        say(note)
    if not to_stdout:
        say_written(output, what)


def _export_practice(source: Path, form: str, output: Path, force: bool, *, ask: str | None,
                     tries: int, digits: int | None, decimals: int | None) -> None:
    """A practice page (or SCORM package) of one scenario or class (``web.practice_output``)."""
    from bpstep.export.web import practice_output

    made = practice_output(source, form, output, ask=ask, tries=tries, digits=digits,
                           decimals=decimals)
    if str(output) == "-":
        _to_stdout(made.documents[output])
        return
    made.make_folder()
    _write_files(made.documents, force, reads=made.reads)
    say_written(output, made.what)
    if heavy := made.heavy_note():
        say(f"note: {heavy}")


def _to_stdout(document: str | bytes) -> None:
    if isinstance(document, bytes):
        sys.stdout.buffer.write(document)
    else:
        sys.stdout.write(document)


def say_written(path: Path, what: str) -> None:
    from bpstep.render.console import make_console

    make_console(stderr=True).print(f"wrote {path} ({what})", markup=False)


def _verify_batch(pattern: str, *, tol: float | None, as_json: bool, csv_out: Path | None,
                  html_out: Path | None, force: bool, scenarios: tuple[Path, ...],
                  digits: int | None, decimals: int | None, roster: Path | None, gradebook: str,
                  assignment: str, feedback: Path | None, reveal: bool) -> None:
    """Mark every answers file matching ``pattern``; exit 2 if a file was bad, 1 if any wrong."""
    from bpstep.classroom import mark_class
    from bpstep.export.class_report import make_feedback_folder, report_files

    marked = mark_class(pattern, tol=tol, folders=scenarios, digits=digits, decimals=decimals,
                        roster=roster)
    if marked.left_out:
        say(f"note: {marked.left_out_note()}")
    files, pages = report_files(marked.report, csv_out=csv_out, html_out=html_out,
                                feedback=feedback, gradebook=gradebook, assignment=assignment,
                                reveal=reveal)
    make_feedback_folder(feedback)
    _write_files(files, force, reads=marked.reads)
    if as_json:
        from bpstep.export.class_report import class_json

        print(json_dumps(class_json(marked.report, {k: str(v) for k, v in pages.items()}),
                         indent=2))
    else:
        from bpstep.render.classroom import render_class
        from bpstep.render.console import make_console

        make_console().print(render_class(marked.report))
    raise typer.Exit(int(marked.report.exit_code))


class GraphFormat(str, Enum):
    """What ``bpstep graph`` writes: an indented tree, an SVG picture, or Graphviz DOT."""

    tree = "tree"
    svg = "svg"
    dot = "dot"


@app.command()
def graph(
    file: FileArg,
    name: Annotated[str | None, typer.Argument(
        metavar="QUANTITY", show_default=False,
        help="Quantity to draw, e.g. 'delta\\[h1]' (quote it); default: the forward pass and loss.")
    ] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", show_default=False,
        help="Write to this file ('-' for stdout); a name ending in .svg or .dot picks the format.")
    ] = None,
    form: Annotated[GraphFormat | None, typer.Option(
        "--format", "-f", show_default=False, help="tree (default in the terminal), svg or dot.")
    ] = None,
    depth: Annotated[int | None, typer.Option(
        "--depth", min=1, show_default=False,
        help="Expand named operands only this many levels down (default: down to the givens).")
    ] = None,
    precision: Precision = 6,
    force: Force = False,
) -> None:
    """Draw the computational graph of one quantity (or of the loss), gradients included.

    Each node shows its operation, its value and the gradient flowing into it.

    Examples: [bold]bpstep graph gfg_sigmoid 'delta\\[h1]'[/] ·
    [bold]bpstep graph gfg_sigmoid -o graph.svg[/] ·
    [bold]bpstep graph gfg_sigmoid 'y\\[o]' -f dot -o y.dot[/]
    """
    from bpstep.engine import step as run_step
    from bpstep.export.graph_file import graph_document, graph_format
    from bpstep.graph import asked_graph

    trace = run_step(load_scenario(file))
    wanted, drawn = asked_graph(trace, name, depth=depth, source=str(file))
    chosen = graph_format(form.value if form else None, output)
    text = graph_document(drawn, chosen, precision)
    if output is None and chosen == "tree":
        from bpstep.render.console import make_console

        make_console().print(text, markup=False, end="", soft_wrap=True)
    else:
        write_output(output or Path("-"), text, force, f"graph of {wanted}, {len(drawn.nodes)} nodes",
                     reads=(input_path(file),))
    exit_if_not_finite(trace)


Layers = Annotated[str, typer.Option("--layers", metavar="SIZES",
                                     help="Units per layer, inputs first, e.g. 2-2-1 or 2-3-2.")]
Activations = Annotated[str, typer.Option(
    "--activation", metavar="NAME[,NAME...]",
    help="Activation of every layer after the inputs, or one per layer (relu,sigmoid).")]
LossName = Annotated[str, typer.Option("--loss", help="half_sse, sse, mse, cross_entropy or "
                                       "binary_cross_entropy.")]
Convention = Annotated[str, typer.Option("--convention", help="delta_rule (δ = t − y, w + η·δ·y) "
                                         "or gradient (δ = ∂E/∂a, w − η·δ·y).")]
Mode = Annotated[str, typer.Option("--mode", help="With several samples: batch, online or "
                                   "minibatch.")]
Samples = Annotated[int, typer.Option("--samples", min=1, max=8, help="Samples in the step.")]
Biases = Annotated[bool, typer.Option("--biases/--no-biases", help="Give every unit a bias.")]
NumberDecimals = Annotated[int | None, typer.Option("--number-decimals", min=1, max=2,
                                                    show_default=False, help="Decimals of the "
                                                    "numbers drawn (1 or 2; default 1).")]
Seed = Annotated[int | None, typer.Option("--seed", min=0, show_default=False,
                                          help="The same seed gives the same exercise on every "
                                          "machine (default: a new one, written in the file).")]
DeadRelu = Annotated[bool, typer.Option("--dead-relu", help="Allow a ReLU that is off (a < 0), "
                                        "whose weights do not learn.")]


@app.command()
def new(
    output: Annotated[Path | None, typer.Option("--output", "-o", show_default=False,
                                                help="Scenario file to write (default: print "
                                                "it).")] = None,
    to_stdout: Annotated[bool, typer.Option("--print", help="Print the scenario (what happens "
                                            "without -o).")] = False,
    layers: Layers = "2-2-1",
    activation: Activations = "sigmoid",
    loss: LossName = "half_sse",
    convention: Convention = "delta_rule",
    mode: Mode = "batch",
    samples: Samples = 1,
    biases: Biases = False,
    decimals: NumberDecimals = None,
    seed: Seed = None,
    dead_relu: DeadRelu = False,
    force: Force = False,
    old_decimals: Annotated[int | None, typer.Option("--decimals", min=1, max=2, hidden=True,
                                                     show_default=False)] = None,
) -> None:
    """Draw a fresh exercise: a scenario with nice numbers and a step worth working by hand.

    Weights, inputs and targets have one or two decimals, the learning rate is 0.1, 0.5 or 1, and
    the step is fair as 'bpstep variants' asks: no number 0, no unit dead, saturated (|a| ≤ 3) or
    a copy of another, nothing that rounds to 0 at 3 significant figures (a δ, an update).

    Without -o it prints the scenario.

    Examples: [bold]bpstep new --seed 7 -o ex7.yaml[/] ·
    [bold]bpstep new --layers 2-3-1 --activation relu,sigmoid --biases --seed 12 --print[/] ·
    [bold]bpstep practice --new --seed 7[/]
    """
    from bpstep.exercise import exercise_from_options, exercise_yaml

    if output is not None and to_stdout:
        fail("-o writes the exercise to a file and --print prints it; give one of them")
    decimals = _renamed(decimals, old_decimals, old="--decimals", new="--number-decimals",
                        why="--decimals is how many decimals an answer needs in verify, "
                        "practice and export")
    scenario, again = exercise_from_options(layers, activation, loss, convention, mode, samples,
                                            biases, decimals or 1, seed, dead_relu)
    text = exercise_yaml(scenario, f"Made with: {again}")
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    _write_files({output: text}, force)
    from bpstep.render.console import make_console

    make_console(stderr=True).print(f"wrote {output} ({scenario.title}); next: bpstep practice "
                                    f"{output}", markup=False, soft_wrap=True)


@app.command()
def practice(
    file: Annotated[Path | None, typer.Argument(
        metavar="FILE", show_default=False,
        help="Scenario file (YAML), or the name of a lesson (bpstep lessons); or --new.")] = None,
    ask: Annotated[str | None, typer.Option(
        "--ask", show_default=False,
        help="Which values to ask: forward, loss, deltas, updates, after, all, or name patterns "
        "such as 'delta[*]' (comma-separated; default: every value).")] = None,
    from_stage: Annotated[int | None, typer.Option(
        "--from-stage", "-k", min=1, show_default=False,
        help="Start at stage K (as in 'stage K of N'); earlier values are taken as known.")] = None,
    tries: Annotated[int, typer.Option("--tries", min=1, max=9,
                                       help="Tries per value before it is shown.")] = 2,
    tol: Annotated[float | None, typer.Option("--tol", min=0.0, show_default=False,
                                              help="Accept answers within ±TOL (default: half a "
                                              "unit of the last digit typed).")] = None,
    digits: Digits = None,
    places: DecimalPlaces = None,
    save: Annotated[Path | None, typer.Option(
        "--save", show_default=False,
        help="Write what you typed as an answers file for 'bpstep verify' (also after Ctrl-C).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Let --save replace an existing "
                                        "file.")] = False,
    precision: Precision = 6,
    fresh: Annotated[bool, typer.Option("--new", help="Practise on a fresh exercise (the options "
                                        "of 'bpstep new' apply); --save also writes it beside "
                                        "the answers, as NAME.exercise.yaml.")] = False,
    layers: Layers = "2-2-1",
    activation: Activations = "sigmoid",
    loss: LossName = "half_sse",
    convention: Convention = "delta_rule",
    mode: Mode = "batch",
    samples: Samples = 1,
    biases: Biases = False,
    decimals: Annotated[int, typer.Option("--number-decimals", min=1, max=2,
                                          help="With --new: decimals of the numbers drawn (1 or "
                                          "2).")] = 1,
    seed: Seed = None,
    dead_relu: DeadRelu = False,
) -> None:
    """Work the step out yourself: bpstep shows the problem, asks each value in turn and marks it
    at once.

    A number answers, marked as 'bpstep verify' marks it: it stands for every value that rounds
    to it (0.5523 for 0.55225 to 0.55235) and needs at least 3 significant figures (--digits,
    --decimals), unless it is exactly the value. ? gives a hint (the rule, then its numbers,
    then the value), Ctrl-D skips, Ctrl-C stops (exit code 130; the summary and --save still
    come). Without a terminal it reads one answer per line from stdin.

    Examples: [bold]bpstep practice gfg_sigmoid[/] ·
    [bold]bpstep practice gfg_sigmoid --ask deltas --save mine.yaml[/] ·
    [bold]bpstep practice --new --seed 12[/] ·
    [bold]bpstep practice ex.yaml < my_answers.txt[/]
    """
    from bpstep.practice import open_practice, saved_files
    from bpstep.render.console import make_console
    from bpstep.render.practice import Ending, practise_page

    if fresh == (file is not None):
        fail("give a scenario file to practise on, or --new for a fresh exercise")
    exercise = None
    if fresh:
        from bpstep.exercise import exercise_from_options

        exercise = exercise_from_options(layers, activation, loss, convention, mode, samples,
                                         biases, decimals, seed, dead_relu)
    practice = open_practice(file, exercise, save=save, force=force, ask=ask,
                             from_stage=from_stage, tries=tries, tol=tol, digits=digits,
                             decimals=places)
    ending, report = practise_page(make_console(), practice, precision=precision)
    if save is not None:
        files, check = saved_files(practice, save)
        _write_files(files, force, reads=practice.reads)
        make_console(stderr=True).print(f"wrote {save}; mark it again with: {check}",
                                        markup=False, soft_wrap=True)
    if ending == Ending.INTERRUPTED:
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    if not report.passed:
        raise typer.Exit(int(ExitCode.MISTAKES))


lessons_app = _App(
    cls=_Commands,
    help="List the lessons that come with bpstep, or copy one to edit.\n\n"
    "Examples: [bold]bpstep lessons[/] · [bold]bpstep lessons --json[/] · "
    "[bold]bpstep lessons copy gfg_sigmoid -o mine[/]",
    rich_markup_mode="rich",
    invoke_without_command=True,
)
app.add_typer(lessons_app, name="lessons")


@lessons_app.callback()
def lessons(ctx: typer.Context, as_json: AsJson = False) -> None:
    """List the lessons that come with bpstep: name, title, what each teaches, its answers files.

    Every command that takes a file also takes a lesson name: [bold]bpstep run gfg_sigmoid[/].
    """
    if ctx.invoked_subcommand is not None:
        return
    from bpstep.lessons import lesson_titles, lessons

    shipped = lessons()
    titles = lesson_titles(shipped)
    if as_json:
        from bpstep.export.json import lessons_to_json

        print(json_dumps(lessons_to_json(shipped, titles), indent=2))
        return
    from bpstep.render.console import make_console
    from bpstep.render.lessons import render_lessons

    console = make_console()
    console.print(render_lessons(shipped, titles, console.width), soft_wrap=True)


@lessons_app.command("copy")
def copy_lesson(
    name: Annotated[str, typer.Argument(metavar="LESSON", show_default=False,
                                        help="Lesson to copy, e.g. gfg_sigmoid (bpstep lessons "
                                        "lists them).")],
    output: Annotated[Path, typer.Option("--output", "-o", show_default=False,
                                         help="Folder to copy it into (made if missing; default: "
                                         "the current folder), or a file name ending in .yaml.")
                ] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Replace a file of that name that "
                                        "already exists.")] = False,
) -> None:
    """Copy a lesson to a file of your own, to edit into a new scenario.

    Examples: [bold]bpstep lessons copy gfg_sigmoid[/] ·
    [bold]bpstep lessons copy two_hidden_layers -o mine[/] ·
    [bold]bpstep lessons copy gfg_sigmoid -o my_net.yaml[/]
    """
    from bpstep.lessons import plan_copy

    copy = plan_copy(name, output)
    _write_files({copy.target: copy.source.read_bytes()}, force, reads=(copy.source,))
    from bpstep.render.console import make_console

    make_console(stderr=True).print(f"wrote {copy.target} (a copy of the lesson {copy.source.stem}); "
                                    f"edit it, then: bpstep {copy.command} {copy.target}",
                                    markup=False, soft_wrap=True)


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
