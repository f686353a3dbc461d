"""File names that are not UTF-8 (a byte such as 0x9b, which Python holds as the lone surrogate
U+DC9B) reach no output raw: the terminal, CSV, HTML, JSON, Markdown, YAML and feedback pages
show ``st\\x9b.yaml``, through the one escape of ``bpstep.render.console.printable``, and no
command ends in a UnicodeEncodeError. Such names come from a class's hand-ins unzipped with the
wrong code page."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.render.console import printable

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
XOR = ROOT / "scenarios" / "xor_sigmoid.yaml"
BYTE = os.fsdecode(b"\x9b")
"""The byte 0x9b of a file name, as Python holds it: the surrogate U+DC9B."""


def invoke(*args: object):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, [str(a) for a in args], env={"NO_COLOR": "1",
                                                                  "COLUMNS": "120"})
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def test_an_undecodable_byte_is_shown_as_that_byte() -> None:
    assert printable(f"st{BYTE}.yaml") == "st\\x9b.yaml"
    assert printable(os.fsdecode(b"a\xff\x80")) == "a\\xff\\x80"
    assert printable("\ud800") == "\\ud800"  # half of a UTF-16 pair, no byte of a name


@pytest.fixture
def hand_ins(tmp_path: Path) -> Path:
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / f"st{BYTE}.yaml").write_text("scenario: gfg_sigmoid\na[h1]: 0.21\n")
    (answers / f"bad{BYTE}.yaml").write_text("scenario: [\n")
    return answers


def test_verify_batch_writes_every_report_with_the_byte_escaped(hand_ins: Path,
                                                                tmp_path: Path) -> None:
    out = {"csv": tmp_path / "g.csv", "html": tmp_path / "r.html"}
    result = invoke("verify", "--batch", hand_ins / "*.yaml", "--csv", out["csv"], "--html",
                    out["html"], "--feedback", tmp_path / "pages")
    assert result.exit_code == 2, result.output  # bad\x9b.yaml cannot be read
    assert "st\\x9b" in result.stdout and "bad\\x9b.yaml:" in result.stdout
    for written in (*out.values(), *(tmp_path / "pages").iterdir()):
        text = written.read_text(encoding="utf-8")
        assert "\\x9b" in text and "\\udc9b" not in text, written.name
    as_json = invoke("verify", "--batch", hand_ins / "*.yaml", "--json")
    data = json.loads(as_json.stdout)
    assert [s["file"] for s in data["students"]] == [str(hand_ins / "st\\x9b.yaml")]
    assert data["bad_files"][0]["error"].startswith(str(hand_ins / "bad\\x9b.yaml:"))


@pytest.mark.parametrize("command", [
    ["run", "{n}", "--json"], ["verify", "{n}", "{a}", "--json"], ["verify", "{a}", "--json"],
    ["template", "{n}", "-o", "{o}.yaml"], ["export", "{n}", "-f", "markdown", "-o", "{o}.md"],
    ["export", "{n}", "-f", "html", "-o", "{o}.html"], ["export", "{n}", "-f", "latex", "-o", "-"],
    ["export", "{n}", "-f", "gift", "-o", "-"], ["diagram", "{n}", "-o", "{o}.svg"],
    ["graph", "{n}", "-o", "{o}.dot"], ["train", "{x}", "-n", "3", "--save", "{o}-t.yaml",
                                        "--plot", "{o}.svg", "--json"],
    ["variants", "{n}", "-n", "2", "-o", "{o}"], ["explain", "{n}", "a[h1]"],
    ["practice", "{n}", "--ask", "a[h1]", "--save", "{o}-p.yaml"],
], ids=lambda c: " ".join(a for a in c if not a.startswith("{")))
def test_no_command_fails_on_a_name_that_is_not_utf8(tmp_path: Path, command: list[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(GFG, f"n{BYTE}.yaml")
    shutil.copy(XOR, f"x{BYTE}.yaml")
    Path(f"a{BYTE}.yaml").write_text("scenario: gfg_sigmoid\na[h1]: 0.21\n")
    names = {"n": f"n{BYTE}.yaml", "x": f"x{BYTE}.yaml", "a": f"a{BYTE}.yaml", "o": f"o{BYTE}"}
    result = CliRunner().invoke(app, [a.format(**names) for a in command], input="0.21\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.output
    for path in Path(".").rglob("*"):
        if path.is_file() and path.name.startswith("o"):
            path.read_bytes().decode("utf-8")  # every output is UTF-8 text (or a zip)
