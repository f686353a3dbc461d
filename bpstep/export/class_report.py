"""The class report for other programs: a gradebook CSV, JSON for scripts, a self-contained HTML
page with a bar chart of the mistakes (inline SVG, no external assets, file text escaped)."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

from bpstep.classroom import ClassReport
from bpstep.variants import csv_cell
from bpstep.verify import VERDICTS


def gradebook_csv(report: ClassReport) -> str:
    """student, file, score, max, one verdict per quantity, then points (with partial credit, last
    so that columns read by position keep their place)."""
    names = [q.name for q in report.quantities]
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["student", "file", "score", "max", *map(csv_cell, names), "points"])
    for s in report.students:
        verdicts = {v.name: str(v.verdict) for v in s.report}
        writer.writerow([csv_cell(s.student), csv_cell(s.path), s.score, s.max,
                         *(verdicts.get(n, "") for n in names), f"{s.points:g}"])
    return stream.getvalue()


def class_json(report: ClassReport) -> dict[str, Any]:
    """Students, bad files and the summary as one JSON object (finite numbers only)."""
    n = len(report.students)
    return {
        "students": [{"student": s.student, "file": s.path, "scenario": s.scenario,
                      "score": s.score, "max": s.max, "points": s.points,
                      "problems": list(s.problems), "notes": list(s.notes),
                      "counts": {str(k): c for k, c in s.report.counts.items()},
                      "verdicts": {v.name: str(v.verdict) for v in s.report},
                      "mistakes": {v.name: v.mistake for v in s.report if v.mistake}}
                     for s in report.students],
        "bad_files": [{"file": b.path, "error": b.error} for b in report.bad],
        "summary": {
            "students": n,
            "quantities": {q.name: {"right": q.right, "of": q.of, "attempted": q.attempted,
                                    "not_attempted": q.blank}
                           for q in report.quantities},
            "mistakes": [{"mistake": m.mistake, "label": m.label, "where": m.where,
                          "count": m.count, "of": n, "students": list(m.students)}
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
        label = html.escape(f"{m.label} in {m.where}")
        rows.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{label}</text>'
                    f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 6}"'
                    f' fill="#c0392b"><title>{m.count} of {n}</title></rect>'
                    f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{m.count} of {n}</text>')
    height = max(len(report.mistakes), 1) * BAR_HEIGHT
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + CHART_WIDTH + 80}" '
            f'height="{height}" font-family="sans-serif" font-size="13" role="img" '
            f'aria-label="named mistakes">{"".join(rows)}</svg>')


def class_html(report: ClassReport, title: str = "Class report") -> str:
    """One HTML file: the summary, the mistakes chart, every student's line, the bad files."""
    e = html.escape
    n = len(report.students)
    head = "".join(f"<th>{e(str(k))}</th>" for k in VERDICTS)
    students = "".join(
        f"<tr><td>{e(s.student)}</td><td>{s.score}/{s.max}</td><td>{s.points:g}</td>"
        + "".join(f"<td>{s.report.counts[k]}</td>" for k in VERDICTS) + "</tr>"
        for s in report.students)
    shares = "".join(f"<tr><td><code>{e(q.name)}</code></td><td>{q.right}/{q.attempted}</td>"
                     f"<td>{q.share:.0%}</td><td>{q.blank}</td></tr>" for q in report.quantities)
    bad = "".join(f"<li>{e(b.error)}</li>" for b in report.bad)
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
</body></html>
"""
