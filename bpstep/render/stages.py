"""Stages as rich tables: one row per unit (or per weight), one column per kind of quantity."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bpstep.numbers import DEFAULT_PRECISION, fmt
from bpstep.trace import Quantity, Stage, Trace

HEADERS = {
    "a": "a (net input)",
    "y": "y (output)",
    "delta": "δ",
    "dw": "Δw",
    "w": "new w",
    "db": "Δb",
    "b": "new b",
    "loss": "loss",
    "a_after": "a (new)",
    "y_after": "y (new)",
    "loss_after": "loss (new)",
}
"""Column headings by quantity kind, in the order columns appear."""

CHANGED_STYLE = "bold yellow"


def stage_heading(trace: Trace, index: int) -> str:
    """``stage 3 of 8 · backward · output deltas (o)``: where we are and what happens."""
    return f"stage {index + 1} of {len(trace.stages)} · {trace.stages[index].title}"


def render_stage(trace: Trace, index: int, *, precision: int = DEFAULT_PRECISION,
                 explain: bool = False, changed: Collection[str] = ()) -> RenderableType:
    """One stage: its heading, the table of its values and, with ``explain``, every formula."""
    stage = trace.stages[index]
    table = _explained_table(stage, precision, changed) if explain else _value_table(
        stage, precision, changed)
    return Group(Text(stage_heading(trace, index), style="bold"), table, Text(""))


def render_trace(trace: Trace, *, precision: int = DEFAULT_PRECISION,
                 explain: bool = False) -> RenderableType:
    """Every stage in order."""
    return Group(*(render_stage(trace, i, precision=precision, explain=explain)
                   for i in range(len(trace.stages))))


def _row_key(q: Quantity) -> str:
    if q.kind in ("dw", "w"):
        return f"{q.source} → {q.unit}"
    if q.kind in ("db", "b"):
        return f"bias → {q.unit}"
    if q.unit is not None:
        return q.unit
    return "network" if q.sample is None else f"sample {q.sample}"


def _cell(q: Quantity, precision: int, changed: Collection[str]) -> Text:
    return Text(fmt(q.value, precision), style=CHANGED_STYLE if q.name in changed else "")


def _value_table(stage: Stage, precision: int, changed: Collection[str]) -> Table:
    kinds = [k for k in HEADERS if any(q.kind == k for q in stage.quantities)]
    rows: dict[str, dict[str, Quantity]] = {}
    for q in stage.quantities:
        rows.setdefault(_row_key(q), {})[q.kind] = q
    updates = stage.phase == "update"
    table = Table(box=box.SIMPLE_HEAVY, show_edge=False, pad_edge=False)
    table.add_column("weight" if updates else "unit", style="cyan", no_wrap=True)
    if updates:
        table.add_column("old w", justify="right")
    for kind in kinds:
        header = HEADERS[kind]
        if updates and kind in ("db", "b"):
            continue
        table.add_column(header, justify="right")
    for key, cells in rows.items():
        row: list[Text | str] = [Text(key)]
        if updates:
            change = cells.get("w") or cells.get("b")
            row.append(Text(fmt(change.operands[0], precision)) if change else "")
        for kind in kinds:
            if updates and kind in ("db", "b"):
                continue
            alias = {"dw": "db", "w": "b"}.get(kind, kind) if updates else kind
            q = cells.get(kind) or cells.get(alias)
            row.append(_cell(q, precision, changed) if q else "")
        table.add_row(*row)
    return table


def _explained_table(stage: Stage, precision: int, changed: Collection[str]) -> Table:
    table = Table(box=box.SIMPLE_HEAVY, show_edge=False, pad_edge=False)
    table.add_column("quantity", style="cyan", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("how it is computed")
    for q in stage.quantities:
        how = Text(q.formula, style="dim")
        how.append("\n")
        how.append("= " + q.substituted(lambda v: fmt(v, precision)))
        table.add_row(Text(q.name), _cell(q, precision, changed), how)
    return table


def names_in(stages: Iterable[Stage]) -> set[str]:
    """Every quantity name computed in the given stages."""
    return {q.name for stage in stages for q in stage.quantities}
