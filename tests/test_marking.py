"""Marking a teacher can sign (bpstep.verify): what a written number stands for, the precision
floor, honest work carried after a mistake, and each misconception named. Every number here is
worked out by hand (math, written in the test), never read from bpstep."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bpstep.answers import parse
from bpstep.engine import step
from bpstep.scenario import check, load, parse_yaml
from bpstep.verify import (
    CARRIED,
    CORRECT,
    EARLY_CREDIT,
    NOT_ATTEMPTED,
    ROUNDED_EARLY,
    ROUNDING,
    TOO_COARSE,
    WRONG,
    Report,
    floor_for,
    verify,
)
from bpstep.written import DEFAULT_FLOOR, Floor, FloorKind

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
TANH = ROOT / "scenarios" / "tanh_mse.yaml"


def sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


# The GeeksforGeeks 2-2-1 step by hand: x = (0.35, 0.7), t = 0.5, η = 1, no biases.
Y_H1, Y_H2 = sigmoid(0.21), sigmoid(0.315)
A_O = 0.3 * Y_H1 + 0.9 * Y_H2
Y_O = sigmoid(A_O)
D_O = (0.5 - Y_O) * Y_O * (1 - Y_O)
D_H1 = Y_H1 * (1 - Y_H1) * 0.3 * D_O
LOSS = 0.5 * (0.5 - Y_O) ** 2


def mark(text: str, path: Path | str = GFG, floor: Floor | None = DEFAULT_FLOOR,
         tol: float | None = None) -> Report:
    scenario = load(path) if isinstance(path, Path) else _scenario(path)
    return verify(step(scenario), parse(text, "answers.yaml").answers, tol, floor)


def _scenario(text: str):  # type: ignore[no-untyped-def]
    data, lines = parse_yaml(text, "net.yaml")
    return check(data, "net.yaml", lines)


# --- too lenient no more: digits buy no wider target ---


@pytest.mark.parametrize(("name", "written", "true"), [
    ("delta[o]", "0.0", D_O), ("loss", "0.0", LOSS), ("delta[h1]", "0", D_H1),
    ("w[x1->h1]", "0.2", 0.2 + D_H1 * 0.35),  # the old weight copied: 0.199045 after the update
    ("y[o]", "0.7", Y_O),
])
def test_zeros_and_copied_values_are_never_accepted(name: str, written: str, true: float) -> None:
    # Each agrees with the true value only at fewer than 3 significant figures.
    assert abs(float(written) - true) <= 0.5 * 10 ** -len(written.partition(".")[2])
    v = mark(f'"{name}": {written}\n')[name]
    figures = len(written.replace(".", "").lstrip("0"))
    assert v.verdict == TOO_COARSE
    assert v.hint == (f"{written} has {figures} significant figure{'s' * (figures != 1)}; write at "
                      "least 3")
    assert not v.accepted and v.credit == 0


def test_a_copied_weight_written_to_four_figures_is_the_update_left_out() -> None:
    v = mark('"w[x1->h1]": 0.2000\n')["w[x1->h1]"]  # 0.2 is w0; the new weight is 0.199045
    assert (v.verdict, v.mistake, v.hint) == (WRONG, "update_left_out",
                                               "the old weight copied: Δw never added")


def test_exactly_the_value_needs_no_more_figures(tmp_path: Path) -> None:
    # x1 = 0: Δw from x1 is η·δ·0 = 0 exactly, so w(x1 → h1) stays 0.2; a[h1] = 0.5·0 + 0 = 0 and
    # y[h1] = σ(0) = 0.5 exactly.
    text = GFG.read_text(encoding="utf-8").replace("inputs: [0.35, 0.7]", "inputs: [0.0, 0.7]")
    text = text.replace("[[0.2, 0.3],\n     [0.2, 0.3]]", "[[0.2, 0.3],\n     [0.0, 0.3]]")
    report = mark('"a[h1]": 0\n"y[h1]": 0.5\n"dw[x1->h1]": 0\n"w[x1->h1]": 0.2\n', text)
    assert [report[n].verdict for n in ("a[h1]", "y[h1]", "dw[x1->h1]", "w[x1->h1]")] == [CORRECT] * 4


def test_the_floor_is_the_teacher_s_to_set() -> None:
    text = '"y[h1]": 0.55\n"y[h2]": 0.58\n"a[o]": 0.687\n'
    assert mark(text)["y[h1]"].verdict == TOO_COARSE
    two = Floor(FloorKind.DIGITS, 2)
    assert [mark(text, floor=two)[n].verdict for n in ("y[h1]", "y[h2]", "a[o]")] == [
        CORRECT, CORRECT, ROUNDING]  # 0.3·0.55 + 0.9·0.58 = 0.687, off the true 0.685987
    places = Floor(FloorKind.DECIMALS, 2)
    assert mark('"delta[h1]": -0.00\n', floor=places)["delta[h1]"].verdict == CORRECT
    assert mark('"delta[h1]": -0.0\n', floor=places)["delta[h1]"].verdict == TOO_COARSE
    assert mark('"y[h1]": 0.55\n', floor=None, tol=0.01)["y[h1]"].verdict == CORRECT


def test_where_the_floor_comes_from() -> None:
    scenario = load(GFG)
    assert floor_for(scenario) == DEFAULT_FLOOR == Floor(FloorKind.DIGITS, 3)
    assert floor_for(scenario, decimals=4) == Floor(FloorKind.DECIMALS, 4)
    assert floor_for(scenario, tol=0.01) is None  # --tol alone says what is accepted
    assert floor_for(scenario, digits=2, tol=0.01) == Floor(FloorKind.DIGITS, 2)
    marked = _scenario(GFG.read_text(encoding="utf-8") + "marking: {decimals: 2}\n")
    assert floor_for(marked) == Floor(FloorKind.DECIMALS, 2)
    assert floor_for(marked, digits=4) == Floor(FloorKind.DIGITS, 4)
    with pytest.raises(ValueError, match="not both"):
        floor_for(scenario, digits=3, decimals=2)


# --- too strict no more: honest work after a mistake is carried ---


def test_a_change_worked_from_the_student_s_own_delta_is_carried_not_one_digit_off() -> None:
    # δ[o] written with its sign flipped (+0.03677); with every digit in the calculator,
    # δ[h1] = 0.552308·0.447692·0.3·0.0367703 = 0.00272759 (written 0.002728) and
    # Δw(x1→h1) = 0.35·0.00272759 = 0.000954656 (written 0.0009547). From the digits written,
    # 0.35 × 0.002728 = 0.0009548; but 0.002728 stands for 0.0027275 to 0.0027285.
    d_h1 = Y_H1 * (1 - Y_H1) * 0.3 * -D_O
    assert (f"{d_h1:.4g}", f"{0.35 * d_h1:.4g}", f"{0.35 * 0.002728:.4g}") == (
        "0.002728", "0.0009547", "0.0009548")
    report = mark(f'"delta[o]": {-D_O:.4g}\n"delta[h1]": {d_h1:.4g}\n'
                  f'"dw[x1->h1]": {0.35 * d_h1:.4g}\n')
    assert report["delta[o]"].verdict == WRONG
    assert report["delta[h1]"].verdict == report["dw[x1->h1]"].verdict == CARRIED
    assert report["dw[x1->h1]"].carried_from == ("delta[h1]",)


NEAR_ZERO = """title: a sum that nearly cancels
learning_rate: 0.5
layers:
  - units: [x1, x2]
  - units: [h1, h2]
    activation: sigmoid
  - units: [o]
    activation: identity
