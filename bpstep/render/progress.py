"""A progress bar for long runs (a class of variants, its files), on a terminal only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

SHOWN_FROM = 200
"""Fewer items than this are done before a bar would be worth drawing."""


@contextmanager
def progress_bar(console: Console, total: int, what: str) -> Iterator[Callable[[int], None]]:
    """A transient bar counting ``total`` items on ``console`` when it is a terminal (stderr, so
    piped output stays clean) and the run is long; elsewhere a callback that does nothing."""
    if not console.is_terminal or total < SHOWN_FROM:
        yield lambda done: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(what, total=total)
        shown = 0

        def tick(done: int) -> None:
            nonlocal shown
            if done - shown >= total // 100 or done == total:  # a hundred updates at most
                progress.update(task, completed=done)
                shown = done

        yield tick
