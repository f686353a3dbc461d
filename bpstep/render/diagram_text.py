"""``--diagram``: the network as text, one column per layer, with the values known at a stage.

Each unit is a small block: its name, then a, y and δ (``–`` while not yet computed), its bias
and its incoming weights as they stand at that stage. Values computed in the stage are
highlighted, so the drawing shows where in the network the lesson is. Blocks keep their height
from stage to stage, so stepping does not make the picture jump.

A network of up to ``MAX_UNITS`` units per layer is always drawn: when the blocks with their
weights are too tall or too wide, the weights move into one matrix per layer under the drawing
(rows: from, columns: to), then the values go two to a line. Nothing is left out without a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rich.text import Text

from bpstep.numbers import fmt
from bpstep.render.stages import CHANGED_STYLE, changed_in
from bpstep.trace import Trace, edge_name, unit_name

DIAGRAM_DIGITS = 4
"""A drawing is for the eye: at most this many significant digits (the table above has them all)."""
MAX_UNITS = 6
MAX_LINES = 26
ARROW = " ──▶ "
GAP = "     "
FOCUS_STYLE = "bold reverse"

_GIVEN_INPUT = re.compile(r"^y\[(?P<unit>[^\]]+)\](?:@1)?$")


@dataclass(frozen=True, slots=True)
class _Line:
    label: str
    value: str
    name: str | None = None
    """The quantity shown, to highlight it when the stage computes it."""


@dataclass(slots=True)
class _Column:
    label: str
    blocks: list[tuple[str, list[_Line]]] = field(default_factory=list)


def layers_of(trace: Trace) -> list[tuple[str, ...]]:
    """Unit names per layer, inputs first, read from the trace (given inputs, forward stages)."""
    inputs = tuple(m["unit"] for name in trace.given if (m := _GIVEN_INPUT.match(name)))
    by_layer: dict[int, tuple[str, ...]] = {}
    for stage in trace.stages:
        if stage.phase == "forward" and stage.layer is not None:
            by_layer.setdefault(stage.layer, stage.units)
    return [inputs, *(by_layer[k] for k in sorted(by_layer))]


def render_diagram(trace: Trace, index: int, *, precision: int = DIAGRAM_DIGITS, width: int = 80,
                   focus: str | None = None) -> Text:
    """The network at stage ``index`` as text no wider than ``width``, or a note that it cannot be."""
    layers = layers_of(trace)
    sizes = "-".join(str(len(units)) for units in layers)
    too_big = Text(f"(the {sizes} network is too large for a text diagram)", style="dim")
    if max(len(units) for units in layers) > MAX_UNITS:
        return too_big
    digits = min(precision, DIAGRAM_DIGITS)
    changed = changed_in(trace, index)
    sample = _sample_at(trace, index)
    caption = [] if sample is None else [Text(f"values of sample {sample}", style="dim")]
    inline = _columns(trace, index, layers, digits, with_weights=True)
    lines = _draw(inline, changed, focus, paired=False)
    if len(lines) <= MAX_LINES and _width(lines) <= width:
        return Text("\n").join([*caption, *lines])
    columns = _columns(trace, index, layers, digits, with_weights=False)
    matrices = _weight_matrices(trace, index, layers, digits, changed)
    if _width(matrices) > width:
        matrices = [Text(f"(weights not shown: {width} columns are too narrow for their matrix; "
                         "the table above lists them)", style="dim")]
    drawings = [_draw(columns, changed, focus, paired=paired) for paired in (False, True)]
    fitting = [d for d in drawings if _width(d) <= width]
    if not fitting:
        return Text(f"(the {sizes} network needs more than {width} columns for a text diagram)",
                    style="dim")
    lines = next((d for d in fitting if len(d) <= MAX_LINES), fitting[-1])
    return Text("\n").join([*caption, *lines, Text(""), *matrices])


def _width(lines: list[Text]) -> int:
    return max((len(line) for line in lines), default=0)


def _sample_at(trace: Trace, index: int) -> int | None:
    """The sample whose values the drawing shows: the stage's own, else the latest one before it."""
    for stage in reversed(trace.stages[:index + 1]):
        if stage.sample is not None:
            return stage.sample
    return None


def _parameters(trace: Trace, index: int) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """The names of each weight (by source, target) and bias as they stand at stage ``index``."""
    weights: dict[tuple[str, str], str] = {}
    biases: dict[str, str] = {}
    for stage in trace.stages[:index + 1]:
        for q in stage.quantities:
            if q.kind == "w" and q.source is not None and q.unit is not None:
                weights[q.source, q.unit] = q.name
            elif q.kind == "b" and q.unit is not None:
                biases[q.unit] = q.name
    return weights, biases


def _value(trace: Trace, known: set[str], name: str, digits: int) -> str:
    if name in known or name in trace.given:
        return fmt(trace.value_of(name), digits)
    return "–"


