"""Marked worksheets and single-quantity explanations, for people (rich) and scripts (JSON)."""

from __future__ import annotations

import difflib
import json
import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from bpstep.answers import describe, describe_given
from bpstep.numbers import DEFAULT_PRECISION, fmt
from bpstep.render.console import make_console
from bpstep.scenario import Scenario
from bpstep.trace import Quantity, Trace
from bpstep.verify import ACCEPTED, NOT_ATTEMPTED, VERDICTS, WRONG, Report, Verdict

VERDICT_STYLES = {"correct": "green", "rounding": "green", "carried": "yellow", "wrong": "bold red",
                  "not attempted": "dim"}
JSON_COUNT_KEYS = {v: v.replace(" ", "_") for v in VERDICTS}


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
    first_wrong = next((v.name for v in report if v.verdict == WRONG), None)
    if first_wrong and explain_command:
        parts.append(Text(f"See how a value is computed: {explain_command} '{first_wrong}'",
                          style="dim"))
    return Group(*parts)


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
        room = options.max_width - indent
        wrap = room >= 24

        def line(values: list[str], styles: list[str]) -> Text:
            out = Text()
            for i, (value, style) in enumerate(zip(values, styles, strict=True)):
                out.append(value.rjust(widths[i]) if i in right else value.ljust(widths[i]), style)
                out.append("  ")
            return out

        text = Text(no_wrap=True, overflow="ignore")
        text.append_text(line(headers, ["bold"] * len(headers)))
        text.append("hint\n", "bold")
        text.append("━" * (indent + (min(room, max(4, *(len(v.hint or "") for v in self.rows)))
                                     if wrap else 4)) + "\n")
        for i, (v, row) in enumerate(zip(self.rows, cells, strict=True)):
            first = i == 0 or self.rows[i - 1].stage != v.stage
            if first and i:
                text.append("\n")
            shown = row if first else ["", *row[1:]]
            styles = ["dim", "cyan", "" if v.written else "dim", *([""] if self.reveal else []),
                      VERDICT_STYLES[v.verdict]]
            text.append_text(line(shown, styles))
            hint = textwrap.wrap(v.hint, room) if (v.hint and wrap) else [v.hint or ""]
            text.append(hint[0] + "\n" if hint[0] else "\n")
            for more in hint[1:]:
                text.append(" " * indent + more + "\n")
        text.rstrip()
        yield _strip_line_ends(text)


def _strip_line_ends(text: Text) -> Text:
    """The same text without spaces before line ends (padding of empty hint cells)."""
    lines = text.split("\n")
    for line in lines:
        line.rstrip()
    return Text("\n", no_wrap=True, overflow="ignore").join(lines)


def report_to_json(report: Report, *, scenario: str, reveal: bool = True,
                   tol: float | None = None) -> dict[str, Any]:
    """``{"scenario", "revealed", "tolerance", "answers": [...], "summary": {...}}``.

    One object per quantity of the step, in stage order, attempted or not; with ``reveal``
    off the correct values (and values recomputed from the student's work) are null.
    """
    answers = [{
        "name": v.name,
        "given": v.given,
        "written": v.written,
        "expected": v.expected if reveal else None,
        "verdict": v.verdict,
        "accepted": v.accepted if v.verdict != NOT_ATTEMPTED else None,
        "hint": v.hint,
        "mistake": v.mistake,
        "carried_from": list(v.carried_from),
        "recomputed": v.recomputed if reveal and v.given is not None else None,
        "tolerance": v.tolerance,
    } for v in report]
    counts = report.counts
    summary: dict[str, Any] = {JSON_COUNT_KEYS[k]: n for k, n in counts.items()}
    summary["accepted"] = sum(counts[k] for k in ACCEPTED)
    summary["text"] = report.summary()
    return {"scenario": scenario, "revealed": reveal,
            "tolerance": "digits written" if tol is None else tol,
            "answers": answers, "summary": summary}


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


def close_names(name: str, trace: Trace) -> list[str]:
    """Names of the step close to ``name``, for "did you mean"."""
    return difflib.get_close_matches(name, [*[q.name for q in trace], *trace.given], n=3, cutoff=0.6)


def _rule(q: Quantity, scenario: Scenario) -> str:
    from bpstep.functions import LOSSES

    rules = CONVENTION_RULES[scenario.convention]
    if q.kind == "delta":
        return rules["delta_out" if q.unit in scenario.layers[-1].units else "delta_hidden"]
    if q.kind in ("dw", "db"):
        return rules[q.kind]
    if q.kind == "loss":
        loss = LOSSES[scenario.loss]
        return f"{loss.name}: {loss.formula}" + (" (summed over samples)" if q.unit is None
                                                  and len(scenario.inputs) > 1 else "")
    return KIND_RULES.get(q.kind, "")


