"""Numbers that stop being numbers: said once in bpstep's words, never inf/nan/NaN anywhere."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.engine import step
from bpstep.numbers import fmt
from bpstep.scenario import check

HUGE = {"learning_rate": 1, "inputs": [1, 1], "targets": [0],
        "layers": [{"units": ["x1", "x2"]}, {"units": ["h1"], "activation": "identity"},
                   {"units": ["o"], "activation": "identity"}],
        "weights": [[[1e200], [1e200]], [[1e200]]]}
"""a[h1] = 2e200 is still a float; a[o] = 2e200 × 1e200 is not."""


@pytest.fixture
def huge(tmp_path: Path) -> Path:
    path = tmp_path / "huge.yaml"
    path.write_text(json.dumps(HUGE))
    return path


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "100"})


def test_the_step_raises_no_numpy_warning_and_says_where_it_stops_being_finite() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = step(check(HUGE))
    assert trace.value_of("a[h1]") == 2e200
    assert trace.not_finite() == (1, "a[o]")


def test_not_a_number_raises_no_numpy_warning_either() -> None:
    # tanh(2e12) is exactly 1, so the hidden unit's slope 1 − y² is 0; its delta is
    # 0 · (1e300 · −1e300) = 0 · −∞, which is not a number. The loss ½ · (1e300)² overflows first.
    saturated = {**HUGE, "inputs": [1e10, 1e10],
                 "layers": [{"units": ["x1", "x2"]}, {"units": ["h1"], "activation": "tanh"},
                            {"units": ["o"], "activation": "identity"}],
                 "weights": [[[100], [100]], [[1e300]]]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = step(check(saturated))
    assert trace.value_of("y[h1]") == 1.0 and trace.value_of("delta[o]") == -1e300
    assert trace.value_of("delta[h1]") != trace.value_of("delta[h1]")  # nan
    assert trace.not_finite() == (2, "loss")


def test_fmt_names_what_is_not_a_number() -> None:
    assert fmt(float("inf")) == fmt(float("-inf")) == "overflow"
    assert fmt(float("nan")) == "undefined"
    assert fmt(2e200) == "2e200"


def test_run_says_it_once_marks_the_table_and_exits_1(huge: Path) -> None:
    result = invoke("run", huge)
    assert result.exit_code == 1
    assert result.stderr.count("leave the float range at stage 2 of 8 (a[o])") == 1
    assert "RuntimeWarning" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert "overflow" in result.stdout
    assert not re.search(r"\b(inf|nan|NaN|Infinity)\b", result.stdout)


def test_json_stays_valid_json_with_null_for_what_is_not_finite(huge: Path) -> None:
    result = invoke("run", huge, "--json")
    assert result.exit_code == 1

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    data = json.loads(result.stdout, parse_constant=refuse)
    assert data["values"]["a[h1]"] == 2e200 and data["values"]["a[o]"] is None
    assert all(q["value"] is None for stage in data["stages"][1:] for q in stage["quantities"]
               if q["name"] in ("a[o]", "loss", "delta[o]"))


def test_exports_diagrams_and_explanations_say_it_too(huge: Path, tmp_path: Path) -> None:
    for args in (("export", huge, "-f", "markdown", "-o", tmp_path / "h.md"),
                 ("diagram", huge, "-o", tmp_path / "h.svg", "--stage", "5"),
                 ("explain", huge, "w[x1->h1]")):
        result = invoke(*args)
        assert result.exit_code == 1, args
        assert result.stderr.count("leave the float range") == 1, args
    assert "overflow" in (tmp_path / "h.md").read_text()
    assert not re.search(r">\s*-?(inf|nan)\s*<", (tmp_path / "h.svg").read_text())


def test_finite_steps_are_untouched() -> None:
    result = invoke("run", Path(__file__).resolve().parent.parent / "scenarios" / "gfg_sigmoid.yaml")
    assert result.exit_code == 0 and result.stderr == ""


def test_verify_never_calls_an_overflowed_value_correct_and_its_json_stays_json(tmp_path: Path) -> None:
    (tmp_path / "huge.yaml").write_text(json.dumps(HUGE))
    answers = tmp_path / "answers.yaml"
    answers.write_text('scenario: huge.yaml\n"a[h1]": 2e200\n"a[o]": 1\n"loss": 5\n')
    result = invoke("verify", answers, "--json")
    assert result.exit_code == 1
    assert result.stderr.count("leave the float range") == 1

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    marked = {a["name"]: a for a in json.loads(result.stdout, parse_constant=refuse)["answers"]}
    assert marked["a[h1]"]["verdict"] == "correct"
    # From the student's a[o] = 1 (identity, t = 0) the loss recomputes to ½·(0 − 1)² = 0.5.
    for name, written, recomputed in (("a[o]", "1", None), ("loss", "5", 0.5)):
        assert marked[name] == {
            "name": name, "given": float(written), "written": written, "expected": None,
            "verdict": "wrong", "accepted": False, "mistake": "not_finite",
            "hint": "the true value is past the float range, so no number written can be right",
            "carried_from": [], "recomputed": recomputed, "tolerance": 0.5, "credit": 0}


def test_rules_with_numbers_say_overflow_in_json_too(huge: Path) -> None:
    data = json.loads(invoke("run", huge, "--json").stdout)
    shown = [q["substituted"] for stage in data["stages"] for q in stage["quantities"]]
    assert any(text.endswith("= overflow") for text in shown)
    assert not any(re.search(r"\b(inf|nan)\b", text) for text in shown)


def test_graph_says_it_once_and_exits_1(huge: Path) -> None:
    result = invoke("graph", huge, "a[o]")
    assert result.exit_code == 1 and result.stderr.count("leave the float range") == 1
