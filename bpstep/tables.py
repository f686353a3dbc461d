"""One stage's values as a table, built once for the terminal and for every export.

A row per unit (``h1``), per weight (``x1 → h1``) or per bias (``bias → h1``); a column per kind
of quantity. Update stages read ``weight | old w | Δw | new w``, bias rows in the same columns.
A big stage (an update of 100,000 weights) can be built with only its first rows, its
columns kept whole for the minimum, maximum and mean that summarise the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bpstep.trace import Kind, LazyQuantities, Phase, Quantity, Stage, row_label

HEADERS = {
    Kind.A: "a (net input)",
    Kind.Y: "y (output)",
    Kind.DELTA: "δ",
    Kind.DW: "Δw",
    Kind.W: "new w",
    Kind.DB: "Δb",
    Kind.B: "new b",
    Kind.LOSS: "loss",
    Kind.A_AFTER: "a (new)",
    Kind.Y_AFTER: "y (new)",
    Kind.LOSS_AFTER: "loss (new)",
}
"""Column headings by quantity kind, in the order columns appear."""
UPDATE_HEADERS = ("weight", "old w", HEADERS[Kind.DW], HEADERS[Kind.W])

Cell = tuple[float, str | None] | None
"""A number in a table and the quantity it is (None for an operand such as the old weight)."""
STATISTICS = (("min", np.min), ("max", np.max), ("mean", np.mean))


@dataclass(frozen=True, slots=True)
class StageTable:
    """A stage's rows (all, or the first of a big stage) and every value of each column."""

    headers: tuple[str, ...]
    """The row label's heading first, then one per column."""
    rows: tuple[tuple[str, tuple[Cell, ...]], ...]
    count: int
    """How many rows the whole stage has (``rows`` may hold only the first)."""
    columns: tuple[np.ndarray, ...]
    """Every value of each column, in row order (empty cells left out)."""

    def statistics(self) -> list[tuple[str, list[float | None]]]:
        """Minimum, maximum and mean of every column over all rows."""
        return [(label, [float(stat(c)) if len(c) else None for c in self.columns])
                for label, stat in STATISTICS]


def stage_table(stage: Stage, quantities: Sequence[Quantity] | None = None,
                head: int | None = None) -> StageTable:
    """The table of ``stage`` (or of the chosen ``quantities`` of it); with ``head``, a big
    lazy update keeps only its first ``head`` rows."""
    chosen = stage.quantities if quantities is None else quantities
    if head is not None and isinstance(chosen, LazyQuantities) and len(chosen) > 2 * head:
        return _lazy_update(chosen, head)
    grouped: dict[str, dict[str, Quantity]] = {}
    for q in chosen:
        grouped.setdefault(row_label(q), {})[q.kind] = q
    if stage.phase == Phase.UPDATE:
        headers = UPDATE_HEADERS
        rows = tuple((label, _update_cells(cells)) for label, cells in grouped.items())
    else:
        kinds = [k for k in HEADERS if any(k in cells for cells in grouped.values())]
        headers = ("unit", *(HEADERS[k] for k in kinds))
        rows = tuple((label, tuple((cells[k].value, cells[k].name) if k in cells else None
                                   for k in kinds))
                     for label, cells in grouped.items())
    width = len(headers) - 1
    columns = tuple(np.array([cells[c][0] for _, cells in rows if cells[c] is not None], dtype=float)
                    for c in range(width))
    return StageTable(headers, rows, len(rows), columns)


def _update_cells(cells: dict[str, Quantity]) -> tuple[Cell, ...]:
    """Old, Δ and new value of a weight (or of a bias, in the same columns)."""
    new = cells.get(Kind.W) or cells.get(Kind.B)
    change = cells.get(Kind.DW) or cells.get(Kind.DB)
    return (
        (new.before, None) if new is not None and new.before is not None else None,
        (change.value, change.name) if change else None,
        (new.value, new.name) if new else None,
    )


def _lazy_update(quantities: LazyQuantities, head: int) -> StageTable:
    """A big update: its first weights as rows, every column from the stage's arrays."""
    first = quantities[:2 * head]
    rows = tuple((row_label(new), _update_cells({change.kind: change, new.kind: new}))
                 for change, new in zip(first[::2], first[1::2], strict=True))
    columns = tuple(np.asarray(quantities.columns[c], dtype=float) for c in ("old", "change", "new"))
    return StageTable(UPDATE_HEADERS, rows, len(columns[0]), columns)
