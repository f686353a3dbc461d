"""Quizzes for a course's system: Moodle XML (Cloze), GIFT and Canvas QTI read back with lxml
or a strict GIFT parser written here; every correct answer equals the variant's key and each
named wrong answer is recomputed here from the variant's numbers."""

from __future__ import annotations

import html
import io
import math
import re
import zipfile
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bpstep.cli import app

lxml_etree = pytest.importorskip("lxml.etree")
lxml_html = pytest.importorskip("lxml.html")

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
runner = CliRunner()
TOL = 0.00005  # --decimals 4
BAND = 0.000050001  # a correct answer's: TOL and verify's float slack, a billionth (at least)


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "120"})


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lms") / "class"
    assert invoke("variants", GFG, "--count", "3", "--seed", "11", "-o", out).exit_code == 0
    return out


def keys(made: Path) -> dict[str, dict]:
    return {f"{i:02d}": yaml.safe_load((made / "keys" / f"variant-{i:02d}.key.yaml").read_text())
            for i in (1, 2, 3)}


def variant(made: Path, ident: str) -> dict:
    return yaml.safe_load((made / "students" / f"variant-{ident}.yaml").read_text())


def expected_mistake(hint: str, name: str, correct: float, key: dict, v: dict) -> float | None:
    """The value a named mistake gives, worked out here from the variant's own numbers."""
    w2 = v["weights"][1]
    t = v["targets"][0][0]
    if hint == "sign flipped":
        return -correct
    if hint == "off by a power of ten (×10)":
        return 10 * correct
    if hint == "off by a power of ten (×1/10)":
        return correct / 10
    if name == "delta[o]" and hint.startswith("y − t (output − target) used where t − y"):
        return -(t - key["y[o]"]) * key["y[o]"] * (1 - key["y[o]"])
    if name == "delta[o]" and hint.endswith("of sigmoid left out"):
        return t - key["y[o]"]
    if name in ("delta[h1]", "delta[h2]") and hint.endswith("of sigmoid left out"):
        return w2[int(name[-2]) - 1][0] * key["delta[o]"]
    return None


def worked(v: dict, target: str, known: dict[str, float]) -> float:
    """``target`` of the variant's 2-2-1 step worked here, by the textbook's formulas, from the
    ``known`` values before it (the key's, one of them perhaps as a student rounded it)."""
    found: list[float] = []

    def put(name: str, value: float) -> float:
        if name == target:
            found.append(value)
        return known[name]

    def sig(a: float) -> float:
        return 1 / (1 + math.exp(-a))

    (x1, x2), (t,) = v["inputs"][0], v["targets"][0]
    w1, w2, lr = v["weights"][0], v["weights"][1], v["learning_rate"]
    a = [put(f"a[h{j + 1}]", w1[0][j] * x1 + w1[1][j] * x2) for j in range(2)]
    y = [put(f"y[h{j + 1}]", sig(a[j])) for j in range(2)]
    a_o = put("a[o]", w2[0][0] * y[0] + w2[1][0] * y[1])
    y_o = put("y[o]", sig(a_o))
    put("loss", 0.5 * (t - y_o) ** 2)
    d_o = put("delta[o]", (t - y_o) * y_o * (1 - y_o))
    d_h = [put(f"delta[h{j + 1}]", y[j] * (1 - y[j]) * w2[j][0] * d_o) for j in range(2)]
    new2 = [put(f"w[h{j + 1}->o]", w2[j][0] + put(f"dw[h{j + 1}->o]", lr * d_o * y[j]))
            for j in range(2)]
    new1 = [[0.0, 0.0], [0.0, 0.0]]
    for j in range(2):
        for i, x in enumerate((x1, x2)):
            change = put(f"dw[x{i + 1}->h{j + 1}]", lr * d_h[j] * x)
            new1[i][j] = put(f"w[x{i + 1}->h{j + 1}]", w1[i][j] + change)
    a2 = [put(f"a_after[h{j + 1}]", new1[0][j] * x1 + new1[1][j] * x2) for j in range(2)]
    y2 = [put(f"y_after[h{j + 1}]", sig(a2[j])) for j in range(2)]
    y2_o = put("y_after[o]", sig(put("a_after[o]", new2[0] * y2[0] + new2[1] * y2[1])))
    put("loss_after", 0.5 * (t - y2_o) ** 2)
    return found[0]


EARLY = re.compile(r"rounded too early: (.+) = (\S+) taken as (\S+); keep every digit until the "
                   r"answer")


