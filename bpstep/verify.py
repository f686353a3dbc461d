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

import numpy as np

from bpstep.answers import Answer
from bpstep.engine import CONVENTION_SIGN
from bpstep.functions import ACTIVATIONS, FUSED_DELTAS, LOSSES
from bpstep.scenario import Scenario
from bpstep.trace import Quantity, Trace

CORRECT, ROUNDING, CARRIED, WRONG, NOT_ATTEMPTED = (
    "correct", "rounding", "carried", "wrong", "not attempted")
VERDICTS = (CORRECT, ROUNDING, CARRIED, WRONG, NOT_ATTEMPTED)
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
SHIFTS = {"a": ("y",), "a_after": ("y_after",)}
"""Net-input kinds and the output kinds they can be mistaken for."""
LINEAR_ERROR_LOSSES = frozenset({"half_sse", "sse", "mse"})
"""Losses whose ∂E/∂y is a multiple of (y − t), so swapping t and y only flips the sign."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one quantity of the worksheet was marked."""

    name: str
    expected: float
    """The true value (float64)."""
    verdict: str
    """One of ``VERDICTS``."""
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


def _kind(name: str) -> str:
    return name.split("[", 1)[0]


def _inner(name: str) -> str:
    """``w0[x1->h1]@2`` → ``[x1->h1]@2``: the part a substitution keeps."""
    return name[len(_kind(name)):]


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


@dataclass(frozen=True, slots=True)
class Mistake:
    """A mistake students make, and how to replay it on one quantity."""

    key: str
    applies: Callable[[_Marker, Quantity], bool]
    candidates: Callable[[_Marker, Quantity], Iterator[tuple[float, str]]]
    """Values the quantity takes under the mistake, each with the hint that says so."""


class _Marker:
    """Marks one worksheet: the student's world of values, verdicts, and mistakes replayed."""

    def __init__(self, trace: Trace, scenario: Scenario, answers: Mapping[str, Answer],
                 tol: float | None) -> None:
        self.trace, self.scenario, self.answers, self.tol = trace, scenario, answers, tol
        self.sign = CONVENTION_SIGN[scenario.convention]
        self.loss = LOSSES[scenario.loss]
        self.layer_of = {u: k for k, layer in enumerate(scenario.layers) for u in layer.units}
        self.outputs = frozenset(scenario.layers[-1].units)
        self.world: dict[str, float] = dict(trace.given)
        """The student's numbers where given, else recomputed from the student's numbers."""
        self.truth: dict[str, float] = {**trace.given, **trace.values}
        self.base = self.world
        """Where operands come from while replaying a mistake: ``world``, then ``truth``."""
        self.recomputed: dict[str, float] = {}
        self.taint: dict[str, frozenset[str]] = {}
        """The student's answers off the true value (wrong or carried) each value builds on."""
        self.order = {q.name: i for i, q in enumerate(trace)}
        self._swaps: dict[str, dict[str, float]] = {}

    def tolerance(self, answer: Answer) -> float:
        return answer.tolerance if self.tol is None else self.tol

    def ops(self, q: Quantity, overlay: Mapping[str, float] | None = None,
            deep: bool = False) -> list[float]:
        """Operands of q from the student's world; names in ``overlay`` take its values (with
        ``deep``, also one level into operands the student did not work out themselves)."""
        base = self.base
        if not overlay:
            return [base[n] for n in q.inputs]
        out = []
        for n in q.inputs:
            if n in overlay:
                out.append(overlay[n])
            elif not deep or n in self.answers or n not in self.trace:
                out.append(base[n])
            else:
                inner = self.trace[n]
                out.append(inner.recompute([overlay.get(m, base[m]) for m in inner.inputs]))
        return out

    def mark(self) -> Report:
        for q in self.trace:
            again = q.recompute(self.ops(q))
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
        differs = any(self.world[n] != self.truth[n] for n in q.inputs)
        for base in (self.world, self.truth) if differs else (self.world,):
            self.base = base
            for mistake in MISTAKES:
                if not mistake.applies(self, q):
                    continue
                for value, hint in mistake.candidates(self, q):
                    if (_close(answer.value, value, tol) and not _close(value, q.value, tol)
                            and not _close(value, again, tol)):
                        self.base = self.world
                        return Verdict(q.name, q.value, WRONG, hint=hint, mistake=mistake.key,
                                       **common)
        self.base = self.world
        return Verdict(q.name, q.value, WRONG, **common)

    def listing(self, names: list[str] | tuple[str, ...], most: int = 3) -> str:
        shown = [f"{n} = {self.answers[n].text}" for n in names[:most]]
        more = len(names) - most
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")

    def swaps(self, kind: str) -> dict[str, float]:
        """Overlays replaying one confusion everywhere: a for y, or new weights for old ones."""
        key = kind if self.base is self.world else kind + " (truth)"
        if key not in self._swaps:
            overlay: dict[str, float] = {}
            for q in self.trace:
                if kind == "a_for_y" and q.kind in SHIFTS:
                    for y_kind in SHIFTS[q.kind]:
                        overlay[y_kind + _inner(q.name)] = self.base[q.name]
                elif kind == "new_for_old" and q.kind in ("w", "b") and q.sample is None:
                    overlay[q.kind + "0" + _inner(q.name)] = self.base[q.name]
            self._swaps[key] = overlay
        return self._swaps[key]

    def activation_of(self, q: Quantity) -> str | None:
        layer = self.layer_of.get(q.unit or "")
        return self.scenario.layers[layer].activation if layer else None