weights:
  - [[0.31, 0.3], [0.2, 0.21]]
  - [[0.7], [-0.7]]
inputs: [0.5, 0.8]
targets: [0.0]
"""


def test_a_sum_that_nearly_cancels_is_judged_over_the_written_intervals() -> None:
    # By hand: the hidden outputs are nearly equal and the output weights opposite, so
    # a[o] = 0.7·y[h1] − 0.7·y[h2] is a small difference of two numbers near 0.4. The student
    # adds Δw(h1→o) the wrong way, keeps every digit in the calculator and writes four figures.
    y1, y2 = sigmoid(0.31 * 0.5 + 0.2 * 0.8), sigmoid(0.3 * 0.5 + 0.21 * 0.8)
    a_o = 0.7 * y1 - 0.7 * y2
    d_o = 0.0 - a_o
    d = [y * (1 - y) * w * d_o for y, w in ((y1, 0.7), (y2, -0.7))]
    w_o = [0.7 - 0.5 * d_o * y1, -0.7 + 0.5 * d_o * y2]  # the first subtracted: the mistake
    w_h = [[0.31 + 0.5 * d[0] * 0.5, 0.3 + 0.5 * d[1] * 0.5],
           [0.2 + 0.5 * d[0] * 0.8, 0.21 + 0.5 * d[1] * 0.8]]
    y1a = sigmoid(w_h[0][0] * 0.5 + w_h[1][0] * 0.8)
    y2a = sigmoid(w_h[0][1] * 0.5 + w_h[1][1] * 0.8)
    a_after = w_o[0] * y1a + w_o[1] * y2a
    four = {"w[h1->o]": w_o[0], "w[h2->o]": w_o[1], "y_after[h1]": y1a, "y_after[h2]": y2a,
            "a_after[o]": a_after}
    # Recomputed from the digits written, a_after[o] is many last-digit units off the student's.
    written = {n: float(f"{v:.4g}") for n, v in four.items()}
    again = written["w[h1->o]"] * written["y_after[h1]"] + written["w[h2->o]"] * written["y_after[h2]"]
    unit = 10 ** (math.floor(math.log10(abs(a_after))) - 3)
    assert abs(again - written["a_after[o]"]) > 5 * unit
    report = mark("".join(f'"{n}": {v:.4g}\n' for n, v in four.items()), NEAR_ZERO)
    assert [report[n].verdict for n in four] == [WRONG, CORRECT, CORRECT, CORRECT, CARRIED]
    assert report["w[h1->o]"].mistake == "wrong_sign_update"
    assert report["a_after[o]"].carried_from == ("w[h1->o]",)


SOFTMAX_322 = """title: 3-2-2 softmax with cross-entropy
learning_rate: 0.5
loss: cross_entropy
layers:
  - units: [x1, x2, x3]
  - units: [h1, h2]
    activation: sigmoid
  - units: [o1, o2]
    activation: softmax
