"""The class report for other programs: a gradebook CSV, JSON for scripts, a self-contained HTML
page with a bar chart of the mistakes (inline SVG, no external assets, file text escaped)."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bpstep.cells import csv_cell
from bpstep.classroom import ClassReport, Entry, Standing
from bpstep.errors import UserError
from bpstep.escaping import printable
from bpstep.verify import VERDICTS

ROSTER_COLUMNS = ("status", "reason", "id", "name", "email")
"""The gradebook's columns after ``points``: where each line stands, and who it is."""


def text_cell(text: str) -> str:
    """File text for a spreadsheet cell: control characters as escapes, never a formula."""
    return csv_cell(printable(text))


def grade_cells(entry: Entry) -> tuple[str, str]:
    """(points, percent) of a line with a grade; empty cells for one without (missing,
    unreadable, several files): an importing gradebook then records no grade, not a zero."""
    s = entry.student
    if s is None or entry.standing not in (Standing.MARKED, Standing.NOT_ON_ROSTER):
        return "", ""
    return f"{s.points:g}", f"{round(s.percent, 2):g}"


def gradebook_csv(report: ClassReport) -> str:
    """student, file, score, max, one verdict per quantity, points (with partial credit), then
    status, reason, id, name, email: a line per roster student and per answers file, the files
    that could not be read included (new columns go last, so columns read by position keep their
    place)."""
    names = [q.name for q in report.quantities]
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["student", "file", "score", "max", *map(text_cell, names), "points",
                     *ROSTER_COLUMNS])
    for e in report.entries:
        s, person = e.student, e.person
        one = e.files[0] if len(e.files) == 1 else ""
        verdicts = {v.name: str(v.verdict) for v in s.report} if s else {}
        writer.writerow([text_cell(Path(one).stem if one else ""), text_cell(one),
                         s.score if s else "", s.max if s else "",
                         *(verdicts.get(n, "") for n in names), grade_cells(e)[0],
                         str(e.standing), text_cell(e.reason),
                         *(text_cell(t) for t in ((person.ident, person.name, person.email)
                                                  if person else ("", "", "")))])
    return stream.getvalue()


def _page(pages: Mapping[str, str], path: str) -> str | None:
    page = pages.get(path)
    return None if page is None else printable(page)


def class_json(report: ClassReport, pages: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Students, bad files, the gradebook and the summary as one JSON object (finite numbers
    only); ``pages`` gives each answers file's feedback page."""
    n = len(report.students)
    pages = pages or {}
    return {
        "students": [{"student": printable(s.student), "file": printable(s.path),
                      "scenario": printable(s.scenario),
                      "score": s.score, "max": s.max, "points": s.points,
                      "problems": [printable(p) for p in s.problems],
                      "notes": [printable(n) for n in s.notes],
                      "counts": {str(k): c for k, c in s.report.counts.items()},
                      "verdicts": {v.name: str(v.verdict) for v in s.report},
                      "mistakes": {v.name: v.mistake for v in s.report if v.mistake},
                      "student_key": s.student_key, "feedback": _page(pages, s.path)}
                     for s in report.students],
        "bad_files": [{"file": printable(b.path), "error": printable(b.error),
                       "feedback": _page(pages, b.path)}
                      for b in report.bad],
        "gradebook": [{"status": str(e.standing), "reason": printable(e.reason) or None,
                       "id": e.person.ident if e.person else None,
                       "name": e.person.name if e.person else None,
                       "email": e.person.email if e.person else None,
                       "line": e.person.line if e.person else None,
                       "files": [printable(f) for f in e.files],
                       "points": e.student.points if e.student else None,
                       "max": e.student.max if e.student else None}
                      for e in report.entries],
        "roster": None if report.roster is None else {
            "file": printable(report.roster.source), "students": len(report.roster.rows),
            "counts": {str(k): report.count(k) for k in Standing}},
        "summary": {
            "students": n,
            "quantities": {q.name: {"right": q.right, "of": q.of, "attempted": q.attempted,
                                    "not_attempted": q.blank}
                           for q in report.quantities},
            "mistakes": [{"mistake": m.mistake, "label": m.label, "where": m.where,
                          "count": m.count, "of": n,
                          "students": [printable(s) for s in m.students]}
                         for m in report.mistakes],
        },
        "exit_code": int(report.exit_code),
    }


BAR_HEIGHT = 22
LABEL_WIDTH = 420
CHART_WIDTH = 260


def mistakes_svg(report: ClassReport) -> str:
    """A horizontal bar per named mistake, its length the students who made it."""
    n = max(len(report.students), 1)
    rows = []
    for i, m in enumerate(report.mistakes):
        y = i * BAR_HEIGHT
        width = CHART_WIDTH * m.count / n
        label = html.escape(printable(f"{m.label} in {m.where}"))
        rows.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{label}</text>'
                    f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 6}"'
                    f' fill="#c0392b"><title>{m.count} of {n}</title></rect>'
                    f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{m.count} of {n}</text>')
    height = max(len(report.mistakes), 1) * BAR_HEIGHT
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + CHART_WIDTH + 80}" '
            f'height="{height}" font-family="sans-serif" font-size="13" role="img" '
            f'aria-label="named mistakes">{"".join(rows)}</svg>')


