"""A gradebook a teacher can import (issue 23): a class of 30 on a roster, each with their own
numbers, marked by name from ``answers/`` into Moodle's and Canvas's CSV import, with every student
of the roster on a line (marked, missing, unreadable) and a feedback page per student.

The variants, their keys and the students' answers are all made here: each variant's step is
worked in numpy below, never by bpstep, and slips are planted by hand; every expected grade is
counted from the planted verdicts.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from bpstep.cli import app

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
runner = CliRunner()
CLASS = 30
VALUES = 29
"""Values of the 2-2-1 step: 6 forward, the loss, 3 deltas, 12 updates, 7 after."""
SIGN_FLIPPED = (3, 11)
"""Students whose Δw x1 → h1 has its sign flipped."""
TEN_TIMES = (5, 14, 20)
"""Students whose δ of h2 is ten times too big."""
NOT_A_NUMBER = 10
"""A student whose a[h1] is `<script>…`: not read, the rest marked."""
UNREADABLE = (25, 26)
MISSING = (27, 28, 29, 30)
BY_KEY = {7: "upload-7731", 12: "scan_0012"}
"""Students whose file has another name and says who they are in `student:` (7 by id in other
case, 12 by email)."""
HOSTILE_NAME = 9
"""A student whose roster name is a script."""


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "120"})


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def worked(x: np.ndarray, w1: np.ndarray, w2: np.ndarray, t: np.ndarray, lr: float
           ) -> dict[str, float]:
    """Every value of one step of the 2-2-1 sigmoid net (half SSE, δ = t − y, w ← w + η·δ·y)."""
    a_h = x @ w1
    y_h = sigmoid(a_h)
    a_o = y_h @ w2
    y_o = sigmoid(a_o)
    d_o = (t - y_o) * y_o * (1 - y_o)
    d_h = y_h * (1 - y_h) * (w2 @ d_o)
    dw2, dw1 = lr * np.outer(y_h, d_o), lr * np.outer(x, d_h)
    new1, new2 = w1 + dw1, w2 + dw2
    a_h2 = x @ new1
    y_h2 = sigmoid(a_h2)
    a_o2 = y_h2 @ new2
    y_o2 = sigmoid(a_o2)
    v = {"loss": 0.5 * np.sum((t - y_o) ** 2), "delta[o]": d_o[0],
         "loss_after": 0.5 * np.sum((t - y_o2) ** 2), "a[o]": a_o[0], "y[o]": y_o[0],
         "a_after[o]": a_o2[0], "y_after[o]": y_o2[0]}
    for j, h in enumerate(("h1", "h2")):
        v |= {f"a[{h}]": a_h[j], f"y[{h}]": y_h[j], f"delta[{h}]": d_h[j],
              f"dw[{h}->o]": dw2[j, 0], f"w[{h}->o]": new2[j, 0],
              f"a_after[{h}]": a_h2[j], f"y_after[{h}]": y_h2[j]}
        for i, x_ in enumerate(("x1", "x2")):
            v |= {f"dw[{x_}->{h}]": dw1[i, j], f"w[{x_}->{h}]": new1[i, j]}
    return {k: float(x) for k, x in v.items()}


def ident(i: int) -> str:
    return "Zoë O'Neil" if i == 2 else f"s{i:03d}"


def stem(i: int) -> str:
    """The file name bpstep variants --roster gives student i: the id made file-safe."""
    return "Zoe-O-Neil" if i == 2 else f"s{i:03d}"


def name(i: int) -> str:
    return "<script>alert(1)</script>" if i == HOSTILE_NAME else f"Student {i}"


def email(i: int) -> str:
    return f"{stem(i).lower()}@uni.example"


def variant(i: int) -> dict:
    """Student i's numbers: the lesson's network, weights, input and target drawn anew."""
    rng = np.random.default_rng(100 + i)
    data = yaml.safe_load(GFG.read_text())
    w = [float(sign * size / 100) for sign, size in zip(rng.choice([-1, 1], size=6),
                                                         rng.integers(5, 95, size=6), strict=True)]
    data["title"] = f"Sigmoid 2-2-1 · {stem(i)}"
    data["weights"] = [[[w[0], w[1]], [w[2], w[3]]], [[w[4]], [w[5]]]]
    data["inputs"] = [[float(x / 100) for x in rng.integers(10, 90, size=2)]]
    data["targets"] = [[float(rng.integers(10, 90) / 100)]]
    return data


def answers_of(data: dict) -> dict[str, float]:
    w1, w2 = (np.array(w, dtype=float) for w in data["weights"])
    return worked(np.array(data["inputs"][0]), w1, w2, np.array(data["targets"][0]),
                  float(data["learning_rate"]))


def planted(i: int, values: dict[str, float]) -> dict[str, str]:
    """What student i writes: every value to 6 significant figures, slips planted."""
    out = {k: f"{v:.6g}" for k, v in values.items()}
    if i in SIGN_FLIPPED:
        out["dw[x1->h1]"] = f"{-values['dw[x1->h1]']:.6g}"
    if i in TEN_TIMES:
        out["delta[h2]"] = f"{10 * values['delta[h2]']:.6g}"
    if i == NOT_A_NUMBER:
        out["a[h1]"] = '"<script>alert(1)</script>"'
    return out


def expected_points(i: int) -> str:
    """Points counted from the planted verdicts: one per value accepted, none for a slip."""
    if i in UNREADABLE or i in MISSING:
        return ""
    wrong = (i in SIGN_FLIPPED) + (i in TEN_TIMES) + (i == NOT_A_NUMBER)
    return str(VALUES - wrong)


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """class/students/<stem>.yaml, class/keys/<stem>.key.yaml, roster.csv and answers/."""
    root = tmp_path_factory.mktemp("school")
    for folder in ("class/students", "class/keys", "answers"):
        (root / folder).mkdir(parents=True)
    with (root / "roster.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "name", "email"])
        writer.writerows([ident(i), name(i), email(i)] for i in range(1, CLASS + 1))
    for i in range(1, CLASS + 1):
        data = variant(i)
        (root / "class" / "students" / f"{stem(i)}.yaml").write_text(yaml.safe_dump(data))
        values = answers_of(data)
        key = [f'scenario: "{stem(i)}.yaml"', *(f'"{k}": {v!r}' for k, v in values.items())]
        (root / "class" / "keys" / f"{stem(i)}.key.yaml").write_text("\n".join(key) + "\n")
        if i in MISSING:
            continue
        lines = [f"scenario: {stem(i)}.yaml"]
        if i in BY_KEY:
            lines.append(f"student: {ident(i).upper() if i == 7 else email(i)}")
        lines += [f'"{k}": {v}' for k, v in planted(i, values).items()]
        text = "\n".join(lines) + "\n"
        if i == UNREADABLE[0]:
            text = text.replace('"a[o]": ', '"a[o]": [', 1)
        if i == UNREADABLE[1]:
            text = text.replace(f"scenario: {stem(i)}.yaml", "scenario: variant-99.yaml")
        (root / "answers" / f"{BY_KEY.get(i, stem(i))}.yaml").write_text(text)
    visitor = (root / "answers" / "s001.yaml").read_text()
    (root / "answers" / "visitor.yaml").write_text(visitor)
    return root


def batch(school: Path, *args: str | Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(school)
    return invoke("verify", "--batch", "answers/*.yaml", "--scenarios", "class/students",
                  "--roster", "roster.csv", *args)


def test_the_keys_name_their_variant_by_file_name_and_pass(school: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(school)
    result = invoke("verify", "--batch", "class/keys/*.yaml", "--scenarios", "class/students",
                    "--json")
    assert result.exit_code == 0, result.output
    students = json.loads(result.stdout)["students"]
    assert len(students) == CLASS and all(s["score"] == VALUES for s in students)


def test_a_class_of_30_round_trips_into_moodle(school: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "moodle.csv"
    result = batch(school, "--gradebook", "moodle", "--csv", out, monkeypatch=monkeypatch)
    assert result.exit_code == 2, result.output  # unreadable files, a file of no one
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["Email address", "Full name", "bpstep (points)", "bpstep (%)"]
    assert len(rows) == 1 + CLASS  # every roster student, in the roster's order
    for i, row in enumerate(rows[1:], start=1):
        points = expected_points(i)
        percent = f"{round(100 * int(points) / VALUES, 2):g}" if points else ""
        assert row == [email(i), name(i), points, percent], i
    shown = result.stdout
    assert "  3 of 25: off by a power of ten in delta[h2]" in shown
    assert "  2 of 25: sign flipped in dw[x1->h1]" in shown
    assert "roster roster.csv · 30 students: 24 marked, 4 missing, 2 unreadable, 1 not on " \
           "roster" in shown
    for i in MISSING:
        assert f"  missing: {ident(i)} {name(i)}\n" in shown
    for i in UNREADABLE:
        assert f"  unreadable: {ident(i)} {name(i)} (answers/{stem(i)}.yaml)\n" in shown
    assert "  not on roster: answers/visitor.yaml\n" in shown


def test_the_json_gradebook_has_every_roster_row(school: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    result = batch(school, "--json", monkeypatch=monkeypatch)
    data = json.loads(result.stdout)
    book = data["gradebook"]
    assert [e["id"] for e in book] == [ident(i) for i in range(1, CLASS + 1)] + [None]
    status = {e["id"]: e["status"] for e in book}
    for i in range(1, CLASS + 1):
        want = "missing" if i in MISSING else "unreadable" if i in UNREADABLE else "marked"
        assert status[ident(i)] == want, i
    assert book[-1] == {"status": "not on roster", "reason": "no student of the roster has this "
                        "file's name or its student: id", "id": None, "name": None,
                        "email": None, "line": None, "files": ["answers/visitor.yaml"],
                        "points": float(VALUES), "max": VALUES}
    by_id = {e["id"]: e for e in book}
    assert by_id["s007"]["files"] == ["answers/upload-7731.yaml"]  # its student: key, any case
    assert by_id["s012"]["files"] == ["answers/scan_0012.yaml"]  # its student: key, an email
    assert by_id["Zoë O'Neil"]["files"] == ["answers/Zoe-O-Neil.yaml"]
    assert "variant-99.yaml: no such file" in by_id["s026"]["reason"]
    assert data["roster"] == {"file": "roster.csv", "students": CLASS, "counts": {
        "marked": 24, "missing": 4, "unreadable": 2, "not on roster": 1, "several files": 0,
        "set aside": 0}}
    found = [(m["mistake"], m["where"], m["count"]) for m in data["summary"]["mistakes"]]
    assert found == [("power_of_ten", "delta[h2]", 3), ("sign_flipped", "dw[x1->h1]", 2)]


def test_the_bpstep_gradebook_lists_every_line_with_its_status(
        school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "grades.csv"
    assert batch(school, "--csv", out, monkeypatch=monkeypatch).exit_code == 2
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == CLASS + 1
    assert [r["id"] for r in rows[:CLASS]] == [ident(i) for i in range(1, CLASS + 1)]
    for i, row in enumerate(rows[:CLASS], start=1):
        assert row["points"] == expected_points(i), i
        assert (row["score"] == "") == (i in MISSING or i in UNREADABLE)
    hostile = rows[HOSTILE_NAME - 1]
    assert hostile["name"] == "<script>alert(1)</script>"  # text, and no formula
    assert rows[-1]["status"] == "not on roster" and rows[-1]["file"] == "answers/visitor.yaml"
    assert rows[SIGN_FLIPPED[0] - 1]["dw[x1->h1]"] == "wrong"


def test_canvas_gets_its_student_columns_and_points_possible(
        school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "canvas.csv"
    result = batch(school, "--gradebook", "canvas", "--csv", out, "--assignment", "HW 3 (12345)",
                   monkeypatch=monkeypatch)
    assert result.exit_code == 2
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "HW 3 (12345)"]
    assert rows[1] == ["Points Possible", "", "", "", "", str(VALUES)]
    # A roster that is not Canvas's export has no Canvas ids: students are found by name.
    assert rows[2:] == [[name(i), "", "", "", "", expected_points(i)]
                        for i in range(1, CLASS + 1)]


def test_a_canvas_export_as_roster_gives_its_ids(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path
    (work / "answers").mkdir()
    shutil.copy(GFG, work / "net.yaml")
    (work / "roster.csv").write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Homework (77)\n"
        "    Points Possible,,,,,10\n"
        '"Lee, Ann",1101,u-ann,ann@uni.example,Mon 9,\n'
        '"Dee, Cy",1102,u-cy,cy@uni.example,Mon 9,\n')
    (work / "answers" / "1101.yaml").write_text('scenario: net.yaml\n"a[h1]": 0.21\n'
                                                '"a[h2]": 0.315\n"y[h1]": 0.9\n')
    monkeypatch.chdir(work)
    result = invoke("verify", "--batch", "answers/*.yaml", "--roster", "roster.csv",
                    "--gradebook", "canvas", "--csv", "canvas.csv")
    assert result.exit_code == 1, result.output  # Cy handed in nothing; Ann's y[h1] is wrong
    rows = list(csv.reader((work / "canvas.csv").open()))
    # Ann: a[h1], a[h2] right (0.21, 0.315 by hand), y[h1] wrong (sigmoid(0.21) = 0.5523): 2.
    assert rows[2:] == [["Lee, Ann", "1101", "u-ann", "ann@uni.example", "Mon 9", "2"],
                        ["Dee, Cy", "1102", "u-cy", "cy@uni.example", "Mon 9", ""]]


def test_moodle_needs_an_email_or_id_number_for_every_student(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    (tmp_path / "answers").mkdir()
    shutil.copy(GFG, tmp_path / "net.yaml")
    (tmp_path / "answers" / "ann.yaml").write_text('scenario: net.yaml\n"a[h1]": 0.21\n')
    monkeypatch.chdir(tmp_path)
    args = ("verify", "--batch", "answers/*.yaml", "--roster", "roster.csv", "--gradebook",
            "moodle", "--csv", "moodle.csv")
    (tmp_path / "roster.csv").write_text("id,name,email\nann,Ann,ann@x.example\ncy,Cy,\n")
    result = invoke(*args)
    assert result.exit_code == 2 and not (tmp_path / "moodle.csv").exists()
    assert "roster.csv:3: 'cy' has no email" in result.stderr
    (tmp_path / "roster.csv").write_text("id,name\nann,Ann\ncy,Cy\n")
    assert "has no column headed email (nor ID number)" in invoke(*args).stderr
    (tmp_path / "roster.csv").write_text("First name,Surname,ID number,Email address\n"
                                         "Ann,Lee,A-1,ann@x.example\nCy,Dee,A-2,\n")
    (tmp_path / "answers" / "ann.yaml").rename(tmp_path / "answers" / "A-1.yaml")
    assert invoke(*args).exit_code == 1  # Cy is missing; no one's email is needed now
    rows = list(csv.reader((tmp_path / "moodle.csv").open()))
    assert rows == [["ID number", "Full name", "bpstep (points)", "bpstep (%)"],
                    ["A-1", "Ann Lee", "1", f"{round(100 / 29, 2):g}"], ["A-2", "Cy Dee", "", ""]]


def test_gradebooks_need_a_roster_and_a_file(tmp_path: Path) -> None:
    result = invoke("verify", "--batch", tmp_path / "*.yaml", "--gradebook", "moodle")
    assert result.exit_code == 2 and "give --csv moodle.csv and --roster FILE" in result.stderr


def test_two_files_of_one_student_give_no_grade_and_say_so(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "answers").mkdir()
    shutil.copy(GFG, tmp_path / "net.yaml")
    (tmp_path / "roster.csv").write_text("id,email\nann,ann@x.example\nbob,bob@x.example\n")
    (tmp_path / "answers" / "first.yaml").write_text('scenario: net.yaml\nstudent: ann\n'
                                                     '"a[h1]": 0.21\n')
    (tmp_path / "answers" / "late.yaml").write_text('scenario: net.yaml\nstudent: ANN@x.example\n'
                                                    '"a[h1]": 0.21\n')
    monkeypatch.chdir(tmp_path)
    result = invoke("verify", "--batch", "answers/*.yaml", "--roster", "roster.csv", "--json")
    assert result.exit_code == 2
    entry, _ = json.loads(result.stdout)["gradebook"]
    assert entry["status"] == "several files" and entry["points"] is None
    assert (entry["id"], entry["email"], entry["files"]) == (
        "ann", "ann@x.example", ["answers/first.yaml", "answers/late.yaml"])
    assert entry["reason"] == ("answers files answers/first.yaml, answers/late.yaml are all this "
                               "student's; keep one")


def test_no_file_can_cancel_a_classmate_s_grade(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Bob's own file is bob.yaml; ann.yaml says it is Bob's, and other.yaml says so too: Bob is
    # marked on his own file, and the two others are set aside (exit 2), Ann's grade missing.
    (tmp_path / "answers").mkdir()
    shutil.copy(GFG, tmp_path / "net.yaml")
    (tmp_path / "roster.csv").write_text("id,email\nann,ann@x.example\nbob,bob@x.example\n")
    (tmp_path / "answers" / "bob.yaml").write_text('scenario: net.yaml\n"a[h1]": 0.21\n')
    (tmp_path / "answers" / "ann.yaml").write_text('scenario: net.yaml\nstudent: bob\n'
                                                   '"a[h1]": 0.3\n')
    (tmp_path / "answers" / "other.yaml").write_text('scenario: net.yaml\nstudent: BOB@x.example\n'
                                                     '"a[h1]": 0.3\n')
    monkeypatch.chdir(tmp_path)
    result = invoke("verify", "--batch", "answers/*.yaml", "--roster", "roster.csv", "--json")
    assert result.exit_code == 2
    book = json.loads(result.stdout)["gradebook"]
    assert [(e["id"], e["status"], e["points"]) for e in book] == [
        ("ann", "missing", None), ("bob", "marked", 1), (None, "set aside", 0),
        (None, "set aside", 0)]  # each file's own points, as for a file of no one: no grade
    assert book[2]["reason"] == "named after ann but says student: bob; taken for neither"
    assert book[3]["reason"] == ("says student: bob, who has a file of their own name; taken for "
                                 "no one")
    assert [e["files"] for e in book] == [[], ["answers/bob.yaml"], ["answers/ann.yaml"],
                                          ["answers/other.yaml"]]


def test_an_unreadable_file_that_claims_a_classmate_is_set_aside_with_no_points(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As above, but the two claiming files name a scenario that is not there: they cannot be
    # marked, and are set aside all the same (their error listed with the files not marked).
    (tmp_path / "answers").mkdir()
    shutil.copy(GFG, tmp_path / "net.yaml")
    (tmp_path / "roster.csv").write_text("id,email\nann,ann@x.example\nbob,bob@x.example\n")
    (tmp_path / "answers" / "bob.yaml").write_text('scenario: net.yaml\n"a[h1]": 0.21\n')
    for name in ("ann", "other"):
        (tmp_path / "answers" / f"{name}.yaml").write_text('scenario: gone.yaml\nstudent: bob\n')
    monkeypatch.chdir(tmp_path)
    data = json.loads(invoke("verify", "--batch", "answers/*.yaml", "--roster", "roster.csv",
                             "--json").stdout)
    assert [(e["id"], e["status"], e["files"], e["points"], e["max"]) for e in data["gradebook"]] == [
        ("ann", "missing", [], None, None), ("bob", "marked", ["answers/bob.yaml"], 1, VALUES),
        (None, "set aside", ["answers/ann.yaml"], None, None),
        (None, "set aside", ["answers/other.yaml"], None, None)]
    assert [e["reason"] for e in data["gradebook"][2:]] == [
        "named after ann but says student: bob; taken for neither",
        "says student: bob, who has a file of their own name; taken for no one"]
    assert [b["file"] for b in data["bad_files"]] == ["answers/ann.yaml", "answers/other.yaml"]


def test_an_unreadable_file_of_no_student_on_the_roster_has_a_line_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "answers").mkdir()
    (tmp_path / "roster.csv").write_text("id,email\nann,ann@x.example\n")
    (tmp_path / "answers" / "zed.yaml").write_text("a[h1]: [oops\n")
    monkeypatch.chdir(tmp_path)
    data = json.loads(invoke("verify", "--batch", "answers/*.yaml", "--roster", "roster.csv",
                             "--json").stdout)
    error = data["bad_files"][0]["error"]
    assert error.startswith("answers/zed.yaml:")
    assert [(e["id"], e["status"], e["files"], e["reason"]) for e in data["gradebook"]] == [
        ("ann", "missing", [], "no answers file"), (None, "unreadable", ["answers/zed.yaml"], error)]


def test_without_a_roster_an_unreadable_file_still_has_its_line(tmp_path: Path) -> None:
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "good.yaml").write_text(f'scenario: {GFG}\n"a[h1]": 0.21\n')
    (tmp_path / "answers" / "bad.yaml").write_text("a[h1]: [oops\n")
    out = tmp_path / "grades.csv"
    result = invoke("verify", "--batch", tmp_path / "answers" / "*.yaml", "--csv", out)
    assert result.exit_code == 2
    rows = list(csv.DictReader(out.open()))
    assert [(r["student"], r["status"], r["points"]) for r in rows] == [
        ("bad", "unreadable", ""), ("good", "marked", "1")]
    assert "YAML syntax error" in rows[0]["reason"]


def test_a_bad_roster_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("id\nann\nann\n")
    result = invoke("verify", "--batch", tmp_path / "*.yaml", "--roster", tmp_path / "roster.csv")
    assert result.exit_code == 2
    (tmp_path / "a.yaml").write_text(f'scenario: {GFG}\n"a[h1]": 0.21\n')
    result = invoke("verify", "--batch", tmp_path / "a.yaml", "--roster", tmp_path / "roster.csv")
    assert result.exit_code == 2 and "id 'ann' is already on line 2" in result.stderr


# --- feedback pages ---


def test_a_feedback_page_per_student_linked_from_the_report(
        school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pages, report = tmp_path / "feedback", tmp_path / "reports" / "class.html"
    report.parent.mkdir()
    result = batch(school, "--feedback", pages, "--html", report, monkeypatch=monkeypatch)
    assert result.exit_code == 2, result.output
    written = sorted(p.name for p in pages.iterdir())
    handed_in = [i for i in range(1, CLASS + 1) if i not in MISSING]
    assert written == sorted([*(f"{stem(i)}.html" for i in handed_in), "visitor.html"])
    html = report.read_text()
    links = re.findall(r'href="([^"]+)"', html)
    assert "../feedback/Zoe-O-Neil.html" in links and "../feedback/s025.html" in links
    assert all((report.parent / link).resolve().is_file() for link in links)
    slip = (pages / f"{stem(TEN_TIMES[0])}.html").read_text()
    assert f"<strong>{VALUES - 1} of {VALUES} points</strong>" in slip
    assert "off by a power of ten (×10)" in slip and "<script" not in slip
    values = answers_of(variant(TEN_TIMES[0]))
    assert f"{10 * values['delta[h2]']:.6g}" in slip  # what the student wrote, and
    assert f'<td class="num">{values["delta[h2]"]:.6g}</td>' in slip  # the value to 6 digits


def test_what_comes_from_files_is_escaped_on_the_pages(
        school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pages, report = tmp_path / "feedback", tmp_path / "class.html"
    batch(school, "--feedback", pages, "--html", report, monkeypatch=monkeypatch)
    for page in [report, *pages.iterdir()]:
        text = page.read_text()
        assert "<script" not in text and not re.search(r"(src|href)=\"?(https?:|//)", text), page
    hostile = (pages / f"{stem(HOSTILE_NAME)}.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (s009)" in hostile
    no_number = (pages / f"{stem(NOT_A_NUMBER)}.html").read_text()
    assert "got &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;" in no_number
    unreadable = (pages / f"{stem(UNREADABLE[0])}.html").read_text()
    assert "Your answers file could not be marked" in unreadable and "YAML syntax" in unreadable


def test_no_reveal_keeps_the_correct_values_off_the_pages(
        school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = tmp_path / "feedback"
    assert batch(school, "--feedback", pages, "--no-reveal", monkeypatch=monkeypatch).exit_code == 2
    page = (pages / f"{stem(TEN_TIMES[0])}.html").read_text()
    values = answers_of(variant(TEN_TIMES[0]))
    assert '<th class="num">correct</th>' not in page and "off by a power of ten" in page
    assert f"{10 * values['delta[h2]']:.6g}" in page  # what the student wrote, not the value
    assert f"{values['delta[h2]']:.6g}" not in page
    alone = invoke("verify", "--batch", "answers/*.yaml", "--no-reveal")
    assert alone.exit_code == 2 and "give --feedback DIR" in alone.stderr


def test_pages_are_never_replaced_without_force_and_names_stay_unique(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "answers").mkdir()
    shutil.copy(GFG, tmp_path / "net.yaml")
    # both ids make the file name Ann: their files say whose they are
    (tmp_path / "roster.csv").write_text("id\nAnn!\nAnn?\n")
    (tmp_path / "answers" / "Ann.yaml").write_text('scenario: net.yaml\nstudent: Ann!\n'
                                                   '"a[h1]": 0.21\n')
    (tmp_path / "answers" / "Ann-2.yaml").write_text('scenario: net.yaml\nstudent: Ann?\n'
                                                     '"a[h1]": 0.2\n')
    monkeypatch.chdir(tmp_path)
    args = ("verify", "--batch", "answers/*.yaml", "--roster", "roster.csv", "--feedback", "fb")
    assert invoke(*args).exit_code == 1  # the second Ann's a[h1] is too coarse
    assert sorted(p.name for p in (tmp_path / "fb").iterdir()) == ["Ann-2.html", "Ann.html"]
    assert "Ann? · answers: <code>answers/Ann-2.yaml</code>" in (tmp_path / "fb" / "Ann-2.html"
                                                                 ).read_text()
    (tmp_path / "fb" / "Ann.html").write_text("my notes")
    again = invoke(*args)
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert (tmp_path / "fb" / "Ann.html").read_text() == "my notes"
    assert invoke(*args, "--force").exit_code == 1
    assert "0.21" in (tmp_path / "fb" / "Ann.html").read_text()


def chromium() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


A4_PROBE = """<script>
(function () {
  var width = document.documentElement.clientWidth, over = [];
  Array.prototype.forEach.call(document.querySelectorAll('body *'), function (el) {
    var r = el.getBoundingClientRect();
    if (r.right > width + 0.5) { over.push(el.tagName + ':' + Math.round(r.right)); }
  });
  var pre = document.createElement('pre'); pre.id = 'probe';
  pre.textContent = JSON.stringify({width: width, scroll: document.documentElement.scrollWidth,
                                    over: over});
  document.body.appendChild(pre);
})();
</script>
</body>"""


@pytest.mark.browser
@pytest.mark.skipif(chromium() is None, reason="apt-get install -y chromium")
def test_a_feedback_page_fits_an_a4_page_in_a_real_browser(
        school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At the printable width of A4 (210 mm less 15 mm margins: 680 px), nothing spills: not a
    long hint, not a number of 300 digits."""
    pages = tmp_path / "feedback"
    batch(school, "--feedback", pages, monkeypatch=monkeypatch)
    page = (pages / f"{stem(TEN_TIMES[0])}.html").read_text()
    written = f"{10 * answers_of(variant(TEN_TIMES[0]))['delta[h2]']:.6g}"
    assert f'<td class="num">{written}</td>' in page
    page = page.replace(f'<td class="num">{written}</td>', f'<td class="num">{"9" * 300}</td>')
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", A4_PROBE, 1), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-background-networking", "--no-first-run", f"--user-data-dir={profile}",
             "--window-size=680,900", "--dump-dom", probe.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, flags=re.S)
    assert found, done.stdout[-2000:]
    measured = json.loads(found.group(1))
    assert measured["width"] <= 680 and measured["scroll"] <= measured["width"], measured
    assert measured["over"] == [], measured


