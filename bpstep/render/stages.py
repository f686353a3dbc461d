"""Stages as rich tables: one row per unit (or per weight), one column per kind of quantity.

Big stages (a 784-128-10 network has 100 352 weights in one update) are summarised: the first
rows, how many more there are, and the minimum, maximum and mean of every column. ``--json``
keeps everything; a terminal table is for reading.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bpstep.numbers import DEFAULT_PRECISION, fmt
from bpstep.tables import HEADERS, Cell, StageTable, stage_table
from bpstep.trace import Kind, Phase, Quantity, Stage, Trace, kind_of

if TYPE_CHECKING:
    from bpstep.render.focus import Focus

CHANGED_STYLE = "bold reverse"
"""New values stand out on dark and light themes alike, and without colour (NO_COLOR)."""
MAX_ROWS = 40
"""A stage with more rows than this is summarised (half as many with ``explain``: two lines each)."""
HEAD_ROWS = 10
"""Rows shown before the summary of a big stage."""
LONG_FORMULA = 240
"""Formulas longer than this (a unit with hundreds of inputs) keep only their first and last terms."""

_BEFORE = {"a_after": "a", "y_after": "y", "loss_after": "loss"}


def stage_heading(trace: Trace, index: int) -> str:
    """``stage 3 of 8 · backward · output deltas (o)``: where we are and what happens."""
    title = _LONG_LIST.sub(_short_list, trace.stages[index].title)
    return f"stage {index + 1} of {len(trace.stages)} · {title}"


_LONG_LIST = re.compile(r"[^\s,()]+(?:, [^\s,()]+){6,}")


def _short_list(match: re.Match[str]) -> str:
    """``x1, x2, x3, …, x784 (784 units)``: a title that still fits on one line."""
    names = match[0].split(", ")
    return f"{', '.join(names[:3])}, …, {names[-1]} ({len(names)} units)"


def changed_in(trace: Trace, index: int) -> frozenset[str]:
    """Names worth highlighting at a stage: what it computes that was not there before.

    An update shows old and new weights side by side, so only the new weights and biases stand
    out; after the update, only values that differ from their counterpart before it.
    """
    stage = trace.stages[index]
    if stage.phase == Phase.UPDATE:
        return NamesOfKinds(frozenset({Kind.W, Kind.B}), stage.sample)
    if stage.phase == "after":
        return frozenset(q.name for q in stage.quantities if _differs_from_before(trace, q))
    return frozenset(q.name for q in stage.quantities)


class NamesOfKinds(Collection[str]):
    """The names of some kinds for one update, without listing them (an update can hold 100,000
    new weights)."""

    def __init__(self, kinds: frozenset[str], sample: int | None) -> None:
        self.kinds = kinds
        self.suffix = "" if sample is None else f"@{sample}"

    def __contains__(self, name: object) -> bool:
        return (isinstance(name, str) and kind_of(name) in self.kinds
                and name.endswith(self.suffix) and (bool(self.suffix) or "@" not in name))

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the names are not listed")

    def __len__(self) -> int:
        raise TypeError("the names are not counted")


def _differs_from_before(trace: Trace, q: Quantity) -> bool:
    before = q.name.replace(q.kind, _BEFORE.get(q.kind, q.kind), 1)
    return before not in trace or trace[before].value != q.value


def is_summarised(trace: Trace, index: int, *, explain: bool = False, focus: Focus | None = None,
                  max_rows: int = MAX_ROWS, table: bool = True) -> bool:
    """Whether ``render_stage`` shows the stage's first rows and a summary instead of every row
    (the stepper's m has something to show only then)."""
    if not table and not explain:
        return False
    quantities = _chosen(trace.stages[index], focus)
    if explain:
        return _over(len(quantities), max_rows, explain)
    return _over(_built(trace.stages[index], quantities, max_rows).count, max_rows, explain)


def _chosen(stage: Stage, focus: Focus | None) -> Sequence[Quantity]:
    """The stage's quantities, or those that involve the focused unit."""
    if focus is None:
        return stage.quantities
    return tuple(q for q in stage.quantities if q.name in focus.names)


def _over(rows: int, max_rows: int, explain: bool) -> bool:
    """More rows than a table shows whole: ``max_rows``, half as many explained (two lines each)."""
    return rows > (max_rows // 2 if explain else max_rows)


def _built(stage: Stage, quantities: Sequence[Quantity], max_rows: int) -> StageTable:
    """The stage's table, only its first rows built when it is far too big to show whole."""
    return stage_table(stage, quantities, head=HEAD_ROWS if len(quantities) > 2 * max_rows else None)


def render_stage(trace: Trace, index: int, *, precision: int = DEFAULT_PRECISION,
                 explain: bool = False, changed: Collection[str] = (), focus: Focus | None = None,
                 max_rows: int = MAX_ROWS, table: bool = True) -> RenderableType:
    """One stage: its heading, the table of its values and, with ``explain``, every formula.

    With ``focus`` only the quantities that involve the focused unit are shown; without
    ``table`` (the matrix view) only the heading, and the formulas when explained.
    """
    stage = trace.stages[index]
    quantities = _chosen(stage, focus)
    heading = Text(stage_heading(trace, index), style="bold")
    if not table and not explain:
        return heading
    if not quantities:
        note = f"(nothing in this stage involves {focus.unit})" if focus else "(no values)"
        return Group(heading, Text(note, style="dim"), Text(""))
    if explain:
        table = _explained_table(quantities, precision, changed, max_rows)
    else:
        table = _value_table(stage, quantities, precision, changed, max_rows)
    return Group(heading, table, Text(""))


HEAD_RULE = "━"
"""What the line under a stage table's column heads is drawn with (``box.SIMPLE_HEAVY``)."""


def _new_table(first: str) -> Table:
    table = Table(box=box.SIMPLE_HEAVY, show_edge=False, pad_edge=False)
    table.add_column(first, style="cyan", no_wrap=True)
    return table


def _value_table(stage: Stage, quantities: Sequence[Quantity], precision: int,
                 changed: Collection[str], max_rows: int) -> Table:
    built = _built(stage, quantities, max_rows)
    table = _new_table(built.headers[0])
    for header in built.headers[1:]:
        table.add_column(header, justify="right")
    big = _over(built.count, max_rows, explain=False)
    for label, cells in built.rows[:HEAD_ROWS] if big else built.rows:
        table.add_row(Text(label), *(_number(cell, precision, changed) for cell in cells))
    if big:
        blank = [""] * (len(built.headers) - 1)
        table.add_row(Text(f"… {built.count - HEAD_ROWS} more rows", style="dim"), *blank,
                      end_section=True)
        for label, values in built.statistics():
            table.add_row(Text(f"{label} of {built.count}", style="dim"),
                          *(Text(fmt(v, precision), style="dim") if v is not None else "" for v in values))
    return table


def _number(cell: Cell, precision: int, changed: Collection[str]) -> Text | str:
    if cell is None:
        return ""
    value, name = cell
    return Text(fmt(value, precision), style=CHANGED_STYLE if name in changed else "")


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _explained_table(quantities: Sequence[Quantity], precision: int, changed: Collection[str],
                     max_rows: int) -> Table:
    table = _new_table("quantity")
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("how it is computed")
    big = _over(len(quantities), max_rows, explain=True)
    for q in quantities[:HEAD_ROWS] if big else quantities:
        how = Text(shorten(q.formula), style="dim")
        how.append("\n")
        how.append("= " + shorten(q.substituted(lambda v: fmt(v, precision))))
        table.add_row(Text(q.name), _number((q.value, q.name), precision, changed), how)
    if big:
        table.add_row(Text(f"… {len(quantities) - HEAD_ROWS} more", style="dim"), "", "",
                      end_section=True)
        for kind in dict.fromkeys(q.kind for q in quantities):
            values = [q.value for q in quantities if q.kind == kind]
            stats = " · ".join(f"{label} {fmt(stat(values), precision)}"
                               for label, stat in (("min", min), ("max", max), ("mean", _mean)))
            table.add_row(Text(f"{HEADERS.get(kind, kind)} ×{len(values)}", style="dim"), "",
                          Text(stats, style="dim"))
    return table


def shorten(text: str, limit: int = LONG_FORMULA) -> str:
    """A formula with hundreds of terms cut to its first three and last two, saying how many went."""
    parts = text.split(" + ")
    if len(text) <= limit or len(parts) <= 6:
        return text
    return " + ".join([*parts[:3], f"… {len(parts) - 5} more terms …", *parts[-2:]])
