"""Marking a hand-worked step the way a careful examiner does: answers + trace → verdicts.

Every answer is judged three ways, in this order:

1. against the true value, within the tolerance its written digits claim → ``correct``;
2. against the value recomputed from the student's *own* earlier numbers (their answers where
   given, true values elsewhere): inside tolerance it is ``rounding`` when those earlier numbers
   were themselves accepted (a chain rounded on paper), or ``carried`` when it carries an earlier
   mistake forward (error carried forward: not a new mistake);
3. otherwise ``wrong``, and each known mistake is replayed (sign flipped, power of ten, ...), on
   the student's own earlier numbers and then on the true ones: the first that reproduces the
   number becomes the hint.

Pure: no printing, no files. The renderer and ``--json`` read the ``Report``.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from bpstep.answers import Answer
from bpstep.engine import CONVENTION_SIGN
from bpstep.enums import StrEnum
from bpstep.expr import ONE, Diff, Expr, Neg, Prod, Ref, Slope, const, inline, substitute
from bpstep.functions import FUSED_DELTAS, Activation, swap_error
from bpstep.scenario import Scenario, activation_of
from bpstep.trace import UPDATE_KINDS, Kind, Name, Quantity, Trace, kind_of, parse_name


class Mark(StrEnum):
    """The verdict on one answer."""

    CORRECT = "correct"
    ROUNDING = "rounding"
    CARRIED = "carried"
    WRONG = "wrong"
    NOT_ATTEMPTED = "not attempted"


CORRECT, ROUNDING, CARRIED, WRONG, NOT_ATTEMPTED = Mark
VERDICTS = tuple(Mark)
ACCEPTED = frozenset({CORRECT, ROUNDING, CARRIED})
SUMMARY_WORDS = {CORRECT: "correct", ROUNDING: "within rounding", CARRIED: "carried forward",
                 WRONG: "wrong", NOT_ATTEMPTED: "not attempted"}
ALWAYS_COUNTED = (CORRECT, ROUNDING, WRONG, NOT_ATTEMPTED)
"""Counts the summary line always shows; ``carried forward`` appears when there are any."""

EPSILON = 1e-9
"""Relative float slack added to every tolerance, so 0.555 against ±0.005 is not lost to binary."""
POWERS = {p: f"{10 ** p:g}" if p > 0 else f"1/{10 ** -p}" for p in (1, -1, 2, -2, 3, -3)}
"""Powers of ten tried, with how the hint writes the factor (×10, ×1/100)."""
SLIP_DIGITS = 3
"""Significant digits a number needs before one wrong digit reads as a slip, not a guess."""
DEPTH = 2
"""Levels of unwritten intermediates a mistake is replayed through (w ← Δw ← δ)."""
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
    """The likely mistake (for wrong), or what was carried / rounded (for carried, rounding)."""
    mistake: str | None = None
    """Key of the mistake in ``MISTAKES`` that reproduces a wrong number."""
    carried_from: tuple[str, ...] = ()
    """Earlier answers of the student this one builds on, when those were not accepted."""
    recomputed: float | None = None
    """The value recomputed from the student's own earlier numbers."""
    tolerance: float | None = None
    """Half-width of the interval an answer was accepted in (digits written, or ``--tol``)."""
    stage: int = 0

    @property
    def accepted(self) -> bool:
        return self.verdict in ACCEPTED


@dataclass(frozen=True, slots=True)
class Report:
    """Every quantity of the step marked, in stage order."""

    verdicts: tuple[Verdict, ...]
    _by_name: Mapping[str, Verdict] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {v.name: v for v in self.verdicts})

    def __iter__(self) -> Iterator[Verdict]:
        return iter(self.verdicts)

    def __getitem__(self, name: str) -> Verdict:
        return self._by_name[name]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for v in self.verdicts:
            counts[v.verdict] += 1
        return counts

    @property
    def has_mistakes(self) -> bool:
        return any(v.verdict == WRONG for v in self.verdicts)

    def summary(self) -> str:
        """``9 correct, 2 within rounding, 1 wrong, 4 not attempted``."""
        counts = self.counts
        shown = [k for k in VERDICTS if k in ALWAYS_COUNTED or counts[k]]
        return ", ".join(f"{counts[k]} {SUMMARY_WORDS[k]}" for k in shown)