def class_html(report: ClassReport, title: str = "Class report",
               links: Mapping[str, str] | None = None) -> str:
    """One HTML file: the summary, the mistakes chart, every student's line, the bad files, and
    with a roster the gradebook; ``links`` maps an answers file to its feedback page's URL."""
    def e(text: str) -> str:
        return html.escape(printable(text))

    links = links or {}

    def linked(text: str, path: str) -> str:
        href = links.get(path)
        return f'<a href="{html.escape(href)}">{e(text)}</a>' if href else e(text)

    n = len(report.students)
    head = "".join(f"<th>{e(str(k))}</th>" for k in VERDICTS)
    students = "".join(
        f"<tr><td>{linked(s.student, s.path)}</td><td>{s.score}/{s.max}</td><td>{s.points:g}</td>"
        + "".join(f"<td>{s.report.counts[k]}</td>" for k in VERDICTS) + "</tr>"
        for s in report.students)
    shares = "".join(f"<tr><td><code>{e(q.name)}</code></td><td>{q.right}/{q.attempted}</td>"
                     f"<td>{q.share:.0%}</td><td>{q.blank}</td></tr>" for q in report.quantities)
    bad = "".join(f"<li>{linked(b.error, b.path)}</li>" for b in report.bad)
    book = "".join(
        f"<tr><td>{e(x.person.ident if x.person else '')}</td>"
        f"<td>{e(x.person.name if x.person else '')}</td><td>{e(str(x.standing))}</td>"
        f"<td>{grade_cells(x)[0]}</td>"
        f"<td>{'<br>'.join(linked(f, f) for f in x.files)}</td><td>{e(x.reason)}</td></tr>"
        for x in report.entries if report.roster is not None)
    counts = ", ".join(f"{report.count(k)} {k}" for k in Standing if report.count(k))
    roster = (f"<h2>Roster</h2>\n<p>{e(counts)}</p>\n<table><tr><th>id</th><th>name</th>"
              f"<th>status</th><th>points</th><th>answers</th><th>reason</th></tr>{book}</table>"
              if report.roster is not None else "")
    chart = mistakes_svg(report) if report.mistakes else "<p>No named mistakes.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}td,th{{padding:2px 10px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}</style></head>
<body><h1>{e(title)}</h1>
<p>{n} student{"s" * (n != 1)} marked; {len(report.bad)} file{"s" * (len(report.bad) != 1)}
could not be read.</p>
<h2>Named mistakes</h2>
{chart}
<h2>Share right per quantity</h2>
<table><tr><th>quantity</th><th>right</th><th>share</th><th>not attempted</th></tr>{shares}</table>
<h2>Students</h2>
<table><tr><th>student</th><th>score</th><th>points</th>{head}</tr>{students}</table>
{f"<h2>Files that could not be read</h2><ul>{bad}</ul>" if bad else ""}
{roster}
</body></html>
"""


def make_feedback_folder(feedback: Path | None) -> None:
    """``--feedback DIR``, made if missing, in a folder that exists (never a file replaced by
    a folder, nor folders made on the way to it)."""
    if feedback is None or feedback.is_dir():
        return
    if feedback.exists() or not feedback.parent.is_dir():
        raise UserError(f"--feedback {feedback}: give a folder (made if missing) in a folder that "
                        "exists")
    feedback.mkdir()


def report_files(report: ClassReport, *, csv_out: Path | None, html_out: Path | None,
                 feedback: Path | None, gradebook: str, assignment: str, reveal: bool
                 ) -> tuple[dict[Path, str | bytes], dict[str, Path]]:
    """The files a marked class is written to: the ``gradebook`` CSV (``bpstep``, or a key of
    ``grades.FORMATS``), the HTML report linking each page, a feedback page per answers file in
    ``feedback``; and which page is whose. Two that name one file are a ``UserError``, before
    anything is written."""
    import os
    from urllib.parse import quote

    from bpstep.classroom import page_names
    from bpstep.errors import UserError

    files: dict[Path, str | bytes] = {}
    if csv_out is not None:
        from bpstep.export.grades import FORMATS

        files[csv_out] = (gradebook_csv(report) if gradebook == "bpstep" else
                          FORMATS[gradebook](report, assignment))
    pages = {path: feedback / name for path, name in page_names(report.entries).items()} \
        if feedback is not None else {}
    if pages:
        from bpstep.export.feedback import feedback_pages

        files.update({pages[path]: page for path, page in feedback_pages(report, reveal).items()})
    if html_out is not None:
        here = html_out.resolve().parent
        links = {path: quote(Path(os.path.relpath(page.resolve(), here)).as_posix())
                 for path, page in pages.items()}
        files[html_out] = class_html(report, links=links)
    places = [p.resolve() for p in (csv_out, html_out, *pages.values()) if p is not None]
    if len(set(places)) < len(places):
        raise UserError("--csv, --html and the --feedback pages name the same file; give them "
                        "different names")
    return files, pages
