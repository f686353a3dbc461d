"""Marking hand calculations (bpstep.verify, bpstep.answers): every verdict, every hint, follow-through.

True values come from a plain-math computation of the 2-2-1 example written out below (not from
the engine); each deliberate mistake is computed by hand in the test that makes it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstep.answers import AnswersError, check_names, parse, worksheet
from bpstep.engine import step
from bpstep.scenario import check, load, parse_yaml
from bpstep.verify import (
    CARRIED,
    CORRECT,
    NOT_ATTEMPTED,
    ROUNDED_EARLY,
    ROUNDING,
    WRONG,
    Report,
    truth_marker,
    verify,
)
from bpstep.written import Floor, FloorKind, read_number

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"


def sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


# The GeeksforGeeks 2-2-1 step by hand: x = (0.35, 0.7), t = 0.5, lr = 1, delta rule.
X1, X2, T = 0.35, 0.7, 0.5
A_H1, A_H2 = 0.2 * X1 + 0.2 * X2, 0.3 * X1 + 0.3 * X2
Y_H1, Y_H2 = sigmoid(A_H1), sigmoid(A_H2)
A_O = 0.3 * Y_H1 + 0.9 * Y_H2
Y_O = sigmoid(A_O)
D_O = (T - Y_O) * Y_O * (1 - Y_O)
D_H1 = Y_H1 * (1 - Y_H1) * 0.3 * D_O
D_H2 = Y_H2 * (1 - Y_H2) * 0.9 * D_O
DW_H1_O = D_O * Y_H1
DW_X1_H1 = D_H1 * X1


def mark(text: str, path: Path = GFG, tol: float | None = None, floor: Floor | None = None
         ) -> Report:
    """The sheet marked; with no precision floor unless a test asks for one (the tests of the
    floor itself are below), so the digits' own claim is what these tests judge."""
    scenario = load(path)
    trace = step(scenario)
    sheet = parse(text, "answers.yaml")
    problems = check_names(sheet, {q.name for q in trace}, trace.given)
    if problems:
        raise problems[0]
    return verify(trace, sheet.answers, tol, floor)


def scenario_variant(old: str, new: str, tmp_path: Path) -> Path:
    text = GFG.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_the_hand_computation_matches_the_published_values() -> None:
    published = (0.552308, 0.665074, -0.0367703, -0.00272759, -0.00807143)
    for mine, printed in zip((Y_H1, Y_O, D_O, D_H1, D_H2), published, strict=True):
        assert abs(mine - printed) < 1e-6


# --- tolerance from the digits written ---


@pytest.mark.parametrize(("text", "tolerance"), [
    ("0.56", 0.005), ("-0.0376", 0.00005), ("0.50", 0.005), ("4.0", 0.05), ("4", 0.5),
    ("120", 5.0), ("120.", 0.5), ("9.45e-4", 0.000005 / 10), (".5", 0.05), ("1e-3", 0.0005), ("1.2e3", 50),
])
def test_tolerance_is_half_a_unit_of_the_last_digit(text: str, tolerance: float) -> None:
    written = read_number(text)
    assert written is not None
    assert written.half_unit == pytest.approx(tolerance, rel=1e-12)


def test_two_decimals_are_judged_to_half_a_hundredth() -> None:
    # y[h1] = 0.552308: 0.55 and 0.552 are right at their precision; 0.56 and 0.553 are not.
    report = mark('"y[h1]": 0.55\n"y[h2]": 0.578\n"y[o]": 0.6651\n')
    assert [v.verdict for v in report if v.given is not None] == [CORRECT, CORRECT, CORRECT]
    report = mark('"y[h1]": 0.56\n"y[h2]": 0.579\n')
    assert not report["y[h1]"].accepted  # |0.56 − 0.552308| = 0.0077 > 0.005
    assert not report["y[h2]"].accepted  # |0.579 − 0.578105| = 0.0009 > 0.0005
    # Both are what rounding too early gives: 1 / (1 + e^(−0.21)) with 1 + e^(−0.21) = 1.81058
    # taken as 1.8 is 0.5556, which is 0.56; σ(0.32) for σ(0.315) is 0.5793, which is 0.579.
    assert f"{1 / 1.8:.2f}" == "0.56" and f"{sigmoid(0.32):.3f}" == "0.579"
    assert report["y[h1]"].verdict == report["y[h2]"].verdict == ROUNDED_EARLY
    assert report["y[h1]"].hint == ("1 + e^(−a[h1]) = 1.81058 taken as 1.8; keep every digit until "
                                    "the answer")
    assert report["y[h2]"].hint == "a[h2] = 0.315 taken as 0.32; keep every digit until the answer"


def test_trailing_zeros_claim_more_precision() -> None:
    # 0.5500 claims ±0.00005, and y[h1] = 0.552308 is 0.0023 away.
    assert mark('"y[h1]": 0.5500\n')["y[h1]"].verdict == WRONG


def test_tol_overrides_the_digits() -> None:
    assert mark('"y[h1]": 0.56\n', tol=0.01)["y[h1]"].verdict == CORRECT
    assert mark('"y[h1]": 0.552308\n', tol=0.0)["y[h1]"].verdict == WRONG  # true 0.5523079...


# --- rounding drift and error carried forward ---


def test_a_chain_rounded_on_paper_is_rounding_not_a_mistake() -> None:
    # y[h1] = 0.55 and y[h2] = 0.58 are right to 2 decimals; from them a[o] = 0.3·0.55 + 0.9·0.58
    # = 0.165 + 0.522 = 0.687, which is 0.001 off the true 0.685987: more than ±0.0005.
    report = mark('"y[h1]": 0.55\n"y[h2]": 0.58\n"a[o]": 0.687\n')
    assert abs(0.687 - A_O) > 0.0005
    assert report["a[o]"].verdict == ROUNDING
    assert report["a[o]"].hint == "from your rounded y[h1] = 0.55, y[h2] = 0.58"
    assert not report.has_mistakes


def test_a_wrong_value_carried_through_a_chain_is_marked_once() -> None:
    # Mistake: y[h2] written as 0.68. Then everything after it is worked from 0.68, by hand:
    a_o = 0.3 * Y_H1 + 0.9 * 0.68  # 0.777692...
    y_o = sigmoid(round(a_o, 4))  # from the written 0.7777
    d_o = (T - round(y_o, 4)) * round(y_o, 4) * (1 - round(y_o, 4))
    text = (f'"y[h2]": 0.68\n"a[o]": {a_o:.4f}\n"y[o]": {y_o:.4f}\n"delta[o]": {d_o:.5f}\n')
    assert f"{a_o:.4f}" == "0.7777"
    report = mark(text)
    assert report["y[h2]"].verdict == WRONG
    assert [report[n].verdict for n in ("a[o]", "y[o]", "delta[o]")] == [CARRIED] * 3
    assert report["a[o]"].carried_from == ("y[h2]",)
    assert report["a[o]"].hint == "consistent with your y[h2] = 0.68"
    assert report["y[o]"].carried_from == ("a[o]",)
    assert report["delta[o]"].carried_from == ("y[o]",)
    assert report.counts[WRONG] == 1


def test_carrying_works_through_values_not_written_down() -> None:
    # a[o] is skipped; y[o] = sigmoid(0.3·y[h1] + 0.9·0.68) still follows from the wrong y[h2].
    y_o = sigmoid(0.3 * Y_H1 + 0.9 * 0.68)
    report = mark(f'"y[h2]": 0.68\n"y[o]": {y_o:.5f}\n')
    assert report["a[o]"].verdict == NOT_ATTEMPTED
    assert report["y[o]"].verdict == CARRIED
    assert report["y[o]"].carried_from == ("y[h2]",)


def test_a_right_value_after_a_wrong_one_is_still_correct() -> None:
    report = mark(f'"y[h2]": 0.68\n"a[o]": {A_O:.4f}\n')
    assert report["a[o]"].verdict == CORRECT


# --- hints: each mistake made on purpose ---


def hint_of(text: str, name: str, path: Path = GFG) -> tuple[str, str | None, str | None]:
    v = mark(text, path)[name]
    return v.verdict, v.mistake, v.hint


def test_sign_flipped() -> None:
    # Δw(x1→h1) = δ[h1]·x1 = −0.000954656; written positive.
    assert f"{-DW_X1_H1:.9f}" == "0.000954656"
    assert hint_of('"dw[x1->h1]": 0.000954656\n', "dw[x1->h1]") == (WRONG, "sign_flipped",
                                                                      "sign flipped")


def test_power_of_ten() -> None:
    # δ[h2] = −0.00807143 written as −0.0807 (ten times too big).
    verdict, mistake, hint = hint_of('"delta[h2]": -0.0807\n', "delta[h2]")
    assert (verdict, mistake, hint) == (WRONG, "power_of_ten", "off by a power of ten (×10)")


