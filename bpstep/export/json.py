"""The ``--json`` shapes of a step, a marking and a training run: stable interfaces for scripts."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from bpstep.escaping import printable
from bpstep.expr import names_of, operand_numbers, operand_texts, operands_of
from bpstep.numbers import fmt
from bpstep.scenario import Scenario
from bpstep.trace import (
    LazyQuantities,
    Quantity,
    RuleBlock,
    Trace,
    formula_text,
    kind_of,
    substituted_text,
)

if TYPE_CHECKING:
    from bpstep.lessons import Lesson
    from bpstep.train import TrainResult
    from bpstep.verify import Report


def write_trace_json(trace: Trace, out: TextIO) -> None:
    """The ``run --json`` object (``_write_trace``), handed to ``out`` on a thread of its own: a
    pipe's reader drains one part of the 100 MB while the next is made."""
    sink = _Background(out)
    try:
        _write_trace(trace, sink)  # type: ignore[arg-type]
    except BaseException:  # Ctrl-C, say: the thread writes no more and ends
        sink.abandon()
        raise
    sink.close()


class _Background:
    """Text written to ``out`` by a thread of its own, a megabyte or more at a time.

    Writing waits for the reader of a pipe outside the GIL, so the maker of the text goes on
    meanwhile. At most one part waits while one is written, so the memory it holds stays small.
    A write that fails is raised to the maker at its next write or at ``close``."""

    PART = 1 << 20

    def __init__(self, out: TextIO) -> None:
        import queue
        import threading

        self.out = out
        self.parts: queue.Queue[list[str] | None] = queue.Queue(maxsize=1)
        self.pieces: list[str] = []
        self.size = 0
        self.error: BaseException | None = None
        self.abandoned = False
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while (pieces := self.parts.get()) is not None and not self.abandoned:
            if self.error is None:
                try:
                    for piece in pieces:
                        self.out.write(piece)
                except BaseException as error:  # the maker raises it
                    self.error = error

    def write(self, text: str) -> None:
        self.pieces.append(text)
        self.size += len(text)
        if self.size >= self.PART:
            self._send()

    def _send(self) -> None:
        if self.error is not None:
            raise self.error
        self.parts.put(self.pieces)
        self.pieces, self.size = [], 0

    def abandon(self) -> None:
        """Write nothing more: the thread ends at the next part it takes, or now."""
        import queue
        from contextlib import suppress

        self.abandoned = True
        with suppress(queue.Full):  # full: the thread ends at the part that waits
            self.parts.put_nowait(None)

    def close(self) -> None:
        """Write what is left and wait until all is written."""
        self._send()
        self.parts.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def _write_trace(trace: Trace, out: TextIO) -> None:
    """The ``run --json`` object, written as it is made: a 784-128-10 step is 110 MB of it.

    One object: ``values`` maps every computed quantity to its float, ``given`` the given values,
    ``stages`` keeps the teaching order with each quantity's rule in names and with numbers. The
    text is what ``json.dumps(..., indent=2)`` gives for the same object; a number that is not
    finite is written as null (JSON has no NaN). Each number is written once, in ``values`` or
    ``given``, and every rule that uses it reads that text by name. A lazy stage is written from its
    arrays and the layouts its rules share, many quantities at a time, without making one.
    """
    network = trace.network
    head = {"scenario": printable(network.source), "title": network.title, "loss": network.loss.name,
            "convention": network.convention, "mode": network.mode}
    out.write("{\n")
    for key, value in head.items():
        out.write(f"  {_text(key)}: {json.dumps(value)},\n")
    operands = _Operands()
    plain = not _needs_escapes([unit for layer in network.units for unit in layer])
    """Whether every name of the step is written into JSON as it is: names are made of the unit
    names and plain ASCII (kinds, brackets, arrows, sample numbers)."""
    kept: dict[int, list[str]] = {}
    """The operands of each lazy stage in stage order, for its own rules to read by position."""
    out.write('  "values": {')
    first = True
    for i, stage in enumerate(trace.stages):
        quantities = stage.quantities
        if isinstance(quantities, LazyQuantities):
            names, values = quantities.names, quantities.values
            kept[i] = []
        else:
            names, values = [q.name for q in quantities], [q.value for q in quantities]
        for start in range(0, len(names), CHUNK):
            text, made = _pairs(names[start:start + CHUNK], values[start:start + CHUNK],
                                None if i in kept else operands, plain)
            out.write("\n" if first else ",\n")
            out.write(text)  # on its own: a chunk is megabytes, not copied to join a comma
            if i in kept:
                kept[i] += made
            first = False
        if i in kept:
            operands.later(quantities, kept[i])
    out.write("}" if first else "\n  }")
    out.write(",\n")
    given, given_values = list(trace.given), list(trace.given.values())
    out.write('  "given": {')
    for start in range(0, len(given), CHUNK):
        out.write("\n" if start == 0 else ",\n")
        out.write(_pairs(given[start:start + CHUNK], given_values[start:start + CHUNK], operands,
                         plain)[0])
    out.write("\n  },\n" if given else "},\n")
    out.write('  "stages": [')
    for i, stage in enumerate(trace.stages):
        out.write(",\n" if i else "\n")
        out.write(f'    {{\n      "index": {i + 1},\n      "phase": {_text(stage.phase)},\n'
                  f'      "title": {_text(stage.title)},\n      "quantities": [')
        quantities = stage.quantities
        if isinstance(quantities, LazyQuantities):
            for j, text in enumerate(_lazy_entries(quantities, operands, kept.pop(i), plain)):
                out.write(",\n" if j else "\n")
                out.write(text)
        else:
            for j, q in enumerate(quantities):
                out.write(",\n" if j else "\n")
                out.write(_quantity(q, operands, plain))
        out.write("\n      ]\n    }" if stage.quantities else "]\n    }")
    out.write("\n  ]\n}\n" if trace.stages else "]\n}\n")