def _close(value: float, reference: float, tolerance: float) -> bool:
    """Within the tolerance; a value past the float range is close to nothing (not even itself)."""
    if not (math.isfinite(value) and math.isfinite(reference)):
        return False
    return abs(value - reference) <= tolerance + EPSILON * max(1.0, abs(reference))


def _decimals(tolerance: float) -> int | None:
    """Decimals a half-unit tolerance stands for (0.005 → 2); None when it is not one."""
    if tolerance <= 0:
        return 0
    places = -math.log10(2 * tolerance)
    rounded = round(places)
    return rounded if abs(places - rounded) < 1e-6 and 0 <= rounded <= 15 else None


def _one_digit_apart(written: str, other: str) -> bool:
    """Same length, and one digit differs or two neighbouring digits are swapped."""
    if len(written) != len(other) or written == other:
        return False
    diff = [i for i, (a, b) in enumerate(zip(written, other, strict=True)) if a != b]
    if len(diff) == 1:
        return True
    return (len(diff) == 2 and diff[1] == diff[0] + 1
            and written[diff[0]] == other[diff[1]] and written[diff[1]] == other[diff[0]])


Variant = tuple[Expr, str]
"""A rewritten rule and the hint that names the mistake it replays."""


@dataclass(frozen=True, slots=True)
class Mistake:
    """A mistake students make, as rewrites of a quantity's rule."""

    key: str
    applies: Callable[[_Marker, Quantity], bool]
    variants: Callable[[_Marker, Quantity], Iterator[Variant]]
    """The rule as the mistake would have it, each with the hint that says so."""


