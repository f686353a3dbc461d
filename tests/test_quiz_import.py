"""Quizzes read back by their importers' own rules, written here from each format's documentation
and Moodle's and Canvas's import code: Moodle's Cloze extractor (``qtype_multianswer``), its
GIFT reader (``qformat_gift``) and category paths (``split_category_path``), the QTI 1.2 ASI
DTD and Canvas's reading of numerical answers. Every blank's value, tolerance, credit and the
feedback a student would see is checked on every shipped lesson and on a stress scenario whose
title and unit names hold the characters each syntax reserves, an ESC, U+202E and U+061C."""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from html.entities import name2codepoint
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.engine import step
from bpstep.escaping import UNSAFE, printable
from bpstep.scenario import load
from bpstep.variants import question, quiz_precision

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if "answers" not in p.name)
runner = CliRunner()

STRESS_TITLE = 'Stress ~ } # \\ / " & < : = \x1b[2J \u202e \u061c end'
STRESS_UNITS = (["x~1", "x}2"], ["h<img2", "h#\\n", 'h/"&:='], ["o\x1b(0", "o\u202e\u061c"])


def yaml_text(text: str) -> str:
    """A YAML double-quoted string holding ``text`` exactly."""
    return '"' + "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 else f"\\u{ord(c):04x}"
                         if ord(c) > 0x7e else "\\" + c if c in '"\\' else c for c in text) + '"'


@pytest.fixture(scope="module")
def stress(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stress") / "stress.yaml"
    inputs, hidden, outputs = (", ".join(map(yaml_text, units)) for units in STRESS_UNITS)
    path.write_text(f"""title: {yaml_text(STRESS_TITLE)}
learning_rate: 0.5
loss: half_sse
convention: delta_rule
layers:
  - units: [{inputs}]
  - units: [{hidden}]
    activation: sigmoid
  - units: [{outputs}]
    activation: sigmoid
weights:
  - [[0.2, 0.3, -0.4], [0.25, -0.35, 0.15]]
  - [[0.3, -0.2], [0.9, 0.4], [-0.5, 0.6]]
inputs: [0.35, 0.7]
targets: [0.5, 0.2]
""", encoding="utf-8")
    return path


def export(source: Path, form: str, out: Path, *args: str) -> str:
    result = runner.invoke(app, ["export", str(source), "-f", form, "-o", str(out), *args],
                           env={"NO_COLOR": "1", "COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.stderr


@dataclass(frozen=True)
class Read:
    """One answer of a blank as the LMS stores it."""

    value: float
    tolerance: float
    credit: float
    """Percent."""
    shown: str
    """The feedback as the student's page shows it."""


@cache
def expected(source: Path, *, rounding_credit: int = 50, digits: int | None = None
             ) -> dict[str, list[Read]]:
    """Every blank of the scenario's quiz as meant: the quiz model's answers, their feedback
    with its control characters escaped (what the page should show). Worked once per lesson
    for the Cloze, GIFT and QTI checks, which only read it."""
    scenario = load(source)
    trace = step(scenario)
    q = question(trace, "v", ask=None, rounding_credit=rounding_credit,
                 precision=quiz_precision(scenario, digits, None), hide_formula=False)
    out = {}
    for b in q.blanks:
        assert b.value == trace[b.name].value or abs(b.value - trace[b.name].value) < 1e-12
        out[printable(b.name)] = [Read(a.value, a.tolerance, a.credit, printable(a.feedback))
                                  for a in b.answers]
    return out


# --- what a page shows of stored HTML ---


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)


def shown(stored_html: str) -> str:
    """The text a browser shows of a stored HTML text; an element in it fails the test."""
    parser = _Text()
    parser.feed(stored_html)
    parser.close()
    assert not parser.tags, f"HTML elements where text was meant: {stored_html!r}"
    return "".join(parser.text)


def php_html_entity_decode(text: str) -> str:
    """PHP's ``html_entity_decode($text, ENT_QUOTES, 'UTF-8')``: HTML 4.01's named references and
    numeric ones, each ended by ``;`` (``&apos;`` is not HTML 4.01)."""
    def one(m: re.Match[str]) -> str:
        ref = m[1]
        if ref.startswith("#"):
            return chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:]))
        return chr(name2codepoint[ref]) if ref in name2codepoint else m[0]
    return re.sub(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);", one, text)


def strip_tags(text: str) -> str:
    """PHP's ``strip_tags`` as Moodle's PARAM_TEXT applies it to names: a ``<`` starts a tag,
    to its ``>`` or the end."""
    return re.sub(r"<[^>]*(>|$)", "", text)


# --- Moodle Cloze, read as qtype_multianswer_extract_question reads it ---

FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
TYPES = ("NUMERICAL|NM|MULTICHOICE|MC|MULTICHOICE_V|MCV|MULTICHOICE_H|MCH|SHORTANSWER|SA|MW|"
         "SHORTANSWER_C|SAC|MWC|MULTICHOICE_S|MCS|MULTICHOICE_VS|MCVS|MULTICHOICE_HS|MCHS|"
         "MULTIRESPONSE|MR|MULTIRESPONSE_H|MRH|MULTIRESPONSE_S|MRS|MULTIRESPONSE_HS|MRHS")
BLANK = re.compile(r"\{([0-9]*):(" + TYPES + r"):((?:" + ALTERNATIVE.replace("(", "(?:")
                   .replace("(?:?", "(?") + ")(?:~(?:" + ALTERNATIVE.replace("(", "(?:")
                   .replace("(?:?", "(?") + "))*)\\}", re.S)
ONE_ALTERNATIVE = re.compile("~?" + ALTERNATIVE, re.S)
NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL = re.compile(f"^({NUMBER})(:{NUMBER})?$", re.S)


def read_cloze(text: str) -> list[tuple[str, list[Read]]]:
    """Every blank of a question text, in order: (its type, its answers as Moodle stores them,
    each feedback shown as the page shows it)."""
    blanks = []
    while (found := BLANK.search(text)) is not None:
        answers = []
        rest = found[3]
        while (alt := ONE_ALTERNATIVE.search(rest)) is not None:
            credit = 100.0 if alt[1] == "=" else float(alt[2].replace(",", ".")) if alt[2] else 0.0
            feedback = php_html_entity_decode(alt[5] or "").replace("\\}", "}").replace("\\#", "#")
            number = NUMERICAL.search(alt[3])
            assert number, f"not a number: {alt[3]!r}"
            answers.append(Read(float(number[1]), float(number[6] or 0), credit, shown(feedback)))
            rest = rest.split(alt[0], 1)[1]
        blanks.append((found[2], answers))
        text = text.replace(found[0], "{#}", 1)
    return blanks


def moodle_questions(path: Path) -> tuple[str, list[ET.Element]]:
    root = ET.parse(path).getroot()  # well-formed, or this fails
    category, *questions = root.findall("question")
    assert category.get("type") == "category"
    return category.findtext("category/text"), questions


