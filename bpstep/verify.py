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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from bpstep.answers import Answer
from bpstep.engine import CONVENTION_SIGN
from bpstep.enums import StrEnum
from bpstep.expr import ONE, Expr, Neg, Prod, Ref, Slope, const, inline, substitute
from bpstep.functions import ACTIVATIONS, FUSED_DELTAS, Activation, swap_error
from bpstep.scenario import Scenario
from bpstep.trace import Kind, Quantity, Trace, kind_of, parse_name


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
        self.activation = {u: ACTIVATIONS[layer.activation] for layer in scenario.layers[1:]
                           for u in layer.units if layer.activation}
        self.outputs = frozenset(scenario.layers[-1].units)
        self.world: dict[str, float] = dict(trace.given)
        """The student's numbers where given, else recomputed from the student's numbers."""
        self.truth: Mapping[str, float] = trace.env
        self.recomputed: dict[str, float] = {}
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
                answer = self.answers.get(q.name)
                if answer is None:
                    self.taint[q.name] = upstream
                    verdicts.append(Verdict(q.name, q.value, NOT_ATTEMPTED, stage=stage))
                    continue
                verdict = self.judge(q, answer, self.recomputed[q.name], upstream, stage)
                clean = verdict.verdict in (CORRECT, ROUNDING)
                self.taint[q.name] = empty if clean else frozenset({q.name})
                verdicts.append(verdict)
        return Report(tuple(verdicts))

    def judge(self, q: Quantity, answer: Answer, again: float, upstream: frozenset[str],
              stage: int) -> Verdict:
        tol = self.tolerance(answer)
        common = dict(given=answer.value, written=answer.text, recomputed=again, tolerance=tol,
                      stage=stage)
        if _close(answer.value, q.value, tol):
            return Verdict(q.name, q.value, CORRECT, **common)
        if _close(answer.value, again, tol):
            if upstream:
                sources = tuple(sorted(upstream, key=self.order.__getitem__))
                return Verdict(q.name, q.value, CARRIED, hint="consistent with your "
                               + self.listing(sources), carried_from=sources, **common)
            rounded = [n for n in q.inputs if n in self.answers
                       and self.world[n] != self.trace.value_of(n)]
            hint = ("from your rounded " + self.listing(rounded) if rounded
                    else "from your rounded earlier values")
            return Verdict(q.name, q.value, ROUNDING, hint=hint, **common)
        low, high = self.bounds(q)
        if not low <= answer.value <= high:
            return Verdict(q.name, q.value, WRONG, hint=self.out_of_range(q, low, high),
                           mistake="out_of_range", **common)
        differs = any(self.world[n] != self.truth[n] for n in q.inputs)
        for base in (self.world, self.truth) if differs else (self.world,):
            for mistake in MISTAKES:
                if not mistake.applies(self, q):
                    continue
                for rule, hint in mistake.variants(self, q):
                    value = rule.evaluate(base)
                    if (low <= value <= high and _close(answer.value, value, tol)
                            and not _close(value, q.value, tol) and not _close(value, again, tol)):
                        return Verdict(q.name, q.value, WRONG, hint=hint, mistake=mistake.key,
                                       **common)
        if _slip(self, q, answer, again):
            return Verdict(q.name, q.value, WRONG, hint=SLIP_HINT, mistake="slip", **common)
        return Verdict(q.name, q.value, WRONG, **common)

    def bounds(self, q: Quantity) -> tuple[float, float]:
        """The range no value of q can leave: an activation's outputs, a loss's non-negative values."""
        if q.kind in (Kind.Y, Kind.Y_AFTER) and q.unit in self.activation:
            return self.activation[q.unit].bounds
        if q.kind in (Kind.LOSS, Kind.LOSS_AFTER) and self.scenario.loss != "binary_cross_entropy":
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

    def renamed_refs(self, q: Quantity, pairs: Callable[[Quantity], Iterator[tuple[str, str]]]
                     ) -> dict[str, Expr]:
        """Substitutions from the trace: each pair (name as written, name it is mistaken for)."""
        own_old = self.old_name(q)
        return {old: Ref(new) for p in self.trace for old, new in pairs(p) if old != own_old}

    def old_name(self, q: Quantity) -> str | None:
        """``w0[x1->h1]`` for ``w[x1->h1]``: the parameter a new weight or bias starts from."""
        if q.kind not in (Kind.W, Kind.B):
            return None
        return next((n for n in q.inputs if kind_of(n) not in (Kind.DW, Kind.DB)), None)


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


def _slopes(expr: Expr) -> list[Slope]:
    return [node for node in expr.nodes() if isinstance(node, Slope) and node.activation != "identity"]


def _slope_text(act: str) -> str:
    return f"f′(a) = {ACTIVATIONS[act].derivative_formula} of {act}"


