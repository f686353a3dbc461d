"""GIFT text for Moodle: one numerical question per value of each variant.

GIFT has no blanks inside a text, so each value is its own question, titled with the variant and
the quantity, and grouped in a category per variant:
``::01 · y[h1]::[html]…{#=%100%0.5523:0.00005#correct =%50%…:0.0005#… =%0%0.21:0.00005#hint}``.
``~ = # { } :`` and the backslash are escaped with a backslash; a question stays on one line.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from bpstep.export.moodle import category_part, number
from bpstep.variants import Answer, Question

GIFT_SPECIAL = str.maketrans({c: "\\" + c for c in "\\~=#{}:"} | {"\n": " ", "\r": " "})


def gift_escape(text: str) -> str:
    """Plain text (titles, categories) as GIFT reads it literally."""
    return text.translate(GIFT_SPECIAL)


def gift_text(text: str) -> str:
    """Text as GIFT reads it literally (HTML-escaped, as the question is ``[html]``)."""
    return gift_escape(html.escape(text, quote=False))


def _answer(answer: Answer) -> str:
    return (f"=%{answer.credit}%{number(answer.value)}:{number(answer.tolerance)}"
            f"#{gift_text(answer.feedback)}")


def to_gift(questions: Sequence[Question], category: str) -> str:
    """Every value of every variant as a GIFT numerical question."""
    out = [f"// bpstep quiz: {len(questions)} variants"]
    for q in questions:
        path = f"{category_part(category, 'quiz')}/{category_part(q.ident, 'variant')}"
        out += ["", f"$CATEGORY: $course$/bpstep/{gift_escape(path)}"]
        givens = "; ".join(f"{what} = {value}" for what, value in q.givens)
        for blank in q.blanks:
            text = (f"{q.title}. Given: {givens}. {blank.description}. Give {blank.name} to "
                    f"{q.precision.words}: {blank.name} =")
            out += ["", f"::{gift_escape(q.ident + ' · ' + blank.name)}::[html]{gift_text(text)} "
                    + "{#" + " ".join(_answer(a) for a in blank.answers) + "}"]
    return "\n".join(out) + "\n"