def test_power_of_ten_in_an_operand() -> None:
    # w[h1->o] = 0.3 + Δw with Δw taken ten times too big: 0.3 + 10·(−0.0203085) = 0.096915.
    value = 0.3 + 10 * DW_H1_O
    verdict, mistake, hint = hint_of(f'"w[h1->o]": {value:.6f}\n', "w[h1->o]")
    assert (verdict, mistake) == (WRONG, "power_of_ten")
    assert hint == "off by a power of ten: dw[h1->o] taken ×10 (not written)"


def test_target_and_output_swapped_in_the_error() -> None:
    # δ[o] with (y − t) instead of (t − y): +0.0367703.
    swapped = (Y_O - T) * Y_O * (1 - Y_O)
    verdict, mistake, hint = hint_of(f'"delta[o]": {swapped:.6f}\n', "delta[o]")
    assert (verdict, mistake) == (WRONG, "swapped_error")
    assert hint is not None and "y − t" in hint and "t − y belongs" in hint


def test_target_and_output_swapped_under_the_gradient_convention(tmp_path: Path) -> None:
    # With δ = +∂E/∂a the output δ is (y − t)·y(1 − y) = +0.0367703; (t − y) gives −0.0367703.
    path = scenario_variant("convention: delta_rule", "convention: gradient", tmp_path)
    verdict, mistake, hint = hint_of(f'"delta[o]": {D_O:.6f}\n', "delta[o]", path)
    assert (verdict, mistake) == (WRONG, "swapped_error")
    assert hint is not None and "t − y (target − output) used where y − t belongs" in hint


def test_activation_derivative_missing_at_the_output() -> None:
    # δ[o] = t − y without y(1 − y): 0.5 − 0.665074 = −0.165074.
    verdict, mistake, hint = hint_of(f'"delta[o]": {T - Y_O:.5f}\n', "delta[o]")
    assert (verdict, mistake) == (WRONG, "derivative_missing")
    assert hint == "activation derivative f′(a) = y · (1 − y) of sigmoid left out"


def test_activation_derivative_missing_in_a_hidden_unit() -> None:
    # δ[h1] = w(h1→o)·δ[o] without y(1 − y): 0.3 × −0.0367703 = −0.0110311.
    verdict, mistake, _ = hint_of(f'"delta[h1]": {0.3 * D_O:.6f}\n', "delta[h1]")
    assert (verdict, mistake) == (WRONG, "derivative_missing")


def test_updated_weight_used_where_the_old_one_belongs() -> None:
    # δ[h1] with the new w(h1→o) = 0.3 + Δw = 0.279691 instead of 0.3.
    new_w = 0.3 + DW_H1_O
    value = Y_H1 * (1 - Y_H1) * new_w * D_O
    verdict, mistake, hint = hint_of(f'"delta[h1]": {value:.8f}\n', "delta[h1]")
    assert (verdict, mistake) == (WRONG, "new_for_old")
    assert hint == ("updated weight used where the old one belongs (every δ and Δw of a step uses "
                    "the weights from before the update)")


def test_learning_rate_left_out(tmp_path: Path) -> None:
    # With η = 0.5, Δw(h1→o) = 0.5·δ[o]·y[h1] = −0.0101543; without η: −0.0203085.
    path = scenario_variant("learning_rate: 1.0", "learning_rate: 0.5", tmp_path)
    verdict, mistake, hint = hint_of(f'"dw[h1->o]": {DW_H1_O:.7f}\n', "dw[h1->o]", path)
    assert (verdict, mistake, hint) == (WRONG, "lr_left_out", "learning rate left out (as if η = 1)")


def test_learning_rate_left_out_inside_the_new_weight(tmp_path: Path) -> None:
    # New w(h1→o) = 0.3 + δ[o]·y[h1] (no η = 0.5) = 0.279691; Δw itself is not written down.
    path = scenario_variant("learning_rate: 1.0", "learning_rate: 0.5", tmp_path)
    verdict, mistake, _ = hint_of(f'"w[h1->o]": {0.3 + DW_H1_O:.6f}\n', "w[h1->o]", path)
    assert (verdict, mistake) == (WRONG, "lr_left_out")


def test_net_input_used_where_the_output_belongs() -> None:
    # Δw(h1→o) = δ[o]·a[h1] = −0.0367703 × 0.21 = −0.00772176 instead of δ[o]·y[h1].
    verdict, mistake, hint = hint_of(f'"dw[h1->o]": {D_O * A_H1:.8f}\n', "dw[h1->o]")
    assert (verdict, mistake) == (WRONG, "a_for_y")
    assert hint == "net input a used where the output y = f(a) belongs"


def test_weight_change_added_with_the_wrong_sign() -> None:
    # w(h1→o) = 0.3 − Δw = 0.3 + 0.0203085 = 0.320309: moves the weight uphill.
    verdict, mistake, hint = hint_of(f'"w[h1->o]": {0.3 - DW_H1_O:.6f}\n', "w[h1->o]")
    assert (verdict, mistake) == (WRONG, "wrong_sign_update")
    assert hint is not None and hint.startswith("sign convention: Δw subtracted")


def test_arithmetic_slip_in_the_last_operation() -> None:
    # w(x1→h1) = 0.2 − 0.000954656 = 0.199045; written with two digits swapped: 0.199054.
    assert f"{0.2 + DW_X1_H1:.6f}" == "0.199045"
    verdict, mistake, _ = hint_of('"w[x1->h1]": 0.199054\n', "w[x1->h1]")
    assert (verdict, mistake) == (WRONG, "swapped_digits")
    verdict, mistake, _ = hint_of('"w[x1->h1]": 0.199945\n', "w[x1->h1]")
    assert (verdict, mistake) == (WRONG, "slip")


def test_no_hint_when_no_known_mistake_explains_the_number() -> None:
    v = mark('"a[o]": 0.9\n')["a[o]"]
    assert (v.verdict, v.mistake, v.hint) == (WRONG, None, None)


def test_two_digit_numbers_are_not_called_slips() -> None:
    # y[h1] written 0.56 where 0.55 is right: one digit, but too few digits to call it a slip
    # (it is what rounding 1 + e^(−a) to 1.8 gives).
    assert mark('"y[h1]": 0.56\n')["y[h1]"].mistake == "early"


# --- the whole report ---


def test_summary_line_counts_every_verdict() -> None:
    report = mark('"a[h1]": 0.21\n"y[h1]": 0.55\n"y[h2]": 0.58\n"a[o]": 0.687\n"a[h2]": 0.4\n'
                  '"y[o]": null\n')
    assert report.summary() == "3 correct, 1 within rounding, 1 wrong, 24 not attempted"
    assert len(report.verdicts) == 29


def test_summary_names_carried_answers_when_there_are_some() -> None:
    report = mark('"y[h2]": 0.68\n"a[o]": 0.7777\n')
    assert report.summary() == "0 correct, 0 within rounding, 1 carried forward, 1 wrong, " \
        "27 not attempted"


def test_verdicts_are_in_stage_order() -> None:
    report = mark('"w[x1->h1]": 0.2\n"a[h1]": 0.21\n')
    names = [v.name for v in report]
    assert names.index("a[h1]") < names.index("delta[o]") < names.index("w[x1->h1]")


# --- answers files ---


def test_names_may_be_quoted_or_not_and_spaced() -> None:
    sheet = parse('a[h1]: 0.21\n"w[x1 -> h1]": 0.199\n', "a.yaml")
    assert set(sheet.answers) == {"a[h1]", "w[x1->h1]"}


def test_a_typeset_minus_is_read_as_minus() -> None:
    assert parse('"delta[o]": "−0.0368"\n', "a.yaml").answers["delta[o]"].value == -0.0368


def test_numbers_keep_the_text_they_were_written_with() -> None:
    answers = parse('"y[h1]": 0.550\n"dw[h1->o]": -2.03e-2\n', "a.yaml").answers
    assert (answers["y[h1]"].text, answers["dw[h1->o]"].text) == ("0.550", "-2.03e-2")
    assert answers["y[h1]"].tolerance == pytest.approx(0.0005)


@pytest.mark.parametrize(("text", "message"), [
    ('"a[h1]": abc\n', "a.yaml:1: a[h1]: expected a number (like -0.0376 or 9.45e-4) or null, "
                       "got 'abc'"),
    ('"a[h1]": true\n', "a.yaml:1: a[h1]: expected a number (like -0.0376 or 9.45e-4) or null, "
                        "got true/false"),
    ('"a[h1]": [1, 2]\n', "a.yaml:1: a[h1]: expected a number (like -0.0376 or 9.45e-4) or null, "
                          "got a list"),
    ('"a[h1]": .nan\n', "a.yaml:1: a[h1]: expected a number (like -0.0376 or 9.45e-4) or null, "
                        "got '.nan'"),
    ('"a[h1]": 0.55.23\n', "a.yaml:1: a[h1]: expected a number (like -0.0376 or 9.45e-4) or null, "
                           "got '0.55.23'"),
])
def test_a_value_that_is_no_number_is_said_and_the_rest_is_kept(text: str, message: str) -> None:
    sheet = parse(text + '"a[h2]": 0.315\n', "a.yaml")
    assert [str(p) for p in sheet.problems] == [message]
    assert list(sheet.answers) == ["a[h2]"]