def _each_slope(expr: Expr, replace: Callable[[Slope], Expr]) -> Iterator[tuple[Expr, Slope]]:
    """``expr`` with one f′(a) at a time replaced (the nearest first), then with all of them."""
    slopes = _slopes(expr)
    for slope in slopes:
        yield expr.rewrite(lambda n, s=slope: replace(s) if n is s else None), slope
    if len(slopes) > 1:
        yield (expr.rewrite(lambda n: replace(n) if isinstance(n, Slope) else None), slopes[0])


def _derivative_missing(m: _Marker, q: Quantity) -> Iterator[Variant]:
    for rule, slope in _each_slope(m.deep(q), lambda s: ONE):
        yield rule, f"activation derivative {_slope_text(slope.activation)} left out"


def _fused_activation(m: _Marker, q: Quantity) -> Activation | None:
    """The output activation of a δ that is y − t only because f′(a) cancelled in the pair."""
    act = m.activation.get(q.unit or "")
    if _is_output_delta(m, q) and act and (act.name, m.scenario.loss) in FUSED_DELTAS and act.slope:
        return act
    return None


def _derivative_twice(m: _Marker, q: Quantity) -> Iterator[Variant]:
    fused = _fused_activation(m, q)
    if fused is not None:
        name = parse_name(q.name)
        assert name is not None
        yield (Prod((q.expr, fused.slope_of(Ref(name.renamed(Kind.A)), Ref(name.renamed(Kind.Y))))),
               f"activation derivative {_slope_text(fused.name)} applied although δ = t − y "
               f"already has it (it cancels against ∂E/∂y of {m.scenario.loss})")
        return
    for rule, slope in _each_slope(m.deep(q), lambda s: Prod((s, s))):
        yield rule, f"activation derivative {_slope_text(slope.activation)} applied twice"


def _lr_left_out(m: _Marker, q: Quantity) -> Iterator[Variant]:
    yield substitute(m.deep(q), {"lr": ONE}), "learning rate left out (as if η = 1)"


def _uses_lr(m: _Marker, q: Quantity) -> bool:
    return m.trace.given["lr"] != 1.0 and q.kind in (Kind.DW, Kind.W, Kind.DB, Kind.B)


def _a_for_y(m: _Marker, q: Quantity) -> Iterator[Variant]:
    def pairs(p: Quantity) -> Iterator[tuple[str, str]]:
        if p.kind in (Kind.A, Kind.A_AFTER):
            y_kind = Kind.Y if p.kind == Kind.A else Kind.Y_AFTER
            yield p.name.replace(p.kind, y_kind, 1), p.name
    yield (substitute(q.expr, m.renamed_refs(q, pairs)),
           "net input a used where the output y = f(a) belongs")


def _uses_outputs(m: _Marker, q: Quantity) -> bool:
    return any(kind_of(n) in (Kind.Y, Kind.Y_AFTER) for n in q.inputs)


def _new_for_old(m: _Marker, q: Quantity) -> Iterator[Variant]:
    def pairs(p: Quantity) -> Iterator[tuple[str, str]]:
        if p.kind in (Kind.W, Kind.B) and p.sample is None:
            yield p.name.replace(p.kind, p.kind + "0", 1), p.name
    yield (substitute(m.deep(q), m.renamed_refs(q, pairs)),
           "updated weight used where the old one belongs (every δ and Δw of a step uses the "
           "weights from before the update)")


def _uses_old_parameters(m: _Marker, q: Quantity) -> bool:
    return q.kind in (Kind.DELTA, Kind.DW, Kind.DB, Kind.W, Kind.B)


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


MISTAKES: tuple[Mistake, ...] = (
    Mistake("swapped_error", _has_error_term, _swapped_error),
    Mistake("wrong_sign_update", lambda m, q: q.kind in (Kind.W, Kind.B), _wrong_sign_update),
    Mistake("derivative_missing", lambda m, q: q.kind in (Kind.DELTA, Kind.DW, Kind.DB, Kind.W, Kind.B),
            _derivative_missing),
    Mistake("derivative_twice", lambda m, q: q.kind in (Kind.DELTA, Kind.DW, Kind.DB, Kind.W, Kind.B),
            _derivative_twice),
    Mistake("lr_left_out", _uses_lr, _lr_left_out),
    Mistake("a_for_y", _uses_outputs, _a_for_y),
    Mistake("new_for_old", _uses_old_parameters, _new_for_old),
    Mistake("power_of_ten", _always, _power_of_ten),
    Mistake("sign_flipped", _always, _sign_flipped),
)
"""Mistakes in the order they are tried: the most specific explanation wins. A one-digit slip
is tried last of all, outside this list, since it is read from the digits, not replayed."""


def verify(trace: Trace, scenario: Scenario, answers: Mapping[str, Answer],
           tol: float | None = None) -> Report:
    """Mark ``answers`` against one step; ``tol`` replaces the tolerance the digits imply."""
    return _Marker(trace, scenario, answers, tol).mark()
