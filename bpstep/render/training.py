"""What ``bpstep train`` shows: a progress bar, the loss table, predictions and a text loss curve.

Rendering only: every number comes from a ``TrainResult``; nothing here computes a loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from bpstep.numbers import fmt
from bpstep.scenario import Scenario
from bpstep.train import TrainResult

MAX_ROWS = 16
"""Predictions shown before the table says how many samples it left out."""
MAX_COLUMNS = 6
"""Input or output units shown per sample before the rest are summarised as ``…``."""


@contextmanager
def progress_bar(console: Console, epochs: int) -> Iterator[Callable[[int, float | None], None]]:
    """A transient progress bar on a terminal; elsewhere a callback that does nothing."""
    if not console.is_terminal or epochs == 0:
        yield lambda done, loss: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("training"), BarColumn(), MofNCompleteColumn(), TextColumn("epochs"),
               TextColumn("{task.fields[loss]}"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("train", total=epochs, loss="")

        def tick(done: int, loss: float | None) -> None:
            shown = "" if loss is None else f"loss {fmt(loss, 4)}"
            progress.update(task, completed=done, loss=shown)

        yield tick


def summary_line(scenario: Scenario, result: TrainResult, precision: int) -> Text:
    """One line saying what ran: epochs, mode, learning rate, and how it ended."""
    mode = scenario.mode + (f" of {scenario.batch_size}" if scenario.mode == "minibatch" else "")
    shuffled = ", shuffled" if scenario.shuffle else ""
    ended = {None: "", "interrupted": " (interrupted)", "diverged": " (stopped: the loss is not finite)"}
    return Text(f"trained {result.epochs} of {result.requested} epochs{ended[result.stopped]} · "
                f"{mode}{shuffled} · lr {fmt(scenario.learning_rate, precision)} · "
                f"{scenario.loss} ({scenario.reduction}) · final loss {fmt(result.loss, precision)}")


def loss_table(result: TrainResult, precision: int) -> Table:
    """Epoch and loss at every logged epoch (multiples of ``every`` and the last one)."""
    table = Table(title=f"loss every {result.every} epochs", title_justify="left")
    table.add_column("epoch", justify="right")
    table.add_column("loss", justify="right")
    for epoch, loss in result.logged:
        table.add_row(str(epoch), fmt(loss, precision))
    return table


def _cells(values: Sequence[float], precision: int) -> list[str]:
    shown = [fmt(float(v), precision) for v in values[:MAX_COLUMNS]]
    return [*shown, "…"] if len(values) > MAX_COLUMNS else shown


def _heads(names: Sequence[str]) -> list[str]:
    shown = list(names[:MAX_COLUMNS])
    return [*shown, "…"] if len(names) > MAX_COLUMNS else shown


def predictions_table(scenario: Scenario, result: TrainResult, precision: int) -> Table:
    """Inputs, targets and the trained network's outputs, sample by sample."""
    ins, outs = scenario.layers[0].units, scenario.layers[-1].units
    table = Table(title="predictions after training", title_justify="left")
    table.add_column("#", justify="right")
    for head in _heads(ins):
        table.add_column(Text(head), justify="right")
    for kind in ("t", "y"):
        for head in _heads(outs):
            table.add_column(Text(head if head == "…" else f"{kind}[{head}]"), justify="right",
                             style="bold" if kind == "y" else "")
    count = len(scenario.inputs)
    for n in range(min(count, MAX_ROWS)):
        table.add_row(str(n + 1), *_cells(scenario.inputs[n], precision),
                      *_cells(scenario.targets[n], precision),
                      *_cells(result.predictions[n], precision))
    if count > MAX_ROWS:
        table.caption = f"first {MAX_ROWS} of {count} samples"
    return table


def loss_curve(history: Sequence[tuple[int, float]], width: int = 60, height: int = 12,
               precision: int = 3) -> str:
    """The loss against epochs as plain text (``*`` marks, ``|`` and ``-`` axes), for any terminal.

    Each column shows the first recorded loss in its span of epochs; consecutive marks are joined
    by a vertical run so a steep fall still reads as one line.
    """
    points = [(e, v) for e, v in history if v == v and abs(v) != float("inf")]
    if len(points) < 2:
        return ""
    first, last = points[0][0], points[-1][0]
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or 1.0
    columns: list[float | None] = [None] * width
    for e, v in points:
        col = min(width - 1, int((e - first) * (width - 1) / max(1, last - first) + 0.5))
        if columns[col] is None:
            columns[col] = v
    rows = [[" "] * width for _ in range(height)]
    previous: int | None = None
    for c, v in enumerate(columns):
        if v is None:
            continue
        r = round((high - v) / span * (height - 1))
        top, bottom = (r, r) if previous is None else (min(r, previous), max(r, previous))
        for rr in range(top, bottom + 1):
            rows[rr][c] = "*"
        previous = r
    labels = {0: fmt(high, precision), height - 1: fmt(low, precision)}
    pad = max(len(t) for t in labels.values())
    lines = [f"{labels.get(i, ''):>{pad}} |{''.join(row).rstrip()}" for i, row in enumerate(rows)]
    lines.append(" " * pad + " +" + "-" * width)
    right = str(last)
    lines.append(" " * (pad + 2) + str(first) + " " * max(1, width - len(str(first)) - len(right))
                 + right)
    lines.append((" " * (pad + 2) + "epoch".center(width)).rstrip())
    return "\n".join(["loss", *lines])


def render_training(scenario: Scenario, result: TrainResult, precision: int) -> RenderableType:
    """Everything ``bpstep train`` prints after training, in reading order."""
    parts: list[RenderableType] = [summary_line(scenario, result, precision), loss_table(result, precision)]
    curve = loss_curve(result.history)
    if curve:
        parts.append(Text(curve))
    parts.append(predictions_table(scenario, result, precision))
    return Group(*parts)


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


def run_training(file: Path, scenario: Scenario, *, epochs: int | None, lr: float | None,
                 seed: int | None, every: int | None, plot: Path | None, save: Path | None,
                 force: bool, precision: int, as_json: bool,
                 fail: Callable[[str], NoReturn]) -> int:
    """The ``bpstep train`` command after parsing: check, train, show, write; returns the exit code."""
    import json

    from bpstep.cli import ExitCode, write_output
    from bpstep.render.console import make_console
    from bpstep.train import DEFAULT_EPOCHS, StopFlag, result_json, stop_on_interrupt, train, with_overrides

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
        result = train(scenario, count, every=every, stop=flag, on_tick=tick)
    if as_json:
        print(json.dumps(result_json(scenario, result), indent=2))
    else:
        console = make_console()
        if scenario.title:
            console.print(scenario.title, style="bold underline", markup=False)
        console.print(render_training(scenario, result, precision))
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
    if result.stopped == "interrupted":
        errors.print(f"bpstep: interrupted after {result.epochs} of {result.requested} epochs",
                     markup=False)
        return int(ExitCode.INTERRUPTED)
    if result.stopped == "diverged":
        errors.print(f"bpstep: error: the loss stopped being a finite number after {result.epochs} "
                     "epochs; try a smaller --lr" + ("; nothing saved" if save else ""), markup=False)
        return int(ExitCode.MISTAKES)
    return int(ExitCode.OK)
