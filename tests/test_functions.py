"""Every activation and loss entry against finite differences: the table is walked, not sampled."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from bpstep.expr import Call, Ref
from bpstep.functions import (
    ACTIVATIONS,
    FUSED_DELTAS,
    GAINED,
    LOSSES,
    activation_entry,
    output_grad_a,
    output_loss,
)

POINTS = np.array([-2.3, -0.7, -0.05, 0.3, 1.1, 2.9])


def numeric_jacobian(fn, a: np.ndarray, h: float = 1e-6) -> np.ndarray:
    jac = np.zeros((a.size, a.size))
    for j in range(a.size):
        step = np.zeros_like(a)
        step[j] = h
        jac[:, j] = (fn(a + step) - fn(a - step)) / (2 * h)
    return jac


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_backward_is_the_chain_rule_through_f(name: str) -> None:
    act = ACTIVATIONS[name]
    a = POINTS.copy()
    y = act.fn(a)
    upstream = np.linspace(-1, 1, a.size)
    expected = numeric_jacobian(act.fn, a).T @ upstream
    assert act.backward(a, y, upstream) == pytest.approx(expected, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_is_finite_and_quiet_at_large_inputs(name: str) -> None:
    a = np.array([-1000.0, 0.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = ACTIVATIONS[name].fn(a)
    assert np.all(np.isfinite(y))


@pytest.mark.parametrize("name", GAINED)
def test_a_gained_activation_is_f_of_k_times_a_with_its_chain_rule(name: str) -> None:
    plain, steep = ACTIVATIONS[name], activation_entry(name, 2.5)
    a = POINTS.copy()
    assert steep.fn(a) == pytest.approx(plain.fn(2.5 * a), rel=1e-15)
    upstream = np.linspace(-1, 1, a.size)
    expected = numeric_jacobian(steep.fn, a).T @ upstream
    assert steep.backward(a, steep.fn(a), upstream) == pytest.approx(expected, rel=1e-6, abs=1e-9)
    env = {"a": 0.3, "y": float(steep.fn(np.array([0.3]))[0])}
    assert steep.rule(Ref("a")).evaluate(env) == pytest.approx(env["y"], rel=1e-14)
    assert steep.slope(Ref("a"), Ref("y")).evaluate(env) == pytest.approx(
        float(steep.derivative(np.array([0.3]), np.array([env["y"]]))[0]), rel=1e-14)
    assert steep.bounds == plain.bounds and steep.name == f"{name} with gain 2.5"


def test_sigmoid_with_a_gain_is_written_as_a_textbook_does() -> None:
    steep = activation_entry("sigmoid", 2)
    assert steep.formula == "1 / (1 + e^(−2·a))"
    assert steep.derivative_formula == "2 · y · (1 − y)"
    assert activation_entry("sigmoid", 1) is ACTIVATIONS["sigmoid"]


def test_bipolar_sigmoid_hand_values() -> None:
    bipolar = ACTIVATIONS["bipolar_sigmoid"]
    y = bipolar.fn(np.array([1.0, 0.0, -2.0]))
    assert y == pytest.approx([2 / (1 + math.exp(-1)) - 1, 0.0, 2 / (1 + math.exp(2)) - 1], rel=1e-15)
    assert bipolar.derivative(None, y) == pytest.approx(0.5 * (1 + y) * (1 - y), rel=1e-15)
    assert bipolar.formula == "2 / (1 + e^(−a)) − 1"
    assert bipolar.derivative_formula == "½ · (1 + y) · (1 − y)"
    assert bipolar.bounds == (-1.0, 1.0)


def test_sigmoid_and_softmax_hand_values() -> None:
    assert ACTIVATIONS["sigmoid"].fn(np.array([0.21]))[0] == pytest.approx(0.5523079095743253, rel=1e-15)
    e = np.exp([1.0, 2.0, 3.0])
    assert ACTIVATIONS["softmax"].fn(np.array([1.0, 2.0, 3.0])) == pytest.approx(e / e.sum(), rel=1e-15)


def targets_for(name: str) -> np.ndarray:
    return np.array([0.2, 0.5, 0.3]) if LOSSES[name].target_range else np.array([0.4, -1.2, 2.0])


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_gradient_matches_finite_differences(name: str) -> None:
    loss = LOSSES[name]
    y = np.array([0.3, 0.6, 0.45])
    t = targets_for(name)
    h = 1e-7
    numeric = [(loss.fn(y + h * e, t) - loss.fn(y - h * e, t)) / (2 * h) for e in np.eye(3)]
    assert loss.grad(y, t, 3) == pytest.approx(numeric, rel=1e-6)


def test_loss_hand_values() -> None:
    y, t = np.array([0.665074]), np.array([0.5])
    assert LOSSES["half_sse"].fn(y, t) == pytest.approx(0.5 * 0.165074**2)
    assert LOSSES["mse"].fn(np.array([1.0, 3.0]), np.array([0.0, 0.0])) == pytest.approx(5.0)
    assert LOSSES["cross_entropy"].fn(np.array([0.7, 0.3]), np.array([1.0, 0.0])) == pytest.approx(
        -np.log(0.7))


@pytest.mark.parametrize(("act_name", "loss_name"), sorted(FUSED_DELTAS))
def test_fused_output_deltas_equal_the_chain_rule(act_name: str, loss_name: str) -> None:
    act, loss = ACTIVATIONS[act_name], LOSSES[loss_name]
    a = np.array([0.4, -1.3, 0.9])
    y = act.fn(a)
    t = np.array([0.1, 0.6, 0.3])
    chain = act.backward(a, y, loss.grad(y, t, 3))
    assert output_grad_a(act, loss, a, y, t) == pytest.approx(chain, rel=1e-12)


def test_saturated_outputs_keep_an_exact_loss() -> None:
    """sigmoid(800) is 1.0 in float64, yet the loss of target 0 is ln(1 + e^800) ≈ 800, not 708."""
    a, t = np.array([800.0, -30.0]), np.array([0.0, 1.0])
    y = ACTIVATIONS["sigmoid"].fn(a)
    bce = output_loss(ACTIVATIONS["sigmoid"], LOSSES["binary_cross_entropy"], a, y, t)
    assert bce == pytest.approx(800.0 + 30.0 + np.log1p(np.exp(-30.0)), rel=1e-15)
    a3 = np.array([1000.0, 0.0, -1000.0])
    ce = output_loss(ACTIVATIONS["softmax"], LOSSES["cross_entropy"], a3, ACTIVATIONS["softmax"].fn(a3),
                     np.array([0.0, 1.0, 0.0]))
    assert ce == pytest.approx(1000.0, rel=1e-15)  # −ln softmax(a)₂ = logsumexp(a) − a₂ ≈ 1000


@pytest.mark.parametrize(("act_name", "loss_name"), sorted(FUSED_DELTAS))
def test_loss_from_net_inputs_equals_the_loss_of_the_outputs(act_name: str, loss_name: str) -> None:
    act, loss = ACTIVATIONS[act_name], LOSSES[loss_name]
    a = np.array([[0.4, -1.3, 0.9], [2.0, 0.1, -0.5]])
    t = np.array([[0.1, 0.6, 0.3], [0.0, 0.0, 1.0]])
    assert output_loss(act, loss, a, act.fn(a), t) == pytest.approx(loss.fn(act.fn(a), t), rel=1e-13)


@pytest.mark.parametrize("a", [-800.0, -40.0, -1.0, 0.0, 2.0, 40.0])
def test_sigmoid_with_cross_entropy_stays_finite_when_y_rounds_to_zero(a: float) -> None:
    """E = −t·ln σ(a) = t·ln(1 + e^(−a)); ∂E/∂a = −t·(1 − σ(a)). At a = −800, σ(a) is 0.0 in
    float64, where the chain rule gives (−t/0)·0 = nan; the hand values are E = 800, ∂E/∂a = −1."""
    from bpstep.functions import ACTIVATIONS, LOSSES, output_grad_a, output_loss

    t = 0.7

    def energy(x: float) -> float:
        return t * (max(-x, 0.0) + math.log1p(math.exp(-abs(x))))

    act, loss = ACTIVATIONS["sigmoid"], LOSSES["cross_entropy"]
    arr = np.array([[a]])
    y = act.fn(arr)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        grad = float(output_grad_a(act, loss, arr, y, np.array([[t]]))[0, 0])
        value = float(output_loss(act, loss, arr, y, np.array([[t]]))[0])
    h = 1e-6
    assert grad == pytest.approx((energy(a + h) - energy(a - h)) / (2 * h), abs=1e-6)
    assert value == pytest.approx(energy(a), rel=1e-12)
    if a == -800.0:
        assert (value, grad) == (pytest.approx(0.7 * 800), pytest.approx(-0.7))


def test_softmax_losses_of_samples_far_apart_are_each_exact() -> None:
    """logsumexp is shifted by each sample's own maximum: one shift for the whole batch would
    underflow every e^(a − max) of the sample whose net inputs lie 1000 below the other's."""
    act, loss = ACTIVATIONS["softmax"], LOSSES["cross_entropy"]
    a = np.array([[1000.0, 999.0], [0.0, 1.0]])
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    # −ln softmax: ln(1 + e^(−1)) for both samples (each right unit one above the other).
    assert output_loss(act, loss, a, act.fn(a), t) == pytest.approx([math.log1p(math.exp(-1))] * 2,
                                                                     rel=1e-14)