@pytest.mark.parametrize("written", ["[s1, s2]", "true", "x" * 201])
def test_a_student_key_that_is_no_id_is_said_with_its_line(tmp_path: Path, written: str) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text(f'scenario: {GFG}\nstudent: {written}\n"a[h1]": 0.21\n')
    result = invoke("verify", answers)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"bpstep: error: {answers}:2: student: expected your id as "
                                    "on the class roster, e.g. `student: s1234567` (at most 200 "
                                    "characters), or null")


def test_a_student_key_keeps_its_digits_and_may_be_null(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "answers").mkdir()
    shutil.copy(GFG, tmp_path / "net.yaml")
    (tmp_path / "roster.csv").write_text("id\n007\nbob\n")
    (tmp_path / "answers" / "upload-1.yaml").write_text('scenario: net.yaml\nstudent: 007\n'
                                                        '"a[h1]": 0.21\n')
    (tmp_path / "answers" / "bob.yaml").write_text('scenario: net.yaml\nstudent: null\n'
                                                   '"a[h1]": 0.21\n')
    monkeypatch.chdir(tmp_path)
    result = invoke("verify", "--batch", "answers/*.yaml", "--roster", "roster.csv", "--json")
    assert result.exit_code == 0, result.output
    book = json.loads(result.stdout)["gradebook"]
    assert [(e["id"], e["files"]) for e in book] == [("007", ["answers/upload-1.yaml"]),
                                                     ("bob", ["answers/bob.yaml"])]


