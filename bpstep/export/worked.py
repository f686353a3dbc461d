"""The worked solution of a step as plain data (tables, formulas, losses) for every export format.

Markdown, LaTeX and HTML differ only in how they write these records, so the three always show
the same numbers in the same order. Numbers go through ``bpstep.numbers.fmt`` like the terminal.

Levels, matching ``bpstep run``: without ``explain`` each stage is its table of values; with
``explain`` every quantity also gets its rule in names and the rule with numbers substituted.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpstep.escaping import printable
from bpstep.matrix import MatrixStage, matrix_stages
from bpstep.numbers import fmt
from bpstep.tables import stage_table
from bpstep.trace import Network, Quantity, Stage, Trace, edge_name, unit_name


@dataclass(frozen=True, slots=True)
class Table:
    """A plain table: the first column names the row, the others hold formatted numbers."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Formula:
    """One quantity explained: its rule in names and the same rule with numbers and the result."""

    name: str
    rule: str
    substituted: str


@dataclass(frozen=True, slots=True)
class StagePage:
    """What one stage of the worked solution shows."""

    number: int
    """1-based, as in ``stage K of N``."""
    heading: str
    phase: str
    table: Table
    formulas: tuple[Formula, ...]
    """Empty unless explained."""
    matrices: MatrixStage | None = None
    """The stage's matrix equations, with ``--view matrix`` or ``both``."""
    show_table: bool = True
    """False with ``--view matrix``: the matrices stand in for the table."""


@dataclass(frozen=True, slots=True)
class Worked:
    """The whole worked solution: what is given, every stage, and the loss before and after."""

    title: str
    source: str
    settings: tuple[tuple[str, str], ...]
    given: tuple[tuple[str, Table], ...]
    stages: tuple[StagePage, ...]
    loss_before: str
    loss_after: str
    loss_change: str
    explain: bool
    precision: int = 6
    """Significant digits, for what is laid out later (the matrix equations)."""


def worked_solution(trace: Trace, *, precision: int = 6,
                    explain: bool = False, view: str = "unit") -> Worked:
    """Collect everything an answer key needs, formatted to ``precision`` significant digits;
    ``view`` (unit, matrix, both) as ``bpstep run --view``."""
    n = len(trace.stages)
    matrices = matrix_stages(trace) if view != "unit" else (None,) * n
    pages = tuple(
        StagePage(i + 1, f"stage {i + 1} of {n} · {stage.title}", stage.phase,
                  stage_page_table(stage, precision),
                  tuple(_formula(q, precision) for q in stage.quantities) if explain else (),
                  matrices[i], view != "matrix")
        for i, stage in enumerate(trace.stages))
    before, after = trace.value_of("loss"), trace.value_of("loss_after")
    network = trace.network
    return Worked(
        title=network.title or printable(network.source),
        source=printable(network.source),
        settings=_settings(network, trace.given["lr"], precision),
        given=_given_tables(trace, precision),
        stages=pages,
        loss_before=fmt(before, precision),
        loss_after=fmt(after, precision),
        loss_change=fmt(after - before, precision),
        explain=explain,
        precision=precision,
    )


def _formula(q: Quantity, precision: int) -> Formula:
    return Formula(q.name, q.formula, q.substituted(lambda v: fmt(v, precision)))


def _settings(network: Network, learning_rate: float, precision: int) -> tuple[tuple[str, str], ...]:
    layers = " → ".join(f"{len(units)}" + (f" {network.activations[k - 1].name}" if k else "")
                        for k, units in enumerate(network.units))
    rows = [("network", layers), ("loss", network.loss.name), ("convention", network.convention),
            ("learning rate η", fmt(learning_rate, precision))]
    if network.samples > 1:
        rows += [("samples", f"{network.samples} ({network.mode}, {network.reduction})")]
    if network.biases:
        rows += [("update biases", "yes" if network.update_biases else "no")]
    return tuple(rows)


def _given_tables(trace: Trace, precision: int) -> tuple[tuple[str, Table], ...]:
    """Inputs and targets per sample; initial weights (and biases)."""
    network = trace.network
    ins, outs = network.units[0], network.units[-1]
    several = network.samples > 1
    data_rows = []
    for s in range(1, network.samples + 1):
        tag = s if several else None
        data_rows.append((str(s), *(fmt(trace.given[unit_name("y", u, tag)], precision) for u in ins),
                          *(fmt(trace.given[unit_name("t", u, tag)], precision) for u in outs)))
    data = Table(("sample", *(f"y[{u}]" for u in ins), *(f"t[{u}]" for u in outs)), tuple(data_rows))
    weight_rows = []
    for k in range(1, len(network.units)):
        for src in network.units[k - 1]:
            for unit in network.units[k]:
                name = edge_name("w0", src, unit)
                weight_rows.append((f"{src} → {unit}", fmt(trace.given[name], precision)))
        if network.biases:
            for unit in network.units[k]:
                weight_rows.append((f"bias → {unit}", fmt(trace.given[unit_name("b0", unit)], precision)))
    weights = Table(("weight", "w0 (before the step)"), tuple(weight_rows))
    return (("inputs and targets", data), ("initial weights", weights))


def stage_page_table(stage: Stage, precision: int = 6) -> Table:
    """The stage's values as the terminal shows them (bpstep.tables), every row, as text."""
    built = stage_table(stage)
    return Table(built.headers, tuple(
        (label, *(fmt(cell[0], precision) if cell is not None else "" for cell in cells))
        for label, cells in built.rows))
