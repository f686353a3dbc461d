"""``bpstep practice`` on the terminal: the questions, the marks and hints, the summary; the loop
that reads one line per answer (with line editing at a terminal, one line each from a pipe).

Keys: a number answers, ``?`` asks for the next hint, Ctrl-D (or an empty line from a pipe)
skips the value, Ctrl-C stops; end of piped input ends the walk. The session state lives in
``bpstep.practice``; nothing here marks or computes.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from typing import TextIO

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bpstep.answers import call_names, describe
from bpstep.enums import StrEnum
from bpstep.escaping import printable
from bpstep.numbers import DEFAULT_PRECISION, fmt
from bpstep.practice import HINT_RUNGS, Event, Feedback, Outcome, Practice, Session
from bpstep.render.stages import stage_heading
from bpstep.trace import UPDATE_KINDS, Kind, Quantity, edge_name, unit_name
from bpstep.verify import CARRIED, ROUNDING, Report

MAX_LINE = 1000
"""Characters of one piped line read; the rest of a longer line is skipped, never kept."""
HINT_KEY = "?"
STYLES = {Event.ACCEPTED: "green", Event.TRY_AGAIN: "bold red", Event.SHOWN: "bold red",
          Event.NOT_A_NUMBER: "yellow", Event.HINT: "cyan", Event.REVEALED: "yellow",
          Event.SKIPPED: "dim"}
ACCEPTED_WORDS = {ROUNDING: "within rounding", CARRIED: "carried forward"}
SUMMARY_COLUMNS = (Outcome.FIRST_TIME, Outcome.RETRIED, Outcome.HINTED, Outcome.REVEALED,
                   Outcome.WRONG, Outcome.SKIPPED, Outcome.NOT_REACHED)
ALWAYS_SHOWN = frozenset({Outcome.FIRST_TIME, Outcome.HINTED, Outcome.REVEALED})
MOST_ROWS, MOST_COLUMNS, MOST_TEXT = 12, 8, 600
"""A weight matrix larger than this, or inputs longer than this text, is not printed whole
before the first question (a 784-input network would fill the screen)."""
"""Summary columns shown even when 0; the others appear when they happened."""


class Key(StrEnum):
    """Lines that are not text: a skip (Ctrl-D, or an empty piped line) and the end of input."""

    SKIP = "skip"
    END = "end"


class Ending(StrEnum):
    """How the walk stopped."""

    DONE = "done"
    END_OF_INPUT = "end of input"
    INTERRUPTED = "interrupted"


Reader = Callable[[str], "str | Key"]
"""Shows a prompt and returns the line typed (without its newline), or a Key."""


def terminal_reader() -> Reader:
    """``input()`` with line editing and history (readline); Ctrl-D skips the value."""
    import readline  # noqa: F401  (importing it gives input() editing keys and history)

    def read(prompt: str) -> str | Key:
        try:
            return input(prompt)
        except EOFError:
            print()
            return Key.SKIP

    return read


def piped_reader(stream: TextIO, console: Console) -> Reader:
    """One answer per line from a pipe or file, echoed after its prompt so the record reads as a
    session; an empty line skips, the end of input ends the walk."""

    def read(prompt: str) -> str | Key:
        line = stream.readline(MAX_LINE)
        if not line:
            console.print(Text(prompt + "(end of input)", style="dim"))
            return Key.END
        rest = line
        while not rest.endswith("\n") and rest:
            rest = stream.readline(MAX_LINE)
        text = line.strip()
        console.print(Text(prompt) + Text(printable(text), style="bold"))
        return text or Key.SKIP

    return read


def prompt(q: Quantity) -> str:
    return f"{q.name} = ? "


def meaning(session: Session, q: Quantity) -> str:
    """What ``q`` is, without its rule (that is the first hint), and the activation of its unit:
    ``δ of h1 (hidden unit) · sigmoid``."""
    network = session.trace.network
    text = describe(q, call_names(network), network.units[-1])
    # Unit names hold no spaces, so the first ": " ends the meaning and starts the rule.
    what = text.split(": ", 1)[0]
    if q.kind not in UPDATE_KINDS and q.unit is not None:
        k = next(k for k, units in enumerate(network.units) if q.unit in units)
        what += f" · {network.activations[k - 1].name}"
    return what if q.sample is None else f"{what} · sample {q.sample}"


def problem(session: Session) -> RenderableType:
    """The exercise before its first question: the network and its activations, the loss and
    the rule of the update, η, the inputs and targets, and every starting weight and bias."""
    network, given = session.trace.network, session.trace.given
    layers = " → ".join(_units(units) + (f" ({network.activations[k - 1].name})" if k else "")
                        for k, units in enumerate(network.units))
    update = ("delta rule: δ = −∂E/∂a, w ← w0 + η·δ·y" if network.delta_rule
              else "gradient convention: δ = ∂E/∂a, w ← w0 − η·δ·y")
    lines = [f"network: {layers}", f"loss: {network.loss.formula}  ·  {update}",
             f"learning rate η = {fmt(given['lr'])}"
             + (f"  ·  momentum α = {fmt(given['momentum'])}" if "momentum" in given else "")]
    several = network.samples > 1
    for n in range(1, network.samples + 1):
        tag = n if several else None
        sample = f"sample {n}: " if several else ""
        x, t = network.units[0], network.units[-1]
        ins = ", ".join(f"{u} = {fmt(given[unit_name(Kind.Y, u, tag)])}" for u in x)
        outs = ", ".join(f"{u} = {fmt(given[unit_name(Kind.T, u, tag)])}" for u in t)
        lines.append(f"{sample}inputs {ins}  ·  targets {outs}" if len(ins) < MOST_TEXT else
                     f"{sample}{len(x)} inputs, {len(t)} targets (bpstep run shows them)")
    parts: list[RenderableType] = [Text("the problem", style="bold"),
                                   *(Hanging(Text("  " + line)) for line in lines)]
    for k in range(1, len(network.units)):
        sources, targets = network.units[k - 1], network.units[k]
        if len(sources) > MOST_ROWS or len(targets) > MOST_COLUMNS:
            parts.append(Hanging(Text(f"  starting weights into layer {k}: {len(sources)} × "
                                      f"{len(targets)} (bpstep run shows them)")))
            continue
        parts.append(Hanging(Text(f"  starting weights into {', '.join(targets)} (a row for "
                                  "each unit they come from)")))
        grid = Table(box=None, show_edge=False, pad_edge=False, header_style="dim")
        grid.add_column("")
        for unit in targets:
            grid.add_column(printable(unit), justify="right")
        for source in sources:
            grid.add_row(printable(source), *(fmt(given[edge_name(Kind.W0, source, unit)])
                                              for unit in targets))
        if network.biases:
            grid.add_row("bias", *(fmt(given[unit_name(Kind.B0, unit)]) for unit in targets),
                         style="dim")
        parts.append(Padding(grid, (0, 0, 0, 4), expand=False))
    return Group(*parts)


def _units(units: tuple[str, ...]) -> str:
    """A layer's units, or the first and last of a large one: ``p0, p1 … p783 (784 units)``."""
    if len(units) <= MOST_COLUMNS:
        return ", ".join(units)
    return f"{units[0]}, {units[1]} … {units[-1]} ({len(units)} units)"