CHUNK = 4096
"""Quantities written at a time: their text is held in memory until written."""


def _text(value: str) -> str:
    return encode_basestring_ascii(str(value))


def _numbers(values: Sequence[float] | np.ndarray) -> tuple[list[str], list[str]]:
    """Many numbers as JSON (null where not finite) and at full precision as a rule shows them
    (in bpstep's words where not finite): the repr of each float, made once for both."""
    if isinstance(values, np.ndarray):
        numbers, finite = values.tolist(), bool(np.isfinite(values).all())
    else:
        numbers = list(values)
        finite = all(map(math.isfinite, numbers))
    texts = _reprs(numbers)
    if finite:
        return texts, texts
    each = list(map(math.isfinite, numbers))
    return ([t if ok else "null" for t, ok in zip(texts, each, strict=True)],
            [t if ok else fmt(v) for t, v, ok in zip(texts, numbers, each, strict=True)])


def _reprs(numbers: list[float]) -> list[str]:
    """``repr`` of each number. Numbers a person wrote (weights to four decimals) repeat: when
    the first few do, each distinct one (bit for bit: −0.0 is not 0.0) is written once."""
    probe = numbers[:256]
    if len(set(probe)) * 2 > len(probe):
        return list(map(repr, numbers))
    distinct, where = np.unique(np.asarray(numbers, dtype=np.float64).view(np.int64),
                                return_inverse=True)
    texts = list(map(repr, distinct.view(np.float64).tolist()))
    return list(map(texts.__getitem__, where.tolist()))


def _as_json(values: np.ndarray, shown: list[str]) -> list[str]:
    """Numbers as JSON from their shown text: the same unless some is not finite (then null)."""
    finite = np.isfinite(values)
    if finite.all():
        return shown
    return [t if ok else "null" for t, ok in zip(shown, finite.tolist(), strict=True)]


Parts = list["str | int"]
"""A text to fill row by row: literal text, and between, the index of the column whose row's
text goes there."""


def _fill(parts: Parts, columns: Sequence[Sequence[str]], count: int) -> str:
    """``count`` rows of ``parts`` with each row's texts from ``columns``, as one text.

    The literals and columns are laid side by side in one list by slice assignment and joined
    once: four times as fast as ``str.format`` row by row, which matters at 200,000 rows."""
    parts = _joined([columns[part][0] if not isinstance(part, str) and count
                     and columns[part].count(columns[part][0]) == count else part
                     for part in parts])  # a column of one text (the rate's name) is a literal
    width = len(parts)
    texts = [""] * (count * width)
    for i, part in enumerate(parts):
        texts[i::width] = [part] * count if isinstance(part, str) else columns[part]
    return "".join(texts)


def _pairs(names: Sequence[str], values: Sequence[float] | np.ndarray,
           operands: dict[str, str] | None, plain: bool) -> tuple[str, list[str]]:
    """``"name": number`` lines of a mapping of numbers, without the line break after the last,
    and the numbers as the rules that use them show them, kept by name in ``operands`` too."""
    texts, words = _numbers(values)
    made = operand_texts(words)
    if operands is not None:
        operands.update(zip(names, made, strict=True))
    return _fill(['    "', 0, '": ', 1, ",\n"], [_escaped(list(names), plain), texts],
                 len(names))[:-2], made


