"""`bpstep verify --batch`: a 30-student round trip from the command line. Answers are made here
from the variants' keys with mistakes planted by hand; the class summary must name exactly those
mistakes, with the number of students who made each."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bpstep.classroom import MISTAKE_LABELS, mark_batch, pattern_of
from bpstep.cli import app
from bpstep.errors import UserError
from bpstep.export.class_report import report_files
from bpstep.verify import MISTAKES

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
runner = CliRunner()
STUDENTS = 30


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "120"})


def plant(i: int, key: dict, v: dict) -> dict:
    """Students 1-9 leave f′(a) out of both hidden δ; 10-14 flip the sign of Δw x1 → h1;
    15-17 use y − t in the output δ."""
    key = dict(key)
    w2 = v["weights"][1]
    if i <= 9:
        for j, h in enumerate(("h1", "h2")):
            key[f"delta[{h}]"] = w2[j][0] * key["delta[o]"]
    elif i <= 14:
        key["dw[x1->h1]"] = -key["dw[x1->h1]"]
    elif i <= 17:
        y, t = key["y[o]"], v["targets"][0][0]
        key["delta[o]"] = (y - t) * y * (1 - y)
    return key


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch")
    assert invoke("variants", GFG, "--count", str(STUDENTS), "--seed", "5", "-o",
                  root / "class").exit_code == 0
    (root / "answers").mkdir()
    for i in range(1, STUDENTS + 1):
        key = yaml.safe_load((root / "class" / "keys" / f"variant-{i:02d}.key.yaml").read_text())
        v = yaml.safe_load((root / "class" / "students" / f"variant-{i:02d}.yaml").read_text())
        key.pop("scenario")
        lines = [f"scenario: ../class/students/variant-{i:02d}.yaml"]
        lines += [f'"{n}": {x:#.6g}' for n, x in plant(i, key, v).items()]  # 6 figures, 0s kept
        (root / "answers" / f"student-{i:02d}.yaml").write_text("\n".join(lines) + "\n")
    return root


def test_the_class_summary_names_exactly_the_planted_mistakes(classroom: Path) -> None:
    result = invoke("verify", "--batch", classroom / "answers" / "*.yaml", "--json",
                    "--scenarios", classroom / "class")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert len(data["students"]) == STUDENTS and data["bad_files"] == []
    found = [(m["mistake"], m["where"], m["count"]) for m in data["summary"]["mistakes"]]
    assert found == [("derivative_missing", "delta[h*]", 9), ("sign_flipped", "dw[x1->h1]", 5),
                     ("swapped_error", "delta[o]", 3)]
    quantities = data["summary"]["quantities"]
    assert quantities["delta[h1]"] == {"right": 21, "of": 30, "attempted": 30, "not_attempted": 0}
    assert quantities["a[h1]"] == {"right": 30, "of": 30, "attempted": 30, "not_attempted": 0}
    first = data["students"][0]
    assert (first["student"], first["score"], first["max"]) == ("student-01", 27, 29)


def test_the_terminal_report_has_a_line_per_student_and_the_ranking(classroom: Path) -> None:
    result = invoke("verify", "--batch", classroom / "answers" / "*.yaml", "--scenarios", classroom / "class")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert sum(bool(re.match(r"student-\d\d +\d+/29 ", line)) for line in lines) == STUDENTS
    assert "  9 of 30: activation derivative missing in delta[h*]" in lines
    assert "  5 of 30: sign flipped in dw[x1->h1]" in lines


def test_bad_files_are_listed_counted_and_make_exit_2(classroom: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    for name in ("student-01.yaml", "student-20.yaml"):
        text = (classroom / "answers" / name).read_text().replace("../class", str(classroom / "class"))
        (answers / name).write_text(text)
    (answers / "broken.yaml").write_text("a[h1]: [oops\n")
    (answers / "lost.yaml").write_text("scenario: nowhere.yaml\na[h1]: 0.1\n")
    (answers / "evil\x1b[2J.yaml").write_text("a[h1]: 1\n")
    allow = ("--scenarios", classroom / "class")
    result = invoke("verify", "--batch", answers, "--json", *allow)
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [s["student"] for s in data["students"]] == ["student-01", "student-20"]
    assert len(data["bad_files"]) == 3
    shown = invoke("verify", "--batch", answers, *allow).stdout
    assert "3 files could not be marked" in shown and "\x1b" not in shown and "\\x1b[2J" in shown
    assert "nowhere.yaml" in shown


def test_gradebook_csv_and_html_report(classroom: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    text = (classroom / "answers" / "student-03.yaml").read_text()
    (answers / "=HYPERLINK(1).yaml").write_text(text.replace("../class", str(classroom / "class")))
    (answers / "<b>bold.yaml").write_text(text.replace("../class", str(classroom / "class")))
    grades, page = tmp_path / "grades.csv", tmp_path / "report.html"
    allow = ("--scenarios", classroom / "class")
    result = invoke("verify", "--batch", answers / "*.yaml", "--csv", grades, "--html", page, *allow)
    assert result.exit_code == 1, result.output
    rows = list(csv.DictReader(grades.open()))
    assert {r["student"] for r in rows} == {"'=HYPERLINK(1)", "<b>bold"}
    assert rows[0]["score"] == "27" and rows[0]["max"] == "29" and rows[0]["delta[h1]"] == "wrong"
    assert list(rows[0])[:4] == ["student", "file", "score", "max"]  # read by position too
    # New columns go after points: where each line stands, and who it is on a roster.
    assert list(rows[0])[-6:] == ["points", "status", "reason", "id", "name", "email"]
    assert rows[0]["points"] == "27" and rows[0]["status"] == "marked"
    html = page.read_text()
    assert "<svg" in html and "&lt;b&gt;bold" in html and "<b>bold" not in html
    assert not re.search(r"(src|href)=\"https?:", html)
    again = invoke("verify", "--batch", answers / "*.yaml", "--csv", grades, *allow)
    assert again.exit_code == 2 and "already exists" in again.stderr
    onto = invoke("verify", "--batch", answers / "*.yaml", "--csv", answers / "<b>bold.yaml",
                  "--force", *allow)
    assert onto.exit_code == 2 and "never overwritten" in onto.stderr


def test_a_students_file_cannot_make_the_batch_read_files_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "answers").mkdir()
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "notes.yaml").write_text("secret_key: 1\n")
    (tmp_path / "answers" / "s1.yaml").write_text("scenario: ../private/notes.yaml\na[h1]: 0.21\n")
    (tmp_path / "answers" / "s2.yaml").write_text("scenario: gfg_sigmoid\na[h1]: 0.21\n")
    result = invoke("verify", "--batch", tmp_path / "answers" / "*.yaml", "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [s["student"] for s in data["students"]] == ["s2"]  # a lesson name is fine
    assert "outside the answers file's folder" in data["bad_files"][0]["error"]
    assert "secret_key" not in result.stdout


def test_a_pattern_that_matches_nothing_is_exit_2(tmp_path: Path) -> None:
    result = invoke("verify", "--batch", tmp_path / "*.yaml")
    assert result.exit_code == 2 and "matches no files" in result.stderr


def test_every_mistake_has_a_label_and_layers_become_patterns() -> None:
    assert {m.key for m in MISTAKES} <= set(MISTAKE_LABELS)
    assert pattern_of(["delta[h1]", "delta[h2]"]) == "delta[h*]"
    assert pattern_of(["dw[x1->h1]", "dw[x2->h1]"]) == "dw[x*->h1]"
    assert pattern_of(["a[h1]@1", "a[h1]@2"]) == "a[h1]@*"


def test_a_pattern_keeps_every_letter_the_names_share_even_when_one_name_ends_there() -> None:
    # A layer of ten or more units: h10 and h11 share "h1"; h1 is the start of h10.
    assert pattern_of(["delta[h10]", "delta[h11]"]) == "delta[h1*]"
    assert pattern_of(["delta[h1]", "delta[h10]", "delta[h12]"]) == "delta[h1*]"
    assert pattern_of(["dw[in10->hid1]", "dw[in11->hid2]"]) == "dw[in1*->hid*]"


def test_a_pattern_names_the_sample_its_names_share_and_has_no_brackets_without_units() -> None:
    assert pattern_of(["delta[h1]@2", "delta[h2]@2"]) == "delta[h*]@2"
    assert pattern_of(["loss@1", "loss@2"]) == "loss@*"


def test_blanks_are_counted_apart_and_the_floor_reaches_every_student(classroom: Path,
                                                                      tmp_path: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    text = (classroom / "answers" / "student-20.yaml").read_text()
    text = text.replace("../class", str(classroom / "class"))
    lines = text.splitlines()
    (answers / "full.yaml").write_text(text)
    (answers / "half.yaml").write_text("\n".join(lines[:7]) + "\n")  # the forward pass only
    (answers / "blank.yaml").write_text(lines[0] + "\n" + '"a[h1]": null\n')
    result = invoke("verify", "--batch", answers, "--json", "--scenarios", classroom / "class")
    assert result.exit_code == 1  # a blank worksheet passes nothing
    data = json.loads(result.stdout)
    blank = next(s for s in data["students"] if s["student"] == "blank")
    assert blank["counts"]["not attempted"] == 29 and blank["points"] == 0
    shares = data["summary"]["quantities"]
    # Three students: delta[o] answered by one (full), blank on two, and never counted wrong.
    assert shares["delta[o]"] == {"right": 1, "of": 3, "attempted": 1, "not_attempted": 2}
    assert shares["a[h1]"] == {"right": 2, "of": 3, "attempted": 2, "not_attempted": 1}
    # Every value written to 6 figures: still accepted with --digits 6, too coarse with 7.
    assert invoke("verify", "--batch", answers / "full.yaml", "--digits", "6", "--scenarios",
                  classroom / "class").exit_code == 0
    seven = json.loads(invoke("verify", "--batch", answers / "full.yaml", "--digits", "7",
                              "--json", "--scenarios", classroom / "class").stdout)
    assert seven["students"][0]["counts"]["too coarse"] > 20
    shown = invoke("verify", "--batch", answers, "--scenarios", classroom / "class").stdout
    assert "not attempted" in shown.split("class summary")[1]


def test_a_number_that_is_no_number_or_has_a_comma_is_said_and_the_student_still_marked(
        classroom: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    text = (classroom / "answers" / "student-20.yaml").read_text()
    text = text.replace("../class", str(classroom / "class"))
    lines = text.splitlines()
    a_h1 = lines[1].split(": ")[1]
    lines[1] = '"a[h1]": ' + a_h1.replace(".", ",")
    lines[2] = '"a[h2]": 0.06.3'
    (answers / "mixed.yaml").write_text("\n".join(lines) + "\n")
    result = invoke("verify", "--batch", answers, "--json", "--scenarios", classroom / "class")
    assert result.exit_code == 2  # a value no number: the file has a problem, but is marked
    student, = json.loads(result.stdout)["students"]
    path = str(answers / "mixed.yaml")
    assert student["problems"] == [f"{path}:3: a[h2]: expected a number (like -0.0376 or 9.45e-4) "
                                   "or null, got '0.06.3'"]
    assert student["notes"] == [f"{path}:2: read a[h1]'s {a_h1.replace('.', ',')} as {a_h1} (a "
                                "decimal comma)"]
    assert student["verdicts"]["a[h1]"] == "correct" and student["verdicts"]["a[h2]"] == "not attempted"
    assert student["score"] == 28


def test_a_marked_class_is_written_to_a_file_each_and_the_report_links_the_pages(
        classroom: Path, tmp_path: Path) -> None:
    answers = sorted((classroom / "answers").glob("*.yaml"))
    report = mark_batch(answers)
    out = tmp_path / "out"
    files, pages = report_files(report, csv_out=out / "g.csv", html_out=out / "r.html",
                                feedback=out / "fb", gradebook="bpstep", assignment="x",
                                reveal=True)
    assert pages == {str(p): out / "fb" / f"{p.stem}.html" for p in answers}
    assert set(files) == {out / "g.csv", out / "r.html", *pages.values()}
    assert [row["student"] for row in csv.DictReader(files[out / "g.csv"].splitlines())] == [
        p.stem for p in answers]
    assert all(f'href="fb/{p.stem}.html"' in files[out / "r.html"] for p in answers)
    with pytest.raises(UserError, match=r"^--csv, --html and the --feedback pages name the same "):
        report_files(report, csv_out=out / "same", html_out=out / "same", feedback=None,
                     gradebook="bpstep", assignment="x", reveal=True)


def test_files_the_pattern_leaves_out_are_noted_five_by_name_then_counted(tmp_path: Path) -> None:
    """A file the pattern misses would look like a student who handed in nothing: say so."""
    answers = ROOT / "scenarios" / "gfg_sigmoid.article-answers.yaml"
    (tmp_path / "a.yaml").write_bytes(answers.read_bytes())
    for i in range(7):
        (tmp_path / f"s{i}.yml").write_text("")
    result = invoke("verify", "--batch", tmp_path / "a.yaml")
    named = ", ".join(str(tmp_path / f"s{i}.yml") for i in range(5))
    assert f"bpstep: note: not marked, as the pattern does not match them: {named} and 2 more\n" \
        in result.stderr
    (tmp_path / "s5.yml").unlink()
    (tmp_path / "s6.yml").unlink()
    result = invoke("verify", "--batch", tmp_path / "a.yaml")
    assert f"not marked, as the pattern does not match them: {named}\n" in result.stderr


def test_a_mistake_at_two_samples_of_an_online_step_is_counted_at_each(tmp_path: Path) -> None:
    # Online, the second sample is worked after the first one's update: its δ is another stage,
    # so the same mistake there is another line of the summary (delta[o]@1, delta[o]@2), not one
    # for the layer's δ of every sample (delta[o]@*). One input, one sigmoid output, half-SSE:
    # δ = (t − y)·y·(1 − y); w' = w + η·δ·x. Each student swaps t − y in one sample's δ.
    (tmp_path / "online.yaml").write_text(
        "mode: online\nlearning_rate: 0.5\nlayers:\n  - units: [x]\n  - units: [o]\n"
        "    activation: sigmoid\nweights: [[[0.5]]]\ninputs: [[1.0], [0.5]]\n"
        "targets: [[0.9], [0.2]]\n")
    w, deltas = 0.5, []
    for x, t in ((1.0, 0.9), (0.5, 0.2)):
        y = 1 / (1 + math.exp(-w * x))
        deltas.append((t - y) * y * (1 - y))
        w += 0.5 * deltas[-1] * x
    for i, delta in enumerate(deltas, start=1):
        (tmp_path / f"s{i}.yaml").write_text(f'scenario: online.yaml\n"delta[o]@{i}": {-delta:.6g}\n')
    report = mark_batch(sorted(tmp_path.glob("s*.yaml")))
    assert [(m.mistake, m.where, m.students) for m in report.mistakes] == [
        ("swapped_error", "delta[o]@1", ("s1",)), ("swapped_error", "delta[o]@2", ("s2",))]


ANSWERS = ROOT / "scenarios" / "gfg_sigmoid.article-answers.yaml"
CLASS_ONLY = "--csv, --html, --roster and --feedback are about a class; use them with --batch"


@pytest.mark.parametrize(("args", "said"), [
    ([], "give an answers file (bpstep verify answers.yaml), or --batch 'answers/*.yaml'"),
    ([ANSWERS, "--csv", "o.csv"], CLASS_ONLY),
    ([ANSWERS, "--html", "o.html"], CLASS_ONLY),
    ([ANSWERS, "--roster", "r.csv"], CLASS_ONLY),
    ([ANSWERS, "--feedback", "fb"], CLASS_ONLY),
    ([ANSWERS, "--batch", "x/*.yaml"],
     "--batch marks the files its pattern matches; give no ANSWERS file with it"),
    (["--batch", "x/*.yaml", "--all"],
     "--all shapes one worksheet's marking; with --batch the class report lists every student's "
     "verdicts (use --csv for each quantity, --feedback for a page per student)"),
    (["--batch", "x/*.yaml", "--no-reveal"],
     "with --batch, --no-reveal hides the correct values of the feedback pages; give --feedback DIR"),
    (["--batch", "x/*.yaml", "--gradebook", "moodle", "--csv", "m.csv"],
     "--gradebook moodle lays out --csv FILE for importing the roster's grades; give --csv "
     "moodle.csv and --roster FILE"),
    (["--batch", "x/*.yaml", "--gradebook", "canvas", "--roster", "r.csv"],
     "--gradebook canvas lays out --csv FILE for importing the roster's grades; give --csv "
     "canvas.csv and --roster FILE"),
    (["--batch", "x/*.yaml", "--digits", "2", "--decimals", "3"],
     "--digits and --decimals both say how precise an answer must be; give one of them"),
])
def test_verify_refuses_options_that_mean_nothing_together_before_reading_a_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list, said: str) -> None:
    """Each refusal word for word, exit 2, and no file written (none of the outputs named)."""
    monkeypatch.chdir(tmp_path)
    result = invoke("verify", *args)
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()) == f"bpstep: error: {said}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("options", [
    {"batch": False, "answers_file": True},
    {"batch": True, "answers_file": False},
    {"batch": True, "answers_file": False, "no_reveal": True, "feedback": Path("fb")},
    {"batch": True, "answers_file": False, "gradebook": "moodle", "csv_out": Path("m.csv"),
     "roster": Path("r.csv")},
    {"batch": True, "answers_file": False, "digits": 2},
])
def test_verify_options_that_go_together_pass_the_check(options: dict) -> None:
    from bpstep.classroom import check_verify_options

    given = {"batch": False, "answers_file": False, "every_quantity": False, "no_reveal": False,
             "feedback": None, "gradebook": "bpstep", "csv_out": None, "html_out": None,
             "roster": None, "digits": None, "decimals": None}
    check_verify_options(**{**given, **options})  # raises UserError if it refuses


TINY = ("learning_rate: 0.5\nlayers:\n  - units: [x]\n  - units: [o]\n    activation: sigmoid\n"
        "weights: [[[0.5]]]\ninputs: [1.0]\ntargets: [0.9]\n")
"""One weight: a[o] = 0.5·1 = 0.5 and y[o] = 1 / (1 + e^−0.5) = 0.62246 (to five figures)."""


def scores(*args: str | Path) -> list[tuple[str, int]]:
    result = invoke("verify", "--batch", "class/*.yaml", "--json", *args)
    assert result.exit_code in (0, 1), result.output
    return [(s["student"], s["score"]) for s in json.loads(result.stdout)["students"]]


def test_a_class_is_marked_to_the_tolerance_and_precision_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--tol, --decimals and --digits reach every student's marking: a[o] written 0.52 is 0.02
    off 0.5 (out by its own last digit, within ±0.05); y[o] written 0.62 has the 2 decimals and
    2 figures of 0.622, not the 3 figures the default asks."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class").mkdir()
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "class" / "off.yaml").write_text("scenario: tiny.yaml\na[o]: 0.52\n")
    (tmp_path / "class" / "coarse.yaml").write_text("scenario: tiny.yaml\ny[o]: 0.62\n")
    assert scores() == [("coarse", 0), ("off", 0)]
    assert scores("--tol", "0.05") == [("coarse", 1), ("off", 1)]
    assert scores("--decimals", "2") == [("coarse", 1), ("off", 0)]
    assert scores("--decimals", "3") == [("coarse", 0), ("off", 0)]
    assert scores("--digits", "2") == [("coarse", 1), ("off", 0)]


@pytest.mark.parametrize(("title", "heading"), [("title: Tiny one\n", "Tiny one"),
                                                ("", "Backpropagation step")])
def test_a_feedback_page_is_headed_by_its_scenario_title(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, title: str, heading: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class").mkdir()
    (tmp_path / "tiny.yaml").write_text(title + TINY)
    (tmp_path / "class" / "s1.yaml").write_text("scenario: tiny.yaml\na[o]: 0.5\n")
    assert invoke("verify", "--batch", "class/*.yaml", "--feedback", "fb").exit_code == 0
    page = (tmp_path / "fb" / "s1.html").read_text()
    assert f"<h1>{heading}</h1>" in page and f"<title>{heading} · s1</title>" in page


def test_a_class_output_never_replaces_the_roster_or_a_pattern_that_matches_nothing_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class").mkdir()
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "class" / "s1.yaml").write_text("scenario: tiny.yaml\na[o]: 0.5\n")
    (tmp_path / "r.csv").write_text("id,name,email\ns1,Sam One,s1@example.org\n")
    kept = invoke("verify", "--batch", "class/*.yaml", "--roster", "r.csv", "--csv", "r.csv",
                  "--force")
    assert kept.exit_code == 2
    assert " ".join(kept.stderr.split()) == (
        "bpstep: error: r.csv is an input of this command; it is never overwritten: choose "
        "another name")
    assert (tmp_path / "r.csv").read_text() == "id,name,email\ns1,Sam One,s1@example.org\n"
    none = invoke("verify", "--batch", "nothing/*.yaml")
    assert none.exit_code == 2
    assert " ".join(none.stderr.split()) == (
        "bpstep: error: --batch 'nothing/*.yaml' matches no files; quote the pattern, e.g. "
        "--batch 'answers/*.yaml'")
