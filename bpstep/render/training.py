"""What ``bpstep train`` shows: a progress bar, the loss table, predictions and a text loss curve.

Rendering only: every number comes from a ``TrainResult``; nothing here computes a loss, trains,
loads or writes files (``cli.py`` does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from bpstep.numbers import fmt
from bpstep.scenario import Scenario
from bpstep.train import Stop, TrainResult

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
    ended = {None: "", Stop.INTERRUPTED: " (interrupted)",
             Stop.DIVERGED: " (stopped: the loss is not finite)"}
    return Text(f"trained {result.epochs} of {result.requested} epochs{ended[result.stopped]} · "
                f"{mode}{shuffled} · lr {fmt(scenario.learning_rate, precision)} · "
                f"{scenario.loss} ({scenario.reduction}) · final loss {fmt(result.loss, precision)}")


def loss_table(result: TrainResult, precision: int) -> Table:
    """Epoch and loss at every logged epoch (multiples of ``every`` and the last one)."""
    title = f"loss every {result.every} epochs"
    table = Table(title=title, title_justify="left", min_width=len(title))
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


def print_training(console: Console, scenario: Scenario, result: TrainResult, precision: int
                   ) -> None:
    """``bpstep train``'s report under the scenario's title."""
    if scenario.title:
        console.print(scenario.title, style="bold underline", markup=False)
    console.print(render_training(scenario, result, precision))


def render_training(scenario: Scenario, result: TrainResult, precision: int) -> RenderableType:
    """Everything ``bpstep train`` prints after training, in reading order."""
    parts: list[RenderableType] = [summary_line(scenario, result, precision), loss_table(result, precision)]
    curve = loss_curve(result.history)
    if curve:
        parts.append(Text(curve))
    parts.append(predictions_table(scenario, result, precision))
    return Group(*parts)
