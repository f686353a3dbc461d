"""Answer files: a student's numbers by quantity name, read safely and checked at the door.

An answers file is a YAML mapping ``quantity name: number`` (null means not attempted), with an
optional ``scenario:`` key naming the scenario file relative to the answers file. A student's
file may be hostile: its ``scenario:`` is followed only inside the answers file's folder (or
folders the marker names), and a file it names that is no scenario is never quoted. Each number
keeps the text it was written with, because the digits written are the claim being judged:
``0.56`` claims two decimals (±0.005), ``-0.0376`` four, and a whole number like ``4`` is exact.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bpstep.scenario import MAX_NAME, ScenarioError, activation_of, check, parse_yaml, read_text
from bpstep.trace import kind_of, parse_name

if TYPE_CHECKING:
    from bpstep.scenario import Scenario
    from bpstep.trace import Quantity, Trace

SCENARIO_KEY = "scenario"
NUMBER = re.compile(r"[+-]?(?:\d+(?P<dot>\.)(?P<decimals>\d*)|\.(?P<only>\d+)|\d+)(?:[eE](?P<exp>[+-]?\d+))?")
"""A decimal number as a person writes it: ``0.56``, ``-.5``, ``9.45e-4``, ``4``."""
MINUS_SIGNS = str.maketrans({"−": "-", "–": "-"})
"""Minus signs copied from typeset text (U+2212, U+2013) read as ``-``."""

MAX_KEY = 2 * MAX_NAME + 24
"""Longest quantity name: two unit names, brackets, an arrow and an ``@sample``."""
MAX_EXPONENT_DIGITS = 5
"""``1e99999`` is as far as a written exponent goes; beyond that the claim is no number."""

GIVEN_KINDS = {"y": "an input value", "t": "a target", "w0": "an initial weight",
               "b0": "an initial bias", "lr": "the learning rate"}


class AnswersError(ScenarioError):
    """An answers file that cannot be used: where, what was expected, what to do."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One number a student wrote, with the text that says how precisely they claim it."""

    name: str
    value: float
    text: str
    """The number as written (after reading a typeset minus as ``-``)."""
    line: int | None = None

    @property
    def tolerance(self) -> float:
        """Half a unit in the last digit written: ``0.56`` → 0.005; a whole number → exact."""
        return digits_tolerance(self.text)


@dataclass(frozen=True, slots=True)
class AnswerSheet:
    """Everything an answers file says: its answers in file order and the scenario it names."""

    answers: Mapping[str, Answer]
    """Attempted answers only (null values are left out), by quantity name."""
    scenario: Path | None
    """The scenario named in the file, resolved relative to the file; None when not named."""
    source: str
    lines: Mapping[str, int]
    """Line of every quantity name as written, for error messages."""
    scenario_line: int | None = None
    """Line of the ``scenario:`` key."""


def digits_tolerance(text: str) -> float:
    """The half-unit of the last digit in ``text``; 0 for a whole number written without a point."""
    match = NUMBER.fullmatch(text.strip())
    if match is None or (match["dot"] is None and match["only"] is None and match["exp"] is None):
        return 0.0
    written = (match["exp"] or "0").lstrip("+-").lstrip("0")
    if len(written) > MAX_EXPONENT_DIGITS:
        return math.inf if not match["exp"].startswith("-") else 0.0
    decimals = len(match["decimals"] or match["only"] or "")
    power = int(match["exp"] or 0) - decimals
    return math.inf if power > 308 else 0.5 * 10.0 ** power


def parse_number(text: str) -> float | None:
    """The value of a number written as text, or None when it is not one plain finite number.

    Its precision must be finite too: ``0e999`` is 0 claimed to ±10^999, which would accept anything.
    """
    cleaned = text.strip().translate(MINUS_SIGNS)
    if NUMBER.fullmatch(cleaned) is None or not math.isfinite(digits_tolerance(cleaned)):
        return None
    value = float(cleaned)
    return value if math.isfinite(value) else None


def normalise_name(key: str) -> str:
    """``w[x1 -> h1]`` → ``w[x1->h1]``: unit names hold no spaces, so spaces are never meant."""
    return "".join(key.split())


def _empty(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith(("#", "---", "..."))
               for line in text.splitlines())