@pytest.mark.parametrize(("text", "message"), [
    ('- 1\n- 2\n', "expected a mapping of quantity names to numbers"),
    ('# nothing\n', "is empty"),
    ('"a[h1]": 1\n"a[h1]": 2\n', "duplicate key 'a[h1]'"),
    ('"a[h1]": 1\n"a[ h1 ]": 2\n', "'a[h1]' is already answered at line 1"),
    ('scenario: 3\n', "expected the path of a scenario file"),
])
def test_bad_answer_files_say_where_and_what(text: str, message: str) -> None:
    with pytest.raises(AnswersError) as err:
        parse(text, "a.yaml")
    assert message in str(err.value)


def test_unknown_names_suggest_the_closest() -> None:
    with pytest.raises(AnswersError) as err:
        mark('"a[h1]": 0.21\n"delta[h3]": 0.1\n')
    assert str(err.value) == ("answers.yaml:2: delta[h3]: unknown quantity 'delta[h3]' "
                              "(did you mean 'delta[h2]' or 'delta[h1]' or 'delta[o]'?)")


def test_given_values_are_not_answers() -> None:
    with pytest.raises(AnswersError, match="'w0\\[x1->h1\\]' is an initial weight of the scenario"):
        mark('"w0[x1->h1]": 0.2\n')


def test_the_scenario_path_is_relative_to_the_answers_file(tmp_path: Path) -> None:
    sheet = parse("scenario: ../nets/gfg.yaml\n", "a.yaml", tmp_path / "work")
    assert sheet.scenario == tmp_path / "work" / ".." / "nets" / "gfg.yaml"


def test_the_worksheet_loads_back_with_every_name_unanswered() -> None:
    scenario = load(GFG)
    trace = step(scenario)
    text = worksheet(trace, scenario.marking, "gfg_sigmoid.yaml")
    sheet = parse(text, "sheet.yaml")
    check_names(sheet, {q.name for q in trace}, trace.given)
    assert list(sheet.lines) == [q.name for q in trace]
    assert sheet.answers == {}
    assert sheet.scenario == Path("gfg_sigmoid.yaml")
    assert '"y[h1]": null  # output of h1: sigmoid(a[h1])' in text
    assert '"delta[h1]": null  # δ of h1 (hidden unit): y[h1] · (1 − y[h1]) · (w0[h1->o]·delta[o])' \
        in text


def test_the_worksheet_quotes_unusual_unit_names() -> None:
    text = GFG.read_text(encoding="utf-8").replace("[h1, h2]", "['h#1', 'h:2']")
    scenario = check(*parse_yaml(text, "odd.yaml")[:1], "odd.yaml")
    trace = step(scenario)
    sheet = parse(worksheet(trace, scenario.marking, None), "sheet.yaml")
    assert list(sheet.lines) == [q.name for q in trace]
    assert "a[h#1]" in sheet.lines and "y[h:2]" in sheet.lines


# --- every shipped scenario ---

SHIPPED = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if "answers" not in p.name)


def test_the_published_correct_values_are_marked_correct_to_the_digits_they_have() -> None:
    # The GfG example's correct values as published (6 significant digits, see shared/seeds),
    # written here, not taken from bpstep: each is correct within half a unit of its last digit,
    # and one unit more in the last digit is not.
    published = {
        "a[h1]": "0.21", "a[h2]": "0.315", "y[h1]": "0.552308", "y[h2]": "0.578105",
        "a[o]": "0.685987", "y[o]": "0.665074", "delta[o]": "-0.0367703", "delta[h1]": "-0.00272759",
        "delta[h2]": "-0.00807143", "dw[h1->o]": "-0.0203085", "dw[h2->o]": "-0.0212571",
        "w[h2->o]": "0.878743", "dw[x1->h1]": "-0.000954656", "w[x1->h1]": "0.199045",
        "y_after[o]": "0.659554",
    }
    scenario = load(GFG)
    trace = step(scenario)
    report = verify(trace, parse("\n".join(f'"{n}": {v}' for n, v in published.items()),
                                           "published.yaml").answers)
    assert [report[n].verdict for n in published] == [CORRECT] * len(published)
    off = {n: v[:-1] + str((int(v[-1]) + 2) % 10) for n, v in published.items() if "." in v[:-1]}
    report = verify(trace, parse("\n".join(f'"{n}": {v}' for n, v in off.items()),
                                           "off.yaml").answers)
    assert all(report[n].verdict != CORRECT for n in off), [n for n in off if report[n].verdict == CORRECT]


@pytest.mark.parametrize("digits", [2, 3, 5])
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_working_on_paper_with_rounded_numbers_is_never_wrong(path: Path, digits: int) -> None:
    # Each value worked out from the earlier *written* (rounded) values, then rounded itself.
    scenario = load(path)
    trace = step(scenario)
    written: dict[str, float] = dict(trace.given)
    lines = []
    for q in trace:
        text = f"{q.evaluate(written):#.{digits}g}"
        written[q.name] = float(text)
        lines.append(f'"{q.name}": {text}')
    report = verify(trace, parse("\n".join(lines), "paper.yaml").answers, None,
                    Floor(FloorKind.DIGITS, digits))
    assert {v.verdict for v in report} <= {CORRECT, ROUNDING}


# --- the hints hold for other numbers too ---


@settings(max_examples=25, deadline=None)
@given(x1=st.floats(0.1, 1.0), x2=st.floats(0.1, 1.0), t=st.floats(0.05, 0.95))
def test_mistakes_are_recognised_for_other_inputs(x1: float, x2: float, t: float) -> None:
    text = GFG.read_text(encoding="utf-8").replace("inputs: [0.35, 0.7]", f"inputs: [{x1!r}, {x2!r}]")
    text = text.replace("targets: [0.5]", f"targets: [{t!r}]")
    scenario = check(parse_yaml(text, "h.yaml")[0], "h.yaml")
    trace = step(scenario)
    # By hand: the forward pass, δ[o] and δ[h1] of the 2-2-1 network with its weights.
    y_h1, y_h2 = sigmoid(0.2 * x1 + 0.2 * x2), sigmoid(0.3 * x1 + 0.3 * x2)
    y_o = sigmoid(0.3 * y_h1 + 0.9 * y_h2)
    d_o = (t - y_o) * y_o * (1 - y_o)
    d_h1 = y_h1 * (1 - y_h1) * 0.3 * d_o
    answers = parse(f'"delta[o]": {t - y_o:.6g}\n"dw[x1->h1]": {-d_h1 * x1:.6g}\n'
                    f'"delta[h1]": {10 * d_h1:.6g}\n', "h.yaml").answers
    report = verify(trace, answers)
    assert report["delta[o]"].mistake == "derivative_missing"
    assert report["dw[x1->h1]"].mistake == "sign_flipped"
    assert report["delta[h1]"].mistake == "power_of_ten"


# --- mistakes made in an intermediate the student did not write ---

MAZUR = ROOT / "scenarios" / "two_outputs_fixed_biases.yaml"
SOFTMAX = ROOT / "scenarios" / "softmax_cross_entropy.yaml"


