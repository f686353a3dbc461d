"""Textbook variants: momentum, a sigmoid with a gain, the bipolar sigmoid.

Every expected number is worked out in the test, by hand or by a plain numpy loop written here,
never taken from bpstep's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_engine import assert_updates_match_finite_differences, small_spec

from bpstep.answers import parse
from bpstep.engine import step
from bpstep.scenario import ScenarioError, check, parse_yaml
from bpstep.scenario_yaml import scenario_yaml
from bpstep.train import TrainResult, train
from bpstep.verify import CORRECT, WRONG, verify


def line(**extra: object) -> dict:
    """x1 → o, identity, half_sse, a bias: every number of a step fits on the back of an envelope."""
    data = {"learning_rate": 0.1, "mode": "online",
            "layers": [{"units": ["x1"]}, {"units": ["o"], "activation": "identity"}],
            "weights": [[[0.5]]], "biases": [[0.0]],
            "inputs": [[1.0], [2.0]], "targets": [[1.0], [0.0]]}
    data.update(extra)
    return data


# --- momentum in one step (bpstep run) ---


def test_online_momentum_adds_a_share_of_the_first_change_to_the_second() -> None:
    trace = step(check(line(momentum=0.5)))
    # sample 1: y = 0.5·1 = 0.5, δ = 1 − 0.5 = 0.5, Δw = 0.1·0.5·1 = 0.05, Δb = 0.1·0.5 = 0.05
    assert trace["dw[x1->o]@1"].value == pytest.approx(0.05, abs=1e-15)
    assert trace["db[o]@1"].value == pytest.approx(0.05, abs=1e-15)
    assert trace["w[x1->o]@1"].value == pytest.approx(0.55, abs=1e-15)
    # sample 2: y = 0.55·2 + 0.05 = 1.15, δ = 0 − 1.15; Δw = 0.1·(−1.15)·2 + 0.5·0.05 = −0.205
    assert trace["delta[o]@2"].value == pytest.approx(-1.15, abs=1e-15)
    assert trace["dw[x1->o]@2"].value == pytest.approx(-0.205, abs=1e-15)
    assert trace["w[x1->o]@2"].value == pytest.approx(0.345, abs=1e-15)
    # Δb = 0.1·(−1.15) + 0.5·0.05 = −0.09, b = 0.05 − 0.09 = −0.04
    assert trace["db[o]@2"].value == pytest.approx(-0.09, abs=1e-15)
    assert trace["b[o]@2"].value == pytest.approx(-0.04, abs=1e-15)


def test_momentum_is_a_given_value_and_only_later_rules_use_it() -> None:
    trace = step(check(line(momentum=0.5)))
    assert trace.given["momentum"] == 0.5
    assert trace["dw[x1->o]@1"].formula == "dw[x1->o]@1 = lr · delta[o]@1·y[x1]@1"
    assert trace["dw[x1->o]@2"].formula == ("dw[x1->o]@2 = lr · delta[o]@2·y[x1]@2 "
                                            "+ momentum · dw[x1->o]@1")
    assert trace["db[o]@2"].formula == "db[o]@2 = lr · delta[o]@2 + momentum · db[o]@1"
    assert set(trace["dw[x1->o]@2"].inputs) >= {"momentum", "dw[x1->o]@1"}
    assert "momentum" not in step(check(line())).given


def test_momentum_under_the_gradient_convention_keeps_its_plus_sign() -> None:
    trace = step(check(line(momentum=0.5, convention="gradient")))
    # δ = y − t: 0.5 − 1 = −0.5, then 1.15 − 0 = 1.15; Δw = −0.1·δ·y + 0.5·Δw(before)
    assert trace["dw[x1->o]@2"].formula == ("dw[x1->o]@2 = −lr · delta[o]@2·y[x1]@2 "
                                            "+ momentum · dw[x1->o]@1")
    assert trace["dw[x1->o]@2"].value == pytest.approx(-0.205, abs=1e-15)


def test_batch_mode_has_one_update_so_momentum_changes_nothing_in_one_step() -> None:
    plain, moving = step(check(line(mode="batch"))), step(check(line(mode="batch", momentum=0.9)))
    assert moving["dw[x1->o]"].formula == "dw[x1->o] = lr · (delta[o]@1·y[x1]@1 + delta[o]@2·y[x1]@2)"
    assert moving["w[x1->o]"].value == plain["w[x1->o]"].value


def test_minibatch_momentum_refers_to_the_chunk_before() -> None:
    spec = line(mode="minibatch", batch_size=2, reduction="mean", momentum=0.25,
                inputs=[[1.0], [2.0], [0.0], [1.0]], targets=[[1.0], [0.0], [1.0], [1.0]])
    trace = step(check(spec))
    assert trace["dw[x1->o]@3"].formula == ("dw[x1->o]@3 = lr / 2 · (delta[o]@3·y[x1]@3 "
                                            "+ delta[o]@4·y[x1]@4) + momentum · dw[x1->o]@1")
    # chunk 1: y = 0.5, 1.0; δ = 0.5, −1.0; Δw = 0.1/2·(0.5·1 − 1.0·2) = −0.075, Δb = 0.05·(−0.5)
    # = −0.025; w = 0.425, b = −0.025. chunk 2: y = −0.025, 0.4; δ = 1.025, 0.6;
    # Δw = 0.05·(0 + 0.6) + 0.25·(−0.075) = 0.01125, Δb = 0.05·1.625 + 0.25·(−0.025) = 0.075
    assert trace["dw[x1->o]@1"].value == pytest.approx(-0.075, abs=1e-15)
    assert trace["dw[x1->o]@3"].value == pytest.approx(0.01125, abs=1e-15)
    assert trace["db[o]@3"].value == pytest.approx(0.075, abs=1e-15)


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


NET = {"learning_rate": 0.5,
       "layers": [{"units": ["x1", "x2"]}, {"units": ["h1", "h2"], "activation": "sigmoid"},
                  {"units": ["o"], "activation": "sigmoid"}],
       "weights": [[[0.15, -0.25], [0.2, 0.3]], [[0.4], [-0.5]]], "biases": [[0.35, -0.1], [0.6]],
       "inputs": [[0.05, 0.1], [0.9, 0.4], [0.3, 0.8]], "targets": [[0.01], [0.99], [0.5]]}


def mitchell(epochs: int, momentum: float, batches: list[list[int]], mean: bool = False,
             update_biases: bool = True, gain: float = 1.0) -> list[np.ndarray]:
    """A plain numpy loop of Mitchell's backpropagation with momentum: Δw(n) = η·δ·y + α·Δw(n−1)."""
    w1, w2 = np.array(NET["weights"][0]), np.array(NET["weights"][1])
    b1, b2 = np.array(NET["biases"][0]), np.array(NET["biases"][1])
    x_all, t_all = np.array(NET["inputs"]), np.array(NET["targets"])
    last = [np.zeros_like(p) for p in (w1, b1, w2, b2)]
    for _ in range(epochs):
        for rows in batches:
            x, t = x_all[rows], t_all[rows]
            h = sigmoid(gain * (x @ w1 + b1))
            y = sigmoid(h @ w2 + b2)
            d_o = (t - y) * y * (1 - y)
            d_h = gain * h * (1 - h) * (d_o @ w2.T)
            rate = NET["learning_rate"] / (len(rows) if mean else 1)
            grads = (x.T @ d_h, d_h.sum(0), h.T @ d_o, d_o.sum(0))
            changes = [rate * g + momentum * old for g, old in zip(grads, last, strict=True)]
            if not update_biases:
                changes[1], changes[3] = 0 * b1, 0 * b2
            last = changes
            w1, b1, w2, b2 = (p + c for p, c in zip((w1, b1, w2, b2), changes, strict=True))
    return [w1, b1, w2, b2]


