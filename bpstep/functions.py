"""Activations and losses as named entries: value, derivative and the rule a student writes.

Each entry holds, side by side, the numpy functions the numeric core runs on whole batches and
the expression (bpstep.expr) a student writes for one unit, so the text shown, the number
re-evaluated from a student's operands and the vectorised value all come from one place.
A test walks every entry and checks the two against each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpstep.expr import (
    HALF,
    ONE,
    Call,
    Const,
    Diff,
    Div,
    Exp,
    Expr,
    Group,
    Ln,
    Neg,
    Prod,
    Ref,
    Slope,
    Square,
    Sum,
    const,
)

Array = np.ndarray

LEAKY_SLOPE = 0.01

Rule = Callable[[Expr], Expr]
"""Builds a unit's rule from the expression of its net input (y = f(a))."""
SlopeRule = Callable[[Expr, Expr], Expr]
"""Builds f′(a) from the expressions of the net input and the output (a, y)."""


@dataclass(frozen=True, slots=True)
class Activation:
    """y = f(a) for one layer, with f′(a), as the numeric core runs it and as a student writes it."""

    name: str
    fn: Callable[[Array], Array]
    """Outputs from net inputs, for a whole layer (last axis = units)."""
    derivative: Callable[[Array, Array], Array] | None
    """Elementwise f′(a) from (a, y), vectorised for speed; None when f couples the units
    (softmax). ``slope`` is f′'s one definition: a test checks this against it, entry by entry."""
    rule: Rule | None
    """y of one unit from its net input; None for softmax, which is written over the layer."""
    slope: SlopeRule | None
    """f′(a) of one unit from (a, y), as a textbook writes it; None for softmax. A named
    function's ``Call`` in ``rule`` takes its local derivative from this too (``_at``)."""
    bounds: tuple[float, float] = (-math.inf, math.inf)
    """The closed range every output lies in: no value outside it can be an output."""
    gain: float | None = None
    """k of y = f(k·a) when this is a table entry steepened by a layer's ``gain`` (see with_gain)."""

    @property
    def formula(self) -> str:
        """y as a function of a, e.g. ``1 / (1 + e^(−a))``; softmax is written over its layer."""
        assert self.rule is not None, "softmax has no one-unit rule"
        return self.rule(Ref("a")).names()

    @property
    def derivative_formula(self) -> str:
        """f′(a) as a textbook writes it, e.g. ``y · (1 − y)``; softmax has no elementwise one."""
        assert self.slope is not None, "softmax has no elementwise derivative"
        return self.slope(Ref("a"), Ref("y")).names()

    @property
    def call_name(self) -> str | None:
        """The name a worksheet may write y = name(a) with; None when that would hide the gain."""
        return self.name if self.gain is None else None

    def slope_of(self, a: Expr, y: Expr) -> Expr:
        """f′(a) marked as the activation's derivative (so a rewrite can leave it out)."""
        assert self.slope is not None, "softmax has no elementwise derivative"
        return Slope(self.name, self.derivative_formula, self.slope(a, y))

    def with_gain(self, k: float) -> Activation:
        """y = f(k·a), with f′ = k·f′(k·a): the steeper (k > 1) or flatter (k < 1) variant.

        Named e.g. ``sigmoid with gain 2``, so nothing keyed by the plain name (fused deltas,
        in-place kernels) is taken for it.
        """
        base_fn, base_derivative, base_rule, base_slope = self.fn, self.derivative, self.rule, self.slope
        assert base_derivative and base_rule and base_slope, "softmax takes no gain"

        def scaled(a: Expr) -> Expr:
            return Prod((const(k), a), tight=True)

        return Activation(
            f"{self.name} with gain {k:g}",
            fn=lambda a: base_fn(np.multiply(k, a)),
            derivative=lambda a, y: k * base_derivative(k * a, y),
            rule=lambda a: base_rule(scaled(a)),
            slope=lambda a, y: Prod((const(k), base_slope(scaled(a), y))),
            bounds=self.bounds,
            gain=k,
        )

    def backward(self, a: Array, y: Array, grad_y: Array) -> Array:
        """∂E/∂a from ∂E/∂y, through the Jacobian of f (diagonal unless softmax)."""
        if self.derivative is not None:
            return grad_y * self.derivative(a, y)
        return y * (grad_y - np.sum(grad_y * y, axis=-1, keepdims=True))


