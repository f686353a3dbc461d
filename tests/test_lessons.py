"""Lessons by name: every shipped file is a lesson, a path that exists wins over a name, an
unknown name is refused with the closest names, copies never replace a file unasked, and every
example the help gives works from an empty folder."""

from __future__ import annotations

import json
import re
import shlex
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpstep import lessons
from bpstep.answers import load as load_answers
from bpstep.cli import app

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
runner = CliRunner()


def invoke(*args: str | Path, columns: int = 120):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": str(columns)})


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, as after installing bpstep anywhere."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- the catalogue ---


def test_every_shipped_file_is_a_lesson_and_every_lesson_a_file() -> None:
    assert sorted(p.name for p in SCENARIOS.iterdir()) == sorted(f"{n}.yaml" for n in lessons.TEACHES)
    assert lessons.folder().resolve() == SCENARIOS.resolve()  # a checkout reads scenarios/ itself


def test_each_answers_file_names_the_scenario_it_is_listed_under() -> None:
    answered = {a: s.name for s in lessons.lessons() for a in s.answers}
    assert set(answered) == {n for n in lessons.TEACHES if n.endswith("answers")}
    for answers, scenario in answered.items():
        sheet = load_answers(SCENARIOS / f"{answers}.yaml")
        assert sheet.scenario == SCENARIOS / f"{scenario}.yaml", answers


def test_the_readme_table_is_the_catalogue() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Lessons", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (.+) \|$", section, re.M)
    assert rows == list(lessons.TEACHES.items())


def test_lessons_lists_name_title_teaching_and_answers() -> None:
    result = invoke("lessons")
    assert result.exit_code == 0
    for name, teaches in lessons.TEACHES.items():
        assert name in result.stdout
        assert " ".join(teaches.split()[:3]) in result.stdout
    assert "Sigmoid 2-3-2-1 with two hidden layers" in result.stdout
    assert "bpstep verify gfg_sigmoid.article-revised-answers" in result.stdout


@pytest.mark.parametrize("columns", [50, 70, 100, 200])
def test_lessons_fit_the_terminal_with_no_trailing_spaces(columns: int) -> None:
    result = invoke("lessons", columns=columns)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert all(line == line.rstrip() for line in lines)
    assert "two_outputs_fixed_biases" in result.stdout
    assert "gfg_sigmoid.article-revised-answers" in result.stdout


def test_lessons_json_pairs_answers_with_their_scenario() -> None:
    result = invoke("lessons", "--json")
    rows = {r["name"]: r for r in json.loads(result.stdout)["lessons"]}
    assert list(rows) == list(lessons.TEACHES)
    assert rows["gfg_sigmoid"]["answers"] == ["gfg_sigmoid.article-answers",
                                              "gfg_sigmoid.article-revised-answers"]
    assert rows["builtin_identity_xor.article-answers"]["scenario"] == "builtin_identity_xor"
    assert rows["tanh_mse"]["title"] == "tanh 2-2-2 with biases and mean squared error"
    assert Path(rows["relu_sse"]["path"]).read_bytes() == (SCENARIOS / "relu_sse.yaml").read_bytes()


# --- names where files go ---


def test_run_takes_a_lesson_name_from_any_folder(empty: Path) -> None:
    result = invoke("run", "gfg_sigmoid", "--json")
    assert result.exit_code == 0, result.stderr
    values = json.loads(result.stdout)["values"]
    # hand-derived: a = 0.35·0.2 + 0.7·0.2; y = 1/(1 + e^-0.21); published new w[h2->o]
    assert values["a[h1]"] == pytest.approx(0.21)
    assert values["y[h1]"] == pytest.approx(0.552308, abs=5e-7)
    assert values["w[h2->o]"] == pytest.approx(0.878743, abs=5e-7)
    assert invoke("run", "gfg_sigmoid.yaml", "--json").stdout == result.stdout


def test_a_path_that_exists_wins_over_a_lesson_name(empty: Path) -> None:
    (empty / "gfg_sigmoid").write_bytes((SCENARIOS / "tanh_mse.yaml").read_bytes())
    result = invoke("run", "gfg_sigmoid", "--json")
    assert json.loads(result.stdout)["title"] == "tanh 2-2-2 with biases and mean squared error"


@pytest.mark.parametrize(("written", "suggested"), [
    ("gfg_sigmod", "did you mean 'gfg_sigmoid'"),
    ("scenarios/two_hidden_layer.yaml", "did you mean 'two_hidden_layers'"),
    ("nowhere", "check the path; `bpstep lessons` lists the lessons"),
])
def test_an_unknown_name_is_refused_with_the_closest_lessons(empty: Path, written: str,
                                                            suggested: str) -> None:
    for command in (["run"], ["template"], ["verify"], ["explain"], ["train"]):
        result = invoke(*command, written, *(["a[h1]"] if command == ["explain"] else []))
        assert result.exit_code == 2
        assert result.stderr.startswith(f"bpstep: error: {written}: no such file or lesson; {suggested}")
        assert "Traceback" not in result.stderr