def _is_output_delta(m: _Marker, q: Quantity) -> bool:
    return q.kind == "delta" and q.unit in m.outputs


def _swapped_error(m: _Marker, q: Quantity) -> Iterator[tuple[float, str]]:
    right, wrong = ("t − y", "y − t") if m.sign > 0 else ("y − t", "t − y")
    rule = "δ = −∂E/∂a, delta rule" if m.sign > 0 else "δ = +∂E/∂a, gradient convention"
    yield (-q.recompute(m.ops(q)),
           f"{wrong} (output − target) used where {right} belongs ({rule})" if m.sign > 0 else
           f"{wrong} (target − output) used where {right} belongs ({rule})")


def _swapped_applies(m: _Marker, q: Quantity) -> bool:
    act = m.activation_of(q)
    fused = (act, m.loss.name) in FUSED_DELTAS
    return _is_output_delta(m, q) and (fused or m.loss.name in LINEAR_ERROR_LOSSES)


def _wrong_sign_update(m: _Marker, q: Quantity) -> Iterator[tuple[float, str]]:
    old, change = m.ops(q)
    what, thing, step = ("Δw", "weight", "w0 + η·δ·y") if q.kind == "w" else ("Δb", "bias", "b0 + η·δ")
    if m.sign > 0:
        rule = f"with δ = t − y, {q.kind} = {step}"
    else:
        rule = f"with δ = ∂E/∂a, {what} = −η·δ·… already holds the minus and is added"
    yield old - change, f"sign convention: {what} subtracted, so the {thing} moves uphill; {rule}"


def _derivative_missing_applies(m: _Marker, q: Quantity) -> bool:
    act = m.activation_of(q)
    if q.kind != "delta" or act in (None, "identity", "softmax"):
        return False
    return not (_is_output_delta(m, q) and (act, m.loss.name) in FUSED_DELTAS)


def _derivative_missing(m: _Marker, q: Quantity) -> Iterator[tuple[float, str]]:
    act = m.activation_of(q) or ""
    slope = ACTIVATIONS[act].derivative_formula
    ops = m.ops(q)
    if _is_output_delta(m, q):
        values = {_kind(n): v for n, v in zip(q.inputs, ops, strict=True)}
        y, t = np.array([values["y"]]), np.array([values["t"]])
        grad = float(m.loss.grad(y, t, len(m.outputs))[0])
        yield -m.sign * grad, f"activation derivative f′(a) = {slope} of {act} left out"
        return
    head = 0
    while head < len(q.inputs) and _kind(q.inputs[head]) in ("a", "y"):
        head += 1
    total = math.fsum(ops[i] * ops[i + 1] for i in range(head, len(ops) - 1, 2))
    yield total, f"activation derivative f′(a) = {slope} of {act} left out"


