"""Marking a hand-worked step the way a careful examiner does: answers + trace → verdicts.

A written number stands for an interval: ``0.002728`` for [0.0027275, 0.0027285], every value a
calculator could have shown before those digits were written (bpstep.written). Each answer is
judged in this order:

1. against the true value, within its own digits → ``correct``, or ``too coarse`` when it has
   fewer figures than the course asks (``--digits``/``--decimals``, default 3 significant
   figures) and is not exactly the value;
2. against every value the student's *own* earlier numbers allow: each rule is evaluated over
   the intervals of the numbers written before it (through the values not written, in affine
   arithmetic, so near-cancelling sums and y·(1 − y) stay as tight as the calculator) → within
   reach it is ``rounding`` when those earlier numbers were accepted, ``carried`` when it carries
   an earlier mistake forward (error carried forward: not a new mistake), and ``too coarse``
   again under the floor;
3. otherwise it is replayed: each known mistake, a rewrite of the rule, on the student's own
   numbers and then on the true ones → ``wrong`` with the mistake named; one value the rule is
   worked from rounded to as few figures as the answer has, two at least → ``rounded too
   early`` (half credit);
   two neighbouring digits swapped or one digit off → ``wrong`` with that said; else ``wrong``.

Pure: no printing, no files. The renderer and ``--json`` read the ``Report``.
"""

from __future__ import annotations

import math
from collections import ChainMap, Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from bpstep.affine import UNBOUNDED, Affine
from bpstep.answers import Answer, AnswerSheet, Worksheet, check_names, known_answers, open_worksheet
from bpstep.engine import is_error_term, step, swap_error
from bpstep.enums import StrEnum
from bpstep.errors import ExitCode, UserError
from bpstep.expr import (
    HALF,
    ONE,
    Const,
    Diff,
    Div,
    Expr,
    Group,
    Neg,
    Prod,
    Ref,
    Slope,
    Sum,
    const,
    inline,
    substitute,
)
from bpstep.functions import ACTIVATIONS, Activation
from bpstep.numbers import fmt
from bpstep.scenario import Scenario
from bpstep.trace import UPDATE_KINDS, Kind, Name, Quantity, Trace, kind_of, parse_name
from bpstep.written import DEFAULT_FLOOR, Floor, FloorKind, Written, round_figures


class Mark(StrEnum):
    """The verdict on one answer."""

    CORRECT = "correct"
    ROUNDING = "rounding"
    CARRIED = "carried"
    TOO_COARSE = "too coarse"
    ROUNDED_EARLY = "rounded too early"
    WRONG = "wrong"
    NOT_ATTEMPTED = "not attempted"


CORRECT, ROUNDING, CARRIED, TOO_COARSE, ROUNDED_EARLY, WRONG, NOT_ATTEMPTED = Mark
VERDICTS = tuple(Mark)
ACCEPTED = frozenset({CORRECT, ROUNDING, CARRIED})
TO_FIX = frozenset({TOO_COARSE, ROUNDED_EARLY, WRONG})
"""Verdicts that make a worksheet fail (exit code 1): attempted and not accepted."""
EARLY_CREDIT = 50
"""Percent of the marks a value rounded too early earns (the quizzes' default band credit)."""
CREDIT = {CORRECT: 100, ROUNDING: 100, CARRIED: 100, TOO_COARSE: 0, ROUNDED_EARLY: EARLY_CREDIT,
          WRONG: 0, NOT_ATTEMPTED: 0}
"""Percent of a value's marks each verdict earns."""
SUMMARY_WORDS = {CORRECT: "correct", ROUNDING: "within rounding", CARRIED: "carried forward",
                 TOO_COARSE: "too coarse", ROUNDED_EARLY: "rounded too early", WRONG: "wrong",
                 NOT_ATTEMPTED: "not attempted"}
ALWAYS_COUNTED = (CORRECT, ROUNDING, WRONG, NOT_ATTEMPTED)
"""Counts the summary line always shows; the others appear when there are any."""

EPSILON = 1e-9
"""Relative float slack added to every tolerance, so 0.555 against ±0.005 is not lost to binary."""
FLOAT_NOISE = 1e-15
"""What float arithmetic leaves of a sum of hand-sized numbers that is exactly 0 on paper."""
POWERS = {p: f"{10 ** p:g}" if p > 0 else f"1/{10 ** -p}" for p in (1, -1, 2, -2, 3, -3)}
"""Powers of ten tried, with how the hint writes the factor (×10, ×1/100)."""
SLIP_DIGITS = 3
"""Significant digits a number needs before one wrong digit reads as a slip, not a guess."""
DEPTH = 2
"""Levels of values not written a slip is replayed through (w ← Δw ← δ), and a rule
misremembered where following it all the way back would cost too much."""
MOST_FIGURES = 8
"""Rounding too early is looked for down from at most this many significant figures."""
LEAST_FIGURES = 2
"""A value rounded to one significant figure (0.2458 as 0.2) is a wrong number, not a rounding."""
MOST_WORK = 300_000
"""Nodes evaluated per answer in looking for a rounding too early, nearest values first: every
value and intermediate of a hand exercise many times over, and a bound on the time a rule of
thousands of terms (a 784-input unit) can take."""
MOST_FORMS = 50_000
"""Ranges worked out per worksheet for values not written: every value of a hand exercise, and
a bound on a step of 200,000 values; past it a value is judged on the numbers as written."""
MOST_PATH = 60
"""Values not written that a mistake is followed through on its way to an answer: every value
of a hand exercise, a bound on a network of thousands."""
MOST_OPERANDS = 40
"""Operands a power of ten is tried on one at a time; a rule with more (a 784-input net input)
is tried as a whole only."""
NEAR = 8.0
"""A replayed value this many times the spread of the student's own chain from an answer is
checked over the student's intervals too (the replay on the written numbers is one point of it)."""
NEAR_SHARE = 1e-3
"""... and so is one within this share of its own size (the mistaken rule may spread where the
right one does not: a ReLU's step left out)."""
BACKWARD_KINDS = frozenset({Kind.DELTA, Kind.DW, Kind.DB})


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one quantity of the worksheet was marked."""

    name: str
    expected: float
    """The true value (float64)."""
    verdict: Mark
    given: float | None = None
    written: str | None = None
    """The student's number as written; None when not attempted."""
    hint: str | None = None
    """The likely mistake (wrong, rounded too early), what was carried or rounded, or what the
    floor asks (too coarse)."""
    mistake: str | None = None
    """Key of the mistake in ``MISTAKES`` (or ``early``, ``swapped_digits``, ``slip``, ...) that
    reproduces a number not accepted."""
    carried_from: tuple[str, ...] = ()
    """Earlier answers of the student this one builds on, when those were not accepted."""
    recomputed: float | None = None
    """The value recomputed from the student's own earlier numbers, as written."""
    tolerance: float | None = None
    """Half-width of the interval an answer was accepted in (digits written, or ``--tol``)."""
    stage: int = 0

    @property
    def accepted(self) -> bool:
        return self.verdict in ACCEPTED

    @property
    def credit(self) -> int:
        """Percent of this value's marks the verdict earns."""
        return CREDIT[self.verdict]


