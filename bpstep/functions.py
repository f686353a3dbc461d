"""Activations and losses as named entries: value, derivative and the formula a student writes.

Text templates use ``{a}``, ``{y}``, ``{t}`` and ``{n}`` for the net input, output, target and
number of outputs of one unit, so the engine can substitute numbers into them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

LEAKY_SLOPE = 0.01


@dataclass(frozen=True, slots=True)
class Activation:
    """y = f(a) for one layer, with f'(a) and the formulas a textbook prints."""

    name: str
    fn: Callable[[Array], Array]
    """Outputs from net inputs, for a whole layer (last axis = units)."""
    derivative: Callable[[Array, Array], Array] | None
    """Elementwise f'(a) from (a, y); None when f couples the units (softmax)."""
    formula: str
    """y as a function of a, e.g. ``1 / (1 + e^(−a))``."""
    template: str
    """``formula`` with an ``{a}`` placeholder for substitution."""
    derivative_formula: str
    """f'(a) as a textbook writes it, e.g. ``y(1 − y)``."""
    derivative_template: str
    """f'(a) with ``{a}``/``{y}`` placeholders for substitution."""

    def backward(self, a: Array, y: Array, grad_y: Array) -> Array:
        """∂E/∂a from ∂E/∂y, through the Jacobian of f (diagonal unless softmax)."""
        if self.derivative is not None:
            return grad_y * self.derivative(a, y)
        return y * (grad_y - np.sum(grad_y * y, axis=-1, keepdims=True))


def _sigmoid(a: Array) -> Array:
    """Logistic function without overflow: e^(−a) is only ever taken for a ≥ 0."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(a: Array) -> Array:
    """Softmax over the last axis, shifted by the maximum so no exponent overflows."""
    e = np.exp(a - np.max(a, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


ACTIVATIONS: dict[str, Activation] = {
    entry.name: entry
    for entry in (
        Activation(
            "identity",
            fn=lambda a: np.array(a, dtype=float),
            derivative=lambda a, y: np.ones_like(a),
            formula="a",
            template="{a}",
            derivative_formula="1",
            derivative_template="1",
        ),
        Activation(
            "sigmoid",
            fn=_sigmoid,
            derivative=lambda a, y: y * (1.0 - y),
            formula="1 / (1 + e^(−a))",
            template="1 / (1 + e^(−{a}))",
            derivative_formula="y(1 − y)",
            derivative_template="{y} × (1 − {y})",
        ),
        Activation(
            "tanh",
            fn=np.tanh,
            derivative=lambda a, y: 1.0 - y * y,
            formula="tanh(a)",
            template="tanh({a})",
            derivative_formula="1 − y²",
            derivative_template="(1 − {y}²)",
        ),
        Activation(
            "relu",
            fn=lambda a: np.maximum(a, 0.0),
            derivative=lambda a, y: (a > 0).astype(float),
            formula="max(0, a)",
            template="max(0, {a})",
            derivative_formula="1 if a > 0 else 0",
            derivative_template="step({a})",
        ),
        Activation(
            "leaky_relu",
            fn=lambda a: np.where(a > 0, a, LEAKY_SLOPE * a),
            derivative=lambda a, y: np.where(a > 0, 1.0, LEAKY_SLOPE),
            formula=f"a if a > 0 else {LEAKY_SLOPE}·a",
            template="leaky_relu({a})",
            derivative_formula=f"1 if a > 0 else {LEAKY_SLOPE}",
            derivative_template="leaky_step({a})",
        ),
        Activation(
            "softmax",
            fn=_softmax,
            derivative=None,
            formula="e^(a_j) / Σ_k e^(a_k)",
            template="",
            derivative_formula="∂y_k/∂a_j = y_k(1[j=k] − y_j)",
            derivative_template="",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Loss:
    """E(y, t) for one sample, with ∂E/∂y and the formulas a textbook prints."""

    name: str
    fn: Callable[[Array, Array], Array]
    """Loss per sample from outputs and targets (last axis = output units)."""
    grad: Callable[[Array, Array, int], Array]
    """∂E/∂y for each output unit, from (y, t, number of output units)."""
    formula: str
    term_template: str
    """One output unit's term of the sum, with ``{t}`` and ``{y}`` placeholders."""
    total_template: str
    """How the terms combine, with ``{terms}`` and ``{n}`` placeholders."""
    grad_template: str
    """∂E/∂y with ``{y}``, ``{t}``, ``{n}`` placeholders."""
    neg_grad_template: str
    """−∂E/∂y written the way the delta rule prints it, e.g. ``({t} − {y})``."""
    target_range: tuple[float, float] | None = None
    """Closed interval every target must lie in, when the loss takes logarithms."""
    requires: tuple[str, ...] = ()
    """Output activations this loss is defined for; empty means any."""


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
            formula="E = ½ Σ (t − y)²",
            term_template="({t} − {y})²",
            total_template="½ × [{terms}]",
            grad_template="({y} − {t})",
            neg_grad_template="({t} − {y})",
        ),
        Loss(
            "sse",
            fn=lambda y, t: np.sum((t - y) ** 2, axis=-1),
            grad=lambda y, t, n: 2.0 * (y - t),
            formula="E = Σ (t − y)²",
            term_template="({t} − {y})²",
            total_template="{terms}",
            grad_template="2 × ({y} − {t})",
            neg_grad_template="2 × ({t} − {y})",
        ),
        Loss(
            "mse",
            fn=lambda y, t: np.sum((t - y) ** 2, axis=-1) / y.shape[-1],
            grad=lambda y, t, n: 2.0 * (y - t) / n,
            formula="E = (1/n) Σ (t − y)²",
            term_template="({t} − {y})²",
            total_template="[{terms}] / {n}",
            grad_template="2 × ({y} − {t}) / {n}",
            neg_grad_template="2 × ({t} − {y}) / {n}",
        ),
        Loss(
            "cross_entropy",
            fn=lambda y, t: -np.sum(t * _log(y), axis=-1),
            grad=lambda y, t, n: -t / y,
            formula="E = −Σ t ln y",
            term_template="{t} × ln {y}",
            total_template="−[{terms}]",
            grad_template="−{t} / {y}",
            neg_grad_template="{t} / {y}",
            target_range=(0.0, 1.0),
            requires=("softmax", "sigmoid"),
        ),
        Loss(
            "binary_cross_entropy",
            fn=lambda y, t: -np.sum(t * _log(y) + (1 - t) * _log(1 - y), axis=-1),
            grad=lambda y, t, n: (y - t) / (y * (1.0 - y)),
            formula="E = −Σ [t ln y + (1 − t) ln(1 − y)]",
            term_template="{t} × ln {y} + (1 − {t}) × ln(1 − {y})",
            total_template="−[{terms}]",
            grad_template="({y} − {t}) / ({y} × (1 − {y}))",
            neg_grad_template="({t} − {y}) / ({y} × (1 − {y}))",
            target_range=(0.0, 1.0),
            requires=("sigmoid",),
        ),
    )
}