class _Operands(dict[str, str]):
    """Every number of the step by name, as a rule shows it as an operand. A lazy stage's join
    a block at a time, when a later rule first asks for one of its kind (a new weight, in the
    forward pass after): the 100,352 Δw of a 784-128-10 step are never looked up by name."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[tuple[str, list[str], list[str]]] = []

    def later(self, quantities: LazyQuantities, own: list[str]) -> None:
        """The operands of a lazy stage (``own``, in stage order), to join when asked for."""
        names = quantities.names
        for block in quantities.blocks:
            at = slice(block.first, block.first + block.count * block.every, block.every)
            self.pending.append((block.kind, names[at], own[at]))

    def __missing__(self, name: str) -> str:
        kind = kind_of(name)
        waiting = [block for block in self.pending if block[0] == kind]
        if not waiting:
            raise KeyError(name)
        self.pending = [block for block in self.pending if block[0] != kind]
        for _, names, texts in waiting:
            self.update(zip(names, texts, strict=True))
        return self[name]


def _operands(names: Sequence[str], operands: dict[str, str]) -> list[str]:
    """The numbers of ``names`` as a rule's operands (negative ones bracketed)."""
    return list(map(operands.__getitem__, names))


_Q = " " * 8
_INPUT = _Q + "    "
_MARK = "\x04"
"""Around a field's number while a row's text is made from functions that write text (no name
or rule holds this control character)."""
_FIELD = re.compile(_MARK + r"(\d+)" + _MARK)


def _field(i: int) -> str:
    return f"{_MARK}{i}{_MARK}"


def _entry(name: str, value: str, formula: str, substituted: str, inputs: Sequence[str]) -> str:
    """One quantity of a stage, from the JSON text of each of its fields (``inputs``: the names
    as a JSON string holds them, without the quotes)."""
    listed = (f'[\n{_INPUT}"' + f'",\n{_INPUT}"'.join(inputs) + f'"\n{_Q}  ]' if inputs else "[]")
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


def _parts_of(text: str, offset: int) -> Parts:
    """Text written with fields as ``Parts``, its fields numbered from ``offset``."""
    pieces: Parts = _FIELD.split(text)
    pieces[1::2] = [offset + int(i) for i in pieces[1::2]]  # type: ignore[arg-type]
    return pieces


def _escaped(texts: list[str], plain: bool) -> list[str]:
    """Texts as a JSON string holds them, without the quotes: as they are when known ``plain``
    or found so (one look at all of them)."""
    if plain or not _needs_escapes(texts):
        return texts
    return [encode_basestring_ascii(text)[1:-1] for text in texts]


def _needs_escapes(texts: list[str]) -> bool:
    """Whether some text is not written into a JSON string as it is: JSON holds printable ASCII
    without a quote or a backslash as it is."""
    joined = "".join(texts)
    return not (joined.isascii() and joined.isprintable() and '"' not in joined
                and "\\" not in joined)


def _quantity(q: Quantity, operands: dict[str, str], plain: bool) -> str:
    """One quantity with its rule and numbers at full precision."""
    layout = q.layout
    value, result = _numbers([q.value])
    numbers = operands_of(layout.text, _operands(layout.refs, operands))
    return _entry(encode_basestring_ascii(q.name), value[0], encode_basestring_ascii(q.formula),
                  encode_basestring_ascii(substituted_text(numbers, result[0])),
                  _escaped(list(q.inputs), plain))


