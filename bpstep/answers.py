"""Answer files: a student's numbers by quantity name, read safely and checked at the door.

An answers file is a YAML mapping ``quantity name: number`` (null means not attempted), with an
optional ``scenario:`` key naming the scenario file (a path from the answers file, or a name
looked up in the folders the marker allows) and an optional ``student:`` key, the student's id
on the class roster. A student's file may be hostile: its ``scenario:`` is followed only inside
the answers file's folder, the current folder and folders the marker names, and a file it names
that is no scenario is never quoted. Each number
keeps the text it was written with, because the digits written are the claim being judged
(bpstep.written): ``0.56`` stands for 0.555 to 0.565, ``-0.0376`` for −0.03765 to −0.03755.
A decimal comma (``0,8787``) is read as a point, with a note.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bpstep.errors import did_you_mean
from bpstep.escaping import json_dumps, printable
from bpstep.lessons import named as lesson_named
from bpstep.lessons import path_of as lesson_path
from bpstep.scenario import MAX_NAME, ScenarioError, check, parse_yaml, read_text
from bpstep.trace import kind_of, parse_name
from bpstep.written import DEFAULT_FLOOR, Floor, Written, read_number

if TYPE_CHECKING:
    from bpstep.scenario import Scenario
    from bpstep.trace import Network, Quantity, Trace

SCENARIO_KEY = "scenario"
STUDENT_KEY = "student"
MAX_STUDENT = 200
"""Longest student id, in characters."""
MAX_KEY = 2 * MAX_NAME + 24
"""Longest quantity name: two unit names, brackets, an arrow and an ``@sample``."""

GIVEN_KINDS = {"y": "an input value", "t": "a target", "w0": "an initial weight",
               "b0": "an initial bias", "lr": "the learning rate"}


class AnswersError(ScenarioError):
    """An answers file that cannot be used: where, what was expected, what to do."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One number a student wrote, with the text that says how precisely they claim it."""

    name: str
    written: Written
    line: int | None = None

    @property
    def value(self) -> float:
        return self.written.value

    @property
    def text(self) -> str:
        """The number as written (a typeset minus read as ``-``, a decimal comma as a point)."""
        return self.written.text

    @property
    def tolerance(self) -> float:
        """Half a unit in the last digit written: ``0.56`` → 0.005, ``4`` → 0.5."""
        return self.written.half_unit


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
    problems: tuple[AnswersError, ...] = ()
    """Values that are no number (``0.55.23``), each said with its line: the rest is marked."""
    scenario_text: str | None = None
    """The ``scenario:`` value as written: a path from the answers file's folder, or a name."""
    student: str | None = None
    """The ``student:`` key: the student's id on the class roster, if the file gives it."""

    @property
    def notes(self) -> list[str]:
        """What the reader should know was read another way: decimal commas, line by line."""
        return [f"{self.source}:{a.line}: read {a.name}'s {a.text.replace('.', ',', 1)} as "
                f"{a.text} (a decimal comma)" if a.line else
                f"{self.source}: read {a.name}'s {a.text.replace('.', ',', 1)} as {a.text} "
                "(a decimal comma)" for a in self.answers.values() if a.written.comma]


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
    scenario_text: str | None = None
    student: str | None = None
    answers: dict[str, Answer] = {}
    problems: list[AnswersError] = []
    where: dict[str, int] = {}
    for key, value in data.items():
        raw_key = str(key)
        line = lines.get(raw_key)
        if raw_key == SCENARIO_KEY:
            if not isinstance(value, str) or not value.strip() or _has_control(value):
                raise AnswersError(source, "expected the path of a scenario file, e.g. "
                                   "`scenario: gfg_sigmoid.yaml` (no control characters)",
                                   SCENARIO_KEY, line)
            scenario_text = value.strip()
            scenario = (base or Path(".")) / scenario_text
            scenario_line = line
            continue
        if raw_key == STUDENT_KEY:
            student = _student(value, texts.get(raw_key), source, line)
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
        number = None if shown else read_number(written)
        if number is None:
            shown = shown or (repr(written) if len(written) <= 40 else repr(written[:37]) + "...")
            problems.append(AnswersError(source, "expected a number (like -0.0376 or 9.45e-4) or "
                                         f"null, got {shown}", raw_key, line))
            continue
        answers[name] = Answer(name, number, line)
    return AnswerSheet(answers, scenario, source, where, scenario_line, tuple(problems),
                       scenario_text, student)