def test_a_gained_unit_is_described_by_its_rule_not_a_call() -> None:
    """``sigmoid(a[h1])`` would hide the gain: a worksheet writes 1 / (1 + e^(−2·a[h1]))."""
    from bpstep.answers import call_names
    from bpstep.engine import step
    from bpstep.scenario import check

    scenario = check({"learning_rate": 1.0, "loss": "half_sse",
                      "layers": [{"units": ["x"]},
                                 {"units": ["h"], "activation": {"name": "sigmoid", "gain": 2}},
                                 {"units": ["o"], "activation": "sigmoid"}],
                      "weights": [[[0.5]], [[0.5]]], "inputs": [1.0], "targets": [0.5]})
    assert call_names(step(scenario).network) == {"h": None, "o": "sigmoid"}
    steep = activation_entry("sigmoid", 2)
    assert (steep.gain, steep.call_name, ACTIVATIONS["sigmoid"].call_name) == (2, None, "sigmoid")


def test_softmax_of_samples_far_apart_is_shifted_per_sample() -> None:
    """One shift for the batch would send every e^(a − max) of the lower sample to 0 (0/0)."""
    y = ACTIVATIONS["softmax"].fn(np.array([[1000.0, 999.0], [0.0, 1.0]]))
    p = 1 / (1 + math.exp(-1))  # softmax of (1, 0): e/(e + 1)
    assert y == pytest.approx(np.array([[p, 1 - p], [1 - p, p]]), rel=1e-14)


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_the_rule_and_the_numpy_derivative_agree_at_the_kink(name: str) -> None:
    """At a = 0 a textbook takes the left slope (0 for relu, 0.01 for leaky relu), as numpy does."""
    act = ACTIVATIONS[name]
    zero = np.array([0.0])
    left = {"relu": 0.0, "leaky_relu": 0.01}[name]
    assert act.derivative(zero, act.fn(zero))[0] == left
    assert act.slope(Ref("a"), Ref("y")).evaluate({"a": 0.0, "y": 0.0}) == left
    assert act.rule(Ref("a")).evaluate({"a": 0.0}) == 0.0


