"""The ``--json`` shapes of a step, a marking and a training run: stable interfaces for scripts."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from bpstep.escaping import printable
from bpstep.expr import names_of, operand_text, operands_of
from bpstep.numbers import fmt
from bpstep.scenario import Scenario
from bpstep.trace import LazyQuantities, Quantity, Trace, formula_text, substituted_text

if TYPE_CHECKING:
    from bpstep.train import TrainResult
    from bpstep.verify import Report


def write_trace_json(scenario: Scenario, trace: Trace, out: TextIO) -> None:
    """The ``run --json`` object, written as it is made: a 784-128-10 step is 110 MB of it.

    One object: ``values`` maps every computed quantity to its float, ``given`` the given values,
    ``stages`` keeps the teaching order with each quantity's rule in names and with numbers. The
    text is what ``json.dumps(..., indent=2)`` gives for the same object; a number that is not
    finite is written as null (JSON has no NaN). A lazy stage is written from its arrays and the
    layouts its rules share, CHUNK quantities at a time, without making a quantity.
    """
    head = {"scenario": printable(scenario.source), "title": scenario.title, "loss": scenario.loss,
            "convention": scenario.convention, "mode": scenario.mode}
    out.write("{\n")
    for key, value in head.items():
        out.write(f"  {_text(key)}: {json.dumps(value)},\n")
    out.write('  "values": {')
    first = True
    for stage in trace.stages:
        quantities = stage.quantities
        if isinstance(quantities, LazyQuantities):
            names, values = quantities.names, quantities.values
        else:
            names, values = [q.name for q in quantities], [q.value for q in quantities]
        for start in range(0, len(names), CHUNK):
            out.write(("\n" if first else ",\n") + _pairs(names[start:start + CHUNK],
                                                          values[start:start + CHUNK]))
            first = False
    out.write("}" if first else "\n  }")
    out.write(",\n")
    given = list(trace.given.items())
    out.write('  "given": {')
    for start in range(0, len(given), CHUNK):
        part = given[start:start + CHUNK]
        out.write(("\n" if start == 0 else ",\n")
                  + _pairs([n for n, _ in part], [v for _, v in part]))
    out.write("\n  },\n" if given else "},\n")
    out.write('  "stages": [')
    for i, stage in enumerate(trace.stages):
        out.write(",\n" if i else "\n")
        out.write(f'    {{\n      "index": {i + 1},\n      "phase": {_text(stage.phase)},\n'
                  f'      "title": {_text(stage.title)},\n      "quantities": [')
        quantities = stage.quantities
        if isinstance(quantities, LazyQuantities):
            for start in range(0, len(quantities), CHUNK):
                out.write(("\n" if start == 0 else ",\n")
                          + ",\n".join(_lazy_entries(quantities, start, start + CHUNK)))
        else:
            operands = _Operands(trace.env)
            for j, q in enumerate(quantities):
                out.write(",\n" if j else "\n")
                out.write(_quantity(q, operands))
        out.write("\n      ]\n    }" if stage.quantities else "]\n    }")
    out.write("\n  ]\n}\n" if trace.stages else "]\n}\n")


CHUNK = 8192
"""Quantities written at a time: their text is held in memory until written."""


def _text(value: str) -> str:
    return encode_basestring_ascii(str(value))


def _numbers(values: Sequence[float] | np.ndarray) -> tuple[list[str], list[str]]:
    """Many numbers as JSON (null where not finite) and at full precision as a rule shows them
    (in bpstep's words where not finite): the repr of each float, made once for both."""
    numbers = values.tolist() if isinstance(values, np.ndarray) else list(values)
    texts = list(map(repr, numbers))
    if all(map(math.isfinite, numbers)):
        return texts, texts
    finite = list(map(math.isfinite, numbers))
    return ([t if ok else "null" for t, ok in zip(texts, finite, strict=True)],
            [t if ok else fmt(v) for t, v, ok in zip(texts, numbers, finite, strict=True)])


def _pairs(names: Sequence[str], values: Sequence[float] | np.ndarray) -> str:
    """``"name": number`` lines of a mapping of numbers, without the line break after the last."""
    return ",\n".join(map("    {}: {}".format, map(encode_basestring_ascii, names), _numbers(values)[0]))


class _Operands(dict[str, str]):
    """Operand texts by name as a rule shows them (full precision, negative ones bracketed),
    each made once: a Δw's δ and y are shared by a whole row or column of weights, and a new
    weight's Δw was written just before it."""

    def __init__(self, env: Mapping[str, float]) -> None:
        super().__init__()
        self.env = env

    def of(self, names: Sequence[str]) -> list[str]:
        """The operand text of each name; a column with no name twice and none known is not kept."""
        missing = [name for name in dict.fromkeys(names) if name not in self]
        if missing:
            shown = map(operand_text, _numbers(list(map(self.env.__getitem__, missing)))[1])
            if len(missing) == len(names):
                return list(shown)
            self.update(zip(missing, shown, strict=True))
        return list(map(self.__getitem__, names))


_Q = " " * 8
_INPUT = _Q + "    "
_MARK = "\x04"
"""Stands for a field while a format string is made from a function that writes text (no name
or rule holds this control character)."""


def _entry(name: str, value: str, formula: str, substituted: str, inputs: Sequence[str]) -> str:
    """One quantity of a stage, from the JSON text of each of its fields."""
    listed = ("[\n" + ",\n".join([_INPUT + n for n in inputs]) + f"\n{_Q}  ]" if inputs else "[]")
    return (f"{_Q}{{\n{_Q}  \"name\": {name},\n"
            f"{_Q}  \"value\": {value},\n"
            f"{_Q}  \"formula\": {formula},\n"
            f"{_Q}  \"substituted\": {substituted},\n"
            f"{_Q}  \"inputs\": {listed}\n{_Q}}}")


def _format_of(text: str) -> str:
    """Text written with _MARK in place of each field, as a format string."""
    return text.replace("{", "{{").replace("}", "}}").replace(_MARK, "{}")


def _quantity(q: Quantity, operands: _Operands) -> str:
    """One quantity with its rule and numbers at full precision."""
    layout = q.layout
    value, result = _numbers([q.value])
    numbers = operands_of(layout.text, operands.of(layout.refs))
    return _entry(encode_basestring_ascii(q.name), value[0], encode_basestring_ascii(q.formula),
                  encode_basestring_ascii(substituted_text(numbers, result[0])),
                  list(map(encode_basestring_ascii, q.inputs)))


def _lazy_entries(quantities: LazyQuantities, start: int, stop: int) -> list[str]:
    """The quantities at positions ``start`` to ``stop`` of a lazy stage, block by block: each
    block's rules share one layout, so names and numbers are put in column by column."""
    texts: list[str] = [""] * (min(stop, len(quantities)) - start)
    operands = _Operands(quantities.env)
    for block in quantities.blocks:
        rows = block.rows_of(start, stop)
        if not rows:
            continue
        at = slice(block.first + rows.start * block.every, block.first + rows.stop * block.every,
                   block.every)
        names = quantities.names[at]
        values, results = _numbers(quantities.values[at])
        operands.update(zip(names, map(operand_text, results), strict=True))
        text, holes = block.operands(rows)
        marks = [_MARK] * len(holes)
        formulas = map(_format_of(formula_text(_MARK, names_of(text, marks))).format, names, *holes)
        substituted = map(_format_of(substituted_text(operands_of(text, marks), _MARK)).format,
                          *map(operands.of, holes), results)
        inputs = _inputs(holes)
        if inputs is None:  # one operand in two columns on some row: each rule lists it once
            texts[at.start - start:at.stop - start:block.every] = [
                _quantity(quantities[p], operands) for p in range(at.start, at.stop, at.step)]
            continue
        listed = _format_of(_entry(_MARK, _MARK, _MARK, _MARK, [_MARK] * len(inputs))).format
        texts[at.start - start:at.stop - start:block.every] = map(
            listed, map(encode_basestring_ascii, names), values, map(encode_basestring_ascii, formulas),
            map(encode_basestring_ascii, substituted), *inputs)
    return texts


def _inputs(holes: list[list[str]]) -> list[list[str]] | None:
    """The inputs of each row as JSON text, column by column: the names in its holes, each once.

    Holes that share a column of names (one literal, one argument) are one input. None when two
    other columns name the same operand on some row: those rows list their inputs another way.
    """
    columns: list[list[str]] = []
    for hole in holes:
        if all(hole is not seen for seen in columns):
            columns.append(hole)
    if any(any(map(str.__eq__, a, b)) for i, a in enumerate(columns) for b in columns[i + 1:]):
        return None
    return [list(map(encode_basestring_ascii, column)) for column in columns]


def report_to_json(report: Report, *, scenario: str, reveal: bool = True,
                   tol: float | None = None, notes: Sequence[str] = (),
                   problems: Sequence[str] = ()) -> dict[str, Any]:
    """``{"scenario", "revealed", "tolerance", "floor", "answers": [...], "summary": {...},
    "notes", "problems"}``.

    One object per quantity of the step, in stage order, attempted or not; with ``reveal``
    off the correct values (and values recomputed from the student's work) are null. ``notes``
    say what was read another way (a decimal comma), ``problems`` the names the step lacks.
    """
    from bpstep.verify import ACCEPTED, NOT_ATTEMPTED  # not loaded for run --json

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
    summary: dict[str, Any] = {k.replace(" ", "_"): n for k, n in counts.items()}
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