def check_cloze(path: Path, meant: dict[str, list[Read]]) -> int:
    """Each blank of the one question of ``path`` is the blank meant, to the digit and letter."""
    _, (q,) = moodle_questions(path)
    text = q.findtext("questiontext/text")
    names = [shown(c) for c in re.findall(r"<td><code>(.*?)</code></td>", text)]
    blanks = read_cloze(text)
    assert [kind for kind, _ in blanks] == ["NUMERICAL"] * len(meant)
    assert names == list(meant)
    for name, (_, answers) in zip(names, blanks, strict=True):
        assert answers == meant[name], name
        if not any("\\" in n for n in meant):  # no stray backslash: only a name brings one
            assert not any("\\" in a.shown for a in answers), answers
    return sum(len(a) for _, a in blanks)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_cloze_blank_of_a_lesson_imports_as_meant(lesson: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.xml"
    export(lesson, "moodle", out)
    assert check_cloze(out, expected(lesson)) > 0


def test_cloze_of_the_stress_scenario_shows_every_name_as_text(stress: Path, tmp_path: Path
                                                                ) -> None:
    out = tmp_path / "q.xml"
    export(stress, "moodle", out)
    text = out.read_text(encoding="utf-8")
    assert not UNSAFE.search(text)
    meant = expected(stress)
    assert check_cloze(out, meant) > 50
    # One feedback read by eye: the unit h<img2 is text on the page, no backslash anywhere.
    correct = meant["a[h<img2]"][0]
    assert correct.shown == "correct: a[h<img2] = 0.245"
    assert any(r.shown.startswith("weights read transposed: w0[x~1->h#\\n]")
               for r in meant["a[h<img2]"])
    category, (q,) = moodle_questions(out)
    title = printable(STRESS_TITLE)
    heading = re.match(r"<p>(.*?)</p>", q.findtext("questiontext/text"))
    assert shown(heading[1]) == f"{title} · stress"  # the question text: HTML decoded once
    assert split_category_path(category) == ["$course$", "bpstep", title]
    assert shown(strip_tags(q.findtext("name/text"))) == f"{title} · stress"


# --- category paths, read as qformat_default::split_category_path reads them ---


def split_category_path(path: str) -> list[str]:
    """A single ``/`` starts a level, ``//`` is a slash; each level trimmed, its tags stripped
    (PARAM_TEXT), and shown as the HTML it is."""
    return [shown(strip_tags(part.replace("//", "/").strip()))
            for part in re.split(r"(?<!/)/(?!/)", path)]


@pytest.mark.parametrize("title", ["a/b", "/lead", "trail/", "x//y", "<b>&amp;", "  spaced  out "])
def test_a_title_is_one_category_level_whatever_its_slashes(title: str) -> None:
    from bpstep.export.moodle import category_part

    assert split_category_path("$course$/" + category_part(title, "quiz")) == [
        "$course$", " ".join(title.split())]


# --- GIFT, read as qformat_gift reads it ---

GIFT_ESCAPES = {"\\:": "&&058;", "\\#": "&&035;", "\\=": "&&061;", "\\{": "&&123;",
                "\\}": "&&125;", "\\~": "&&126;", "\\n": "&&010"}
GIFT_RESTORED = {":": "&&058;", "#": "&&035;", "=": "&&061;", "{": "&&123;", "}": "&&125;",
                 "~": "&&126;", "\n": "&&010"}
MOODLE_FRACTIONS = (1, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3,
                    0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0)
"""question_bank::fraction_options_full(), the grades Moodle's import matches (to 0.00001)."""


def gift_pre(text: str) -> str:
    text = text.replace("\\\\", "&&092;")
    for escape, placeholder in GIFT_ESCAPES.items():
        text = text.replace(escape, placeholder)
    return text.replace("&&092;", "\\")


def gift_post(text: str) -> str:
    for char, placeholder in GIFT_RESTORED.items():
        text = text.replace(placeholder, char)
    return text


def gift_format(text: str) -> tuple[str, str]:
    """parse_text_with_format: a leading [html]/[moodle]/[plain]/[markdown] is the format."""
    known = re.match(r"\[(html|moodle|plain|markdown)\]", text)
    format_, text = (known[1], text[known.end():]) if known else ("moodle", text)
    return format_, gift_post(text).strip()


@dataclass(frozen=True)
class GiftQuestion:
    category: list[str]
    name: str
    text: str
    answers: list[Read]


def read_gift(text: str) -> list[GiftQuestion]:
    """Every question of a GIFT file, as Moodle stores it (names and texts shown as the page shows
    them); each credit must be one Moodle accepts, or the import fails."""
    blocks, lines = [], []
    for line in [*text.split("\n"), ""]:
        if line.strip():
            lines.append(line.strip())
        elif lines:
            blocks.append(lines)
            lines = []
    category: list[str] = []
    out = []
    for block in blocks:
        body = "\n".join(" " if line.startswith("//") else line for line in block).strip()
        if not body:
            continue
        body = gift_pre(body)
        if body.startswith("$CATEGORY:"):
            category = split_category_path(body[10:].strip())
            continue
        assert body.startswith("::")
        end = body.index("::", 2)
        name = shown(strip_tags(gift_post(body[2:end]).strip()))
        body = body[end + 2:].strip()
        start, finish = body.index("{"), body.index("}")
        assert finish == len(body) - 1 and "####" not in body
        format_, question_text = gift_format(body[:start])
        assert format_ == "html"
        answer_text = body[start + 1:finish].strip()
        assert answer_text.startswith("#") and "~" not in answer_text  # numerical
        answers = []
        for part in filter(None, (a.strip() for a in answer_text[1:].split("="))):
            weight = re.match(r"%-*([0-9]{1,2})\.?([0-9]*)%", part)
            assert weight, part
            percent, part = part[1:].split("%", 1)
            fraction = float(percent) / 100
            assert any(abs(fraction - f) < 0.00001 for f in MOODLE_FRACTIONS), percent
            value, feedback = part.split("#", 1)
            fb_format, feedback = gift_format(feedback.strip())
            assert fb_format == "moodle"  # no format of its own: the question's, html
            value, tolerance = gift_format(value.strip())[1].split(":")
            answers.append(Read(float(value), float(tolerance), float(percent), shown(feedback)))
        out.append(GiftQuestion(category, name, shown(question_text), answers))
    return out


def check_gift(path: Path, meant: dict[str, list[Read]], title: str, ident: str,
               credits: dict[float, float] | None = None) -> int:
    questions = read_gift(path.read_text(encoding="utf-8"))
    assert [q.name for q in questions] == [f"{ident} · {name}" for name in meant]
    for q, (name, answers) in zip(questions, meant.items(), strict=True):
        assert q.category == ["$course$", "bpstep", title, ident]
        assert q.text.startswith(f"{title} · {ident}. Given: ")
        assert q.text.endswith(f"Give {name} to 3 significant figures: {name} =")
        assert q.answers == [Read(a.value, a.tolerance, (credits or {}).get(a.credit, a.credit),
                                  a.shown) for a in answers], name
    return sum(len(q.answers) for q in questions)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_gift_question_of_a_lesson_imports_as_meant(lesson: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.gift"
    assert "note" not in export(lesson, "gift", out)
    scenario = load(lesson)
    assert check_gift(out, expected(lesson), scenario.title, lesson.stem) > 0


def test_gift_of_the_stress_scenario_keeps_every_character(stress: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.gift"
    export(stress, "gift", out)
    text = out.read_text(encoding="utf-8")
    assert not UNSAFE.search(text)
    assert check_gift(out, expected(stress), printable(STRESS_TITLE), "stress") > 50


@pytest.mark.parametrize(("given", "written"), [(33, "33.33333"), (45, "40"), (67, "66.66667"),
                                                (12, "12.5"), (2, "0")])
def test_gift_snaps_a_rounding_credit_to_moodles_list_and_says_so(
        given: int, written: str, tmp_path: Path) -> None:
    lesson = ROOT / "scenarios" / "gfg_sigmoid.yaml"
    out = tmp_path / "q.gift"
    stderr = export(lesson, "gift", out, "--rounding-credit", str(given))
    note, wrote = stderr.splitlines()
    assert note.endswith(f"--rounding-credit {given} is written as {written} %")
    assert wrote.startswith("wrote ")
    meant = expected(lesson, rounding_credit=given)
    assert check_gift(out, meant, load(lesson).title, lesson.stem, {given: float(written)}) > 0
    # Cloze takes any credit: it is written as asked.
    export(lesson, "moodle", tmp_path / "q.xml", "--rounding-credit", str(given))
    assert check_cloze(tmp_path / "q.xml", meant) > 0


# --- QTI 1.2, checked against the ASI DTD's content models and read as Canvas reads it ---

MATERIAL = "(mattext |matemtext |matimage |mataudio |matvideo |matapplet |matapplication |matref |matbreak |mat_extension )"  # noqa: E501
CONDITIONS = ("not |and |or |unanswered |other |varequal |varlt |varlte |vargt |vargte |varsubset "
              "|varinside |varsubstring |durequal |durlt |durlte |durgt |durgte ")
CONTENT = {
    "questestinterop": "(qticomment )?(objectbank |assessment |(section |item )+)",
    "assessment": "(qticomment )?(duration )?(qtimetadata )*(objectives )*(assessmentcontrol )*"
                  "(rubric )*(presentation_material )?(outcomes_processing )*"
                  "(assessproc_extension )?(assessfeedback )*(selection_ordering )?(reference )?"
                  "(sectionref |section )+",
    "qtimetadata": "(vocabulary )?(qtimetadatafield )+",
    "qtimetadatafield": "fieldlabel fieldentry ",
    "section": "(qticomment )?(duration )?(qtimetadata )*(objectives )*(sectioncontrol )*"
               "(sectionprecondition )*(sectionpostcondition )*(rubric )*"
               "(presentation_material )?(outcomes_processing )*(sectionproc_extension )?"
               "(sectionfeedback )*(selection_ordering )?(reference )?"
               "(itemref |item |sectionref |section )*",
    "item": "(qticomment )?(duration )?(itemmetadata )?(objectives )*(itemcontrol )*"
            "(itemprecondition )*(itempostcondition )*(itemrubric |rubric )*(presentation )?"
            "(resprocessing )*(itemproc_extension )?(itemfeedback )*(reference )?",
    "itemmetadata": "(qtimetadata )*",  # then qmd_* elements, which are not written
    "presentation": "(qticomment )?(flow |(material |response_lid |response_xy |response_str "
                    "|response_num |response_grp |response_extension )+)",
    "material": f"(qticomment )?{MATERIAL}+(altmaterial )*",
    "response_str": "(material |material_ref )?(render_choice |render_hotspot |render_slider "
                    "|render_fib |render_extension )(material |material_ref )?",
    "render_fib": "(material |material_ref |response_label |flow_label )*(response_na )?",
    "response_label": "(qticomment |material |material_ref |flow_mat )*",
    "resprocessing": "(qticomment )?outcomes (respcondition |itemproc_extension )+",
    "outcomes": "(qticomment )?(decvar (interpretvar )*)+",
    "respcondition": "(qticomment )?conditionvar (setvar )*(displayfeedback )*"
                     "(respcond_extension )?",
    "conditionvar": f"({CONDITIONS}|var_extension )+",
    "and": f"({CONDITIONS})+",
    "or": f"({CONDITIONS})+",
    "not": f"({CONDITIONS})",
    "itemfeedback": "(flow_mat |material |solution |hint )+",
    "flow_mat": "(qticomment )?(flow_mat |material |material_ref )+",
    **{name: "" for name in ("mattext", "varequal", "vargte", "varlte", "other", "setvar",
                             "displayfeedback", "decvar", "fieldlabel", "fieldentry")},
}
"""Content models of the QTI 1.2 ASI DTD (ims_qtiasiv1p2p1.dtd) for every element a numerical
quiz may hold, as regular expressions over the children's names; #PCDATA ones have none."""
ATTRIBUTES = {
    "assessment": {"ident"}, "section": {"ident"}, "item": {"ident"}, "response_str": {"ident"},
    "response_label": {"ident"}, "itemfeedback": {"ident"}, "varequal": {"respident"},
    "vargte": {"respident"}, "varlte": {"respident"}, "displayfeedback": {"linkrefid"},
}
"""Required (#REQUIRED) attributes."""
CHOICES = {"fibtype": {"String", "Integer", "Decimal", "Scientific"},
           "rcardinality": {"Single", "Multiple", "Ordered"}, "continue": {"Yes", "No"},
           "action": {"Set", "Add", "Subtract", "Multiply", "Divide"},
           "feedbacktype": {"Response", "Solution", "Hint"},
           "vartype": {"Integer", "String", "Decimal", "Scientific", "Boolean", "Enumerated",
                       "Set"}}
"""Enumerated attributes and the values the DTD allows."""
QTI_NS = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def check_structure(element: ET.Element) -> None:
    name = element.tag.removeprefix(QTI_NS)
    assert name in CONTENT, f"<{name}> is not an element a numerical quiz holds"
    children = "".join(child.tag.removeprefix(QTI_NS) + " " for child in element)
    assert re.fullmatch(CONTENT[name], children), f"<{name}> holds {children!r}"
    assert ATTRIBUTES.get(name, set()) <= set(element.attrib), name
    for attribute, value in element.attrib.items():
        assert value in CHOICES.get(attribute, {value}), (name, attribute, value)
    if name in ("other", "displayfeedback", "decvar"):  # #PCDATA, and nothing is meant in it
        assert not (element.text or "").strip(), name
    for child in element:
        check_structure(child)


@dataclass(frozen=True)
class CanvasQuestion:
    title: str
    answers: list[tuple[str, float, float]]
    """(Canvas's numerical answer type, exact value, margin), each worth 100 %."""
    incorrect_comments: str


def read_canvas(item: ET.Element) -> CanvasQuestion:
    """What Canvas's importer makes of a numerical item (qti_exporter numeric_interaction.rb):
    every response condition with an ``or`` (anywhere in it) holding an exact value is an exact
    answer, its margin the upper bound less the value; one with only an ``and`` a range; each
    worth 100 %, whatever score it sets. Feedback named like wrong/incorrect is the comment for
    any wrong answer."""
    answers = []
    for condition in item.iter(f"{QTI_NS}respcondition"):
        either = condition.find(f".//{QTI_NS}or")
        both = condition.find(f".//{QTI_NS}and")
        if either is not None and either.find(f".//{QTI_NS}varequal") is not None:
            assert either.find(f".//{QTI_NS}vargt") is None  # else a "precision answer"
            exact = either.findtext(f".//{QTI_NS}varequal")
            upper = either.findtext(f"{QTI_NS}and/{QTI_NS}varlte")
            answers.append(("exact_answer", float(exact),
                            float(Decimal(upper) - Decimal(exact)) if upper else 0.0))
        elif both is not None:
            answers.append(("range_answer", float(both.findtext(f".//{QTI_NS}vargte")),
                            float(both.findtext(f".//{QTI_NS}varlte"))))
    comments = [f.findtext(f".//{QTI_NS}mattext") for f in item.iter(f"{QTI_NS}itemfeedback")
                if re.search(r"wrong|incorrect|_IC$", f.get("ident", ""), re.I)]
    return CanvasQuestion(item.get("title"), answers, "".join(comments))


def read_qti(path: Path) -> list[tuple[str, list[CanvasQuestion]]]:
    """Each quiz of the zip, by its title: every XML well-formed, each quiz to the DTD."""
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    ns = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
    quizzes = []
    for resource in manifest.iter(f"{ns}resource"):
        assert resource.get("type") == "imsqti_xmlv1p2"
        root = ET.fromstring(archive.read(resource.find(f"{ns}file").get("href")))
        check_structure(root)
        idents = [e.get("ident") for e in root.iter() if e.tag.endswith("}item")]
        assert len(idents) == len(set(idents))
        for item in root.iter(f"{QTI_NS}item"):
            links = {d.get("linkrefid") for d in item.iter(f"{QTI_NS}displayfeedback")}
            assert links == {f.get("ident") for f in item.iter(f"{QTI_NS}itemfeedback")}
        quizzes.append((root.find(f"{QTI_NS}assessment").get("title"),
                        [read_canvas(item) for item in root.iter(f"{QTI_NS}item")]))
    return quizzes


def check_qti(path: Path, meant: dict[str, list[Read]], title: str) -> int:
    (quiz_title, questions), = read_qti(path)
    assert quiz_title == title
    assert [q.title for q in questions] == list(meant)
    for q, answers in zip(questions, meant.values(), strict=True):
        (kind, exact, margin), = q.answers  # the correct value alone is an answer
        correct = answers[0]
        assert (kind, exact) == ("exact_answer", correct.value)
        assert margin == pytest.approx(correct.tolerance, rel=1e-9)
        hints = [a.shown for a in answers if a.credit == 0]
        assert all(hint in q.incorrect_comments for hint in hints)
        assert bool(q.incorrect_comments) == bool(hints)
    return len(questions)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_qti_question_of_a_lesson_has_one_answer_canvas_reads_right(
        lesson: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.zip"
    note, _ = export(lesson, "qti", out).splitlines()
    assert "no credit (--rounding-credit 50 is for moodle and gift)" in note
    assert check_qti(out, expected(lesson), f"{load(lesson).title} · {lesson.stem}") > 0


def test_qti_of_the_stress_scenario_is_well_formed_and_keeps_every_name(
        stress: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.zip"
    export(stress, "qti", out)
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    assert not any(UNSAFE.search(archive.read(n).decode("utf-8")) for n in archive.namelist())
    assert check_qti(out, expected(stress), f"{printable(STRESS_TITLE)} · stress") > 10


def test_structure_check_refuses_what_the_dtd_does() -> None:
    bad = ET.fromstring("<item ident='a'><resprocessing><respcondition><setvar>1</setvar>"
                        "</respcondition></resprocessing></item>")
    with pytest.raises(AssertionError, match="resprocessing"):
        check_structure(bad)


# --- exams: the rule hidden, the precision shared with verify, a question per stage ---


def rows(path: Path) -> list[list[tuple[str, str]]]:
    """Each Cloze question's worksheet rows: (name, what the row says of it)."""
    _, questions = moodle_questions(path)
    return [[(shown(name), shown(what)) for name, what in re.findall(
        r"<tr><td><code>(.*?)</code></td><td>(.*?)</td>", q.findtext("questiontext/text"))]
        for q in questions]


def test_hide_formula_leaves_each_rule_out_and_every_answer_as_it_was(tmp_path: Path) -> None:
    lesson = ROOT / "scenarios" / "tanh_mse.yaml"
    export(lesson, "moodle", tmp_path / "shown.xml")
    export(lesson, "moodle", tmp_path / "hidden.xml", "--hide-formula")
    trace = step(load(lesson))
    (shown_rows,), (hidden_rows,) = rows(tmp_path / "shown.xml"), rows(tmp_path / "hidden.xml")
    for (name, with_rule), (same, without) in zip(shown_rows, hidden_rows, strict=True):
        operands = trace[name].inputs
        assert name == same and operands
        assert any(o in with_rule for o in operands)  # the rule names its operands ...
        assert not any(o in without for o in operands), without  # ... the exam's does not
        assert without == with_rule.split(": ")[0]  # what it is, as before
    assert check_cloze(tmp_path / "hidden.xml", expected(lesson)) > 0


def figures_text(value: float, unit: float) -> str:
    """``value`` written with the decimals of ``unit`` (a power of ten)."""
    decimals = max(0, -round(math.log10(unit)))
    return f"{value:.{decimals}f}"


@pytest.mark.parametrize("precision", [("--digits", 3), ("--digits", 4), ("--decimals", 4)])
def test_a_quiz_accepts_what_verify_calls_correct(precision: tuple[str, int],
                                                  tmp_path: Path) -> None:
    """Numbers written to the precision asked, on and around each value: the quiz's correct
    band holds exactly those ``verify`` (same --digits/--decimals) marks correct."""
    from bpstep.answers import Answer
    from bpstep.verify import CORRECT, floor_for, verify
    from bpstep.written import read_number

    option, n = precision
    lesson = ROOT / "scenarios" / "gfg_sigmoid.yaml"
    out = tmp_path / "q.xml"
    export(lesson, "moodle", out, option, str(n))
    scenario = load(lesson)
    trace = step(scenario)
    floor = floor_for(scenario, **{option[2:]: n}, tol=None)
    _, (q,) = moodle_questions(out)
    names = [shown(c) for c in re.findall(r"<td><code>(.*?)</code></td>", q.findtext(
        "questiontext/text"))]
    checked = 0
    for name, (_, answers) in zip(names, read_cloze(q.findtext("questiontext/text")), strict=True):
        band = answers[0]
        value = trace[name].value
        accepted = 0
        unit = (10.0 ** (math.floor(math.log10(abs(value))) - n + 1) if option == "--digits"
                else 10.0 ** -n)
        for k in range(-2, 3):
            text = figures_text((round(value / unit) + k) * unit, unit)
            in_band = abs(float(text) - band.value) <= band.tolerance
            verdict = verify(trace, {name: Answer(name, read_number(text))},
                             floor=floor)[name].verdict
            assert (verdict == CORRECT) == in_band, (name, text, verdict, band)
            accepted += in_band
        # its own rounding, and the other one too when the value is a tie within verify's
        # float slack (dw[x1->h2] = -0.0028249995606: -0.00282 and -0.00283 at 3 figures)
        assert 1 <= accepted <= 2, name
        checked += accepted
    assert checked >= len(names)


def test_by_stage_gives_each_stage_the_correct_results_before_it(tmp_path: Path) -> None:
    """Each question's blanks are one stage's values; the results it gives are the true ones,
    and its correct answers follow from them by the textbook's formulas (worked here)."""
    from test_export_lms import worked

    lesson = ROOT / "scenarios" / "gfg_sigmoid.yaml"
    out = tmp_path / "q.xml"
    export(lesson, "moodle", out, "--by-stage")
    trace = step(load(lesson))
    v = {"inputs": [[0.35, 0.7]], "targets": [[0.5]], "learning_rate": 1.0,
         "weights": [[[0.2, 0.3], [0.2, 0.3]], [[0.3], [0.9]]]}  # gfg_sigmoid.yaml, by hand
    _, questions = moodle_questions(out)
    assert len(questions) == len(trace.stages)
    done: list[str] = []
    for q, stage in zip(questions, trace.stages, strict=True):
        text = q.findtext("questiontext/text")
        given = {shown(what).split(": ")[0]: float(value) for what, value in re.findall(
            r"<tr><td>([^<]*: [^<]*)</td><td>([^<]*)</td></tr>", text)}
        blanks = read_cloze(text)
        names = [shown(c) for c in re.findall(r"<td><code>(.*?)</code></td>", text)]
        assert names == [x.name for x in stage.quantities]
        assert set(given) <= set(done)  # only results of the stages before
        for name, value in given.items():
            assert value == pytest.approx(trace[name].value, rel=1e-12)
        for name, (_, answers) in zip(names, blanks, strict=True):
            # every value this stage's rules use from earlier stages is given, and the correct
            # answer is worked from those (the key's values elsewhere: worked() reads them all)
            assert {n for n in trace[name].inputs if n in done} <= set(given), name
            known = {**{x.name: x.value for x in trace}, **given}
            assert answers[0].value == pytest.approx(worked(v, name, known), rel=1e-9)
        done += names
    idents = [q.findtext("idnumber") for q in questions]
    assert len(set(idents)) == len(idents)


def test_by_stage_asks_only_the_chosen_values_with_the_options_given() -> None:
    from bpstep.variants import stage_questions
    from bpstep.written import Floor, FloorKind

    trace = step(load(ROOT / "scenarios" / "gfg_sigmoid.yaml"))

    def questions(credit: int, hide: bool):
        return stage_questions(trace, "07", ask="deltas", precision=Floor(FloorKind.DIGITS, 3),
                               rounding_credit=credit, hide_formula=hide)

    hidden = questions(40, True)
    title = "Sigmoid 2-2-1 worked example (GeeksforGeeks) · 07 · stage"
    assert [(q.title, q.ident) for q in hidden] == [
        (f"{title} 4: backward · output deltas (o)", "07 · stage 4"),
        (f"{title} 5: backward · hidden deltas · hidden layer (h1, h2)", "07 · stage 5")]
    assert [[(b.name, b.description) for b in q.blanks] for q in hidden] == [
        [("delta[o]", "δ of o (output unit)")],
        [("delta[h1]", "δ of h1 (hidden unit)"), ("delta[h2]", "δ of h2 (hidden unit)")]]
    # stage 5 is given δ of the output unit, worked by hand: (0.5 − y)·y·(1 − y), y = 0.665074
    results = dict(hidden[1].givens[-3:])
    assert set(results) == {"y[h1]: output of h1", "y[h2]: output of h2",
                            "delta[o]: δ of o (output unit)"}
    assert float(results["delta[o]: δ of o (output unit)"]) == pytest.approx(-0.0367703, abs=5e-8)
    early = [a for q in hidden for b in q.blanks for a in b.answers if a.mistake == "early"]
    assert early and {a.credit for a in early} == {40}
    shown = questions(0, False)
    assert not [a for q in shown for b in q.blanks for a in b.answers if a.mistake == "early"]
    assert shown[0].blanks[0].description == "δ of o (output unit): (t[o] − y[o]) · y[o] · (1 − y[o])"


def test_by_stage_gives_earlier_results_without_float_noise(tmp_path: Path) -> None:
    """y[h1] = 0.1·3 − 0.3·1 is 0; in floats 5.55e-17, noise next to y[h2] = 2 (numbers.clean)."""
    from bpstep.variants import stage_questions
    from bpstep.written import DEFAULT_FLOOR

    path = tmp_path / "cancel.yaml"
    path.write_text("layers:\n  - units: [x1, x2]\n  - units: [h1, h2]\n    activation: identity\n"
                    "  - units: [o]\n    activation: identity\n"
                    "weights:\n  - [[0.1, 0.5], [-0.3, 0.5]]\n  - [[0.4], [0.6]]\n"
                    "inputs: [3, 1]\ntargets: [1]\nlearning_rate: 0.5\n", encoding="utf-8")
    trace = step(load(path))
    assert 0 < trace["y[h1]"].value < 1e-16
    output_stage = stage_questions(trace, "1", ask="a[o]", precision=DEFAULT_FLOOR,
                                   rounding_credit=0, hide_formula=False)
    assert output_stage[0].givens[-2:] == (("y[h1]: output of h1", "0.0"),
                                           ("y[h2]: output of h2", "2.0"))


def test_by_stage_in_gift_and_qti_is_a_category_or_a_quiz_per_stage(tmp_path: Path) -> None:
    lesson = ROOT / "scenarios" / "gfg_sigmoid.yaml"
    trace = step(load(lesson))
    stages = [[q.name for q in stage.quantities] for stage in trace.stages]
    export(lesson, "gift", tmp_path / "q.gift", "--by-stage")
    questions = read_gift((tmp_path / "q.gift").read_text(encoding="utf-8"))
    by_category: dict[str, list[str]] = {}
    for q in questions:
        by_category.setdefault(q.category[-1], []).append(q.name.split(" · ")[-1])
    assert list(by_category.values()) == stages
    assert all("y[h1]: output of h1 = 0.552307" in q.text for q in questions
               if q.category[-1].endswith("stage 2"))
    export(lesson, "qti", tmp_path / "q.zip", "--by-stage")
    quizzes = read_qti(tmp_path / "q.zip")
    assert [[q.title for q in items] for _, items in quizzes] == stages


def test_the_readme_table_says_what_these_tests_check() -> None:
    """Each cell of the README's per-format table, against the test above that checks it."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| | correct band |"))
    assert lines[start] == ("| | correct band | rounding credit | mistake feedback | "
                            "carried-forward (`--by-stage`) | `--hide-formula` |")
    rows = [[c.strip() for c in line.strip("|").split("|")]
            for line in lines[start + 2:start + 5]]
    table = {row[0]: row[1:] for row in rows}
    moodle, gift, canvas = (table[k] for k in ("Moodle XML (Cloze)", "GIFT (Moodle)",
                                               "Canvas QTI"))
    assert all(row[0] == "value ± half a unit" for row in (moodle, gift, canvas))  # check_*
    assert moodle[1] == "any percent"  # test_gift_snaps_..., its Cloze half
    assert gift[1].startswith("snapped to Moodle's list (100, 90, 83.33333,")  # MOODLE_FRACTIONS
    assert canvas[1].startswith("none")  # check_qti: one exact answer per question
    assert "at 0 %" in moodle[2] and "at 0 %" in gift[2]  # check_cloze, check_gift
    assert "without values" in canvas[2] and "any wrong answer" in canvas[2]  # read_canvas
    assert [row[3] for row in (moodle, gift, canvas)] == [
        "a question per stage", "a category per stage", "a quiz per stage"]  # test_by_stage_*
    assert [row[4] for row in (moodle, gift, canvas)] == ["yes"] * 3


# --- the escaping rules, on any text ---

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp"))
               | st.sampled_from('~}{#\\&<>;"\'/=:[]%'), max_size=40)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(TEXT)
def test_any_feedback_shows_exactly_after_moodles_cloze_reader(text: str) -> None:
    from bpstep.export.moodle import cloze_blank
    from bpstep.variants import Answer, Blank

    blank = cloze_blank(Blank("x", "d", (Answer(0.5, 0.005, 100, text),
                                         Answer(-0.5, 0.005, 0, text + "~"))))
    (kind, answers), = read_cloze(f"<p>{blank}</p>")
    assert kind == "NUMERICAL"
    assert answers == [Read(0.5, 0.005, 100.0, text), Read(-0.5, 0.005, 0.0, text + "~")]


@settings(derandomize=True, max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_any_name_and_feedback_read_back_from_gift(name: str, text: str) -> None:
    from bpstep.export.gift import gift_escape, gift_text
    from bpstep.export.moodle import category_part, html_name

    gift = (f"$CATEGORY: $course$/{category_part(name, 'quiz')}\n\n"
            f"::{gift_escape(html_name(name))}::[html]{gift_text(text)} "
            f"{{#=%100%0.5:0.005#{gift_text(text)}}}\n")
    (q,) = read_gift(gift)
    assert q.name == name.strip() or not name.strip()
    assert q.category[1] == (" ".join(name.split()) if " ".join(name.split()).strip(".")
                             else f"quiz {' '.join(name.split())}".strip())
    assert q.text == text.strip() and q.answers == [Read(0.5, 0.005, 100.0, text.strip())]
