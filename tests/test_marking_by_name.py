"""An answers file's ``scenario:`` names its variant by file name (issue 23): the name is looked up
in the answers file's folder, the current folder and each ``--scenarios DIR``, never beyond them,
and two different files under one name are said, not guessed between."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bpstep.answers import open_worksheet, scenario_ref
from bpstep.cli import app
from bpstep.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
runner = CliRunner()

# The GeeksforGeeks step worked by hand (its tutorial's inputs 0.35, 0.7; weights 0.2, 0.3; 0.3,
# 0.9): a[h1] = 0.2·0.35 + 0.2·0.7 = 0.21, a[h2] = 0.3·0.35 + 0.3·0.7 = 0.315.
RIGHT = '"a[h1]": 0.21\n"a[h2]": 0.315\n'
WRONG = '"a[h1]": 0.21\n"a[h2]": 0.351\n'


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "160"})


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A teacher's folder: class/students/variant-07.yaml (the lesson's numbers), answers/."""
    root = tmp_path / "work"
    (root / "class" / "students").mkdir(parents=True)
    (root / "answers").mkdir()
    shutil.copy(GFG, root / "class" / "students" / "variant-07.yaml")
    monkeypatch.chdir(root)
    return root


def answers(work: Path, name: str, scenario: str, body: str = RIGHT) -> Path:
    path = work / "answers" / name
    path.write_text(f"scenario: {scenario}\n{body}")
    return path


def test_a_bare_name_is_found_in_a_scenarios_folder_in_batch_and_alone(work: Path) -> None:
    answers(work, "zoe.yaml", "variant-07.yaml")
    answers(work, "ann.yaml", "variant-07.yaml", WRONG)
    result = invoke("verify", "--batch", "answers/*.yaml", "--scenarios", "class/students", "--json")
    assert result.exit_code == 1, result.output  # ann's a[h2] is wrong
    data = json.loads(result.stdout)
    assert data["bad_files"] == []
    scores = {s["student"]: (s["score"], s["verdicts"]["a[h2]"]) for s in data["students"]}
    assert scores == {"ann": (1, "wrong"), "zoe": (2, "correct")}
    assert {s["scenario"] for s in data["students"]} == {"class/students/variant-07.yaml"}
    alone = invoke("verify", "answers/zoe.yaml", "--scenarios", "class/students")
    assert alone.exit_code == 0, alone.output
    assert "2 correct" in alone.stdout


def test_without_the_folder_the_name_is_not_found_and_the_message_says_where_it_looked(
        work: Path) -> None:
    answers(work, "zoe.yaml", "variant-07.yaml")
    result = invoke("verify", "answers/zoe.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "bpstep: error: answers/zoe.yaml:1: scenario: variant-07.yaml: no such file in answers or "
        "the current folder, and no lesson of that name; give the folder of the scenarios with "
        "--scenarios DIR")


def test_a_name_is_found_beside_the_answers_and_in_the_current_folder(work: Path) -> None:
    shutil.copy(GFG, work / "answers" / "net.yaml")
    answers(work, "beside.yaml", "net.yaml")
    assert invoke("verify", "answers/beside.yaml").exit_code == 0
    shutil.copy(GFG, work / "here.yaml")
    answers(work, "cwd.yaml", "here.yaml")
    assert invoke("verify", "answers/cwd.yaml").exit_code == 0
    result = invoke("verify", "--batch", "answers/[bc]*.yaml", "--json")
    assert [s["student"] for s in json.loads(result.stdout)["students"]] == ["beside", "cwd"]


def test_a_path_with_a_folder_is_looked_up_from_each_folder_too(work: Path) -> None:
    answers(work, "zoe.yaml", "students/variant-07.yaml")
    assert invoke("verify", "answers/zoe.yaml", "--scenarios", "class").exit_code == 0


def test_the_same_name_for_two_different_files_is_said_not_guessed(work: Path) -> None:
    answers(work, "zoe.yaml", "variant-07.yaml")
    other = (work / "class" / "students" / "variant-07.yaml").read_text().replace("0.35", "0.45")
    (work / "answers" / "variant-07.yaml").write_text(other)
    result = invoke("verify", "answers/zoe.yaml", "--scenarios", "class/students")
    assert result.exit_code == 2
    assert ("variant-07.yaml names two different files, answers/variant-07.yaml and "
            "class/students/variant-07.yaml; keep one of them") in result.stderr
    batch = invoke("verify", "--batch", "answers/zoe.yaml", "--scenarios", "class/students",
                   "--json")
    assert batch.exit_code == 2
    assert "names two different files" in json.loads(batch.stdout)["bad_files"][0]["error"]
    shutil.copy(GFG, work / "answers" / "variant-07.yaml")  # the same content: one file
    assert invoke("verify", "answers/zoe.yaml", "--scenarios", "class/students").exit_code == 0