def _lazy_entries(quantities: LazyQuantities, operands: dict[str, str],
                  own: list[str], plain: bool) -> Iterator[str]:
    """The quantities of a lazy stage as JSON texts of many quantities each, in stage order.

    The blocks of a group interleave (each Δw is followed by its new weight), so a group is
    written row by row, a row holding one quantity of each block. A block's rules share one
    layout, so one row's text, with a field for each name and number, takes every row's names
    and numbers column by column. ``own``: the stage's numbers as operands, in stage order."""
    for group in _groups(quantities.blocks):
        every = group[0].every
        for start in range(0, group[0].count, max(1, CHUNK // every)):
            rows = range(start, min(start + max(1, CHUNK // every), group[0].count))
            text = _rows(quantities, group, rows, operands, own, plain)
            if text is None:  # one operand in two columns on some row: each rule lists it once
                first = group[0].first
                text = ",\n".join(_quantity(quantities[p], operands, plain) for p in range(
                    first + rows.start * every, first + rows.stop * every))
            yield text


def _groups(blocks: Sequence[RuleBlock]) -> list[tuple[RuleBlock, ...]]:
    """The blocks of a stage in groups that interleave, in stage order: ``every`` blocks of one
    count with consecutive first positions."""
    ordered = sorted(blocks, key=lambda block: block.first)
    groups = []
    while ordered:
        head = ordered[0]
        group, ordered = tuple(ordered[:head.every]), ordered[head.every:]
        if [(b.every, b.count, b.first) for b in group] != [
                (head.every, head.count, head.first + i) for i in range(head.every)]:
            raise ValueError(f"rule blocks from position {head.first} do not interleave")
        groups.append(group)
    return groups


def _rows(quantities: LazyQuantities, group: Sequence[RuleBlock], rows: range,
          operands: dict[str, str], own: list[str], plain: bool) -> str | None:
    """The group's quantities of ``rows`` as JSON text, or None when some row's rule names one
    operand in two columns."""
    parts: Parts = []
    columns: list[Sequence[str]] = []
    made: list[tuple[list[str], list[str]]] = []
    """The names and numbers of each block written so far: a new weight's Δw is the Δw of its
    row."""
    for block in group:
        at = slice(block.first + rows.start * block.every, block.first + rows.stop * block.every,
                   block.every)
        names = quantities.names[at]
        made.append((names, own[at]))
        results = operand_numbers(made[-1][1])
        text, holes = block.operands(rows)
        listed = _listed(holes)
        if listed is None:
            return None
        count = len(holes)
        in_names = [_field(3 + i) for i in range(count)]
        formula = formula_text(_field(0), names_of(text, in_names))
        substituted = substituted_text(
            operands_of(text, [_field(3 + count + i) for i in range(count)]), _field(2))
        entry = _entry(f'"{_field(0)}"', _field(1), _string_of(formula), _string_of(substituted),
                       [in_names[i] for i in listed])
        parts += _parts_of(entry + ",\n", len(columns))
        # numbers are digits, signs, points and brackets, or bpstep's words: plain JSON text
        columns += [_escaped(names, plain), _as_json(quantities.values[at], results), results,
                    *(_escaped(hole, plain) for hole in holes),
                    *(_operands_of(hole, made, operands) for hole in holes)]
    return _fill(parts, columns, len(rows))[:-2]


def _operands_of(names: list[str], made: list[tuple[list[str], list[str]]],
                 operands: dict[str, str]) -> list[str]:
    """``_operands``, from a block of the same rows when it names the same quantities; a column
    that names a few quantities many times (a δ along its unit's weights) looks each up once."""
    for names_made, operands_made in made:
        if names == names_made:
            return operands_made
    distinct = dict.fromkeys(names)
    if len(distinct) * 4 > len(names):
        return _operands(names, operands)
    return _operands(names, dict(zip(distinct, _operands(list(distinct), operands), strict=True)))


def _joined(parts: Parts) -> Parts:
    """``Parts`` with no two literals side by side (the blocks' texts meet at literals)."""
    joined: Parts = []
    for part in parts:
        if joined and isinstance(part, str) and isinstance(joined[-1], str):
            joined[-1] += part
        else:
            joined.append(part)
    return joined


def _listed(holes: list[list[str]]) -> list[int] | None:
    """Which holes' names each row lists as its inputs: each column of names once.

    Holes that share a column of names (one literal, one argument) are one input. None when two
    other columns name the same operand on some row: those rows list their inputs another way.
    """
    listed: list[int] = []
    seen: set[int] = set()
    for i, hole in enumerate(holes):
        if id(hole) not in seen:
            seen.add(id(hole))
            listed.append(i)
    columns = [holes[i] for i in listed]
    if len(columns) <= _PAIRWISE:
        shared = any(any(map(str.__eq__, a, b)) for i, a in enumerate(columns)
                     for b in columns[i + 1:])
    else:  # a Δw summed over many samples: row by row, not pair by pair
        shared = any(len(set(row)) < len(row) for row in zip(*columns, strict=True))
    return None if shared else listed


_PAIRWISE = 3
"""Up to this many columns of names, ``_listed`` compares them pair by pair, past it row by row:
the same answer, each the quicker on its side (2 columns of 160,000 names: 17 against 24 ms;
8: 480 against 120 ms)."""


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


def lessons_to_json(shipped: Sequence[Lesson], titles: dict[str, str]) -> dict[str, Any]:
    """``{"lessons": [{"name", "kind", "title", "teaches", "path", "scenario" or "answers"}]}``:
    an answers file names the scenario it checks and shows its title; a scenario lists its
    answers files."""
    from bpstep.lessons import answers_scenario

    return {"lessons": [{"name": lesson.name,
                         "kind": "answers" if lesson.is_answers else "scenario",
                         "title": titles[answers_scenario(lesson.name)],
                         "teaches": lesson.teaches,
                         "path": str(lesson.path),
                         **({"scenario": answers_scenario(lesson.name)} if lesson.is_answers else
                            {"answers": list(lesson.answers)})} for lesson in shipped]}
