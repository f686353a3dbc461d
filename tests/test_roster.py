"""The class roster (issue 23): the id column as `bpstep variants --roster` picks it, so a
student's file finds their row; name, email and every column kept for the gradebooks; one line
with where for a roster that cannot be read."""

from __future__ import annotations

import pytest

from bpstep.roster import RosterError, StemStep, read_roster, stem_clash, unique_stems


@pytest.mark.parametrize(("text", "ids"), [
    ("id,name,email\ns1,Ann,a@x\ns2,Bob,b@x\n", ["s1", "s2"]),
    ("name,email\nZoë O'Neil,z@x\nBob,b@x\n", ["Zoë O'Neil", "Bob"]),
    ("Email\nz@x\nb@x\n", ["z@x", "b@x"]),
    ("s1\ns2\ns3\n", ["s1", "s2", "s3"]),
    ("student,username\nAnn Lee,al\n\nBob Dee,bd\n", ["Ann Lee", "Bob Dee"]),
    ("Name,ID\nAnn,1\nBob,2\n", ["1", "2"]),
    ("First name,Surname,Student ID\nAnn,Lee,7\n", ["7"]),
    # Moodle's own export: ID number empty for every student, so the email names them.
    ('"First name","Last name","ID number",Institution,Department,"Email address"\n'
     "Ann,Lee,,,,ann@x.edu\nBob,Dee,,,,bob@x.edu\n", ["ann@x.edu", "bob@x.edu"]),
    ("id,name\n,Ann\n,Bob\n", ["Ann", "Bob"]),
])
def test_the_roster_picks_the_id_column(text: str, ids: list[str]) -> None:
    assert [r.ident for r in read_roster(text, "r.csv").rows] == ids


def test_the_roster_keeps_name_email_and_every_column() -> None:
    roster = read_roster("First name,Surname,ID number,Email address,Section\n"
                         "Ann,Lee,A-1,ann@x.example,Mon\n", "r.csv")
    row, = roster.rows
    assert (row.line, row.ident, row.name, row.email) == (2, "A-1", "Ann Lee", "ann@x.example")
    assert row.fields["section"] == "Mon" and not roster.canvas


@pytest.mark.parametrize(("text", "message"), [
    ("id,name\ns1,Ann\n,Bob\n", "r.csv:3: has no id in column 1; every row needs one"),
    ("id\nann\nANN\n", "r.csv:3: id 'ANN' is already on line 2; ids must be unique"),
    ("id,name\n", "r.csv: has a header but no students"),
    ("\n\n", "r.csv: is empty"),
    ("a\0b\n", "r.csv: is not a roster (binary or over 1 MB)"),
])
def test_a_bad_roster_is_one_line_with_where(text: str, message: str) -> None:
    with pytest.raises(RosterError) as caught:
        read_roster(text, "r.csv")
    assert str(caught.value).startswith(message)


def test_an_id_column_empty_for_some_students_only_is_an_error_naming_the_line() -> None:
    text = ('"First name","Last name","ID number","Email address"\n'
            "Ann,Lee,A-1,ann@x.edu\nBob,Dee,,bob@x.edu\n")
    with pytest.raises(RosterError) as caught:
        read_roster(text, "m.csv")
    assert str(caught.value) == "m.csv:3: has no id in column 3; every row needs one"


def test_a_canvas_export_is_a_roster_without_its_points_possible_row() -> None:
    roster = read_roster("Student,ID,SIS User ID,SIS Login ID,Section,HW (7)\n"
                         "    Points Possible,,,,,10\n"
                         '"Lee, Ann",1101,u-ann,ann@x.example,Mon 9,4\n', "c.csv")
    row, = roster.rows
    assert roster.canvas and (row.line, row.ident, row.name) == (3, "1101", "Lee, Ann")
    assert row.fields["sis login id"] == "ann@x.example" and row.fields["section"] == "Mon 9"
    assert not read_roster("student,id,email\nAnn,1,a@x\n", "r.csv").canvas


def test_stems_are_made_unique_without_taking_a_name_of_the_list() -> None:
    assert unique_stems(["Ann", "Bob", "ann", "Ann"]) == ["Ann", "Bob", "ann-2", "Ann-3"]
    assert unique_stems(["Ann", "Ann", "Ann-2"]) == ["Ann", "Ann-3", "Ann-2"]


@pytest.mark.parametrize(("a", "b", "why"), [
    ("Zoë " + "x" * 60 + " Jr", "Zoë " + "x" * 60 + " Sr", {StemStep.LENGTH}),  # ë dropped alike
    ("Zoë-Ann", "zoe ann", {StemStep.CASE, StemStep.ACCENTS, StemStep.PUNCTUATION}),
    ("王伟1", "李娜-1", {StemStep.SCRIPT, StemStep.PUNCTUATION}),
    ("con", "con-student", {StemStep.RESERVED}),
    ("..", "student-5ec1f7e7", {StemStep.UNNAMED}),  # '..' has no letter: its SHA-256 names it
    ("ann", "ANN", {StemStep.CASE}),
])
def test_why_two_ids_make_one_file_name(a: str, b: str, why: set[StemStep]) -> None:
    assert set(stem_clash(a, b)) == why


def test_a_folder_given_as_the_roster_is_refused_as_not_a_csv_file(tmp_path) -> None:
    from bpstep.errors import UserError
    from bpstep.roster import load_roster

    with pytest.raises(UserError) as refused:
        load_roster(tmp_path)
    assert str(refused.value) == f"{tmp_path}: is a directory, expected a CSV roster file"
