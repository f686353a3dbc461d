"""The engine's numbers against independent answers: hand values and finite differences.

The reference forward pass and losses below are written out again on purpose, in plain numpy,
so that a mistake in bpstep.functions cannot hide itself.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bpstep.engine import step
from bpstep.scenario import check, load

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

REFERENCE_ACTIVATIONS = {
    "identity": lambda a: a,
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
    "bipolar_sigmoid": lambda a: 2.0 / (1.0 + np.exp(-a)) - 1.0,
    "tanh": lambda a: (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a)),
    "relu": lambda a: np.where(a > 0, a, 0.0),
    "leaky_relu": lambda a: np.where(a > 0, a, 0.01 * a),
    "softmax": lambda a: np.exp(a) / np.sum(np.exp(a)),
}

REFERENCE_LOSSES = {
    "half_sse": lambda y, t: 0.5 * np.sum((t - y) ** 2),
    "sse": lambda y, t: np.sum((t - y) ** 2),
    "mse": lambda y, t: np.sum((t - y) ** 2) / len(y),
    "cross_entropy": lambda y, t: -np.sum(t * np.log(y)),
    "binary_cross_entropy": lambda y, t: -np.sum(t * np.log(y) + (1 - t) * np.log(1 - y)),
}


def reference_activation(spec: str | dict):
    """f of a layer's ``activation`` value: a name, or ``{name, gain}`` for f(gain·a)."""
    if isinstance(spec, str):
        return REFERENCE_ACTIVATIONS[spec]
    f, gain = REFERENCE_ACTIVATIONS[spec["name"]], spec.get("gain", 1.0)
    return lambda a: f(gain * a)


def reference_loss(spec: dict, weights: list, biases: list, net_offset: tuple | None = None) -> float:
    """Total loss of all samples, by an independent forward pass; optionally nudge one net input."""
    acts = [layer["activation"] for layer in spec["layers"][1:]]
    inputs = np.atleast_2d(np.array(spec["inputs"], dtype=float))
    targets = np.atleast_2d(np.array(spec["targets"], dtype=float))
    losses = []
    for sample, (x, t) in enumerate(zip(inputs, targets, strict=True)):
        y = x
        for k, (w, b, act) in enumerate(zip(weights, biases, acts, strict=True), start=1):
            a = y @ w + b
            if net_offset is not None and net_offset[:2] == (sample, k):
                a = a.copy()
                a[net_offset[2]] += net_offset[3]
            y = reference_activation(act)(a)
        losses.append(REFERENCE_LOSSES[spec.get("loss", "half_sse")](y, t))
    return float(np.mean(losses) if spec.get("reduction") == "mean" else np.sum(losses))


def parameters(spec: dict) -> tuple[list, list]:
    weights = [np.array(w, dtype=float) for w in spec["weights"]]
    biases = [np.array(b, dtype=float) for b in spec["biases"]] if "biases" in spec else [
        np.zeros(w.shape[1]) for w in weights]
    return weights, biases


def fd_gradients(spec: dict, h: float = 1e-6) -> tuple[list, list]:
    """∂L/∂w and ∂L/∂b by central differences of the reference loss."""
    weights, biases = parameters(spec)
    grads_w, grads_b = [], []
    for group, grads in ((weights, grads_w), (biases, grads_b)):
        for p in group:
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                up = reference_loss(spec, weights, biases)
                p[idx] = old - h
                down = reference_loss(spec, weights, biases)
                p[idx] = old
                g[idx] = (up - down) / (2 * h)
            grads.append(g)
    return grads_w, grads_b


def names(spec: dict) -> list[list[str]]:
    return [[str(u) for u in layer["units"]] for layer in spec["layers"]]


def assert_updates_match_finite_differences(spec: dict, rel: float = 1e-6, abs_: float = 1e-8) -> None:
    """Batch step: dw = −η·∂L/∂w for every weight and bias, in either sign convention."""
    trace = step(check(spec))
    grads_w, grads_b = fd_gradients(spec)
    units = names(spec)
    eta = spec["learning_rate"]
    weights, biases = parameters(spec)
    for k, g in enumerate(grads_w):
        for i, j in np.ndindex(g.shape):
            src, dst = units[k][i], units[k + 1][j]
            assert trace[f"dw[{src}->{dst}]"].value == pytest.approx(-eta * g[i, j], rel=rel, abs=abs_)
            assert trace[f"w[{src}->{dst}]"].value == pytest.approx(
                weights[k][i, j] - eta * g[i, j], rel=rel, abs=abs_)
    if "biases" in spec and spec.get("update_biases", True):
        for k, g in enumerate(grads_b):
            for j, unit in enumerate(units[k + 1]):
                assert trace[f"db[{unit}]"].value == pytest.approx(-eta * g[j], rel=rel, abs=abs_)
                assert trace[f"b[{unit}]"].value == pytest.approx(biases[k][j] - eta * g[j],
                                                                  rel=rel, abs=abs_)
    assert trace["loss"].value == pytest.approx(reference_loss(spec, weights, biases), rel=1e-12)


