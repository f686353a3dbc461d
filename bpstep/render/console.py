"""The one place that decides how output looks on this terminal: colour, width, plain text."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TextIO

from rich.console import Console
from rich.segment import Segment

from bpstep.escaping import UNSAFE, printable


class SafeConsole(Console):
    """A rich Console that escapes UNSAFE characters in everything it writes, in one place.

    Text from files (titles, unit and layer names, answers keys) reaches the terminal in tables,
    headings and error messages alike; escaping the rendered segments catches all of them. The
    console's own control sequences (cursor, alternate screen) and styles are left as they are.
    """

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            segment if segment.control or not UNSAFE.search(segment.text)
            else Segment(printable(segment.text), segment.style, segment.control)
            for segment in buffer)


def make_console(stream: TextIO | None = None, *, stderr: bool = False) -> Console:
    """A console for stdout (or stderr) that is plain when piped and colourless with NO_COLOR.

    Rich already honours NO_COLOR and TERM=dumb; when the stream is not a terminal we also drop
    the markup highlighting and emoji so piped output is plain, readable text.
    """
    target = stream or (sys.stderr if stderr else sys.stdout)
    is_tty = target.isatty()
    no_color = "NO_COLOR" in os.environ or not is_tty
    return SafeConsole(
        file=target,
        no_color=no_color,
        # NO_COLOR on a terminal drops colour, not bold or reverse: new values still stand out.
        color_system="auto" if is_tty else None,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        width=None if is_tty else _piped_width(),
    )


def _piped_width() -> int:
    """Width for piped output: $COLUMNS when set, else wide enough for formulas."""
    try:
        return max(40, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 120
