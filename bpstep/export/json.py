"""The ``--json`` shapes of a step, a marking and a training run: stable interfaces for scripts."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any, TextIO

from bpstep.escaping import printable
from bpstep.numbers import fmt
from bpstep.scenario import Scenario
from bpstep.trace import Quantity, Trace
from bpstep.verify import ACCEPTED, NOT_ATTEMPTED, VERDICTS, Report

if TYPE_CHECKING:
    from bpstep.train import TrainResult

JSON_COUNT_KEYS = {v: v.replace(" ", "_") for v in VERDICTS}


def write_trace_json(scenario: Scenario, trace: Trace, out: TextIO) -> None:
    """The ``run --json`` object, written as it is made: a 784-128-10 step is 110 MB of it.

    One object: ``values`` maps every computed quantity to its float, ``given`` the given values,
    ``stages`` keeps the teaching order with each quantity's rule in names and with numbers. The
    text is what ``json.dumps(..., indent=2)`` gives for the same object; a number that is not
    finite is written as null (JSON has no NaN).
    """
    head = {"scenario": printable(scenario.source), "title": scenario.title, "loss": scenario.loss,
            "convention": scenario.convention, "mode": scenario.mode}
    out.write("{\n")
    for key, value in head.items():
        out.write(f"  {_text(key)}: {json.dumps(value)},\n")
    _write_numbers(out, "values", trace.named_values(), last=False)
    _write_numbers(out, "given", trace.given.items(), last=False)
    out.write('  "stages": [')
    for i, stage in enumerate(trace.stages):
        out.write(",\n" if i else "\n")
        out.write(f'    {{\n      "index": {i + 1},\n      "phase": {_text(stage.phase)},\n'
                  f'      "title": {_text(stage.title)},\n      "quantities": [')
        for j, q in enumerate(stage.quantities):
            out.write(",\n" if j else "\n")
            out.write(_quantity(q))
        out.write("\n      ]\n    }" if stage.quantities else "]\n    }")
    out.write("\n  ]\n}\n" if trace.stages else "]\n}\n")


def _text(value: str) -> str:
    return encode_basestring_ascii(str(value))


def _full(value: float) -> str:
    """A number at full precision as a rule shows it; past the float range, in bpstep's words."""
    return repr(value) if math.isfinite(value) else fmt(value)


def _float(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else "null"


def _write_numbers(out: TextIO, key: str, items: Iterable[tuple[str, float]], last: bool) -> None:
    out.write(f"  {_text(key)}: {{")
    first = True
    for name, value in items:
        out.write(f"\n    {_text(name)}: {_float(value)}" if first
                  else f",\n    {_text(name)}: {_float(value)}")
        first = False
    out.write("}" if first else "\n  }")
    out.write("\n" if last else ",\n")


_Q = " " * 8


def _quantity(q: Quantity) -> str:
    """One quantity with its rule and numbers at full precision."""
    inputs = q.inputs
    listed = ("[\n" + ",\n".join([_INPUT + encode_basestring_ascii(n) for n in inputs]) + f"\n{_Q}  ]"
              if inputs else "[]")
    return (f"{_Q}{{\n{_Q}  \"name\": {encode_basestring_ascii(q.name)},\n"
            f"{_Q}  \"value\": {_float(q.value)},\n"
            f"{_Q}  \"formula\": {encode_basestring_ascii(q.formula)},\n"
            f"{_Q}  \"substituted\": {encode_basestring_ascii(q.substituted(_full))},\n"
            f"{_Q}  \"inputs\": {listed}\n{_Q}}}")


_INPUT = _Q + "    "


def report_to_json(report: Report, *, scenario: str, reveal: bool = True,
                   tol: float | None = None, notes: Sequence[str] = (),
                   problems: Sequence[str] = ()) -> dict[str, Any]:
    """``{"scenario", "revealed", "tolerance", "floor", "answers": [...], "summary": {...},
    "notes", "problems"}``.

    One object per quantity of the step, in stage order, attempted or not; with ``reveal``
    off the correct values (and values recomputed from the student's work) are null. ``notes``
    say what was read another way (a decimal comma), ``problems`` the names the step lacks.
    """
    answers = [{
        "name": v.name,
        "given": _number(v.given),
        "written": v.written,
        "expected": _number(v.expected) if reveal else None,
        "verdict": v.verdict,
        "accepted": v.accepted if v.verdict != NOT_ATTEMPTED else None,
        "hint": v.hint,
        "mistake": v.mistake,
        "carried_from": list(v.carried_from),
        "recomputed": _number(v.recomputed) if reveal and v.given is not None else None,
        "tolerance": _number(v.tolerance),
        "credit": v.credit,
    } for v in report]
    counts = report.counts
    summary: dict[str, Any] = {JSON_COUNT_KEYS[k]: n for k, n in counts.items()}
    summary["accepted"] = sum(counts[k] for k in ACCEPTED)
    summary["points"] = report.points
    summary["attempted"] = report.attempted
    summary["text"] = report.summary()
    floor = report.floor
    return {"scenario": printable(scenario), "revealed": reveal,
            "tolerance": "digits written" if tol is None else tol,
            "floor": None if floor is None else {str(floor.kind): floor.count},
            "answers": answers, "summary": summary,
            "notes": [printable(n) for n in notes], "problems": [printable(p) for p in problems]}


def _number(value: float | None) -> float | None:
    """JSON has no NaN or infinity: a diverged loss is written as null."""
    return float(value) if value is not None and math.isfinite(value) else None


def result_to_json(scenario: Scenario, result: TrainResult) -> dict[str, object]:
    """The stable ``--json`` shape: settings, loss history, final weights and predictions."""
    has_bias = scenario.biases is not None
    return {
        "scenario": printable(scenario.source),
        "epochs": result.requested,
        "completed": result.epochs,
        "stopped": result.stopped,
        "learning_rate": scenario.learning_rate,
        "mode": scenario.mode,
        "batch_size": scenario.batch_size,
        "shuffle": scenario.shuffle,
        "seed": scenario.seed,
        "init": None if scenario.init is None else {
            "kind": scenario.init.kind, "seed": scenario.init.seed, "scale": scenario.init.scale},
        "loss_function": scenario.loss,
        "reduction": scenario.reduction,
        "every": result.every,
        "history": [{"epoch": e, "loss": _number(v)} for e, v in result.history],
        "final_loss": _number(result.loss),
        "weights": [[[_number(v) for v in row] for row in w] for w in result.params.weights],
        "biases": [[_number(v) for v in b] for b in result.params.biases] if has_bias else None,
        "predictions": [[_number(v) for v in row] for row in result.predictions],
    }
