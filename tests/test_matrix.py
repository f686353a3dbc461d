"""The matrix view: entries against numbers recomputed here with plain numpy, every shape printed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from bpstep.cli import ViewChoice, app
from bpstep.engine import step
from bpstep.export.publish import export
from bpstep.matrix import Equation, MatrixStage, matrix_stages
from bpstep.render.matrix import layout
from bpstep.render.screen import ViewMode
from bpstep.scenario import load
from bpstep.trace import Phase

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def stages_of(path: Path) -> tuple[MatrixStage, ...]:
    scenario = load(path)
    return matrix_stages(step(scenario))


def equation(stage: MatrixStage, lhs: str) -> Equation:
    return next(e for e in stage.equations if e.lhs.symbol == lhs)


def operand(eq: Equation, symbol: str) -> np.ndarray:
    return next(o.values for o in eq.operands if o.symbol == symbol)


def test_gfg_single_sample_entries_match_hand_computation() -> None:
    x = np.array([[0.35], [0.7]])
    w1, w2 = np.array([[0.2, 0.3], [0.2, 0.3]]), np.array([[0.3], [0.9]])
    a1 = w1.T @ x
    y1 = sigmoid(a1)
    y2 = sigmoid(w2.T @ y1)
    d2 = (0.5 - y2) * y2 * (1 - y2)
    d1 = (w2 @ d2) * y1 * (1 - y1)
    ms = stages_of(SCENARIOS / "gfg_sigmoid.yaml")
    assert equation(ms[0], "a¹").symbols() == "a¹ = (W¹)ᵀ·y⁰"
    assert equation(ms[0], "a¹").shapes() == "(2×1) = (2×2)ᵀ·(2×1)"
    np.testing.assert_allclose(equation(ms[0], "a¹").lhs.values, a1)
    np.testing.assert_allclose(operand(equation(ms[0], "a¹"), "W¹"), w1)
    np.testing.assert_allclose(equation(ms[0], "y¹").lhs.values, y1)
    (loss,) = ms[2].equations
    assert loss.symbols() == "E = half_sse(y², t)" and loss.shapes() == "scalar = (1×1), (1×1)"
    assert loss.lhs.values[0, 0] == pytest.approx(0.5 * (0.5 - y2[0, 0]) ** 2)
    hidden = equation(ms[4], "δ¹")
    assert hidden.symbols() == "δ¹ = (W²·δ²) ⊙ f′(a¹)"
    assert hidden.shapes() == "(2×1) = (2×1)·(1×1) ⊙ (2×1)"
    np.testing.assert_allclose(hidden.lhs.values, d1)
    np.testing.assert_allclose(operand(hidden, "f′(a¹)"), y1 * (1 - y1))
    change = equation(ms[6], "ΔW¹")
    assert change.symbols() == "ΔW¹ = η · y⁰·(δ¹)ᵀ"
    assert change.shapes() == "(2×2) = scalar · (2×1)·(2×1)ᵀ"
    np.testing.assert_allclose(change.lhs.values, 1.0 * x @ d1.T)
    np.testing.assert_allclose(equation(ms[6], "W¹(new)").lhs.values, w1 + x @ d1.T)
    assert ms[7].note == "with the updated weights" and ms[7].marks == frozenset()
    # the article's hand numbers, written out
    np.testing.assert_allclose(change.lhs.values[:, 0], [-0.000954656, -0.00190931], rtol=1e-5)


def xor_numbers(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray, x: np.ndarray,
                t: np.ndarray) -> dict[str, np.ndarray]:
    """A batch forward and backward pass, samples as rows, half SSE, delta rule."""
    a1 = x @ w1 + b1
    y1 = sigmoid(a1)
    y2 = sigmoid(y1 @ w2 + b2)
    d2 = (t - y2) * y2 * (1 - y2)
    d1 = (d2 @ w2.T) * y1 * (1 - y1)
    return {"A1": a1, "Y1": y1, "Y2": y2, "D2": d2, "D1": d1,
            "dW2": y1.T @ d2, "dW1": x.T @ d1, "db2": d2.sum(0), "db1": d1.sum(0)}


XOR = yaml.safe_load((SCENARIOS / "xor_batch.yaml").read_text())
W1, B1 = np.array(XOR["weights"][0]), np.array(XOR["biases"][0])
W2, B2 = np.array(XOR["weights"][1]), np.array(XOR["biases"][1])
X, T = np.array(XOR["inputs"], dtype=float), np.array(XOR["targets"], dtype=float)


def write_xor(path: Path, **changes: object) -> Path:
    path.write_text(yaml.safe_dump({**XOR, **changes}))
    return path


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_batch_update_is_one_product_summed_or_averaged(tmp_path: Path, reduction: str) -> None:
    ms = stages_of(write_xor(tmp_path / "xor.yaml", reduction=reduction))
    hand = xor_numbers(W1, B1, W2, B2, X, T)
    scale = 0.5 / (4 if reduction == "mean" else 1)
    forward = equation(ms[0], "A¹")
    assert forward.symbols() == "A¹ = Y⁰·W¹ + 1·(b¹)ᵀ"
    assert forward.shapes() == "(4×2) = (4×2)·(2×2) + (4×1)·(2×1)ᵀ"
    np.testing.assert_allclose(forward.lhs.values, hand["A1"])
    assert ms[0].marks == {"@1"} and ms[5].marks == {"@2"}
    backward = equation(ms[4], "D¹")
    assert backward.symbols() == "D¹ = (D²·(W²)ᵀ) ⊙ f′(A¹)"
    np.testing.assert_allclose(backward.lhs.values, hand["D1"])
    update = next(m for m in ms if any(e.lhs.symbol == "ΔW¹" for e in m.equations))
    change = equation(update, "ΔW¹")
    if reduction == "mean":
        assert change.symbols() == "ΔW¹ = η / n · (Y⁰)ᵀ·D¹"
        assert operand(change, "n")[0, 0] == 4
    else:
        assert change.symbols() == "ΔW¹ = η · (Y⁰)ᵀ·D¹"
    assert change.shapes().endswith("(4×2)ᵀ·(4×2)")
    np.testing.assert_allclose(change.lhs.values, scale * hand["dW1"])
    np.testing.assert_allclose(equation(update, "Δb¹").lhs.values[:, 0], scale * hand["db1"])
    total = next(m for m in ms if m.equations[0].lhs.symbol == "E")
    assert total.equations[0].symbols() == ("E = 1ᵀ·e / n" if reduction == "mean" else "E = 1ᵀ·e")


@pytest.mark.parametrize(("mode", "size"), [("online", 1), ("minibatch", 2)])
def test_online_and_minibatch_updates_follow_the_samples_in_order(tmp_path: Path, mode: str,
                                                                    size: int) -> None:
    extra = {"batch_size": size} if mode == "minibatch" else {}
    ms = stages_of(write_xor(tmp_path / "xor.yaml", mode=mode, **extra))
    w1, b1, w2, b2 = W1, B1, W2, B2
    updates = [m for m in ms if any(e.lhs.symbol == "ΔW²" for e in m.equations)]
    forwards = [m for m in ms if m.equations[0].lhs.symbol.lower() == "a¹"
                and not m.note.startswith("with the updated")]
    assert len(updates) == 4 // size
    for n, start in enumerate(range(0, 4, size)):
        hand = xor_numbers(w1, b1, w2, b2, X[start:start + size], T[start:start + size])
        forward = equation(forwards[start], forwards[start].equations[0].lhs.symbol)
        np.testing.assert_allclose(operand(forward, "W¹"), w1)
        at = next(i for i, m in enumerate(ms) if m is forwards[start])
        (hidden,) = ms[at + 4].equations  # forward, forward, loss, output δ, then this δ
        assert hidden.lhs.symbol == ("D¹" if size > 1 else "δ¹")
        np.testing.assert_allclose(operand(hidden, "W²"), w2)
        np.testing.assert_allclose(hidden.lhs.values, hand["D1"] if size > 1 else hand["D1"].T)
        expected_w2 = equation(updates[n], "ΔW²")
        np.testing.assert_allclose(expected_w2.lhs.values, 0.5 * hand["dW2"])
        if size == 1:
            assert expected_w2.symbols() == "ΔW² = η · y¹·(δ²)ᵀ"
        else:
            assert expected_w2.symbols() == "ΔW² = η · (Y¹)ᵀ·D²"
        w1, w2 = w1 + 0.5 * hand["dW1"], w2 + 0.5 * hand["dW2"]
        b1, b2 = b1 + 0.5 * hand["db1"], b2 + 0.5 * hand["db2"]
        np.testing.assert_allclose(equation(updates[n], "W²(new)").lhs.values, w2)


@pytest.mark.parametrize(("mode", "size"), [("online", 1), ("minibatch", 2)])
def test_momentum_adds_alpha_times_the_change_of_the_update_before(tmp_path: Path, mode: str,
                                                                     size: int) -> None:
    """Δ(n) = η·yᵀδ + α·Δ(n−1), worked here update by update (Mitchell's momentum)."""
    extra = {"batch_size": size} if mode == "minibatch" else {}
    ms = stages_of(write_xor(tmp_path / "xor.yaml", mode=mode, momentum=0.9, **extra))
    params = {"W1": W1, "b1": B1, "W2": W2, "b2": B2}
    before: dict[str, np.ndarray] = {}
    for n, start in enumerate(range(0, 4, size)):
        hand = xor_numbers(params["W1"], params["b1"], params["W2"], params["b2"],
                           X[start:start + size], T[start:start + size])
        change = {f"{p}{k}": 0.5 * hand[f"d{p}{k}"] + 0.9 * before.get(f"{p}{k}", 0.0)
                  for p in ("W", "b") for k in (1, 2)}
        for k, sk, sj in ((1, "¹", "⁰"), (2, "²", "¹")):
            update = [m for m in ms if any(e.lhs.symbol == f"ΔW{sk}" for e in m.equations)][n]
            dw, db = equation(update, f"ΔW{sk}"), equation(update, f"Δb{sk}")
            carried = f" + α · ΔW{sk}(before)" if n else ""
            product = f"y{sj}·(δ{sk})ᵀ" if size == 1 else f"(Y{sj})ᵀ·D{sk}"
            assert dw.symbols() == f"ΔW{sk} = η · {product}{carried}"
            sums = f"δ{sk}" if size == 1 else f"(D{sk})ᵀ·1"
            assert db.symbols() == f"Δb{sk} = η · {sums}" + (f" + α · Δb{sk}(before)" if n else "")
            np.testing.assert_allclose(dw.lhs.values, change[f"W{k}"])
            np.testing.assert_allclose(db.lhs.values[:, 0], change[f"b{k}"])
            if n:
                assert operand(dw, "α")[0, 0] == operand(db, "α")[0, 0] == 0.9
                np.testing.assert_allclose(operand(dw, f"ΔW{sk}(before)"), before[f"W{k}"])
                np.testing.assert_allclose(operand(db, f"Δb{sk}(before)")[:, 0], before[f"b{k}"])
            new_b = equation(update, f"b{sk}(new)")
            assert new_b.symbols() == f"b{sk}(new) = b{sk} + Δb{sk}"
            np.testing.assert_allclose(operand(new_b, f"b{sk}")[:, 0], params[f"b{k}"])
            np.testing.assert_allclose(new_b.lhs.values[:, 0], params[f"b{k}"] + change[f"b{k}"])
        params = {name: params[name] + change[name] for name in params}
        before = change
    assert_labelled(ms, [["x1", "x2"], ["h1", "h2"], ["o"]], 4)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_the_total_loss_is_one_transposed_times_each_samples_loss(tmp_path: Path,
                                                                  reduction: str) -> None:
    """E = 1ᵀ·e (/ n) before the update and after it, e each sample's ½(t − y)², worked here."""
    ms = stages_of(write_xor(tmp_path / "xor.yaml", reduction=reduction))
    hand = xor_numbers(W1, B1, W2, B2, X, T)
    scale = 0.5 / (4 if reduction == "mean" else 1)
    after = xor_numbers(W1 + scale * hand["dW1"], B1 + scale * hand["db1"],
                        W2 + scale * hand["dW2"], B2 + scale * hand["db2"], X, T)
    again = [m for m in ms if m.note.startswith("with the updated weights")]
    assert len(again) == 4  # one stage per sample, each holding every sample as a row
    for stage in again:
        np.testing.assert_allclose(equation(stage, "A¹").lhs.values, after["A1"])
        np.testing.assert_allclose(operand(equation(stage, "A²"), "Y¹"), after["Y1"])
        np.testing.assert_allclose(equation(stage, "Y²").lhs.values, after["Y2"])
        np.testing.assert_allclose(equation(stage, "e").lhs.values[:, 0],
                                   0.5 * ((T - after["Y2"]) ** 2).sum(axis=1))
    each_loss = [m for m in ms if m.equations[0].lhs.symbol == "e"]
    assert len(each_loss) == 4
    for stage in each_loss:
        (eq,) = stage.equations
        assert eq.symbols() == "e = half_sse(Y², T)"
        np.testing.assert_allclose(eq.lhs.values[:, 0], 0.5 * ((T - hand["Y2"]) ** 2).sum(axis=1))
    totals = [m for m in ms if m.equations[0].lhs.symbol == "E"]
    assert len(totals) == 2  # the step's, then the one with the updated weights
    for total, outputs in zip(totals, (hand["Y2"], after["Y2"]), strict=True):
        (eq,) = total.equations
        each = 0.5 * ((T - outputs) ** 2).sum(axis=1)
        np.testing.assert_allclose(operand(eq, "e")[:, 0], each)
        assert eq.lhs.values[0, 0] == pytest.approx(each.sum() / (4 if reduction == "mean" else 1))
        ones = operand(eq, "1")
        assert ones.shape == (4, 1) and (ones == 1).all()
        assert total.note == "e holds the loss of each sample" and total.marks == frozenset()
        if reduction == "mean":
            assert eq.shapes() == "scalar = (4×1)ᵀ·(4×1) / scalar" and operand(eq, "n")[0, 0] == 4
        else:
            assert eq.shapes() == "scalar = (4×1)ᵀ·(4×1)"


@pytest.mark.parametrize(("mode", "size"), [("online", 1), ("minibatch", 2), ("batch", 4)])
def test_each_stage_says_what_its_rows_are_and_which_weights_it_reads(tmp_path: Path, mode: str,
                                                                      size: int) -> None:
    """The note under each stage, written out: the rows, the stage's own row, the weights."""
    extra = {"batch_size": size} if mode == "minibatch" else {}
    path = write_xor(tmp_path / "xor.yaml", mode=mode, **extra)
    trace = step(load(path))
    rows = size > 1
    for stage, matrices in zip(trace.stages, matrix_stages(trace), strict=True):
        mine = f"this stage's sample is row @{stage.sample}"
        if stage.phase == Phase.AFTER and stage.sample is not None:
            want = f"with the updated weights; samples are rows; {mine}"
        elif stage.phase in (Phase.LOSS, Phase.AFTER):
            want = (f"samples are rows; {mine}; e holds the loss of each sample" if stage.sample and rows
                    else "" if stage.sample else "e holds the loss of each sample")
        elif stage.phase == Phase.UPDATE:
            want = "samples are rows; the product sums over them" if rows else ""
        else:
            want = f"samples are rows; {mine}" if rows else ""
            first_of_batch = (stage.sample - 1) // size * size + 1
            if stage.phase == Phase.FORWARD and first_of_batch > 1:
                updated = f"W: the weights as updated at @{first_of_batch - size}"
                want = f"{want}; {updated}" if want else updated
        assert matrices.note == want, (stage.phase, stage.layer, stage.sample)
        marked = rows or stage.phase == Phase.AFTER
        assert matrices.marks == ({f"@{stage.sample}"} if marked and stage.sample
                                  and stage.phase != Phase.UPDATE else set())


def _forward(data: dict, activations: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Outputs and targets of a two-layer scenario, samples as rows, worked with plain numpy."""
    def act(name: str, a: np.ndarray) -> np.ndarray:
        if name == "softmax":
            e = np.exp(a - a.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        return np.tanh(a) if name == "tanh" else sigmoid(a)

    x, t = np.atleast_2d(data["inputs"]), np.atleast_2d(data["targets"]).astype(float)
    (w1, w2), (b1, b2) = map(np.array, data["weights"]), map(np.array, data["biases"])
    y1 = act(activations[0], x @ w1 + b1)
    return act(activations[1], y1 @ w2 + b2), t


TANH_MSE = yaml.safe_load((SCENARIOS / "tanh_mse.yaml").read_text())
def _output_delta(tmp_path: Path, data: dict, activations: tuple[str, str]
                  ) -> tuple[np.ndarray, np.ndarray, object]:
    """The outputs and targets of ``data`` worked in numpy (``_forward``), and the matrix view's
    one equation for the output layer's δ."""
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(data))
    y, t = _forward(data, activations)
    output = next(m for m in stages_of(path) if m.equations[0].lhs.symbol in ("δ²", "D²"))
    (eq,) = output.equations
    return y, t, eq


SOFTMAX = yaml.safe_load((SCENARIOS / "softmax_cross_entropy.yaml").read_text())
TWO_SAMPLES = {"mode": "batch", "inputs": [[0.05, 0.1], [0.3, -0.2]],
               "targets": [[0.01, 0.99], [0.5, 0.2]]}


@pytest.mark.parametrize("convention", ["delta_rule", "gradient"])
@pytest.mark.parametrize("samples", [{}, TWO_SAMPLES], ids=["column", "rows"])
def test_the_output_delta_of_mse_is_its_gradient_times_the_slope(tmp_path: Path, convention: str,
                                                                  samples: dict) -> None:
    """δ = ∓∂E/∂y ⊙ f′(a), with ∂E/∂y = 2(y − t)/n (n = 2 outputs) and tanh′ = 1 − y²."""
    y, t, eq = _output_delta(tmp_path, {**TANH_MSE, "convention": convention, **samples},
                             ("tanh", "tanh"))
    sign = -1 if convention == "delta_rule" else 1
    gradient = sign * 2 * (y - t) / 2
    name = ("−" if sign < 0 else "") + "∂E/∂" + ("Y²" if samples else "y²")
    assert eq.symbols() == f"{eq.lhs.symbol} = {name} ⊙ f′({'A²' if samples else 'a²'})"
    along = (lambda v: v) if samples else (lambda v: v.T)  # one sample is a column
    np.testing.assert_allclose(operand(eq, name), along(gradient))
    np.testing.assert_allclose(eq.lhs.values, along(gradient * (1 - y ** 2)))


BOTH_CONVENTIONS = pytest.mark.parametrize("convention", ["delta_rule", "gradient"])
ONE_SAMPLE_OR_TWO = pytest.mark.parametrize(
    "samples", [{}, {"mode": "batch", "inputs": [[1.0, 2.0], [0.5, -1.0]],
                     "targets": [[0, 1, 0], [0.2, 0.3, 0.5]]}], ids=["column", "rows"])
"""A softmax output's step on one sample (a column) or a batch of two (rows)."""


@BOTH_CONVENTIONS
@ONE_SAMPLE_OR_TWO
def test_softmax_without_its_own_loss_takes_the_whole_jacobian(tmp_path: Path, convention: str,
                                                                samples: dict) -> None:
    """Softmax with MSE: ∂E/∂a_j = y_j·(∂E/∂y_j − Σ_k y_k·∂E/∂y_k), each sample on its own."""
    y, t, eq = _output_delta(tmp_path, {**SOFTMAX, "loss": "mse", "convention": convention,
                                        **samples}, ("sigmoid", "softmax"))
    sign = -1 if convention == "delta_rule" else 1
    gradient = sign * 2 * (y - t) / 3
    weighted = (gradient * y).sum(axis=1, keepdims=True)
    g = ("−" if sign < 0 else "") + "∂E/∂" + ("Y²" if samples else "y²")
    y_name = "Y²" if samples else "y²"
    assert eq.symbols() == f"{eq.lhs.symbol} = {y_name} ⊙ ({g} − ({g} ⊙ {y_name})·1)"
    along = (lambda v: v) if samples else (lambda v: v.T)
    np.testing.assert_allclose(operand(eq, g), along(gradient))
    np.testing.assert_allclose(operand(eq, f"({g} ⊙ {y_name})·1"), along(weighted))
    np.testing.assert_allclose(eq.lhs.values, along(y * (gradient - weighted)))
    total = next(o for o in eq.operands if o.symbol.endswith("·1"))  # one number per sample
    assert (total.rows, total.cols) == ((("@1", "@2") if samples else ("",)), ("",))


def test_y_is_written_as_its_layers_activation_or_f_when_a_gain_steepens_it(tmp_path: Path) -> None:
    """f(a) stands for k·a inside: ``sigmoid(a¹)`` would hide the gain a worksheet must show."""
    data = {**TANH_MSE, "layers": [{"units": ["x1", "x2"]},
                                   {"units": ["h1", "h2"], "activation": {"name": "sigmoid", "gain": 2}},
                                   {"units": ["o1", "o2"], "activation": "tanh"}]}
    path = tmp_path / "gain.yaml"
    path.write_text(yaml.safe_dump(data))
    outputs = [e.symbols() for m in stages_of(path)[:2] for e in m.equations if e.lhs.symbol[0] == "y"]
    assert outputs == ["y¹ = f(a¹)", "y² = tanh(a²)"]
    relu = [e.symbols() for m in stages_of(SCENARIOS / "relu_sse.yaml")[:2] for e in m.equations]
    assert relu == ["a¹ = (W¹)ᵀ·y⁰ + b¹", "y¹ = relu(a¹)", "a² = (W²)ᵀ·y¹ + b²", "y² = identity(a²)"]


def test_the_gradient_convention_turns_the_error_and_subtracts_the_change() -> None:
    """δ = (y − t)·f′(a) = +∂E/∂a, ΔW = −η·y·δᵀ: the GeeksforGeeks network worked here (η = 1)."""
    x = np.array([[0.35], [0.7]])
    w1, w2 = np.array([[0.2, 0.3], [0.2, 0.3]]), np.array([[0.3], [0.9]])
    y1 = sigmoid(w1.T @ x)
    y2 = sigmoid(w2.T @ y1)
    d2 = (y2 - 0.5) * y2 * (1 - y2)
    ms = stages_of(SCENARIOS / "gfg_gradient_convention.yaml")
    output = equation(ms[3], "δ²")
    assert output.symbols() == "δ² = (y² − t) ⊙ f′(a²)"
    np.testing.assert_allclose(output.lhs.values, d2)
    change = equation(ms[5], "ΔW²")
    assert change.symbols() == "ΔW² = −η · y¹·(δ²)ᵀ"
    np.testing.assert_allclose(change.lhs.values, -1.0 * y1 @ d2.T)
    new = equation(ms[5], "W²(new)")
    assert new.symbols() == "W²(new) = W² + ΔW²"
    np.testing.assert_allclose(operand(new, "W²"), w2)
    np.testing.assert_allclose(new.lhs.values, w2 - y1 @ d2.T)


@BOTH_CONVENTIONS
@ONE_SAMPLE_OR_TWO
def test_softmax_with_cross_entropy_takes_t_minus_y_at_the_outputs(tmp_path: Path, convention: str,
                                                                    samples: dict) -> None:
    y, t, eq = _output_delta(tmp_path, {**SOFTMAX, "convention": convention, **samples},
                             ("sigmoid", "softmax"))
    y_name, t_name = ("Y²", "T") if samples else ("y²", "t")
    error = f"{t_name} − {y_name}" if convention == "delta_rule" else f"{y_name} − {t_name}"
    assert eq.symbols() == f"{eq.lhs.symbol} = {error}"
    delta = t - y if convention == "delta_rule" else y - t
    np.testing.assert_allclose(eq.lhs.values, delta if samples else delta.T)


@pytest.mark.parametrize(("mode", "size", "convention"), [
    ("online", 1, "delta_rule"), ("minibatch", 2, "delta_rule"), ("minibatch", 2, "gradient")])
def test_a_mean_update_divides_by_the_samples_it_learns_from(tmp_path: Path, mode: str, size: int,
                                                             convention: str) -> None:
    """The same change in either convention: −η·(−D) is η·D."""
    extra = {"batch_size": size} if mode == "minibatch" else {}
    ms = stages_of(write_xor(tmp_path / "xor.yaml", mode=mode, reduction="mean",
                             convention=convention, **extra))
    hand = xor_numbers(W1, B1, W2, B2, X[:size], T[:size])
    first = next(m for m in ms if any(e.lhs.symbol == "ΔW²" for e in m.equations))
    change = equation(first, "ΔW²")
    if size == 1:
        assert change.symbols() == "ΔW² = η · y¹·(δ²)ᵀ"
    else:
        minus = "−" if convention == "gradient" else ""
        assert change.symbols() == f"ΔW² = {minus}η / n · (Y¹)ᵀ·D²" and operand(change, "n")[0, 0] == 2
    np.testing.assert_allclose(change.lhs.values, 0.5 / size * hand["dW2"])
    np.testing.assert_allclose(equation(first, "Δb²").lhs.values[:, 0], 0.5 / size * hand["db2"])


def test_two_hidden_layers_shapes() -> None:
    ms = stages_of(SCENARIOS / "two_hidden_layers.yaml")
    shapes = [e.shapes() for m in ms[:8] for e in m.equations]
    assert shapes == [
        "(3×1) = (2×3)ᵀ·(2×1) + (3×1)", "(3×1) = (3×1)",
        "(2×1) = (3×2)ᵀ·(3×1) + (2×1)", "(2×1) = (2×1)",
        "(1×1) = (2×1)ᵀ·(2×1) + (1×1)", "(1×1) = (1×1)",
        "scalar = (1×1), (1×1)",
        "(1×1) = (1×1) − (1×1) ⊙ (1×1)",
        "(2×1) = (2×1)·(1×1) ⊙ (2×1)",
        "(3×1) = (3×2)·(2×1) ⊙ (3×1)",
        "(2×1) = scalar · (2×1)·(1×1)ᵀ", "(2×1) = (2×1) + (2×1)",
        "(1×1) = scalar · (1×1)", "(1×1) = (1×1) + (1×1)",
    ]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[MatrixStage, ...]:
    path = tmp_path_factory.mktemp("big") / "mnist.yaml"
    rng = np.random.default_rng(0)
    path.write_text(yaml.safe_dump({
        "learning_rate": 0.1, "loss": "cross_entropy", "init": {"kind": "xavier", "seed": 0},
        "layers": [{"units": [f"x{i}" for i in range(1, 785)]},
                   {"units": [f"h{i}" for i in range(1, 129)], "activation": "sigmoid"},
                   {"units": [f"o{i}" for i in range(10)], "activation": "softmax"}],
        "inputs": rng.random(784).round(2).tolist(), "targets": [0] * 9 + [1],
    }, default_flow_style=None, width=10_000))
    return stages_of(path)


def test_784_128_10_shapes_and_elided_layout(big: tuple[MatrixStage, ...]) -> None:
    shapes = [e.shapes() for m in big[:6] for e in m.equations]
    assert shapes[:7] == [
        "(128×1) = (784×128)ᵀ·(784×1)", "(128×1) = (128×1)",
        "(10×1) = (128×10)ᵀ·(128×1)", "(10×1) = (10×1)",
        "scalar = (10×1), (10×1)",
        "(10×1) = (10×1) − (10×1)",
        "(128×1) = (128×10)·(10×1) ⊙ (128×1)",
    ]
    assert "(784×128) = scalar · (784×1)·(128×1)ᵀ" in [e.shapes() for m in big for e in m.equations]
    for width in (50, 80, 200):
        block = layout(big[0].equations[0], 6, {"h7"}, width)
        assert max(len(line) for line in block.lines) <= width
        text = "\n".join(block.lines)
        assert "⋮" in text and "…" in text and "(784×128)ᵀ" in text
        assert "◂" in text  # h7 is kept in sight and marked, though it is in the elided middle


def test_view_option_matches_the_render_modes() -> None:
    assert [c.value for c in ViewChoice] == [m.value for m in ViewMode]


def test_run_view_both_and_focus_mark_the_unit(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(SCENARIOS / "gfg_sigmoid.yaml"), "--view", "both",
                                      "--focus", "h1"])
    assert result.exit_code == 0, result.output
    assert "a (net input)" in result.output and "(2×2)ᵀ" in result.output
    assert "◂" in result.output and "▴" in result.output
    plain = CliRunner().invoke(app, ["run", str(SCENARIOS / "gfg_sigmoid.yaml"), "--view", "matrix"])
    assert "a (net input)" not in plain.output and "δ¹" in plain.output
    assert "◂" not in plain.output