class _Marker:
    """Marks one worksheet: the student's world of values, verdicts, and mistakes replayed."""

    def __init__(self, trace: Trace, scenario: Scenario, answers: Mapping[str, Answer],
                 tol: float | None) -> None:
        self.trace, self.scenario, self.answers, self.tol = trace, scenario, answers, tol
        self.delta_rule = CONVENTION_SIGN[scenario.convention] > 0
        self.activation = {u: activation_of(layer) for layer in scenario.layers[1:] for u in layer.units}
        self.outputs = frozenset(scenario.layers[-1].units)
        self.world: dict[str, float] = dict(trace.given)
        """The student's numbers where given, else recomputed from the student's numbers."""
        self.truth: Mapping[str, float] = trace.env
        self.recomputed: dict[str, float] = {}
        self.precise: dict[str, float] = dict(trace.given)
        """The student's wrong answers, the true values of the right ones, and everything else
        recomputed from those at full precision: the numbers of a student who carries a mistake
        forward but keeps every digit in the calculator, writing down rounded ones."""
        self.taint: dict[str, frozenset[str]] = {}
        """The student's answers off the true value (wrong or carried) each value builds on."""
        self.order = {q.name: i for i, q in enumerate(trace)}

    def tolerance(self, answer: Answer) -> float:
        return answer.tolerance if self.tol is None else self.tol

    def unwritten_rule(self, name: str) -> Expr | None:
        """The rule of a δ, Δw or Δb the student did not write, to replay a mistake through it.

        Only the backward pass is followed: the forward values a δ rests on were worked out
        before it, right or wrong, and are where the student's own numbers already come in.
        """
        if name in self.answers or name not in self.trace or kind_of(name) not in BACKWARD_KINDS:
            return None
        return self.trace[name].expr

    def deep(self, q: Quantity) -> Expr:
        """q's rule with the unwritten intermediates it rests on written out (``DEPTH`` levels)."""
        return inline(q.expr, self.unwritten_rule, DEPTH)

    def mark(self) -> Report:
        for q in self.trace:
            again = q.evaluate(self.world)
            self.recomputed[q.name] = again
            answer = self.answers.get(q.name)
            self.world[q.name] = again if answer is None else answer.value
        verdicts: list[Verdict] = []
        empty: frozenset[str] = frozenset()
        for stage, st in enumerate(self.trace.stages):
            for q in st.quantities:
                upstream = empty.union(*(self.taint.get(n, empty) for n in q.inputs))
                precise = q.evaluate(self.precise) if upstream else q.value
                answer = self.answers.get(q.name)
                if answer is None:
                    verdict = Verdict(q.name, q.value, NOT_ATTEMPTED, stage=stage)
                    self.taint[q.name] = upstream
                else:
                    verdict = self.judge(q, answer, precise, upstream, stage)
                    clean = verdict.verdict in (CORRECT, ROUNDING)
                    self.taint[q.name] = empty if clean else frozenset({q.name})
                    if verdict.verdict == WRONG:
                        precise = answer.value
                    elif verdict.verdict == CORRECT:
                        precise = q.value
                self.precise[q.name] = precise
                verdicts.append(verdict)
        return Report(tuple(verdicts))

    def judge(self, q: Quantity, answer: Answer, precise: float, upstream: frozenset[str],
              stage: int) -> Verdict:
        """One answer: right, rounded, carried, or wrong with the mistake that explains it."""
        tol = self.tolerance(answer)
        again = self.recomputed[q.name]
        common = dict(given=answer.value, written=answer.text, tolerance=tol, stage=stage)
        if _close(answer.value, q.value, tol):
            return Verdict(q.name, q.value, CORRECT, recomputed=again, **common)
        if upstream and (_close(answer.value, again, tol) or _close(answer.value, precise, tol)):
            sources = tuple(sorted(upstream, key=self.order.__getitem__))
            near = again if _close(answer.value, again, tol) else precise
            return Verdict(q.name, q.value, CARRIED, hint="consistent with your "
                           + self.listing(sources), carried_from=sources, recomputed=near,
                           **common)
        common["recomputed"] = again
        if _close(answer.value, again, tol):
            rounded = [n for n in q.inputs if n in self.answers
                       and self.world[n] != self.trace.value_of(n)]
            hint = ("from your rounded " + self.listing(rounded) if rounded
                    else "from your rounded earlier values")
            return Verdict(q.name, q.value, ROUNDING, hint=hint, **common)
        if not math.isfinite(q.value):
            return Verdict(q.name, q.value, WRONG, hint="the true value is past the float range, "
                           "so no number written can be right", mistake="not_finite", **common)
        low, high = self.bounds(q)
        if not low <= answer.value <= high:
            return Verdict(q.name, q.value, WRONG, hint=self.out_of_range(q, low, high),
                           mistake="out_of_range", **common)
        for mistake, hint in self.replays(q, answer, tol, (low, high), (again, precise)):
            return Verdict(q.name, q.value, WRONG, hint=hint, mistake=mistake, **common)
        if _slip(self, q, answer, again):
            return Verdict(q.name, q.value, WRONG, hint=SLIP_HINT, mistake="slip", **common)
        return Verdict(q.name, q.value, WRONG, **common)

    def replays(self, q: Quantity, answer: Answer, tol: float, bounds: tuple[float, float],
                recomputed: tuple[float, ...]) -> Iterator[tuple[str, str]]:
        """(key, hint) of each known mistake that reproduces the answer, most specific first.

        Each is replayed on the student's own earlier numbers (as written, then as carried at
        full precision) and then on the true ones. A replay counts only when it lands where q
        can lie and away from every value that is not a mistake (the true and the recomputed).
        """
        low, high = bounds
        bases: list[Mapping[str, float]] = [self.world]
        # A rule rewritten may name later quantities (new_for_old: the updated weights).
        for base in (ChainMap(self.precise, self.world), self.truth):
            if any(base[n] != self.world[n] for n in q.inputs):
                bases.append(base)
        for base in bases:
            for mistake in MISTAKES:
                if not mistake.applies(self, q):
                    continue
                for rule, hint in mistake.variants(self, q):
                    value = rule.evaluate(base)
                    if (low <= value <= high and _close(answer.value, value, tol)
                            and not any(_close(value, v, tol) for v in (q.value, *recomputed))):
                        yield mistake.key, hint

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
        shown = [f"{n} = {self.answers[n].text}" for n in names[:most]]
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
            if other is not None and other in self.trace:
                out[ref] = other
        return out


# --- the mistakes, each a rewrite of the rule ---


def _is_output_delta(m: _Marker, q: Quantity) -> bool:
    return q.kind == Kind.DELTA and q.unit in m.outputs


def _has_error_term(m: _Marker, q: Quantity) -> bool:
    return _is_output_delta(m, q) and swap_error(q.expr) != q.expr