def _sigmoid(a: Array) -> Array:
    """Logistic function without overflow: e^(−a) is only ever taken for a ≥ 0."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _bipolar_sigmoid(a: Array) -> Array:
    """2 / (1 + e^(−a)) − 1, computed as tanh(a/2): no exponent overflows, no cancellation near 0."""
    return np.tanh(np.multiply(0.5, a))


def _softmax(a: Array) -> Array:
    """Softmax over the last axis, shifted by the maximum so no exponent overflows."""
    e = np.exp(a - np.max(a, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _step(a: float) -> float:
    return 1.0 if a > 0 else 0.0


def _flat(a: float) -> float:
    """The derivative of a step: 0 wherever it is defined."""
    return 0.0


def _leaky(a: float) -> float:
    return a if a > 0 else LEAKY_SLOPE * a


def _leaky_step(a: float) -> float:
    return 1.0 if a > 0 else LEAKY_SLOPE


TANH_BEND = 4 / (3 * math.sqrt(3))
"""The largest |tanh″(a)| = |2·tanh(a)·(1 − tanh²(a))|, reached at tanh(a) = ±1/√3."""


def _tanh_bend(low: float, high: float) -> float:
    return TANH_BEND


def _kink_at_zero(low: float, high: float) -> float:
    """|f″| of a function linear on either side of 0 (ReLU): 0 away from 0, a kink at it."""
    return 0.0 if low >= 0 or high <= 0 else math.inf


def _jump_at_zero(low: float, high: float) -> float:
    """|f″| of a step, flat on either side and jumping just after 0 (0 itself is on the low side)."""
    return 0.0 if low > 0 or high <= 0 else math.inf


def _tanh_slope(a: Expr, y: Expr) -> Expr:
    return Group(Diff(ONE, Square(y)))


def _relu_slope(a: Expr, y: Expr) -> Expr:
    return Call("step({})", _step, _flat, _jump_at_zero, a)


def _leaky_slope(a: Expr, y: Expr) -> Expr:
    return Call("leaky_step({})", _leaky_step, _flat, _jump_at_zero, a)


def _at(slope: SlopeRule, fn: Callable[[float], float]) -> Callable[[float], float]:
    """f′ of one number, read from the rule a student writes: a ``Call`` node's local derivative
    is the entry's own f′, never a second copy of it."""
    def derivative(v: float) -> float:
        return slope(Const(v, ""), Const(fn(v), "")).evaluate({})
    return derivative


def _relu(a: float) -> float:
    return max(a, 0.0)


_tanh_prime = _at(_tanh_slope, math.tanh)
_relu_prime = _at(_relu_slope, _relu)
_leaky_prime = _at(_leaky_slope, _leaky)


def _sigmoid_rule(a: Expr) -> Expr:
    return Div(ONE, Sum((ONE, Exp(Neg(a)))))


def _bipolar_rule(a: Expr) -> Expr:
    return Diff(Div(const(2), Sum((ONE, Exp(Neg(a))))), ONE)


ACTIVATIONS: dict[str, Activation] = {
    entry.name: entry
    for entry in (
        Activation(
            "identity",
            fn=lambda a: np.array(a, dtype=float),
            derivative=lambda a, y: np.ones_like(a),
            rule=lambda a: a,
            slope=lambda a, y: ONE,
        ),
        Activation(
            "sigmoid",
            fn=_sigmoid,
            derivative=lambda a, y: y * (1.0 - y),
            rule=_sigmoid_rule,
            slope=lambda a, y: Prod((y, Diff(ONE, y))),
            bounds=(0.0, 1.0),
        ),
        Activation(
            "bipolar_sigmoid",
            fn=_bipolar_sigmoid,
            derivative=lambda a, y: 0.5 * (1.0 + y) * (1.0 - y),
            rule=_bipolar_rule,
            slope=lambda a, y: Prod((HALF, Sum((ONE, y)), Diff(ONE, y))),
            bounds=(-1.0, 1.0),
        ),
        Activation(
            "tanh",
            fn=np.tanh,
            derivative=lambda a, y: 1.0 - y * y,
            rule=lambda a: Call("tanh({})", math.tanh, _tanh_prime, _tanh_bend, a),
            slope=_tanh_slope,
            bounds=(-1.0, 1.0),
        ),
        Activation(
            "relu",
            fn=lambda a: np.maximum(a, 0.0),
            derivative=lambda a, y: (a > 0).astype(float),
            rule=lambda a: Call("max(0, {})", _relu, _relu_prime, _kink_at_zero, a),
            slope=_relu_slope,
            bounds=(0.0, math.inf),
        ),
        Activation(
            "leaky_relu",
            fn=lambda a: np.where(a > 0, a, LEAKY_SLOPE * a),
            derivative=lambda a, y: np.where(a > 0, 1.0, LEAKY_SLOPE),
            rule=lambda a: Call("leaky_relu({})", _leaky, _leaky_prime, _kink_at_zero, a),
            slope=_leaky_slope,
        ),
        Activation(
            "softmax",
            fn=_softmax,
            derivative=None,
            rule=None,
            slope=None,
            bounds=(0.0, 1.0),
        ),
    )
}