def test_markdown_and_html_exports_hold_the_matrices() -> None:
    scenario = load(SCENARIOS / "gfg_sigmoid.yaml")
    trace = step(scenario)
    md = export(trace, "markdown", view="matrix")
    assert "```text\nΔW¹" in md and "(2×2)" in md and "| unit |" not in md
    html = export(trace, "html", view="both")
    assert '<pre class="matrix">' in html and "<th>unit</th>" in html


def test_latex_matrices_compile(tmp_path: Path) -> None:
    scenario = load(SCENARIOS / "xor_batch.yaml")
    tex = export(step(scenario), "latex", view="both", explain=True)
    assert r"\begin{bmatrix}" in tex and r"\underset{(4{\times}2)}{A^{1}}" in tex
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed: apt-get install -y chromium texlive-latex-base graphviz")
    (tmp_path / "key.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "key.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


def test_terminal_view_fits_narrow_consoles() -> None:
    ms = stages_of(SCENARIOS / "xor_batch.yaml")
    from bpstep.render.matrix import MatrixView

    for width in (50, 80):
        console = Console(file=None, width=width, color_system=None, record=True)
        with console.capture() as cap:
            console.print(MatrixView(ms[4], 6))
        assert max(len(line) for line in cap.get().splitlines()) <= width


def _gfg_hidden_deltas() -> np.ndarray:
    """δ¹ of the GeeksforGeeks step, worked here with plain numpy (a column)."""
    x = np.array([[0.35], [0.7]])
    w1, w2 = np.array([[0.2, 0.3], [0.2, 0.3]]), np.array([[0.3], [0.9]])
    y1 = sigmoid(w1.T @ x)
    y2 = sigmoid(w2.T @ y1)
    return (w2 @ ((0.5 - y2) * y2 * (1 - y2))) * y1 * (1 - y1)


def _row_under(lines: list[str], shape: str) -> list[float]:
    """The one-row matrix printed in the column of ``shape`` (the line of shapes, then numbers)."""
    at = next(i for i, line in enumerate(lines) if shape in line)
    column = lines[at].index(shape)
    numbers = [line[column:] for line in lines[at + 1:at + 4] if line[column:].startswith("[")]
    assert len(numbers) == 1, lines[at:at + 4]  # a row: one line, not a column of lines
    return [float(v) for v in numbers[0][1:numbers[0].index("]")].split()]


def test_a_transpose_is_printed_as_a_row_in_the_terminal_and_markdown() -> None:
    d1 = _gfg_hidden_deltas()
    run = CliRunner().invoke(app, ["run", str(SCENARIOS / "gfg_sigmoid.yaml"), "--view", "matrix"])
    assert run.exit_code == 0, run.output
    stage7 = run.output[run.output.index("stage 7 of 8"):run.output.index("stage 8 of 8")]
    np.testing.assert_allclose(_row_under(stage7.splitlines(), "(2×1)ᵀ"), d1[:, 0], rtol=1e-5)
    scenario = load(SCENARIOS / "gfg_sigmoid.yaml")
    md = export(step(scenario), "markdown", view="matrix")
    np.testing.assert_allclose(_row_under(md[md.index("ΔW¹"):].splitlines(), "(2×1)ᵀ"), d1[:, 0],
                               rtol=1e-5)


def test_a_transposed_weight_matrix_is_printed_turned() -> None:
    """(W²)ᵀ of the 2-2-1 network is (2×1)ᵀ: one row holding the weights into o."""
    run = CliRunner().invoke(app, ["run", str(SCENARIOS / "gfg_sigmoid.yaml"), "--view", "matrix"])
    stage2 = run.output[run.output.index("stage 2 of 8"):run.output.index("stage 3 of 8")]
    assert _row_under(stage2.splitlines(), "(2×1)ᵀ") == [0.3, 0.9]


def test_latex_prints_a_transpose_as_a_row() -> None:
    d1 = _gfg_hidden_deltas()
    scenario = load(SCENARIOS / "gfg_sigmoid.yaml")
    tex = export(step(scenario), "latex", view="matrix")
    symbols = next(line for line in tex.splitlines() if r"{\Delta}W^{1}} =" in line)
    numbers = tex.splitlines()[tex.splitlines().index(symbols) + 1]
    assert symbols.endswith(r"\underset{(2{\times}1)^{\mathsf{T}}}{({\delta}^{1})^{\mathsf{T}}} \]")
    last = numbers[numbers.rindex(r"\begin{bmatrix}"):]
    body = last[len(r"\begin{bmatrix}"):last.index(r"\end{bmatrix}")]
    assert r"\\" not in body  # one row
    np.testing.assert_allclose([float(c) for c in body.split("&")], d1[:, 0], rtol=1e-5)


@pytest.mark.parametrize("lesson", sorted(p.name for p in SCENARIOS.glob("*.yaml")
                                          if not p.name.endswith("-answers.yaml")))
def test_every_printed_matrix_has_the_shape_its_symbol_names(lesson: str) -> None:
    """(r×c)ᵀ is printed as c rows of r numbers; (r×c) as r rows of c, in every lesson's stages."""
    from bpstep.render.matrix import matrix_lines

    trace = step(load(SCENARIOS / lesson))
    stages = matrix_stages(trace)
    assert_labelled(stages, trace.network.units, trace.network.samples)
    for stage in stages:
        for eq in stage.equations:
            for op in eq.operands:
                if op.scalar:
                    continue
                r, c = (int(n) for n in op.shape.strip("()ᵀ").split("×"))
                want_rows, want_cols = (c, r) if op.shape.endswith("ᵀ") else (r, c)
                lines, _ = matrix_lines(op, 6, (), max_cols=99)
                if want_rows <= 8:
                    assert len(lines) == want_rows, (lesson, eq.symbols(), op.written)
                assert all(len(line.strip("[]⎡⎤⎢⎥⎣⎦").split()) == want_cols for line in lines
                           if "⋮" not in line), (lesson, eq.symbols(), op.written)


def assert_labelled(stages: tuple[MatrixStage, ...], units: list[list[str]], samples: int) -> None:
    """Each operand's rows and columns are named as one layer's units, as samples (``@2``), in
    order, or left blank for a single row or column; a scalar has blanks both ways."""
    layers = [tuple(layer) for layer in units]
    runs = [tuple(f"@{s}" for s in range(first, last + 1))
            for first in range(1, samples + 1) for last in range(first + 1, samples + 1)]
    for stage in stages:
        for eq in stage.equations:
            for op in eq.operands:
                assert (len(op.rows), len(op.cols)) == op.values.shape, (eq.symbols(), op.symbol)
                for labels in (op.rows, op.cols):
                    assert labels == ("",) or labels in layers or labels in runs, (
                        eq.symbols(), op.symbol, labels)
                if op.scalar or op.symbol in ("1", "e"):
                    assert op.cols == ("",) and (op.scalar or op.rows in runs), eq.symbols()
