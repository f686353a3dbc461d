"""Marked worksheets and single-quantity explanations for people (scripts get ``export.json``)."""

from __future__ import annotations

import textwrap

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from bpstep.answers import call_names, describe, describe_given
from bpstep.numbers import DEFAULT_PRECISION, fmt
from bpstep.trace import Network, Quantity, Trace
from bpstep.verify import NOT_ATTEMPTED, TO_FIX, TOO_COARSE, MarkedFile, Report, Verdict

VERDICT_STYLES = {"correct": "green", "rounding": "green", "carried": "yellow",
                  "too coarse": "magenta", "rounded too early": "yellow", "wrong": "bold red",
                  "not attempted": "dim"}


def render_report(report: Report, *, precision: int = DEFAULT_PRECISION, reveal: bool = True,
                  everything: bool = False, explain_command: str | None = None) -> RenderableType:
    """The marking table in stage order, then the summary line (and where to look next).

    Only attempted answers are listed unless ``everything``; the summary counts them all.
    """
    rows = [v for v in report if everything or v.verdict != NOT_ATTEMPTED]
    parts: list[RenderableType] = []
    if rows:
        parts += [MarkingTable(rows, precision=precision, reveal=reveal), Text("")]
    elif not everything:
        parts.append(Text("(no answers given: every value is null or missing)", style="dim"))
    parts.append(Text(report.summary(), style="bold"))
    if report.floor is not None and any(v.verdict == TOO_COARSE for v in report):
        parts.append(Text(f"An answer needs at least {report.floor.words}, unless it is exactly "
                          "the value.", style="dim"))
    first_wrong = next((v.name for v in report if v.verdict in TO_FIX), None)
    if first_wrong and explain_command:
        parts.append(Text(f"See how a value is computed: {explain_command} '{first_wrong}'",
                          style="dim"))
    return Group(*parts)


def print_marked(console: Console, marked: MarkedFile, *, precision: int, reveal: bool,
                 everything: bool) -> None:
    """``bpstep verify FILE``'s page: the scenario's title, the answers file marked (as the user
    may type it again), its marking, and the command that explains a first mistake."""
    from bpstep.lessons import display

    worksheet = marked.worksheet
    if worksheet.scenario.title:
        console.print(worksheet.scenario.title, style="bold underline", markup=False)
    console.print(f"answers: {display(worksheet.answers_path)}", style="dim", markup=False)
    console.print(render_report(marked.report, precision=precision, reveal=reveal,
                                everything=everything,
                                explain_command=f"bpstep explain {display(worksheet.scenario_path)}"))


class MarkingTable:
    """Verdict rows as aligned text columns, stages separated by a blank line.

    Laid out by hand rather than as a rich ``Table``: a worksheet of 500 answers renders in tens
    of milliseconds instead of seconds. Hints wrap within the console width.
    """

    def __init__(self, rows: list[Verdict], *, precision: int, reveal: bool) -> None:
        self.rows, self.precision, self.reveal = rows, precision, reveal

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        headers = ["stage", "quantity", "yours", *(["correct"] if self.reveal else []), "verdict"]
        cells = [[str(v.stage + 1), v.name, v.written or "—",
                  *([fmt(v.expected, self.precision)] if self.reveal else []), v.verdict]
                 for v in self.rows]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
        right = {0, 2, 3} if self.reveal else {0, 2}
        indent = sum(widths) + 2 * len(widths)
        width = options.max_width
        if indent > width:
            yield from self._stacked(headers, cells, width)
            return
        beside = width - indent >= HINT_ROOM
        room = width - indent if beside else width - UNDER

        def line(values: list[str], styles: list[str]) -> Text:
            out = Text()
            for i, (value, style) in enumerate(zip(values, styles, strict=True)):
                out.append(value.rjust(widths[i]) if i in right else value.ljust(widths[i]), style)
                out.append("  ")
            return out

        text = Text(no_wrap=True, overflow="ignore")
        text.append_text(line(headers, ["bold"] * len(headers)))
        text.append("hint\n" if beside else "\n", "bold")
        longest = max(4, *(len(v.hint or "") for v in self.rows))
        text.append("━" * (indent + min(room, longest) if beside else min(width, indent)) + "\n")
        for i, (v, row) in enumerate(zip(self.rows, cells, strict=True)):
            first = i == 0 or self.rows[i - 1].stage != v.stage
            if first and i:
                text.append("\n")
            shown = row if first else ["", *row[1:]]
            styles = ["dim", "cyan", "" if v.written else "dim", *([""] if self.reveal else []),
                      VERDICT_STYLES[v.verdict]]
            text.append_text(line(shown, styles))
            hint = textwrap.wrap(v.hint, room) if v.hint else []
            if beside:
                text.append((hint[0] if hint else "") + "\n")
                hint = hint[1:]
            else:
                text.append("\n")
            for more in hint:
                text.append(" " * (indent if beside else UNDER) + more + "\n", "" if beside else "dim")
        text.rstrip()
        yield _strip_line_ends(text)


    def _stacked(self, headers: list[str], cells: list[list[str]], width: int) -> RenderResult:
        """Too narrow for columns: one line per answer (``name: yours → correct  verdict``),
        its hint wrapped under it; long lines wrap, nothing is cut."""
        text = Text()
        for i, (v, row) in enumerate(zip(self.rows, cells, strict=True)):
            if i == 0 or self.rows[i - 1].stage != v.stage:
                text.append(("\n" if i else "") + f"stage {row[0]}\n", "bold")
            text.append(f"  {row[1]}", "cyan")
            text.append(f": {row[2]}" + (f" → {row[3]}" if self.reveal else "") + "  ")
            text.append(row[-1] + "\n", VERDICT_STYLES[v.verdict])
            for more in textwrap.wrap(v.hint or "", max(12, width - UNDER)):
                text.append(" " * UNDER + more + "\n", "dim")
        text.rstrip()
        yield text


