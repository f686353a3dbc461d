"""The worked solution as Markdown: a heading per stage, pipe tables, formulas in code spans."""

from __future__ import annotations

import re

from bpstep.export.worked import Table, Worked
from bpstep.matrix import MatrixStage

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def _text(text: str) -> str:
    """Plain text that Markdown must not read as markup (names like ``w0[x1->h1]`` included)."""
    return _SPECIAL.sub(r"\\\1", text)


def _sentence(text: str) -> str:
    """First letter up, the rest untouched (unit names keep their case)."""
    return text[:1].upper() + text[1:]


def _code(text: str) -> str:
    """A code span that survives backticks inside ``text``."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _table(table: Table, numeric: bool = True) -> list[str]:
    def cells(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(_text(c) for c in row) + " |"

    align = "| --- |" + (" ---: |" if numeric else " --- |") * (len(table.headers) - 1)
    return [cells(table.headers), align, *(cells(row) for row in table.rows), ""]


def _matrices(stage: MatrixStage, precision: int) -> list[str]:
    """The stage's equations as the terminal lays them out, in a fenced block."""
    from bpstep.render.matrix import stage_lines

    note = [f"*{_text(stage.note)}*", ""] if stage.note else []
    body = "\n\n".join("\n".join(block.lines) for block in stage_lines(stage, precision))
    fence = "`" * max(3, max((len(r) for r in re.findall(r"`+", body)), default=0) + 1)
    return [*note, fence + "text", body, fence, ""]


def to_markdown(worked: Worked) -> str:
    """The whole document; with ``explain`` each stage also lists its formulas."""
    out = [f"# {_text(worked.title)}", "",
           f"One training step of backpropagation, worked stage by stage "
           f"(written by `bpstep export` from {_code(worked.source)}).", "",
           "## Setup", ""]
    out += _table(Table(("setting", "value"), worked.settings), numeric=False)
    for caption, table in worked.given:
        out += [f"### {_text(_sentence(caption))}", "", *_table(table)]
    for page in worked.stages:
        out += [f"## {_text(_sentence(page.heading))}", ""]
        if page.show_table:
            out += _table(page.table)
        if page.matrices is not None:
            out += _matrices(page.matrices, worked.precision)
        for f in page.formulas:
            out += [f"- {_code(f.rule)}  ", f"  {_code('= ' + f.substituted)}"]
        if page.formulas:
            out.append("")
    out += ["## Loss before and after the step", ""]
    out += _table(Table(("", "loss"), (("before", worked.loss_before), ("after", worked.loss_after),
                                       ("change", worked.loss_change))))
    return "\n".join(out).rstrip("\n") + "\n"