def _swapped_error(m: _Marker, q: Quantity) -> Iterator[Variant]:
    right, wrong = ("t − y", "y − t") if m.delta_rule else ("y − t", "t − y")
    rule = "δ = −∂E/∂a, delta rule" if m.delta_rule else "δ = +∂E/∂a, gradient convention"
    what = "output − target" if m.delta_rule else "target − output"
    yield swap_error(q.expr), f"{wrong} ({what}) used where {right} belongs ({rule})"


def _wrong_sign_update(m: _Marker, q: Quantity) -> Iterator[Variant]:
    change = next(n for n in q.inputs if kind_of(n) in (Kind.DW, Kind.DB))
    what, thing, step = (("Δw", "weight", "w0 + η·δ·y") if q.kind == Kind.W
                         else ("Δb", "bias", "b0 + η·δ"))
    if m.delta_rule:
        rule = f"with δ = t − y, {q.kind} = {step}"
    else:
        rule = f"with δ = ∂E/∂a, {what} = −η·δ·… already holds the minus and is added"
    yield (substitute(q.expr, {change: Neg(Ref(change))}),
           f"sign convention: {what} subtracted, so the {thing} moves uphill; {rule}")


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
                ) -> Iterator[Variant]:
    """q's rule (unwritten δs written out) with the f′(a) of one unit replaced wherever it
    occurs, the nearest unit first, then with the f′(a) of every unit replaced."""
    expr = m.deep(q)
    slopes = _slopes(expr)
    for slope in slopes:
        yield (expr.rewrite(lambda n, s=slope: replace(s) if n == s else None),
               f"activation derivative {_slope_text(slope)} {how}{_delta_of(q, slope)}")
    if len(slopes) > 1:
        yield (expr.rewrite(lambda n: replace(n) if isinstance(n, Slope) else None),
               f"activation derivative f′(a) {how} in every δ")


def _derivative_missing(m: _Marker, q: Quantity) -> Iterator[Variant]:
    yield from _each_slope(m, q, lambda s: ONE, "left out")


def _error_terms(expr: Expr) -> list[Expr]:
    """The (t − y) or (y − t) of each output δ in expr: the differences a sign convention turns."""
    return [node for node in expr.nodes() if isinstance(node, Diff) and swap_error(node) != node]


def _fused_output(m: _Marker) -> Activation | None:
    """The output activation when its f′(a) cancels against the loss (δ = t − y), if it has one."""
    act = m.activation[m.scenario.layers[-1].units[0]]
    return act if (act.name, m.scenario.loss) in FUSED_DELTAS and act.slope else None


def _derivative_twice(m: _Marker, q: Quantity) -> Iterator[Variant]:
    fused = _fused_output(m)
    expr = m.deep(q)
    if fused is not None and (terms := _error_terms(expr)):
        def times_slope(node: Expr) -> Expr | None:
            if node not in terms:
                return None
            unit = next(n for n in map(parse_name, _refs(node)) if n is not None)  # t or y: same unit
            return Prod((node, fused.slope_of(Ref(unit.renamed(Kind.A)), Ref(unit.renamed(Kind.Y)))))

        delta = "t − y" if m.delta_rule else "y − t"
        yield (expr.rewrite(times_slope),
               f"activation derivative f′(a) = {fused.derivative_formula} of {fused.name} applied "
               f"although δ = {delta} already has it (it cancels against ∂E/∂y of "
               f"{m.scenario.loss}){_delta_of(q, terms[0])}")
    yield from _each_slope(m, q, lambda s: Prod((s, s)), "applied twice")


def _lr_left_out(m: _Marker, q: Quantity) -> Iterator[Variant]:
    yield substitute(m.deep(q), {"lr": ONE}), "learning rate left out (as if η = 1)"


def _uses_lr(m: _Marker, q: Quantity) -> bool:
    return m.trace.given["lr"] != 1.0 and q.kind in UPDATE_KINDS


A_FOR_Y = {Kind.Y: Kind.A, Kind.Y_AFTER: Kind.A_AFTER}


def _net_input_of(name: Name) -> str | None:
    kind = A_FOR_Y.get(name.kind)  # type: ignore[call-overload]
    return None if kind is None else name.renamed(kind)


def _a_for_y(m: _Marker, q: Quantity) -> Iterator[Variant]:
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


