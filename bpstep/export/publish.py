"""One entry point for ``bpstep export``: a format name to the finished document."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bpstep.export.html import to_html
from bpstep.export.latex import to_latex
from bpstep.export.markdown import to_markdown
from bpstep.export.svg_diagram import stage_svgs
from bpstep.export.worked import Worked, worked_solution
from bpstep.scenario import Scenario
from bpstep.trace import Trace

Writer = Callable[[Scenario, Trace, Worked, int], str]


def _html(scenario: Scenario, trace: Trace, worked: Worked, precision: int) -> str:
    return to_html(worked, stage_svgs(scenario, trace, precision=precision),
                   stage_svgs(scenario, trace, precision=precision, folded=True))


FORMATS: dict[str, Writer] = {
    "markdown": lambda _s, _t, worked, _p: to_markdown(worked),
    "latex": lambda _s, _t, worked, _p: to_latex(worked),
    "html": _html,
}
"""Export formats by name; the CLI's choices come from here."""



def export(scenario: Scenario, trace: Trace, form: str, *, precision: int = 6,
           explain: bool = False, view: str = "unit") -> str:
    """The worked solution of ``trace`` as a ``form`` document (a key of ``FORMATS``)."""
    worked = worked_solution(scenario, trace, precision=precision, explain=explain, view=view)
    return FORMATS[form](scenario, trace, worked, precision)


def _quiz_writers() -> dict[str, Callable[..., str | bytes]]:
    from bpstep.export.gift import to_gift
    from bpstep.export.moodle import to_moodle
    from bpstep.export.qti import to_qti

    return {"moodle": to_moodle, "gift": to_gift, "qti": to_qti}


QUIZ_FORMATS = ("moodle", "gift", "qti")
"""Quiz formats for a course's system, one question (or quiz) per variant; qti is a zip."""


def export_quiz(variants: Sequence[tuple[str, Scenario, Trace]], form: str, *, title: str,
                ask: str | None, rounding_credit: int, digits: int | None = None,
                decimals: int | None = None) -> str | bytes:
    """Each (id, scenario, trace) as a ``form`` quiz question, each value asked to ``digits``
    significant figures or ``decimals`` decimals (neither: as the scenario says). Titles and ids
    come from files: their control characters are written as escapes (``\\x1b``), which every
    format can carry (XML cannot carry most of them raw)."""
    from dataclasses import replace

    from bpstep.render.console import printable
    from bpstep.variants import question, quiz_precision

    questions = [question(s, t, ident, ask=ask, rounding_credit=rounding_credit,
                          precision=quiz_precision(s, digits, decimals))
                 for ident, s, t in variants]
    questions = [replace(q, title=printable(q.title), ident=printable(q.ident)) for q in questions]
    return _quiz_writers()[form](questions, printable(title))