def render_explanation(trace: Trace, scenario: Scenario, name: str, *,
                       precision: int = DEFAULT_PRECISION, command: str = "bpstep explain"
                       ) -> RenderableType:
    """How one quantity is computed: the rule, its numbers, and the quantities it comes from.

    ``name`` must be a computed or a given quantity of ``trace``.
    """
    if name not in trace:
        return Text(f"{name} = {fmt(trace.given[name], precision)} is given by the scenario "
                    f"({describe_given(name)}); it is not computed.")
    q = trace[name]
    activations = {u: layer.activation for layer in scenario.layers for u in layer.units}
    outputs = scenario.layers[-1].units
    index = trace.stage_of(name)
    heading = Text(f"{name} · stage {index + 1} of {len(trace.stages)} · "
                   f"{trace.stages[index].title}", style="bold")
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column()
    facts.add_row("what it is", Text(describe(q, activations, outputs).split(": ", 1)[0]))
    rule = _rule(q, scenario)
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
    return Group(*parts)


# --- the three commands, behind thin functions in cli.py ---

Fail = Callable[[str], NoReturn]


def run_template(scenario_path: Path, output: Path | None, force: bool, fail: Fail) -> int:
    """Print or write the worksheet of a scenario; never over an existing file without ``force``."""
    from bpstep.answers import worksheet
    from bpstep.engine import step
    from bpstep.export.output import OutputError, write_new
    from bpstep.scenario import ScenarioError, load

    try:
        scenario = load(scenario_path)
    except ScenarioError as err:
        fail(str(err))
    if output is None or str(output) == "-":
        ref, check = str(scenario_path), "bpstep verify ANSWERS.yaml"
    else:
        ref = os.path.relpath(scenario_path.resolve(), output.resolve().parent)
        check = f"bpstep verify {output}"
    trace = step(scenario)
    text = worksheet(trace, scenario, Path(ref).as_posix(), check)
    try:
        write_new(output or Path("-"), text, force=force)
    except OutputError as err:
        fail(str(err))
    if output is not None and str(output) != "-":
        count = len(trace.values)
        make_console(stderr=True).print(f"wrote {output} ({count} quantities to work out); "
                                        f"check it with: {check}", markup=False)
    return 0


def run_verify(first: Path, second: Path | None, *, tol: float | None, reveal: bool,
               as_json: bool, precision: int, everything: bool, fail: Fail) -> int:
    """Mark an answers file: 0 when every attempted answer is accepted, 1 when any is wrong."""
    from bpstep.answers import check_names
    from bpstep.answers import load as load_answers
    from bpstep.engine import step
    from bpstep.scenario import ScenarioError, load
    from bpstep.verify import verify

    answers_path = first if second is None else second
    try:
        sheet = load_answers(answers_path)
        scenario_path = sheet.scenario if second is None else first
        if scenario_path is None:
            fail(f"{answers_path}: does not name its scenario; add a line like "
                 "`scenario: gfg_sigmoid.yaml` (relative to the answers file) or run "
                 f"`bpstep verify SCENARIO {answers_path}`")
        scenario = load(scenario_path)
        trace = step(scenario)
        check_names(sheet, {q.name for q in trace}, trace.given)
    except ScenarioError as err:
        fail(str(err))
    report = verify(trace, scenario, sheet.answers, tol)
    if as_json:
        print(json.dumps(report_to_json(report, scenario=str(scenario_path), reveal=reveal, tol=tol),
                         indent=2, ensure_ascii=False))
    else:
        console = make_console()
        if scenario.title:
            console.print(scenario.title, style="bold underline", markup=False)
        console.print(f"answers: {answers_path}", style="dim", markup=False)
        console.print(render_report(report, precision=precision, reveal=reveal,
                                    everything=everything,
                                    explain_command=f"bpstep explain {scenario_path}"))
    return 1 if report.has_mistakes else 0


def run_explain(scenario_path: Path, name: str, *, precision: int, fail: Fail) -> int:
    """Print how one quantity of the step is computed, or say which names exist."""
    from bpstep.engine import step
    from bpstep.scenario import ScenarioError, load

    try:
        scenario = load(scenario_path)
    except ScenarioError as err:
        fail(str(err))
    trace = step(scenario)
    wanted = "".join(name.split())
    if wanted not in trace and wanted not in trace.given:
        close = close_names(wanted, trace)
        hint = (f"did you mean {' or '.join(repr(c) for c in close)}?" if close else
                f"`bpstep template {scenario_path}` lists every name")
        fail(f"{scenario_path}: no quantity named {name!r} in this step; {hint}")
    make_console().print(render_explanation(trace, scenario, wanted, precision=precision,
                                            command=f"bpstep explain {scenario_path}"))
    return 0