def parse(text: str, source: str, base: Path | None = None) -> AnswerSheet:
    """Answers from YAML text; ``base`` is the folder a ``scenario:`` path is relative to."""
    if _empty(text):
        raise AnswersError(source, "is empty; expected lines like `a[h1]: 0.21` (start from "
                           "`bpstep template SCENARIO`)")
    texts: dict[str, str] = {}
    """Each value as written: ``parse_yaml`` gives 0.50 as 0.5, and the digits are the claim."""
    try:
        data, lines = parse_yaml(text, source, texts)
    except ScenarioError as err:
        raise AnswersError(err.source, err.message, err.path, err.line) from None
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} {data!r}"[:60]
        raise AnswersError(source, f"expected a mapping of quantity names to numbers "
                           f"(e.g. `a[h1]: 0.21`), got {kind}", line=1)
    if {"layers", "weights"} <= set(data):
        raise AnswersError(source, "looks like a scenario, not an answers file; start an answers "
                           f"file with `bpstep template {source} -o answers.yaml`, or give both: "
                           "`bpstep verify SCENARIO ANSWERS`", line=1)
    scenario: Path | None = None
    scenario_line: int | None = None
    answers: dict[str, Answer] = {}
    where: dict[str, int] = {}
    for key, value in data.items():
        raw_key = str(key)
        line = lines.get(raw_key)
        if raw_key == SCENARIO_KEY:
            if not isinstance(value, str) or not value.strip():
                raise AnswersError(source, "expected the path of a scenario file, e.g. "
                                   "`scenario: gfg_sigmoid.yaml`", SCENARIO_KEY, line)
            scenario = (base or Path(".")) / value.strip()
            scenario_line = line
            continue
        name = normalise_name(raw_key)
        if len(name) > MAX_KEY:
            raise AnswersError(source, f"a key of {len(name):,} characters is no quantity name "
                               f"(at most {MAX_KEY}); `bpstep template SCENARIO` lists every name",
                               line=line)
        if name in where:
            raise AnswersError(source, f"{name!r} is already answered at line {where[name]}",
                               raw_key, line)
        where[name] = line or 0
        if value is None:
            continue
        written = texts.get(raw_key, str(value))
        shown = {bool: "true/false", list: "a list", dict: "a mapping"}.get(type(value))
        number = None if shown else parse_number(written)
        if number is None:
            shown = shown or (repr(written) if len(written) <= 40 else repr(written[:37]) + "...")
            raise AnswersError(source, "expected a number (like -0.0376 or 9.45e-4) or null, "
                               f"got {shown}", raw_key, line)
        answers[name] = Answer(name, number, written.strip().translate(MINUS_SIGNS), line)
    return AnswerSheet(answers, scenario, source, where, scenario_line)


def load(path: Path | str) -> AnswerSheet:
    """Read and parse an answers file; a ``scenario:`` in it is taken relative to the file."""
    path = Path(path)
    text = read_text(path, "answers", "make one with `bpstep template SCENARIO -o answers.yaml`",
                     AnswersError)
    return parse(text, str(path), path.parent)


def load_named_scenario(sheet: AnswerSheet, path: Path, folders: Sequence[Path] = ()) -> Scenario:
    """The scenario at ``path``, found from the sheet's ``scenario:`` key, read as a stranger's.

    A student's file must not make the marker read files elsewhere (``../../etc/passwd``): a path
    the sheet wrote must lie in the answers file's folder, the current folder (where the marker
    works) or one of ``folders``, symbolic links followed, so a link out is refused too; a
    lesson bpstep ships is always fine.
    When the file is no valid scenario the message gives its line and key path only: it could be
    any file of the marker's, and its content is not the student's to see.
    """
    if path == sheet.scenario:
        _check_inside(sheet, path, folders)
    text = read_text(path)
    try:
        data, lines = parse_yaml(text, str(path))
        return check(data, str(path), lines)
    except ScenarioError as err:
        where = f"line {err.line}" if err.line else "the top level"
        raise AnswersError(sheet.source, f"names {path}, which is not a valid scenario (a problem "
                           f"at {where}{f', {err.path}' if err.path else ''}); run `bpstep run "
                           f"{path}` to see what", SCENARIO_KEY, sheet.scenario_line) from None


def _check_inside(sheet: AnswerSheet, path: Path, folders: Sequence[Path]) -> None:
    home = Path(sheet.source).parent
    try:
        target = path.resolve()
        inside = any(target.is_relative_to(folder.resolve())
                     for folder in (home, Path.cwd(), *folders))
    except (OSError, RuntimeError):
        inside = False
    if not inside:
        raise AnswersError(sheet.source, f"{path} is outside the answers file's folder and the "
                           "current folder; give the "
                           f"scenario on the command line (`bpstep verify SCENARIO {sheet.source}`) "
                           "or allow its folder with --scenarios DIR", SCENARIO_KEY,
                           sheet.scenario_line)


