"""The class report on the terminal: one line per student, files that could not be read, and
the class summary (share right per quantity, named mistakes ranked)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bpstep.classroom import ClassReport, Standing
from bpstep.escaping import printable
from bpstep.verify import VERDICTS


def mistake_line(count: int, of: int, label: str, where: str) -> str:
    """``9 of 30: activation derivative missing in delta[h*]``."""
    return f"{count} of {of}: {label} in {where}"


def render_class(report: ClassReport) -> RenderableType:
    """Students, bad files and the summary, plain enough to read piped."""
    parts: list[RenderableType] = []
    students = Table(box=None, show_edge=False, pad_edge=False, header_style="bold")
    for heading in ("student", "score", "points", *VERDICTS):
        students.add_column(heading, justify="left" if heading == "student" else "right")
    for s in report.students:
        counts = s.report.counts
        students.add_row(Text(printable(s.student)), f"{s.score}/{s.max}", f"{s.points:g}",
                         *(str(counts[k]) for k in VERDICTS))
    if report.students:
        parts.append(students)
    problems = [p for s in report.students for p in s.problems]
    if problems:
        parts.append(Text(f"\n{len(problems)} answer{'s' * (len(problems) != 1)} could not be "
                          "read (the rest of those files is marked):", style="bold"))
        parts += [Text(f"  {printable(p)}") for p in problems]
    notes = [n for s in report.students for n in s.notes]
    if notes:
        parts.append(Text(f"\n{len(notes)} number{'s' * (len(notes) != 1)} read with a decimal "
                          "comma:", style="bold"))
        parts += [Text(f"  {printable(n)}", style="dim") for n in notes]
    if report.bad:
        parts.append(Text(f"\n{len(report.bad)} file{'s' * (len(report.bad) != 1)} could not be "
                          "marked:", style="bold"))
        parts += [Text(f"  {printable(b.error)}") for b in report.bad]
    if report.roster is not None:
        parts += roster_lines(report)
    n = len(report.students)
    if n:
        parts.append(Text(f"\nclass summary · {n} student{'s' * (n != 1)}", style="bold"))
        shares = Table(box=None, show_edge=False, pad_edge=False, header_style="bold")
        shares.add_column("quantity")
        shares.add_column("right", justify="right")
        shares.add_column("share", justify="right")
        shares.add_column("not attempted", justify="right")
        for q in report.quantities:
            shares.add_row(Text(printable(q.name)), f"{q.right}/{q.attempted}",
                           f"{q.share:.0%}" if q.attempted else "–", str(q.blank))
        parts.append(shares)
        if report.mistakes:
            parts.append(Text("\nnamed mistakes, most frequent first:", style="bold"))
            parts += [Text("  " + printable(mistake_line(m.count, n, m.label, m.where)))
                      for m in report.mistakes]
        else:
            parts.append(Text("\nno named mistakes"))
    return Group(*parts)


def roster_lines(report: ClassReport) -> list[RenderableType]:
    """How the roster's students stand, then each who has no grade and each file of no one."""
    assert report.roster is not None
    counts = ", ".join(f"{report.count(k)} {k}" for k in Standing if report.count(k))
    out: list[RenderableType] = [Text(f"\nroster {printable(report.roster.source)} · "
                                      f"{len(report.roster.rows)} students: {counts}",
                                      style="bold")]
    for e in report.entries:
        if e.standing == Standing.MARKED:
            continue
        who = " ".join(filter(None, (e.person.ident, e.person.name if e.person.name !=
                                     e.person.ident else ""))) if e.person else ""
        files = ", ".join(e.files)
        shown = who + (f" ({files})" if who and files else files)
        why = f": {e.reason}" if e.standing == Standing.CONFLICT else ""
        out.append(Text(printable(f"  {e.standing}: {shown}{why}")))
    return out