def small_spec(hidden: str, output: str, loss: str, convention: str) -> dict:
    targets = {"cross_entropy": [0.2, 0.7, 0.1] if output == "softmax" else [0.3, 0.9, 0.6],
               "binary_cross_entropy": [0.0, 1.0, 0.25]}.get(loss, [0.4, -0.3, 0.8])
    return {
        "learning_rate": 0.7,
        "loss": loss,
        "convention": convention,
        "layers": [{"units": ["x1", "x2"]},
                   {"units": ["h1", "h2", "h3"], "activation": hidden},
                   {"units": ["o1", "o2", "o3"], "activation": output}],
        "weights": [[[0.3, -0.8, 0.5], [0.9, 0.4, -0.6]],
                    [[0.2, -0.5, 0.7], [0.6, 0.1, -0.3], [-0.4, 0.8, 0.25]]],
        "biases": [[0.1, -0.2, 0.3], [0.05, -0.15, 0.2]],
        "inputs": [0.6, -0.9],
        "targets": targets,
    }


LOSS_OUTPUTS = {
    "half_sse": ["identity", "sigmoid", "bipolar_sigmoid", "tanh", "relu", "leaky_relu", "softmax"],
    "sse": ["identity", "sigmoid", "bipolar_sigmoid", "tanh", "relu", "leaky_relu", "softmax"],
    "mse": ["identity", "sigmoid", "bipolar_sigmoid", "tanh", "relu", "leaky_relu", "softmax"],
    "cross_entropy": ["softmax", "sigmoid"],
    "binary_cross_entropy": ["sigmoid"],
}
HIDDEN = ["identity", "sigmoid", "bipolar_sigmoid", "tanh", "relu", "leaky_relu"]
CASES = [(h, o, loss, c) for loss, outs in LOSS_OUTPUTS.items() for o in outs for h in HIDDEN
         for c in ("delta_rule", "gradient")]


@pytest.mark.parametrize(("hidden", "output", "loss", "convention"), CASES)
def test_every_activation_loss_and_convention_matches_finite_differences(
        hidden: str, output: str, loss: str, convention: str) -> None:
    assert_updates_match_finite_differences(small_spec(hidden, output, loss, convention))


@pytest.mark.parametrize("convention", ["delta_rule", "gradient"])
@pytest.mark.parametrize(("hidden", "output", "loss"),
                         [("sigmoid", "sigmoid", "half_sse"), ("tanh", "softmax", "cross_entropy"),
                          ("relu", "identity", "mse")])
def test_deltas_are_the_loss_gradient_at_each_net_input(hidden: str, output: str, loss: str,
                                                         convention: str) -> None:
    """δ_j = ∓∂E/∂a_j, checked by nudging a_j itself in the reference forward pass."""
    spec = small_spec(hidden, output, loss, convention)
    trace = step(check(spec))
    weights, biases = parameters(spec)
    sign = -1.0 if convention == "delta_rule" else 1.0
    h = 1e-6
    for k, layer in enumerate(names(spec)[1:], start=1):
        for j, unit in enumerate(layer):
            up = reference_loss(spec, weights, biases, (0, k, j, h))
            down = reference_loss(spec, weights, biases, (0, k, j, -h))
            assert trace[f"delta[{unit}]"].value == pytest.approx(sign * (up - down) / (2 * h),
                                                                  rel=1e-6, abs=1e-9)


def test_gfg_worked_example_matches_the_published_correct_values() -> None:
    """The values listed in shared/seeds/README.md, computed independently of bpstep."""
    values = step(load(SCENARIOS / "gfg_sigmoid.yaml")).values
    expected = {
        "a[h1]": 0.21, "a[h2]": 0.315, "y[h1]": 0.552308, "y[h2]": 0.578105,
        "a[o]": 0.685987, "y[o]": 0.665074, "delta[o]": -0.0367703, "delta[h1]": -0.00272759,
        "delta[h2]": -0.00807143, "dw[h1->o]": -0.0203085, "dw[h2->o]": -0.0212571,
        "w[h2->o]": 0.878743, "dw[x1->h1]": -0.000954656, "w[x1->h1]": 0.199045,
        "y_after[o]": 0.659554,
    }
    for name, value in expected.items():
        assert values[name] == pytest.approx(value, abs=1e-6), name


