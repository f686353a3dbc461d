"""`bpstep template`, `bpstep verify` and `bpstep explain` from the command line: the shipped
article answer files, exit codes, --json, --no-reveal and bad input."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpstep.cli import app

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
GFG = SCENARIOS / "gfg_sigmoid.yaml"
runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "120"})


def marked(*args: str | Path) -> tuple[int, dict[str, dict]]:
    result = invoke("verify", *args, "--json")
    assert result.stderr == ""
    data = json.loads(result.stdout)
    return result.exit_code, {a["name"]: a for a in data["answers"]}


# --- the articles' printed numbers ---


def test_gfg_article_mistakes_are_flagged_and_rounded_values_accepted() -> None:
    code, answers = marked(SCENARIOS / "gfg_sigmoid.article-answers.yaml")
    assert code == 1

    def verdict(name: str) -> tuple[str, str | None]:
        return answers[name]["verdict"], answers[name]["mistake"]

    # δ of h2 printed as −0.0819: ten times its value from the article's own 0.59 and −0.0376.
    assert verdict("delta[h2]") == ("wrong", "power_of_ten")
    # Δw for x1→h1 printed as +0.000945 = −(1 × −0.0027 × 0.35).
    assert verdict("dw[x1->h1]") == ("wrong", "sign_flipped")
    # y of h2 printed (and used) as 0.59; sigmoid(0.315) = 0.578, but 1 / (1 + e^(−0.315)) with
    # 1 + e^(−0.315) = 1.7298 rounded to 1.7 is 0.588: rounded too early, and with two figures
    # too few to earn the rounding credit. y of h1 the same way: 1 / 1.8 = 0.556 for 0.552.
    assert verdict("y[h2]") == verdict("y[h1]") == ("wrong", "early")
    assert answers["y[h2]"]["hint"] == ("rounded too early: 1 + e^(−a[h2]) = 1.72979 taken as 1.7; "
                                        "keep every digit until the answer")
    # 0.9 + (−0.22184): the Δw of h2→o taken ten times too big.
    assert verdict("w[h2->o]") == ("wrong", "power_of_ten")
    assert answers["w[h2->o]"]["hint"] == "off by a power of ten: dw[h2->o] taken ×10"
    # The other printed new weights: wrong, or consistent with the article's earlier mistakes.
    # 0.29811 = 0.3 − 0.00189: the change of x2 → h1 added to w0 of x1 → h2 (0.3, not 0.2),
    # the weight at the other corner of the matrix.
    assert verdict("w[x2->h1]") == ("wrong", "transposed")
    assert verdict("w[h1->o]") == ("wrong", None)
    assert answers["w[x1->h1]"]["verdict"] == "carried"  # 0.2 + its own +0.000945
    assert answers["w[x1->h1]"]["carried_from"] == ["dw[x1->h1]"]
    assert answers["w[x1->h2]"]["carried_from"] == ["delta[h2]"]  # 0.3 + 0.35 × −0.0819
    # Right but with two figures where three are asked: y[o] = 0.67 (0.665074), δ[h1] = −0.0027
    # (−0.00272759); δ[o] = −0.0376 is 0.67 × 0.33 × (−0.17) from that y[o], so carried from it.
    assert answers["y[o]"]["verdict"] == answers["delta[h1]"]["verdict"] == "too coarse"
    assert answers["y[o]"]["hint"] == "0.67 has 2 significant figures; write at least 3"
    assert (answers["delta[o]"]["verdict"], answers["delta[o]"]["carried_from"]) == (
        "carried", ["y[o]"])
    # a[o] = 0.702 (the article used 0.57 for y of h1): its own 0.56 and 0.59 stand for
    # 0.555–0.565 and 0.585–0.595, so a[o] can be anything from 0.3·0.555 + 0.9·0.585 = 0.693
    # to 0.3·0.565 + 0.9·0.595 = 0.705 on its numbers.
    assert answers["a[o]"]["verdict"] == "carried"
    # 0.21 and 0.315 are the net inputs exactly: no more figures needed.
    assert answers["a[h1]"]["verdict"] == answers["a[h2]"]["verdict"] == "correct"


def test_gfg_revised_article_fixes_w23_but_prints_other_weights() -> None:
    code, answers = marked(SCENARIOS / "gfg_sigmoid.article-revised-answers.yaml")
    assert code == 1
    # 0.9 + (−0.022184) = 0.877816, consistent with the article's Δw from its y[h2] = 0.59.
    assert answers["w[h2->o]"]["verdict"] == "carried"
    for name in ("w[h1->o]", "w[x1->h2]", "w[x2->h1]", "w[x2->h2]"):
        assert answers[name]["verdict"] == "wrong", name
    assert answers["delta[h2]"]["mistake"] == "power_of_ten"


def test_builtin_article_update_is_a_sign_convention_mistake() -> None:
    code, answers = marked(SCENARIOS / "builtin_identity_xor.article-answers.yaml")
    assert code == 1
    # Forward pass and deltas (δ = t − y = −4) are right ...
    for name in ("a[d0]", "y[d0]", "delta[d0]", "delta[z1]", "delta[z2]", "delta[z3]"):
        assert answers[name]["verdict"] == "correct", name
    # ... but W − α·Z·δ with δ = t − y gives 1 + 0.4 = 1.4 instead of 1 − 0.4 = 0.6.
    for name in ("w[z1->d0]", "w[z2->d0]", "w[z3->d0]", "b[d0]", "b[z1]", "b[z2]", "b[z3]"):
        assert answers[name]["expected"] == pytest.approx(0.6)
        assert answers[name]["mistake"] == "wrong_sign_update", name
        assert "sign convention" in answers[name]["hint"]
        assert "moves uphill" in answers[name]["hint"]
    # Weights from inputs that are 0 in this sample should not move at all.
    assert answers["w[x1->z1]"]["expected"] == 1.0 and answers["w[x1->z1]"]["verdict"] == "wrong"


def test_article_table_output() -> None:
    result = invoke("verify", SCENARIOS / "gfg_sigmoid.article-answers.yaml")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert ("2 correct, 0 within rounding, 6 carried forward, 4 too coarse, 8 wrong, 9 not "
            "attempted") in lines
    row = next(line for line in lines if " delta[h2] " in line)
    assert row.split() == ["delta[h2]", "-0.0819", "-0.00807143", "wrong", "off", "by", "a",
                           "power", "of", "ten", "(×10)"]
    assert "\x1b[" not in result.stdout
    assert "bpstep explain" in lines[-1]


# --- verdicts, exit codes and options ---


def write(tmp_path: Path, text: str, name: str = "answers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_all_accepted_exits_0_and_scenario_may_come_first(tmp_path: Path) -> None:
    answers = write(tmp_path, '"a[h1]": 0.21\n"y[h1]": 0.5523\n"delta[o]": -0.03677\n')
    result = invoke("verify", GFG, answers)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "3 correct, 0 within rounding, 0 wrong, 26 not attempted"


def test_scenario_named_relative_to_the_answers_file(tmp_path: Path) -> None:
    folder = tmp_path / "deep" / "er"
    folder.mkdir(parents=True)
    rel = os.path.relpath(GFG, folder)
    answers = write(folder, f"scenario: {rel}\n\"a[h1]\": 0.3\n")
    assert invoke("verify", answers).exit_code == 1


def test_json_shape(tmp_path: Path) -> None:
    answers = write(tmp_path, f"scenario: {GFG}\n\"a[h1]\": 0.21\n\"y[h1]\": 0.56\n")
    result = invoke("verify", answers, "--json")
    data = json.loads(result.stdout)
    assert set(data) == {"scenario", "revealed", "tolerance", "floor", "answers", "summary",
                         "notes", "problems"}
    assert (data["floor"], data["notes"], data["problems"]) == ({"digits": 3}, [], [])
    first = data["answers"][0]
    assert first == {"name": "a[h1]", "given": 0.21, "written": "0.21", "expected": pytest.approx(0.21),
                     "verdict": "correct", "accepted": True, "hint": None, "mistake": None,
                     "carried_from": [], "recomputed": pytest.approx(0.21), "tolerance": 0.005,
                     "credit": 100}
    assert len(data["answers"]) == 29
    assert data["summary"] == {"correct": 1, "rounding": 0, "carried": 0, "too_coarse": 0,
                               "rounded_too_early": 0, "wrong": 1, "not_attempted": 27,
                               "accepted": 1, "points": 1.0, "attempted": True,
                               "text": "1 correct, 0 within rounding, 1 wrong, 27 not attempted"}
    assert result.exit_code == 1


def test_json_gives_every_field_of_every_verdict(tmp_path: Path) -> None:
    """One answer of each verdict; every field checked against the 2-2-1 step worked by hand."""
    def sigmoid(a: float) -> float:
        return 1 / (1 + math.exp(-a))
    y_h1, y_h2 = sigmoid(0.2 * 0.35 + 0.2 * 0.7), sigmoid(0.3 * 0.35 + 0.3 * 0.7)
    a_o = 0.3 * y_h1 + 0.9 * y_h2
    y_o = sigmoid(a_o)
    d_o = (0.5 - y_o) * y_o * (1 - y_o)
    y_o_mine = sigmoid(0.687)  # from the student's a[o]
    answers = write(tmp_path, f"scenario: {GFG}\n"
                    '"y[h1]": 0.55\n"y[h2]": 0.58\n'  # right to two decimals
                    '"a[o]": 0.687\n'  # = 0.3·0.55 + 0.9·0.58: rounding
                    '"delta[o]": 0.0367703\n'  # (y − t) for (t − y): wrong
                    '"delta[h1]": 0.0027302\n')  # 0.55·0.45·0.3·0.0367703: carried
    code, entries = marked(answers, "--digits", "2")
    assert code == 1
    common = {"hint": None, "mistake": None, "carried_from": []}
    assert entries["a[h1]"] == {"name": "a[h1]", "given": None, "written": None,
                                "expected": pytest.approx(0.21), "verdict": "not attempted",
                                "accepted": None, "recomputed": None, "tolerance": None,
                                "credit": 0, **common}
    assert entries["y[h2]"] == {"name": "y[h2]", "given": 0.58, "written": "0.58",
                                "expected": pytest.approx(y_h2), "verdict": "correct",
                                "accepted": True, "recomputed": pytest.approx(y_h2),
                                "tolerance": 0.005, "credit": 100, **common}
    assert entries["a[o]"] == {"name": "a[o]", "given": 0.687, "written": "0.687",
                               "expected": pytest.approx(a_o), "verdict": "rounding",
                               "accepted": True, "hint": "from your rounded y[h1] = 0.55, y[h2] = 0.58",
                               "mistake": None, "carried_from": [],
                               "recomputed": pytest.approx(0.687), "tolerance": 0.0005,
                               "credit": 100}
    assert entries["delta[o]"] == {
        "name": "delta[o]", "given": 0.0367703, "written": "0.0367703",
        "expected": pytest.approx(d_o), "verdict": "wrong", "accepted": False,
        "hint": "y − t (output − target) used where t − y belongs (δ = −∂E/∂a, delta rule)",
        "mistake": "swapped_error", "carried_from": [],
        "recomputed": pytest.approx((0.5 - y_o_mine) * y_o_mine * (1 - y_o_mine)),
        "tolerance": pytest.approx(5e-8), "credit": 0}
    assert entries["delta[h1]"] == {
        "name": "delta[h1]", "given": 0.0027302, "written": "0.0027302",
        "expected": pytest.approx(y_h1 * (1 - y_h1) * 0.3 * d_o), "verdict": "carried",
        "accepted": True, "hint": "consistent with your delta[o] = 0.0367703", "mistake": None,
        "carried_from": ["delta[o]"], "recomputed": pytest.approx(0.55 * 0.45 * 0.3 * 0.0367703),
        "tolerance": pytest.approx(5e-8), "credit": 100}
    data = json.loads(invoke("verify", answers, "--json", "--digits", "2").stdout)
    assert data["summary"] == {
        "correct": 2, "rounding": 1, "carried": 1, "too_coarse": 0, "rounded_too_early": 0,
        "wrong": 1, "not_attempted": 24, "accepted": 4, "points": 4.0, "attempted": True,
        "text": "2 correct, 1 within rounding, 1 carried forward, 1 wrong, 24 not attempted"}
    assert (data["scenario"], data["revealed"], data["tolerance"], data["floor"]) == (
        "gfg_sigmoid", True, "digits written", {"digits": 2})  # a shipped lesson, by its name
    # Under the default floor of 3 significant figures, 0.55 and 0.58 are right but too coarse.
    data = json.loads(invoke("verify", answers, "--json").stdout)
    assert [a["verdict"] for a in data["answers"] if a["name"] in ("y[h1]", "y[h2]")] == [
        "too coarse", "too coarse"]


def test_no_reveal_hides_the_correct_values(tmp_path: Path) -> None:
    answers = write(tmp_path, f"scenario: {GFG}\n\"delta[h2]\": -0.0807\n\"y[h1]\": 0.55\n")
    result = invoke("verify", answers, "--no-reveal")
    assert "correct " not in result.stdout.splitlines()[1]  # no 'correct' column
    assert "0.00807" not in result.stdout and "0.552308" not in result.stdout
    assert "off by a power of ten (×10)" in result.stdout
    data = json.loads(invoke("verify", answers, "--no-reveal", "--json").stdout)
    assert data["revealed"] is False
    assert all(a["expected"] is None and a["recomputed"] is None for a in data["answers"])


def test_all_lists_quantities_not_attempted(tmp_path: Path) -> None:
    answers = write(tmp_path, f"scenario: {GFG}\n\"a[h1]\": 0.21\n")
    assert " loss_after " not in invoke("verify", answers).stdout
    assert " loss_after " in invoke("verify", answers, "--all").stdout


def test_tol_option(tmp_path: Path) -> None:
    answers = write(tmp_path, f"scenario: {GFG}\n\"y[h1]\": 0.56\n")
    assert invoke("verify", answers).exit_code == 1
    assert invoke("verify", answers, "--tol", "0.01").exit_code == 0


@pytest.mark.parametrize(("text", "message"), [
    ('"a[h1]": 0.21\n  bad: [\n', "YAML syntax error"),
    ("- 0.21\n", "expected a mapping of quantity names to numbers"),
])
def test_bad_answers_exit_2_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    answers = write(tmp_path, text)
    result = invoke("verify", GFG, answers)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_unknown_names_are_said_with_their_lines_and_the_rest_is_marked(tmp_path: Path) -> None:
    answers = write(tmp_path, '"a[h1]": 0.21\n"delta[h3]": 0.1\n"y[x1]": 0.35\n"a[h2]": 0.4\n'
                    '"a[o]": 0.68.6\n')
    result = invoke("verify", GFG, answers)
    assert result.exit_code == 2  # after marking: the file has a problem
    errors = result.stderr.strip().splitlines()
    assert errors == [
        f"bpstep: error: {answers}:5: a[o]: expected a number (like -0.0376 or 9.45e-4) or null, "
        "got '0.68.6'",
        f"bpstep: error: {answers}:2: delta[h3]: unknown quantity 'delta[h3]' (did you mean "
        "'delta[h2]' or 'delta[h1]' or 'delta[o]'?)",
        f"bpstep: error: {answers}:3: y[x1]: 'y[x1]' is an input value of the scenario, not "
        "something to work out; remove it"]
    assert result.stdout.splitlines()[-2] == "1 correct, 0 within rounding, 1 wrong, 27 not attempted"
    data = json.loads(invoke("verify", GFG, answers, "--json").stdout)
    assert data["problems"] == [e.removeprefix("bpstep: error: ") for e in errors]


def test_a_blank_worksheet_is_nothing_attempted_and_exits_1(tmp_path: Path) -> None:
    sheet = write(tmp_path, invoke("template", GFG).stdout)
    result = invoke("verify", GFG, sheet)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "nothing attempted: all 29 values are blank"
    data = json.loads(invoke("verify", GFG, sheet, "--json").stdout)
    assert data["summary"]["attempted"] is False and data["summary"]["not_attempted"] == 29


def test_a_decimal_comma_is_read_as_a_point_with_a_note(tmp_path: Path) -> None:
    answers = write(tmp_path, '"a[h1]": 0,21\n"y[h1]": -0,5523\n"y[h2]": 0.5781\n')
    result = invoke("verify", GFG, answers)
    assert result.stderr.splitlines() == [
        f"bpstep: note: {answers}:1: read a[h1]'s 0,21 as 0.21 (a decimal comma)",
        f"bpstep: note: {answers}:2: read y[h1]'s -0,5523 as -0.5523 (a decimal comma)"]
    data = json.loads(invoke("verify", GFG, answers, "--json").stdout)
    verdicts = {a["name"]: (a["written"], a["verdict"]) for a in data["answers"]}
    assert verdicts["a[h1]"] == ("0.21", "correct")
    assert verdicts["y[h1]"][0] == "-0.5523" and verdicts["y[h1]"][1] != "correct"
    assert len(data["notes"]) == 2


def test_the_precision_floor_is_set_in_figures_or_decimals(tmp_path: Path) -> None:
    # y[h1] = 0.552308: 0.55 is right to two figures, 0.5523 to four.
    answers = write(tmp_path, f"scenario: {GFG}\n\"y[h1]\": 0.55\n")
    assert invoke("verify", answers).exit_code == 1  # three figures asked by default
    assert invoke("verify", answers, "--digits", "2").exit_code == 0
    assert invoke("verify", answers, "--decimals", "2").exit_code == 0
    assert invoke("verify", answers, "--decimals", "3").exit_code == 1
    both = invoke("verify", answers, "--digits", "2", "--decimals", "2")
    assert both.exit_code == 2 and "give one of them" in both.stderr
    data = json.loads(invoke("verify", answers, "--decimals", "2", "--json").stdout)
    assert data["floor"] == {"decimals": 2}
    shown = invoke("verify", answers).stdout
    assert "An answer needs at least 3 significant figures, unless it is exactly the value." in shown


def test_missing_scenario_key_says_what_to_do(tmp_path: Path) -> None:
    result = invoke("verify", write(tmp_path, '"a[h1]": 0.21\n'))
    assert result.exit_code == 2
    assert "does not name its scenario" in result.stderr and "scenario:" in result.stderr


def test_missing_files_exit_2(tmp_path: Path) -> None:
    assert invoke("verify", tmp_path / "nope.yaml").exit_code == 2
    answers = write(tmp_path, 'scenario: missing.yaml\n"a[h1]": 0.21\n')
    result = invoke("verify", answers)
    assert result.exit_code == 2 and "missing.yaml: no such file" in result.stderr


# --- template ---


def test_template_prints_a_worksheet_that_verifies(tmp_path: Path) -> None:
    result = invoke("template", GFG)
    assert result.exit_code == 0
    assert '"y[h1]": null  # output of h1: sigmoid(a[h1])' in result.stdout
    assert "Give at least 3 significant figures" in result.stdout
    sheet = write(tmp_path, result.stdout.replace('"a[h1]": null', '"a[h1]": 0.21'))
    checked = invoke("verify", GFG, sheet)
    assert checked.exit_code == 0
    assert checked.stdout.splitlines()[-1] == "1 correct, 0 within rounding, 0 wrong, 28 not attempted"


def test_template_output_file_names_its_scenario_relative_to_itself(tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    result = invoke("template", GFG, "-o", out)
    # 6 forward values, the loss, 3 deltas, 12 weight changes and new weights, 7 after the update
    assert result.exit_code == 0 and "(29 quantities to work out)" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert f'scenario: "{Path(os.path.relpath(GFG, tmp_path)).as_posix()}"' in text
    filled = text.replace('"a[h1]": null', '"a[h1]": 0.21', 1)
    out.write_text(filled, encoding="utf-8")
    assert invoke("verify", out).exit_code == 0


def test_template_never_overwrites_without_force(tmp_path: Path) -> None:
    out = write(tmp_path, "my answers\n", "mine.yaml")
    result = invoke("template", GFG, "-o", out)
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert out.read_text(encoding="utf-8") == "my answers\n"
    assert invoke("template", GFG, "-o", out, "--force").exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# bpstep worksheet")


# --- explain ---


def test_explain_shows_rule_numbers_and_sources() -> None:
    result = invoke("explain", GFG, "delta[h1]")
    assert result.exit_code == 0
    out = result.stdout
    assert "delta[h1] = y[h1] · (1 − y[h1]) · (w0[h1->o]·delta[o])" in out
    assert "= 0.552308 × (1 − 0.552308) × (0.3×(-0.0367703)) = -0.00272759" in out
    assert "chain rule" in out
    source_rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "given: initial weight h1 → o" in source_rows["w0[h1->o]"]
    assert "δ of o (output unit) (stage 4)" in source_rows["delta[o]"]
    assert "output of h1 (stage 1)" in source_rows["y[h1]"]
    assert out.splitlines()[-2] == f"Go one step back: bpstep explain {GFG} 'delta[o]'"
    assert out.splitlines()[-1] == f"See it as a computational graph: bpstep graph {GFG} 'delta[h1]'"


def test_explain_a_given_value() -> None:
    result = invoke("explain", GFG, "w0[x1->h1]")
    assert result.exit_code == 0
    assert "w0[x1->h1] = 0.2 is given by the scenario (initial weight x1 → h1)" in result.stdout


def test_explain_unknown_name_suggests() -> None:
    result = invoke("explain", GFG, "delta[h]")
    assert result.exit_code == 2
    assert "no quantity named 'delta[h]'" in result.stderr and "did you mean 'delta[h2]'" in result.stderr


def test_a_scenario_given_as_answers_says_so() -> None:
    result = invoke("verify", GFG)
    assert result.exit_code == 2
    assert "looks like a scenario, not an answers file" in result.stderr


def test_a_mistake_in_an_unwritten_hidden_delta_is_named(tmp_path: Path) -> None:
    # Mazur's w1 from δ_h1 worked with the updated w5, w7 (derived by hand in test_verify.py).
    answers = write(tmp_path, f"scenario: {SCENARIOS / 'two_outputs_fixed_biases.yaml'}\n"
                              '"w[i1->h1]": 0.14981764\n')
    code, answers_by_name = marked(answers)
    assert code == 1
    assert answers_by_name["w[i1->h1]"]["mistake"] == "new_for_old"
    result = invoke("verify", answers)
    assert "updated weight used where the old one belongs" in result.stdout


def test_outputs_far_out_of_range_are_marked_not_crashed_on(tmp_path: Path) -> None:
    answers = write(tmp_path, f"scenario: {SCENARIOS / 'softmax_cross_entropy.yaml'}\n"
                              '"y_after[h1]": 6.51\n"y_after[bird]": 0.02095\n"y[cat]": 20680\n')
    code, by_name = marked(answers)
    assert code == 1
    # 6.51 is the true y_after[h1] (0.651...) ×10, outside what sigmoid gives: both are said.
    assert by_name["y_after[h1]"]["mistake"] == "power_of_ten"
    assert by_name["y[cat]"]["mistake"] == "out_of_range"
    assert by_name["y[cat]"]["hint"] == "outside what softmax can give: its outputs lie between 0 and 1"
