"""``bpstep lessons``: each shipped scenario with its title, what it teaches and its answers files."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bpstep.lessons import Lesson


def render_lessons(lessons: list[Lesson], titles: Mapping[str, str]) -> RenderableType:
    """One row per scenario; its answers files under it, each with what it shows."""
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 1, 0))
    table.add_column("lesson", no_wrap=True, style="bold")
    table.add_column("what it teaches", overflow="fold")
    teaches = {lesson.name: lesson.teaches for lesson in lessons}
    for lesson in lessons:
        if lesson.is_answers:
            continue
        details = Text()
        details.append(titles.get(lesson.name, ""), style="bold")
        details.append(f"\n{lesson.teaches}")
        for answers in lesson.answers:
            details.append("\ncheck with: ", style="dim")
            details.append(f"bpstep verify {answers}")
            details.append(f" ({teaches[answers]})", style="dim")
        table.add_row(Text(lesson.name), details)
    how = Text(
        "A lesson's name goes wherever a file does: bpstep run gfg_sigmoid --step · "
        "bpstep verify gfg_sigmoid.article-answers · bpstep template two_hidden_layers -o "
        "answers.yaml.\nStart your own scenario from one: bpstep lessons copy gfg_sigmoid -o mine",
        style="dim")
    return Group(table, how)
