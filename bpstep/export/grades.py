"""Gradebooks a course's system imports: Moodle's "Import grades: CSV file", Canvas's gradebook CSV.

Only students of the roster are written (an answers file of no student has no one to be graded
for), each with an empty grade when they have none (missing, unreadable, several files): Moodle
reads an empty cell as "no grade" and Canvas as no score, never as 0. The grade is the marking's
points, partial credit included, out of the number of values the worksheet asks.

- Moodle: the teacher maps a user column (``Email address`` to the user's email, or ``ID number``
  to their ID number) and a grade column to the grade item. A row whose user Moodle cannot find
  stops the whole import, so a user column is written only when every row has one. The grade is
  given twice, as points and as a percentage (for a grade item out of 100).
- Canvas: ``Student, ID, SIS User ID, SIS Login ID, Section`` then the assignment, with a
  ``Points Possible`` row; Canvas finds a student by ID, SIS User ID or SIS Login ID, else by name.
  The ID is copied only from a roster that is Canvas's own gradebook export: another roster's
  ids are not Canvas's, and could name another student.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from bpstep.classroom import ClassReport, Standing
from bpstep.errors import UserError
from bpstep.export.class_report import grade_cells, text_cell
from bpstep.roster import Roster, RosterRow


class GradebookError(UserError):
    """A gradebook that cannot be written from what was given; the message says what to add."""


MOODLE_USERS: dict[str, Callable[[RosterRow], str]] = {
    "Email address": lambda row: row.email,
    "ID number": lambda row: row.fields.get("id number") or row.fields.get("idnumber", ""),
}
"""Moodle's names of the user fields a grade import can match, and where the roster has them."""
CANVAS_STUDENT = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
"""The student columns of Canvas's gradebook CSV, in its order."""


def _roster(report: ClassReport, form: str) -> Roster:
    if report.roster is None:
        raise GradebookError(f"--gradebook {form} needs --roster FILE: the course's students, "
                             "by id, name and email")
    return report.roster


def _rows(rows: list[list[str]]) -> str:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(rows)
    return stream.getvalue()


def moodle_csv(report: ClassReport, assignment: str) -> str:
    """A user column or two, the name, then the grade as points and as a percentage."""
    roster = _roster(report, "moodle")
    users = {head: get for head, get in MOODLE_USERS.items() if all(map(get, roster.rows))}
    if not users and not roster.has_email:
        raise GradebookError(f"{roster.source}: has no column headed email (nor ID number); "
                             "Moodle finds each student by email address or ID number: add one")
    if not users:
        lacking = next(row for row in roster.rows if not row.email)
        raise GradebookError(f"{roster.source}:{lacking.line}: {lacking.ident!r} has "
                             "no email; Moodle finds each student by email address (or ID "
                             "number), and one it cannot find stops the import: give every "
                             "student one")
    rows = [[*users, "Full name", f"{assignment} (points)", f"{assignment} (%)"]]
    rows += [[*(text_cell(get(e.person)) for get in users.values()), text_cell(e.person.name),
              *grade_cells(e)] for e in report.entries if e.person is not None]
    return _rows(rows)


def canvas_csv(report: ClassReport, assignment: str) -> str:
    """Canvas's student columns, the assignment, and its points possible."""
    roster = _roster(report, "canvas")
    most = {e.student.max for e in report.entries
            if e.student is not None and e.standing == Standing.MARKED}
    if len(most) > 1:
        raise GradebookError(f"the worksheets ask {' or '.join(map(str, sorted(most)))} values: "
                             "Canvas gives an assignment one number of points; mark each "
                             "exercise apart")
    rows = [[*CANVAS_STUDENT, assignment],
            ["Points Possible", "", "", "", "", str(most.pop()) if most else ""]]
    for e in report.entries:
        if e.person is None:
            continue
        fields = e.person.fields
        rows.append([text_cell(e.person.name or e.person.ident),
                     text_cell(fields.get("id", "") if roster.canvas else ""),
                     *(text_cell(fields.get(head.lower(), "")) for head in CANVAS_STUDENT[2:]),
                     grade_cells(e)[0]])
    return _rows(rows)


FORMATS: dict[str, Callable[[ClassReport, str], str]] = {"moodle": moodle_csv,
                                                         "canvas": canvas_csv}
"""Each gradebook a course's system imports, by the name ``--gradebook`` takes."""
