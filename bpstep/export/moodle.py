"""Moodle XML: one Cloze (embedded answers) question per variant, each value a NUMERICAL blank.

A blank reads ``{1:NUMERICAL:=value:tolerance#feedback~%50%value:tol#feedback~%0%value:tol#hint}``:
the correct answer, each value rounded too early at the rounding credit, and the value each
named mistake gives, at 0 % with its hint as feedback. Moodle takes the first answer that
matches, so the correct one comes first.

Written to the rules of Moodle's own reader (``qtype_multianswer_extract_question``): a
feedback runs to the first ``~`` or ``}`` not after a backslash, is HTML-decoded once, has only
``\\}`` and ``\\#`` un-escaped, and is stored as HTML that the page decodes again. So feedback
is HTML-escaped twice (a unit named ``h<img2`` shows as text, not a tag), ``}`` and ``#`` take
the two escapes Moodle undoes, and ``~``, ``\\`` and ``{``, which no escape brings back, are
character references the first decoding turns back into themselves; no feedback shows a stray
backslash. Names and categories are HTML too (Moodle strips tags from them on import), and a
``/`` of a category is doubled (a single one starts a level).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import numpy as np

from bpstep.numbers import clean
from bpstep.variants import Answer, Blank, Question

CLOZE_FEEDBACK = str.maketrans({"}": "\\}", "#": "\\#", "~": "&#126;", "\\": "&#92;",
                                "{": "&#123;"})
"""What Moodle's Cloze reader cannot take raw in a feedback, after it is HTML-escaped twice."""


def number(value: float) -> str:
    """The shortest decimal text that reads back as ``value`` cleaned of float noise
    (``numbers.clean``: 0.3355, not 0.33549999999999996), never in exponent form."""
    return np.format_float_positional(clean(value), trim="-")


def cloze_feedback(text: str) -> str:
    """Feedback as a Cloze blank carries it, so the page shows ``text`` exactly: HTML-escaped for
    the page, escaped again for the decoding on import, then CLOZE_FEEDBACK."""
    return html.escape(html.escape(text, quote=False), quote=False).translate(CLOZE_FEEDBACK)


def _answer(answer: Answer) -> str:
    credit = "=" if answer.credit == 100 else f"%{answer.credit}%"
    return f"{credit}{number(answer.value)}:{number(answer.tolerance)}#{cloze_feedback(answer.feedback)}"


def cloze_blank(blank: Blank, marks: int = 1) -> str:
    """``{1:NUMERICAL:=…~%0%…}`` for one value."""
    return "{" + f"{marks}:NUMERICAL:" + "~".join(_answer(a) for a in blank.answers) + "}"


def _e(text: str) -> str:
    """Text from a file as HTML, with ``{`` as an entity so no title can open a Cloze blank."""
    return html.escape(text).replace("{", "&#123;")


def question_html(q: Question, blank_text: dict[str, str] | None = None) -> str:
    """The worksheet as HTML: the given numbers, then one row per value to work out."""
    e = _e
    givens = "".join(f"<tr><td>{e(what)}</td><td>{e(value)}</td></tr>" for what, value in q.givens)
    rows = "".join(
        f"<tr><td><code>{e(b.name)}</code></td><td>{e(b.description)}</td>"
        f"<td>{(blank_text or {}).get(b.name, '')}</td></tr>" for b in q.blanks)
    return (f"<p>{e(q.title)}</p><p>Given:</p><table>{givens}</table>"
            f"<p>Work out each value below; give it to {e(q.precision.words)}.</p>"
            f"<table>{rows}</table>")


def category_part(text: str, fallback: str) -> str:
    """One level of a Moodle category path from a title or an id, as Moodle's import reads it
    back (``split_category_path``): HTML (tags are stripped), each ``/`` doubled, a level that
    starts or ends with one padded with a space (trimmed on import); a backslash is a character
    reference, as GIFT's reader takes ``\\:`` or ``\\n`` for escapes even on its ``$CATEGORY``
    line and never restores them there. A part of dots only (``..``) or nothing is ``fallback``
    and the text."""
    part = " ".join(text.split())
    part = part if part.strip(".") else f"{fallback} {part}".strip()
    level = html.escape(part, quote=False).replace("\\", "&#92;").replace("/", "//")
    return f"{' ' * level.startswith('/')}{level}{' ' * level.endswith('/')}"


def html_name(text: str) -> str:
    """A question's name as Moodle stores it: HTML, since the import strips tags from names."""
    return html.escape(text, quote=False)


def to_moodle(questions: Sequence[Question], category: str) -> str:
    """A Moodle XML quiz file: a category, then one Cloze question per variant."""
    quiz = ET.Element("quiz")
    cat = ET.SubElement(ET.SubElement(quiz, "question", type="category"), "category")
    ET.SubElement(cat, "text").text = f"$course$/bpstep/{category_part(category, 'quiz')}"
    for q in questions:
        item = ET.SubElement(quiz, "question", type="cloze")
        ET.SubElement(ET.SubElement(item, "name"), "text").text = html_name(q.title)
        text = ET.SubElement(ET.SubElement(item, "questiontext", format="html"), "text")
        text.text = question_html(q, {b.name: cloze_blank(b) for b in q.blanks})
        ET.SubElement(ET.SubElement(item, "generalfeedback", format="html"), "text").text = ""
        ET.SubElement(item, "penalty").text = "0.3333333"
        ET.SubElement(item, "hidden").text = "0"
        ET.SubElement(item, "idnumber").text = q.ident
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