def test_gfg_by_hand_from_first_principles() -> None:
    """a[h1] = 0.2·0.35 + 0.2·0.7; y = σ(a); δ_o = (t − y)·y(1 − y); Δw = η·δ·y, η = 1."""
    values = step(load(SCENARIOS / "gfg_sigmoid.yaml")).values
    y_h1 = 1 / (1 + math.exp(-0.21))
    y_h2 = 1 / (1 + math.exp(-0.315))
    y_o = 1 / (1 + math.exp(-(0.3 * y_h1 + 0.9 * y_h2)))
    delta_o = (0.5 - y_o) * y_o * (1 - y_o)
    delta_h2 = y_h2 * (1 - y_h2) * 0.9 * delta_o
    assert values["y[o]"] == pytest.approx(y_o, rel=1e-14)
    assert values["delta[o]"] == pytest.approx(delta_o, rel=1e-13)
    assert values["delta[h2]"] == pytest.approx(delta_h2, rel=1e-13)
    assert values["dw[x2->h2]"] == pytest.approx(delta_h2 * 0.7, rel=1e-13)
    assert values["loss"] == pytest.approx(0.5 * (0.5 - y_o) ** 2, rel=1e-13)


def test_gradient_convention_flips_deltas_but_not_the_update() -> None:
    rule = step(load(SCENARIOS / "gfg_sigmoid.yaml")).values
    grad = step(load(SCENARIOS / "gfg_gradient_convention.yaml")).values
    for name, value in rule.items():
        expected = -value if name.startswith("delta[") else value
        assert grad[name] == pytest.approx(expected, rel=1e-15, abs=1e-300), name


def test_builtin_identity_example_by_hand() -> None:
    """Identity units, all weights and biases 1, x = (0, 0), t = 0, η = 0.1: y = 4, δ_o = −4."""
    values = step(load(SCENARIOS / "builtin_identity_xor.yaml")).values
    assert values["y[d0]"] == 4.0
    assert values["delta[d0]"] == -4.0
    assert values["delta[z1]"] == -4.0
    assert values["w[z1->d0]"] == pytest.approx(0.6)  # 1 + 0.1·(−4)·1: the weight goes down
    assert values["w[x1->z1]"] == 1.0  # x1 = 0 carries no gradient
    assert values["b[z2]"] == pytest.approx(0.6)
    assert values["y_after[d0]"] == pytest.approx(3 * 0.6 * 0.6 + 0.6)


def test_hidden_deltas_use_the_weights_from_before_the_update() -> None:
    values = step(load(SCENARIOS / "gfg_sigmoid.yaml")).values
    y_h1 = values["y[h1]"]
    assert values["delta[h1]"] == pytest.approx(y_h1 * (1 - y_h1) * 0.3 * values["delta[o]"], rel=1e-14)
    trace = step(load(SCENARIOS / "gfg_sigmoid.yaml"))
    assert "w0[h1->o]" in trace["delta[h1]"].inputs


XOR = {
    "learning_rate": 0.5,
    "layers": [{"units": ["x1", "x2"]}, {"units": ["h1", "h2"], "activation": "sigmoid"},
               {"units": ["o"], "activation": "sigmoid"}],
    "weights": [[[0.5, -0.4], [0.3, 0.8]], [[0.7], [-0.6]]],
    "biases": [[0.1, -0.1], [0.2]],
    "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
    "targets": [[0], [1], [1], [0]],
}


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_batch_update_follows_the_gradient_of_the_summed_or_mean_loss(reduction: str) -> None:
    assert_updates_match_finite_differences({**XOR, "reduction": reduction})


def test_batch_names_each_sample_and_sums_the_loss() -> None:
    trace = step(check(XOR))
    per_sample = [trace[f"loss@{k}"].value for k in range(1, 5)]
    assert trace["loss"].value == pytest.approx(sum(per_sample), rel=1e-15)
    assert trace.given["y[x2]@2"] == 1.0 and trace.given["t[o]@4"] == 0.0
    assert "dw[x1->h1]" in trace and "dw[x1->h1]@1" not in trace