def test_verify_takes_an_answers_lesson_and_finds_its_scenario_beside_it(empty: Path) -> None:
    result = invoke("verify", "gfg_sigmoid.article-answers", "--json")
    assert result.exit_code == 1  # the article has mistakes
    answers = {a["name"]: a for a in json.loads(result.stdout)["answers"]}
    assert answers["a[h1]"]["verdict"] == "correct"
    assert answers["delta[o]"]["expected"] == pytest.approx(-0.0367703, abs=5e-8)
    text = invoke("verify", "gfg_sigmoid.article-answers").stdout
    assert "bpstep explain gfg_sigmoid 'y[h1]'" in text  # a hint that works where it is typed


def test_verify_takes_a_scenario_lesson_before_the_answers(empty: Path) -> None:
    (empty / "mine.yaml").write_text('"a[h1]": 0.21\n"y[h1]": 0.5523\n', encoding="utf-8")
    assert invoke("verify", "gfg_sigmoid", "mine.yaml").exit_code == 0


def test_a_worksheet_of_a_lesson_names_the_lesson_and_verifies_anywhere(empty: Path) -> None:
    made = invoke("template", "gfg_sigmoid", "-o", "answers.yaml")
    assert made.exit_code == 0, made.stderr
    sheet = (empty / "answers.yaml").read_text(encoding="utf-8")
    assert 'scenario: "gfg_sigmoid"' in sheet
    (empty / "answers.yaml").write_text(sheet.replace('"a[h1]": null', '"a[h1]": 0.21'),
                                        encoding="utf-8")
    result = invoke("verify", "answers.yaml", "--json")
    assert result.exit_code == 0, result.stderr
    (answer,) = [a for a in json.loads(result.stdout)["answers"] if a["verdict"] != "not attempted"]
    assert (answer["name"], answer["verdict"]) == ("a[h1]", "correct")


def test_train_explain_diagram_and_export_take_lesson_names(empty: Path) -> None:
    assert invoke("train", "xor_sigmoid", "--epochs", "5", "--json").exit_code == 0
    assert "w0[x1->h1] + dw[x1->h1]" in invoke("explain", "gfg_sigmoid", "w[x1->h1]").stdout
    assert invoke("diagram", "gfg_sigmoid", "-o", "net.svg").exit_code == 0
    assert invoke("export", "gfg_sigmoid", "-f", "markdown", "-o", "walk.md").exit_code == 0
    assert "0.878743" in (empty / "walk.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("form", "said"), [("markdown", "from `{}`"),
                                             ("latex", r"from \texttt{{{}}}"),
                                             ("html", "from <code>{}</code>")])
def test_a_handout_names_the_lesson_and_a_file_as_typed_never_where_it_lies(
        empty: Path, form: str, said: str) -> None:
    """Not the folder the lessons are installed in (site-packages, a teacher's home)."""
    assert invoke("export", "gfg_sigmoid", "-f", form, "-o", "lesson.out").exit_code == 0
    text = (empty / "lesson.out").read_text(encoding="utf-8")
    assert said.format("gfg\\_sigmoid" if form == "latex" else "gfg_sigmoid") in text
    assert str(SCENARIOS) not in text and str(Path.home()) not in text
    (empty / "mine").mkdir()
    (empty / "mine" / "net.yaml").write_bytes((SCENARIOS / "tanh_mse.yaml").read_bytes())
    assert invoke("export", "mine/net.yaml", "-f", form, "-o", "mine.out").exit_code == 0
    text = (empty / "mine.out").read_text(encoding="utf-8")
    assert said.format("mine/net.yaml") in text and str(empty) not in text


def test_json_names_the_lesson_or_the_path_as_typed(empty: Path) -> None:
    assert json.loads(invoke("run", "gfg_sigmoid", "--json").stdout)["scenario"] == "gfg_sigmoid"
    trained = invoke("train", "xor_sigmoid", "--epochs", "2", "--json").stdout
    assert json.loads(trained)["scenario"] == "xor_sigmoid"
    marked = invoke("verify", "gfg_sigmoid.article-answers", "--json").stdout
    assert json.loads(marked)["scenario"] == "gfg_sigmoid"
    (empty / "net.yaml").write_bytes((SCENARIOS / "relu_sse.yaml").read_bytes())
    assert json.loads(invoke("run", "net.yaml", "--json").stdout)["scenario"] == "net.yaml"
    typed = str(empty / "net.yaml")  # an absolute path typed stays the path typed
    assert json.loads(invoke("run", typed, "--json").stdout)["scenario"] == typed