def _new_for_old(m: _Marker, q: Quantity) -> Iterator[Variant]:
    expr = m.deep(q)
    yield (_renaming(expr, m.renamed(expr, q, _updated_of)),
           "updated weight used where the old one belongs (every δ and Δw of a step uses the "
           "weights from before the update)")


def _power_of_ten(m: _Marker, q: Quantity) -> Iterator[Variant]:
    for p, factor in POWERS.items():
        yield Prod((q.expr, const(10.0 ** p))), f"off by a power of ten (×{factor})"
    for name in q.inputs:
        if m.world[name] == 0:
            continue
        for p, factor in POWERS.items():
            scaled = substitute(q.expr, {name: Prod((Ref(name), const(10.0 ** p)))})
            yield scaled, f"off by a power of ten: {name} taken ×{factor}"


def _sign_flipped(m: _Marker, q: Quantity) -> Iterator[Variant]:
    yield Neg(q.expr), "sign flipped"


SLIP_HINT = "arithmetic slip in the last operation (one digit off)"


def _slip(m: _Marker, q: Quantity, answer: Answer, again: float) -> bool:
    """One digit of a number with enough digits differs from the right or recomputed value."""
    places = _decimals(m.tolerance(answer))
    if places is None or not math.isfinite(answer.value):
        return False
    written = f"{abs(answer.value):.{places}f}"
    if len(written.replace(".", "").lstrip("0")) < SLIP_DIGITS:
        return False
    return any(math.isfinite(reference) and (reference < 0) == (answer.value < 0)
               and _one_digit_apart(written, f"{abs(reference):.{places}f}")
               for reference in (again, q.value))


def _always(m: _Marker, q: Quantity) -> bool:
    return True


def _backward_or_update(m: _Marker, q: Quantity) -> bool:
    return q.kind in BACKWARD_KINDS or q.kind in UPDATE_KINDS


MISTAKES: tuple[Mistake, ...] = (
    Mistake("swapped_error", _has_error_term, _swapped_error),
    Mistake("wrong_sign_update", lambda m, q: q.kind in (Kind.W, Kind.B), _wrong_sign_update),
    Mistake("derivative_missing", _backward_or_update, _derivative_missing),
    Mistake("derivative_twice", _backward_or_update, _derivative_twice),
    Mistake("lr_left_out", _uses_lr, _lr_left_out),
    Mistake("a_for_y", _always, _a_for_y),
    Mistake("new_for_old", _backward_or_update, _new_for_old),
    Mistake("power_of_ten", _always, _power_of_ten),
    Mistake("sign_flipped", _always, _sign_flipped),
)
"""Mistakes in the order they are tried: the most specific explanation wins. A one-digit slip
is tried last of all, outside this list, since it is read from the digits, not replayed."""


def verify(trace: Trace, scenario: Scenario, answers: Mapping[str, Answer],
           tol: float | None = None) -> Report:
    """Mark ``answers`` against one step; ``tol`` replaces the tolerance the digits imply."""
    return _Marker(trace, scenario, answers, tol).mark()


@dataclass(frozen=True, slots=True)
class MistakeValue:
    """A value a named mistake makes of one quantity when every earlier number is right."""

    key: str
    """Key of the mistake in ``MISTAKES``."""
    hint: str
    value: float


def mistake_values(trace: Trace, scenario: Scenario, name: str) -> list[MistakeValue]:
    """Each applicable mistake of ``MISTAKES`` replayed on the true operands of ``name``.

    What a quiz needs to recognise a wrong answer and say why: values that are not finite, lie
    outside what the quantity can be, equal the true value or repeat an earlier (more specific)
    mistake's value are left out.
    """
    marker = _Marker(trace, scenario, {}, None)
    marker.world = {**trace.given, **trace.values}  # every stage's, the lazy update stages too
    q = trace[name]
    low, high = marker.bounds(q)
    found: list[MistakeValue] = []
    for mistake in MISTAKES:
        if not mistake.applies(marker, q):
            continue
        for rule, hint in mistake.variants(marker, q):
            value = rule.evaluate(marker.truth)
            if (math.isfinite(value) and low <= value <= high
                    and not _close(value, q.value, 0.0)
                    and not any(_close(value, other.value, 0.0) for other in found)):
                found.append(MistakeValue(mistake.key, hint, value))
    return found
