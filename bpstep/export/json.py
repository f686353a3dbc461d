"""The ``--json`` shapes of a step, a marking and a training run: stable interfaces for scripts."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from bpstep.escaping import printable
from bpstep.expr import names_of, operand_texts, operands_of
from bpstep.numbers import fmt
from bpstep.scenario import Scenario
from bpstep.trace import LazyQuantities, Quantity, Trace, formula_text, substituted_text

if TYPE_CHECKING:
    from bpstep.train import TrainResult
    from bpstep.verify import Report


def write_trace_json(trace: Trace, out: TextIO) -> None:
    """The ``run --json`` object, written as it is made: a 784-128-10 step is 110 MB of it.

    One object: ``values`` maps every computed quantity to its float, ``given`` the given values,
    ``stages`` keeps the teaching order with each quantity's rule in names and with numbers. The
    text is what ``json.dumps(..., indent=2)`` gives for the same object; a number that is not
    finite is written as null (JSON has no NaN). A lazy stage is written from its arrays and the
    layouts its rules share, CHUNK quantities at a time, without making a quantity.
    """
    network = trace.network
    head = {"scenario": printable(network.source), "title": network.title, "loss": network.loss.name,
            "convention": network.convention, "mode": network.mode}
    out.write("{\n")
    for key, value in head.items():
        out.write(f"  {_text(key)}: {json.dumps(value)},\n")
    out.write('  "values": {')
    first = True
    kept: dict[int, list[str | None]] = {}
    for i, stage in enumerate(trace.stages):
        quantities = stage.quantities
        if isinstance(quantities, LazyQuantities):
            names, values = quantities.names, quantities.values
            kept[i] = []
        else:
            names, values = [q.name for q in quantities], [q.value for q in quantities]
        for start in range(0, len(names), CHUNK):
            texts, shown = _numbers(values[start:start + CHUNK])
            if i in kept:  # written again in the stage: kept as one string, split when needed
                kept[i].append("\n".join(texts) if texts is shown else None)
            out.write(("\n" if first else ",\n") + _pairs(names[start:start + CHUNK], texts))
            first = False
    out.write("}" if first else "\n  }")
    out.write(",\n")
    given = list(trace.given.items())
    out.write('  "given": {')
    for start in range(0, len(given), CHUNK):
        part = given[start:start + CHUNK]
        out.write(("\n" if start == 0 else ",\n")
                  + _pairs([n for n, _ in part], _numbers([v for _, v in part])[0]))
    out.write("\n  },\n" if given else "},\n")
    out.write('  "stages": [')
    for i, stage in enumerate(trace.stages):
        out.write(",\n" if i else "\n")
        out.write(f'    {{\n      "index": {i + 1},\n      "phase": {_text(stage.phase)},\n'
                  f'      "title": {_text(stage.title)},\n      "quantities": [')
        quantities = stage.quantities
        if isinstance(quantities, LazyQuantities):
            for start, known in zip(range(0, len(quantities), CHUNK), kept[i], strict=True):
                out.write(("\n" if start == 0 else ",\n") + ",\n".join(
                    _lazy_entries(quantities, start, start + CHUNK, known)))
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


def _pairs(names: Sequence[str], numbers: Sequence[str]) -> str:
    """``"name": number`` lines of a mapping of numbers (their JSON text), without the line
    break after the last."""
    return ",\n".join(map("    {}: {}".format, map(encode_basestring_ascii, names), numbers))


class _Operands(dict[str, str]):
    """Operand texts by name as a rule shows them (full precision, negative ones bracketed),
    each made once: a Δw's δ and y are shared by a whole row or column of weights, and a new
    weight's Δw was written just before it."""

    def __init__(self, env: Mapping[str, float]) -> None:
        super().__init__()
        self.env = env

    def of(self, names: Sequence[str]) -> list[str]:
        """The operand text of each name; a column with no name twice and none known is not
        kept (a new weight's old weight is not asked for again)."""
        texts = list(map(self.get, names))
        if None not in texts:
            return texts  # type: ignore[return-value]
        at = [i for i, text in enumerate(texts) if text is None]
        missing = list(dict.fromkeys([names[i] for i in at]))
        shown = operand_texts(_numbers(list(map(self.env.__getitem__, missing)))[1])
        if len(missing) == len(texts):
            return shown
        made = dict(zip(missing, shown, strict=True))
        for i in at:
            texts[i] = made[names[i]]
        self.update(made)
        return texts  # type: ignore[return-value]


_Q = " " * 8
_INPUT = _Q + "    "
_MARK = "\x04"
"""Around a field's number while a format string is made from functions that write text (no
name or rule holds this control character)."""
_FIELD = re.compile(_MARK + r"(\d+)" + _MARK)
_PLAIN = re.compile(r'[ !#-\[\]-~]*')
"""Text that a JSON string holds as it is: printable ASCII without a quote or a backslash."""