GAINED = ("sigmoid", "bipolar_sigmoid")
"""Activations a layer may steepen with ``gain: k`` (Fausett's σ): y = f(k·a)."""


def activation_entry(name: str, gain: float | None = None) -> Activation:
    """The table's entry for ``name``, steepened when a gain other than 1 is given."""
    entry = ACTIVATIONS[name]
    return entry if gain is None or gain == 1 else entry.with_gain(gain)


ErrorRule = Callable[[Expr, Expr, Expr], Expr]
"""Builds a loss's expression for one output unit from (t, y, number of outputs)."""


@dataclass(frozen=True, slots=True)
class Loss:
    """E(y, t) for one sample, with ∂E/∂y, as the numeric core runs it and as a student writes it."""

    name: str
    fn: Callable[[Array, Array], Array]
    """Loss per sample from outputs and targets (last axis = output units)."""
    grad: Callable[[Array, Array, int], Array]
    """∂E/∂y for each output unit, from (y, t, number of output units)."""
    term: Callable[[Expr, Expr], Expr]
    """One output unit's term of E, from (t, y): ``(t − y)²``."""
    total: Callable[[Expr, Expr], Expr]
    """E from the sum of the terms and the number of outputs: ``½ × [Σ]``."""
    gradient: ErrorRule
    """∂E/∂y of one output unit, from (t, y, n): ``(y − t)``."""
    target_range: tuple[float, float] | None = None
    """Closed interval every target must lie in, when the loss takes logarithms."""
    requires: tuple[str, ...] = ()
    """Output activations this loss is defined for; empty means any."""

    @property
    def formula(self) -> str:
        """E as a textbook writes it, e.g. ``E = ½ · Σ (t − y)²``."""
        return "E = " + self.total(Sigma(self.term(Ref("t"), Ref("y"))), Ref("n")).names()


class Sigma(Group):
    """Σ over the output units, for the formula a loss is named by (not for evaluation)."""

    __slots__ = ()
    strength = 3

    def write(self, w) -> str:  # type: ignore[no-untyped-def]
        return "Σ " + self.operand.wrapped(w, 3)


def _log(p: Array) -> Array:
    """Natural log that gives a large finite number instead of −inf at 0."""
    return np.log(np.maximum(p, np.finfo(float).tiny))


LOSSES: dict[str, Loss] = {
    entry.name: entry
    for entry in (
        Loss(
            "half_sse",
            fn=lambda y, t: 0.5 * np.sum((t - y) ** 2, axis=-1),
            grad=lambda y, t, n: y - t,
            term=lambda t, y: Square(Diff(t, y)),
            total=lambda terms, n: Prod((HALF, terms)),
            gradient=lambda t, y, n: Group(Diff(y, t)),
        ),
        Loss(
            "sse",
            fn=lambda y, t: np.sum((t - y) ** 2, axis=-1),
            grad=lambda y, t, n: 2.0 * (y - t),
            term=lambda t, y: Square(Diff(t, y)),
            total=lambda terms, n: terms,
            gradient=lambda t, y, n: Prod((const(2), Group(Diff(y, t)))),
        ),
        Loss(
            "mse",
            fn=lambda y, t: np.sum((t - y) ** 2, axis=-1) / y.shape[-1],
            grad=lambda y, t, n: 2.0 * (y - t) / n,
            term=lambda t, y: Square(Diff(t, y)),
            total=lambda terms, n: Div(terms, n),
            gradient=lambda t, y, n: Div(Prod((const(2), Group(Diff(y, t)))), n),
        ),
        Loss(
            "cross_entropy",
            fn=lambda y, t: -np.sum(t * _log(y), axis=-1),
            grad=lambda y, t, n: -t / y,
            term=lambda t, y: Prod((t, Ln(y))),
            total=lambda terms, n: Neg(terms),
            gradient=lambda t, y, n: Neg(Div(t, y)),
            target_range=(0.0, 1.0),
            requires=("softmax", "sigmoid"),
        ),
        Loss(
            "binary_cross_entropy",
            fn=lambda y, t: -np.sum(t * _log(y) + (1 - t) * _log(1 - y), axis=-1),
            grad=lambda y, t, n: (y - t) / (y * (1.0 - y)),
            term=lambda t, y: Sum((Prod((t, Ln(y))), Prod((Diff(ONE, t), Ln(Diff(ONE, y)))))),
            total=lambda terms, n: Neg(terms),
            gradient=lambda t, y, n: Div(Group(Diff(y, t)), Prod((y, Diff(ONE, y)))),
            target_range=(0.0, 1.0),
            requires=("sigmoid",),
        ),
    )
}


