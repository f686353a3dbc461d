"""The worked solution as a standalone LaTeX document (pdflatex, packages from a base TeX install).

Text is escaped character by character; the symbols the formulas use (δ, Δ, η, ×, −, ·, ², →, ½,
Σ, ′ ...) become math, so the file compiles with plain pdflatex and no unicode font set-up.
"""

from __future__ import annotations

import re
import unicodedata

from bpstep.export.worked import Table, Worked
from bpstep.matrix import MatrixStage, Operand

SYMBOLS = {
    "δ": r"\delta", "Δ": r"\Delta", "η": r"\eta", "Σ": r"\Sigma", "σ": r"\sigma", "α": r"\alpha",
    "β": r"\beta", "γ": r"\gamma", "λ": r"\lambda", "μ": r"\mu", "θ": r"\theta", "ε": r"\varepsilon",
    "π": r"\pi", "∂": r"\partial", "∑": r"\sum", "×": r"\times", "−": "-", "·": r"\cdot",
    "²": "^{2}", "³": "^{3}", "→": r"\to", "←": r"\leftarrow", "½": r"{\textstyle\frac{1}{2}}", "′": "'",
    "≈": r"\approx", "≤": r"\le", "≥": r"\ge", "∞": r"\infty", "√": r"\surd", "…": r"\dots",
    "<": "<", ">": ">", "|": "|", "\\": r"\backslash",
}
"""Characters typeset as math (OT1 text fonts have no glyph for them)."""

TEXT = {
    "_": r"\_", "#": r"\#", "%": r"\%", "&": r"\&", "{": r"\{", "}": r"\}", "$": r"\$",
    "^": r"\^{}", "~": r"\~{}", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''",
    "\u00a0": "~",
}
"""Characters with a text-mode spelling."""


def tex(text: str, *, formula: bool = False) -> str:
    """``text`` safe for LaTeX text mode; in a ``formula`` a ``-`` is a minus and ``->`` an arrow.

    Letters with accents pass through (inputenc composes them); any other character with no
    spelling here becomes ``?`` rather than break the build.
    """
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if formula and text.startswith("->", i):
            out.append(r"\ensuremath{\to}")
            i += 2
            continue
        if formula and ch == "-":
            out.append(r"\ensuremath{-}")
        elif ch in TEXT:
            out.append(TEXT[ch])
        elif ch in SYMBOLS:
            out.append(r"\ensuremath{" + SYMBOLS[ch] + "}")
        elif ch.isascii():
            out.append(ch if ch.isprintable() or ch == "\n" else " ")
        elif _accented_latin(ch):
            out.append(ch)
        else:
            out.append("?")
        i += 1
    return "".join(out)


def _accented_latin(ch: str) -> bool:
    """é, ü, ç ...: one ASCII letter plus combining accents, which inputenc knows for OT1."""
    base = unicodedata.normalize("NFD", ch)
    return "\u00c0" <= ch <= "\u017f" and base[0].isascii() and base[0].isalpha()


_EXPONENT = re.compile(r"^(-?[0-9.]+)e([+-]?[0-9]+)$")


def number(text: str) -> str:
    """A formatted number as math: a real minus, and ``1.2e-7`` as 1.2 × 10⁻⁷."""
    if not text:
        return ""
    match = _EXPONENT.match(text)
    if match:
        return f"${match.group(1)}\\times 10^{{{int(match.group(2))}}}$"
    return f"${text}$"


def _table(table: Table) -> list[str]:
    spec = "l" + "r" * (len(table.headers) - 1)
    head = " & ".join(r"\textbf{" + tex(h) + "}" for h in table.headers) + r" \\ \hline"
    out = [r"\begin{longtable}{" + spec + "}", head, r"\endhead"]
    for row in table.rows:
        out.append(" & ".join([tex(row[0]), *(number(c) for c in row[1:])]) + r" \\")
    out += [r"\end{longtable}", ""]
    return out


def _text_table(rows: tuple[tuple[str, str], ...]) -> list[str]:
    out = [r"\begin{tabular}{ll}"]
    out += [f"{tex(k)} & {tex(v)} \\\\" for k, v in rows]
    return [*out, r"\end{tabular}", ""]


PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath}
\usepackage[margin=2cm]{geometry}
\usepackage{longtable}
\sloppy
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5ex}
\renewcommand{\arraystretch}{1.15}
"""


MATH = {**SYMBOLS, "⊙": r"\odot", "ᵀ": r"^{\mathsf{T}}", "′": "'", "−": "-", ",": ",\\,",
        **{d: f"^{{{i}}}" for i, d in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}}
"""Characters of matrix symbols as math."""
_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")


def math(text: str) -> str:
    r"""A matrix symbol or operator as math: ``(W¹)ᵀ`` → ``(W^{1})^{\mathsf{T}}``; words upright."""
    out = []
    i = 0
    while i < len(text):
        word = _WORD.match(text, i)
        if word:
            out.append(r"\mathrm{" + word[0].replace("_", r"\_") + "}")
            i = word.end()
            continue
        ch = text[i]
        mapped = MATH.get(ch, ch if ch.isascii() and ch.isprintable() else "?")
        out.append("{" + mapped + "}" if mapped.startswith("\\") else mapped)
        i += 1
    return "".join(out)


def _bmatrix(op: Operand, precision: int) -> str:
    r"""The numbers of ``op`` in a bmatrix, big ones elided with \vdots and \cdots."""
    from bpstep.numbers import fmt
    from bpstep.render.matrix import MAX_COLS, MAX_ROWS, shown

    if op.scalar:
        return number(fmt(float(op.values[0, 0]), precision)).strip("$")
    rows = shown(op.values.shape[0], MAX_ROWS, 3, 2, ())
    cols = shown(op.values.shape[1], MAX_COLS, 3, 1, ())

    def cell(i: int | None, j: int | None) -> str:
        if i is None:
            return r"\vdots" if j is not None else r"\ddots"
        if j is None:
            return r"\cdots"
        return number(fmt(float(op.values[i, j]), precision)).strip("$")

    body = r" \\ ".join(" & ".join(cell(i, j) for j in cols) for i in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def _matrices(stage: MatrixStage, precision: int) -> list[str]:
    """Each equation twice: symbols with their shapes under them, then the numbers."""
    out = [r"\textit{" + tex(stage.note) + "}" + "\n"] if stage.note else []
    for eq in stage.equations:
        tokens = [eq.lhs, " = ", *eq.rhs]
        symbols = "".join(
            r"\underset{" + math(t.shape) + "}{" + math(t.written) + "}" if isinstance(t, Operand)
            else math(t) for t in tokens)
        numbers = "".join(_bmatrix(t, precision) if isinstance(t, Operand) else math(t)
                          for t in tokens)
        out += [r"\[ " + symbols + r" \]", r"\[ " + numbers + r" \]"]
    return [*out, ""]


def to_latex(worked: Worked) -> str:
    """A document that compiles on its own; with ``explain`` every formula and its numbers."""
    out = [PREAMBLE.rstrip("\n"),
           r"\title{" + tex(worked.title) + "}",
           r"\date{}",
           r"\begin{document}",
           r"\maketitle",
           "One training step of backpropagation, worked stage by stage (written by "
           r"\texttt{bpstep export} from \texttt{" + tex(worked.source) + "}).",
           "",
           r"\section*{Setup}",
           *_text_table(worked.settings)]
    for caption, table in worked.given:
        out += [r"\subsection*{" + tex(caption[:1].upper() + caption[1:]) + "}", *_table(table)]
    for page in worked.stages:
        out += [r"\section*{" + tex(page.heading[:1].upper() + page.heading[1:]) + "}"]
        if page.show_table:
            out += _table(page.table)
        if page.matrices is not None:
            out += _matrices(page.matrices, worked.precision)
        if page.formulas:
            out.append(r"\begin{itemize}")
            for f in page.formulas:
                out += [r"\item \texttt{" + tex(f.rule, formula=True) + r"}\\",
                        r"\ensuremath{=} " + tex(f.substituted, formula=True)]
            out += [r"\end{itemize}", ""]
    out += [r"\section*{Loss before and after the step}",
            *_table(Table(("", "loss"), (("before", worked.loss_before),
                                         ("after", worked.loss_after),
                                         ("change", worked.loss_change)))),
            r"\end{document}"]
    return "\n".join(out) + "\n"
