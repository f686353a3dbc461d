"""A whole class from one scenario: a variant per student, its answer key, and its quiz blanks.

A variant keeps the scenario's structure (layers, activations, loss, convention, mode, learning
rate) and draws new nice numbers with as many decimals as the original's. Each variant is drawn
from its own seed, derived from the class seed and the variant's id with SHA-256, so one
student's variant can be made again from (seed, id) alone.

Pure: files are read and written by ``bpstep.cli``; the roster text comes in as a string.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bpstep.engine import Params, initial_params, step
from bpstep.errors import UserError
from bpstep.exercise import _nice, well_conditioned
from bpstep.export.scenario_yaml import scenario_yaml, yaml_number
from bpstep.scenario import Scenario, activation_of
from bpstep.trace import Phase, Trace
from bpstep.verify import early_rounding_values, mistake_values
from bpstep.written import DEFAULT_FLOOR, Floor, FloorKind, read_number

MAX_DECIMALS = 4
"""Decimals drawn at most, for a scenario whose numbers were drawn (``init``) or are long."""
ATTEMPTS = 1000
"""Draws tried per variant before saying the scenario cannot be varied."""
MAX_ROSTER_BYTES = 1_000_000
MAX_VARIANTS = 10_000
ROSTER_HEADERS = ("id", "student", "name", "email", "username", "student_id")
"""Column headers a roster's id column may have (compared case-insensitively)."""


class VariantError(UserError):
    """A roster or a request for variants that cannot be met; the message says what to do."""


# --- drawing variants ---


def decimals_of(values: np.ndarray | Sequence[float]) -> int:
    """The most decimals any of ``values`` is written with (``0.35`` → 2), at most MAX_DECIMALS."""
    most = 0
    for v in np.ravel(values):
        text = repr(float(v))
        if "e" in text:
            return MAX_DECIMALS
        most = max(most, len(text.split(".")[1].rstrip("0")))
    return min(most, MAX_DECIMALS)


def derive_seed(seed: int, ident: str) -> int:
    """A variant's own seed from the class seed and its id: stable across runs and machines."""
    digest = hashlib.sha256(f"bpstep-variant\0{seed}\0{ident}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _span(values: np.ndarray, decimals: int, default: float) -> tuple[float, float]:
    """Where new numbers are drawn: ±the largest magnitude, or [0, max] when none is negative."""
    top = max(float(np.max(np.abs(values))) if values.size else 0.0, default, 10.0 ** -decimals)
    return (0.0 if values.size and np.min(values) >= 0 else -top, top)


def _targets(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """New targets inside the output activation's range, or the scenario's own where a loss
    constrains them (cross-entropies) or the range is open."""
    low, high = activation_of(scenario.layers[-1]).bounds
    if scenario.loss not in ("half_sse", "sse", "mse") or not (
            math.isfinite(low) and math.isfinite(high)):
        return scenario.targets
    decimals = max(decimals_of(scenario.targets), 1)
    margin = 0.1 * (high - low)
    return _nice(rng, low + margin, high - margin, decimals, scenario.targets.shape, nonzero=False)


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=float)
    array.flags.writeable = False
    return array


def draw_variant(scenario: Scenario, seed: int) -> Scenario:
    """The scenario with new nice weights, biases, inputs and targets, well conditioned as
    ``bpstep new`` defines it. Each group keeps its own decimals and span (XOR's 0/1 inputs stay
    0/1), which ``bpstep.exercise.draw_numbers``'s fixed ranges for a fresh network would not."""
    rng = np.random.default_rng(seed)
    reason = None
    for _ in range(ATTEMPTS):
        weights = tuple(_frozen(_nice(rng, *_span(w, d := decimals_of(w), 0.0), d, w.shape, nonzero=False))
                        for w in scenario.weights)
        biases = None if scenario.biases is None else tuple(
            _frozen(_nice(rng, *_span(b, d := decimals_of(b), 0.5), d, b.shape, nonzero=False))
            for b in scenario.biases)
        x = scenario.inputs
        inputs = _frozen(_nice(rng, *_span(x, d := decimals_of(x), 1.0), d, x.shape, nonzero=False))
        variant = dataclasses.replace(scenario, weights=weights, biases=biases, inputs=inputs,
                                      targets=_frozen(_targets(scenario, rng)), init=None)
        reason = well_conditioned(variant, step(variant))
        if reason is None:
            return variant
    raise VariantError(f"{scenario.source}: no well-conditioned variant in {ATTEMPTS} draws "
                       f"(last: {reason}); give the scenario numbers with more decimals")


# --- the class: ids, file names, files ---


@dataclass(frozen=True, slots=True)
class Variant:
    """One student's (or one numbered) variant and where it is written."""

    ident: str
    """The roster id, or the variant's number (``01``)."""
    seed: int
    stem: str
    """File name without extension: ``variant-01`` or a safe form of the roster id."""
    scenario: Scenario


def safe_stem(ident: str) -> str:
    """A file name any system accepts, from a student's id: ``Zoë O'Neil`` → ``Zoe-O-Neil``."""
    ascii_text = unicodedata.normalize("NFKD", ident).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_text).strip(".-_")[:60]
    return stem or "student"


