"""A teacher's title may cite its source at length: it is read, wrapped on screen and in the
diagram, and kept whole in every export; only a runaway one (over 10,000 characters) is refused."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.scenario import MAX_TITLE, load

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
CITATION = ("Han & Kamber, Data Mining: Concepts and Techniques, 3rd ed. (Morgan Kaufmann, 2012), "
            "section 9.2.3 Backpropagation, Example 9.1: sample calculations for learning by the "
            "backpropagation algorithm, Figure 9.5, Tables 9.1-9.3")
"""A real title that was refused at 200 characters: 222 of them."""


def invoke(*args: object, columns: int = 120):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args],
                              env={"NO_COLOR": "1", "COLUMNS": str(columns)})


def titled(tmp_path: Path, title: str) -> Path:
    text = GFG.read_text(encoding="utf-8")
    path = tmp_path / "cited.yaml"
    path.write_text(re.sub(r"^title:.*$", f"title: '{title}'", text, count=1, flags=re.M),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("repeat", [1, 14])
def test_a_long_title_is_read_wrapped_on_screen_and_kept_whole(tmp_path: Path, repeat: int) -> None:
    title = " ".join([CITATION] * repeat)
    assert len(CITATION) == 222 and len(title) == 222 * repeat + repeat - 1
    source = titled(tmp_path, title)
    assert load(source).title == title
    shown = invoke("run", source, columns=60)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert max(map(len, lines)) <= 60
    assert " ".join(line.strip() for line in lines[:len(title)]).startswith(title)
    for form, ending in (("markdown", "md"), ("html", "html"), ("latex", "tex"), ("moodle", "xml"),
                         ("gift", "gift")):
        out = tmp_path / f"out.{ending}"
        assert invoke("export", source, "-f", form, "-o", out).exit_code == 0
        text = out.read_text(encoding="utf-8")
        if form == "moodle":  # Moodle decodes the HTML inside XML text: read it as Moodle does
            text = " ".join(html.unescape(t) for t in ElementTree.fromstring(text).itertext())
        flat = " ".join(text.replace("&amp;", "&").replace("\\&", "&")
                        .replace("\\:", ":").split())  # as HTML, LaTeX and GIFT escape them
        assert title in flat, form
    qti = tmp_path / "out.zip"
    assert invoke("export", source, "-f", "qti", "-o", qti).exit_code == 0
    with zipfile.ZipFile(qti) as archive:
        assert any(title in archive.read(n).decode().replace("&amp;", "&")
                   for n in archive.namelist())
    assert invoke("variants", source, "-n", 2, "-o", tmp_path / "class").exit_code == 0
    variant = load(tmp_path / "class" / "students" / "variant-01.yaml")
    assert variant.title is not None and variant.title.startswith(title)


def test_the_diagram_wraps_a_long_title_inside_the_picture(tmp_path: Path) -> None:
    source = titled(tmp_path, " ".join([CITATION] * 3))
    out = tmp_path / "net.svg"
    assert invoke("diagram", source, "-o", out).exit_code == 0
    svg = out.read_text(encoding="utf-8")
    width = float(re.search(r'width="([\d.]+)"', svg)[1])  # type: ignore[index]
    lines = re.findall(r'<text x="16" y="[\d.]+" font-size="20"[^>]*>([^<]*)</text>', svg)
    assert len(lines) > 3 and " ".join(lines).replace("&amp;", "&") == " ".join([CITATION] * 3)
    per_line = 20 * 0.62  # the text width the diagram allows per character at 20 px
    assert all(16 + len(line.replace("&amp;", "&")) * per_line <= width - 16 + 1e-9
               for line in lines)


def test_a_variant_or_trained_title_at_the_bound_still_reads_back(tmp_path: Path) -> None:
    source = titled(tmp_path, "t" * MAX_TITLE)
    assert invoke("variants", source, "-n", 1, "-o", tmp_path / "class").exit_code == 0
    title = load(tmp_path / "class" / "students" / "variant-01.yaml").title
    assert title is not None and len(title) == MAX_TITLE and title.endswith("… · variant 01")
    assert invoke("train", source, "-n", 2, "--save", tmp_path / "t.yaml").exit_code == 0
    trained = load(tmp_path / "t.yaml").title
    assert trained is not None and trained.endswith("… (trained 2 epochs)")
    too_long = invoke("run", titled(tmp_path, "t" * (MAX_TITLE + 1)))
    assert too_long.exit_code == 2
    assert "title: expected at most 10,000 characters (a title, not a document), got 10,001" \
        in too_long.stderr




def test_a_stage_screen_gives_a_long_title_one_line() -> None:
    """--step and --save-svg show one stage a screen: the title is its heading, cut with …."""
    from rich.console import Console

    from bpstep.engine import step
    from bpstep.render.screen import View, stage_screen

    trace = step(load(GFG))
    console = Console(file=io.StringIO(), width=60, color_system=None)
    console.print(stage_screen(trace, 0, View(title=" ".join([CITATION] * 14)), width=60))
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines[0] == CITATION[:59] + "…"
    assert lines[1].startswith("stage 1 of 8")
