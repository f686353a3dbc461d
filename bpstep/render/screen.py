"""What one stage looks like on screen (table, optional diagram), shared by run, --step and --save-svg.

Composing it in one place means the SVG slides show exactly what the terminal showed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text

from bpstep.enums import StrEnum
from bpstep.numbers import DEFAULT_PRECISION
from bpstep.render.stages import MAX_ROWS, changed_in, render_stage
from bpstep.trace import Trace

if TYPE_CHECKING:
    from bpstep.matrix import MatrixStage
    from bpstep.render.focus import Focus


class ViewMode(StrEnum):
    """What a stage is shown as: its per-unit table, its matrix equations, or both."""

    UNIT = "unit"
    MATRIX = "matrix"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class View:
    """How stages are shown: the options of ``bpstep run`` that change the picture."""

    precision: int = DEFAULT_PRECISION
    explain: bool = False
    focus: Focus | None = None
    diagram: bool = False
    title: str = ""
    mode: ViewMode = ViewMode.UNIT
    matrices: tuple[MatrixStage, ...] = ()
    """Every stage's matrix equations (bpstep.matrix), when ``mode`` shows them."""
    max_rows: int = MAX_ROWS
    """Stages with more rows are summarised (``--step`` can show them whole and page)."""


def view_of(trace: Trace, *, precision: int, explain: bool, focus: str | None, diagram: bool,
            mode: ViewMode) -> View:
    """The picture ``bpstep run``'s options ask for: the unit followed is checked and found, and
    the matrix equations computed, only when asked (modules a plain run does not load)."""
    followed = None
    if focus is not None:
        from bpstep.render.focus import focus_on

        followed = focus_on(trace, focus)
    matrices: tuple[MatrixStage, ...] = ()
    if mode != ViewMode.UNIT:
        from bpstep.matrix import matrix_stages

        matrices = matrix_stages(trace)
    return View(precision, explain, followed, diagram, trace.network.title or "", mode, matrices)


def show_stages(trace: Trace, view: View, *, step: bool, auto: float | None) -> int:
    """Every stage on stdout, or one at a time with ``step`` on a terminal (its exit code: 130
    when stopped by Ctrl-C); without a terminal to step on, all of them, as said on stderr."""
    from bpstep.render.console import make_console

    console = make_console()
    if step:
        if sys.stdin.isatty() and sys.stdout.isatty():
            from bpstep.render.stepper import step_through

            return step_through(console, trace, view, auto=auto)
        make_console(stderr=True).print(
            "bpstep: --step needs an interactive terminal; printing all stages instead.",
            markup=False)
    console.print(render_all(trace, view, width=console.width))
    return 0


def focus_note(focus: Focus) -> str:
    """One line that says what ``--focus`` leaves out."""
    return (f"following {focus.unit}: its values, its weights, and what they come from or feed "
            "directly")


def stage_screen(trace: Trace, index: int, view: View, width: int = 80) -> RenderableType:
    """One stage as a screen: title, progress heading, values and, with ``diagram``, the network.

    The title takes one line, cut with … (a title may cite its source at length): the screen is
    the stage's; ``render_all`` wraps it whole."""
    parts: list[RenderableType] = []
    if view.title:
        parts.append(Text(view.title, style="bold underline", no_wrap=True, overflow="ellipsis"))
    parts.append(_stage_body(trace, index, view, width))
    return Group(*parts)


def render_all(trace: Trace, view: View, width: int = 80) -> RenderableType:
    """Every stage one after another, for ``bpstep run`` without ``--step``."""
    parts: list[RenderableType] = []
    if view.title:
        parts.append(Text(view.title, style="bold underline"))
    if view.focus is not None:
        parts.append(Text(focus_note(view.focus), style="dim"))
    parts += [_stage_body(trace, i, view, width) for i in range(len(trace.stages))]
    return Group(*parts)


def _stage_body(trace: Trace, index: int, view: View, width: int) -> RenderableType:
    table = render_stage(trace, index, precision=view.precision, explain=view.explain,
                         changed=changed_in(trace, index), focus=view.focus,
                         table=view.mode != ViewMode.MATRIX, max_rows=view.max_rows)
    if view.mode != ViewMode.UNIT:
        from bpstep.render.matrix import MatrixView  # loaded only when matrices are shown

        table = Group(table, MatrixView(view.matrices[index], view.precision,
                                        view.focus.unit if view.focus else None))
    if not view.diagram:
        return table
    from bpstep.render.diagram_text import render_diagram  # loaded only when diagrams are drawn

    unit = view.focus.unit if view.focus else None
    drawing = render_diagram(trace, index, precision=view.precision, width=width, focus=unit)
    return Group(table, drawing, Text(""))