def test_roster_text_reaches_the_terminal_escaped(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "answers").mkdir()
    shutil.copy(GFG, tmp_path / "net.yaml")
    (tmp_path / "roster.csv").write_text("id,name\nann,\x1b[2JAnn\n")
    (tmp_path / "answers" / "x.yaml").write_text('scenario: net.yaml\n"a[h1]": 0.21\n')
    monkeypatch.chdir(tmp_path)
    shown = invoke("verify", "--batch", "answers/*.yaml", "--roster", "roster.csv").stdout
    assert "  missing: ann \\x1b[2JAnn\n" in shown and "\x1b" not in shown


# --- a hostile class: what one student's file must not do to the marking (review of issue 23) ---

GFG_VALUES = worked(np.array([0.35, 0.7]), np.array([[0.2, 0.3], [0.2, 0.3]]),
                    np.array([[0.3], [0.9]]), np.array([0.5]), 1.0)
"""The shipped 2-2-1 step, worked in numpy."""


def _sheet(scenario: str, values: dict[str, float], extra: str = "") -> str:
    return f"scenario: {scenario}\n{extra}" + "".join(f'"{k}": {v:.9g}\n' for k, v in values.items())


def _two_variants(root: Path) -> dict[str, dict[str, float]]:
    """class/students/ann.yaml (the shipped numbers) and bob.yaml (other inputs), as
    ``bpstep variants --roster`` names them; each one's values worked in numpy."""
    (root / "class" / "students").mkdir(parents=True)
    shutil.copy(GFG, root / "class" / "students" / "ann.yaml")
    text = GFG.read_text().replace("inputs: [0.35, 0.7]", "inputs: [0.45, 0.1]")
    assert text != GFG.read_text()
    (root / "class" / "students" / "bob.yaml").write_text(text)
    (root / "roster.csv").write_text("id,email\nann,ann@x.example\nbob,bob@x.example\n")
    (root / "answers").mkdir()
    bob = worked(np.array([0.45, 0.1]), np.array([[0.2, 0.3], [0.2, 0.3]]),
                 np.array([[0.3], [0.9]]), np.array([0.5]), 1.0)
    return {"ann": GFG_VALUES, "bob": bob}


