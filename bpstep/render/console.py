"""The one place that decides how output looks on this terminal: colour, width, plain text."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from rich.console import Console
from rich.segment import Segment

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069"
                    "\ufeff\ud800-\udfff]")
"""Characters that must not reach a terminal raw: control codes (an ESC can clear the screen or set
the window title), invisible and direction-changing marks, and lone surrogates (which cannot be
encoded). Newline and tab are kept."""


def printable(text: str) -> str:
    """``text`` with every UNSAFE character written as its escape: ESC becomes ``\\x1b``, and a
    byte of a file name that is not UTF-8 (0x9b, held by Python as the surrogate U+DC9B) ``\\x9b``."""
    return UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
