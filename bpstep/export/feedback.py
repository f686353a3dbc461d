"""A page of feedback per student, to hand back: every value's verdict, hint and points.

Each page is one self-contained HTML file (inline CSS, no script, nothing fetched), that prints
on A4 as it shows on screen. Everything that comes from a file (names, numbers as written, hints
that quote them) is HTML-escaped and its control characters are shown as escapes, so a student's
``<script>`` is text on the page.
"""

from __future__ import annotations

import html

from bpstep.classroom import BadFile, ClassReport, Student
from bpstep.escaping import printable
from bpstep.numbers import DEFAULT_PRECISION, fmt
from bpstep.roster import RosterRow
from bpstep.verify import CREDIT, SUMMARY_WORDS, TOO_COARSE, Mark

CSS = """
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif;
       color: #1f2933; background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.2rem 3rem; }
h1 { font-size: 1.45rem; margin: 0 0 .4rem; }
p { margin: .3rem 0; }
.who, .note { color: #52606d; }
.score { font-size: 1.1rem; margin: .8rem 0; }
table { width: 100%; border-collapse: collapse; margin: 1rem 0; table-layout: auto; }
th, td { padding: .25rem .5rem; border-bottom: 1px solid #d5dbe1; text-align: left;
         vertical-align: top; overflow-wrap: anywhere; }
tr.hinted td { border-bottom: none; }
tr.hint td { padding-top: 0; color: #3e4c59; }
th { background: #f5f7fa; }
td.num, th.num { text-align: right; font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
td.name { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
tr.stage td { border-top: 2px solid #9aa5b1; }
.correct, .rounding { color: #1e7b34; }
.carried, .rounded-too-early { color: #8d6708; }
.too-coarse { color: #8e2a8e; }
.wrong { color: #b42318; font-weight: bold; }
.not-attempted { color: #7b8794; }
ul { padding-left: 1.2rem; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  tr { break-inside: avoid; }
  tr.hinted { break-after: avoid; }
  th { background: none; border-bottom: 1.5px solid #1f2933; }
}
"""


def _e(text: str) -> str:
    """File text for a page: control characters as escapes, then HTML-escaped."""
    return html.escape(printable(text))


def _css_class(verdict: Mark) -> str:
    return str(verdict).replace(" ", "-")


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{CSS}</style></head>\n"
            f"<body><main>\n{body}\n</main></body></html>\n")


def _who(person: RosterRow | None, fallback: str, path: str) -> str:
    name = (f"{person.name} ({person.ident})" if person.name and person.name != person.ident
            else person.ident) if person else fallback
    return f'<p class="who">{_e(name)} · answers: <code>{_e(path)}</code></p>'


def student_page(student: Student, person: RosterRow | None = None, *, reveal: bool = True,
                 precision: int = DEFAULT_PRECISION) -> str:
    """One student's marking: their score, then each value with its verdict, hint and points;
    with ``reveal`` off, without the correct values (as ``bpstep verify --no-reveal``)."""
    report = student.report
    heads = ['<th class="num">stage</th>', "<th>quantity</th>", '<th class="num">yours</th>',
             *(['<th class="num">correct</th>'] if reveal else []), "<th>verdict</th>",
             '<th class="num">points</th>']
    rows = []
    for i, v in enumerate(report):
        first = i == 0 or report.verdicts[i - 1].stage != v.stage
        cells = [f'<td class="num">{v.stage + 1 if first else ""}</td>',
                 f'<td class="name">{_e(v.name)}</td>',
                 f'<td class="num">{_e(v.written) if v.written else "—"}</td>',
                 *([f'<td class="num">{fmt(v.expected, precision)}</td>'] if reveal else []),
                 f'<td class="{_css_class(v.verdict)}">{_e(str(v.verdict))}</td>',
                 f'<td class="num">{CREDIT[v.verdict] / 100:g}</td>']
        kinds = " ".join(k for k, on in (("stage", first and i), ("hinted", v.hint)) if on)
        rows.append(f'<tr class="{kinds}">' if kinds else "<tr>")
        rows.append("".join(cells) + "</tr>")
        if v.hint:  # under its value, across the row: a long hint never squeezes the numbers
            rows.append(f'<tr class="hint"><td></td><td colspan="{len(heads) - 1}">'
                        f"{_e(v.hint)}</td></tr>")
    notes = []
    if report.floor is not None and any(v.verdict == TOO_COARSE for v in report):
        notes.append(f"An answer needs at least {report.floor.words}, unless it is exactly the "
                     "value.")
    if not reveal:
        notes.append("The correct values are not shown; the hints say what to look at.")
    extra = "".join(
        f"<h2>{heading}</h2><ul>{''.join(f'<li>{_e(item)}</li>' for item in items)}</ul>"
        for heading, items in (("Not read (the rest is marked)", student.problems),
                               ("Read another way", student.notes)) if items)
    title = student.title or "Backpropagation step"
    body = (f"<h1>{_e(title)}</h1>\n{_who(person, student.student, student.path)}\n"
            f'<p class="score"><strong>{student.points:g} of {student.max} points</strong> '
            f"({student.percent:.0f} %) · {_e(report.summary())}</p>\n"
            + "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
            + f"\n<table><thead><tr>{''.join(heads)}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>\n{extra}"
            f'<p class="note">Points: {_credits()}.</p>')
    return _page(f"{title} · {person.ident if person else student.student}", body)


def _credits() -> str:
    """``correct 1, within rounding 1, ... not attempted 0``: what each verdict earns."""
    return ", ".join(f"{SUMMARY_WORDS[k]} {CREDIT[k] / 100:g}" for k in CREDIT)


def unreadable_page(bad: BadFile, person: RosterRow | None = None) -> str:
    """Why a student's answers file could not be marked, and what to do."""
    body = (f"<h1>Your answers file could not be marked</h1>\n"
            f"{_who(person, bad.path, bad.path)}\n<p><code>{_e(bad.error)}</code></p>\n"
            '<p class="note">Put it right and hand it in again; <code>bpstep verify</code> on '
            "the file says the same.</p>")
    return _page(f"Not marked · {person.ident if person else bad.path}", body)


def feedback_pages(report: ClassReport, reveal: bool = True) -> dict[str, str]:
    """A page for every answers file, by its path: its marking, or why it could not be marked;
    named for its student when one roster student has it."""
    owners = {path: e.person if len(e.files) == 1 else None
              for e in report.entries for path in e.files}
    pages = {s.path: student_page(s, owners[s.path], reveal=reveal) for s in report.students}
    pages.update({b.path: unreadable_page(b, owners[b.path]) for b in report.bad})
    return pages
