"""One entry point for ``bpstep export``: a format name to the finished document."""

from __future__ import annotations

from collections.abc import Callable

from bpstep.export.html import to_html
from bpstep.export.latex import to_latex
from bpstep.export.markdown import to_markdown
from bpstep.export.svg_diagram import diagram_svg
from bpstep.export.worked import Worked, worked_solution
from bpstep.scenario import Scenario
from bpstep.trace import Trace

Writer = Callable[[Scenario, Trace, Worked, int], str]


def _html(scenario: Scenario, trace: Trace, worked: Worked, precision: int) -> str:
    diagrams = tuple(diagram_svg(scenario, trace, i, precision=precision, heading=False)
                     for i in range(len(trace.stages)))
    return to_html(worked, diagrams)


FORMATS: dict[str, Writer] = {
    "markdown": lambda _s, _t, worked, _p: to_markdown(worked),
    "latex": lambda _s, _t, worked, _p: to_latex(worked),
    "html": _html,
}
"""Export formats by name; the CLI's choices come from here."""



def export(scenario: Scenario, trace: Trace, form: str, *, precision: int = 6,
           explain: bool = False) -> str:
    """The worked solution of ``trace`` as a ``form`` document (a key of ``FORMATS``)."""
    worked = worked_solution(scenario, trace, precision=precision, explain=explain)
    return FORMATS[form](scenario, trace, worked, precision)