def test_online_mode_updates_after_every_sample() -> None:
    """Each sample sees the weights left by the one before: replay it as four one-sample steps."""
    trace = step(check({**XOR, "mode": "online"}))
    weights, biases = parameters(XOR)
    for k, (x, t) in enumerate(zip(XOR["inputs"], XOR["targets"], strict=True), start=1):
        spec = {**XOR, "inputs": x, "targets": t,
                "weights": [w.tolist() for w in weights], "biases": [b.tolist() for b in biases]}
        grads_w, grads_b = fd_gradients(spec)
        weights = [w - 0.5 * g for w, g in zip(weights, grads_w, strict=True)]
        biases = [b - 0.5 * g for b, g in zip(biases, grads_b, strict=True)]
        assert trace[f"w[x2->h1]@{k}"].value == pytest.approx(weights[0][1, 0], rel=1e-6)
        assert trace[f"w[h2->o]@{k}"].value == pytest.approx(weights[1][1, 0], rel=1e-6)
        assert trace[f"b[o]@{k}"].value == pytest.approx(biases[1][0], rel=1e-6)
    assert trace["loss_after"].value == pytest.approx(reference_loss(XOR, weights, biases), rel=1e-6)


def test_fixed_biases_do_not_move() -> None:
    trace = step(check({**XOR, "update_biases": False}))
    assert not any(q.kind in ("db", "b") for q in trace)
    assert "b0[h1]" in trace["a_after[h1]@1"].inputs