def test_updated_output_weights_in_an_unwritten_hidden_delta_are_found() -> None:
    # Matt Mazur's 2-2-2 step by hand: i = (0.05, 0.10), t = (0.01, 0.99), η = 0.5, biases 0.35/0.60.
    y_h1 = sigmoid(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    y_h2 = sigmoid(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    y_o1 = sigmoid(0.40 * y_h1 + 0.45 * y_h2 + 0.60)
    y_o2 = sigmoid(0.50 * y_h1 + 0.55 * y_h2 + 0.60)
    d_o1 = (0.01 - y_o1) * y_o1 * (1 - y_o1)
    d_o2 = (0.99 - y_o2) * y_o2 * (1 - y_o2)
    w5_new, w7_new = 0.40 + 0.5 * d_o1 * y_h1, 0.50 + 0.5 * d_o2 * y_h1  # h1→o1, h1→o2
    assert (round(w5_new, 8), round(w7_new, 8)) == (0.35891648, 0.51130127)  # as published
    # The student's δ_h1 takes the new weights; only the new w1 = w(i1→h1) is written.
    d_h1_mixed = y_h1 * (1 - y_h1) * (w5_new * d_o1 + w7_new * d_o2)
    w1_mixed = 0.15 + 0.5 * d_h1_mixed * 0.05
    assert f"{w1_mixed:.8f}" == "0.14981764"
    w1_true = 0.15 + 0.5 * y_h1 * (1 - y_h1) * (0.40 * d_o1 + 0.50 * d_o2) * 0.05
    assert round(w1_true, 9) == 0.149780716  # the published new w1
    v = mark('"w[i1->h1]": 0.14981764\n', MAZUR)["w[i1->h1]"]
    assert (v.verdict, v.mistake) == (WRONG, "new_for_old")
    assert v.hint is not None and v.hint.startswith("updated weight used where the old one belongs")


def test_derivative_left_out_of_an_unwritten_hidden_delta() -> None:
    # Δw(x1→h1) = η·δ[h1]·x1 with δ[h1] = w(h1→o)·δ[o], no y(1 − y): 0.3 × −0.0367703 × 0.35.
    value = 1.0 * (0.3 * D_O) * X1
    v = mark(f'"dw[x1->h1]": {value:.7g}\n')["dw[x1->h1]"]
    assert (v.verdict, v.mistake) == (WRONG, "derivative_missing")
    assert v.hint == "activation derivative f′(a) = y · (1 − y) of sigmoid left out in delta[h1]"


def test_net_input_in_an_unwritten_weight_change() -> None:
    # w(h1→o) = 0.3 + η·δ[o]·a[h1] = 0.3 + (−0.0367703 × 0.21): only the new weight is written.
    value = 0.3 + D_O * A_H1
    v = mark(f'"w[h1->o]": {value:.7f}\n')["w[h1->o]"]
    assert (v.verdict, v.mistake) == (WRONG, "a_for_y")
    assert v.hint is not None and v.hint.startswith("net input a used where the output y = f(a)")
    assert "a[h1] for y[h1]" in v.hint


def test_power_of_ten_in_an_unwritten_delta() -> None:
    # δ[h1] taken ten times too big, then w(x1→h1) = 0.2 + 10·δ[h1]·x1; only w is written.
    value = 0.2 + 10 * D_H1 * X1
    v = mark(f'"w[x1->h1]": {value:.6f}\n')["w[x1->h1]"]
    assert (v.verdict, v.mistake) == (WRONG, "power_of_ten")
    assert v.hint == "off by a power of ten: dw[x1->h1] taken ×10 (not written)"


def test_an_error_term_turned_round_in_an_unwritten_delta_is_a_sign_flip() -> None:
    # δ[o] with (y − t) negates it, so Δw(h1→o) = η·(y − t)·f′·y[h1] is −Δw: numerically the
    # same as a flipped sign, and w = w0 − Δw is the sign-convention mistake.
    swapped_dw = (Y_O - T) * Y_O * (1 - Y_O) * Y_H1
    assert mark(f'"dw[h1->o]": {swapped_dw:.6g}\n')["dw[h1->o]"].mistake == "sign_flipped"
    assert mark(f'"w[h1->o]": {0.3 + swapped_dw:.6f}\n')["w[h1->o]"].mistake == "wrong_sign_update"


# --- the derivative applied twice ---


def test_hidden_delta_with_the_derivative_squared() -> None:
    # δ[h1] = [y(1 − y)]²·w(h1→o)·δ[o] = 0.2472369² × 0.3 × −0.0367703.
    slope = Y_H1 * (1 - Y_H1)
    value = slope * slope * 0.3 * D_O
    v = mark(f'"delta[h1]": {value:.6g}\n')["delta[h1]"]
    assert (v.verdict, v.mistake) == (WRONG, "derivative_twice")
    assert v.hint == "activation derivative f′(a) = y · (1 − y) of sigmoid applied twice"


def bce_variant(tmp_path: Path) -> Path:
    return scenario_variant("loss: half_sse", "loss: binary_cross_entropy", tmp_path)


def test_derivative_applied_to_a_sigmoid_cross_entropy_delta(tmp_path: Path) -> None:
    # With binary cross-entropy δ[o] = t − y = 0.5 − 0.665074 = −0.165074; the student also
    # multiplies by y(1 − y): (t − y)·y·(1 − y) = −0.0367703 (the half-SSE δ of the same net).
    path = bce_variant(tmp_path)
    assert mark(f'"delta[o]": {T - Y_O:.6f}\n', path)["delta[o]"].verdict == CORRECT
    v = mark(f'"delta[o]": {D_O:.6f}\n', path)["delta[o]"]
    assert (v.verdict, v.mistake) == (WRONG, "derivative_twice")
    assert v.hint == ("activation derivative f′(a) = y · (1 − y) of sigmoid applied although "
                      "δ = t − y already has it (it cancels against ∂E/∂y of binary_cross_entropy)")


def test_derivative_applied_to_an_unwritten_cross_entropy_delta(tmp_path: Path) -> None:
    # Only Δw(h1→o) = η·δ[o]·y[h1] written, with δ[o] = (t − y)·y(1 − y): −0.0367703 × 0.552308.
    v = mark(f'"dw[h1->o]": {D_O * Y_H1:.6g}\n', bce_variant(tmp_path))["dw[h1->o]"]
    assert (v.verdict, v.mistake) == (WRONG, "derivative_twice")
    assert v.hint is not None and v.hint.endswith("binary_cross_entropy) in delta[o]")


def test_a_negative_cross_entropy_loss_is_out_of_range(tmp_path: Path) -> None:
    # −[t ln y + (1 − t) ln(1 − y)] is a sum of two non-negative terms when t and y lie in [0, 1].
    path = bce_variant(tmp_path)
    loss = -(T * math.log(Y_O) + (1 - T) * math.log(1 - Y_O))
    assert mark(f'"loss": {loss:.5f}\n', path)["loss"].verdict == CORRECT
    v = mark(f'"loss": {-loss:.5f}\n', path)["loss"]
    assert (v.verdict, v.mistake, v.hint) == (WRONG, "sign_flipped",
                                              "sign flipped: a loss is never negative")
    v = mark('"loss": -0.3\n', path)["loss"]  # no mistake gives −0.3: the range alone is said
    assert (v.verdict, v.mistake, v.hint) == (WRONG, "out_of_range", "a loss is never negative")


# --- softmax: no impossible hints, errors carried through the layer ---


def softmax_by_hand(a_cat: float) -> list[float]:
    """The softmax outputs of softmax_cross_entropy.yaml for a given a[cat] (the other net
    inputs from the scenario's weights and the hidden outputs of x = (1, 2))."""
    y_h = [sigmoid(0.1 * 1 + 0.4 * 2 + 0.0), sigmoid(-0.2 * 1 + 0.2 * 2 + 0.1),
           sigmoid(0.3 * 1 - 0.1 * 2 - 0.1)]
    a = [a_cat,
         -0.3 * y_h[0] + 0.6 * y_h[1] + 0.2 * y_h[2] - 0.05,
         0.5 * y_h[0] + 0.1 * y_h[1] - 0.2 * y_h[2] + 0.0]
    e = [math.exp(v) for v in a]
    return [v / sum(e) for v in e]


def test_a_probability_far_out_of_range_gets_the_range_hint() -> None:
    v = mark('"y[cat]": 20680\n', SOFTMAX)["y[cat]"]
    assert (v.verdict, v.mistake) == (WRONG, "out_of_range")
    assert v.hint == "outside what softmax can give: its outputs lie between 0 and 1"


def test_a_wrong_net_input_is_carried_through_softmax_and_the_loss() -> None:
    true_a_cat = 0.2 * sigmoid(0.9) - 0.4 * sigmoid(0.3) + 0.3 * sigmoid(0.0) + 0.05
    y = softmax_by_hand(0.5)  # a[cat] written as 0.5 instead of 0.112413
    assert abs(true_a_cat - 0.112413) < 1e-6
    loss = -math.log(y[1])  # the target is dog; the loss from the unrounded y[dog]
    text = (f'"a[cat]": 0.5\n"y[cat]": {y[0]:.4f}\n"y[dog]": {y[1]:.4f}\n"y[bird]": {y[2]:.4f}\n'
            f'"loss": {loss:.5f}\n')
    assert (f"{y[1]:.4f}", f"{loss:.5f}") == ("0.2844", "1.25727")
    assert abs(-math.log(0.2844) - loss) > 0.0001  # not what the written 0.2844 gives
    report = mark(text, SOFTMAX)
    assert report["a[cat]"].verdict == WRONG
    for name in ("y[cat]", "y[dog]", "y[bird]", "loss"):
        assert report[name].verdict == CARRIED, name
    assert report["y[dog]"].carried_from == ("a[cat]",)
    assert report.counts[WRONG] == 1


def test_an_output_far_out_of_range_after_the_update_does_not_crash_the_softmax_replay() -> None:
    # y_after[h1] = 6.51 is no sigmoid output; the true y_after[bird] is 0.2095..., written /10.
    report = mark('"y_after[h1]": 6.51\n"y_after[bird]": 0.02095\n', SOFTMAX)
    assert report["y_after[h1]"].mistake == "power_of_ten"  # the true y_after[h1] is 0.651...
    assert report["y_after[h1]"].hint == ("off by a power of ten (×10): outside what sigmoid can "
                                          "give: its outputs lie between 0 and 1")
    assert report["y_after[bird]"].verdict == WRONG
    assert report["y_after[bird]"].mistake == "power_of_ten"


# --- each hint on a case only it explains, in words a student reads ---


def six_figures(value: float) -> str:
    """``value`` written with six significant figures and no exponent, as on paper."""
    decimals = 5 - math.floor(math.log10(abs(value)))
    return f"{value:.{max(decimals, 0)}f}"


@pytest.mark.parametrize(("factor", "shown"), [
    (10, "10"), (100, "100"), (1000, "1000"), (0.1, "1/10"), (0.01, "1/100"), (0.001, "1/1000"),
])
def test_a_power_of_ten_names_its_factor(factor: float, shown: str) -> None:
    # δ[h2] = −0.00807143 written ×factor: −0.0807143, −0.807143, ..., −0.00000807143.
    v = mark(f'"delta[h2]": {six_figures(D_H2 * factor)}\n')["delta[h2]"]
    assert (v.verdict, v.mistake, v.hint) == (WRONG, "power_of_ten", f"off by a power of ten (×{shown})")


@pytest.mark.parametrize(("factor", "shown"), [(100, "100"), (0.1, "1/10"), (0.01, "1/100")])
def test_a_power_of_ten_in_an_operand_names_the_operand_and_factor(factor: float, shown: str) -> None:
    # w[h1->o] = 0.3 + Δw(h1→o) with Δw = −0.0203085 taken ×factor.
    v = mark(f'"w[h1->o]": {0.3 + factor * DW_H1_O:.7f}\n')["w[h1->o]"]
    assert (v.verdict, v.mistake) == (WRONG, "power_of_ten")
    assert v.hint == f"off by a power of ten: dw[h1->o] taken ×{shown} (not written)"


def test_the_swapped_error_hint_names_both_conventions_exactly(tmp_path: Path) -> None:
    # Delta rule: δ[o] = (t − y)·y(1 − y) = −0.0367703; with (y − t) it is +0.0367703.
    v = mark(f'"delta[o]": {-D_O:.7f}\n')["delta[o]"]
    assert (v.mistake, v.hint) == ("swapped_error", "y − t (output − target) used where t − y "
                                   "belongs (δ = −∂E/∂a, delta rule)")
    # Gradient convention: δ[o] = (y − t)·y(1 − y) = +0.0367703; with (t − y) it is −0.0367703.
    path = scenario_variant("convention: delta_rule", "convention: gradient", tmp_path)
    v = mark(f'"delta[o]": {D_O:.7f}\n', path)["delta[o]"]
    assert (v.mistake, v.hint) == ("swapped_error", "t − y (target − output) used where y − t "
                                   "belongs (δ = +∂E/∂a, gradient convention)")


WITH_BIASES = ("targets: [0.5]", "targets: [0.5]\nbiases:\n  - [0.1, 0.1]\n  - [0.1]")


def biased(tmp_path: Path, convention: str) -> Path:
    """gfg with every bias 0.1 (so b0 + Δb and −(b0 + Δb) differ), under ``convention``."""
    path = scenario_variant(*WITH_BIASES, tmp_path)
    text = path.read_text(encoding="utf-8").replace("convention: delta_rule", f"convention: {convention}")
    path.write_text(text, encoding="utf-8")
    return path


def biased_output_delta() -> float:
    """δ[o] (delta rule) of gfg with biases 0.1, by hand."""
    y_h1, y_h2 = sigmoid(A_H1 + 0.1), sigmoid(A_H2 + 0.1)
    y_o = sigmoid(0.3 * y_h1 + 0.9 * y_h2 + 0.1)
    return (T - y_o) * y_o * (1 - y_o)


@pytest.mark.parametrize(("convention", "rule_w", "rule_b"), [
    ("delta_rule", "with δ = t − y, w = w0 + η·δ·y", "with δ = t − y, b = b0 + η·δ"),
    ("gradient", "with δ = ∂E/∂a, Δw = −η·δ·… already holds the minus and is added",
     "with δ = ∂E/∂a, Δb = −η·δ·… already holds the minus and is added"),
])
def test_an_update_added_the_wrong_way_is_told_for_weights_and_biases(
        tmp_path: Path, convention: str, rule_w: str, rule_b: str) -> None:
    # Both conventions move a parameter by −η·∂E/∂(parameter) = η·δ·y (δ of the delta rule):
    # Δb[o] = δ[o] and Δw(h1→o) = δ[o]·y[h1] with η = 1; the mistake subtracts that change.
    path = biased(tmp_path, convention)
    d_o = biased_output_delta()
    dw = d_o * sigmoid(A_H1 + 0.1)
    w = mark(f'"w[h1->o]": {0.3 - dw:.7f}\n', path)["w[h1->o]"]
    b = mark(f'"b[o]": {0.1 - d_o:.7f}\n', path)["b[o]"]
    assert (w.mistake, b.mistake) == ("wrong_sign_update", "wrong_sign_update")
    assert w.hint == f"sign convention: Δw subtracted, so the weight moves uphill; {rule_w}"
    assert b.hint == f"sign convention: Δb subtracted, so the bias moves uphill; {rule_b}"


def test_a_bias_written_negated_is_a_sign_flip_not_an_update_mistake(tmp_path: Path) -> None:
    # b[o] = 0.1 + δ[o]; −(0.1 + δ[o]) is the whole value negated.
    d_o = biased_output_delta()
    v = mark(f'"b[o]": {-(0.1 + d_o):.7f}\n', biased(tmp_path, "delta_rule"))["b[o]"]
    assert (v.verdict, v.mistake, v.hint) == (WRONG, "sign_flipped", "sign flipped")


def test_an_output_outside_the_activation_range_says_the_range(tmp_path: Path) -> None:
    # A sigmoid output of 1.2 and a relu output of −0.3 cannot be; a loss of −0.1 neither.
    report = mark('"y[h1]": 1.2\n"loss": -0.1\n')
    assert report["y[h1]"].hint == "outside what sigmoid can give: its outputs lie between 0 and 1"
    assert report["loss"].hint == "a loss is never negative"
    path = scenario_variant("activation: sigmoid\n    name: hidden layer",
                            "activation: relu\n    name: hidden layer", tmp_path)
    v = mark('"y[h1]": -0.3\n', path)["y[h1]"]
    assert (v.mistake, v.hint) == ("out_of_range", "outside what relu can give: its outputs lie "
                                   "at least 0")


def test_carried_hints_list_three_sources_and_count_the_rest() -> None:
    # a_after[o] rests on all six updated weights: write each 0.1 too big and a_after[o] from them.
    w_in = [0.2 + DW_X1_H1 + 0.1, 0.2 + D_H1 * X2 + 0.1, 0.3 + D_H2 * X1 + 0.1, 0.3 + D_H2 * X2 + 0.1]
    w_out = [0.3 + DW_H1_O + 0.1, 0.9 + D_O * Y_H2 + 0.1]
    y1 = sigmoid(w_in[0] * X1 + w_in[1] * X2)
    y2 = sigmoid(w_in[2] * X1 + w_in[3] * X2)
    names = ["w[x1->h1]", "w[x2->h1]", "w[x1->h2]", "w[x2->h2]", "w[h1->o]", "w[h2->o]"]
    written = {n: f"{v:.6f}" for n, v in zip(names, w_in + w_out, strict=True)}
    text = "".join(f'"{n}": {v}\n' for n, v in written.items())
    v = mark(text + f'"a_after[o]": {w_out[0] * y1 + w_out[1] * y2:.6f}\n')["a_after[o]"]
    assert v.verdict == CARRIED
    in_stage_order = names[4:] + names[:4]  # the output layer's update is worked first
    assert v.carried_from == tuple(in_stage_order)
    assert v.hint == "consistent with your " + ", ".join(
        f"{n} = {written[n]}" for n in in_stage_order[:3]) + " and 3 more"


# --- tolerance at exactly half a unit of the last digit ---

IDENTITY = """title: exact binary fractions
learning_rate: 1.0
loss: half_sse
layers:
  - units: [x]
  - units: [o]
    activation: identity
weights:
  - [[0.25]]
inputs: [INPUT]
targets: [1.0]
"""


def identity_net(tmp_path: Path, x: float) -> Path:
    """y[o] = 0.25·x, exact in binary for the inputs used (0.125 for 0.5, 1000 for 4000)."""
    path = tmp_path / "identity.yaml"
    path.write_text(IDENTITY.replace("INPUT", repr(x)), encoding="utf-8")
    return path


def test_a_value_exactly_half_a_unit_away_is_correct_and_one_further_is_not(tmp_path: Path) -> None:
    # y[o] = 0.125: 0.12 and 0.13 claim ±0.005 and lie exactly 0.005 away; 0.11 and 0.14 do not.
    path = identity_net(tmp_path, 0.5)
    verdicts = {text: mark(f'"y[o]": {text}\n', path)["y[o]"].verdict
                for text in ("0.12", "0.13", "0.11", "0.14", "0.1", "0.2")}
    assert verdicts == {"0.12": CORRECT, "0.13": CORRECT, "0.11": WRONG, "0.14": WRONG,
                        "0.1": CORRECT, "0.2": WRONG}  # 0.1 claims ±0.05: 0.025 away


@pytest.mark.parametrize(("x", "true", "slack"), [(0.5, 0.125, 1e-9), (4000.0, 1000.0, 1e-6)])
def test_the_float_slack_is_a_billionth_of_the_value_and_at_least_a_billionth(
        tmp_path: Path, x: float, true: float, slack: float) -> None:
    # Accepted: |given − true| ≤ tol + 1e-9·max(1, |true|); here tol = 0.005 from --tol.
    path = identity_net(tmp_path, x)
    for side in (1, -1):
        inside = true + side * (0.005 + 0.5 * slack)
        outside = true + side * (0.005 + 1.5 * slack)
        assert mark(f'"y[o]": {inside!r}\n', path, tol=0.005)["y[o]"].verdict == CORRECT
        assert not mark(f'"y[o]": {outside!r}\n', path, tol=0.005)["y[o]"].accepted


@pytest.mark.parametrize(("written", "mistake"), [
    ("0.199054", "swapped_digits"),  # two neighbouring digits swapped
    ("0.199945", "slip"),  # one digit off
    ("0.199415", None),  # two neighbours changed, not swapped
    ("0.199540", None),  # two digits swapped that are not neighbours
])
def test_only_one_digit_or_one_swap_of_neighbours_is_a_slip(written: str, mistake: str | None
                                                          ) -> None:
    # w(x1→h1) = 0.2 − 0.000954656 = 0.199045 to six decimals.
    v = mark(f'"w[x1->h1]": {written}\n')["w[x1->h1]"]
    assert v.verdict == WRONG
    assert v.mistake == mistake


def test_a_number_with_another_count_of_digits_is_no_slip(tmp_path: Path) -> None:
    # y[o] = 1000: 999 and 10000 differ from it in length, 1001 in one digit.
    path = identity_net(tmp_path, 4000.0)
    assert mark('"y[o]": 999\n', path)["y[o]"].mistake is None
    assert mark('"y[o]": 1001\n', path)["y[o]"].mistake == "slip"


@pytest.mark.parametrize("sources", [3, 4])
def test_a_carried_hint_counts_only_the_sources_it_does_not_show(sources: int) -> None:
    # w[h1->o] and w[h2->o] written 0.1 too big, then a_after[o] from them; with three or four
    # sources the new input weights of h1 are written too (h1's output after the update).
    w_in = [0.2 + DW_X1_H1 + 0.1, 0.2 + D_H1 * X2 + 0.1]
    w_out = [0.3 + DW_H1_O + 0.1, 0.9 + D_O * Y_H2 + 0.1]
    written = {"w[h1->o]": w_out[0], "w[h2->o]": w_out[1], "w[x1->h1]": w_in[0], "w[x2->h1]": w_in[1]}
    written = dict(list(written.items())[:sources])
    x1_h1 = written.get("w[x1->h1]", 0.2 + DW_X1_H1)
    x2_h1 = written.get("w[x2->h1]", 0.2 + D_H1 * X2)
    y1 = sigmoid(float(f"{x1_h1:.6f}") * X1 + float(f"{x2_h1:.6f}") * X2)
    y2 = sigmoid((0.3 + D_H2 * X1) * X1 + (0.3 + D_H2 * X2) * X2)
    a_after = float(f"{w_out[0]:.6f}") * y1 + float(f"{w_out[1]:.6f}") * y2
    text = "".join(f'"{n}": {v:.6f}\n' for n, v in written.items())
    v = mark(text + f'"a_after[o]": {a_after:.6f}\n')["a_after[o]"]
    assert v.verdict == CARRIED and len(v.carried_from) == sources
    assert v.hint is not None and v.hint.count(" = ") == 3
    assert v.hint.endswith(" and 1 more") == (sources == 4)
    assert " more" not in v.hint or sources == 4


def test_a_quiz_gets_the_mistaken_values_of_an_updated_weight_from_a_fresh_step() -> None:
    """mistake_values on a step whose update stage nobody has looked at yet (it is lazy)."""
    scenario = load(GFG)
    found = {}
    for m in truth_marker(step(scenario)).mistake_values("w[h1->o]"):
        found.setdefault(m.key, m.value)
    assert found["wrong_sign_update"] == pytest.approx(0.3 - DW_H1_O, rel=1e-12)
    assert found["derivative_missing"] == pytest.approx(0.3 + (T - Y_O) * Y_H1, rel=1e-12)
    assert found["derivative_twice"] == pytest.approx(0.3 + D_O * Y_O * (1 - Y_O) * Y_H1, rel=1e-12)
    assert found["sign_flipped"] == pytest.approx(-(0.3 + DW_H1_O), rel=1e-12)
    assert found["power_of_ten"] == pytest.approx(10 * (0.3 + DW_H1_O), rel=1e-12)


def test_quiz_mistakes_leave_out_values_the_quantity_cannot_take_and_repeats() -> None:
    scenario = load(GFG)
    trace = step(scenario)
    y_h1 = [(m.key, m.value) for m in truth_marker(trace).mistake_values("y[h1]")]
    # y[h1] = 0.552: ×10 and −y lie outside sigmoid's (0, 1); ×1/10 is kept.
    assert ("power_of_ten", pytest.approx(Y_H1 / 10, rel=1e-12)) in y_h1
    assert ("power_of_ten", pytest.approx(Y_H1 / 100, rel=1e-12)) in y_h1  # 0.05 from the first
    assert all(0 < v < 1 for _, v in y_h1)
    loss = [m for m in truth_marker(trace).mistake_values("loss")]
    assert all(m.value > 0 for m in loss) and "sign_flipped" not in {m.key for m in loss}
    values = [v for _, v in y_h1]
    assert len(values) == len(set(values)) and Y_H1 not in values
    # tanh for sigmoid: tanh(0.21) = 0.20697; the weights read transposed in a[h1] give
    # 0.2·0.35 + 0.3·0.7 = 0.28 and σ(0.28) = 0.56955.
    assert ("activation_swapped", pytest.approx(math.tanh(0.21), rel=1e-12)) in y_h1
    assert ("transposed", pytest.approx(sigmoid(0.28), rel=1e-12)) in y_h1
    assert {m.key for m in truth_marker(trace).mistake_values("y[h1]")} == {
        "power_of_ten", "activation_swapped", "transposed"}


def test_a_tanh_output_outside_minus_one_to_one_gets_the_range_hint() -> None:
    v = mark('"y[h1]": 1.5\n', ROOT / "scenarios" / "tanh_mse.yaml")["y[h1]"]
    assert (v.verdict, v.mistake) == (WRONG, "out_of_range")
    assert v.hint == "outside what tanh can give: its outputs lie between -1 and 1"


def test_an_integer_of_two_digits_is_too_short_to_call_a_slip(tmp_path: Path) -> None:
    # y[o] = 0.25 × 52 = 13 exactly: 12 is one digit off but has only two digits.
    v = mark('"y[o]": 12\n', identity_net(tmp_path, 52.0))["y[o]"]
    assert (v.verdict, v.mistake) == (WRONG, None)


def test_three_significant_digits_are_enough_for_a_slip() -> None:
    # y[h1] = 0.552308: 0.553 is 0.0007 away (more than ±0.0005) and one digit off 0.552.
    assert mark('"y[h1]": 0.553\n')["y[h1]"].mistake == "slip"


@pytest.mark.parametrize(("tol", "written", "slip"), [
    (0.5, "1010", True),  # ±0.5 is half a unit of the ones: 1010 is one digit off 1000
    (0.01, "1000.5", False),  # ±0.01 is no half unit: which digits count is unknown
])
def test_a_slip_is_looked_for_only_when_tol_is_half_a_unit(tmp_path: Path, tol: float, written: str,
                                                           slip: bool) -> None:
    v = mark(f'"y[o]": {written}\n', identity_net(tmp_path, 4000.0), tol=tol)["y[o]"]
    assert v.verdict == WRONG and v.mistake == ("slip" if slip else None)


@pytest.mark.parametrize(("written", "slip"), [
    ("0.125000002000000", True),  # 15 decimals: the most a float has to show
    ("0.1250000020000000", False),  # 16: past what a float64 holds, no digit is read
])
def test_slips_are_read_to_fifteen_decimals(tmp_path: Path, written: str, slip: bool) -> None:
    # y[o] = 0.125 exactly; the answer is 2e-9 off, past the 1e-9 float slack.
    v = mark(f'"y[o]": {written}\n', identity_net(tmp_path, 0.5))["y[o]"]
    assert v.verdict == WRONG and v.mistake == ("slip" if slip else None)


def test_a_mistake_made_with_the_calculator_s_digits_after_a_wrong_value_is_found() -> None:
    # y[h1] = 0.55 (right, rounded) and y[h2] = 0.68 (wrong). The student keeps every digit of
    # y[h1] and of the δ[o] that follows from 0.68, and writes Δw(h1→o) = δ[o]·y[h1] with its sign
    # flipped: only those full-precision numbers reproduce it, not 0.55, nor the true δ[o].
    y_o = sigmoid(0.3 * Y_H1 + 0.9 * 0.68)
    d_o = (T - y_o) * y_o * (1 - y_o)
    report = mark(f'"y[h1]": 0.55\n"y[h2]": 0.68\n"dw[h1->o]": {-d_o * Y_H1:.8f}\n')
    v = report["dw[h1->o]"]
    assert (v.verdict, v.mistake) == (WRONG, "sign_flipped")


def test_a_mistake_on_a_rounded_right_value_is_replayed_with_the_true_one_too() -> None:
    # a[h2] = 0.315 written 0.32 (exactly half a unit off: right). y[h2] written ten times too
    # small from the true a[h2]: σ(0.315)/10 = 0.0578105; from 0.32 it would be 0.0579324.
    assert f"{Y_H2 / 10:.7f}" == "0.0578105" and f"{sigmoid(0.32) / 10:.7f}" == "0.0579324"
    v = mark(f'"a[h2]": 0.32\n"y[h2]": {Y_H2 / 10:.7f}\n')["y[h2]"]
    assert (v.verdict, v.mistake, v.hint) == (WRONG, "power_of_ten", "off by a power of ten (×1/10)")


def test_an_overflowed_true_value_is_wrong_with_its_own_verdict_fields(tmp_path: Path) -> None:
    # a[o] = 2e200·1e200 + 2e200·1e200 leaves the float range; a[h1] = 2e200 does not.
    path = tmp_path / "huge.yaml"
    text = GFG.read_text(encoding="utf-8")
    path.write_text(text.replace("[[0.3],\n     [0.9]]", "[[1e200],\n     [1e200]]")
                    .replace("[[0.2, 0.3],\n     [0.2, 0.3]]", "[[1e200, 1e200],\n     [1e200, 1e200]]")
                    .replace("activation: sigmoid\n    name: hidden layer",
                             "activation: identity\n    name: hidden layer"), encoding="utf-8")
    v = mark('"a[o]": 1.5\n', path)["a[o]"]
    assert (v.verdict, v.mistake, v.expected, v.given, v.written, v.tolerance, v.stage) == (
        WRONG, "not_finite", math.inf, 1.5, "1.5", 0.05, 1)
    assert v.hint == "the true value is past the float range, so no number written can be right"


def test_verdicts_know_their_stage_and_the_range_verdict_keeps_every_field() -> None:
    # gfg's stages: 0 hidden forward, 1 output forward, 2 loss, 3 output δ, 4 hidden δ, 5 and 6
    # the updates of each layer, 7 forward after the update.
    report = mark('"y[h1]": 1.2\n"loss": 0.0136\n"delta[o]": -0.0368\n"delta[h1]": -0.0027\n')
    assert [report[n].stage for n in ("y[h1]", "loss", "delta[o]", "delta[h1]", "a[o]", "w[h1->o]",
                                      "w[x1->h1]", "loss_after")] == [0, 2, 3, 4, 1, 5, 6, 7]
    v = report["y[h1]"]
    assert (v.verdict, v.mistake, v.given, v.written, v.tolerance, v.expected) == (
        WRONG, "out_of_range", 1.2, "1.2", pytest.approx(0.05), Y_H1)


@pytest.mark.parametrize(("name", "written"), [("y[h1]", "1.000"), ("y[h1]", "0.000"),
                                               ("loss", "0.0000")])
def test_a_value_on_the_edge_of_the_range_is_not_out_of_it(name: str, written: str) -> None:
    # A sigmoid output of exactly 0 or 1, a loss of exactly 0: limits a float can reach.
    v = mark(f'"{name}": {written}\n')[name]
    assert v.verdict == WRONG and v.mistake != "out_of_range"


def test_a_slip_says_so_in_words() -> None:
    assert mark('"w[x1->h1]": 0.199945\n')["w[x1->h1]"].hint == "arithmetic slip (one digit off)"
    assert mark('"w[x1->h1]": 0.199054\n')["w[x1->h1]"].hint == "two neighbouring digits swapped"


def test_carried_at_calculator_precision_reports_the_value_from_the_written_numbers() -> None:
    # y[h1] = 0.55 (right, rounded), y[h2] = 0.68 (wrong); a[o] worked with every digit of y[h1]:
    # 0.3·0.5523079 + 0.9·0.68 = 0.7776924, inside what 0.55 (0.545 to 0.555) allows:
    # 0.3·0.545 + 0.612 = 0.7755 to 0.3·0.555 + 0.612 = 0.7785. Recomputed from the numbers as
    # written: 0.3·0.55 + 0.9·0.68 = 0.777.
    v = mark(f'"y[h1]": 0.55\n"y[h2]": 0.68\n"a[o]": {0.3 * Y_H1 + 0.612:.6f}\n')["a[o]"]
    assert v.verdict == CARRIED
    assert v.recomputed == pytest.approx(0.777, rel=1e-12)


def test_rounding_from_further_up_the_chain_says_earlier_values() -> None:
    # y[h1] = 0.55, y[h2] = 0.58, a[o] skipped: y[o] = σ(0.3·0.55 + 0.9·0.58) = σ(0.687) = 0.665298,
    # not the true 0.665074; its own input a[o] was not written, so no value is named.
    y_o = sigmoid(0.687)
    v = mark(f'"y[h1]": 0.55\n"y[h2]": 0.58\n"y[o]": {y_o:.6f}\n')["y[o]"]
    assert (v.verdict, v.hint) == (ROUNDING, "from your rounded earlier values")


def test_the_fused_output_is_the_output_layer_s_not_the_hidden_one(tmp_path: Path) -> None:
    # tanh hidden units, sigmoid output with binary cross-entropy: δ[o] = t − y is fused, and
    # (t − y)·y(1 − y) is the derivative applied again at the output.
    path = scenario_variant("loss: half_sse", "loss: binary_cross_entropy", tmp_path)
    text = path.read_text(encoding="utf-8").replace("activation: sigmoid\n    name: hidden layer",
                                                    "activation: tanh\n    name: hidden layer")
    path.write_text(text, encoding="utf-8")
    y_o = sigmoid(0.3 * math.tanh(A_H1) + 0.9 * math.tanh(A_H2))
    v = mark(f'"delta[o]": {(T - y_o) * y_o * (1 - y_o):.7f}\n', path)["delta[o]"]
    assert (v.verdict, v.mistake) == (WRONG, "derivative_twice")
    assert v.hint == ("activation derivative f′(a) = y · (1 − y) of sigmoid applied although "
                      "δ = t − y already has it (it cancels against ∂E/∂y of binary_cross_entropy)")


def test_an_output_delta_with_its_derivative_squared_is_told_applied_twice() -> None:
    # half SSE is not fused: δ[o] = (t − y)·[y(1 − y)]² = −0.0367703 × 0.222752.
    v = mark(f'"delta[o]": {D_O * Y_O * (1 - Y_O):.7f}\n')["delta[o]"]
    assert (v.verdict, v.mistake) == (WRONG, "derivative_twice")
    assert v.hint == "activation derivative f′(a) = y · (1 − y) of sigmoid applied twice"


def test_a_hidden_delta_after_a_written_fused_output_delta_is_marked(tmp_path: Path) -> None:
    # With δ[o] written (so not replayed through) no error term is left in δ[h1]'s rule.
    path = bce_variant(tmp_path)
    report = mark(f'"delta[o]": {T - Y_O:.6f}\n"delta[h1]": 0.123\n', path)
    assert report["delta[o]"].verdict == CORRECT and report["delta[h1]"].verdict == WRONG


def test_the_fused_derivative_twice_hint_under_the_gradient_convention(tmp_path: Path) -> None:
    # δ[o] = y − t = +0.165074 for sigmoid with BCE under δ = +∂E/∂a; times y(1 − y): +0.0367703.
    path = bce_variant(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("convention: delta_rule",
                                                             "convention: gradient"), encoding="utf-8")
    v = mark(f'"delta[o]": {-D_O:.7f}\n', path)["delta[o]"]
    assert (v.verdict, v.mistake) == (WRONG, "derivative_twice")
    assert v.hint == ("activation derivative f′(a) = y · (1 − y) of sigmoid applied although "
                      "δ = y − t already has it (it cancels against ∂E/∂y of binary_cross_entropy)")


def test_the_derivative_left_out_of_every_delta_is_named_so() -> None:
    # Δw(x1→h1) = δ[h1]·x1 with neither δ written and no f′ in either: w(h1→o)·(t − y)·x1.
    v = mark(f'"dw[x1->h1]": {0.3 * (T - Y_O) * X1:.7f}\n')["dw[x1->h1]"]
    assert (v.verdict, v.mistake) == (WRONG, "derivative_missing")
    assert v.hint == "activation derivative f′(a) left out in every δ"


THREE_INPUTS = """title: three inputs, one of them 0
learning_rate: 1.0
loss: half_sse
layers:
  - units: [x1, x2, x3]
  - units: [o]
    activation: identity
weights:
  - [[0.25], [0.25], [0.25]]
inputs: [0.0, 0.5, 1.0]
targets: [1.0]
"""


def test_a_power_of_ten_is_found_in_operands_after_a_zero_one(tmp_path: Path) -> None:
    # a[o] = 0.25·0 + 0.25·0.5 + 0.25·1 = 0.375; with x2 taken ×10: 0 + 1.25 + 0.25 = 1.5.
    path = tmp_path / "three.yaml"
    path.write_text(THREE_INPUTS, encoding="utf-8")
    v = mark('"a[o]": 1.5\n', path)["a[o]"]
    assert (v.verdict, v.mistake) == (WRONG, "power_of_ten")
    assert v.hint in ("off by a power of ten: w0[x2->o] taken ×10", "off by a power of ten: y[x2] taken ×10")


def test_an_operand_equal_to_one_can_be_taken_ten_times_too(tmp_path: Path) -> None:
    # Identity net with w0 = 1, x = 0.5, t = 1: Δw = (1 − 0.5)·0.5 = 0.25; w = 1.25, or with
    # w0 taken ×10: 10 + 0.25 = 10.25.
    path = identity_net(tmp_path, 0.5)
    path.write_text(path.read_text(encoding="utf-8").replace("[[0.25]]", "[[1.0]]"), encoding="utf-8")
    v = mark('"w[x->o]": 10.25\n', path)["w[x->o]"]
    assert (v.mistake, v.hint) == ("power_of_ten", "off by a power of ten: w0[x->o] taken ×10")


def test_the_learning_rate_left_out_is_found_for_a_rate_above_one(tmp_path: Path) -> None:
    # η = 2: Δw(h1→o) = 2·δ[o]·y[h1] = −0.040617; without η: −0.0203085.
    path = scenario_variant("learning_rate: 1.0", "learning_rate: 2.0", tmp_path)
    v = mark(f'"dw[h1->o]": {DW_H1_O:.7f}\n', path)["dw[h1->o]"]
    assert (v.verdict, v.mistake) == (WRONG, "lr_left_out")


def test_a_full_worksheet_still_counts_what_was_not_attempted(tmp_path: Path) -> None:
    # The identity step by hand: a = y = 0.125, E = ½·0.875² = 0.3828125, δ = 0.875,
    # Δw = 0.4375, w = 0.6875, after: a = y = 0.34375, E = ½·0.65625² = 0.21533203125.
    values = {"a[o]": 0.125, "y[o]": 0.125, "loss": 0.3828125, "delta[o]": 0.875, "dw[x->o]": 0.4375,
              "w[x->o]": 0.6875, "a_after[o]": 0.34375, "y_after[o]": 0.34375,
              "loss_after": 0.21533203125}
    report = mark("".join(f'"{n}": {v}\n' for n, v in values.items()), identity_net(tmp_path, 0.5))
    assert report.summary() == "9 correct, 0 within rounding, 0 wrong, 0 not attempted"


def test_a_written_delta_is_not_replayed_through() -> None:
    # δ[h1] written right; Δw(x1→h1) then made from w(h1→o)·δ[o]·x1 (no f′): that mistake
    # lives in a δ the student wrote correctly, so it is not the explanation offered.
    v = mark(f'"delta[h1]": {D_H1:.8f}\n"dw[x1->h1]": {0.3 * D_O * X1:.7f}\n')["dw[x1->h1]"]
    assert v.verdict == WRONG and v.mistake != "derivative_missing"


def test_a_replay_on_the_edge_of_the_range_still_counts(tmp_path: Path) -> None:
    # Identity net, w = 0.1, x = 0.5, t = 0.5: y = 0.05, E = ½·0.45² = 0.10125. With t taken
    # ×1/10 the loss is exactly 0, the lowest a loss can be.
    path = identity_net(tmp_path, 0.5)
    path.write_text(path.read_text(encoding="utf-8").replace("[[0.25]]", "[[0.1]]")
                    .replace("targets: [1.0]", "targets: [0.5]"), encoding="utf-8")
    v = mark('"loss": 0.00000000\n', path)["loss"]  # 8 decimals: 0.10125 ×1/1000 is far
    assert (v.mistake, v.hint) == ("power_of_ten", "off by a power of ten: t[o] taken ×1/10")
    scenario = load(path)
    made = truth_marker(step(scenario)).mistake_values("loss")
    assert ("power_of_ten", 0.0) in {(m.key, m.value) for m in made}


def test_a_saturated_sigmoid_replay_of_exactly_one_counts(tmp_path: Path) -> None:
    # Inputs 0.1 and 0.15: a[h1] = 0.2·0.1 + 0.2·0.15 = 0.05; ×1000 gives σ(50) = 1.0 in float64,
    # while ×100 gives σ(5) = 0.9933, far from 1.
    path = scenario_variant("inputs: [0.35, 0.7]", "inputs: [0.1, 0.15]", tmp_path)
    assert sigmoid(50.0) == 1.0
    v = mark('"y[h1]": 1.000\n', path)["y[h1]"]
    assert (v.mistake, v.hint) == ("power_of_ten", "off by a power of ten: a[h1] taken ×1000 (not written)")
    scenario = load(path)
    made = truth_marker(step(scenario)).mistake_values("y[h1]")
    assert ("power_of_ten", 1.0) in {(m.key, m.value) for m in made}


def test_a_coarse_wrong_bias_is_not_taken_for_the_updated_one(tmp_path: Path) -> None:
    # b[o] = 0.1 + Δb = 0.063; 0.5 written to one decimal (±0.05) is just wrong: Δb = −0.037 is
    # smaller than the tolerance, so b[o] + Δb would always "match" whatever was written.
    v = mark('"b[o]": 0.5\n', biased(tmp_path, "delta_rule"))["b[o]"]
    assert (v.verdict, v.mistake) == (WRONG, None)


def test_one_digit_off_a_true_zero_is_a_slip(tmp_path: Path) -> None:
    # x = 0: Δw = δ·x = 0 exactly; 0.000100 is one digit away from 0.000000.
    v = mark('"dw[x->o]": 0.000100\n', identity_net(tmp_path, 0.0))["dw[x->o]"]
    assert (v.verdict, v.mistake) == (WRONG, "slip")


def test_net_inputs_used_for_outputs_after_the_update_are_found() -> None:
    # a_after[o] = w(h1→o)′·y_after[h1] + w(h2→o)′·y_after[h2], worked with a_after[h1], a_after[h2].
    a1 = (0.2 + DW_X1_H1) * X1 + (0.2 + D_H1 * X2) * X2
    a2 = (0.3 + D_H2 * X1) * X1 + (0.3 + D_H2 * X2) * X2
    wrong = (0.3 + DW_H1_O) * a1 + (0.9 + D_O * Y_H2) * a2
    v = mark(f'"a_after[o]": {wrong:.7f}\n')["a_after[o]"]
    assert (v.verdict, v.mistake, v.hint) == (WRONG, "a_for_y",
                                              "net input a used where the output y = f(a) belongs")


def test_a_mistake_in_an_unwritten_bias_change_is_replayed_through(tmp_path: Path) -> None:
    # b[o] = 0.1 + Δb[o] with Δb[o] = δ[o] unwritten; worked without f′: 0.1 + (t − y[o]).
    y_o = sigmoid(0.3 * sigmoid(A_H1 + 0.1) + 0.9 * sigmoid(A_H2 + 0.1) + 0.1)
    v = mark(f'"b[o]": {0.1 + (T - y_o):.7f}\n', biased(tmp_path, "delta_rule"))["b[o]"]
    assert (v.verdict, v.mistake) == (WRONG, "derivative_missing")


def test_a_rule_misremembered_is_followed_all_the_way_back_and_a_slip_two_levels() -> None:
    # w(x1→h1) = 0.2 + Δw rests on Δw (level 1), δ[h1] (2) and δ[o] (3). The output's f′ left out
    # of δ[o] is a rule misremembered: found from Δw(x1→h1) and from w(x1→h1) alike.
    dw = Y_H1 * (1 - Y_H1) * 0.3 * (T - Y_O) * X1
    assert mark(f'"dw[x1->h1]": {dw:.9f}\n')["dw[x1->h1]"].mistake == "derivative_missing"
    v = mark(f'"w[x1->h1]": {0.2 + dw:.9f}\n')["w[x1->h1]"]
    assert (v.verdict, v.mistake) == (WRONG, "derivative_missing")
    assert v.hint is not None and v.hint.endswith("left out in delta[o]")
    # y(o) taken ×10 is a slip: named from δ[o] (one level down), but not from w(x1→h1), four
    # levels down, where a slip that far back would explain too many numbers to be a fair guess.
    y = 10 * Y_O
    d_o = (T - y) * y * (1 - y)
    v = mark(f'"delta[o]": {d_o:.9f}\n')["delta[o]"]
    assert (v.mistake, v.hint) == ("power_of_ten", "off by a power of ten: y[o] taken ×10 (not "
                                   "written)")
    w = 0.2 + Y_H1 * (1 - Y_H1) * 0.3 * d_o * X1
    v = mark(f'"w[x1->h1]": {w:.9f}\n')["w[x1->h1]"]
    assert (v.verdict, v.mistake) == (WRONG, None)