def question(session: Session, q: Quantity) -> RenderableType:
    """The quantity's meaning and the values it needs, as the student has them (a comma between
    them: a middle dot would read as a product)."""
    known = ", ".join(f"{name} = {value}" for name, value in session.known(q))
    return _Question(Text(f"{q.name}: ", style="bold") + Text(meaning(session, q)), known)


class _Question:
    """The question's first line, then what it needs wrapped under a two-space indent, with no
    padding at the line ends (piped output stays clean)."""

    def __init__(self, head: Text, known: str) -> None:
        self.head, self.known = head, known

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.head
        if self.known:
            for line in textwrap.wrap("from " + self.known, max(20, options.max_width - 2)):
                yield Text("  " + line, style="dim")


def feedback(fb: Feedback, precision: int = DEFAULT_PRECISION, *, piped: bool = False) -> Text:
    """One line answering what was typed."""
    q, v = fb.quantity, fb.verdict
    value = f"{q.name} = {fmt(q.value, precision)}"
    if fb.event == Event.ACCEPTED and v is not None:
        word = ACCEPTED_WORDS.get(v.verdict)
        text = f"✓ {word}: {v.hint}" if word and v.hint else f"✓ {word or 'correct'}"
    elif fb.event in (Event.TRY_AGAIN, Event.SHOWN) and v is not None:
        text = f"✗ {v.verdict}" + (f": {v.hint}" if v.hint else "")
        if fb.event == Event.TRY_AGAIN:
            tries = f"{fb.tries_left} tr{'y' if fb.tries_left == 1 else 'ies'} left"
            text += f" · try again ({tries}; {HINT_KEY} for a hint)"
        else:
            text += f" · it is {value}; going on with that"
    elif fb.event == Event.NOT_A_NUMBER:
        skip = "an empty line" if piped else "Ctrl-D"
        text = f"type a number (like 0.5523), {HINT_KEY} for a hint, or {skip} to skip"
    elif fb.event == Event.HINT:
        text = f"hint {fb.rung} of {HINT_RUNGS}: {fb.hint}"
    elif fb.event == Event.REVEALED:
        text = f"revealed: {value} (not counted as right)"
        if fb.own is not None:
            yours = ", ".join(f"{n} = {text}" for n, text in fb.because)
            why = ("an earlier value of yours that was off, carried" if fb.carried else
                   "your numbers as rounded; the value is worked from every digit")
            text += f"; the numbers of hint 2 give {fmt(fb.own, precision)}, from your {yours} ({why})"
    else:
        text = f"skipped: {value}"
    if fb.comma is not None and v is not None:
        text += f" · {printable(fb.comma)} read as {v.written} (a decimal comma)"
    return Text("  " + text, style=STYLES[fb.event])