def test_run_online_step_matches_a_plain_loop_with_momentum() -> None:
    trace = step(check({**NET, "mode": "online", "momentum": 0.9}))
    w1, b1, w2, b2 = mitchell(1, 0.9, [[0], [1], [2]])
    assert trace["dw[x1->h1]@2"].formula == ("dw[x1->h1]@2 = lr · delta[h1]@2·y[x1]@2 "
                                             "+ momentum · dw[x1->h1]@1")
    assert trace["w[x1->h1]@3"].value == pytest.approx(w1[0, 0], abs=1e-14)
    assert trace["w[h2->o]@3"].value == pytest.approx(w2[1, 0], abs=1e-14)
    assert trace["b[h2]@3"].value == pytest.approx(b1[1], abs=1e-14)
    assert trace["b[o]@3"].value == pytest.approx(b2[0], abs=1e-14)


# --- momentum in training (bpstep train) ---


def assert_trained(result: TrainResult, want: list[np.ndarray]) -> None:
    w1, b1, w2, b2 = want
    got = result.params
    for g, w in ((got.weights[0], w1), (got.biases[0], b1), (got.weights[1], w2), (got.biases[1], b2)):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("extra", "batches", "mean", "update_biases"), [
    ({"mode": "online"}, [[0], [1], [2]], False, True),
    ({"mode": "batch"}, [[0, 1, 2]], False, True),
    ({"mode": "minibatch", "batch_size": 2, "reduction": "mean", "update_biases": False},
     [[0, 1], [2]], True, False),
], ids=["online", "batch", "minibatch-mean-frozen-biases"])
def test_training_carries_momentum_across_updates_and_epochs(extra: dict, batches: list, mean: bool,
                                                             update_biases: bool) -> None:
    result = train(check({**NET, "momentum": 0.8, **extra}), 40)
    assert_trained(result, mitchell(40, 0.8, batches, mean, update_biases))


