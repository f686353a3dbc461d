"""Training: each mode against finite differences of an independent forward pass, XOR converges."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from bpstep.engine import step
from bpstep.errors import UserError
from bpstep.export.svg_plot import line_chart_svg, loss_curve_svg, nice_ticks
from bpstep.functions import ACTIVATIONS
from bpstep.render.training import loss_curve
from bpstep.scenario import ScenarioError, check, load
from bpstep.scenario_yaml import trained_yaml
from bpstep.train import (
    FORWARD_INTO,
    Stop,
    StopFlag,
    check_learning_rate,
    train,
    with_overrides,
)

ROOT = Path(__file__).resolve().parents[1]
XOR = ROOT / "scenarios" / "xor_sigmoid.yaml"

X5 = [[0.1, 0.9], [0.8, 0.2], [0.5, 0.5], [0.9, 0.7], [0.3, 0.1]]
T5 = [[1, 0], [0, 1], [0.5, 0.5], [0.2, 0.9], [0.7, 0.3]]
W0 = [[[0.2, -0.3, 0.4], [0.5, 0.1, -0.2]], [[0.3, -0.1], [-0.4, 0.2], [0.25, 0.6]]]
B0 = [[0.1, -0.1, 0.05], [0.2, -0.2]]


def small(**extra: object) -> dict:
    """A 2-3-2 network (tanh hidden, sigmoid output, MSE) with biases and five samples."""
    data = {"learning_rate": 0.7, "loss": "mse",
            "layers": [{"units": ["x1", "x2"]},
                       {"units": ["h1", "h2", "h3"], "activation": "tanh"},
                       {"units": ["o1", "o2"], "activation": "sigmoid"}],
            "weights": W0, "biases": B0, "inputs": X5, "targets": T5}
    data.update(extra)
    return data


def sample_loss(params: list[np.ndarray], x: np.ndarray, t: np.ndarray) -> float:
    """MSE of one sample through tanh then sigmoid, written out independently of bpstep."""
    w1, b1, w2, b2 = params
    h = np.tanh(x @ w1 + b1)
    y = 1.0 / (1.0 + np.exp(-(h @ w2 + b2)))
    return float(np.mean((t - y) ** 2))


def fd_step(params: list[np.ndarray], rows: list[int], rate: float) -> list[np.ndarray]:
    """One gradient-descent step on the summed loss of ``rows``, gradient by central differences."""
    x, t = np.array(X5, float), np.array(T5, float)

    def loss(ps: list[np.ndarray]) -> float:
        return sum(sample_loss(ps, x[r], t[r]) for r in rows)

    out = []
    for k, p in enumerate(params):
        grad = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            for sign in (1, -1):
                moved = [q.copy() for q in params]
                moved[k][idx] += sign * 1e-6
                grad[idx] += sign * loss(moved) / 2e-6
        out.append(p - rate * grad)
    return out


def start() -> list[np.ndarray]:
    return [np.array(W0[0]), np.array(B0[0]), np.array(W0[1]), np.array(B0[1])]


def trained(result) -> list[np.ndarray]:
    w, b = result.params.weights, result.params.biases
    return [w[0], b[0], w[1], b[1]]


def assert_close(got: list[np.ndarray], want: list[np.ndarray]) -> None:
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, atol=1e-7, rtol=0)


def test_batch_mode_is_summed_gradient_descent() -> None:
    params = start()
    for _ in range(3):
        params = fd_step(params, [0, 1, 2, 3, 4], 0.7)
    assert_close(trained(train(check(small()), 3)), params)


def test_batch_mean_divides_the_rate_by_the_number_of_samples() -> None:
    params = fd_step(start(), [0, 1, 2, 3, 4], 0.7 / 5)
    assert_close(trained(train(check(small(reduction="mean")), 1)), params)


def test_online_mode_updates_after_every_sample_in_order() -> None:
    params = start()
    for _ in range(2):
        for r in range(5):
            params = fd_step(params, [r], 0.7)
    assert_close(trained(train(check(small(mode="online")), 2)), params)


def test_minibatch_mode_updates_per_chunk_with_a_smaller_last_chunk() -> None:
    params = start()
    for _ in range(2):
        params = fd_step(params, [0, 1, 2], 0.7 / 3)
        params = fd_step(params, [3, 4], 0.7 / 2)
    scenario = check(small(mode="minibatch", batch_size=3, reduction="mean"))
    assert_close(trained(train(scenario, 2)), params)


def test_shuffled_minibatches_follow_a_fresh_permutation_each_epoch() -> None:
    rng = np.random.default_rng(7)
    params = start()
    for _ in range(3):
        order = [int(i) for i in rng.permutation(5)]
        params = fd_step(params, order[:2], 0.7)
        params = fd_step(params, order[2:4], 0.7)
        params = fd_step(params, order[4:], 0.7)
    scenario = check(small(mode="minibatch", batch_size=2, shuffle=True, seed=7))
    assert_close(trained(train(scenario, 3)), params)


def test_run_shows_the_first_minibatch_step_that_train_takes() -> None:
    scenario = check(small(mode="minibatch", batch_size=3))
    trace = step(scenario)
    assert "dw[x1->h1]@1" in trace and "dw[x1->h1]@4" in trace and "dw[x1->h1]@2" not in trace
    want = fd_step(fd_step(start(), [0, 1, 2], 0.7), [3, 4], 0.7)
    assert trace["w[h2->o1]@4"].value == pytest.approx(want[2][1, 0], abs=1e-7)
    assert trace["b[o2]@4"].value == pytest.approx(want[3][1], abs=1e-7)


def test_run_shows_the_first_shuffled_epoch_that_train_takes() -> None:
    # The samples are visited in the order of default_rng(seed)'s first permutation; each update
    # is tagged with the first sample of its batch.
    order = [int(i) for i in np.random.default_rng(7).permutation(5)]
    trace = step(check(small(mode="minibatch", batch_size=2, shuffle=True, seed=7)))
    params = start()
    for batch in (order[:2], order[2:4], order[4:]):
        params = fd_step(params, batch, 0.7)
        tag = batch[0] + 1
        assert trace[f"w[h2->o1]@{tag}"].value == pytest.approx(params[2][1, 0], abs=1e-7)
        assert trace[f"b[o2]@{tag}"].value == pytest.approx(params[3][1], abs=1e-7)


def test_loss_history_starts_with_the_loss_before_training() -> None:
    result = train(check(small()), 4, every=2)
    x, t = np.array(X5, float), np.array(T5, float)
    before = sum(sample_loss(start(), x[r], t[r]) for r in range(5))
    after = sum(sample_loss(trained(result), x[r], t[r]) for r in range(5))
    assert result.history[0] == (0, pytest.approx(before, abs=1e-12))
    assert result.history[-1] == (4, pytest.approx(after, abs=1e-12))
    assert [e for e, _ in result.logged] == [0, 2, 4]
    assert result.loss == pytest.approx(after, abs=1e-12)


def test_biases_without_a_biases_key_stay_zero_and_frozen_biases_do_not_move() -> None:
    data = small()
    del data["biases"]
    result = train(check(data), 3)
    assert all(not b.any() for b in result.params.biases)
    frozen = train(check(small(update_biases=False)), 3)
    np.testing.assert_array_equal(frozen.params.biases[1], B0[1])
    assert not np.allclose(frozen.params.weights[1], W0[1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_learns_within_a_tenth_of_every_target(seed: int) -> None:
    scenario = with_overrides(load(XOR), seed=seed)
    result = train(scenario, 10_000)
    assert result.epochs == 10_000 and result.stopped is None
    np.testing.assert_array_less(np.abs(result.predictions - scenario.targets), 0.1)


def test_a_raised_stop_flag_ends_training_before_the_next_epoch() -> None:
    result = train(check(small()), 50, stop=StopFlag(requested=True))
    assert result.epochs == 0 and result.stopped == "interrupted"
    assert_close(trained(result), start())


def test_a_diverging_loss_stops_training() -> None:
    data = small(learning_rate=10, loss="half_sse")
    data["layers"][1]["activation"] = data["layers"][2]["activation"] = "identity"
    result = train(check(data), 100)
    assert result.stopped == "diverged" and result.epochs < 100


@pytest.mark.parametrize("name", sorted(FORWARD_INTO))
def test_in_place_activations_match_the_shared_ones(name: str) -> None:
    a = np.linspace(-30, 30, 60).reshape(3, 20)
    want = ACTIVATIONS[name].fn(a.copy())
    out = np.full_like(a, np.nan)
    FORWARD_INTO[name](a, out)
    np.testing.assert_allclose(out, want, rtol=1e-15, atol=1e-300)
    np.testing.assert_array_equal(a, np.linspace(-30, 30, 60).reshape(3, 20))


def test_init_draws_are_reproducible_from_the_seed() -> None:
    first, again = load(XOR), load(XOR)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(first.weights[0], rng.normal(0.0, 1.0, (2, 4)))
    np.testing.assert_array_equal(first.weights[1], rng.normal(0.0, 1.0, (4, 1)))
    for w, v in zip(first.weights, again.weights, strict=True):
        np.testing.assert_array_equal(w, v)
    other = with_overrides(first, seed=1)
    assert not np.array_equal(other.weights[0], first.weights[0])
    assert other.init is not None and other.init.seed == 1


def test_xavier_and_uniform_stay_within_their_limits() -> None:
    layers = [{"units": [f"x{i}" for i in range(30)]},
              {"units": [f"h{i}" for i in range(20)], "activation": "sigmoid"},
              {"units": ["o"], "activation": "sigmoid"}]
    base = {"learning_rate": 1, "layers": layers, "inputs": [0] * 30, "targets": [0]}
    xavier = check({**base, "init": {"kind": "xavier", "seed": 3}})
    limit = np.sqrt(6 / 50)
    assert np.abs(xavier.weights[0]).max() <= limit and np.abs(xavier.weights[0]).max() > 0.8 * limit
    uniform = check({**base, "init": {"kind": "uniform", "seed": 3, "scale": 0.5}})
    assert np.abs(uniform.weights[0]).max() <= 0.5


@pytest.mark.parametrize(("extra", "message"), [
    ({"init": {"kind": "normal"}}, "give either 'weights' or 'init'"),
    ({"mode": "minibatch"}, "minibatch needs 'batch_size"),
    ({"mode": "minibatch", "batch_size": 9}, "batch_size: expected at most 5"),
    ({"batch_size": 2}, "only used with 'mode: minibatch'"),
    ({"shuffle": True}, "shuffle: has no effect in batch mode"),
    ({"mode": "online", "seed": 3}, "seed: orders the samples only with 'shuffle: true'"),
    ({"epochs": 0}, "epochs: expected a whole number ≥ 1"),
    ({"mode": "minibatch", "batch_size": 1.5}, "batch_size: expected a whole number"),
])
def test_bad_training_keys_are_refused_with_their_key(extra: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(")):
        check(small(**extra))


@pytest.mark.parametrize(("init", "message"), [
    ({"kind": "xavir"}, "did you mean 'xavier'"),
    ({"kind": "normal", "sed": 1}, "init.sed: unknown key 'sed' (did you mean 'seed'?)"),
    ({"kind": "normal", "seed": -1}, "init.seed: expected a whole number ≥ 0"),
    ({"kind": "normal", "scale": 0}, "init.scale: expected a number > 0"),
])
def test_bad_init_is_refused_with_its_key_path(init: dict, message: str) -> None:
    data = small(init=init)
    del data["weights"]
    with pytest.raises(ScenarioError) as err:
        check(data)
    assert message in str(err.value)


def test_text_loss_curve_is_plain_ascii_with_labelled_axes() -> None:
    curve = loss_curve([(0, 1.0), (50, 0.5), (100, 0.25)], width=20, height=5)
    assert curve.isascii() and "\x1b" not in curve
    lines = curve.splitlines()
    assert lines[0] == "loss" and lines[1].startswith("   1 |*")
    assert lines[5].startswith("0.25 |") and lines[5].endswith("*")
    assert "epoch" in lines[-1] and lines[-2].split() == ["0", "100"]


def test_svg_chart_has_labelled_axes_and_one_point_per_epoch() -> None:
    svg = line_chart_svg([0, 10, 20], [0.5, 0.2, 0.1], title="a < b", x_label="epoch",
                         y_label="loss")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "a < b" in texts and "epoch" in texts and "loss" in texts and "20" in texts
    curve = [p for p in root.iter(f"{ns}polyline") if p.get("stroke") == "#1f77b4"]
    assert len(curve) == 1 and len(curve[0].get("points", "").split()) == 3


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0, 10000) == [0, 2000, 4000, 6000, 8000, 10000]
    assert nice_ticks(0, 0.7) == pytest.approx([0, 0.2, 0.4, 0.6])


@pytest.mark.parametrize("rate", [0.0, -1.0, math.inf, math.nan])
def test_a_learning_rate_no_step_can_use_is_refused_before_training(rate: float) -> None:
    with pytest.raises(UserError, match=r"^--lr .* is not a learning rate: expected a number > 0"):
        check_learning_rate(rate)


@pytest.mark.parametrize("rate", [None, 1e-9, 0.5, 10.0])
def test_a_positive_learning_rate_or_none_passes(rate: float | None) -> None:
    check_learning_rate(rate)


def test_a_saved_training_says_how_it_was_made_and_the_plot_which_loss_it_shows() -> None:
    scenario = load(ROOT / "scenarios" / "xor_sigmoid.yaml")
    result = train(scenario, 3)
    text = trained_yaml(scenario, result.params, given="my xor.yaml", name="my xor", epochs=3,
                        loss="0.25")
    assert "Trained by: bpstep train 'my xor.yaml' --epochs 3 (loss 0.25)." in text
    assert yaml.safe_load(text)["title"] == f"{scenario.title} (trained 3 epochs)"
    svg = loss_curve_svg(replace(scenario, title=None), result, "my xor.yaml")
    assert "my xor.yaml: loss over 3 epochs" in svg
    assert f"loss ({scenario.loss}, {scenario.reduction})" in svg


@pytest.mark.parametrize(("stopped", "saving", "code", "said"), [
    (None, True, 0, None),
    (Stop.INTERRUPTED, True, 130, "interrupted after 3 of 10 epochs"),
    (Stop.DIVERGED, False, 1, "error: the loss stopped being a finite number after 3 epochs; try a "
                              "smaller --lr"),
    (Stop.DIVERGED, True, 1, "error: the loss stopped being a finite number after 3 epochs; try a "
                             "smaller --lr; nothing saved"),
])
def test_how_training_ended_is_said_with_its_exit_code(stopped: Stop | None, saving: bool, code: int,
                                                       said: str | None) -> None:
    """Ctrl-C is 130 as everywhere; a diverged network is a result not to use (1), never saved."""
    result = replace(train(check(small()), 3), stopped=stopped, requested=10)
    assert result.exit_code == code
    assert result.ending(saving=saving) == said
