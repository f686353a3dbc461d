"""One entry point for ``bpstep export``: a format name to the finished document."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bpstep.export.html import to_html
from bpstep.export.latex import to_latex
from bpstep.export.markdown import to_markdown
from bpstep.export.svg_diagram import check_drawable, stage_svgs
from bpstep.export.worked import Worked, worked_solution
from bpstep.scenario import Scenario
from bpstep.trace import Trace

Writer = Callable[[Scenario, Trace, Worked, int], str]


def _html(scenario: Scenario, trace: Trace, worked: Worked, precision: int) -> str:
    return to_html(worked, stage_svgs(scenario, trace, precision=precision))


FORMATS: dict[str, Writer] = {
    "markdown": lambda _s, _t, worked, _p: to_markdown(worked),
    "latex": lambda _s, _t, worked, _p: to_latex(worked),
    "html": _html,
}
"""Export formats by name; the CLI's choices come from here."""

DRAWN = frozenset({"html"})
"""Formats that draw the network on every slide, so refuse what no picture can show."""


def check_export(scenario: Scenario, form: str) -> None:
    """Refuse, before the step is run, a network a ``form`` document cannot show."""
    if form in DRAWN:
        check_drawable(scenario, f"-f {form} (a slideshow)")


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
MAX_ASKED = 300
"""Most values one quiz question asks: more than anyone works by hand, and each value's wrong
answers are found against every other value (412 take 13 s, 3,000 over ten minutes)."""


def export_quiz(variants: Sequence[tuple[str, Scenario, Trace]], form: str, *, title: str,
                ask: str | None, rounding_credit: int, digits: int | None = None,
                decimals: int | None = None) -> str | bytes:
    """Each (id, scenario, trace) as a ``form`` quiz question, each value asked to ``digits``
    significant figures or ``decimals`` decimals (neither: as the scenario says). Titles and ids
    come from files: their control characters are written as escapes (``\\x1b``), which every
    format can carry (XML cannot carry most of them raw)."""
    from dataclasses import replace

    from bpstep.errors import UserError
    from bpstep.render.console import printable
    from bpstep.variants import asked, question, quiz_precision

    for ident, _, trace in variants:
        count = len(asked(trace, ask))
        if count > MAX_ASKED:
            raise UserError(f"{printable(ident)}: the quiz would ask {count:,} values, more than the "
                            f"{MAX_ASKED} one question holds (no one works more by hand); choose "
                            "fewer with --ask, e.g. --ask forward,deltas or --ask 'delta[*]'")
    questions = [question(s, t, ident, ask=ask, rounding_credit=rounding_credit,
                          precision=quiz_precision(s, digits, decimals))
                 for ident, s, t in variants]
    questions = [replace(q, title=printable(q.title), ident=printable(q.ident)) for q in questions]
    return _quiz_writers()[form](questions, printable(title))
