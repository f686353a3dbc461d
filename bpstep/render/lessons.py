"""``bpstep lessons``: each shipped scenario with its title, what it teaches and its answers files."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from rich.text import Text

from bpstep.lessons import Lesson

HOW = ("A lesson's name goes wherever a file does: bpstep run gfg_sigmoid --step · bpstep verify "
       "gfg_sigmoid.article-answers · bpstep template two_hidden_layers -o answers.yaml.")
COPY = "Start your own scenario from one: bpstep lessons copy gfg_sigmoid -o mine"


def render_lessons(lessons: list[Lesson], titles: Mapping[str, str], width: int) -> Text:
    """A block per scenario: name and title, then (indented, wrapped to ``width``, no trailing
    spaces) what it teaches and the answers files that check it."""
    scenarios = [lesson for lesson in lessons if not lesson.is_answers]
    teaches = {lesson.name: lesson.teaches for lesson in lessons}
    column = max(len(lesson.name) for lesson in scenarios) + 2
    indent = " " * (column if width - column >= 40 else 4)
    out = Text()
    for lesson in scenarios:
        title = titles.get(lesson.name, "")
        if len(indent) == column:
            heading = textwrap.fill(f"{lesson.name:<{column}}{title}", width, subsequent_indent=indent)
        else:
            heading = lesson.name + "\n" + textwrap.fill(title, width, initial_indent=indent,
                                                         subsequent_indent=indent)
        out.append(heading, style="bold")
        for line in [lesson.teaches, *(f"check with: bpstep verify {a} ({teaches[a]})"
                                       for a in lesson.answers)]:
            out.append("\n" + textwrap.fill(line, width, initial_indent=indent,
                                            subsequent_indent=indent + "  ", break_on_hyphens=False))
        out.append("\n\n")
    for line in (HOW, COPY):
        out.append(textwrap.fill(line, width, break_on_hyphens=False) + "\n", style="dim")
    out.rstrip()
    return out