def _weight_matrices(trace: Trace, index: int, layers: list[tuple[str, ...]], digits: int,
                     changed: frozenset[str]) -> list[Text]:
    """Each layer's weights as they stand, rows = from, columns = to, new ones highlighted."""
    known = {q.name for stage in trace.stages[:index + 1] for q in stage.quantities}
    weights, _ = _parameters(trace, index)
    out = [Text("weights (row: from, column: to)", style="dim italic")]
    for k in range(1, len(layers)):
        names = {(src, unit): weights.get((src, unit), edge_name("w0", src, unit))
                 for src in layers[k - 1] for unit in layers[k]}
        cells = {key: _value(trace, known, name, digits) for key, name in names.items()}
        first = max(len(src) for src in layers[k - 1])
        cell = max(max(len(v) for v in cells.values()), max(len(u) for u in layers[k]))
        head = Text(" " * first)
        for unit in layers[k]:
            head.append("  " + unit.rjust(cell), style="bold cyan")
        out.append(head)
        for src in layers[k - 1]:
            row = Text(src.ljust(first), style="bold cyan")
            for unit in layers[k]:
                row.append("  ")
                row.append(cells[src, unit].rjust(cell),
                           style=CHANGED_STYLE if names[src, unit] in changed else "")
            out.append(row)
    return out


def _columns(trace: Trace, index: int, layers: list[tuple[str, ...]], digits: int,
             with_weights: bool) -> list[_Column]:
    known = {q.name for stage in trace.stages[:index + 1] for q in stage.quantities}
    sample = _sample_at(trace, index)
    weights, biases = _parameters(trace, index)

    def value(name: str) -> str:
        return _value(trace, known, name, digits)

    def line(label: str, name: str) -> _Line:
        return _Line(label, value(name), name)

    last = len(layers) - 1
    columns = []
    for k, units in enumerate(layers):
        label = "input" if k == 0 else "output" if k == last else (
            "hidden" if last == 2 else f"hidden {k}")
        column = _Column(label)
        for unit in units:
            if k == 0:
                column.blocks.append((unit, [line("y", unit_name("y", unit, sample))]))
                continue
            lines = [line(kind, unit_name(kind, unit, sample)) for kind in ("a", "y")]
            if trace.stages[index].phase == "after":
                lines += [line(f"{kind}′", unit_name(f"{kind}_after", unit, sample))
                          for kind in ("a", "y")]
            lines.append(line("δ", unit_name("delta", unit, sample)))
            if k == last:
                lines.append(line("t", unit_name("t", unit, sample)))
            bias = biases.get(unit, unit_name("b0", unit))
            if bias in trace.given or bias in known:
                lines.append(line("b", bias))
            if with_weights:
                lines += [line(f"← {src}", weights.get((src, unit), edge_name("w0", src, unit)))
                          for src in layers[k - 1]]
            column.blocks.append((unit, lines))
        columns.append(column)
    return columns


def _draw(columns: list[_Column], changed: frozenset[str], focus: str | None, *,
          paired: bool) -> list[Text]:
    """Lay the columns side by side, arrows between layers on the middle line."""
    rendered = [_render_column(column, changed, focus, paired) for column in columns]
    widths = [max(len(line) for line in col) for col in rendered]
    height = max(len(col) for col in rendered)
    middle = (height - 1) // 2 + 1
    out = []
    for r in range(height):
        row = Text()
        for c, col in enumerate(rendered):
            if c:
                row.append(ARROW if r == middle else GAP, style="dim")
            cell = col[r] if r < len(col) else Text()
            row.append_text(cell)
            if c < len(rendered) - 1:
                row.append(" " * (widths[c] - len(cell)))
        out.append(row)
    return out


def _render_column(column: _Column, changed: frozenset[str], focus: str | None,
                   paired: bool) -> list[Text]:
    """One layer's blocks; ``paired`` puts two values on a line (a and y, δ and t ...)."""
    lines_of = [lines for _, lines in column.blocks]
    label_width = max((len(line.label) for lines in lines_of for line in lines), default=1)
    value_width = max((len(line.value) for lines in lines_of for line in lines), default=1)
    out = [Text(column.label, style="dim italic")]
    for unit, lines in column.blocks:
        out.append(Text(unit, style=FOCUS_STYLE if unit == focus else "bold cyan"))
        step = 2 if paired else 1
        for i in range(0, len(lines), step):
            text = Text()
            for j, line in enumerate(lines[i:i + step]):
                value = line.value.ljust(value_width) if paired and j == 0 else line.value
                text.append(f"{'  ' if j else ' '}{line.label.ljust(label_width)} ")
                text.append(value, style=CHANGED_STYLE if line.name in changed else "")
            out.append(text)
    return out