class Hanging:
    """A one-style line wrapped to the width, its continuation lines indented under it (rich
    would start them at the margin), with no trailing spaces when piped."""

    def __init__(self, line: Text, indent: str = "    ") -> None:
        self.line, self.indent = line, indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(textwrap.fill(self.line.plain, width=max(options.max_width, 40),
                                 subsequent_indent=self.indent, break_on_hyphens=False),
                   style=self.line.style)


def say(console: Console, line: Text) -> None:
    console.print(Hanging(line))


def intro(session: Session, tries: int, *, piped: bool) -> Hanging:
    """How many values, and the keys."""
    count = len(session.names)
    skip = "an empty line skips" if piped else "Ctrl-D skips"
    return Hanging(Text(f"{count} value{'s' * (count != 1)} to work out, in order. Type each number with "
                f"the digits you worked with; {HINT_KEY} for a hint ({HINT_RUNGS} times shows the "
                f"value), {tries} tr{'y' if tries == 1 else 'ies'} each, {skip}, Ctrl-C stops.",
                style="dim"), indent="")


def practise(console: Console, session: Session, read: Reader, *,
             precision: int = DEFAULT_PRECISION, piped: bool = False) -> Ending:
    """Ask every value of the session in turn until done, the input ends, or Ctrl-C."""
    shown_stage: int | None = None
    try:
        while not session.done:
            q = session.current
            stage = session.trace.stage_of(q.name)
            if stage != shown_stage:
                console.print(Text("\n" + stage_heading(session.trace, stage), style="bold"))
                shown_stage = stage
            console.print(question(session, q))
            while True:
                line = read(prompt(q))
                if line == Key.END:
                    return Ending.END_OF_INPUT
                if line == Key.SKIP:
                    fb = session.skip()
                elif not line.strip():
                    continue
                elif line.strip() == HINT_KEY:
                    fb = session.hint()
                else:
                    fb = session.submit(line)
                say(console, feedback(fb, precision, piped=piped))
                if fb.advances:
                    break
    except KeyboardInterrupt:
        session.stop()
        console.print(Text("\nstopped (Ctrl-C)", style="dim"))
        return Ending.INTERRUPTED
    return Ending.DONE


def practise_page(console: Console, practice: Practice, *, precision: int) -> tuple[Ending, Report]:
    """``bpstep practice`` from start to summary: the problem, then every value asked in turn,
    read from the terminal or one line each from piped stdin; how it ended, and its marking."""
    session = practice.session
    piped = not sys.stdin.isatty()
    console.print(practice.scenario.title or str(practice.source), style="bold underline",
                  markup=False)
    if practice.made_with is not None:
        console.print(f"made with: {practice.made_with}", style="dim", markup=False)
    console.print(problem(session))
    console.print(intro(session, session.tries, piped=piped))
    read = piped_reader(sys.stdin, console) if piped else terminal_reader()
    ending = practise(console, session, read, precision=precision, piped=piped)
    report = session.report()
    console.print(render_summary(session, report))
    return ending, report


def render_summary(session: Session, report: Report) -> RenderableType:
    """Per stage how each value was reached, the mistakes made, and verify's marking of it all."""
    counts = session.stage_counts()
    columns = [c for c in SUMMARY_COLUMNS
               if c in ALWAYS_SHOWN or any(row[c] for row in counts.values())]
    table = Table(box=None, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("stage", justify="right")
    table.add_column("asked", justify="right")
    for c in columns:
        table.add_column(str(c), justify="right")
    for stage in sorted(counts):
        row = counts[stage]
        table.add_row(str(stage + 1), str(sum(row.values())), *(str(row[c]) for c in columns))
    totals = {c: sum(row[c] for row in counts.values()) for c in columns}
    table.add_row("all", str(len(session.names)), *(str(totals[c]) for c in columns),
                  style="bold")
    parts: list[RenderableType] = [Text("\nsummary", style="bold underline"), table]
    mistakes = list(session.mistakes())
    if mistakes:
        parts.append(Text(f"\nmistakes ({len(mistakes)})", style="bold"))
        parts += [Hanging(Text(f"  {v.name} = {v.written}: "
                               f"{v.hint or 'no known mistake gives this'}")) for v in mistakes]
    parts.append(Text(f"\nmarked as bpstep verify marks it: {report.summary()}", style="bold"))
    return Group(*parts)