def _has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (a NUL no path may hold, an escape)."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


def _student(value: object, written: str | None, source: str, line: int | None) -> str | None:
    """The ``student:`` id as written (``007`` stays ``007``), or None when left null."""
    if value is None:
        return None
    text = " ".join((written or str(value)).split()) if isinstance(value, (str, int)) and \
        not isinstance(value, bool) else ""
    if not text or len(text) > MAX_STUDENT or _has_control(text):
        raise AnswersError(source, "expected your id as on the class roster, e.g. "
                           f"`student: s1234567` (at most {MAX_STUDENT} characters), or null",
                           STUDENT_KEY, line)
    return text


def load(path: Path | str) -> AnswerSheet:
    """Read and parse an answers file; a ``scenario:`` in it is taken relative to the file."""
    path = Path(path)
    text = read_text(path, "answers", "make one with `bpstep template SCENARIO -o answers.yaml`",
                     AnswersError)
    return parse(text, str(path), path.parent)


def scenario_ref(file: Path, written: Path) -> str:
    """How an answers file written at ``written`` names the scenario ``file`` in ``scenario:``:
    its lesson name, else the path from ``written``'s folder, where ``find_scenario`` looks."""
    import os

    return lesson_named(file) or printable(os.path.relpath(file.resolve(),
                                                           written.resolve().parent))


def find_scenario(sheet: AnswerSheet, folders: Sequence[Path] = ()) -> Path:
    """The file the sheet's ``scenario:`` names, looked up where the marker allows, never beyond.

    In order: the path from the answers file's folder (as written there); a lesson bpstep ships,
    when the name is bare (``gfg_sigmoid``) and no file of that name is beside the answers;
    then the same path from the current folder and from each of ``folders``
    (``--scenarios DIR``), so a key that names its variant by file name finds it in the class
    folder. A student's file must not make the marker read files elsewhere (``../../etc/passwd``):
    what is found must lie in one of those folders, symbolic links followed. Where a name finds
    several files, the answers file itself and files that are no scenario (a classmate's answers
    named like the variant) do not count; two different scenarios under one name are said, not
    guessed between, and two copies of one file are one.
    """
    if sheet.scenario is None:
        raise AnswersError(sheet.source, "does not name its scenario; add a line like "
                           "`scenario: variant-01.yaml` (relative to the answers file)")
    home = Path(sheet.source).parent
    lesson = lesson_named(sheet.scenario, beside=home)
    if lesson is not None:
        return lesson_path(lesson)
    written = sheet.scenario_text or sheet.scenario.name
    roots = _distinct((home, Path("."), *folders))
    tried = _distinct((sheet.scenario, *(root / written for root, _ in roots[1:])))
    itself = _place(Path(sheet.source))
    found = [(path, place) for path, place in tried if place != itself and path.exists()]
    inside = [path for path, place in found
              if place is not None and any(place.is_relative_to(root) for _, root in roots)]
    if not inside:
        if found:
            raise AnswersError(sheet.source, f"{found[0][0]} is outside the answers file's folder "
                               "and the current folder; give the scenario on the command line "
                               f"(`bpstep verify SCENARIO {sheet.source}`) or allow its folder "
                               "with --scenarios DIR", SCENARIO_KEY, sheet.scenario_line)
        places = [str(root) if root != Path(".") else "the current folder" for root, _ in roots]
        where = places[0] if len(places) == 1 else f"{', '.join(places[:-1])} or {places[-1]}"
        then = ("check the name" if folders else
                "give the folder of the scenarios with --scenarios DIR")
        raise AnswersError(sheet.source, f"{written}: no such file in {where}, and no lesson of "
                           f"that name; {then}", SCENARIO_KEY, sheet.scenario_line)
    if len(inside) > 1:
        inside = [path for path in inside if _is_scenario(path)] or inside[:1]
    first = inside[0]
    for other in inside[1:]:
        if read_text(other) != read_text(first):
            raise AnswersError(sheet.source, f"{written} names two different files, {first} and "
                               f"{other}; keep one of them, or write the path of the one meant",
                               SCENARIO_KEY, sheet.scenario_line)
    return first