weights:
  - [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
  - [[0.7, 0.2], [0.1, 0.9]]
inputs: [1.0, 0.5, 0.2]
targets: [1, 0]
"""


def test_softmax_outputs_worked_from_a_wrong_net_input_are_carried() -> None:
    # As in a published 3-2-2 example: a[o2] written wrong at three decimals, then y and the
    # loss worked from the written a[o1], a[o2] with every digit kept.
    h = [sigmoid(0.1 * 1 + 0.3 * 0.5 + 0.5 * 0.2), sigmoid(0.2 * 1 + 0.4 * 0.5 + 0.6 * 0.2)]
    a1 = 0.7 * h[0] + 0.1 * h[1]
    a2_wrong = 0.185  # the true 0.2·h1 + 0.9·h2 is about 0.62
    e1, e2 = math.exp(round(a1, 3)), math.exp(a2_wrong)
    y1, y2 = e1 / (e1 + e2), e2 / (e1 + e2)
    text = (f'"a[o1]": {a1:.3f}\n"a[o2]": {a2_wrong}\n"y[o1]": {y1:.3f}\n"y[o2]": {y2:.3f}\n'
            f'"loss": {-math.log(y1):.3f}\n')
    report = mark(text, SOFTMAX_322, floor=Floor(FloorKind.DECIMALS, 3))
    assert report["a[o1]"].verdict == CORRECT and report["a[o2]"].verdict == WRONG
    assert [report[n].verdict for n in ("y[o1]", "y[o2]", "loss")] == [CARRIED] * 3


def test_a_carried_value_that_rounds_like_the_truth_keeps_the_student_s_chain() -> None:
    # y[h2] wrong (0.5900); a[o] written 0.686 happens to match the truth (0.685987) at three
    # decimals; y[o] worked from the student's own a[o] = 0.686 is σ(0.686) = 0.66508, right too.
    report = mark(f'"y[h2]": 0.5900\n"a[o]": 0.686\n"y[o]": {sigmoid(0.686):.5f}\n')
    assert report["a[o]"].verdict == CORRECT
    assert report["y[o]"].accepted


# --- the worksheet as a whole ---


def test_a_blank_worksheet_is_nothing_attempted_and_fails() -> None:
    report = mark("a[h1]: null\n")
    assert not report.attempted and not report.passed and not report.has_mistakes
    assert report.summary() == "nothing attempted: all 29 values are blank"
    assert report.counts[NOT_ATTEMPTED] == 29


def test_partial_credit_counts_half_for_rounding_too_early() -> None:
    # a[o] from y[h1] taken as 0.55 while written 0.5523: 0.3·0.55 + 0.9·0.578105 = 0.685295,
    # not the true 0.685987 and not what 0.5523 (0.55225 to 0.55235) allows.
    a_o = 0.3 * 0.55 + 0.9 * Y_H2
    report = mark(f'"y[h1]": 0.5523\n"y[h2]": 0.578105\n"a[o]": {a_o:.6f}\n')
    v = report["a[o]"]
    assert (v.verdict, v.credit, EARLY_CREDIT) == (ROUNDED_EARLY, 50, 50)
    assert v.hint == "y[h1] = 0.5523 taken as 0.55; keep every digit until the answer"
    assert report.points == 2.5


# --- the misconceptions, each named ---


def tanh_step() -> dict[str, float]:
    """tanh_mse.yaml by hand: tanh 2-2-2, biases 0.35 and 0.6, x = (0.05, 0.1), t = (0.01, 0.99)."""
    x, t = (0.05, 0.1), (0.01, 0.99)
    w1, w2 = ((0.15, 0.25), (0.20, 0.30)), ((0.40, 0.50), (0.45, 0.55))
    a_h = [w1[0][j] * x[0] + w1[1][j] * x[1] + 0.35 for j in range(2)]
    y_h = [math.tanh(a) for a in a_h]
    a_o = [w2[0][k] * y_h[0] + w2[1][k] * y_h[1] + 0.6 for k in range(2)]
    y_o = [math.tanh(a) for a in a_o]
    d_o = [2 * (t[k] - y_o[k]) / 2 * (1 - y_o[k] ** 2) for k in range(2)]
    return {"a[h1]": a_h[0], "y[h1]": y_h[0], "y[h2]": y_h[1], "a[o1]": a_o[0], "y[o1]": y_o[0],
            "y[o2]": y_o[1], "delta[o1]": d_o[0], "delta[o2]": d_o[1],
            "back[h1]": w2[0][0] * d_o[0] + w2[0][1] * d_o[1],
            "back[h2]": w2[1][0] * d_o[0] + w2[1][1] * d_o[1],
            "sse": (t[0] - y_o[0]) ** 2 + (t[1] - y_o[1]) ** 2}


@pytest.mark.parametrize(("name", "value", "key", "hint"), [
    ("a[h1]", lambda s: s["a[h1]"] - 0.35, "bias_left_out",
     "bias left out of the net input a[h1]"),
    ("y[h1]", lambda s: sigmoid(s["a[h1]"]), "activation_swapped",
     "sigmoid used for the tanh unit h1"),
    ("delta[h1]", lambda s: s["y[h1]"] * (1 - s["y[h1]"]) * s["back[h1]"], "slope_swapped",
     "sigmoid's derivative y · (1 − y) used for tanh's (1 − y²) (unit h1)"),
    ("delta[h1]", lambda s: (1 - s["y[h1]"]) * s["back[h1]"], "slope_swapped",
     "1 − y used for tanh's (1 − y²): the square left out (unit h1)"),
    ("delta[h1]", lambda s: (1 - s["y[h1]"] ** 2) * s["back[h2]"], "other_units_weights",
     "delta[h1] summed through h2's weights (w0[h2->o1] for w0[h1->o1])"),
    ("loss", lambda s: s["sse"], "mean_left_out", "the 1/n of the mean left out"),
    ("delta[o1]", lambda s: 2 * s["delta[o1]"], "mean_left_out", "the 1/n of the mean left out"),
])
def test_each_misconception_of_a_tanh_network_is_named(name: str, value, key: str,  # type: ignore[no-untyped-def]
                                                        hint: str) -> None:
    wrong = value(tanh_step())
    v = mark(f'"{name}": {wrong:.6g}\n', TANH)[name]
    assert (v.verdict, v.mistake, v.hint) == (WRONG, key, hint)


def test_the_half_of_half_sse_left_out_is_named() -> None:
    # E = (0.5 − 0.665074)² = 0.0272493 instead of ½ of it; δ[o] = 2·(t − y)·y·(1 − y).
    v = mark(f'"loss": {(0.5 - Y_O) ** 2:.6g}\n')["loss"]
    assert (v.verdict, v.mistake, v.hint) == (WRONG, "half_left_out", "the ½ of ½·Σ(t − y)² left out")
    v = mark(f'"delta[o]": {2 * D_O:.6g}\n')["delta[o]"]
    assert (v.mistake, v.hint) == ("half_left_out", "the ½ of ½·Σ(t − y)² left out, so ∂E/∂y kept "
                                   "the 2 of (t − y)²")


def test_weights_read_transposed_are_named() -> None:
    # a[h1] with w(x2 → h1) read from the other corner, w(x1 → h2) = 0.3: 0.2·0.35 + 0.3·0.7 = 0.28.
    v = mark('"a[h1]": 0.280\n')["a[h1]"]
    assert (v.verdict, v.mistake, v.hint) == (WRONG, "transposed", "weights read transposed: "
                                              "w0[x1->h2] used for w0[x2->h1]")
    # Through a[h1] not written: y[h1] = σ(0.28) = 0.569546.
    v = mark(f'"y[h1]": {sigmoid(0.28):.6f}\n')["y[h1]"]
    assert (v.mistake, v.hint) == ("transposed", "weights read transposed: w0[x1->h2] used for "
                                   "w0[x2->h1], in a[h1] (not written)")


def test_a_mistake_in_a_value_not_written_is_marked_once() -> None:
    # δ[h1] summed through h2's weight (0.9 for 0.3) and not written: both Δw of h1 show it.
    # The first is marked; the second, worked from the same δ[h1], is carried.
    d_h1 = Y_H1 * (1 - Y_H1) * 0.9 * D_O
    report = mark(f'"dw[x1->h1]": {0.35 * d_h1:.6g}\n"dw[x2->h1]": {0.7 * d_h1:.6g}\n')
    first, second = report["dw[x1->h1]"], report["dw[x2->h1]"]
    assert (first.verdict, first.mistake) == (WRONG, "other_units_weights")
    assert first.hint == ("delta[h1] summed through h2's weights (w0[h2->o] for w0[h1->o]) (not "
                          "written)")
    assert (second.verdict, second.carried_from) == (CARRIED, ("dw[x1->h1]",))
    assert second.hint == ("consistent with your dw[x1->h1] = "
                           f"{0.35 * d_h1:.6g} and the delta[h1] it shows")
