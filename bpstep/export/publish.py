"""One entry point for ``bpstep export``: a format name to the finished document."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bpstep.escaping import printable
from bpstep.export.html import to_html
from bpstep.export.latex import to_latex
from bpstep.export.markdown import to_markdown
from bpstep.export.svg_diagram import check_drawable, stage_svgs
from bpstep.export.worked import Worked, worked_solution
from bpstep.scenario import Scenario
from bpstep.trace import Trace, asked

if TYPE_CHECKING:
    from bpstep.variants import Question, QuizSource

Writer = Callable[[Trace, Worked, int], str]


def _html(trace: Trace, worked: Worked, precision: int) -> str:
    return to_html(worked, stage_svgs(trace, precision=precision),
                   stage_svgs(trace, precision=precision, folded=True))


FORMATS: dict[str, Writer] = {
    "markdown": lambda _t, worked, _p: to_markdown(worked),
    "latex": lambda _t, worked, _p: to_latex(worked),
    "html": _html,
}
"""Export formats by name. The CLI lists its choices in ``cli.ExportFormat`` (these and the quiz
formats); a test checks the two agree."""

DRAWN = frozenset({"html"})
"""Formats that draw the network on every slide, so refuse what no picture can show."""


def check_export(scenario: Scenario, form: str) -> None:
    """Refuse, before the step is run, a network a ``form`` document cannot show (so it takes
    the scenario: there is no trace yet)."""
    if form in DRAWN:
        check_drawable(scenario, f"-f {form} (a slideshow)")


def export(trace: Trace, form: str, *, precision: int = 6,
           explain: bool = False, view: str = "unit") -> str:
    """The worked solution of ``trace`` as a ``form`` document (a key of ``FORMATS``); no control
    character or direction mark of a title or a name reaches it raw (``bpstep.escaping``)."""
    worked = worked_solution(trace, precision=precision, explain=explain, view=view)
    text = FORMATS[form](trace, worked, precision)
    return text if form == "latex" else printable(text)  # LaTeX has its own (latex.py)


def _quiz_writers() -> dict[str, Callable[..., str | bytes]]:
    from bpstep.export.gift import to_gift
    from bpstep.export.moodle import to_moodle
    from bpstep.export.qti import to_qti

    return {"moodle": to_moodle, "gift": to_gift, "qti": to_qti}


QUIZ_FORMATS = ("moodle", "gift", "qti")
"""Quiz formats for a course's system, one question (or quiz) per variant; qti is a zip."""
PRACTICE_FORMATS = ("web", "scorm")
"""Formats that make a practice page (``bpstep.export.web``), alone or as a SCORM package."""
MAX_ASKED = 300
"""Most values one quiz question asks: more than anyone works by hand, and each value's wrong
answers are found against every other value (412 take 13 s, 3,000 over ten minutes)."""


def export_quiz(variants: Sequence[tuple[str, Scenario, Trace]], form: str, *, title: str,
                ask: str | None, rounding_credit: int, digits: int | None = None,
                decimals: int | None = None, hide_formula: bool = False,
                by_stage: bool = False) -> str | bytes:
    """Each (id, scenario, trace) as a ``form`` quiz question, each value asked to ``digits``
    significant figures or ``decimals`` decimals (neither: as the scenario says). Every text that
    comes from a file (titles, ids, unit names in names, descriptions and hints) has its control
    characters and direction marks written as escapes (``\\x1b``, ``bpstep.escaping``): XML
    cannot carry most of them, and none may reach a terminal or a page raw. ``hide_formula``
    leaves each blank's rule out; ``by_stage`` makes each stage its own question
    (``variants.stage_questions``). Each variant's scenario is there for its ``marking``, the
    precision asked when neither ``digits`` nor ``decimals`` says."""
    from bpstep.errors import UserError
    from bpstep.variants import question, quiz_precision, stage_questions

    for ident, _, trace in variants:
        count = len(asked(trace, ask))
        if count > MAX_ASKED:
            raise UserError(f"{printable(ident)}: the quiz would ask {count:,} values, more than the "
                            f"{MAX_ASKED} one question holds (no one works more by hand); choose "
                            "fewer with --ask, e.g. --ask forward,deltas or --ask 'delta[*]'")

    def one(*args: object, **options: object) -> list[Question]:
        return [question(*args, **options)]  # type: ignore[arg-type]

    make = stage_questions if by_stage else one
    questions = [_printable(q) for ident, s, t in variants
                 for q in make(t, ident, ask=ask, rounding_credit=rounding_credit,
                               hide_formula=hide_formula,
                               precision=quiz_precision(s, digits, decimals))]
    return _quiz_writers()[form](questions, printable(title))


def quiz_of(source: QuizSource, form: str, *, ask: str | None, rounding_credit: int,
            digits: int | None, decimals: int | None, hide_formula: bool, by_stage: bool
            ) -> tuple[str | bytes, str]:
    """``bpstep export -f moodle/gift/qti``: a quiz of every scenario ``source`` holds, each
    step run here (``export_quiz``), and what it is for the line that says so."""
    from bpstep.engine import step

    made = export_quiz([(i, s, step(s)) for i, s in source.variants], form, title=source.title,
                       ask=ask, decimals=decimals, digits=digits, rounding_credit=rounding_credit,
                       hide_formula=hide_formula, by_stage=by_stage)
    count = len(source.variants)
    return made, f"{form}, {count} variant{'s' * (count != 1)}"


def quiz_notes(form: str, rounding_credit: int) -> list[str]:
    """What a ``form`` quiz cannot carry as asked, one line each, for stderr."""
    from bpstep.export import gift, qti

    note = {"gift": gift.credit_note, "qti": qti.credit_note}.get(form)
    return [text] if note and (text := note(rounding_credit)) else []


def _printable(q: Question) -> Question:
    """``q`` with every text escaped by ``printable``."""
    blanks = tuple(replace(b, name=printable(b.name), description=printable(b.description),
                           answers=tuple(replace(a, feedback=printable(a.feedback))
                                         for a in b.answers)) for b in q.blanks)
    return replace(q, title=printable(q.title), ident=printable(q.ident), blanks=blanks,
                   givens=tuple((printable(what), printable(value)) for what, value in q.givens))