def check_answers(name: str, answers: list[tuple[int, float, float, str]], key: dict, v: dict
                  ) -> int:
    """The correct answer first, values rounded too early at 50 % (each rounding of an earlier
    value recomputed here), named mistakes at 0 %; no number typed can match two answers."""
    credit, value, tol, _ = answers[0]
    assert (credit, tol) == (100, BAND)
    assert value == pytest.approx(key[name], rel=1e-12, abs=1e-15)
    assert worked(v, name, key) == pytest.approx(key[name], rel=1e-9)
    checked = 0
    values = sorted(a[1] for a in answers)
    assert all(b - a > 2 * TOL for a, b in pairwise(values))
    for credit, value, tol, hint in answers[1:]:
        assert tol == TOL and hint
        if credit == 50:
            early = EARLY.fullmatch(hint)
            assert early, hint
            if early[1] in key:  # an earlier value taken rounded: recomputed from it here
                taken = {**key, early[1]: float(early[3])}
                assert worked(v, name, taken) == pytest.approx(value, rel=1e-9), (name, hint)
                checked += 1
            continue
        assert credit == 0
        want = expected_mistake(hint, name, key[name], key, v)
        if want is not None:
            assert value == pytest.approx(want, rel=1e-9), (name, hint)
            checked += 1
    return checked


# --- Moodle XML, Cloze ---