def _place(path: Path) -> Path | None:
    """Where ``path`` leads, symbolic links followed; None when that cannot be said (a loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def _distinct(paths: Sequence[Path]) -> list[tuple[Path, Path | None]]:
    """Each of ``paths`` with where it leads, without those that lead where an earlier one does."""
    out: list[tuple[Path, Path | None]] = []
    seen: set[Path] = set()
    for path in paths:
        place = _place(path)
        if place is None or place not in seen:
            out.append((path, place))
            if place is not None:
                seen.add(place)
    return out


def _is_scenario(path: Path) -> bool:
    """Whether ``path`` holds a valid scenario (never said why: it may be any file)."""
    try:
        data, lines = parse_yaml(read_text(path), str(path))
        check(data, str(path), lines)
    except ScenarioError:
        return False
    return True


def load_named_scenario(sheet: AnswerSheet, path: Path) -> Scenario:
    """The scenario at ``path`` (from ``find_scenario``), read as a stranger's file.

    When the file is no valid scenario the message gives its line and key path only: it could be
    any file of the marker's, and its content is not the student's to see.
    """
    text = read_text(path)
    try:
        data, lines = parse_yaml(text, str(path))
        return check(data, str(path), lines)
    except ScenarioError as err:
        where = f"line {err.line}" if err.line else "the top level"
        raise AnswersError(sheet.source, f"names {path}, which is not a valid scenario (a problem "
                           f"at {where}{f', {err.path}' if err.path else ''}); run `bpstep run "
                           f"{path}` to see what", SCENARIO_KEY, sheet.scenario_line) from None


@dataclass(frozen=True, slots=True)
class Worksheet:
    """An answers file and the scenario it is marked against, as ``bpstep verify`` finds it."""

    answers_path: Path
    sheet: AnswerSheet
    scenario_path: Path
    """The scenario as given or found: a path, or a lesson's name."""
    scenario: Scenario
    scenario_named: str
    """How ``--json`` names the scenario: its ``source`` when given, else where it was found."""


def open_worksheet(answers: Path, scenario: Path | None = None, folders: Sequence[Path] = ()
                   ) -> Worksheet:
    """The answers file ``answers`` (or the lesson of that name) and its scenario: ``scenario``
    when given (a file or a lesson), else the one its ``scenario:`` names (``find_scenario``)."""
    from bpstep.errors import UserError
    from bpstep.lessons import display, find, load_scenario

    answers_path = find(answers)
    sheet = load(answers_path)
    if scenario is not None:
        given = load_scenario(scenario)
        return Worksheet(answers_path, sheet, scenario, given, given.source)
    if sheet.scenario is None:
        raise UserError(f"{answers_path}: does not name its scenario; add a line like "
                        "`scenario: gfg_sigmoid.yaml` (relative to the answers file) or run "
                        f"`bpstep verify SCENARIO {answers_path}`")
    path = find_scenario(sheet, folders)
    return Worksheet(answers_path, sheet, path, load_named_scenario(sheet, path), display(path))


def check_names(sheet: AnswerSheet, computed: Collection[str], given: Mapping[str, float]
                ) -> list[AnswersError]:
    """Each name the scenario does not compute, said with its line and the closest names.

    The rest of the sheet can still be marked: a name mistyped loses that one answer only.
    """
    problems = []
    for name, line in sheet.lines.items():
        if name in computed:
            continue
        if name in given:
            kind = GIVEN_KINDS.get(kind_of(name), "a given value")
            problems.append(AnswersError(sheet.source, f"{name!r} is {kind} of the scenario, not "
                                         "something to work out; remove it", name, line or None))
            continue
        close = did_you_mean(name, computed)
        hint = f" ({close})" if close else "; `bpstep template SCENARIO` lists every name"
        problems.append(AnswersError(sheet.source, f"unknown quantity {name!r}{hint}", name,
                                     line or None))
    return problems