def _field(i: int) -> str:
    return f"{_MARK}{i}{_MARK}"


def _entry(name: str, value: str, formula: str, substituted: str, inputs: Sequence[str]) -> str:
    """One quantity of a stage, from the JSON text of each of its fields."""
    listed = ("[\n" + ",\n".join([_INPUT + n for n in inputs]) + f"\n{_Q}  ]" if inputs else "[]")
    return (f"{_Q}{{\n{_Q}  \"name\": {name},\n"
            f"{_Q}  \"value\": {value},\n"
            f"{_Q}  \"formula\": {formula},\n"
            f"{_Q}  \"substituted\": {substituted},\n"
            f"{_Q}  \"inputs\": {listed}\n{_Q}}}")


def _string_of(text: str) -> str:
    """Text with fields as a JSON string, the fields kept: the text around them escaped as
    JSON escapes it, one character at a time, so escaping the parts is escaping the whole."""
    parts = text.split(_MARK)
    parts[0::2] = [encode_basestring_ascii(part)[1:-1] for part in parts[0::2]]
    return '"' + _MARK.join(parts) + '"'


def _format_of(text: str) -> str:
    """Text written with fields, as a format string."""
    return _FIELD.sub(r"{\1}", text.replace("{", "{{").replace("}", "}}"))


def _escaped(texts: list[str]) -> list[str]:
    """Texts as a JSON string holds them, without the quotes: as they are, unless some is not
    plain (one look at all of them)."""
    if _PLAIN.fullmatch("".join(texts)):
        return texts
    return [encode_basestring_ascii(text)[1:-1] for text in texts]


def _quantity(q: Quantity, operands: _Operands) -> str:
    """One quantity with its rule and numbers at full precision."""
    layout = q.layout
    value, result = _numbers([q.value])
    numbers = operands_of(layout.text, operands.of(layout.refs))
    return _entry(encode_basestring_ascii(q.name), value[0], encode_basestring_ascii(q.formula),
                  encode_basestring_ascii(substituted_text(numbers, result[0])),
                  list(map(encode_basestring_ascii, q.inputs)))


def _lazy_entries(quantities: LazyQuantities, start: int, stop: int, known: str | None) -> list[str]:
    """The quantities at positions ``start`` to ``stop`` of a lazy stage, block by block: each
    block's rules share one layout, so one format string per block takes every row's name,
    value, result and the names and numbers in its holes, column by column. ``known``: their
    values as written in ``values``, a line each, when all are finite."""
    written = None if known is None else known.split("\n")
    texts: list[str] = [""] * (min(stop, len(quantities)) - start)
    operands = _Operands(quantities.env)
    for block in quantities.blocks:
        rows = block.rows_of(start, stop)
        if not rows:
            continue
        at = slice(block.first + rows.start * block.every, block.first + rows.stop * block.every,
                   block.every)
        names = quantities.names[at]
        if written is None:
            values, results = _numbers(quantities.values[at])
        else:
            values = results = written[at.start - start:at.stop - start:at.step]
        operands.update(zip(names, operand_texts(results), strict=True))
        text, holes = block.operands(rows)
        listed = _listed(holes)
        if listed is None:  # one operand in two columns on some row: each rule lists it once
            texts[at.start - start:at.stop - start:block.every] = [
                _quantity(quantities[p], operands) for p in range(at.start, at.stop, at.step)]
            continue
        count = len(holes)
        in_names = [_field(3 + i) for i in range(count)]
        formula = formula_text(_field(0), names_of(text, in_names))
        substituted = substituted_text(
            operands_of(text, [_field(3 + count + i) for i in range(count)]), _field(2))
        entry = _format_of(_entry(f'"{_field(0)}"', _field(1), _string_of(formula),
                                  _string_of(substituted), [f'"{in_names[i]}"' for i in listed]))
        texts[at.start - start:at.stop - start:block.every] = map(
            entry.format, _escaped(names), values, _escaped(results), *map(_escaped, holes),
            *(_escaped(operands.of(hole)) for hole in holes))
    return texts


def _listed(holes: list[list[str]]) -> list[int] | None:
    """Which holes' names each row lists as its inputs: each column of names once.

    Holes that share a column of names (one literal, one argument) are one input. None when two
    other columns name the same operand on some row: those rows list their inputs another way.
    """
    listed: list[int] = []
    for i, hole in enumerate(holes):
        if all(hole is not holes[j] for j in listed):
            listed.append(i)
    columns = [holes[i] for i in listed]
    if any(any(map(str.__eq__, a, b)) for i, a in enumerate(columns) for b in columns[i + 1:]):
        return None
    return listed


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