def test_training_with_zero_momentum_is_plain_gradient_descent() -> None:
    with_zero = train(check({**NET, "mode": "online", "momentum": 0}), 25)
    assert_trained(with_zero, mitchell(25, 0.0, [[0], [1], [2]]))


def test_training_with_a_gain_matches_the_plain_loop() -> None:
    spec = {**NET, "mode": "online", "momentum": 0.5}
    spec["layers"] = [NET["layers"][0], {"units": ["h1", "h2"],
                                         "activation": {"name": "sigmoid", "gain": 2.5}},
                      NET["layers"][2]]
    assert_trained(train(check(spec), 30), mitchell(30, 0.5, [[0], [1], [2]], gain=2.5))


# --- sigmoid with a gain, bipolar sigmoid ---


def gained(**extra: object) -> dict:
    """x1 → h1 (sigmoid with gain 2) → o (identity)."""
    data = {"learning_rate": 1.0,
            "layers": [{"units": ["x1"]}, {"units": ["h1"], "activation": {"name": "sigmoid", "gain": 2}},
                       {"units": ["o"], "activation": "identity"}],
            "weights": [[[0.25]], [[0.8]]], "inputs": [1.0], "targets": [1.0]}
    data.update(extra)
    return data


def test_sigmoid_with_a_gain_by_hand() -> None:
    trace = step(check(gained()))
    y = 1 / (1 + math.exp(-2 * 0.25))  # 0.622459...
    assert trace["y[h1]"].value == pytest.approx(y, rel=1e-15)
    assert trace["y[h1]"].formula == "y[h1] = 1 / (1 + e^(−2·a[h1]))"
    d_o = 1.0 - 0.8 * y
    assert trace["delta[o]"].value == pytest.approx(d_o, rel=1e-15)
    assert trace["delta[h1]"].formula == "delta[h1] = 2 · y[h1] · (1 − y[h1]) · (w0[h1->o]·delta[o])"
    assert trace["delta[h1]"].value == pytest.approx(2 * y * (1 - y) * 0.8 * d_o, rel=1e-14)


def test_a_gain_of_one_is_the_plain_sigmoid() -> None:
    layers = gained()["layers"]
    layers[1] = {"units": ["h1"], "activation": {"name": "sigmoid", "gain": 1}}
    scenario = check(gained(layers=layers))
    assert scenario.layers[1].gain is None
    assert step(scenario)["y[h1]"].formula == "y[h1] = 1 / (1 + e^(−a[h1]))"


def test_bipolar_sigmoid_by_hand() -> None:
    layers = gained()["layers"]
    layers[1] = {"units": ["h1"], "activation": "bipolar_sigmoid"}
    trace = step(check(gained(layers=layers, inputs=[4.0])))
    y = 2 / (1 + math.exp(-1.0)) - 1  # a = 0.25·4 = 1: 0.462117...
    assert trace["y[h1]"].value == pytest.approx(y, rel=1e-15)
    assert trace["y[h1]"].formula == "y[h1] = 2 / (1 + e^(−a[h1])) − 1"
    d_o = 1.0 - 0.8 * y
    assert trace["delta[h1]"].formula == ("delta[h1] = ½ · (1 + y[h1]) · (1 − y[h1]) "
                                          "· (w0[h1->o]·delta[o])")
    assert trace["delta[h1]"].value == pytest.approx(0.5 * (1 + y) * (1 - y) * 0.8 * d_o, rel=1e-14)


@pytest.mark.parametrize("convention", ["delta_rule", "gradient"])
@pytest.mark.parametrize(("hidden", "output", "loss"), [
    ({"name": "sigmoid", "gain": 2.0}, "identity", "half_sse"),
    ({"name": "bipolar_sigmoid", "gain": 0.5}, {"name": "sigmoid", "gain": 3.0}, "mse"),
    ("bipolar_sigmoid", {"name": "bipolar_sigmoid", "gain": 1.7}, "sse"),
    ("tanh", {"name": "sigmoid", "gain": 0.4}, "cross_entropy"),
], ids=["sigmoid-gain-hidden", "both-gained", "bipolar-gained-output", "gained-sigmoid-ce"])
def test_gained_activations_match_finite_differences(hidden: object, output: object, loss: str,
                                                     convention: str) -> None:
    assert_updates_match_finite_differences(small_spec(hidden, output, loss, convention))