def test_no_overflow_warnings_at_extreme_net_inputs() -> None:
    spec = small_spec("sigmoid", "softmax", "cross_entropy", "delta_rule")
    spec["weights"][0] = [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]]
    spec["weights"][1] = [[1000.0, -1000.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    spec["inputs"] = [1.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = step(check(spec)).values
    assert all(math.isfinite(v) for v in values.values())
    assert values["y[h1]"] == 1.0 and values["y[h2]"] == 0.0
    assert values["y[o1]"] == pytest.approx(1.0) and values["y[o2]"] == pytest.approx(0.0)
    assert values["delta[o1]"] == pytest.approx(0.2 - 1.0)  # t − y, still finite


def test_every_quantity_recomputes_from_its_own_operands() -> None:
    """The recompute rule that verify relies on agrees with the engine's vectorised value."""
    for path in sorted(SCENARIOS.glob("*.yaml")):
        if "answers" in path.name:
            continue
        trace = step(load(path))
        for q in trace:
            assert q.evaluate(trace.env) == pytest.approx(q.value, rel=1e-12, abs=1e-15), (path, q.name)


def test_substituted_formula_shows_the_numbers() -> None:
    trace = step(load(SCENARIOS / "gfg_sigmoid.yaml"))
    assert trace["a[h1]"].substituted(lambda v: f"{v:g}") == "0.2×0.35 + 0.2×0.7 = 0.21"
    assert trace["w[h1->o]"].substituted(lambda v: f"{v:.4f}") == "0.3000 + (-0.0203) = 0.2797"


@st.composite
def random_networks(draw: st.DrawFn) -> dict:
    sizes = draw(st.lists(st.integers(1, 3), min_size=3, max_size=4))
    hidden = draw(st.sampled_from(HIDDEN))
    loss = draw(st.sampled_from(list(LOSS_OUTPUTS)))
    output = draw(st.sampled_from(LOSS_OUTPUTS[loss]))
    if output == "softmax" and sizes[-1] == 1:
        sizes[-1] = 2
    n_samples = draw(st.integers(1, 3))
    value = st.floats(-1.5, 1.5, allow_nan=False)
    weights = [[[draw(value) for _ in range(b)] for _ in range(a)]
               for a, b in itertools.pairwise(sizes)]
    biases = [[draw(value) for _ in range(b)] for b in sizes[1:]]
    inputs = [[draw(value) for _ in range(sizes[0])] for _ in range(n_samples)]
    if loss == "cross_entropy" and output == "softmax":
        raw = [[draw(st.floats(0.01, 1)) for _ in range(sizes[-1])] for _ in range(n_samples)]
        targets = [[v / sum(row) for v in row] for row in raw]
    elif loss in ("cross_entropy", "binary_cross_entropy"):
        targets = [[draw(st.floats(0, 1)) for _ in range(sizes[-1])] for _ in range(n_samples)]
    else:
        targets = [[draw(value) for _ in range(sizes[-1])] for _ in range(n_samples)]
    units = [[f"u{k}_{i}" for i in range(n)] for k, n in enumerate(sizes)]
    layers = [{"units": units[0]}] + [{"units": u, "activation": hidden} for u in units[1:-1]]
    layers.append({"units": units[-1], "activation": output})
    return {"learning_rate": draw(st.floats(0.01, 2)), "loss": loss,
            "convention": draw(st.sampled_from(["delta_rule", "gradient"])),
            "reduction": draw(st.sampled_from(["sum", "mean"])), "layers": layers,
            "weights": weights, "biases": biases, "inputs": inputs, "targets": targets}


def near_a_kink(spec: dict) -> bool:
    """ReLU-like units within the finite-difference step of 0 have no derivative to compare."""
    acts = {layer.get("activation") for layer in spec["layers"]}
    if not acts & {"relu", "leaky_relu"}:
        return False
    trace = step(check(spec))
    return any(abs(q.value) < 1e-4 for q in trace if q.kind == "a")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_random_networks_match_finite_differences(spec: dict) -> None:
    assume(not near_a_kink(spec))
    assert_updates_match_finite_differences(spec, rel=1e-5, abs_=1e-7)


def test_fixed_bias_example_matches_its_published_numbers() -> None:
    """Matt Mazur's step-by-step example: total error and all eight new weights, as published."""
    values = step(load(SCENARIOS / "two_outputs_fixed_biases.yaml")).values
    published = {
        "loss": 0.298371109, "y[h1]": 0.593269992, "y[o1]": 0.75136507, "y[o2]": 0.772928465,
        "w[h1->o1]": 0.35891648, "w[h2->o1]": 0.408666186, "w[h1->o2]": 0.511301270,
        "w[h2->o2]": 0.561370121, "w[i1->h1]": 0.149780716, "w[i2->h1]": 0.19956143,
        "w[i1->h2]": 0.24975114, "w[i2->h2]": 0.29950229,
    }
    for name, value in published.items():
        assert values[name] == pytest.approx(value, abs=1e-8), name


def test_stages_of_an_unnamed_network_are_titled_by_position() -> None:
    trace = step(load(SCENARIOS / "gfg_gradient_convention.yaml"))
    assert [st.title for st in trace.stages] == [
        "forward · hidden layer 1 (h1, h2)", "forward · output layer (o)", "loss",
        "backward · output deltas (o)", "backward · hidden deltas · hidden layer 1 (h1, h2)",
        "update · weights h1, h2 → o", "update · weights x1, x2 → h1, h2",
        "after the update · forward pass"]


@pytest.mark.parametrize("mode", [{}, {"mode": "online"}, {"mode": "minibatch", "batch_size": 2}],
                         ids=["batch", "online", "minibatch"])
def test_every_quantity_and_stage_knows_its_sample_unit_and_value_before(mode: dict) -> None:
    # What practice, the diagram and the tables read besides the value: the sample (from the
    # name's @tag), the unit a quantity is about (a change belongs to the unit it feeds) and, for
    # a new weight or bias, the value it replaced.
    import yaml

    spec = yaml.safe_load((SCENARIOS / "xor_batch.yaml").read_text(encoding="utf-8"))
    trace = step(check({**spec, **mode}))
    tagged = [q for q in trace if "@" in q.name]
    per_update = {"dw", "w", "db", "b"} if mode else set()
    assert {q.kind for q in tagged} >= {"a", "y", "delta", "loss"} | per_update
    assert all(q.sample == int(q.name.rsplit("@", 1)[1]) for q in tagged)
    assert all(q.sample is None for q in trace if "@" not in q.name)
    for q in trace:
        if q.kind in ("dw", "w", "db", "b"):
            assert q.unit == re.search(r"(?:->|\[)(\w+)\]", q.name)[1], q.name
    values = {**trace.given, **trace.values}
    updates = [q for q in trace if q.kind in ("w", "b")]
    assert len(updates) == 9 * (4 if mode == {"mode": "online"} else 2 if mode else 1)
    for q in updates:
        assert q.before == pytest.approx(q.value - values[q.name.replace(q.kind, "d" + q.kind, 1)],
                                         abs=1e-15), q.name
    for stage in trace.stages:
        said = re.search(r" · samples? (\d+)", stage.title)
        assert stage.sample == (int(said[1]) if said else None), stage.title


def test_stages_are_immutable_and_an_update_makes_its_quantities_only_when_asked() -> None:
    # An update of a 784-128-10 network holds 200,000 quantities: they are made one by one as
    # a table or a look-up needs them, never all at once when the step runs.
    from bpstep.trace import LazyQuantities, Phase

    stages = step(load(SCENARIOS / "xor_batch.yaml")).stages
    assert {stage.phase for stage in stages} == set(Phase)
    for stage in stages:
        lazy = stage.phase == Phase.UPDATE
        assert type(stage.quantities) is (LazyQuantities if lazy else tuple), stage.title


def test_a_stage_about_several_units_lists_them_all() -> None:
    titles = [st.title for st in step(load(SCENARIOS / "two_outputs_fixed_biases.yaml")).stages]
    assert "backward · output deltas (o1, o2)" in titles
    assert "forward · output layer (o1, o2)" in titles


@pytest.mark.parametrize(("mode", "updates"), [
    ({}, ["update · weights h1, h2 → o", "update · weights x1, x2 → h1, h2"]),
    ({"mode": "online"}, [f"update · weights {w} · sample {s}" for s in (1, 2, 3, 4)
                          for w in ("h1, h2 → o", "x1, x2 → h1, h2")]),
    ({"mode": "minibatch", "batch_size": 2}, [f"update · weights {w} · samples {s}" for s in ("1, 2", "3, 4")
                                              for w in ("h1, h2 → o", "x1, x2 → h1, h2")]),
])
def test_batch_stages_say_which_samples_they_are_about(mode: dict, updates: list[str]) -> None:
    import yaml

    spec = yaml.safe_load((SCENARIOS / "xor_batch.yaml").read_text(encoding="utf-8"))
    titles = [st.title for st in step(check({**spec, **mode})).stages]
    assert [t for t in titles if t.startswith("update")] == updates
    assert [t for t in titles if "loss" in t] == [
        *(f"loss · sample {s}" for s in (1, 2, 3, 4)), "loss of all samples",
        "after the update · loss of all samples"]
    assert [t for t in titles if t.startswith("after the update · forward")] == [
        f"after the update · forward pass · sample {s}" for s in (1, 2, 3, 4)]
    # One update: the loss of all samples comes before it. Several: after the last of them.
    after_total = titles[titles.index("loss of all samples") + 1]
    assert after_total == (updates[0] if not mode else "after the update · forward pass · sample 1")


@pytest.mark.parametrize("mode", [{"mode": "online"}, {"mode": "minibatch", "batch_size": 2}],
                         ids=["online", "minibatch"])
def test_the_loss_of_all_samples_adds_every_update_s_samples(mode: dict) -> None:
    import yaml

    spec = yaml.safe_load((SCENARIOS / "xor_batch.yaml").read_text(encoding="utf-8"))
    trace = step(check({**spec, **mode}))
    each = [trace[f"loss@{s}"].value for s in (1, 2, 3, 4)]
    assert trace["loss"].value == pytest.approx(math.fsum(each), rel=1e-15)
    assert trace["loss"].formula == "loss = loss@1 + loss@2 + loss@3 + loss@4"


@pytest.mark.parametrize("path", sorted(p for p in SCENARIOS.glob("*.yaml") if "answers" not in p.name),
                         ids=lambda p: p.stem)
def test_every_value_of_a_fresh_step_is_in_its_env(path: Path) -> None:
    """``trace.env`` holds the lazy stages' values for ``get``, ``in`` and iteration too, not only
    for ``[]``: verify read ``truth.get(name)`` of a value nothing had looked up yet as missing,
    so a worksheet's marking depended on what had been asked of the step before."""
    fresh = step(load(path))
    values = {q.name: q.value for q in fresh}
    assert all(fresh.env.get(n) == x or math.isnan(x) for n, x in values.items())
    again = step(load(path))
    assert all(n in again.env for n in values)
    assert set(step(load(path)).env) == set(values) | set(fresh.given)


def test_a_step_leaves_its_lazy_values_unjoined_until_one_is_asked() -> None:
    """Making the trace asks only whether ``env`` is empty, which must not join the lazy stages
    (it made the 200,000 names of a 784-128-10 update for a table that shows 10 of them)."""
    trace = step(load(SCENARIOS / "xor_batch.yaml"))
    env = trace.env
    assert env and env.pending  # type: ignore[attr-defined]
    name = next(q.name for q in trace if q.kind == "dw")
    assert not dict.__contains__(env, name)
    assert env.get(name) == trace[name].value and not env.pending  # type: ignore[attr-defined]