@dataclass(frozen=True, slots=True)
class FusedDelta:
    """∂E/∂a for an output activation and loss whose product simplifies to y − t.

    Computing it fused is also what keeps it finite when y reaches 0 or 1.
    """

    grad_a: Callable[[Array, Array], Array]
    """∂E/∂a from (y, t); softmax with cross-entropy assumes targets that sum to 1."""
    loss_from_a: Callable[[Array, Array], Array]
    """E from the net inputs (a, t): exact even where y has rounded to 0 or 1."""

    @staticmethod
    def gradient(t: Expr, y: Expr) -> Expr:
        """∂E/∂a of one output unit as a student writes it: ``(y − t)``."""
        return Group(Diff(y, t))


def _log_sum_exp(a: Array) -> Array:
    """ln Σ_k e^(a_k) over the last axis, shifted by the maximum so nothing overflows."""
    top = np.max(a, axis=-1)
    return top + np.log(np.sum(np.exp(a - top[..., None]), axis=-1))


FUSED_DELTAS: dict[tuple[str, str], FusedDelta] = {
    ("softmax", "cross_entropy"): FusedDelta(
        grad_a=lambda y, t: y - t,
        loss_from_a=lambda a, t: np.sum(t, axis=-1) * _log_sum_exp(a) - np.sum(t * a, axis=-1),
    ),
    ("sigmoid", "binary_cross_entropy"): FusedDelta(
        grad_a=lambda y, t: y - t,
        loss_from_a=lambda a, t: np.sum(np.logaddexp(0.0, a) - t * a, axis=-1),
    ),
}


SATURATING: dict[tuple[str, str], FusedDelta] = {
    ("sigmoid", "cross_entropy"): FusedDelta(
        grad_a=lambda y, t: t * (y - 1.0),
        loss_from_a=lambda a, t: np.sum(t * np.logaddexp(0.0, -a), axis=-1),
    ),
}
"""Pairs whose chain rule multiplies 0 by ∞ once y rounds to 0: for sigmoid with cross-entropy
(−t/y)·y(1 − y) = −t(1 − y) and E = t·softplus(−a). Only the numbers are computed this way; the
rule a student writes stays the chain rule (these pairs are not fused for verify)."""


def fused(activation: Activation, loss: Loss) -> FusedDelta | None:
    """The pair's ∂E/∂a when it simplifies to y − t, computed and written as one step; None where
    the chain rule is written out. Every module asks this, so the fused pairs are named once."""
    return FUSED_DELTAS.get((activation.name, loss.name))


def _from_net_inputs(activation: Activation, loss: Loss) -> FusedDelta | None:
    """How a pair's numbers are taken from a: the fused pairs and the saturating ones."""
    return fused(activation, loss) or SATURATING.get((activation.name, loss.name))


def output_grad_a(activation: Activation, loss: Loss, a: Array, y: Array, t: Array) -> Array:
    """∂E/∂a at the output layer, fused where the pair simplifies, else by the chain rule."""
    pair = _from_net_inputs(activation, loss)
    if pair is not None:
        return pair.grad_a(y, t)
    return activation.backward(a, y, loss.grad(y, t, y.shape[-1]))


def output_loss(activation: Activation, loss: Loss, a: Array, y: Array, t: Array) -> Array:
    """E per sample at the output layer, from the net inputs where the pair allows it.

    −ln y loses everything once y has rounded to 0 (sigmoid(40) is 1.0 in float64), so the fused
    pairs take E from a: softplus(a) − t·a for sigmoid with binary cross-entropy, and
    Σt·logsumexp(a) − Σ t·a for softmax with cross-entropy.
    """
    pair = _from_net_inputs(activation, loss)
    return pair.loss_from_a(a, t) if pair is not None else loss.fn(y, t)