def test_binary_cross_entropy_wants_a_plain_sigmoid() -> None:
    spec = small_spec("tanh", {"name": "sigmoid", "gain": 2}, "binary_cross_entropy", "delta_rule")
    with pytest.raises(ScenarioError, match="loss: binary_cross_entropy is taken with a plain sigmoid"):
        check(spec)


def test_a_threshold_on_a_fixed_input_of_minus_one_is_a_negated_bias() -> None:
    """The example of docs/scenario-format.md: θ = 0.5 is written as b = −0.5."""
    trace = step(check({"learning_rate": 1.0,
                        "layers": [{"units": ["x1", "x2"]}, {"units": ["o"], "activation": "sigmoid"}],
                        "weights": [[[0.4], [0.6]]], "biases": [[-0.5]],
                        "inputs": [1.0, 0.5], "targets": [1]}))
    a = 0.4 * 1.0 + 0.6 * 0.5 - 0.5  # the textbook's Σ w·x − θ
    y = 1 / (1 + math.exp(-a))
    delta = (1 - y) * y * (1 - y)
    theta = 0.5 + 1.0 * delta * -1  # Δθ = η·δ·x0 with x0 = −1
    assert trace["a[o]"].value == pytest.approx(0.2, abs=1e-15)
    assert trace["b[o]"].value == pytest.approx(-theta, abs=1e-15)


# --- verify, worksheet and --save ---


def test_verify_marks_a_second_change_without_its_momentum_term_wrong() -> None:
    scenario = check(line(momentum=0.5))
    trace = step(scenario)
    right = parse('"dw[x1->o]@2": -0.205\n', "a.yaml").answers
    assert verify(trace, right)["dw[x1->o]@2"].verdict == CORRECT
    forgot = parse('"dw[x1->o]@2": -0.23\n', "a.yaml").answers  # 0.1·(−1.15)·2 alone
    assert verify(trace, forgot)["dw[x1->o]@2"].verdict == WRONG


def test_an_output_beyond_a_gained_sigmoid_is_named_with_its_gain() -> None:
    scenario = check(gained())
    report = verify(step(scenario), parse('"y[h1]": 1.5\n', "a.yaml").answers)
    assert report["y[h1]"].verdict == WRONG
    assert "sigmoid with gain 2" in (report["y[h1]"].hint or "")


def test_saved_scenario_keeps_momentum_and_gain() -> None:
    scenario = check(gained(momentum=0.3, mode="online", inputs=[[1.0], [0.5]], targets=[[1.0], [0.0]]))
    result = train(scenario, 3)
    text = scenario_yaml(scenario, result.params, title="saved", note="after 3 epochs")
    data, lines = parse_yaml(text, "saved.yaml")
    again = check(data, "saved.yaml", lines)
    assert again.momentum == 0.3
    assert (again.layers[1].activation, again.layers[1].gain) == ("sigmoid", 2.0)
    np.testing.assert_array_equal(again.weights[0], result.params.weights[0])


def test_a_left_out_gained_derivative_is_named_with_its_gain() -> None:
    # x = 0.5, w = 0.5 → a[h1] = 0.25, gain 2: y[h1] = 1/(1 + e^(−0.5)); a[o] = 0.8·y[h1].
    y_h = 1 / (1 + math.exp(-0.5))
    y_o = 1 / (1 + math.exp(-0.8 * y_h))
    d_o = (1.0 - y_o) * y_o * (1 - y_o)
    scenario = check({"learning_rate": 0.5, "inputs": [0.5], "targets": [1.0],
                      "layers": [{"units": ["x1"]},
                                 {"units": ["h1"], "activation": {"name": "sigmoid", "gain": 2}},
                                 {"units": ["o"], "activation": "sigmoid"}],
                      "weights": [[[0.5]], [[0.8]]]})
    sheet = parse(f'"delta[h1]": {0.8 * d_o:.6f}\n', "answers.yaml")
    verdict = verify(step(scenario), sheet.answers)["delta[h1]"]
    assert verdict.mistake == "derivative_missing"
    assert verdict.hint == "activation derivative f′(a) = 2 · y · (1 − y) of sigmoid with gain 2 left out"