def test_a_name_never_leads_out_of_the_allowed_folders(work: Path) -> None:
    secret = work.parent / "secret.yaml"
    shutil.copy(GFG, secret)  # a valid scenario, so only the folder check can refuse it
    for written in ("../../secret.yaml", str(secret), "../../../secret.yaml"):
        answers(work, "eve.yaml", written)
        result = invoke("verify", "answers/eve.yaml", "--scenarios", "class/students")
        assert result.exit_code == 2, written
        assert "is outside the answers file's folder" in result.stderr, written
    (work / "class" / "students" / "link.yaml").symlink_to(secret)
    answers(work, "eve.yaml", "link.yaml")
    result = invoke("verify", "--batch", "answers/eve.yaml", "--scenarios", "class/students",
                    "--json")
    assert result.exit_code == 2
    assert "is outside the answers file's folder" in json.loads(result.stdout)["bad_files"][0]["error"]


def test_a_lesson_name_still_means_the_lesson(work: Path) -> None:
    answers(work, "lesson.yaml", "gfg_sigmoid")
    result = invoke("verify", "--batch", "answers/*.yaml", "--scenarios", "class/students", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["students"][0]["scenario"] == "gfg_sigmoid"


def test_answers_named_like_the_variant_are_never_taken_for_it(work: Path) -> None:
    """In a class folder every answers file is named like a variant: a student's own file, or a
    classmate's, found under the name is no scenario and does not make the name ambiguous."""
    answers(work, "variant-07.yaml", "variant-07.yaml")  # the student's own file
    answers(work, "zoe.yaml", "variant-07.yaml", WRONG)  # finds the classmate's file beside it
    result = invoke("verify", "--batch", "answers/*.yaml", "--scenarios", "class/students", "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["bad_files"] == []
    assert {s["student"]: s["score"] for s in data["students"]} == {"variant-07": 2, "zoe": 1}


def test_a_worksheet_finds_the_scenario_it_names_beside_it(tmp_path: Path) -> None:
    shutil.copy(GFG, tmp_path / "mine.yaml")
    (tmp_path / "a.yaml").write_text(f"scenario: mine.yaml\n{RIGHT}")
    worksheet = open_worksheet(tmp_path / "a.yaml")
    assert worksheet.answers_path == tmp_path / "a.yaml"
    assert worksheet.scenario_path == tmp_path / "mine.yaml"
    assert worksheet.scenario_named == str(tmp_path / "mine.yaml")
    assert worksheet.scenario.learning_rate == yaml.safe_load(GFG.read_text())["learning_rate"]
    assert set(worksheet.sheet.lines) == {"a[h1]", "a[h2]"}


def test_a_scenario_given_wins_and_is_named_as_typed(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(f"scenario: nowhere.yaml\n{RIGHT}")
    worksheet = open_worksheet(tmp_path / "a.yaml", Path("gfg_sigmoid"))
    assert (worksheet.scenario_path, worksheet.scenario_named) == (Path("gfg_sigmoid"), "gfg_sigmoid")


def test_a_worksheet_that_names_no_scenario_says_how_to_give_one(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(RIGHT)
    with pytest.raises(UserError, match=r"a\.yaml: does not name its scenario; add a line like "
                       r"`scenario: gfg_sigmoid\.yaml` .* `bpstep verify SCENARIO .*a\.yaml`$"):
        open_worksheet(tmp_path / "a.yaml")


def test_an_answers_file_names_its_scenario_from_its_own_folder_or_as_a_lesson(
        tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    shutil.copy(GFG, tmp_path / "sub" / "x.yaml")
    assert scenario_ref(tmp_path / "sub" / "x.yaml", tmp_path / "out" / "a.yaml") == "../sub/x.yaml"
    assert scenario_ref(tmp_path / "sub" / "x.yaml", tmp_path / "sub" / "a.yaml") == "x.yaml"
    assert scenario_ref(Path("gfg_sigmoid"), tmp_path / "a.yaml") == "gfg_sigmoid"