# --- copies ---


def test_copy_writes_the_lesson_as_it_ships(empty: Path) -> None:
    result = invoke("lessons", "copy", "two_hidden_layers", "-o", "mine")
    assert result.exit_code == 0, result.stderr
    assert (empty / "mine" / "two_hidden_layers.yaml").read_bytes() == \
        (SCENARIOS / "two_hidden_layers.yaml").read_bytes()
    assert "bpstep run mine/two_hidden_layers.yaml" in result.stderr
    assert invoke("lessons", "copy", "xor_batch", "-o", "net.yaml").exit_code == 0
    assert (empty / "net.yaml").read_bytes() == (SCENARIOS / "xor_batch.yaml").read_bytes()
    assert sorted(p.name for p in empty.rglob("*")) == ["mine", "net.yaml", "two_hidden_layers.yaml"]


def test_copy_never_replaces_a_file_without_force(empty: Path) -> None:
    (empty / "gfg_sigmoid.yaml").write_text("my own work\n", encoding="utf-8")
    refused = invoke("lessons", "copy", "gfg_sigmoid")
    assert refused.exit_code == 2 and "already exists; use --force" in refused.stderr
    assert (empty / "gfg_sigmoid.yaml").read_text(encoding="utf-8") == "my own work\n"
    assert invoke("lessons", "copy", "gfg_sigmoid", "--force").exit_code == 0
    assert (empty / "gfg_sigmoid.yaml").read_bytes() == (SCENARIOS / "gfg_sigmoid.yaml").read_bytes()
    assert [p.name for p in empty.iterdir()] == ["gfg_sigmoid.yaml"]  # no temp file left


def test_a_copied_answers_file_still_finds_its_scenario(empty: Path) -> None:
    assert invoke("lessons", "copy", "builtin_identity_xor.article-answers").exit_code == 0
    result = invoke("verify", "builtin_identity_xor.article-answers.yaml", "--json")
    assert result.exit_code == 1 and json.loads(result.stdout)["summary"]["correct"] == 12


def test_copy_of_an_unknown_lesson_suggests_one(empty: Path) -> None:
    result = invoke("lessons", "copy", "tanh_mes")
    assert result.exit_code == 2
    assert result.stderr.startswith("bpstep: error: tanh_mes: no such lesson; did you mean 'tanh_mse'?")
    assert list(empty.iterdir()) == []


# --- help and version ---


def test_every_example_of_the_top_level_help_works_from_an_empty_folder(empty: Path) -> None:
    help_text = invoke("--help").stdout
    examples = [line.strip().split("  (")[0] for line in help_text.splitlines()
                if line.strip().startswith("bpstep ")]
    assert len(examples) >= 6
    for example in examples:
        result = invoke(*shlex.split(example)[1:])
        assert result.exit_code in (0, 1), (example, result.stderr)


def test_version_is_the_package_metadata_and_pyproject_version() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = re.search(r'^version = "(.+)"$', pyproject, re.M)[1]  # tomllib is 3.11+
    assert version("bpstep") == declared, "reinstall: pip install -e '.[test]'"
    assert invoke("--version").stdout == f"bpstep {declared}\n"
    assert f"## {declared}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_practice_on_a_lesson_saves_answers_that_verify_from_another_folder(empty: Path) -> None:
    (empty / "out").mkdir()
    done = runner.invoke(app, ["practice", "gfg_sigmoid", "--ask", "a[h1]", "--save", "out/mine.yaml"],
                         input="0.21\n", env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert done.exit_code == 0, done.stderr
    assert 'scenario: "gfg_sigmoid"' in (empty / "out" / "mine.yaml").read_text(encoding="utf-8")
    assert invoke("verify", "out/mine.yaml").exit_code == 0


def test_copy_into_a_folder_in_a_missing_folder_is_refused_and_makes_nothing(empty: Path) -> None:
    result = invoke("lessons", "copy", "gfg_sigmoid", "-o", Path("no") / "such")
    assert result.exit_code == 2
    assert result.stderr == "bpstep: error: no does not exist; create the folder first\n"
    assert list(empty.iterdir()) == []


def test_a_yml_name_is_the_copy_and_an_answers_lesson_is_then_verified(empty: Path) -> None:
    result = invoke("lessons", "copy", "gfg_sigmoid.article-answers", "-o", "mine.YML")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in empty.iterdir()] == ["mine.YML"]
    assert "then: bpstep verify mine.YML" in result.stderr