def test_a_student_is_marked_against_their_own_variant_whatever_the_file_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Bob hands in Ann's worked numbers and names Ann's variant: he is marked on his own
    # numbers (wrong), and the swap is said (exit 2).
    values = _two_variants(tmp_path)
    (tmp_path / "answers" / "bob.yaml").write_text(_sheet("ann.yaml", values["ann"]))
    (tmp_path / "answers" / "ann.yaml").write_text(_sheet("ann.yaml", values["ann"]))
    monkeypatch.chdir(tmp_path)
    result = invoke("verify", "--batch", "answers/*.yaml", "--scenarios", "class/students",
                    "--roster", "roster.csv", "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    by_file = {s["file"]: s for s in data["students"]}
    assert by_file["answers/ann.yaml"]["points"] == VALUES
    bob = by_file["answers/bob.yaml"]
    assert bob["points"] < VALUES
    # 0.35·0.2 + 0.7·0.2 is not 0.45·0.2 + 0.1·0.2, and Δw(x1 → h1) is worked from x1 = 0.45
    assert [bob["verdicts"][n] for n in ("a[h1]", "a[h2]", "dw[x1->h1]")] == ["wrong"] * 3
    assert any("names ann.yaml, not bob.yaml, the variant of its student: marked against "
               "bob.yaml" in p for p in bob["problems"])
    # his own numbers, named by his own variant: all accepted
    (tmp_path / "answers" / "bob.yaml").write_text(_sheet("bob.yaml", values["bob"]))
    result = invoke("verify", "--batch", "answers/*.yaml", "--scenarios", "class/students",
                    "--roster", "roster.csv", "--json")
    assert result.exit_code == 0
    assert [e["points"] for e in json.loads(result.stdout)["gradebook"]] == [VALUES, VALUES]


def test_a_file_that_only_says_whose_it_is_is_marked_against_that_student_s_variant(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # upload-3.yaml is no student's name; its student: key gives Bob's email. It names Ann's
    # variant with her numbers: Bob is marked on his own (wrong), and the swap is said.
    values = _two_variants(tmp_path)
    (tmp_path / "answers" / "upload-3.yaml").write_text(
        _sheet("ann.yaml", values["ann"], "student: bob@x.example\n"))
    monkeypatch.chdir(tmp_path)
    result = invoke("verify", "--batch", "answers/*.yaml", "--scenarios", "class/students",
                    "--roster", "roster.csv", "--json")
    bob = json.loads(result.stdout)["students"][0]
    assert [bob["verdicts"][n] for n in ("a[h1]", "a[h2]", "dw[x1->h1]")] == ["wrong"] * 3
    assert bob["problems"] == ["answers/upload-3.yaml:1: scenario: names ann.yaml, not bob.yaml, "
                               "the variant of its student: marked against bob.yaml"]


def test_links_among_the_answers_are_never_followed(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    values = _two_variants(tmp_path)
    (tmp_path / "class" / "keys").mkdir()
    (tmp_path / "class" / "keys" / "ann.key.yaml").write_text(
        _sheet("../students/ann.yaml", values["ann"]))
    (tmp_path / "secret.txt").write_text("password = hunter2\n")
    (tmp_path / "answers" / "ann.yaml").symlink_to(tmp_path / "class" / "keys" / "ann.key.yaml")
    (tmp_path / "answers" / "bob.yaml").symlink_to(tmp_path / "secret.txt")
    monkeypatch.chdir(tmp_path)
    result = invoke("verify", "--batch", "answers/*.yaml", "--scenarios", "class/students",
                    "--roster", "roster.csv", "--csv", "grades.csv", "--feedback", "fb")
    assert result.exit_code == 2
    assert "hunter2" not in result.stdout + result.stderr
    assert "hunter2" not in (tmp_path / "grades.csv").read_text()
    assert all("hunter2" not in page.read_text() for page in (tmp_path / "fb").iterdir())
    rows = {r["id"]: r for r in csv.DictReader((tmp_path / "grades.csv").open())}
    assert [(rows[i]["status"], rows[i]["points"]) for i in ("ann", "bob")] == [
        ("unreadable", ""), ("unreadable", "")]
    assert rows["ann"]["reason"] == ("answers/ann.yaml: is a symbolic link; a class's answers files "
                                     "are marked as handed in, never followed elsewhere")


def test_a_control_character_in_scenario_is_one_bad_file_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "nul.yaml").write_text('scenario: "gfg\\0x"\n"a[h1]": 0.21\n')
    (tmp_path / "answers" / "good.yaml").write_text('scenario: gfg_sigmoid\n"a[h1]": 0.21\n')
    result = invoke("verify", "--batch", tmp_path / "answers" / "*.yaml", "--json")
    assert result.exit_code == 2 and "Traceback" not in result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert [s["file"].rsplit("/", 1)[-1] for s in data["students"]] == ["good.yaml"]
    bad, = data["bad_files"]
    assert "control characters" in bad["error"]
    single = invoke("verify", tmp_path / "answers" / "nul.yaml")
    assert single.exit_code == 2 and "control characters" in single.stderr


def test_a_file_named_by_the_roster_id_as_written_is_the_student_s(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "answers").mkdir()
    shutil.copy(GFG, tmp_path / "net.yaml")
    (tmp_path / "roster.csv").write_text("name\nZoë O'Neil\n王伟\ncon\n", encoding="utf-8")
    for stem in ("Zoë O'Neil", "王伟", "con"):
        (tmp_path / "answers" / f"{stem}.yaml").write_text('scenario: net.yaml\n"a[h1]": 0.21\n',
                                                           encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke("verify", "--batch", "answers/*.yaml", "--roster", "roster.csv", "--json")
    assert result.exit_code == 0, result.stdout
    book = json.loads(result.stdout)["gradebook"]
    assert [(e["id"], e["status"]) for e in book] == [
        ("Zoë O'Neil", "marked"), ("王伟", "marked"), ("con", "marked")]


def test_feedback_pages_of_files_of_one_name_in_two_folders_stay_apart(tmp_path: Path) -> None:
    for folder, stem in (("a", "Ann"), ("a", "Ann-2"), ("b", "Ann")):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / f"{stem}.yaml").write_text('scenario: gfg_sigmoid\n"a[h1]": 0.21\n')
    result = invoke("verify", "--batch", tmp_path / "[ab]" / "*.yaml", "--feedback",
                    tmp_path / "fb")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "fb").iterdir()) == [
        "Ann-2.html", "Ann-3.html", "Ann.html"]


def test_a_file_the_pattern_leaves_out_is_said(tmp_path: Path) -> None:
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "s01.yaml").write_text('scenario: gfg_sigmoid\n"a[h1]": 0.21\n')
    (tmp_path / "answers" / "s05.yml").write_text('scenario: gfg_sigmoid\n"a[h1]": 0.21\n')
    result = invoke("verify", "--batch", tmp_path / "answers" / "*.yaml")
    assert result.exit_code == 0
    assert "not marked, as the pattern does not match them:" in result.stderr
    assert "s05.yml" in result.stderr
