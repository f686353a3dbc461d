"""bpstep.exercise: nice numbers, well-conditioned steps, the same exercise for the same seed.

The conditions are checked with a forward and backward pass written out in numpy here, not with
bpstep's engine, so a bug in the engine cannot hide a bad exercise.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.engine import step
from bpstep.exercise import (
    ExerciseError,
    Shape,
    exercise_from_options,
    exercise_yaml,
    layers_for,
    new_exercise,
    parse_sizes,
    well_conditioned,
)
from bpstep.scenario import check, parse_yaml

SEEDS = range(200)


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def by_hand(weights, biases, x, t, hidden: str):
    """Net inputs and deltas of a 2-2-1 network with a sigmoid output and half-SSE, delta rule."""
    w1, w2 = (np.array(w) for w in weights)
    b1, b2 = (np.zeros(2), np.zeros(1)) if biases is None else (np.array(b) for b in biases)
    a_h = np.array(x) @ w1 + b1
    y_h = sigmoid(a_h) if hidden == "sigmoid" else np.maximum(a_h, 0.0)
    a_o = y_h @ w2 + b2
    y_o = sigmoid(a_o)
    d_o = (np.array(t) - y_o) * y_o * (1 - y_o)
    slope = y_h * (1 - y_h) if hidden == "sigmoid" else (a_h > 0).astype(float)
    d_h = slope * (w2 @ d_o)
    return np.concatenate([a_h, a_o]), np.concatenate([d_o, d_h])


def decimals(value: float) -> int:
    text = repr(float(value))
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


SHAPES = {
    "classic 2-2-1 sigmoid": (Shape(layers_for((2, 2, 1), ["sigmoid"])), "sigmoid", None),
    "relu hidden, biases, 2 decimals": (
        Shape(layers_for((2, 2, 1), ["relu", "sigmoid"]), biases=True, decimals=2), "relu", 2),
}


@pytest.mark.parametrize("label", list(SHAPES))
def test_200_seeds_give_valid_distinct_well_conditioned_exercises(label: str) -> None:
    shape, hidden, places = SHAPES[label]
    seen = set()
    for seed in SEEDS:
        scenario = new_exercise(shape, seed, title=f"seed {seed}")
        text = exercise_yaml(scenario, f"seed {seed}")
        data, lines = parse_yaml(text, "ex.yaml")
        reread = check(data, "ex.yaml", lines)  # the file reads back as a valid scenario
        weights = [w.tolist() for w in reread.weights]
        biases = None if reread.biases is None else [b.tolist() for b in reread.biases]
        x, t = reread.inputs[0].tolist(), reread.targets[0].tolist()
        numbers = [v for w in weights for row in w for v in row] + x + t + (
            [v for b in biases for v in b] if biases else [])
        assert all(decimals(v) <= (places or 1) for v in numbers), (seed, numbers)
        assert reread.learning_rate in (0.1, 0.5, 1.0)
        a, deltas = by_hand(weights, biases, x, t, hidden)
        assert np.all(np.abs(a) <= 3), (seed, a)
        assert np.all(np.round(deltas, 4) != 0), (seed, deltas)
        if hidden == "relu":
            assert np.all(a[:2] > 0), (seed, a)
        key = repr((weights, biases, x, t, reread.learning_rate))
        assert key not in seen, f"seed {seed} repeats an earlier exercise"
        seen.add(key)
    again = [exercise_yaml(new_exercise(shape, s, title=f"seed {s}"), "n") for s in (0, 99, 199)]
    assert again == [exercise_yaml(new_exercise(shape, s, title=f"seed {s}"), "n")
                     for s in (0, 99, 199)]


def test_same_seed_same_exercise_in_processes_with_other_hash_seeds() -> None:
    code = ("from bpstep.exercise import *; "
            "print(exercise_yaml(new_exercise(Shape(layers_for((2, 3, 2), ['tanh', 'sigmoid']), "
            "biases=True, samples=2, mode='online'), 12), 'n'))")
    outputs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": h}, check=True).stdout
               for h in ("1", "2")]
    assert outputs[0] == outputs[1]
    assert "weights:" in outputs[0]


def net(**overrides):
    """A 1-1-1 sigmoid network with its numbers given, for the conditioning checks."""
    data = {"learning_rate": 1.0, "layers": [{"units": ["x"]},
                                             {"units": ["h"], "activation": "sigmoid"},
                                             {"units": ["o"], "activation": "sigmoid"}],
            "weights": [[[0.5]], [[0.5]]], "inputs": [1.0], "targets": [0.1]}
    data.update(overrides)
    scenario = check(data)
    return scenario, step(scenario)


def test_a_good_step_passes() -> None:
    assert well_conditioned(*net()) is None


def test_a_saturated_unit_is_named() -> None:
    # a[h] = 4 × 1 = 4 > 3
    reason = well_conditioned(*net(weights=[[[4.0]], [[0.5]]]))
    assert reason is not None and reason.startswith("a[h] = 4 saturates h")


def test_a_delta_that_rounds_to_zero_is_named() -> None:
    # y[o] = σ(0.5·σ(0.5)) = σ(0.311246) = 0.577190; t = 0.5772 leaves δ[o] = (t − y)·y·(1 − y)
    # = 0.0000098 × 0.244 ≈ 2.4e-6: a student writing 4 decimals writes 0.
    reason = well_conditioned(*net(targets=[0.5772], marking={"decimals": 4}))
    assert reason is not None and reason.startswith("delta[o]") and "4 decimal places" in reason
    # At 3 significant figures δ[o] is written 2.39e-06, but Δw = 1·δ[o]·y[h] ≈ 1.5e-6 leaves
    # w[h->o] = 0.500002, written 0.500 like the weight before: the update does not show.
    reason = well_conditioned(*net(targets=[0.5772]))
    assert reason is not None and reason.startswith("w[h->o]") and "does not show" in reason


def test_a_relu_that_is_off_is_refused_only_when_asked() -> None:
    relu = [{"units": ["x"]}, {"units": ["h"], "activation": "relu"},
            {"units": ["o"], "activation": "sigmoid"}]
    # a[h] = −0.5 + 0.1 = −0.4; the output's bias keeps a[o] = 0.2 from being 0 (y[o] = 0.5 free)
    scenario, trace = net(layers=relu, weights=[[[-0.5]], [[0.5]]], biases=[[0.1], [0.2]])
    assert well_conditioned(scenario, trace) is None
    bare = net(layers=relu, weights=[[[-0.5]], [[0.5]]])
    assert well_conditioned(*bare) == "a[o] = 0: y[o] = f(0) is given away"
    reason = well_conditioned(scenario, trace, dead_relu=False)
    assert reason is not None and "ReLU of h is off" in reason


def test_a_relu_may_be_off_when_the_shape_allows_it() -> None:
    shape = Shape(layers_for((2, 3, 1), ["relu", "sigmoid"]), dead_relu=True)
    off = 0
    for seed in range(40):
        scenario = new_exercise(shape, seed)
        a = np.array(scenario.inputs[0]) @ scenario.weights[0]
        off += int(np.any(a < 0))
    assert off > 0


def test_layer_names_and_bad_shapes() -> None:
    layers = layers_for(parse_sizes("2-3-2-2"), ["tanh", "sigmoid", "sigmoid"])
    assert [layer.units for layer in layers] == [("x1", "x2"), ("h1", "h2", "h3"), ("g1", "g2"),
                                                 ("o1", "o2")]
    assert layers_for((2, 2, 1), ["sigmoid"])[-1].units == ("o",)
    for bad in ("2", "2-x-1", "2-0-1", "2-7-1", "1-1-1-1-1-1-1"):
        with pytest.raises(ExerciseError, match="--layers"):
            parse_sizes(bad)
    with pytest.raises(ExerciseError, match="expected 1 or 2 activations"):
        layers_for((2, 2, 1), ["relu", "relu", "relu"])
    with pytest.raises(ExerciseError, match="cross_entropy needs a softmax or sigmoid output"):
        new_exercise(Shape(layers_for((2, 2, 1), ["tanh"]), loss="cross_entropy"), 0)
    with pytest.raises(ExerciseError, match="--samples 2 or more"):
        new_exercise(Shape(layers_for((2, 2, 1), ["tanh"]), mode="online"), 0)


def test_softmax_targets_are_one_hot_and_cross_entropy_targets_are_0_or_1() -> None:
    soft = new_exercise(Shape(layers_for((2, 2, 3), ["sigmoid", "softmax"]),
                              loss="cross_entropy", samples=3), 5)
    assert all(sorted(row) == [0.0, 0.0, 1.0] for row in soft.targets.tolist())
    binary = new_exercise(Shape(layers_for((2, 2, 2), ["sigmoid"]),
                                loss="binary_cross_entropy", samples=2), 5)
    assert set(binary.targets.ravel().tolist()) <= {0.0, 1.0}
    assert math.isfinite(binary.learning_rate)


def bpstep(*args: str) -> subprocess.CompletedProcess[str]:
    """bpstep in its own process, as a user starts it."""
    return subprocess.run([sys.executable, "-m", "bpstep", *args], capture_output=True, text=True)


def bpstep_here(*args: str) -> subprocess.CompletedProcess[str]:
    """``bpstep(*args)`` with the app run in this process: the same exit code and streams
    without a Python start-up each; an exception escaping the app fails the test, as its
    traceback would."""
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def test_new_writes_an_exercise_once_and_prints_it_the_same(tmp_path) -> None:
    target = tmp_path / "ex7.yaml"
    made = bpstep("new", "--seed", "7", "-o", str(target))
    assert made.returncode == 0, made.stderr
    assert f"wrote {target}" in made.stderr and "next: bpstep practice" in made.stderr
    assert target.read_text() == bpstep_here("new", "--seed", "7", "--print").stdout
    assert "# Made with: bpstep new --layers 2-2-1 --activation sigmoid" in target.read_text()
    again = bpstep_here("new", "--seed", "8", "-o", str(target))
    assert again.returncode == 2 and "already exists; use --force" in again.stderr
    assert bpstep_here("new", "--seed", "8", "-o", str(target), "--force").returncode == 0
    assert target.read_text() == bpstep_here("new", "--seed", "8", "--print").stdout
    run = bpstep_here("run", str(target), "--json")
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--layers", "2-x-1"], "--layers '2-x-1': expected unit counts"),
    (["--activation", "sigmod"], "--activation 'sigmod': unknown activation"),
    (["--loss", "cross_entropy", "--activation", "tanh"], "loss: cross_entropy needs"),
    (["-o", "never-written.yaml"], "-o writes the exercise to a file and --print prints it; "
     "give one of them"),
])
def test_new_refuses_bad_options_in_one_line(args: list[str], message: str) -> None:
    out = bpstep_here("new", *args, *(["--print"] if args else []))
    assert out.returncode == 2 and message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_an_unknown_mode_or_convention_names_the_valid_ones() -> None:
    result = CliRunner().invoke(app, ["new", "--mode", "foo", "--print"])
    assert result.exit_code == 2
    assert "--mode: unknown mode 'foo'; choose one of batch, online, minibatch" in result.stderr
    result = CliRunner().invoke(app, ["new", "--convention", "x", "--print"])
    assert "choose one of delta_rule, gradient" in result.stderr and "mode" not in result.stderr


def test_the_options_of_bpstep_new_make_an_exercise_and_the_command_to_make_it_again() -> None:
    scenario, again = exercise_from_options("2-3-1", "relu, sigmoid", "half_sse", "delta_rule",
                                            "batch", 1, True, 1, 12, False)
    assert again == ("bpstep new --layers 2-3-1 --activation relu,sigmoid --loss half_sse "
                     "--convention delta_rule --mode batch --samples 1 --biases "
                     "--number-decimals 1 --seed 12")
    assert scenario.title == "Exercise 2-3-1 relu/sigmoid · seed 12"
    assert [len(layer.units) for layer in scenario.layers] == [2, 3, 1]
    drawn, again_drawn = exercise_from_options("2-2-1", "sigmoid", "half_sse", "delta_rule",
                                               "batch", 1, False, 1, None, False)
    assert again_drawn.endswith(f"--seed {drawn.title.rsplit(' ', 1)[1]}")


# --- the options of bpstep new, each one seen to reach the exercise (mutants that survived, issue 27) ---


def test_layer_counts_at_their_limits_are_taken_and_past_them_refused_with_the_limit() -> None:
    assert parse_sizes("2-1") == (2, 1)                    # two layers: no hidden one
    assert parse_sizes("1-1-1-1-1-1") == (1,) * 6           # six layers
    assert parse_sizes("6-6-6") == (6, 6, 6)                # six units a layer
    with pytest.raises(ExerciseError) as many:
        parse_sizes("2-7-1")
    assert str(many.value) == "--layers '2-7-1': every layer needs 1 to 6 units for a hand exercise"
    with pytest.raises(ExerciseError) as unknown:
        layers_for((2, 2, 1), ["softplus"])
    assert str(unknown.value) == ("--activation 'softplus': unknown activation; expected one of identity, "
                                  "sigmoid, bipolar_sigmoid, tanh, relu, leaky_relu, softmax")


def test_every_option_of_bpstep_new_reaches_the_exercise_and_the_command_again() -> None:
    scenario, again = exercise_from_options("2-3-1", "relu,sigmoid", "mse", "gradient", "online", 3,
                                            False, 2, 5, True)
    assert again == ("bpstep new --layers 2-3-1 --activation relu,sigmoid --loss mse --convention "
                     "gradient --mode online --samples 3 --no-biases --number-decimals 2 --seed 5 "
                     "--dead-relu")
    assert (scenario.loss, scenario.convention, scenario.mode) == ("mse", "gradient", "online")
    assert len(scenario.inputs) == 3 and scenario.biases is None
    same = new_exercise(Shape(layers_for((2, 3, 1), ["relu", "sigmoid"]), loss="mse", convention="gradient",
                              mode="online", samples=3, biases=False, decimals=2, dead_relu=True), 5)
    assert all(np.array_equal(a, b) for a, b in zip(scenario.weights, same.weights, strict=True))
    assert np.array_equal(scenario.inputs, same.inputs)
    with_biases, _ = exercise_from_options("2-2-1", "sigmoid", "half_sse", "delta_rule", "batch", 1,
                                           True, 1, 5, False)
    assert with_biases.biases is not None
    # The same seed and shape as new_exercise draws them; a ReLU left off is allowed only with
    # --dead-relu, which changes the draw of some seed below 50.
    layers = layers_for((2, 3, 1), ["relu", "sigmoid"])
    for seed in range(50):
        made = {dead: new_exercise(Shape(layers, dead_relu=dead), seed) for dead in (False, True)}
        if not np.array_equal(made[False].weights[0], made[True].weights[0]):
            break
    else:
        pytest.fail("no seed below 50 where --dead-relu changes the draw")
    for dead in (False, True):
        got, _ = exercise_from_options("2-3-1", "relu,sigmoid", "half_sse", "delta_rule", "batch", 1,
                                       False, 1, seed, dead)
        assert all(np.array_equal(a, b) for a, b in zip(got.weights, made[dead].weights, strict=True))


def test_with_no_seed_one_below_10000_is_drawn_and_written_into_the_title_and_command(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import secrets

    asked = []
    monkeypatch.setattr(secrets, "randbelow", lambda n: asked.append(n) or 4321)
    scenario, again = exercise_from_options("2-2-1", "sigmoid", "half_sse", "delta_rule", "batch", 1,
                                            False, 1, None, False)
    assert asked == [10_000]
    assert scenario.title.endswith("· seed 4321") and again.endswith("--seed 4321")


def test_an_exercise_the_options_cannot_make_is_refused_in_the_name_of_bpstep_new() -> None:
    with pytest.raises(ExerciseError) as refused:
        exercise_from_options("2-2-1", "tanh", "cross_entropy", "delta_rule", "batch", 1, True, 1, 3, False)
    assert str(refused.value).startswith("bpstep new: loss: cross_entropy needs a softmax or sigmoid output")


def test_four_hidden_layers_are_lettered_and_a_fifth_is_refused() -> None:
    assert [layer.units for layer in layers_for((1,) * 6, ["sigmoid"])] == [
        ("x1",), ("h1",), ("g1",), ("k1",), ("m1",), ("o",)]
    with pytest.raises(ExerciseError) as five:
        layers_for((1,) * 7, ["sigmoid"])
    assert str(five.value) == "--layers: at most 4 hidden layers"


def test_an_exercise_without_a_title_is_written_as_exercise() -> None:
    untitled = new_exercise(Shape(layers_for((2, 2, 1), ["sigmoid"])), 1)
    assert untitled.title is None
    assert exercise_yaml(untitled, "made again with: bpstep new").splitlines()[:2] == [
        "# made again with: bpstep new", 'title: "Exercise"']


def drawn_values(shape: Shape, draws: int = 200) -> tuple[set[float], set[float], list[np.ndarray]]:
    """Over many draws: every target and every first-layer weight drawn, and the target arrays."""
    from bpstep.exercise import draw_numbers

    targets, weights, arrays = set(), set(), []
    for seed in range(draws):
        scenario = draw_numbers(shape, np.random.default_rng(seed))
        arrays.append(np.asarray(scenario.targets))
        targets.update(np.asarray(scenario.targets).ravel().tolist())
        weights.update(np.asarray(scenario.weights[0]).ravel().tolist())
    return targets, weights, arrays


def tenths(low: int, high: int) -> set[float]:
    """k/10 for k from low to high, 0 left out, as the decimals read back."""
    return {float(f"{k / 10}") for k in range(low, high + 1) if k}


@pytest.mark.parametrize(("output", "low", "high"), [("sigmoid", 1, 9), ("tanh", -8, 8), ("identity", -8, 8)])
def test_targets_fill_the_outputs_range_less_a_tenth_of_it_at_each_end(output: str, low: int,
                                                                       high: int) -> None:
    # A sigmoid reaches (0, 1): targets 0.1 to 0.9; tanh (−1, 1): a margin of 0.2, −0.8 to 0.8;
    # an identity output is held to [−1, 1] like tanh. Weights: every tenth of [−1, 1] but 0.
    targets, weights, _ = drawn_values(Shape(layers_for((2, 2, 1), ["sigmoid", output]), decimals=1))
    assert targets == tenths(low, high)
    assert weights == tenths(-10, 10)


def test_targets_with_two_decimals_are_on_the_grid_of_hundredths() -> None:
    targets, _, _ = drawn_values(Shape(layers_for((2, 2, 1), ["sigmoid"]), decimals=2), draws=400)
    assert targets <= {float(f"{k / 100}") for k in range(10, 91)}
    assert len(targets) > 60  # most of the 81 hundredths from 0.10 to 0.90 come up


def test_labels_are_0_and_1_for_a_cross_entropy_and_one_hot_rows_for_softmax() -> None:
    binary, _, _ = drawn_values(Shape(layers_for((2, 2, 1), ["sigmoid"]), loss="binary_cross_entropy"))
    assert binary == {0.0, 1.0}
    _, _, rows = drawn_values(Shape(layers_for((2, 2, 3), ["sigmoid", "softmax"]), loss="cross_entropy"))
    for row in rows:
        assert sorted(np.ravel(row).tolist()) == [0.0, 0.0, 1.0]
    assert {int(np.argmax(row)) for row in rows} == {0, 1, 2}  # every class is drawn


def test_a_draw_holds_every_tenth_of_its_ranges_and_every_learning_rate() -> None:
    # Biases, when asked, like weights: every tenth of [−1, 1] but 0; inputs every tenth of
    # (0, 1]; the learning rate one of 0.1, 0.5 and 1, each coming up.
    from bpstep.exercise import draw_numbers

    shape = Shape(layers_for((2, 2, 1), ["sigmoid"]), biases=True, decimals=1)
    biases, inputs, rates = set(), set(), set()
    for seed in range(200):
        scenario = draw_numbers(shape, np.random.default_rng(seed))
        biases.update(np.concatenate([np.ravel(b) for b in scenario.biases]).tolist())
        inputs.update(np.ravel(scenario.inputs).tolist())
        rates.add(scenario.learning_rate)
    assert biases == tenths(-10, 10) and inputs == tenths(1, 10) and rates == {0.1, 0.5, 1.0}
    assert draw_numbers(Shape(layers_for((2, 2, 1), ["sigmoid"])), np.random.default_rng(0)).biases is None


@pytest.mark.parametrize(("samples", "batch"), [(2, 1), (3, 1), (4, 2), (5, 2), (8, 4)])
def test_a_minibatch_exercise_updates_after_half_of_its_samples(samples: int, batch: int) -> None:
    from bpstep.exercise import draw_numbers

    shape = Shape(layers_for((2, 2, 1), ["sigmoid"]), mode="minibatch", samples=samples)
    assert draw_numbers(shape, np.random.default_rng(1)).batch_size == batch


def test_the_options_new_exercise_refuses_are_named_with_what_to_do() -> None:
    layers = layers_for((2, 2, 1), ["tanh"])
    refusals = {Shape(layers, convention="nope"): "--convention: unknown convention 'nope'; choose one of "
                                                  "delta_rule, gradient",
                Shape(layers, samples=9): "--samples: expected 1 to 8, got 9",
                Shape(layers, mode="online"): "--mode online updates after each sample or chunk; give "
                                              "--samples 2 or more"}
    for shape, message in refusals.items():
        with pytest.raises(ExerciseError) as refused:
            new_exercise(shape, 0)
        assert str(refused.value) == message
    assert len(new_exercise(Shape(layers, mode="online", samples=8), 0).inputs) == 8


def test_an_exercise_made_without_a_source_is_refused_as_an_exercise() -> None:
    layers = layers_for((2, 2, 1), ["tanh"])
    with pytest.raises(ExerciseError) as refused:
        new_exercise(Shape(layers, loss="cross_entropy"), 0)
    assert str(refused.value).startswith("<exercise>: loss: cross_entropy needs a softmax or sigmoid")
    from bpstep.exercise import draw_numbers

    with pytest.raises(ExerciseError) as drawn:
        draw_numbers(Shape(layers, loss="cross_entropy"), np.random.default_rng(0))
    assert str(drawn.value).startswith("<exercise>: loss: cross_entropy needs a softmax or sigmoid")


def test_a_shape_no_draw_can_make_fair_is_refused_naming_the_rule_broken_most() -> None:
    # 1-6-6-6-6-6 sigmoid: each of the six first hidden units has one weight, one of the 20
    # tenths of [−1, 1] but 0, so two of them share it with probability 1 − 20·19·18·17·16·15/20⁶
    # ≈ 0.564 (twins); the other draws fail too, five sigmoid layers deep (an update too small
    # to show). The twins are counted here, in the same 1,000 draws from seed 0 (a seed repeats
    # its draws, in order), from the weights alone; being more than half, they are the most.
    from typer.testing import CliRunner

    from bpstep.cli import app
    from bpstep.exercise import draw_numbers

    shape = Shape(layers_for((1, 6, 6, 6, 6, 6), ["sigmoid"]))
    rng = np.random.default_rng(0)
    twins, last = 0, ""
    for _ in range(1000):
        weights = draw_numbers(shape, rng).weights
        shared = [(k, np.asarray(w).T.tolist()) for k, w in enumerate(weights)
                  if len({tuple(c) for c in np.asarray(w).T.tolist()}) < np.shape(w)[1]]
        if shared:
            twins += 1
            k, columns = shared[0]
            i, j = next((i, j) for j in range(6) for i in range(j) if columns[i] == columns[j])
            letter = "hgkmo"[k]  # the units after each weight matrix: h1…, g1…, k1…, m1…, o1…
            last = f"{letter}{i + 1} and {letter}{j + 1} have the same incoming weights {columns[j]}"
    assert 500 < twins < 630
    message = (f"no fair exercise in 1000 draws: {twins} broke the rule 'twins' (no two units of a "
               f"layer with the same incoming weights; last: {last}: one is a copy of the other); "
               "try fewer layers or units, or another activation")
    result = CliRunner().invoke(app, ["new", "--layers", "1-6-6-6-6-6", "--activation", "sigmoid",
                                      "--seed", "0", "--print"])
    assert (result.exit_code, result.stderr, result.stdout) == (2, f"bpstep: error: {message}\n", "")