@dataclass(frozen=True, slots=True)
class Report:
    """Every quantity of the step marked, in stage order."""

    verdicts: tuple[Verdict, ...]
    floor: Floor | None = None
    """The precision an answer needed (None: any number of figures)."""
    _by_name: Mapping[str, Verdict] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {v.name: v for v in self.verdicts})

    def __iter__(self) -> Iterator[Verdict]:
        return iter(self.verdicts)

    def __getitem__(self, name: str) -> Verdict:
        return self._by_name[name]

    @property
    def counts(self) -> dict[Mark, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for v in self.verdicts:
            counts[v.verdict] += 1
        return counts

    @property
    def attempted(self) -> bool:
        return any(v.verdict != NOT_ATTEMPTED for v in self.verdicts)

    @property
    def has_mistakes(self) -> bool:
        """Something to put right: a value wrong, too coarse or rounded too early."""
        return any(v.verdict in TO_FIX for v in self.verdicts)

    @property
    def passed(self) -> bool:
        """Every value attempted is accepted, and at least one was attempted (exit code 0)."""
        return self.attempted and not self.has_mistakes

    @property
    def points(self) -> float:
        """Marks earned, one per value: partial credit included."""
        return sum(v.credit for v in self.verdicts) / 100

    def summary(self) -> str:
        """``9 correct, 2 within rounding, 1 wrong, 4 not attempted``."""
        if not self.attempted:
            return f"nothing attempted: all {len(self.verdicts)} values are blank"
        counts = self.counts
        shown = [k for k in VERDICTS if k in ALWAYS_COUNTED or counts[k]]
        return ", ".join(f"{counts[k]} {SUMMARY_WORDS[k]}" for k in shown)


def floor_for(scenario: Scenario, *, digits: int | None = None, decimals: int | None = None,
              tol: float | None = None) -> Floor | None:
    """The precision floor of a marking: the teacher's option, else the scenario's ``marking``,
    else 3 significant figures; none when ``--tol`` alone says what is accepted."""
    if digits is not None and decimals is not None:
        raise ValueError("a floor counts significant figures or decimal places, not both")
    if digits is not None:
        return Floor(FloorKind.DIGITS, digits)
    if decimals is not None:
        return Floor(FloorKind.DECIMALS, decimals)
    if tol is not None:
        return None
    return scenario.marking or DEFAULT_FLOOR


def check_one_floor(digits: int | None, decimals: int | None) -> None:
    """Refuse ``--digits`` with ``--decimals``: an answer's precision is counted one way (said to
    the user; ``floor_for`` given both is a caller's mistake)."""
    if digits is not None and decimals is not None:
        raise UserError("--digits and --decimals both say how precise an answer must be; give one "
                        "of them")


def _close(value: float, reference: float, tolerance: float) -> bool:
    """Within the tolerance; a value past the float range is close to nothing (not even itself)."""
    if not (math.isfinite(value) and math.isfinite(reference)):
        return False
    return abs(value - reference) <= tolerance + EPSILON * max(1.0, abs(reference))


def _exactly(value: float, reference: float) -> bool:
    """The same number but for float noise: relative, so a tiny value is not 0 (up to 1e-15)."""
    return (math.isfinite(value) and math.isfinite(reference)
            and abs(value - reference) <= EPSILON * abs(reference) + FLOAT_NOISE)


def _reaches(value: float, form: Affine, tolerance: float) -> bool:
    """Within the tolerance of some value in the form's range (an unbounded range says nothing)."""
    if not (form.bounded and math.isfinite(value)):
        return False
    low, high = form.low, form.high
    nearest = min(max(value, low), high)
    return _close(value, nearest, tolerance)


def _decimals(tolerance: float) -> int | None:
    """Decimals a half-unit tolerance stands for (0.005 → 2); None when it is not one."""
    if tolerance <= 0:
        return 0
    places = -math.log10(2 * tolerance)
    rounded = round(places)
    return rounded if abs(places - rounded) < 1e-6 and 0 <= rounded <= 15 else None


def _digits_differ(written: str, other: str) -> str | None:
    """``slip`` when one digit differs, ``swapped_digits`` when two neighbours are swapped."""
    if len(written) != len(other) or written == other:
        return None
    diff = [i for i, (a, b) in enumerate(zip(written, other, strict=True)) if a != b]
    if len(diff) == 1:
        return "slip"
    if (len(diff) == 2 and diff[1] == diff[0] + 1
            and written[diff[0]] == other[diff[1]] and written[diff[1]] == other[diff[0]]):
        return "swapped_digits"
    return None


class Replay(NamedTuple):
    """A replay: the rule rewritten as a mistake would have it, and the hint that names the mistake."""

    rule: Expr
    hint: str
    source: str | None = None
    """The value the student did not write that the mistake was made in (None: in q itself).
    Every later value worked from that value carries the one mistake, so it is marked once."""
    source_rule: Expr | None = None
    """That value as the mistake has it, over the values of the step (before any mistake)."""


@dataclass(frozen=True, slots=True)
class Mistake:
    """A mistake students make, as rewrites of a quantity's rule."""

    key: str
    applies: Callable[[_Marker, Quantity], bool]
    replays: Callable[[_Marker, Quantity], Iterator[tuple[Expr, str] | Replay]]
    """The rule as the mistake would have it, each with the hint that says so."""


class _Chain(Mapping[str, Affine]):
    """The range of every value as the student has it: each written number its interval, each
    value not written whatever the student's numbers before it allow (made when first asked).

    ``excluded``: values not written that were found to hold a mistake (see
    ``_Marker.override``) taken as they should be here, for a student who made that mistake in
    one place only, or whose answer was explained by another reading.
    """

    def __init__(self, marker: _Marker, excluded: frozenset[str] = frozenset()) -> None:
        self.marker = marker
        self.excluded = excluded
        self.forms: dict[str, Affine] = {}

    def __getitem__(self, name: str) -> Affine:
        form = self.forms.get(name)
        if form is None:
            form = self.forms[name] = self.marker.form_of(name, self)
        return form

    def __iter__(self) -> Iterator[str]:
        return iter(self.forms)

    def __len__(self) -> int:
        return len(self.forms)


class _Marker:
    """Marks one worksheet: the student's world of values, verdicts, and mistakes replayed."""

    def __init__(self, trace: Trace, answers: Mapping[str, Answer],
                 tol: float | None, floor: Floor | None) -> None:
        self.trace, self.answers, self.tol = trace, answers, tol
        self.network = net = trace.network
        self.floor = floor
        self.delta_rule = net.delta_rule
        self.activation = {u: act for units, act in zip(net.units[1:], net.activations, strict=True)
                           for u in units}
        self.outputs = frozenset(net.units[-1])
        self.place = {u: (k, i) for k, units in enumerate(net.units) for i, u in enumerate(units)}
        """Layer and position of every unit, for weights read from the wrong row or column."""
        self.world: dict[str, float] = dict(trace.given)
        """The student's numbers where given, else recomputed from the student's numbers."""
        self.truth: Mapping[str, float] = trace.env
        self.recomputed: dict[str, float] = {}
        self.written_above: dict[str, bool] = {}
        """Whether a value rests on any number the student wrote (else it is the true one)."""
        self.chain = _Chain(self)
        self.readings: dict[frozenset[str], _Chain] = {frozenset(): self.chain}
        """The chain with some of the overrides taken back, by the overrides taken back."""
        self.forms_worked = 0
        self.plain_world: dict[str, float] = {}
        """The world before any value not written was found to hold a mistake."""
        self.taint: dict[str, frozenset[str]] = {}
        """The student's answers off the true value (not cleanly accepted) each value builds on."""
        self.quantities = list(trace)
        self.by_name = {q.name: q for q in self.quantities}
        """Every quantity by name, each made once: a lazy stage's trace[name] makes it anew, and
        its rule's layout and expression with it."""
        self.order = {q.name: i for i, q in enumerate(self.quantities)}
        self.fed: dict[str, list[str]] = {}
        """The values not written each judged value rests on (``feeding``)."""
        self.deeps: dict[str, Expr] = {}
        """Each value's rule with the backward values not written worked out in it (``deep``)."""
        self.roads: dict[tuple[str, str], list[str]] = {}
        """What a mistake in a value not written passes through to each answer (``between``)."""
        self.shapes: dict[str, tuple[int, Counter[str]]] = {}
        """Each rule's size and how often it uses each operand (``road_size``)."""
        self.as_mistaken: dict[str, Expr] = {}
        """The rule each answer named wrong was worked by, as the mistake found has it."""
        self.revealed: dict[str, str] = {}
        """The answer that showed each such value, and the value it showed."""
        self.overrides: dict[str, Affine] = {}
        """Values the student did not write that were found to hold a mistake, as the student
        had them: what is worked from them later carries the mistake, marked once."""

    def tolerance(self, answer: Answer) -> float:
        return answer.tolerance if self.tol is None else self.tol

    def form_of(self, name: str, chain: _Chain) -> Affine:
        """The range of one value in the student's chain (see ``_Chain``)."""
        if name in self.overrides and name not in chain.excluded:
            return self.overrides[name]
        answer = self.answers.get(name)
        if answer is not None:
            return self.written_form(answer, chain)
        if name not in self.by_name or not self.written_above.get(name, False):
            return Affine.point(self.truth[name])
        self.forms_worked += 1
        if self.forms_worked > MOST_FORMS:
            return UNBOUNDED
        return self.by_name[name].expr.bound(chain)

    def written_form(self, answer: Answer, chain: _Chain) -> Affine:
        """What a number written stands for when later values are worked from it: its interval;
        the one value when it is exactly that (the true value, or the only value the student's
        numbers give, a dead ReLU's 0); and for a number too coarse that agrees, no more than
        what was written and what it agrees with (the paper chain used the one, the calculator
        the other)."""
        x, true = answer.value, self.truth.get(answer.name, math.nan)
        if math.isfinite(true) and abs(x - true) <= EPSILON * abs(true):
            return Affine.point(true)
        if self.meets_floor(answer):
            return Affine.written(answer.name, x, answer.tolerance)
        rule = self.as_mistaken.get(answer.name)
        own = (rule.bound(chain) if rule is not None else
               self.by_name[answer.name].expr.bound(chain) if self.written_above[answer.name]
               else Affine.point(true))
        if own.bounded and own.radius <= EPSILON * abs(x) + FLOAT_NOISE and _exactly(x, own.centre):
            return Affine.point(x)
        tol = self.tolerance(answer)
        ends = [x, *((own.low, own.high) if _reaches(x, own, tol) else ()),
                *((true,) if _close(x, true, tol) else ())]
        if len(ends) == 1:
            return Affine.written(answer.name, x, answer.tolerance)
        return Affine.between(min(ends), max(ends))

    def unwritten_rule(self, name: str) -> Expr | None:
        """The rule of a δ, Δw or Δb the student did not write, to replay a mistake through it.

        Only the backward pass is followed: the forward values a δ rests on were worked out
        before it, right or wrong, and are where the student's own numbers already come in.
        """
        if name in self.answers or name not in self.by_name or kind_of(name) not in BACKWARD_KINDS:
            return None
        return self.by_name[name].expr

    def deep(self, q: Quantity) -> Expr:
        """q's rule with the unwritten δ, Δw and Δb it rests on written out: all of them back to
        the output error, or ``DEPTH`` levels where that would run to thousands of terms."""
        expr = self.deeps.get(q.name)
        if expr is None:
            road = {n for n in self.feeding(q) if self.unwritten_rule(n) is not None}
            if self.road_size(q, road) <= MOST_WORK // 10:
                expr = inline(q.expr, lambda n: self.by_name[n].expr if n in road else None,
                              len(road))
            else:
                expr = inline(q.expr, self.unwritten_rule, DEPTH)
            self.deeps[q.name] = expr
        return expr

    def unwritten_sources(self, q: Quantity, levels: int = MOST_PATH) -> list[str]:
        """The values q rests on that the student did not write, nearest first, up to ``levels``
        down and ``MOST_PATH`` in all: a mistake in any of them shows in q."""
        found: list[str] = []
        level = [q.name]
        for _ in range(levels):
            if not level or len(found) >= MOST_PATH:
                break
            nxt = []
            for name in level:
                for source in self.by_name[name].inputs:
                    if source in self.by_name and source not in self.answers and source not in found:
                        found.append(source)
                        nxt.append(source)
            level = nxt
        return found

    def work_out(self, quantities: Iterable[Quantity]) -> None:
        """The student's world from these quantities on: their numbers where written, else the
        rule on their numbers (and whether each rests on a number they wrote)."""
        for q in quantities:
            again = q.evaluate(self.world)
            self.recomputed[q.name] = again
            answer = self.answers.get(q.name)
            if q.name not in self.overrides:
                self.world[q.name] = again if answer is None else answer.value
            self.written_above[q.name] = any(
                n in self.answers or n in self.overrides or self.written_above.get(n, False)
                for n in q.inputs)

    def override(self, name: str, rule: Expr, shown_in: str) -> None:
        """A value the student did not write, found to hold a mistake (shown in ``shown_in``):
        from now on it is the student's mistaken value, and what is worked from it is carried.
        The first reading of a value stands: a later answer cannot make it another."""
        if name in self.overrides:
            return
        if not self.overrides:
            self.plain_world = dict(self.world)
        self.overrides[name] = rule.bound(self.chain)
        self.world[name] = rule.evaluate(self.world)
        self.taint[name] = frozenset({shown_in})
        self.revealed.setdefault(shown_in, name)
        for chain in self.readings.values():
            chain.forms.clear()
        later = self.quantities[self.order[name] + 1:]
        self.work_out(later)
        empty: frozenset[str] = frozenset()
        for q in later:  # the values not written already passed carry it too
            if self.order[q.name] >= self.order[shown_in]:
                break
            if q.name not in self.answers:
                self.taint[q.name] = empty.union(*(self.taint.get(n, empty) for n in q.inputs))

    def mark(self) -> Report:
        self.work_out(self.quantities)
        verdicts: list[Verdict] = []
        empty: frozenset[str] = frozenset()
        for stage, st in enumerate(self.trace.stages):
            for q in st.quantities:
                upstream = empty.union(*(self.taint.get(n, empty) for n in q.inputs))
                answer = self.answers.get(q.name)
                if answer is None:
                    verdict = Verdict(q.name, q.value, NOT_ATTEMPTED, stage=stage)
                    self.taint[q.name] = upstream
                else:
                    verdict = self.judge(q, answer, upstream, stage)
                    clean = verdict.verdict in (CORRECT, ROUNDING)
                    self.taint[q.name] = empty if clean else frozenset({q.name})
                verdicts.append(verdict)
        return Report(tuple(verdicts), self.floor)

    def meets_floor(self, answer: Answer) -> bool:
        return self.floor is None or self.floor.met_by(answer.written)

    def judge(self, q: Quantity, answer: Answer, upstream: frozenset[str], stage: int) -> Verdict:
        """One answer: right, rounded, carried, too coarse, rounded too early, or wrong."""
        tol = self.tolerance(answer)
        x = answer.value
        again = self.recomputed[q.name]
        common = dict(given=x, written=answer.text, tolerance=tol, stage=stage)
        coarse = None if self.meets_floor(answer) else self.floor.advice(  # type: ignore[union-attr]
            answer.written)
        if _close(x, q.value, tol):
            if coarse and not (_exactly(x, q.value) or self.exactly_own(q, x)):
                return Verdict(q.name, q.value, TOO_COARSE, hint=coarse, mistake="coarse",
                               recomputed=again, **common)
            return Verdict(q.name, q.value, CORRECT, recomputed=again, **common)
        common["recomputed"] = again
        if self.own_value(q, x, tol):
            if coarse and not self.exactly_own(q, x):
                return Verdict(q.name, q.value, TOO_COARSE, hint=coarse, mistake="coarse", **common)
            if upstream:
                sources = tuple(sorted(upstream, key=self.order.__getitem__))
                return Verdict(q.name, q.value, CARRIED, hint="consistent with your "
                               + self.listing(sources), carried_from=sources, **common)
            rounded = [n for n in q.inputs if n in self.answers
                       and self.world[n] != self.trace.value_of(n)]
            hint = ("from your rounded " + self.listing(rounded) if rounded
                    else "from your rounded earlier values")
            return Verdict(q.name, q.value, ROUNDING, hint=hint, **common)
        if not math.isfinite(q.value):
            return Verdict(q.name, q.value, WRONG, hint="the true value is past the float range, "
                           "so no number written can be right", mistake="not_finite", **common)
        low, high = self.bounds(q)
        inside = low <= x <= high
        named = self.named_mistake(q, answer, tol, (low, high) if inside else (-math.inf, math.inf))
        if named is not None:
            key, replay = named
            if replay.source is None:
                self.as_mistaken[q.name] = replay.rule
            hint = replay.hint if inside else f"{replay.hint}: {self.out_of_range(q, low, high)}"
            return Verdict(q.name, q.value, WRONG, hint=hint, mistake=key, **common)
        if not inside:
            return Verdict(q.name, q.value, WRONG, hint=self.out_of_range(q, low, high),
                           mistake="out_of_range", **common)
        early = self.rounded_early(q, answer, tol)
        if early is not None:
            verdict = WRONG if coarse else ROUNDED_EARLY  # no credit for too few figures
            hint = early.hint if verdict == ROUNDED_EARLY else EARLY_WORDS + early.hint
            return Verdict(q.name, q.value, verdict, hint=hint, mistake="early", **common)
        digits = _digit_mistake(self, q, answer, again)
        if digits is not None:
            return Verdict(q.name, q.value, WRONG, hint=DIGIT_HINTS[digits], mistake=digits,
                           **common)
        return Verdict(q.name, q.value, WRONG, **common)

    def own_value(self, q: Quantity, x: float, tol: float) -> bool:
        """Whether ``x`` is a value the student's own earlier numbers give: the rule on the
        numbers as written, or anywhere over their intervals (see ``_Chain``). With mistakes
        found in values not written: taken as found, or one of them, or none of them, taken back
        (made once, in one place only, or another reading of that answer)."""
        if _close(x, self.recomputed[q.name], tol):
            return True
        if not self.overrides:
            return self.written_above[q.name] and _reaches(x, q.expr.bound(self.chain), tol)
        found = frozenset(self.overrides)
        readings = {frozenset(), found, *(frozenset({n}) for n in found),
                    *(found - {n} for n in found)}
        if _close(x, q.evaluate(self.plain_world), tol):
            return True
        return any(_reaches(x, q.expr.bound(self.reading(r)), tol) for r in readings)

    def reading(self, excluded: frozenset[str]) -> _Chain:
        """The chain with the overrides named taken back."""
        chain = self.readings.get(excluded)
        if chain is None:
            chain = self.readings[excluded] = _Chain(self, excluded)
        return chain

    def exactly_own(self, q: Quantity, x: float) -> bool:
        """``x`` is the one value the student's numbers give (a dead ReLU's 0, say), not a rounding."""
        if not self.written_above[q.name]:
            return _exactly(x, q.value)
        form = q.expr.bound(self.chain)
        return form.bounded and form.radius <= EPSILON * abs(x) + FLOAT_NOISE and _exactly(
            x, form.centre)

    def spread(self, q: Quantity) -> float:
        """How far the student's own intervals let q move: the radius of its range."""
        if not self.written_above[q.name]:
            return 0.0
        form = q.expr.bound(self.chain)
        return form.radius if form.bounded else 0.0  # past the float range, or MOST_FORMS

    def replays(self, q: Quantity, answer: Answer, tol: float, bounds: tuple[float, float]
                ) -> Iterator[tuple[str, Replay]]:
        """(key, replay) of each known mistake that reproduces the answer, most specific first.

        Each is replayed on the student's own earlier numbers (as written, then over their
        intervals when the value lands near) and then on the true ones. A replay counts only when
        it lands where q can lie and away from every value that is not a mistake.
        """
        low, high = bounds
        x = answer.value
        again = self.recomputed[q.name]
        reach = tol + NEAR * self.spread(q)
        bases: list[Mapping[str, float]] = [self.world]
        if any(self.truth[n] != self.world[n] for n in {*q.inputs, *_refs(self.deep(q))}):
            bases.append(self.truth)
        replays = [(mistake.key, Replay(*made)) for mistake in MISTAKES
                    if mistake.applies(self, q) for made in mistake.replays(self, q)]
        for base in bases:
            for key, replay in replays:
                value = replay.rule.evaluate(base)
                if not (low <= value <= high) or any(_close(value, v, tol)
                                                      for v in (q.value, again)):
                    continue
                if _close(x, value, tol) or (
                        base is self.world and abs(x - value) <= reach + NEAR_SHARE * abs(value)
                        and _reaches(x, replay.rule.bound(self.chain), tol)):
                    yield key, replay

    def named_mistake(self, q: Quantity, answer: Answer, tol: float,
                      bounds: tuple[float, float]) -> tuple[str, Replay] | None:
        """The mistake that best explains the answer: made in q's own rule if one is (a student
        who wrote the values before q made it in q, most likely), else in a value not written.

        Where a mistake in a value not written gives the same number, that value is taken as
        the student had it from here on (``override``): whichever it was, what the student works
        from it later is then carried, not marked again.
        """
        own = hidden = None
        for found in self.replays(q, answer, tol, bounds):
            if found[1].source is None:
                own = own or found
            else:
                hidden = hidden or found
            if own and hidden:
                break
        if hidden is not None and hidden[1].source_rule is not None:
            self.override(hidden[1].source, hidden[1].source_rule, q.name)  # type: ignore[arg-type]
        return own or hidden

    def rounded_early(self, q: Quantity, answer: Answer, tol: float) -> Replay | None:
        """What was rounded, when rounding one value the rule is worked from to as few figures
        as the answer has (or fewer) gives the answer: a value or an intermediate result.

        As with mistakes (``named_mistake``), a rounding in q's own rule is named first, and a
        rounding inside a value not written that gives the same number is taken as the student's.
        """
        figures = min(answer.written.figures, MOST_FIGURES)
        x = answer.value
        for base, worked in ((self.world, self.recomputed[q.name]), (self.truth, q.value)):
            gap = abs(x - worked)
            found = [replay for value, replay in self.early_values(q, base, figures)
                     # the rounding must explain the gap, not land beside the unrounded value
                     if _close(x, value, tol) and abs(value - worked) >= 0.25 * gap]
            if found:
                hidden = next((v for v in found if v.source is not None), None)
                if hidden is not None and hidden.source_rule is not None:
                    self.override(hidden.source, hidden.source_rule, q.name)  # type: ignore[arg-type]
                return next((v for v in found if v.source is None), hidden)
            if all(self.truth[n] == self.world[n] for n in q.inputs):
                break
        return None

    def early_values(self, q: Quantity, base: Mapping[str, float], figures: int
                     ) -> Iterator[tuple[float, Replay]]:
        """Values of q with one value it is worked from rounded too early, each with the rule
        that rounds it, what was rounded, and the value not written it was rounded in, if any.

        First each earlier quantity q rests on (its operands, and the values not written that
        they rest on), then each intermediate result inside the rule (e^(−a), 1 − y, a product),
        rounded to ``figures`` significant figures and fewer (two at least). One definition for
        ``verify`` and the quizzes' rounding credit.
        """
        sources = self.unwritten_sources(q)
        rules = [(None, q.expr), *((s, self.by_name[s].expr) for s in sources)]
        sizes = {owner: _size(rule) for owner, rule in rules}
        whole = sizes[None] + sum(sizes.values())
        work = 0
        for values in (True, False):  # values first, then intermediate results (−x is x rounded)
            seen: set[tuple[str | None, str]] = set()
            for owner, rule in rules:
                for node in rule.nodes():
                    if node is rule or isinstance(node, Const | Group | Slope | Neg) or isinstance(
                            node, Ref) != values or (values and node.name in self.trace.given):
                        continue
                    # a value not written: rounded in itself (so wherever it is used), or only
                    # where this rule uses it
                    places = ([node.name, owner] if values and node.name in sources
                              and owner is not None else
                              [node.name] if values and node.name in sources else [owner])
                    text = node.names()
                    exact = node.evaluate(base)
                    for where in places:
                        if (where, text) in seen:
                            continue
                        seen.add((where, text))
                        for rounded, shown in _roundings(exact, figures):
                            work += sizes[None] if where is None else whole
                            if work > MOST_WORK:
                                return
                            constant = Const(rounded, shown)
                            wrong = constant if where != owner else rule.rewrite(
                                lambda n, node=node, c=constant: c if n == node else None)
                            yield (self.worked_through(q, where, wrong, base),
                                   Replay(wrong, _early_hint(text, exact, shown), where,
                                           None if where is None else wrong))

    def worked_through(self, q: Quantity, source: str | None, rule: Expr,
                       base: Mapping[str, float]) -> float:
        """q on ``base`` with ``source`` (a value not written) worked out by ``rule`` instead,
        and every value not written between it and q worked out again from it (``rule`` is q's
        own when ``source`` is None)."""
        if source is None:
            return rule.evaluate(base)
        changed: dict[str, float] = {}
        env = ChainMap(changed, base)
        changed[source] = rule.evaluate(env)
        for name in self.between(q, source):
            changed[name] = self.by_name[name].expr.evaluate(env)
        return q.expr.evaluate(env)

    def between(self, q: Quantity, source: str) -> list[str]:
        """The values not written that q rests on and that are worked from ``source``, in the
        order of the step (what a mistake made in ``source`` passes through on its way to q, by
        every road: δ of a hidden unit rests on its y directly and through y, a and δ of the
        output)."""
        path = self.roads.get((q.name, source))
        if path is None:
            reached = {source}
            path = self.roads[q.name, source] = []
            for name in self.feeding(q):
                if self.order[name] > self.order[source] and reached.intersection(
                        self.by_name[name].inputs):
                    reached.add(name)
                    path.append(name)
        return path

    def road_size(self, q: Quantity, road: set[str]) -> int:
        """How many nodes q's rule has with every value of ``road`` worked out in it: what
        replaying a mistake along that road costs."""
        sizes: dict[str, int] = {}

        def size(name: str) -> int:
            if name not in sizes:
                shape = self.shapes.get(name)
                if shape is None:
                    expr = self.by_name[name].expr
                    shape = self.shapes[name] = (_size(expr), Counter(
                        node.name for node in expr.nodes() if isinstance(node, Ref)))
                nodes, uses = shape
                sizes[name] = nodes + sum(times * (size(ref) - 1) for ref, times in uses.items()
                                          if ref in road)
            return sizes[name]

        return size(q.name)

    def feeding(self, q: Quantity) -> list[str]:
        """Every value not written that q rests on, at any number of levels (up to
        ``MOST_PATH``), in the order of the step."""
        found = self.fed.get(q.name)
        if found is None:
            seen: set[str] = set()
            stack = [q.name]
            while stack and len(seen) < MOST_PATH:
                for name in self.by_name[stack.pop()].inputs:
                    if name in self.by_name and name not in self.answers and name not in seen:
                        seen.add(name)
                        stack.append(name)
            found = self.fed[q.name] = sorted(seen, key=self.order.__getitem__)
        return found

    def mistake_values(self, name: str) -> list[MistakeValue]:
        """Each applicable mistake of ``MISTAKES`` replayed on the true operands of ``name``:
        made in its own rule first, then in the values it rests on that are not among the
        marker's ``written`` (the other blanks of a quiz, which are marked on their own).

        What a quiz needs to recognise a wrong answer and say why: values that are not finite,
        lie outside what the quantity can be, equal the true value or repeat an earlier (more
        specific) mistake's value are left out."""
        q = self.by_name[name]
        low, high = self.bounds(q)
        found: list[MistakeValue] = []
        slack: list[float] = []  # _close's tolerance about each value found (all finite)
        through: list[tuple[str, Replay]] = []  # made in a value q rests on: tried after q's own

        def consider(key: str, replay: Replay) -> None:
            value = replay.rule.evaluate(self.truth)
            if (math.isfinite(value) and low <= value <= high and not _close(value, q.value, 0.0)
                    and all(abs(value - other.value) > room
                            for other, room in zip(found, slack, strict=True))):
                found.append(MistakeValue(key, replay.hint, value))
                slack.append(EPSILON * max(1.0, abs(value)))

        for mistake in MISTAKES:
            if mistake.applies(self, q):
                for made in mistake.replays(self, q):
                    replay = Replay(*made)
                    if replay.source is None:
                        consider(mistake.key, replay)
                    else:
                        through.append((mistake.key, replay))
        for key, replay in through:
            consider(key, replay)
        return found

    def early_rounding_values(self, name: str, figures: int) -> list[MistakeValue]:
        """The values ``verify`` calls rounded too early for an answer of ``figures`` significant
        figures when every earlier number is right and the marker's ``written`` are written:
        each with its hint, nearest the true value first."""
        q = self.by_name[name]
        out: dict[float, str] = {}
        for value, replay in self.early_values(q, self.truth, min(figures, MOST_FIGURES)):
            hint = EARLY_WORDS + replay.hint
            if math.isfinite(value) and not _close(value, q.value, 0.0):
                out.setdefault(value, hint)
        return [MistakeValue("early", hint, value)
                for value, hint in sorted(out.items(), key=lambda item: abs(item[0] - q.value))]

    def bounds(self, q: Quantity) -> tuple[float, float]:
        """The range no value of q can leave: an activation's outputs, a loss's values.

        Every loss is a sum of non-negative terms: squares, and for the cross-entropies −t·ln y
        and −(1 − t)·ln(1 − y), with targets in [0, 1] (the scenario checks) and y in (0, 1).
        """
        if q.kind in (Kind.Y, Kind.Y_AFTER) and q.unit in self.activation:
            return self.activation[q.unit].bounds
        if q.kind in (Kind.LOSS, Kind.LOSS_AFTER):
            return (0.0, math.inf)
        return (-math.inf, math.inf)

    def out_of_range(self, q: Quantity, low: float, high: float) -> str:
        if q.kind in (Kind.LOSS, Kind.LOSS_AFTER):
            return "a loss is never negative"
        act = self.activation[q.unit or ""]
        top = "" if math.isinf(high) else f" and {high:g}"
        where = f"between {low:g}{top}" if top else f"at least {low:g}"
        return f"outside what {act.name} can give: its outputs lie {where}"

    def listing(self, names: list[str] | tuple[str, ...], most: int = 3) -> str:
        shown = [f"{n} = {self.answers[n].text}" + (f" and the {self.revealed[n]} it shows"
                                                    if n in self.revealed else "")
                 for n in names[:most]]
        more = len(names) - most
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")

    def renamed(self, expr: Expr, q: Quantity, mistaken: Callable[[Name], str | None]
                ) -> dict[str, str]:
        """Each operand of ``expr`` that a student might mistake for another quantity of the
        step, mapped to that one (q's own starting value stays: w = w0 + Δw needs its w0)."""
        own = parse_name(q.name)
        start = own.renamed(Kind.W0 if q.kind == Kind.W else Kind.B0) if own and q.kind in (
            Kind.W, Kind.B) else None
        out: dict[str, str] = {}
        for ref in _refs(expr):
            name = parse_name(ref)
            other = mistaken(name) if name is not None and ref != start else None
            if other is not None and other in self.by_name:
                out[ref] = other
        return out

    def misrules(self, q: Quantity, rules: Callable[[_Marker, Quantity], Iterator[Replay]],
                 own: bool = True, levels: int = MOST_PATH) -> Iterator[Replay]:
        """q's rule with one quantity worked out by a mistaken rule: q itself (``own``), then each
        value it rests on that the student did not write (nearest first, up to ``levels`` down),
        replayed through to q."""
        if own:
            yield from rules(self, q)
        work = 0
        for name in self.unwritten_sources(q, levels):
            source = self.by_name[name]
            path = set(self.between(q, name))
            road = self.road_size(q, {*path, name})
            if road > MOST_WORK // 10:
                continue  # a road through thousands of terms: the rule is judged as written
            for made in rules(self, source):
                work += road
                if work > MOST_WORK:
                    return
                wrong, hint = made[0], made[1]
                def rule_of(n: str, wrong: Expr = wrong, name: str = name, path: set[str] = path
                            ) -> Expr | None:
                    if n == name:
                        return wrong
                    return self.by_name[n].expr if n in path else None
                said = hint if name in hint else f"{hint}, in {name}"
                yield Replay(inline(q.expr, rule_of, len(path) + 1), f"{said} (not written)",
                              name, wrong)


def _size(expr: Expr) -> int:
    """How many nodes a rule has: what evaluating it costs."""
    return sum(1 for _ in expr.nodes())


def _roundings(exact: float, figures: int) -> Iterator[tuple[float, str]]:
    """``exact`` rounded to ``figures`` significant figures and fewer, down to ``LEAST_FIGURES``,
    each once, as written."""
    if not math.isfinite(exact):
        return
    tried: set[float] = set()
    for k in range(figures, LEAST_FIGURES - 1, -1):
        rounded = round_figures(exact, k)
        if rounded != exact and rounded not in tried:
            tried.add(rounded)
            yield rounded, fmt(rounded, k)


def _early_hint(what: str, exact: float, shown: str) -> str:
    return f"{what} = {fmt(exact)} taken as {shown}; keep every digit until the answer"


EARLY_WORDS = "rounded too early: "
"""How a hint says the rounding when the verdict does not (too few figures for the credit)."""


# --- the mistakes, each a rewrite of the rule ---


def _is_output_delta(m: _Marker, q: Quantity) -> bool:
    return q.kind == Kind.DELTA and q.unit in m.outputs


def _error_swapped(m: _Marker, q: Quantity) -> Iterator[Replay]:
    if not _is_output_delta(m, q) or swap_error(q.expr) == q.expr:
        return
    right, wrong = ("t − y", "y − t") if m.delta_rule else ("y − t", "t − y")
    rule = "δ = −∂E/∂a, delta rule" if m.delta_rule else "δ = +∂E/∂a, gradient convention"
    what = "output − target" if m.delta_rule else "target − output"
    yield swap_error(q.expr), f"{wrong} ({what}) used where {right} belongs ({rule})"


def _swapped_error(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _error_swapped)


def _wrong_sign_update(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _subtracted)


def _subtracted(m: _Marker, q: Quantity) -> Iterator[Replay]:
    if q.kind not in (Kind.W, Kind.B):
        return
    change = next(n for n in q.inputs if kind_of(n) in (Kind.DW, Kind.DB))
    what, thing, step = (("Δw", "weight", "w0 + η·δ·y") if q.kind == Kind.W
                         else ("Δb", "bias", "b0 + η·δ"))
    if m.delta_rule:
        rule = f"with δ = t − y, {q.kind} = {step}"
    else:
        rule = f"with δ = ∂E/∂a, {what} = −η·δ·… already holds the minus and is added"
    yield (substitute(q.expr, {change: Neg(Ref(change))}),
           f"sign convention: {what} subtracted, so the {thing} moves uphill; {rule}")


def _update_left_out(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _not_updated)


def _not_updated(m: _Marker, q: Quantity) -> Iterator[Replay]:
    if q.kind not in (Kind.W, Kind.B):
        return
    start = next(n for n in q.inputs if kind_of(n) not in (Kind.DW, Kind.DB))
    thing = "weight" if q.kind == Kind.W else "bias"
    change = "Δw" if q.kind == Kind.W else "Δb"
    yield Ref(start), f"the old {thing} copied: {change} never added"


def _refs(expr: Expr) -> list[str]:
    """The operand names of expr, each once, in order of appearance."""
    return list(dict.fromkeys(node.name for node in expr.nodes() if isinstance(node, Ref)))


def _renaming(expr: Expr, names: Mapping[str, str]) -> Expr:
    """expr with each operand named in ``names`` replaced by the one it is mistaken for."""
    return substitute(expr, {old: Ref(new) for old, new in names.items()})


def _delta_of(q: Quantity, part: Expr) -> str:
    """`` in delta[o]`` when part of a rule belongs to the δ of another unit than q's, else ''."""
    name = next((n for n in map(parse_name, _refs(part)) if n is not None and n.unit), None)
    if name is None or (q.kind == Kind.DELTA and name.unit == q.unit):
        return ""
    return f" in {name.renamed(Kind.DELTA)}"


def _slope_text(slope: Slope) -> str:
    """``f′(a) = y · (1 − y) of sigmoid``."""
    return f"f′(a) = {slope.formula} of {slope.activation}"


def _slopes(expr: Expr) -> list[Slope]:
    """The distinct f′(a) of expr, one per unit, nearest first (identity's 1 is none)."""
    slopes: list[Slope] = []
    for node in expr.nodes():
        if isinstance(node, Slope) and node.activation != "identity" and node not in slopes:
            slopes.append(node)
    return slopes


def _each_slope(m: _Marker, q: Quantity, replace: Callable[[Slope], Expr], how: str
                ) -> Iterator[Replay]:
    """q's rule (unwritten δs written out) with the f′(a) of one unit replaced wherever it
    occurs, the nearest unit first, then with the f′(a) of every unit replaced."""
    expr = m.deep(q)
    slopes = _slopes(expr)
    for slope in slopes:
        where = _delta_of(q, slope)
        source = where.removeprefix(" in ") or None
        def change(n: Expr, s: Slope = slope) -> Expr | None:
            return replace(s) if n == s else None

        yield Replay(expr.rewrite(change),
                      f"activation derivative {_slope_text(slope)} {how}{where}", source,
                      None if source not in m.by_name else m.by_name[source].expr.rewrite(change))
    if len(slopes) > 1:
        yield (expr.rewrite(lambda n: replace(n) if isinstance(n, Slope) else None),
               f"activation derivative f′(a) {how} in every δ")


def _derivative_missing(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from _each_slope(m, q, lambda s: ONE, "left out")


def _error_terms(expr: Expr) -> list[Expr]:
    """The (t − y) or (y − t) of each output δ in expr: the differences a sign convention turns."""
    return [node for node in expr.nodes() if is_error_term(node)]


def _fused_output(m: _Marker) -> Activation | None:
    """The output activation when its f′(a) cancels against the loss (δ = t − y), if it has one."""
    act = m.network.activations[-1]
    return act if m.network.pairing is not None and act.slope else None


def _derivative_twice(m: _Marker, q: Quantity) -> Iterator[Replay]:
    output = _fused_output(m)
    expr = m.deep(q)
    if output is not None and (terms := _error_terms(expr)):
        def times_slope(node: Expr) -> Expr | None:
            if node not in terms:
                return None
            unit = next(n for n in map(parse_name, _refs(node)) if n is not None)  # t or y: same unit
            return Prod((node, output.slope_of(Ref(unit.renamed(Kind.A)), Ref(unit.renamed(Kind.Y)))))

        delta = "t − y" if m.delta_rule else "y − t"
        yield (expr.rewrite(times_slope),
               f"activation derivative f′(a) = {output.derivative_formula} of {output.name} applied "
               f"although δ = {delta} already has it (it cancels against ∂E/∂y of "
               f"{m.network.loss.name}){_delta_of(q, terms[0])}")
    yield from _each_slope(m, q, lambda s: Prod((s, s)), "applied twice")


CONFUSED = {"sigmoid": ("tanh",), "tanh": ("sigmoid",), "bipolar_sigmoid": ("sigmoid", "tanh")}
"""Activations mistaken for each other: the one a unit has, and those a student uses instead."""
SQUARE_LEFT_OUT = {"tanh": "1 − y"}
"""Derivatives written without their square: 1 − y for tanh's 1 − y²."""


def _unit_refs(slope: Slope) -> tuple[Ref, Ref] | None:
    """The (a, y) a unit's f′(a) is written in, read from the names inside it."""
    for name in map(parse_name, _refs(slope)):
        if name is not None and name.kind in (Kind.A, Kind.Y):
            return Ref(name.renamed(Kind.A)), Ref(name.renamed(Kind.Y))
    return None


def _other_slopes(m: _Marker, q: Quantity) -> Iterator[Replay]:
    """q's rule with one unit's f′(a) that of another activation, or written without its square."""
    for slope in _slopes(q.expr):
        refs = _unit_refs(slope)
        if refs is None:
            continue
        a, y = refs
        unit = parse_name(y.name).unit  # type: ignore[union-attr]
        for other in CONFUSED.get(slope.activation, ()):
            entry = ACTIVATIONS[other]
            wrong = entry.slope_of(a, y)
            yield (q.expr.rewrite(lambda n, s=slope, w=wrong: w if n == s else None),
                   f"{other}'s derivative {entry.derivative_formula} used for {slope.activation}'s "
                   f"{slope.formula} (unit {unit})")
        if slope.activation in SQUARE_LEFT_OUT:
            wrong = Group(Diff(ONE, y))
            yield (q.expr.rewrite(lambda n, s=slope, w=wrong: w if n == s else None),
                   f"{SQUARE_LEFT_OUT[slope.activation]} used for {slope.activation}'s "
                   f"{slope.formula}: the square left out (unit {unit})")


def _slope_swapped(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _other_slopes)


def _other_activations(m: _Marker, q: Quantity) -> Iterator[Replay]:
    if q.kind not in (Kind.Y, Kind.Y_AFTER) or q.unit not in m.activation:
        return
    own = m.activation[q.unit].name
    net = parse_name(q.name).renamed(A_FOR_Y[q.kind])  # type: ignore[union-attr]
    for other in CONFUSED.get(own, ()):
        yield ACTIVATIONS[other].rule(Ref(net)), f"{other} used for the {own} unit {q.unit}"  # type: ignore[misc]


def _activation_swapped(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _other_activations)


def _without_bias(m: _Marker, q: Quantity) -> Iterator[Replay]:
    if q.kind not in (Kind.A, Kind.A_AFTER) or not isinstance(q.expr, Sum):
        return
    kept = tuple(t for t in q.expr.terms if not (isinstance(t, Ref) and kind_of(t.name) in (
        Kind.B0, Kind.B)))
    if len(kept) < len(q.expr.terms):
        yield Sum(kept), f"bias left out of the net input {q.name}"


def _bias_left_out(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _without_bias)


def _without_half(m: _Marker, q: Quantity) -> Iterator[Replay]:
    """E = Σ(t − y)² for ½·Σ(t − y)², and the 2 of its derivative kept in an output δ."""
    if q.kind in (Kind.LOSS, Kind.LOSS_AFTER):
        changed = q.expr.rewrite(lambda n: ONE if isinstance(n, Const) and n.text == HALF.text
                                 else None)
        if changed != q.expr:
            yield changed, "the ½ of ½·Σ(t − y)² left out"
    elif _is_output_delta(m, q):
        yield (q.expr.rewrite(lambda n: Prod((const(2), n)) if is_error_term(n) else None),
               "the ½ of ½·Σ(t − y)² left out, so ∂E/∂y kept the 2 of (t − y)²")


def _half_left_out(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _without_half)


def _without_mean(m: _Marker, q: Quantity) -> Iterator[Replay]:
    """The 1/n of a mean (over output units or over a batch) left out."""
    changed = q.expr.rewrite(lambda n: n.numerator if isinstance(n, Div) and isinstance(
        n.denominator, Const) and n.denominator.value != 1 else None)
    if changed != q.expr:
        yield changed, "the 1/n of the mean left out"


def _mean_left_out(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _without_mean)


WEIGHT_KINDS = frozenset({Kind.W0, Kind.W})


def _transposed_of(m: _Marker, name: Name) -> str | None:
    """w[x2->h1] read from the other corner of its matrix: w[x1->h2] (row and column swapped)."""
    if name.kind not in WEIGHT_KINDS or name.source is None or name.unit is None:
        return None
    (k_from, i), (k_to, j) = m.place[name.source], m.place[name.unit]
    sources, targets = m.network.units[k_from], m.network.units[k_to]
    if i == j or j >= len(sources) or i >= len(targets):
        return None
    return Name(name.kind, targets[i], sources[j], name.sample).renamed(name.kind)


def _transposed(m: _Marker, q: Quantity) -> Iterator[Replay]:
    names = {}
    for ref in _refs(q.expr):
        name = parse_name(ref)
        other = _transposed_of(m, name) if name is not None else None
        if other is not None and (other in m.by_name or other in m.trace.given):
            names[ref] = other
    if names:
        old, new = next(iter(names.items()))
        yield _renaming(q.expr, names), f"weights read transposed: {new} used for {old}"


def _weights_transposed(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _transposed)


def _through_other_unit(m: _Marker, q: Quantity) -> Iterator[Replay]:
    """A hidden δ summed through the outgoing weights of another unit of its layer."""
    if q.kind != Kind.DELTA or q.unit in m.outputs or q.unit not in m.place:
        return
    layer = m.network.units[m.place[q.unit][0]]
    for other in layer:
        if other == q.unit:
            continue
        names = {}
        for ref in _refs(q.expr):
            name = parse_name(ref)
            if name is not None and name.kind in WEIGHT_KINDS and name.source == q.unit:
                names[ref] = Name(name.kind, name.unit, other, name.sample).renamed(name.kind)
        if names and all(n in m.by_name or n in m.trace.given for n in names.values()):
            yield (_renaming(q.expr, names),
                   f"{q.name} summed through {other}'s weights ({next(iter(names.values()))} for "
                   f"{next(iter(names))})")


def _other_units_weights(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _through_other_unit)


def _without_lr(m: _Marker, q: Quantity) -> Iterator[Replay]:
    if "lr" in q.inputs:
        yield substitute(q.expr, {"lr": ONE}), "learning rate left out (as if η = 1)"


def _lr_left_out(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield from m.misrules(q, _without_lr)


def _uses_lr(m: _Marker, q: Quantity) -> bool:
    return m.trace.given["lr"] != 1.0


A_FOR_Y = {Kind.Y: Kind.A, Kind.Y_AFTER: Kind.A_AFTER}


def _net_input_of(name: Name) -> str | None:
    kind = A_FOR_Y.get(name.kind)  # type: ignore[call-overload]
    return None if kind is None else name.renamed(kind)


def _a_for_y(m: _Marker, q: Quantity) -> Iterator[Replay]:
    """Every output in q's own rule taken as its net input; then, through the unwritten δ and Δw
    it rests on, the output of one unit at a time."""
    hint = "net input a used where the output y = f(a) belongs"
    yield _renaming(q.expr, m.renamed(q.expr, q, _net_input_of)), hint
    expr = m.deep(q)
    if expr != q.expr:
        for old, new in m.renamed(expr, q, _net_input_of).items():
            yield _renaming(expr, {old: new}), f"{hint} ({new} for {old})"


NEW_FOR_OLD = {Kind.W0: Kind.W}
"""The starting values a δ or Δ is worked from; biases b0 enter no backward rule, only b = b0 + Δb."""


def _updated_of(name: Name) -> str | None:
    kind = NEW_FOR_OLD.get(name.kind)  # type: ignore[call-overload]
    return None if kind is None else name.renamed(kind)


def _new_for_old(m: _Marker, q: Quantity) -> Iterator[Replay]:
    expr = m.deep(q)
    names = m.renamed(expr, q, _updated_of)
    own = set(q.inputs)
    source = None if any(n in own for n in names) else next(
        (s for s in m.unwritten_sources(q) if any(n in m.by_name[s].inputs for n in names)), None)
    yield Replay(_renaming(expr, names),
                  "updated weight used where the old one belongs (every δ and Δw of a step uses the "
                  "weights from before the update)", source,
                  None if source is None else _renaming(m.by_name[source].expr, names))


def _times_ten(m: _Marker, q: Quantity) -> Iterator[Replay]:
    for p, factor in POWERS.items():
        yield Replay(Prod((q.expr, const(10.0 ** p))), f"off by a power of ten: {q.name} taken "
                      f"×{factor}")


def _power_of_ten(m: _Marker, q: Quantity) -> Iterator[Replay]:
    """q ×10ᵖ, or a value it rests on that was not written ×10ᵖ (the slip is in that value, and
    every later value worked from it carries it), or one operand written or given ×10ᵖ."""
    for p, factor in POWERS.items():
        yield Replay(Prod((q.expr, const(10.0 ** p))), f"off by a power of ten (×{factor})")
    # a slip, unlike a rule misremembered, is not made everywhere: one far back, through many
    # values not written, would explain too many wrong numbers to be a fair guess
    yield from m.misrules(q, _times_ten, own=False, levels=DEPTH)
    if len(q.inputs) > MOST_OPERANDS:
        return
    for name in q.inputs:
        if (name in m.by_name and name not in m.answers) or m.world[name] == 0:
            continue
        for p, factor in POWERS.items():
            scaled = substitute(q.expr, {name: Prod((Ref(name), const(10.0 ** p)))})
            yield Replay(scaled, f"off by a power of ten: {name} taken ×{factor}")


def _sign_flipped(m: _Marker, q: Quantity) -> Iterator[Replay]:
    yield Neg(q.expr), "sign flipped"


DIGIT_HINTS = {"slip": "arithmetic slip (one digit off)",
               "swapped_digits": "two neighbouring digits swapped"}


def _digit_mistake(m: _Marker, q: Quantity, answer: Answer, again: float) -> str | None:
    """``slip`` or ``swapped_digits`` against the right or recomputed value, for a number with
    enough digits to tell."""
    places = _decimals(m.tolerance(answer))
    if places is None or not math.isfinite(answer.value):
        return None
    written = f"{abs(answer.value):.{places}f}"
    if len(written.replace(".", "").lstrip("0")) < SLIP_DIGITS:
        return None
    for reference in (again, q.value):
        if math.isfinite(reference) and (reference < 0) == (answer.value < 0):
            found = _digits_differ(written, f"{abs(reference):.{places}f}")
            if found is not None:
                return found
    return None


def _always(m: _Marker, q: Quantity) -> bool:
    return True


def _backward_or_update(m: _Marker, q: Quantity) -> bool:
    return q.kind in BACKWARD_KINDS or q.kind in UPDATE_KINDS


MISTAKES: tuple[Mistake, ...] = (
    Mistake("swapped_error", _backward_or_update, _swapped_error),
    Mistake("wrong_sign_update", _always, _wrong_sign_update),
    Mistake("derivative_missing", _backward_or_update, _derivative_missing),
    Mistake("derivative_twice", _backward_or_update, _derivative_twice),
    Mistake("lr_left_out", _uses_lr, _lr_left_out),
    Mistake("slope_swapped", _always, _slope_swapped),
    Mistake("activation_swapped", _always, _activation_swapped),
    Mistake("bias_left_out", lambda m, q: m.network.biases, _bias_left_out),
    Mistake("half_left_out", lambda m, q: m.network.loss.name == "half_sse", _half_left_out),
    Mistake("mean_left_out", _always, _mean_left_out),
    Mistake("a_for_y", _always, _a_for_y),
    Mistake("new_for_old", _backward_or_update, _new_for_old),
    Mistake("transposed", _always, _weights_transposed),
    Mistake("other_units_weights", _always, _other_units_weights),
    Mistake("update_left_out", _always, _update_left_out),
    Mistake("power_of_ten", _always, _power_of_ten),
    Mistake("sign_flipped", _always, _sign_flipped),
)
"""Mistakes in the order they are tried: the most specific explanation wins. Rounding too early
and slips of the digits are tried after all of them, since they are read from the digits."""

REPLAYED: dict[str, Callable[[_Marker, Quantity], Iterator[Replay]]] = {
    "swapped_error": _error_swapped, "wrong_sign_update": _subtracted,
    "lr_left_out": _without_lr, "slope_swapped": _other_slopes,
    "activation_swapped": _other_activations, "bias_left_out": _without_bias,
    "half_left_out": _without_half, "mean_left_out": _without_mean, "transposed": _transposed,
    "other_units_weights": _through_other_unit, "update_left_out": _not_updated,
    "power_of_ten": _times_ten,
}
"""The one-rule rewrite each mistake of ``MISTAKES`` replays through the values not written
(``_Marker.misrules``), by key: what the web page's marker is sent as data."""


def verify(trace: Trace, answers: Mapping[str, Answer],
           tol: float | None = None, floor: Floor | None = DEFAULT_FLOOR) -> Report:
    """Mark ``answers`` against one step; ``tol`` replaces the tolerance the digits imply, and
    ``floor`` is the precision an answer needs (``floor_for`` reads the course's)."""
    return _Marker(trace, answers, tol, floor).mark()


def mark_sheet(sheet: AnswerSheet, trace: Trace, tol: float | None, floor: Floor | None,
               computed: Collection[str] | None = None) -> tuple[Report, tuple[str, ...]]:
    """An answers file marked against its step, as ``verify`` and ``verify --batch`` mark one:
    the verdicts, and what is wrong with the sheet and the names it writes (``computed``: the
    step's quantity names, when the caller has them already)."""
    names = frozenset(q.name for q in trace) if computed is None else computed
    problems = tuple(str(p) for p in (*sheet.problems, *check_names(sheet, names, trace.given)))
    return verify(trace, known_answers(sheet, names), tol, floor), problems


@dataclass(frozen=True, slots=True)
class MarkedFile:
    """One answers file marked as ``bpstep verify FILE`` marks it: the worksheet and its step,
    the verdicts, and what is wrong with the file (said, and exit code 2, yet the rest marked)."""

    worksheet: Worksheet
    trace: Trace
    report: Report
    problems: tuple[str, ...]

    @property
    def exit_code(self) -> ExitCode:
        """2 when the file has problems, else 1 when an answer is not accepted (or none given)."""
        if self.problems:
            return ExitCode.BAD_INPUT
        return ExitCode.OK if self.report.passed else ExitCode.MISTAKES


def mark_file(answers: Path, scenario: Path | None = None, *, folders: Sequence[Path] = (),
              tol: float | None = None, digits: int | None = None, decimals: int | None = None
              ) -> MarkedFile:
    """The answers file ``answers`` marked against ``scenario``, else the one it names (looked
    for in ``folders`` too), at the precision asked (``floor_for``)."""
    worksheet = open_worksheet(answers, scenario, folders)
    check_one_floor(digits, decimals)
    trace = step(worksheet.scenario)
    floor = floor_for(worksheet.scenario, digits=digits, decimals=decimals, tol=tol)
    report, problems = mark_sheet(worksheet.sheet, trace, tol, floor)
    return MarkedFile(worksheet, trace, report, problems)


@dataclass(frozen=True, slots=True)
class MistakeValue:
    """A value a named mistake makes of one quantity when every earlier number is right."""

    key: str
    """Key of the mistake in ``MISTAKES``."""
    hint: str
    value: float


def truth_marker(trace: Trace, written: Collection[str] = ()) -> _Marker:
    """A marker of a worksheet with the true value of each of ``written`` (every value the true
    one, the update stages' too). Making one walks the whole step, so a quiz makes one for all
    its blanks."""
    marker = _Marker(trace, {}, None, None)
    marker.world = {**trace.given, **trace.values}
    marker.answers = {n: Answer(n, Written(marker.world[n], repr(marker.world[n]), 17, 17))
                      for n in written}
    return marker
