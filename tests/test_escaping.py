"""No control character or direction mark from a file reaches any output raw: one rule
(``bpstep.escaping``) for the terminal, XML, HTML, CSV, JSON and Markdown, and every XML
written is well-formed. Checked on a scenario whose title and unit names hold ESC, C1 controls,
U+202E and U+061C, through every command that writes them."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.engine import step
from bpstep.escaping import json_dumps, printable, xml_text
from bpstep.scenario import load

runner = CliRunner()
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""The characters the issue names: C0 and C1 controls, bidi embeddings, overrides, isolates
and marks (written here, not taken from bpstep)."""
TITLE = "Title \x1b]0;owned\x07 \x9b31m \x85 \u202eevil\u202c \u061c\u2066x\u2069 \u200e"
UNITS = ("h\x1b(0", "k\u202e\u061c", "m\x9bn")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("raw")
    hidden = ", ".join(json.dumps(u) for u in UNITS)  # JSON strings are YAML strings
    (root / "s.yaml").write_text(f"""title: {json.dumps(TITLE)}
learning_rate: 0.5
loss: half_sse
layers:
  - units: [x1, x2]
  - units: [{hidden}]
    activation: sigmoid
  - units: [o]
    activation: sigmoid
weights:
  - [[0.2, 0.3, -0.4], [0.25, -0.35, 0.15]]
  - [[0.3], [0.9], [-0.5]]
inputs: [0.35, 0.7]
targets: [0.5]
""", encoding="utf-8")
    return root


def run(*args: str | Path) -> str:
    result = runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "120"})
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def raw_free(text: str) -> str:
    assert not RAW.search(text), RAW.findall(text)
    return text


def test_printable_escapes_each_and_json_dumps_keeps_the_text() -> None:
    assert printable("a\x1bb\u202ec\u061cd\x9be\tf\n") == "a\\x1bb\\u202ec\\u061cd\\x9be\tf\n"
    text = json_dumps({"k\u202e": "v\x85\u2066é"})
    assert text == '{"k\\u202e": "v\\u0085\\u2066é"}'
    assert json.loads(text) == {"k\u202e": "v\x85\u2066é"}


def test_xml_text_escapes_markup_once_and_hides_no_control() -> None:
    """``&`` first, so an ``&lt;`` already in the text is written ``&amp;lt;`` (not left as
    markup); a quote needs no escape in element content."""
    assert xml_text('a<b & c>"d"\x1b &lt;') == 'a&lt;b &amp; c&gt;"d"\\x1b &amp;lt;'
    assert ET.fromstring(f"<t>{xml_text('<&>')}</t>").text == "<&>"


@pytest.mark.parametrize("form", ["markdown", "html", "latex"])
def test_worked_solutions_carry_no_raw_control_character(folder: Path, form: str) -> None:
    text = raw_free(run("export", folder / "s.yaml", "-f", form, "-o", "-"))
    assert "\\u202eevil\\u202c" in text or form == "latex"  # shown, as its escapes


@pytest.mark.parametrize("form", ["moodle", "gift", "qti"])
def test_quizzes_carry_none_and_their_xml_is_well_formed(folder: Path, form: str,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "quiz"
    run("export", folder / "s.yaml", "-f", form, "-o", out)
    if form == "qti":
        archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
        for name in archive.namelist():
            ET.fromstring(raw_free(archive.read(name).decode("utf-8")))
        return
    text = raw_free(out.read_text(encoding="utf-8"))
    if form == "moodle":
        ET.fromstring(text)


def test_pictures_are_well_formed_svg(folder: Path, tmp_path: Path) -> None:
    for command in (["diagram", folder / "s.yaml"], ["graph", folder / "s.yaml"]):
        out = tmp_path / f"{command[0]}.svg"
        run(*command, "-o", out)
        root = ET.fromstring(raw_free(out.read_text(encoding="utf-8")))
        assert printable(UNITS[0]) in "".join(root.itertext())


def test_a_worksheet_reads_back_and_marking_writes_nothing_raw(folder: Path) -> None:
    sheet = raw_free(run("template", folder / "s.yaml"))
    trace = step(load(folder / "s.yaml"))
    answers = folder / "answers"
    answers.mkdir()
    # Every value of the worksheet filled in (the second hidden unit's net input wrong), in
    # the worksheet's own lines: its keys, JSON-escaped, read back as the unit names.
    filled = []
    for line in sheet.splitlines():
        key = re.match(r'^("(?:[^"\\]|\\.)*"):\s+null', line)
        if key:
            name = json.loads(key[1])
            value = -trace[name].value if name == f"a[{UNITS[1]}]" else trace[name].value
            line = f"{key[1]}: {value!r}"
        filled.append("scenario: s.yaml" if line.startswith("scenario:") else line)
    (answers / "s01.yaml").write_text("\n".join(filled) + "\n", encoding="utf-8")
    (answers / "s.yaml").write_text((folder / "s.yaml").read_text(encoding="utf-8"),
                                    encoding="utf-8")
    one = json.loads(raw_free(run("verify", answers / "s01.yaml", "--json")))
    wrong = {a["name"] for a in one["answers"] if a["verdict"] == "wrong"}
    assert wrong == {f"a[{UNITS[1]}]"}  # the name read back exactly, through JSON's escapes
    report = json.loads(raw_free(run("verify", "--batch", str(answers / "s0*.yaml"), "--json",
                                     "--csv", folder / "grades.csv", "--html",
                                     folder / "report.html", "--feedback", folder / "pages")))
    assert report["students"][0]["verdicts"][f"a[{UNITS[1]}]"] == "wrong"
    book = list(csv.reader(io.StringIO(raw_free((folder / "grades.csv").read_text("utf-8")))))
    assert printable(f"a[{UNITS[1]}]") in book[0]
    for page in (folder / "report.html", *(folder / "pages").iterdir()):
        raw_free(page.read_text(encoding="utf-8"))


def test_a_class_of_variants_keeps_the_title_in_files_bpstep_reads_back(folder: Path) -> None:
    """A variant's scenario file says the title with YAML's escapes: raw, a C1 control made the
    student's file unreadable (YAML allows none of them)."""
    run("variants", folder / "s.yaml", "--count", "2", "-o", folder / "class")
    for path in sorted((folder / "class" / "students").iterdir()):
        text = raw_free(path.read_text(encoding="utf-8"))
        assert load(path).title.startswith(TITLE) and text.count("\n") > 5