CLOZE = re.compile(r"\{(\d+):NUMERICAL:((?:\\.|[^\\}])*)\}")
CLOZE_ANSWER = re.compile(r"(=|%(\d+)%)(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)#((?:\\.|[^\\~])*)")


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def split_unescaped(text: str, sep: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\":
            current += text[i:i + 2]
            i += 2
            continue
        if text[i] == sep:
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    return [*parts, current]


def test_moodle_xml_has_one_cloze_question_per_variant_with_numerical_blanks(made: Path,
                                                                            tmp_path: Path) -> None:
    out = tmp_path / "quiz.xml"
    result = invoke("export", made, "-f", "moodle", "-o", out, "--decimals", "4",
                    "--rounding-credit", "50")
    assert result.exit_code == 0, result.output
    root = lxml_etree.parse(str(out)).getroot()
    assert root.tag == "quiz"
    questions = root.findall("question")
    assert [q.get("type") for q in questions] == ["category", "cloze", "cloze", "cloze"]
    checked = 0
    for q, (ident, key) in zip(questions[1:], keys(made).items(), strict=True):
        assert q.findtext("idnumber") == ident
        page = lxml_html.fromstring(q.find("questiontext").findtext("text"))
        rows = page.xpath("//tr[td/code]")
        assert len(rows) == len(key) - 1  # every quantity of the key but its scenario line
        for row in rows:
            name = row.xpath("td/code")[0].text
            (marks, body), = CLOZE.findall(row.xpath("td")[2].text)
            assert marks == "1"
            answers = []
            for part in split_unescaped(body, "~"):
                match = CLOZE_ANSWER.fullmatch(part)
                assert match, part
                credit = 100 if match[1] == "=" else int(match[2])
                feedback = match[5].replace("\\}", "}").replace("\\#", "#")
                answers.append((credit, float(match[3]), float(match[4]),
                                html.unescape(html.unescape(feedback))))
            checked += check_answers(name, answers, key, variant(made, ident))
    assert checked > 30


def test_ask_chooses_the_blanks(made: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.xml"
    assert invoke("export", made / "students" / "variant-01.yaml", "-f", "moodle", "-o", out, "--ask",
                  "delta[*],loss").exit_code == 0
    text = lxml_etree.parse(str(out)).getroot().findall("question")[1].find("questiontext").findtext("text")
    names = [c.text for c in lxml_html.fromstring(text).xpath("//tr/td/code")]
    assert names == ["loss", "delta[o]", "delta[h1]", "delta[h2]"]
    result = invoke("export", made, "-f", "moodle", "-o", tmp_path / "r.xml", "--ask", "nothing[*]")
    assert result.exit_code == 2 and "matches no quantity" in result.stderr


def test_cloze_escapes_what_its_syntax_reserves() -> None:
    from bpstep.export.moodle import cloze_blank
    from bpstep.variants import Answer, Blank

    blank = Blank("x", "d", (Answer(0.5, 0.005, 100, 'a } # ~ / " \\ <b> { &'),))
    # Moodle un-escapes only \\} and \\#, and HTML-decodes the feedback before storing it as HTML.
    assert cloze_blank(blank) == ('{1:NUMERICAL:=0.5:0.005#a \\} \\# &#126; / " &#92; '
                                  '&amp;lt;b&amp;gt; &#123; &amp;amp;}')


# --- GIFT, read back by a strict parser ---

GIFT_QUESTION = re.compile(r"::((?:\\.|[^\\:])*)::\[html\]((?:\\.|[^\\{}=#~:])*)\{#((?:\\.|[^\\}])*)\}")
GIFT_ANSWER = re.compile(r"=%(\d+)%(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)#((?:\\.|[^\\=])*)")


def parse_gift(text: str) -> dict[str, list[tuple[int, float, float, str]]]:
    """Every question of a GIFT file, refusing anything this exporter should not write."""
    out: dict[str, list[tuple[int, float, float, str]]] = {}
    for block in text.split("\n\n"):
        block = block.strip()
        if not block or block.startswith("//") or block.startswith("$CATEGORY: "):
            assert "\n" not in block
            continue
        match = GIFT_QUESTION.fullmatch(block)
        assert match, block[:200]
        answers = []
        for part in re.split(r"(?<!\\) (?==%)", match[3]):
            a = GIFT_ANSWER.fullmatch(part.strip())
            assert a, part
            answers.append((int(a[1]), float(a[2]), float(a[3]), unescape(a[4]).strip()))
        out[html.unescape(unescape(match[1]))] = answers
    return out


def test_gift_reads_back_with_every_value_and_mistake(made: Path, tmp_path: Path) -> None:
    out = tmp_path / "quiz.gift"
    assert invoke("export", made, "-f", "gift", "-o", out, "--decimals", "4").exit_code == 0
    questions = parse_gift(out.read_text())
    all_keys = keys(made)
    assert len(questions) == sum(len(k) - 1 for k in all_keys.values())
    checked = 0
    for title, answers in questions.items():
        ident, name = title.split(" · ")
        checked += check_answers(name, answers, all_keys[ident], variant(made, ident))
    assert checked > 30


# --- QTI for Canvas ---

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def test_qti_zip_has_a_quiz_of_numerical_questions_per_variant(made: Path, tmp_path: Path) -> None:
    out = tmp_path / "quiz.zip"
    assert invoke("export", made, "-f", "qti", "-o", out, "--decimals", "4").exit_code == 0
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    manifest = lxml_etree.fromstring(archive.read("imsmanifest.xml"))
    ns = {"m": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
    files = manifest.xpath("//m:resource[@type='imsqti_xmlv1p2']/m:file/@href", namespaces=ns)
    assert len(files) == 3
    for href, key in zip(files, keys(made).values(), strict=True):
        root = lxml_etree.fromstring(archive.read(href))
        items = root.findall(f".//{QTI}item")
        assert len(items) == len(key) - 1
        for item in items:
            name = item.get("title")
            fields = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                      for f in item.iter(f"{QTI}qtimetadatafield")}
            assert fields["question_type"] == "numerical_question"
            correct = item.find(f".//{QTI}respcondition[@continue='No']")
            assert correct.findtext(f"{QTI}setvar") == "100"
            exact = float(correct.findtext(f".//{QTI}varequal"))
            low, high = float(correct.findtext(f".//{QTI}vargte")), float(correct.findtext(f".//{QTI}varlte"))
            assert exact == pytest.approx(key[name], rel=1e-12, abs=1e-15)
            assert (high - low) / 2 == pytest.approx(BAND, rel=1e-6)
            links = [d.get("linkrefid") for d in item.iter(f"{QTI}displayfeedback")]
            feedback = {f.get("ident") for f in item.findall(f"{QTI}itemfeedback")}
            assert links and set(links) == feedback


def test_a_quiz_of_updated_weights_alone_names_their_mistakes(tmp_path: Path) -> None:
    """Asking only w[...] reads the (lazy) update stage before anything else does."""
    out = tmp_path / "weights.gift"
    result = invoke("export", ROOT / "scenarios" / "gfg_sigmoid.yaml", "-f", "gift", "--ask", "w[h1->o]",
                    "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    # w(h1→o) = 0.3 + Δw = 0.279691; subtracting Δw instead gives 0.3 + 0.0203085 = 0.320309.
    assert "%100%0.27969149" in text and "%0%0.32030850" in text and "Δw subtracted" in text


# --- ids and titles from files, in every format ---

NAMES = ["Zoë O'Neil", "..", "c/d", "A\x1bB\x07"]
"""Roster ids a class may have: a name, a path part, a slash, control characters."""


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("named")
    (root / "roster.csv").write_text("name\n" + "\n".join(NAMES) + "\n", encoding="utf-8")
    result = invoke("variants", GFG, "--roster", root / "roster.csv", "-o", root / "class")
    assert result.exit_code == 0, result.output
    return root / "class"


def test_a_roster_id_with_control_characters_makes_a_class_every_command_reads(named: Path) -> None:
    # ESC and BEL are dropped from the roster's cell; the variant's file reads back.
    rows = (named / "index.csv").read_text(encoding="utf-8").splitlines()
    assert rows[4].startswith("AB,") and "\x1b" not in (named / "students" / "AB.yaml").read_text()
    assert invoke("run", named / "students" / "AB.yaml").exit_code == 0


def test_a_quiz_names_each_student_once_and_makes_their_category_safe(named: Path,
                                                                    tmp_path: Path) -> None:
    title = "Sigmoid 2-2-1 worked example (GeeksforGeeks)"
    idents = ["Zoë O'Neil", "..", "c/d", "AB"]
    out = tmp_path / "q.gift"
    assert invoke("export", named, "-f", "gift", "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    categories = [line.removeprefix("$CATEGORY: ") for line in text.splitlines()
                  if line.startswith("$CATEGORY: ")]
    assert categories == [f"$course$/bpstep/{title}/{part}"
                          for part in ("Zoë O'Neil", "variant ..", "c//d", "AB")]
    assert all(".." not in c.split("/") for c in categories)
    questions = parse_gift(text)
    assert len(questions) == 4 * 29  # every value of the 2-2-1 step, for each student
    for name, block in zip(questions, re.findall(r"::\[html\](.*?) \{#", text), strict=True):
        ident = name.split(" · ")[0]
        assert ident in idents
        # The question says whose it is once: "<title> · variant <id>. Given: ..."
        assert block.startswith(f"{title} · variant {ident}. Given")
        assert block.count(ident) == 1

    out = tmp_path / "q.xml"
    assert invoke("export", named, "-f", "moodle", "-o", out).exit_code == 0
    root = lxml_etree.parse(str(out)).getroot()  # well-formed XML: no raw control character
    assert root.find("question/category/text").text == f"$course$/bpstep/{title}"
    names = [q.findtext("name/text") for q in root.findall("question[@type='cloze']")]
    assert names == [f"{title} · variant {ident}" for ident in idents]

    out = tmp_path / "q.zip"
    assert invoke("export", named, "-f", "qti", "-o", out).exit_code == 0
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    titles = [lxml_etree.fromstring(archive.read(n)).find(f"{QTI}assessment").get("title")
              for n in archive.namelist() if n != "imsmanifest.xml"]
    assert sorted(titles) == sorted(f"{title} · variant {ident}" for ident in idents)


def test_ids_and_titles_from_an_edited_index_are_escaped_and_safe(tmp_path: Path) -> None:
    # An index.csv and a title written by hand: control characters and paths in both.
    (tmp_path / "class" / "students").mkdir(parents=True)
    scenario = GFG.read_text(encoding="utf-8").replace(
        "title: Sigmoid 2-2-1 worked example (GeeksforGeeks)", 'title: "../../up\\e[2J"')
    assert scenario != GFG.read_text(encoding="utf-8")
    (tmp_path / "class" / "students" / "a.yaml").write_text(scenario, encoding="utf-8")
    (tmp_path / "class" / "index.csv").write_text(
        "variant,seed,file,key,line\n\"x\x1b]0;t\x07/..\",1,students/a.yaml,keys/a.key.yaml,\n")
    for form, out in (("gift", tmp_path / "q.gift"), ("moodle", tmp_path / "q.xml")):
        result = invoke("export", tmp_path / "class", "-f", form, "-o", out)
        assert result.exit_code == 0, result.output
    text = (tmp_path / "q.gift").read_text(encoding="utf-8")
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f]", text)
    category, = [line for line in text.splitlines() if line.startswith("$CATEGORY")]
    # ESC shown as \x1b (its backslash a character reference: GIFT undoes no escape on this
    # line), each / doubled: two levels under bpstep.
    assert category == r"$CATEGORY: $course$/bpstep/..//..//up&#92;x1b[2J/x&#92;x1b]0;t&#92;x07//.."
    root = lxml_etree.parse(str(tmp_path / "q.xml")).getroot()
    assert root.find("question/category/text").text == r"$course$/bpstep/..//..//up&#92;x1b[2J"
    assert root.find("question[@type='cloze']/idnumber").text == r"x\x1b]0;t\x07/.."
