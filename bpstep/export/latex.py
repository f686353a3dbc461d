"""The worked solution as a standalone LaTeX document (pdflatex, packages from a base TeX install).

Text is escaped character by character, its symbols (δ, Δ, η, ×, −, →, ½ ...) set as math;
formulas are math throughout (``w0[x1->h1]`` as w with subscript x1 → h1, ``e^(…)`` raised), so
the file compiles with plain pdflatex and no unicode font set-up. Tables are ``tabular``: set
in one run, and kept with their heading.
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


def tex(text: str) -> str:
    """``text`` safe for LaTeX text mode (formulas go through ``formula_math`` instead).

    Letters with accents pass through (inputenc composes them); any other character with no
    spelling here becomes ``?`` rather than break the build.
    """
    out = []
    for ch in text:
        if ch in TEXT:
            out.append(TEXT[ch])
        elif ch in SYMBOLS:
            out.append(r"\ensuremath{" + SYMBOLS[ch] + "}")
        elif ch.isascii():
            out.append(ch if ch.isprintable() or ch == "\n" else " ")
        elif _accented_latin(ch):
            out.append(ch)
        else:
            out.append("?")
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


KINDS: dict[str, tuple[str, bool]] = {
    "a": ("a", False), "y": ("y", False), "t": ("t", False), "delta": (r"\delta", False),
    "w0": ("w", False), "b0": ("b", False), "w": ("w", True), "b": ("b", True),
    "dw": (r"\Delta w", False), "db": (r"\Delta b", False), "a_after": ("a", True),
    "y_after": ("y", True), "loss": ("E", False), "loss_after": ("E", True), "lr": (r"\eta", False),
}
"""Quantity kinds as math symbols, and whether they carry a prime (after the update), as on the
slides' diagram: w0[x1->h1] is w before the step, w[x1->h1] is w′ after it."""

FUNCTIONS = {"tanh": r"\tanh", "ln": r"\ln", "max": r"\max", "exp": r"\exp", "e": "e"}
_TOKEN = re.compile(r"""
    (?P<name>(?P<kind>[a-z][a-z_0-9]*)\[(?P<args>[^\]]*)\](?:@(?P<sample>\d+))?)
  | (?P<scalar>(?P<skind>loss_after|loss|lr)(?:@(?P<ssample>\d+))?)(?![a-z_\[])
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:e[-+]?[0-9]+)?)
  | (?P<word>[A-Za-z]+)
  | (?P<power>\^)
  | (?P<char>.)
""", re.VERBOSE | re.DOTALL)


def _symbol(kind: str, args: str | None, sample: str | None) -> str:
    r"""``delta[h1]@2`` → ``\delta^{(2)}_{\text{h1}}``; an unknown kind is written upright."""
    base, prime = KINDS.get(kind, (r"\mathrm{" + tex(kind) + "}", False))
    sup = (r"\prime" if prime else "") + (f"({sample})" if sample else "")
    out = base + ("^{" + sup + "}" if sup else "")
    if args is not None:
        parts = args.split("->")
        out += "_{" + r"\to ".join(r"\text{" + tex(part) + "}" for part in parts) + "}"
    return out


def formula_math(text: str) -> str:
    """A rule or its numbers as printed (``delta[h1] = y[h1] · (1 − y[h1]) ...``) as math-mode
    LaTeX: names with sub- and superscripts, ×, ·, a real minus, ``e^(…)`` as a superscript."""
    out: list[str] = []
    closers: list[str] = []
    after_power = False
    for m in _TOKEN.finditer(text):
        piece, raised = "", after_power
        after_power = False
        if m["name"]:
            piece = _symbol(m["kind"], m["args"], m["sample"])
        elif m["scalar"]:
            piece = _symbol(m["skind"], None, m["ssample"])
        elif m["number"]:
            piece = number(m["number"]).strip("$")
        elif m["word"]:
            piece = FUNCTIONS.get(m["word"], r"\operatorname{" + m["word"] + "}")
        elif m["power"]:
            out.append("^")
            after_power = True
            continue
        elif m["char"] == "(":
            closers.append("}" if raised else ")")
            out.append("{" if raised else "(")
            continue
        elif m["char"] == ")":
            out.append(closers.pop() if closers else ")")
            continue
        elif m["char"] == " ":
            continue
        else:
            ch = m["char"]
            piece = {"½": r"\tfrac{1}{2}", "[": "[", "]": "]", "-": "-", "/": "/", "=": "=",
                     "+": "+", ",": ","}.get(ch) or SYMBOLS.get(ch) or r"\text{" + tex(ch) + "}"
        out.append("{" + piece + "}" if raised else piece)
    return " ".join(out)


TABLE_ROWS = 40
"""Rows per ``tabular``: a longer table goes on in another, header repeated. A tabular is set
in one pdflatex run (longtable needed a second to align), and stays with its heading."""