def read_roster(text: str, source: str) -> list[str]:
    """Student ids from a roster CSV: the column headed id/student/name/email, else the first.

    A file without one of those headers is read as ids only, one per line.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_ROSTER_BYTES or "\0" in text:
        raise VariantError(f"{source}: is not a roster (binary or over "
                           f"{MAX_ROSTER_BYTES // 1_000_000} MB); expected a CSV with a column of ids")
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    except csv.Error as err:
        raise VariantError(f"{source}: is not a readable CSV ({err})") from None
    if not rows:
        raise VariantError(f"{source}: is empty; expected a column of student ids, e.g. a header "
                           "'id' and one id per line")
    header = [cell.strip().lower() for cell in rows[0]]
    column, first = 0, 0
    for name in ROSTER_HEADERS:
        if name in header:
            column, first = header.index(name), 1
            break
    ids: list[str] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[first:], start=first + 1):
        ident = " ".join(row[column].split()) if column < len(row) else ""
        if not ident:
            raise VariantError(f"{source}:{line}: has no id in column {column + 1}; every row needs one")
        if ident.casefold() in seen:
            raise VariantError(f"{source}:{line}: id {ident!r} is already on line "
                               f"{seen[ident.casefold()]}; ids must be unique")
        seen[ident.casefold()] = line
        ids.append(ident)
    if not ids:
        raise VariantError(f"{source}: has a header but no students")
    if len(ids) > MAX_VARIANTS:
        raise VariantError(f"{source}: has {len(ids)} students; at most {MAX_VARIANTS} are made")
    return ids


def make_variants(scenario: Scenario, seed: int, *, count: int | None = None,
                  roster: Sequence[str] | None = None) -> list[Variant]:
    """``count`` numbered variants, or one per roster id, each from its own derived seed."""
    if roster is not None:
        pairs = [(ident, safe_stem(ident)) for ident in roster]
    else:
        width = max(2, len(str(count)))
        pairs = [(f"{i:0{width}d}", f"variant-{i:0{width}d}") for i in range(1, (count or 0) + 1)]
    stems: dict[str, int] = {}
    out = []
    for ident, stem in pairs:
        n = stems[stem.casefold()] = stems.get(stem.casefold(), 0) + 1
        unique = stem if n == 1 else f"{stem}-{n}"
        own = derive_seed(seed, ident)
        out.append(Variant(ident, own, unique, draw_variant(scenario, own)))
    return out


def variant_yaml(variant: Variant, original: str, seed: int) -> str:
    """The variant as a scenario file ``bpstep run`` reads."""
    scenario = variant.scenario
    title = f"{scenario.title or 'Exercise'} · variant {variant.ident}"
    params: Params = initial_params(scenario)
    note = (f"Variant {variant.ident} of {original}, drawn by 'bpstep variants' (class seed {seed}, "
            f"variant seed {variant.seed}).")
    return scenario_yaml(scenario, params, title=title, note=note)


def key_yaml(variant: Variant, trace: Trace) -> str:
    """The answer key: every quantity at full precision, as an answers file ``verify`` reads."""
    out = [f"# Answer key of variant {variant.ident}: every value at full precision.",
           f"scenario: {json.dumps(variant.stem + '.yaml')}"]
    out += [f"{json.dumps(name)}: {yaml_number(value)}" for name, value in trace.named_values()]
    return "\n".join(out) + "\n"


INDEX_NAME = "index.csv"
INDEX_FIELDS = ("variant", "seed", "file", "key")


def index_csv(variants: Sequence[Variant]) -> str:
    """variant, seed, file, key: one row per variant (ids are guarded against formula injection)."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(INDEX_FIELDS)
    for v in variants:
        writer.writerow([csv_cell(v.ident), v.seed, v.stem + ".yaml", v.stem + ".key.yaml"])
    return stream.getvalue()