def known_answers(sheet: AnswerSheet, computed: Collection[str]) -> dict[str, Answer]:
    """The sheet's answers to quantities the scenario computes (what ``check_names`` lets through)."""
    return {name: a for name, a in sheet.answers.items() if name in computed}



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


def call_names(network: Network) -> dict[str, str | None]:
    """How each unit's output may be written as a call, ``sigmoid(a[h1])`` (None: write it out)."""
    return {u: act.call_name for units, act in zip(network.units[1:], network.activations, strict=True)
            for u in units}


def describe(q: Quantity, activations: Mapping[str, str | None], outputs: Collection[str],
             *, with_rule: bool = True) -> str:
    """``output of h1: sigmoid(a[h1])``: what ``q`` is and how it is computed, in names; without
    the rule (``output of h1``) for an exam that asks for it.

    ``activations`` maps unit names to their layer's activation; ``outputs`` are the output units.
    """
    template = DESCRIPTIONS.get(q.kind, "{rule}")
    if not with_rule:
        template = template.removesuffix(": {rule}").replace("{rule}", q.name)
    rule = q.formula.split(" = ", 1)[1] if with_rule else ""
    activation = activations.get(q.unit or "")
    if with_rule and q.kind in ("y", "y_after") and activation and activation != "softmax":
        rule = f"{activation}({q.inputs[0]})"
    text = template.format(
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


def worksheet(trace: Trace, marking: Floor | None, scenario_ref: str | None,
              check: str = "bpstep verify ANSWERS.yaml") -> str:
    """A YAML answers file with every quantity of the step set to null, in stage order.

    Keys are quoted (JSON strings are YAML strings), so any unit name reads back unchanged;
    ``scenario_ref`` is written as the ``scenario:`` key when given. ``marking`` is the
    scenario's (None: bpstep's default), which the header asks for: how answers are marked is
    a setting of the course, not a fact of the step.
    """
    network = trace.network
    activations = call_names(network)
    outputs = network.units[-1]
    title = printable(" ".join((network.title or Path(network.source).name).split()))
    out = [f"# bpstep worksheet · {title}",
           "# Write your number after each name, with the digits you worked with: 0.5523 stands",
           "# for 0.55225 to 0.55235. Give at least "
           f"{(marking or DEFAULT_FLOOR).words} (keep every digit",
           "# in the calculator until the answer); leave null what you did not work out.",
           f"# Check it with: {check}"]
    if scenario_ref is not None:
        out.append(f"{SCENARIO_KEY}: {json_dumps(scenario_ref)}")
    for index, stage in enumerate(trace.stages):
        out += ["", f"# stage {index + 1} of {len(trace.stages)} · {printable(stage.title)}"]
        keys = [json_dumps(q.name) + ":" for q in stage.quantities]
        width = max(len(k) for k in keys)
        for key, q in zip(keys, stage.quantities, strict=True):
            out.append(f"{key.ljust(width)} null  # {printable(describe(q, activations, outputs))}")
    return "\n".join(out) + "\n"


@dataclass(frozen=True, slots=True)
class BlankWorksheet:
    """A worksheet ``bpstep template`` writes, the command that marks it, how many values."""

    text: str
    check: str
    quantities: int


def blank_worksheet(file: Path, written: Path | None) -> BlankWorksheet:
    """The worksheet of ``file`` (a scenario or a lesson) to be written at ``written`` (None or
    ``-``: printed): its ``scenario:`` names the scenario as ``verify`` will find it from there,
    and the command that marks it names the file it is written to."""
    from bpstep.engine import step
    from bpstep.lessons import load_scenario

    scenario = load_scenario(file)
    if written is None or str(written) == "-":
        ref, check = lesson_named(file) or str(file), "bpstep verify ANSWERS.yaml"
    else:
        ref = scenario_ref(file, written)
        check = f"bpstep verify {printable(str(written))}"
    trace = step(scenario)
    return BlankWorksheet(worksheet(trace, scenario.marking, Path(ref).as_posix(), check), check,
                          len(trace.values))
