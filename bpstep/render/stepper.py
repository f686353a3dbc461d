"""``bpstep run --step``: one stage per screen, driven by single keys, for students and presenters.

Three parts, so each can be tested on its own: ``TerminalKeys`` turns raw terminal bytes into key
names (cbreak mode, arrow escape sequences, always restoring the terminal); ``Presenter`` is the
state machine that decides what a key does; ``step_through`` draws the screen and runs the loop.

Keys: Enter, space, →, ↓, PageDown or n next; ←, ↑, PageUp, b or p back; Home/g first, End/G
last; a stage number jumps (a digit jumps at once when no longer number could follow it,
otherwise type more digits or Enter); q quits. A stage taller than the terminal is paged:
PageDown/PageUp (what a clicker sends) scroll it before moving on, its heading and column heads
kept on every page, and m shows a long stage's every row instead of its summary (or says why it
cannot). The screen never outgrows the terminal: the key help takes the fullest wording that
fits on one line, after the status when both fit. With ``--auto S`` the stages advance every S
seconds; any key pauses, and while paused the movement keys move and any other key resumes.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import termios
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import TracebackType

from rich.console import Console, Group
from rich.segment import Segment
from rich.text import Text

from bpstep.render.console import make_console
from bpstep.render.screen import View, ViewMode, focus_note, stage_screen
from bpstep.render.stages import HEAD_RULE, is_summarised
from bpstep.trace import Trace

OK, INTERRUPTED = 0, 130

NEXT = frozenset({"enter", "space", "right", "down", "n", "pagedown"})
BACK = frozenset({"left", "up", "b", "p", "pageup"})
"""Page keys too: presentation clickers send PageDown / PageUp."""
FIRST = frozenset({"home", "g"})
LAST = frozenset({"end", "G"})
QUIT = frozenset({"q", "Q"})
MOVES = NEXT | BACK | FIRST | LAST

_ESCAPES = {
    "[A": "up", "[B": "down", "[C": "right", "[D": "left", "[H": "home", "[F": "end",
    "OA": "up", "OB": "down", "OC": "right", "OD": "left", "OH": "home", "OF": "end",
    "[1~": "home", "[7~": "home", "[4~": "end", "[8~": "end", "[5~": "pageup", "[6~": "pagedown",
}
_SINGLE = {"\r": "enter", "\n": "enter", " ": "space", "\x7f": "backspace", "\x08": "backspace",
           "\x04": "eof"}
ESCAPE_WAIT = 0.05
"""Seconds to wait for the rest of an escape sequence before taking a lone Esc."""
CHECK_EVERY = 0.25
"""Seconds between checks that the terminal is still in cbreak mode while waiting for a key."""


class TerminalKeys:
    """Key names read from a terminal in cbreak mode; the terminal is restored on exit, always."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._saved: list | None = None
        self._on_continue: signal.Handlers | Callable[..., object] | int | None = None
        self._on_resize: signal.Handlers | Callable[..., object] | int | None = None
        self._pending = b""
        self._resumed = False

    def __enter__(self) -> TerminalKeys:
        self._saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd, termios.TCSANOW)
        self._on_continue = signal.signal(signal.SIGCONT, self._continued)
        self._on_resize = signal.signal(signal.SIGWINCH, self._continued)
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        signal.signal(signal.SIGCONT, self._on_continue)
        signal.signal(signal.SIGWINCH, self._on_resize)
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def _continued(self, signum: int, frame: object) -> None:
        """Brought back after Ctrl-Z, or the window changed size: the screen must be redrawn."""
        self._resumed = True

    def read(self, timeout: float | None = None) -> str | None:
        """The next key name ('right', 'enter', 'q', 'eof' ...), or None when ``timeout`` passes.

        'redraw' means the screen is stale: the program was suspended (Ctrl-Z) and brought back,
        or the window was resized.
        """
        if not self._pending:
            deadline = None if timeout is None else time.monotonic() + timeout
            while not select.select([self.fd], [], [], self._slice(deadline))[0]:
                self._keep_cbreak()
                if self._resumed:
                    self._resumed = False
                    return "redraw"
                if deadline is not None and time.monotonic() >= deadline:
                    return None
            self._pending = os.read(self.fd, 64)
            if not self._pending:
                return "eof"
        return self._take()

    @staticmethod
    def _slice(deadline: float | None) -> float:
        """Wait in short slices, to notice a shell that put the terminal back into line mode."""
        if deadline is None:
            return CHECK_EVERY
        return min(CHECK_EVERY, max(0.0, deadline - time.monotonic()))

    def _keep_cbreak(self) -> None:
        """After Ctrl-Z and fg the shell restores line mode (after our SIGCONT): undo that."""
        if self._saved is not None and termios.tcgetattr(self.fd)[3] & termios.ICANON:
            tty.setcbreak(self.fd, termios.TCSANOW)

    def _more(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for more bytes; True if some came."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        data = os.read(self.fd, 64) if ready else b""
        self._pending += data
        return bool(data)

    def _take(self) -> str:
        if self._pending[:1] == b"\x1b":
            return self._escape()
        if self._pending[:2] == b"\r\n":
            self._pending = self._pending[2:]
            return "enter"
        size = _utf8_length(self._pending[0])
        while len(self._pending) < size and self._more(ESCAPE_WAIT):
            pass
        char = self._pending[:size].decode("utf-8", errors="replace")
        self._pending = self._pending[size:]
        if char == "\x03":
            raise KeyboardInterrupt
        return _SINGLE.get(char, char)

    def _escape(self) -> str:
        """An arrow or similar key from its escape sequence (ESC [ C ...), or a lone 'esc'."""
        while True:
            body = self._pending[1:].decode("ascii", errors="replace")
            if body[:1] in ("[", "O"):
                end = _sequence_end(body)
                if end:
                    self._pending = self._pending[1 + end:]
                    return _ESCAPES.get(body[:end], "unknown")
            elif body:
                break
            if not self._more(ESCAPE_WAIT):
                break
        self._pending = self._pending[1:]
        return "esc"


def _sequence_end(body: str) -> int:
    """Length of a complete CSI/SS3 sequence at the start of ``body``, 0 if it is not complete yet."""
    for i, char in enumerate(body[1:], start=1):
        if "@" <= char <= "~":
            return i + 1
    return 0


def _utf8_length(lead: int) -> int:
    return 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


@dataclass(slots=True)
class Presenter:
    """Where the lesson is and what the keys have asked for; no terminal, so it is easy to test."""

    count: int
    auto: float | None = None
    index: int = 0
    running: bool = False
    typed: str = ""
    """Digits of a stage number being typed."""
    note: str = ""
    """One-line message for the status line (cleared by the next key)."""
    done: bool = False
    offset: int = 0
    """First line of the stage shown, when it is taller than the terminal."""
    lines: int = 0
    """Lines of the current stage's screen (set when it is drawn)."""
    page: int = 1
    """Lines that fit on the terminal below the stage (set when it is drawn)."""
    whole: bool = False
    """Show long stages row by row instead of summarised (m)."""
    summarised: bool = False
    """The current stage shows its first rows and a summary (set when it is drawn)."""
    too_long: bool = False
    """The current stage has more rows than m shows one by one (set when it is drawn)."""

    def __post_init__(self) -> None:
        self.running = self.auto is not None and self.count > 1

    def press(self, key: str) -> None:
        """Do what ``key`` asks."""
        self.note = ""
        if key in QUIT:
            self.done = True
            return
        if key.isdigit() and len(key) == 1:
            self.running = False
            self._digit(key)
            return
        if self.typed:
            if key == "enter":
                self._jump(int(self.typed))
                return
            if key == "backspace":
                self.typed = self.typed[:-1]
                return
            self.typed = ""
            if key == "esc":
                return
        if self.auto is not None:
            if self.running:
                self.running = False
                self.note = "paused"
                return
            if key not in MOVES - {"space"} | {"m"}:
                self.running = True
                return
        if key == "m":
            self._whole()
            return
        if key == "pagedown" and self.offset + self.page < self.lines:
            self.offset += self.page
            return
        if key == "pageup" and self.offset > 0:
            self.offset = max(0, self.offset - self.page)
            return
        self._move(key)

    def _whole(self) -> None:
        """m: every row of a long stage, or its summary again; or why there is nothing to show."""
        if not self.whole and not self.summarised:
            self.note = "m: this stage already shows every row"
        elif not self.whole and self.too_long:
            self.note = (f"this stage has more than {WHOLE_ROWS} rows, too many to show one by "
                         "one; --json has every value")
        else:
            self.whole = not self.whole
            self.offset = 0

    def tick(self) -> None:
        """The ``--auto`` timer ran out: next stage, and stop at the last one."""
        if self.index < self.count - 1:
            self._go(self.index + 1)
        if self.index == self.count - 1:
            self.running = False
            self.note = "end of the step"

    def _go(self, index: int) -> None:
        self.index, self.offset = index, 0

    def _move(self, key: str) -> None:
        if key in NEXT:
            if self.index == self.count - 1:
                self.note = "this is the last stage: the step is done"
            else:
                self._go(self.index + 1)
        elif key in BACK:
            if self.index == 0:
                self.note = "this is the first stage"
            else:
                self._go(self.index - 1)
        elif key in FIRST:
            self._go(0)
        elif key in LAST:
            self._go(self.count - 1)
        elif key != "esc":
            self.note = f"no action for {key!r}"

    def _digit(self, digit: str) -> None:
        """Jump once no longer stage number can start with the digits typed; else wait for more."""
        typed = self.typed + digit
        if int(typed) * 10 > self.count or len(typed) >= len(str(self.count)):
            self._jump(int(typed))
        else:
            self.typed = typed

    def _jump(self, number: int) -> None:
        self.typed = ""
        if 1 <= number <= self.count:
            self._go(number - 1)
        else:
            self.note = f"there is no stage {number}: stages are 1 to {self.count}"

    def status(self) -> str:
        """The status line: what is being typed, a note, or the play state."""
        if self.typed:
            return f"go to stage {self.typed}_  (Enter to go, Esc to cancel)"
        if self.note:
            return self.note
        if self.lines > self.page:
            last = min(self.lines, self.offset + self.page)
            m = (" · m summary" if self.whole else
                 " · m whole stage" if self.summarised and not self.too_long else "")
            return f"lines {self.offset + 1}–{last} of {self.lines} · PgDn/PgUp page{m}"
        if self.auto is not None:
            return f"playing: next stage in {self.auto:g} s" if self.running else "paused"
        return ""

    def help(self, width: int = 200) -> str:
        """One line of key help for the mode (playing, paused, at the last stage, stepping): the
        fullest wording that fits ``width``; "q quit" always ends it."""
        plus = "" if self.count < 10 else " (+Enter)"
        numbers = (f"1–{self.count}{plus} go to stage", f"1–{self.count} stage")
        if self.running:
            moves = ("any key pauses · → ← move", "any key pauses")
        elif self.auto is not None and self.index < self.count - 1:
            moves = ("space resumes · → ← move", "space resumes")
        elif self.index == self.count - 1:
            moves = ("← b back", "← back")
        else:
            moves = ("→ Enter space next · ← b back", "→ next · ← back")
        wordings = [f"{moves[0]} · {numbers[0]} · q quit", f"{moves[1]} · {numbers[1]} · q quit",
                    f"{moves[1]} · q quit", "q quit"]
        return next((w for w in wordings if len(w) <= width), wordings[-1])

    def footer(self, width: int) -> tuple[str, str, str]:
        """The foot of the screen: a status line above the keys, a status that leads the key
        line, and the key help. The status leads when both fit ``width``, else it goes above,
        cut to fit, so no line wraps."""
        status, keys = self.status(), self.help(width)
        if not status:
            return "", "", keys
        if len(status) + len(FOOTER_JOIN) + len(keys) <= width:
            return "", status + FOOTER_JOIN, keys
        return _cut(status, width), "", keys


FOOTER_JOIN = " · "
STATUS_STYLE = "bold magenta"
FOOTER_LINES = 2
"""Lines kept free at the foot of every screen: the status and the key help."""


def _cut(text: str, width: int) -> str:
    """``text`` on one line of ``width``: cut with an ellipsis when longer."""
    return text if len(text) <= width else text[:max(0, width - 1)] + "…"


KeyReader = Callable[[float | None], str | None]


def step_through(console: Console, trace: Trace, view: View | None = None, *,
                 auto: float | None = None, read_key: KeyReader | None = None) -> int:
    """Show the stages one at a time until q or end of input (0), or Ctrl-C (130).

    ``read_key(timeout)`` gives key names; by default they come from standard input in cbreak mode.
    """
    view = view or View()
    presenter = Presenter(len(trace.stages), auto)
    try:
        if read_key is not None:
            return _loop(console, trace, view, presenter, read_key)
        with TerminalKeys(sys.stdin.fileno()) as keys, _AlternateScreen(console):
            return _loop(console, trace, view, presenter, keys.read)
    except KeyboardInterrupt:
        make_console(stderr=True).print("bpstep: interrupted", markup=False)
        return INTERRUPTED


class _AlternateScreen:
    """The stages are drawn on the terminal's alternate screen, which is left on every exit, so
    the shell's screen comes back as it was."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def __enter__(self) -> _AlternateScreen:
        self.console.file.write("\x1b[?1049h\x1b[?25l")
        self.console.file.flush()
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.console.file.write("\x1b[?25h\x1b[?1049l")
        self.console.file.flush()


def _loop(console: Console, trace: Trace, view: View, presenter: Presenter,
          read_key: KeyReader) -> int:
    deadline = _draw(console, trace, view, presenter)
    while True:
        timeout = max(0.0, deadline - time.monotonic()) if presenter.running else None
        key = read_key(timeout)
        if key is None:
            if presenter.running:
                presenter.tick()
        elif key == "eof":
            return OK
        elif key != "redraw":
            presenter.press(key)
        if presenter.done:
            return OK
        deadline = _draw(console, trace, view, presenter)


def _draw(console: Console, trace: Trace, view: View, presenter: Presenter) -> float:
    """Redraw the whole screen; returns when the ``--auto`` timer should next fire.

    The screen is never taller than the terminal, so nothing scrolls the stage's heading away:
    a long stage is paged, with its heading and the table's column heads kept on every page."""
    index = presenter.index
    shown = replace(view, max_rows=WHOLE_ROWS) if presenter.whole else view
    parts = [stage_screen(trace, index, shown, width=console.width)]
    if view.focus is not None:
        parts.append(Text(focus_note(view.focus), style="dim"))
    table = view.mode != ViewMode.MATRIX
    presenter.summarised = is_summarised(trace, index, explain=view.explain, focus=view.focus,
                                         max_rows=view.max_rows, table=table)
    presenter.too_long = is_summarised(trace, index, explain=view.explain, focus=view.focus,
                                       max_rows=WHOLE_ROWS, table=table)
    lines = console.render_lines(Group(*parts), pad=False)
    room = max(1, console.height - FOOTER_LINES)
    kept = _kept_on_every_page(lines, f"stage {index + 1} of {len(trace.stages)}")
    kept = kept if len(lines) > room and kept < room else 0
    presenter.lines = len(lines) - kept
    presenter.page = room - kept
    presenter.offset = min(presenter.offset, max(0, presenter.lines - presenter.page))
    page = lines[:kept] + lines[kept + presenter.offset:kept + presenter.offset + presenter.page]
    above, lead, keys = presenter.footer(console.width)
    with console.capture() as frame:
        for line in page:
            console.print(Text.assemble(*((text, style) for text, style, _ in line)), end="\n",
                          no_wrap=True, crop=True)
        if above:
            console.print(Text(above, style=STATUS_STYLE), no_wrap=True, crop=True)
        # No newline after the last line: on the terminal's bottom row it would scroll the screen.
        console.print(Text.assemble((lead, STATUS_STYLE), (keys, "dim")), end="", no_wrap=True,
                      crop=True)
    # One write per frame, home and clear included, so the screen is never seen blank.
    console.file.write(CLEAR + frame.get())
    console.file.flush()
    return time.monotonic() + (presenter.auto or 0.0)


def _kept_on_every_page(lines: list[list[Segment]], heading: str) -> int:
    """How many lines at the top stay on every page of a long stage: down to the stage's
    heading (``stage 3 of 8``), and on to the rule under the table's column heads when a
    table follows (heading and heads may each take several lines on a narrow terminal)."""
    texts = ["".join(segment.text for segment in line).strip() for line in lines]
    top = next((i + 1 for i, text in enumerate(texts[:4]) if text.startswith(heading)), 0)
    rule = next((i + 1 for i, text in enumerate(texts[top:top + 8], start=top)
                 if text and set(text) == {HEAD_RULE}), None)
    return rule or top


WHOLE_ROWS = 2000
"""With m, stages of up to this many rows are shown row by row (bigger ones stay summarised)."""
CLEAR = "\x1b[H\x1b[2J\x1b[3J"
"""Cursor home, clear the screen and its scroll-back."""