HINT_ROOM = 24
"""Columns a hint needs beside the table; with less it goes under its row."""
UNDER = 6
"""Indent of a hint written under its row."""


def _strip_line_ends(text: Text) -> Text:
    """The same text without spaces before line ends (padding of empty hint cells)."""
    lines = text.split("\n")
    for line in lines:
        line.rstrip()
    return Text("\n", no_wrap=True, overflow="ignore").join(lines)


# --- bpstep explain ---

KIND_RULES = {
    "a": "net input: the weighted sum of what flows in, a_j = Σ_i w_ij·y_i (+ b_j)",
    "a_after": "net input with the updated parameters, a_j = Σ_i w_ij·y_i (+ b_j)",
    "y": "output: the activation applied to the net input, y_j = f(a_j)",
    "y_after": "output with the updated parameters, y_j = f(a_j)",
    "w": "new weight: old weight plus its change, w_ij = w0_ij + Δw_ij",
    "b": "new bias: old bias plus its change, b_j = b0_j + Δb_j",
    "loss_after": "the same loss, with the outputs after the update",
}
CONVENTION_RULES = {
    "delta_rule": {
        "delta_out": "chain rule at an output unit: δ_j = −∂E/∂a_j = −∂E/∂y_j · f′(a_j) "
                     "(delta rule: δ points downhill)",
        "delta_hidden": "chain rule through the next layer: δ_j = f′(a_j) · Σ_k w0_jk·δ_k "
                        "(a_j reaches the loss only through the units it feeds)",
        "dw": "delta rule: Δw_ij = η·δ_j·y_i, since ∂E/∂w_ij = ∂E/∂a_j · ∂a_j/∂w_ij = −δ_j·y_i",
        "db": "delta rule: Δb_j = η·δ_j, since ∂a_j/∂b_j = 1",
    },
    "gradient": {
        "delta_out": "chain rule at an output unit: δ_j = ∂E/∂a_j = ∂E/∂y_j · f′(a_j) "
                     "(gradient convention: δ points uphill)",
        "delta_hidden": "chain rule through the next layer: δ_j = f′(a_j) · Σ_k w0_jk·δ_k "
                        "(a_j reaches the loss only through the units it feeds)",
        "dw": "gradient descent: Δw_ij = −η·δ_j·y_i, since ∂E/∂w_ij = δ_j·y_i",
        "db": "gradient descent: Δb_j = −η·δ_j, since ∂E/∂b_j = δ_j",
    },
}


def _rule(q: Quantity, network: Network) -> str:
    rules = CONVENTION_RULES[network.convention]
    if q.kind == "delta":
        return rules["delta_out" if q.unit in network.units[-1] else "delta_hidden"]
    if q.kind in ("dw", "db"):
        return rules[q.kind]
    if q.kind == "loss":
        loss = network.loss
        return f"{loss.name}: {loss.formula}" + (" (summed over samples)" if q.unit is None
                                                  and network.samples > 1 else "")
    return KIND_RULES.get(q.kind, "")


def render_explanation(trace: Trace, name: str, *,
                       precision: int = DEFAULT_PRECISION, command: str = "bpstep explain",
                       graph_command: str | None = None) -> RenderableType:
    """How one quantity is computed: the rule, its numbers, and the quantities it comes from.

    ``name`` must be a computed or a given quantity of ``trace``.
    """
    if name not in trace:
        return Text(f"{name} = {fmt(trace.given[name], precision)} is given by the scenario "
                    f"({describe_given(name)}); it is not computed.")
    q = trace[name]
    activations = call_names(trace.network)
    outputs = trace.network.units[-1]
    index = trace.stage_of(name)
    heading = Text(f"{name} · stage {index + 1} of {len(trace.stages)} · "
                   f"{trace.stages[index].title}", style="bold")
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column()
    facts.add_row("what it is", Text(describe(q, activations, outputs).split(": ", 1)[0]))
    rule = _rule(q, trace.network)
    if rule:
        facts.add_row("rule", Text(rule))
    facts.add_row("in names", Text(q.formula))
    facts.add_row("in numbers", Text("= " + q.substituted(lambda v: fmt(v, precision))))
    sources = Table(box=box.SIMPLE_HEAVY, show_edge=False, pad_edge=False)
    sources.add_column("comes from", style="cyan", no_wrap=True)
    sources.add_column("value", justify="right", no_wrap=True)
    sources.add_column("what it is")
    computed = []
    for source in dict.fromkeys(q.inputs):
        if source in trace:
            computed.append(source)
            earlier = trace[source]
            what = (f"{describe(earlier, activations, outputs).split(': ', 1)[0]} "
                    f"(stage {trace.stage_of(source) + 1})")
        else:
            what = f"given: {describe_given(source)}"
        sources.add_row(Text(source), Text(fmt(trace.value_of(source), precision)), Text(what))
    parts: list[RenderableType] = [heading, facts, Text(""), sources]
    if computed:
        parts += [Text(""), Text(f"Go one step back: {command} '{computed[-1]}'", style="dim")]
    if graph_command:
        parts.append(Text(f"See it as a computational graph: {graph_command} '{name}'", style="dim"))
    return Group(*parts)