def _lr_left_out(m: _Marker, q: Quantity) -> Iterator[tuple[float, str]]:
    yield q.recompute(m.ops(q, {"lr": 1.0}, deep=True)), "learning rate left out (as if η = 1)"


def _uses_lr(m: _Marker, q: Quantity) -> bool:
    if m.trace.given["lr"] == 1.0:
        return False
    return "lr" in q.inputs or any(n in m.trace and n not in m.answers and "lr" in m.trace[n].inputs
                                   for n in q.inputs)


def _a_for_y(m: _Marker, q: Quantity) -> Iterator[tuple[float, str]]:
    yield q.recompute(m.ops(q, m.swaps("a_for_y"))), "net input a used where the output y = f(a) belongs"


def _new_for_old(m: _Marker, q: Quantity) -> Iterator[tuple[float, str]]:
    yield (q.recompute(m.ops(q, m.swaps("new_for_old"))),
           "updated weight used where the old one belongs (every δ and Δw of a step uses the "
           "weights from before the update)")


def _has_kind(kinds: tuple[str, ...]) -> Callable[[_Marker, Quantity], bool]:
    def applies(m: _Marker, q: Quantity) -> bool:
        return any(_kind(n) in kinds for n in q.inputs)
    return applies


def _power_of_ten(m: _Marker, q: Quantity) -> Iterator[tuple[float, str]]:
    value = q.recompute(m.ops(q))
    for p, factor in POWERS.items():
        yield value * 10.0 ** p, f"off by a power of ten (×{factor})"
    ops = m.ops(q)
    for i, name in enumerate(q.inputs):
        if ops[i] == 0 or name in q.inputs[:i]:
            continue
        for p, factor in POWERS.items():
            scaled = [*ops[:i], ops[i] * 10.0 ** p, *ops[i + 1:]]
            yield q.recompute(scaled), f"off by a power of ten: {name} taken ×{factor}"


def _sign_flipped(m: _Marker, q: Quantity) -> Iterator[tuple[float, str]]:
    yield -q.recompute(m.ops(q)), "sign flipped"


def _slip(m: _Marker, q: Quantity) -> Iterator[tuple[float, str]]:
    answer = m.answers[q.name]
    places = _decimals(m.tolerance(answer))
    if places is None:
        return
    written = f"{abs(answer.value):.{places}f}"
    if len(written.replace(".", "").lstrip("0")) < SLIP_DIGITS:
        return
    for reference in (q.recompute(m.ops(q)), q.value):
        if (reference < 0) == (answer.value < 0) and _one_digit_apart(
                written, f"{abs(reference):.{places}f}"):
            yield answer.value, "arithmetic slip in the last operation (one digit off)"
            return


def _always(m: _Marker, q: Quantity) -> bool:
    return True


MISTAKES: tuple[Mistake, ...] = (
    Mistake("swapped_error", _swapped_applies, _swapped_error),
    Mistake("wrong_sign_update", lambda m, q: q.kind in ("w", "b"), _wrong_sign_update),
    Mistake("derivative_missing", _derivative_missing_applies, _derivative_missing),
    Mistake("lr_left_out", _uses_lr, _lr_left_out),
    Mistake("a_for_y", _has_kind(("y", "y_after")), _a_for_y),
    Mistake("new_for_old", lambda m, q: q.kind not in ("w", "b") and _has_kind(("w0", "b0"))(m, q),
            _new_for_old),
    Mistake("power_of_ten", _always, _power_of_ten),
    Mistake("sign_flipped", _always, _sign_flipped),
    Mistake("slip", _always, _slip),
)
"""Mistakes in the order they are tried: the most specific explanation wins."""


def verify(trace: Trace, scenario: Scenario, answers: Mapping[str, Answer],
           tol: float | None = None) -> Report:
    """Mark ``answers`` against one step; ``tol`` replaces the tolerance the digits imply."""
    return _Marker(trace, scenario, answers, tol).mark()