@pytest.mark.parametrize("samples", [2, 3])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_backward_works_sample_by_sample_in_a_batch(name: str, samples: int) -> None:
    """A batch of 2 or 3 samples of 3 units: each row's ∂E/∂a is that row's own chain rule
    (with as many samples as units, a sum over the wrong axis would still broadcast)."""
    act = ACTIVATIONS[name]
    a = np.array([[0.4, -1.3, 0.9], [2.0, 0.1, -0.5], [-0.2, 0.3, 1.7]])[:samples]
    upstream = np.array([[0.5, -0.25, 1.0], [-1.0, 0.75, 0.2], [0.3, 0.3, -0.6]])[:samples]
    got = act.backward(a, act.fn(a), upstream)
    for row in range(samples):
        expected = numeric_jacobian(act.fn, a[row]).T @ upstream[row]
        assert got[row] == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_negated_turns_an_error_round_drops_a_minus_and_else_writes_one() -> None:
    from bpstep.engine import negated
    from bpstep.expr import Diff, Neg, Prod

    env = {"a": 3.0, "b": -2.0, "t[o]": 0.5, "y[o]": 0.8}
    plain = Prod((Ref("a"), Ref("b")))
    assert (negated(plain).names(), negated(plain).evaluate(env)) == ("−a · b", 6.0)
    assert negated(Neg(Ref("a"))).names() == "a"
    error = Diff(Ref("y[o]"), Ref("t[o]"))
    assert (negated(error).names(), negated(error).evaluate(env)) == ("t[o] − y[o]", pytest.approx(-0.3))


ELEMENTWISE = [*(ACTIVATIONS[n] for n in sorted(ACTIVATIONS) if ACTIVATIONS[n].slope),
               *(activation_entry(n, 2.5) for n in GAINED)]
"""Every entry with an elementwise f′, and a gained copy of each that takes a gain."""


@pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda act: act.name)
def test_every_form_of_f_prime_is_the_slope_of_f(act) -> None:  # type: ignore[no-untyped-def]
    """f′ is written once, as the rule a student writes; the numpy form, the rule and every
    ``Call`` node's local derivative are each checked against a central difference of f."""
    h = 1e-6
    for a in POINTS:
        numeric = float((act.fn(np.array([a + h])) - act.fn(np.array([a - h])))[0] / (2 * h))
        y = float(act.fn(np.array([a]))[0])
        assert float(act.derivative(np.array([a]), np.array([y]))[0]) == pytest.approx(
            numeric, rel=1e-6, abs=1e-9)
        assert act.slope(Ref("a"), Ref("y")).evaluate({"a": a, "y": y}) == pytest.approx(
            numeric, rel=1e-6, abs=1e-9)
        for node in act.rule(Ref("a")).nodes():
            if isinstance(node, Call):
                x = node.operand.evaluate({"a": a})
                slope = (node.fn(x + h) - node.fn(x - h)) / (2 * h)
                assert node.local([x], node.fn(x)) == pytest.approx([slope], rel=1e-6, abs=1e-9)
