"""Matrix equations laid out as text: each symbol, its shape under it, then its numbers in brackets.

One layout serves the terminal (a rich renderable that fits the console width) and the Markdown
and HTML exports (the same lines in a code block). A big matrix keeps its first and last rows and
columns around ``⋮`` and ``…``, and its shape says how big it is; a marked row (the focused unit,
or the sample a stage is about) ends in ``◂``, a marked column has ``▴`` under it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from bpstep.matrix import ARITHMETIC, Equation, MatrixStage, Operand
from bpstep.numbers import DEFAULT_PRECISION, fmt

MAX_ROWS = 8
"""A matrix with more rows shows its first three, ``⋮`` and its last two."""
MAX_COLS = 5
"""A matrix with more columns shows its first three, ``…`` and its last one."""
MARK_ROW, MARK_COL = "◂", "▴"
BAND_INDENT = 4
"""Indent of the continuation when an equation is wider than the page."""

Span = tuple[int, int, int]
"""A marked piece of the layout: line, first column, end column."""


@dataclass(frozen=True, slots=True)
class Block:
    """Lines of text of one token, with the spans to highlight; line 0 symbol, 1 shape, 2.. numbers."""

    lines: tuple[str, ...]
    spans: tuple[Span, ...] = ()
    heads: tuple[int, ...] = (0,)
    """Lines that hold symbols (one per band); the line after each holds shapes."""

    @property
    def width(self) -> int:
        return max((len(line) for line in self.lines), default=0)


def shown(count: int, limit: int, head: int, tail: int, keep: Collection[int]) -> list[int | None]:
    """Indices to show out of ``count``, ``None`` where a run is left out; ``keep`` always shown."""
    if count <= limit:
        return list(range(count))
    wanted = sorted({*range(head), *range(count - tail, count), *keep})
    out: list[int | None] = []
    for i in wanted:
        if out and out[-1] is not None and i != out[-1] + 1:
            out.append(None)
        out.append(i)
    return out


def matrix_lines(op: Operand, precision: int, marks: Collection[str], max_cols: int = MAX_COLS
                 ) -> tuple[list[str], list[tuple[int, int, int]]]:
    """The numbers of ``op`` as written (a transpose as its rows), in brackets (elided when big),
    and the spans of marked rows/columns."""
    values = op.matrix
    if op.scalar:
        return [fmt(float(values[0, 0]), precision)], []
    row_labels, col_labels = op.labels
    rows_marked = [i for i, label in enumerate(row_labels) if label in marks]
    cols_marked = [j for j, label in enumerate(col_labels) if label in marks]
    rows = shown(values.shape[0], MAX_ROWS, 3, 2, rows_marked)
    cols = shown(values.shape[1], max_cols, min(3, max_cols - 2), 1, cols_marked)
    cells = [[("⋮" if i is None else "") if j is None or i is None else fmt(float(values[i, j]), precision)
              for j in cols] for i in rows]
    for r, i in enumerate(rows):
        if i is not None:
            cells[r] = [c if j is not None else "…" for c, j in zip(cells[r], cols, strict=True)]
    widths = [max(len(row[c]) for row in cells) for c in range(len(cols))]
    lines, spans = [], []
    height = len(rows)
    for r, row in enumerate(cells):
        left, right = _brackets(r, height)
        text = left + " ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) + right
        if rows[r] is not None and rows[r] in rows_marked:
            spans.append((r, 0, len(text) + 1))
            text += MARK_ROW
        lines.append(text)
    if cols_marked:
        under = [" "] * (sum(widths) + len(widths) + 1)
        start = 1
        for c, j in enumerate(cols):
            if j in cols_marked:
                under[start + widths[c] - 1] = MARK_COL
                spans += [(r, start, start + widths[c]) for r in range(height)]
            start += widths[c] + 1
        lines.append("".join(under).rstrip())
    return lines, spans


def _brackets(row: int, height: int) -> tuple[str, str]:
    if height == 1:
        return "[", "]"
    if row == 0:
        return "⎡", "⎤"
    if row == height - 1:
        return "⎣", "⎦"
    return "⎢", "⎥"


def equation_blocks(eq: Equation, precision: int, marks: Collection[str],
                    max_cols: int = MAX_COLS) -> list[Block]:
    """One block per token: operands with symbol, shape and numbers; operators between them."""
    numbers: list[tuple[list[str], list[Span]] | str] = []
    tokens = [eq.lhs, " = ", *eq.rhs]
    for token in tokens:
        numbers.append(matrix_lines(token, precision, marks, max_cols)
                       if isinstance(token, Operand) else token)
    height = max(len(n[0]) for n in numbers if not isinstance(n, str))
    rows = max(sum(1 for line in n[0] if MARK_COL not in line)
               for n in numbers if not isinstance(n, str))
    middle = 2 + (rows - 1) // 2
    blocks = []
    for token, number in zip(tokens, numbers, strict=True):
        if isinstance(token, Operand):
            assert not isinstance(number, str)
            lines, spans = number
            top = 2 + (height - len(lines)) // 2
            if token.scalar or len(lines) == 1:
                top = middle
            body = [""] * (top - 2) + lines
            blocks.append(Block((token.written, token.shape, *body),
                                tuple((top + r, a, b) for r, a, b in spans)))
        else:
            arithmetic = token.strip() in ARITHMETIC or token == " = "
            lines = [token, token if arithmetic else ""] + [""] * (middle - 2) + [token]
            blocks.append(Block(tuple(lines)))
    return blocks


def layout(eq: Equation, precision: int = DEFAULT_PRECISION, marks: Collection[str] = (),
           width: int = 100) -> Block:
    """The equation as lines no wider than ``width`` where it can be: blocks side by side, and on
    to an indented band below when the next one does not fit; fewer columns when one alone is too
    wide."""
    max_cols = MAX_COLS
    blocks = equation_blocks(eq, precision, marks, max_cols)
    while max_cols > 2 and max(b.width for b in blocks) > width - BAND_INDENT:
        max_cols -= 1
        blocks = equation_blocks(eq, precision, marks, max_cols)
    bands: list[list[Block]] = [[]]
    used = 0
    for block in blocks:
        indent = BAND_INDENT if len(bands) > 1 else 0
        if bands[-1] and used + block.width > width - indent:
            bands.append([])
            used = 0
        bands[-1].append(block)
        used += block.width
    lines: list[str] = []
    spans: list[Span] = []
    heads = []
    for number, band in enumerate(bands):
        indent = BAND_INDENT if number else 0
        if number:
            lines.append("")
        top = len(lines)
        heads.append(top)
        height = max(len(b.lines) for b in band)
        rows = [" " * indent] * height
        for block in band:
            x = len(rows[0])
            spans += [(top + r, x + a, x + b) for r, a, b in block.spans]
            rows = [row + (block.lines[r] if r < len(block.lines) else "").ljust(block.width)
                    for r, row in enumerate(rows)]
        lines += [row.rstrip() for row in rows]
    return Block(tuple(lines), tuple(spans), tuple(heads))


def stage_lines(stage: MatrixStage, precision: int = DEFAULT_PRECISION, marks: Collection[str] = (),
                width: int = 100) -> Iterator[Block]:
    """Every equation of a stage laid out, the stage's own marks joined with ``marks``."""
    chosen = set(stage.marks) | set(marks)
    for eq in stage.equations:
        yield layout(eq, precision, chosen, width)


class MatrixView:
    """A stage's equations for the terminal: symbols bold, shapes dim, marked rows highlighted."""

    def __init__(self, stage: MatrixStage, precision: int = DEFAULT_PRECISION,
                 focus: str | None = None) -> None:
        self.stage = stage
        self.precision = precision
        self.focus = focus

    def __rich_console__(self, console, options):  # type: ignore[no-untyped-def]
        from rich.text import Text

        marks = {self.focus} if self.focus else set()
        if self.stage.note:
            yield Text(self.stage.note, style="dim")
        for block in stage_lines(self.stage, self.precision, marks, options.max_width):
            for i, line in enumerate(block.lines):
                text = Text(line)
                if i in block.heads:
                    text.stylize("bold")
                elif i - 1 in block.heads:
                    text.stylize("dim")
                for row, start, end in block.spans:
                    if row == i:
                        text.stylize("bold yellow", start, end)
                yield text
            yield Text("")