def check_names(sheet: AnswerSheet, computed: Collection[str], given: Mapping[str, float]) -> None:
    """Refuse names the scenario does not compute, suggesting the closest ones."""
    for name, line in sheet.lines.items():
        if name in computed:
            continue
        if name in given:
            kind = GIVEN_KINDS.get(kind_of(name), "a given value")
            raise AnswersError(sheet.source, f"{name!r} is {kind} of the scenario, not something "
                               "to work out; remove it", name, line or None)
        close = difflib.get_close_matches(name, list(computed), n=3, cutoff=0.6)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else \
            "; `bpstep template SCENARIO` lists every name"
        raise AnswersError(sheet.source, f"unknown quantity {name!r}{hint}", name, line or None)



# --- what each quantity is, in words: the worksheet's comments and `bpstep explain` ---

DESCRIPTIONS = {
    "a": "net input of {unit}: {rule}",
    "y": "output of {unit}: {rule}",
    "delta": "δ of {unit} ({role}): {rule}",
    "dw": "change of the weight {source} → {unit}: {rule}",
    "w": "weight {source} → {unit} after the update: {rule}",
    "db": "change of the bias of {unit}: {rule}",
    "b": "bias of {unit} after the update: {rule}",
    "loss": "loss before the update: {rule}",
    "a_after": "net input of {unit} after the update: {rule}",
    "y_after": "output of {unit} after the update: {rule}",
    "loss_after": "loss after the update: {rule}",
}
"""What a quantity is, by kind; ``{rule}`` is its formula in names."""

GIVEN_DESCRIPTIONS = {
    "y": "input {unit}", "t": "target of {unit}", "w0": "initial weight {unit}",
    "b0": "initial bias of {unit}", "lr": "learning rate", "momentum": "momentum α",
}


def call_names(scenario: Scenario) -> dict[str, str | None]:
    """How each unit's output may be written as a call, ``sigmoid(a[h1])`` (None: write it out)."""
    return {u: activation_of(layer).call_name for layer in scenario.layers[1:] for u in layer.units}


def describe(q: Quantity, activations: Mapping[str, str | None], outputs: Collection[str]) -> str:
    """``output of h1: sigmoid(a[h1])``: what ``q`` is and how it is computed, in names.

    ``activations`` maps unit names to their layer's activation; ``outputs`` are the output units.
    """
    rule = q.formula.split(" = ", 1)[1]
    activation = activations.get(q.unit or "")
    if q.kind in ("y", "y_after") and activation and activation != "softmax":
        rule = f"{activation}({q.inputs[0]})"
    text = DESCRIPTIONS.get(q.kind, "{rule}").format(
        unit=q.unit, source=q.source, rule=rule,
        role="output unit" if q.unit in outputs else "hidden unit")
    return text if q.sample is None else f"{text} · sample {q.sample}"


def describe_given(name: str) -> str:
    """``initial weight x1 → h1``: what a given value is."""
    parsed = parse_name(name)
    if parsed is None:
        return "given value"
    unit = f"{parsed.source} → {parsed.unit}" if parsed.source else parsed.unit or ""
    text = GIVEN_DESCRIPTIONS.get(parsed.kind, "given value").format(unit=unit)
    return text if parsed.sample is None else f"{text} · sample {parsed.sample}"


def worksheet(trace: Trace, scenario: Scenario, scenario_ref: str | None,
              check: str = "bpstep verify ANSWERS.yaml") -> str:
    """A YAML answers file with every quantity of the step set to null, in stage order.

    Keys are quoted (JSON strings are YAML strings), so any unit name reads back unchanged;
    ``scenario_ref`` is written as the ``scenario:`` key when given.
    """
    activations = call_names(scenario)
    outputs = scenario.layers[-1].units
    title = " ".join((scenario.title or Path(scenario.source).name).split())
    out = [f"# bpstep worksheet · {title}",
           "# Write your number after each name, with the digits you worked with (0.56 is judged",
           "# to ±0.005, 0.5600 to ±0.00005); leave null what you did not work out.",
           f"# Check it with: {check}"]
    if scenario_ref is not None:
        out.append(f"{SCENARIO_KEY}: {json.dumps(scenario_ref, ensure_ascii=False)}")
    for index, stage in enumerate(trace.stages):
        out += ["", f"# stage {index + 1} of {len(trace.stages)} · {stage.title}"]
        keys = [json.dumps(q.name, ensure_ascii=False) + ":" for q in stage.quantities]
        width = max(len(k) for k in keys)
        for key, q in zip(keys, stage.quantities, strict=True):
            out.append(f"{key.ljust(width)} null  # {describe(q, activations, outputs)}")
    return "\n".join(out) + "\n"