def csv_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ (or tab, CR) would start a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def read_index(text: str, source: str) -> list[tuple[str, str]]:
    """(variant id, scenario file name) of each row of an ``index.csv``."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "file" not in rows[0] or "variant" not in rows[0]:
        raise VariantError(f"{source}: is not a variants index (columns {', '.join(INDEX_FIELDS)}); "
                           "make one with `bpstep variants SCENARIO -o DIR`")
    out = []
    for line, row in enumerate(rows, start=2):
        name = row.get("file") or ""
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise VariantError(f"{source}:{line}: file {name!r} is not a file name in this folder")
        ident = row.get("variant") or ""
        out.append((ident[1:] if ident.startswith("'") else ident, name))
    return out


# --- quiz blanks: which values are asked, with what tolerance, which wrong answers are named ---


ASK_GROUPS = {"forward": (Phase.FORWARD,), "loss": (Phase.LOSS,), "deltas": (Phase.BACKWARD,),
              "updates": (Phase.UPDATE,), "after": (Phase.AFTER,), "all": tuple(Phase)}
"""Words ``--ask`` accepts for whole parts of the step."""
WHOLE_VALUE_POWERS = 2
"""Power-of-ten answers a quiz names: the whole value ×10 and ×1/10 (the first two replayed)."""


def asked(trace: Trace, ask: str | None) -> list[str]:
    """The quantity names ``--ask`` chooses (``forward,deltas``, ``delta[*]``), in stage order.

    In a pattern only ``*`` is special (any text), so the brackets of a name are meant literally.
    """
    if ask is None:
        return [name for name, _ in trace.named_values()]
    chosen: set[str] = set()
    for item in (part.strip() for part in ask.split(",")):
        if not item:
            continue
        if item in ASK_GROUPS:
            phases = ASK_GROUPS[item]
            chosen.update(name for stage in trace.stages if stage.phase in phases
                          for name, _ in _names(stage))
            continue
        pattern = re.compile(".*".join(map(re.escape, item.split("*"))))
        matched = [name for name, _ in trace.named_values() if pattern.fullmatch(name)]
        if not matched:
            raise VariantError(f"--ask {item!r} matches no quantity; use {', '.join(ASK_GROUPS)} "
                               "or a name pattern such as 'delta[*]' or 'w[*->o]'")
        chosen.update(matched)
    if not chosen:
        raise VariantError("--ask chooses nothing; e.g. --ask forward,deltas or --ask 'delta[*]'")
    return [name for name, _ in trace.named_values() if name in chosen]


def _names(stage: object) -> list[tuple[str, float]]:
    from bpstep.trace import named_values

    return list(named_values(stage.quantities))  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Answer:
    """One accepted or recognised answer of a blank: value ± tolerance, credit and feedback."""

    value: float
    tolerance: float
    credit: int
    """Percent of the blank's marks."""
    feedback: str
    mistake: str | None = None
    """Key of the mistake in ``bpstep.verify.MISTAKES`` for a named wrong answer, ``early`` for
    a value rounded too early."""


@dataclass(frozen=True, slots=True)
class Blank:
    """A value to fill in, with its answers: the correct one first."""

    name: str
    description: str
    answers: tuple[Answer, ...]

    @property
    def value(self) -> float:
        return self.answers[0].value


@dataclass(frozen=True, slots=True)
class Question:
    """One variant as a quiz question: its given numbers and its blanks."""

    title: str
    ident: str
    givens: tuple[tuple[str, str], ...]
    """(what, value as written) of every given number: inputs, targets, weights, η."""
    blanks: tuple[Blank, ...]
    precision: Floor
    """What each value is asked to: its decimals or significant figures."""


def _clear(answers: Sequence[Answer], value: float, tol: float) -> bool:
    """Far enough from every answer so far that no number typed matches two of them."""
    return all(abs(value - a.value) > a.tolerance + tol for a in answers)


def quiz_precision(scenario: Scenario, digits: int | None, decimals: int | None) -> Floor:
    """What a quiz asks each value to: ``--digits``/``--decimals``, else the scenario's
    ``marking``, else the floor ``bpstep verify`` asks (3 significant figures), so the quiz and
    ``verify`` accept the same numbers."""
    if digits is not None:
        return Floor(FloorKind.DIGITS, digits)
    if decimals is not None:
        return Floor(FloorKind.DECIMALS, decimals)
    return scenario.marking or DEFAULT_FLOOR


def question(scenario: Scenario, trace: Trace, ident: str, *, ask: str | None, precision: Floor,
             rounding_credit: int) -> Question:
    """The variant's worksheet as blanks: each correct to ±half a unit of the last digit
    ``precision`` asks for; each value ``verify`` would call rounded too early (the same
    definition, ``early_rounding_values``) at ``rounding_credit`` %; each named mistake at 0 %."""
    from bpstep.answers import call_names, describe, describe_given

    activations, outputs = call_names(scenario), scenario.layers[-1].units
    names = asked(trace, ask)
    blanks = []
    for name in names:
        q = trace[name]
        value = q.value
        written = read_number(precision.written(value))
        assert written is not None, "a number written by written() reads back"
        tol = written.half_unit
        answers = [Answer(value, tol, 100, f"correct: {name} = {written.text}")]
        early = early_rounding_values(trace, scenario, name, written.figures, names)
        for m in early if rounding_credit else ():
            if _clear(answers, m.value, tol):
                answers.append(Answer(m.value, tol, rounding_credit, m.hint, m.key))
        powers = 0
        for m in mistake_values(trace, scenario, name, written=names):
            if m.key == "power_of_ten":
                powers += 1
                if powers > WHOLE_VALUE_POWERS:
                    continue
            if _clear(answers, m.value, tol):
                answers.append(Answer(m.value, tol, 0, m.hint, m.key))
        blanks.append(Blank(name, describe(q, activations, outputs), tuple(answers)))
    givens = tuple((describe_given(n), yaml_number(v)) for n, v in trace.given.items())
    title = f"{scenario.title or 'Backpropagation step'} · {ident}"
    return Question(title, ident, givens, tuple(blanks), precision)
