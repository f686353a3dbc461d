"""GIFT text for Moodle: one numerical question per value of each variant.

GIFT has no blanks inside a text, so each value is its own question, titled with the variant and
the quantity, and grouped in a category per variant:
``::01 · y[h1]::[html]…{#=%100%0.5523:0.00005#correct =%50%…:0.0005#… =%0%0.21:0.00005#hint}``.

Written to the rules of Moodle's reader (``qformat_gift``): in names, texts and feedback
``~ = # { } :`` and the backslash are escaped with a backslash, which it undoes; a question
stays on one line. The ``$CATEGORY:`` line is read with no escape undone, so it has none (a
category is HTML, its ``/`` doubled: ``moodle.category_part``). A credit must be one of Moodle's
fractions (``MOODLE_CREDITS``) or the whole question fails to import, so each is snapped to it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from bpstep.export.moodle import category_part, html_name, number
from bpstep.variants import Answer, Question

MOODLE_CREDITS = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40",
                  "33.33333", "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10",
                  "5", "0")
"""The credits (percent) Moodle's question import accepts; any other fails the question."""

GIFT_SPECIAL = str.maketrans({c: "\\" + c for c in "\\~=#{}:"} | {"\n": " ", "\r": " "})


def gift_escape(text: str) -> str:
    """Plain text (titles, categories) as GIFT reads it literally."""
    return text.translate(GIFT_SPECIAL)


def gift_text(text: str) -> str:
    """Text as GIFT reads it literally (HTML-escaped, as the question is ``[html]``); a leading
    ``[`` as a character reference, so no text is read as a format (``[plain]``)."""
    escaped = gift_escape(html.escape(text, quote=False))
    return "&#91;" + escaped[1:] if escaped.startswith("[") else escaped


def moodle_credit(percent: float) -> str:
    """The credit of Moodle's list nearest ``percent`` (of two as near, the lower)."""
    return min(reversed(MOODLE_CREDITS), key=lambda credit: abs(float(credit) - percent))


def credit_note(rounding_credit: int) -> str | None:
    """One line saying a rounding credit Moodle cannot import was snapped, or None."""
    credit = moodle_credit(rounding_credit)
    if float(credit) == rounding_credit:
        return None
    return (f"note: GIFT: Moodle imports only its own list of credits ({', '.join(MOODLE_CREDITS)}"
            f" %); --rounding-credit {rounding_credit} is written as {credit} %")


def _answer(answer: Answer) -> str:
    return (f"=%{moodle_credit(answer.credit)}%{number(answer.value)}:"
            f"{number(answer.tolerance)}#{gift_text(answer.feedback)}")


def to_gift(questions: Sequence[Question], category: str) -> str:
    """Every value of every variant as a GIFT numerical question."""
    values = sum(len(q.blanks) for q in questions)
    out = [f"// bpstep quiz: {len(questions)} worksheet{'s' * (len(questions) != 1)} (a variant, "
           f"or a stage of one), {values} question{'s' * (values != 1)}"]
    for q in questions:
        path = f"{category_part(category, 'quiz')}/{category_part(q.ident, 'variant')}"
        out += ["", f"$CATEGORY: $course$/bpstep/{path}"]
        givens = "; ".join(f"{what} = {value}" for what, value in q.givens)
        for blank in q.blanks:
            text = (f"{q.title}. Given: {givens}. {blank.description}. Give {blank.name} to "
                    f"{q.precision.words}: {blank.name} =")
            out += ["", f"::{gift_escape(html_name(q.ident + ' · ' + blank.name))}::[html]"
                    f"{gift_text(text)} "
                    + "{#" + " ".join(_answer(a) for a in blank.answers) + "}"]
    return "\n".join(out) + "\n"