def _table(table: Table) -> list[str]:
    spec = "l" + "r" * (len(table.headers) - 1)
    head = " & ".join(r"\textbf{" + tex(h) + "}" for h in table.headers) + r" \\ \hline"
    rows = [" & ".join([tex(row[0]), *(number(c) for c in row[1:])]) + r" \\" for row in table.rows]
    out = []
    for start in range(0, max(1, len(rows)), TABLE_ROWS):
        if start:
            out.append(r"\par\smallskip")
        out += [r"\begin{tabular}{" + spec + "}", head, *rows[start:start + TABLE_ROWS],
                r"\end{tabular}"]
    return [*out, ""]


def _text_table(rows: tuple[tuple[str, str], ...]) -> list[str]:
    out = [r"\begin{tabular}{ll}"]
    out += [f"{tex(k)} & {tex(v)} \\\\" for k, v in rows]
    return [*out, r"\end{tabular}", ""]


PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath}
\usepackage[margin=2cm]{geometry}
\sloppy
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5ex}
\renewcommand{\arraystretch}{1.15}
"""


MATH = {**SYMBOLS, "⊙": r"\odot", "ᵀ": r"^{\mathsf{T}}", "′": "'", "−": "-", ",": ",\\,",
        **{d: f"^{{{i}}}" for i, d in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}}
"""Characters of matrix symbols as math."""
BINARY = frozenset({"·", "⊙"})
"""Operators kept binary (not braced into a plain symbol), so a line of matrices may break there."""
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
        if ch in BINARY:
            out.append(mapped + " ")
        else:
            out.append("{" + mapped + "}" if mapped.startswith("\\") else mapped)
        i += 1
    return "".join(out)


DIGIT_PT = 5.5
"""Width of a digit at 11 pt; a cell's width is taken as its characters' (a little over, for
the wider minus and a ×10ⁿ)."""
DIGITS_BETWEEN = 2
"""Space between two columns of a bmatrix, and its brackets, in digits (2 × 5 pt)."""
CDOTS_DIGITS = 3
MATRIX_PT = 400.0
"""Widest a matrix is set: the page's 484 pt of text less room for a function's name beside it
(``sigmoid(`` and ``)`` do not part from their matrix)."""


def _bmatrix(op: Operand, precision: int) -> str:
    r"""The numbers of ``op`` as written (a transpose as its rows) in a bmatrix, big ones elided
    with \vdots and \cdots, and columns left out while it would be wider than the page."""
    from bpstep.numbers import fmt
    from bpstep.render.matrix import MAX_COLS, MAX_ROWS, shown

    values = op.matrix
    if op.scalar:
        return number(fmt(float(values[0, 0]), precision)).strip("$")
    rows = shown(values.shape[0], MAX_ROWS, 3, 2, ())
    for most in range(MAX_COLS, 1, -1):  # fewer columns while the matrix is wider than the page
        cols = shown(values.shape[1], most, min(3, most - 2), 1, ())
        digits = [max(len(fmt(float(values[i, j]), precision)) for i in rows if i is not None)
                  if j is not None else CDOTS_DIGITS for j in cols]
        if (sum(digits) + len(digits) * DIGITS_BETWEEN) * DIGIT_PT <= MATRIX_PT:
            break

    def cell(i: int | None, j: int | None) -> str:
        if i is None:
            return r"\vdots" if j is not None else r"\ddots"
        if j is None:
            return r"\cdots"
        return number(fmt(float(values[i, j]), precision)).strip("$")

    body = r" \\ ".join(" & ".join(cell(i, j) for j in cols) for i in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def _matrices(stage: MatrixStage, precision: int) -> list[str]:
    """Each equation twice: symbols with their shapes under them, then the numbers, in a
    paragraph of their own so that a line of wide matrices breaks after = + · ⊙ rather than run
    into the margin."""
    out = [r"\textit{" + tex(stage.note) + "}" + "\n"] if stage.note else []
    for eq in stage.equations:
        tokens = [eq.lhs, " = ", *eq.rhs]
        symbols = "".join(
            r"\underset{" + math(t.shape) + "}{" + math(t.written) + "}" if isinstance(t, Operand)
            else math(t) for t in tokens)
        numbers = "".join(_bmatrix(t, precision) if isinstance(t, Operand) else math(t)
                          for t in tokens)
        out += [r"\[ " + symbols + r" \]",
                r"\begin{center}$\displaystyle " + numbers + r"$\end{center}"]
    return [*out, ""]


def to_latex(worked: Worked) -> str:
    """A document that compiles on its own; with ``explain`` every formula and its numbers."""
    out = [PREAMBLE.rstrip("\n"),
           r"\title{" + tex(worked.title) + "}",
           r"\author{}",
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
                out += [r"\item $" + formula_math(f.rule) + r"$\\",
                        "$= " + formula_math(f.substituted) + "$"]
            out += [r"\end{itemize}", ""]
    out += [r"\section*{Loss before and after the step}",
            *_table(Table(("", "loss"), (("before", worked.loss_before),
                                         ("after", worked.loss_after),
                                         ("change", worked.loss_change)))),
            r"\end{document}"]
    return "\n".join(out) + "\n"