@dataclass(frozen=True, slots=True)
class FusedDelta:
    """∂E/∂a for an output activation and loss whose product simplifies, as textbooks write it.

    Computing it fused is also what keeps it finite when y reaches 0 or 1.
    """

    grad_a: Callable[[Array, Array], Array]
    """∂E/∂a from (y, t); softmax with cross-entropy assumes targets that sum to 1."""
    loss_from_a: Callable[[Array, Array], Array]
    """E from the net inputs (a, t): exact even where y has rounded to 0 or 1."""
    grad_template: str
    neg_grad_template: str


def _log_sum_exp(a: Array) -> Array:
    """ln Σ_k e^(a_k) over the last axis, shifted by the maximum so nothing overflows."""
    top = np.max(a, axis=-1)
    return top + np.log(np.sum(np.exp(a - top[..., None]), axis=-1))


FUSED_DELTAS: dict[tuple[str, str], FusedDelta] = {
    ("softmax", "cross_entropy"): FusedDelta(
        grad_a=lambda y, t: y - t,
        loss_from_a=lambda a, t: np.sum(t, axis=-1) * _log_sum_exp(a) - np.sum(t * a, axis=-1),
        grad_template="({y} − {t})",
        neg_grad_template="({t} − {y})",
    ),
    ("sigmoid", "binary_cross_entropy"): FusedDelta(
        grad_a=lambda y, t: y - t,
        loss_from_a=lambda a, t: np.sum(np.logaddexp(0.0, a) - t * a, axis=-1),
        grad_template="({y} − {t})",
        neg_grad_template="({t} − {y})",
    ),
}


def output_grad_a(activation: Activation, loss: Loss, a: Array, y: Array, t: Array) -> Array:
    """∂E/∂a at the output layer, fused where the pair simplifies, else by the chain rule."""
    fused = FUSED_DELTAS.get((activation.name, loss.name))
    if fused is not None:
        return fused.grad_a(y, t)
    return activation.backward(a, y, loss.grad(y, t, y.shape[-1]))


def output_loss(activation: Activation, loss: Loss, a: Array, y: Array, t: Array) -> Array:
    """E per sample at the output layer, from the net inputs where the pair allows it.

    −ln y loses everything once y has rounded to 0 (sigmoid(40) is 1.0 in float64), so the fused
    pairs take E from a: softplus(a) − t·a for sigmoid with binary cross-entropy, and
    Σt·logsumexp(a) − Σ t·a for softmax with cross-entropy.
    """
    fused = FUSED_DELTAS.get((activation.name, loss.name))
    return fused.loss_from_a(a, t) if fused is not None else loss.fn(y, t)
