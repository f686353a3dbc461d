"""The LaTeX export as a reader sees it: formulas in math mode, tables set in one pdflatex run,
no heading left alone at the foot of a page (issue 9)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.export.latex import TABLE_ROWS, formula_math

ROOT = Path(__file__).resolve().parent.parent
INSTALL = "apt-get install -y texlive-latex-base"
runner = CliRunner()


def export(tmp_path: Path, lesson: str, *args: str) -> str:
    out = tmp_path / "out.tex"
    result = runner.invoke(app, ["export", lesson, "-f", "latex", "-o", str(out), "--explain",
                                 "--force", *args])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize(("printed", "latex"), [
    ("delta[h1] = y[h1] · (1 − y[h1]) · (w0[h1->o]·delta[o])",
     r"\delta_{\text{h1}} = y_{\text{h1}} \cdot ( 1 - y_{\text{h1}} ) \cdot "
     r"( w_{\text{h1}\to \text{o}} \cdot \delta_{\text{o}} )"),
    ("= 1 / (1 + e^(−0.21)) = 0.552308", r"= 1 / ( 1 + e ^ { - 0.21 } ) = 0.552308"),
    ("y[cat] = e^a[cat] / (e^a[cat] + e^a[dog])",
     r"y_{\text{cat}} = e ^ {a_{\text{cat}}} / ( e ^ {a_{\text{cat}}} + e ^ {a_{\text{dog}}} )"),
    ("w[x1->h1]@2 = w0[x1->h1] + dw[x1->h1]@2",
     r"w^{\prime(2)}_{\text{x1}\to \text{h1}} = w_{\text{x1}\to \text{h1}} + "
     r"\Delta w^{(2)}_{\text{x1}\to \text{h1}}"),
    ("loss_after = ½ · [(t[o] − y_after[o])²]",
     r"E^{\prime} = \tfrac{1}{2} \cdot [ ( t_{\text{o}} - y^{\prime}_{\text{o}} ) ^{2} ]"),
    ("dw[h_1->o] = lr · delta[o]·y[h_1] = 1.5e-07", r"\Delta w_{\text{h\_1}\to \text{o}} = \eta "
     r"\cdot \delta_{\text{o}} \cdot y_{\text{h\_1}} = 1.5\times 10^{-7}"),
    ("y[h1] = max(0, a[h1]) · step(a[h1])",
     r"y_{\text{h1}} = \max ( 0 , a_{\text{h1}} ) \cdot \operatorname{step} ( a_{\text{h1}} )"),
])
def test_formulas_are_math_with_sub_and_superscripts(printed: str, latex: str) -> None:
    assert formula_math(printed) == latex


def test_every_formula_is_in_math_mode_not_typewriter(tmp_path: Path) -> None:
    text = export(tmp_path, "gfg_sigmoid")
    items = [line for line in text.splitlines() if line.startswith(r"\item")]
    assert len(items) == 29
    assert all(line.startswith(r"\item $") and line.endswith(r"$\\") for line in items)
    assert r"\texttt{delta" not in text and r"w0[x1" not in text
    assert r"$= 1 / ( 1 + e ^ { - 0.21 } ) = 0.552308$" in text


def test_headings_are_followed_by_what_they_head(tmp_path: Path) -> None:
    """A tabular, a display or a list right after a heading cannot be split from it (LaTeX puts
    \\nobreak after a heading, and a first line stays with it), so no heading is stranded."""
    for args in ((), ("--view", "matrix")):
        lines = export(tmp_path, "two_hidden_layers", *args).splitlines()
        for i, line in enumerate(lines):
            if line.startswith((r"\section*", r"\subsection*")):
                follows = (r"\begin{tabular}", r"\[", r"\begin{itemize}", r"\textit{")
                assert lines[i + 1].startswith(follows), lines[i:i + 2]


def pdflatex_once(folder: Path) -> str:
    """One pdflatex run; its log."""
    if shutil.which("pdflatex") is None:
        pytest.skip(f"pdflatex is not installed: {INSTALL}")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "out.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    return (folder / "out.log").read_text(encoding="latin-1")


@pytest.mark.parametrize(("lesson", "args"), [("gfg_sigmoid", ()), ("xor_batch", ()),
                                              ("two_hidden_layers", ("--view", "both"))])
def test_one_pdflatex_run_sets_every_table(tmp_path: Path, lesson: str, args: tuple[str, ...]) -> None:
    export(tmp_path, lesson, *args)
    log = pdflatex_once(tmp_path)
    assert not re.search(r"Rerun|widths have changed|Label\(s\) may have changed", log), log[-2000:]
    assert "LaTeX Warning" not in log, re.findall(r"LaTeX Warning.*", log)


def test_a_long_table_goes_on_in_another_tabular(tmp_path: Path) -> None:
    """The 784-row weight table of a wide layer would not fit a page as one tabular."""
    from bpstep.export.latex import _table
    from bpstep.export.worked import Table

    rows = tuple((f"x{i} → h", "0.5") for i in range(2 * TABLE_ROWS + 1))
    out = "\n".join(_table(Table(("weight", "w"), rows)))
    assert out.count(r"\begin{tabular}") == 3 and out.count(r"\textbf{weight}") == 3
    assert out.count(r"\\") - 3 == len(rows)


SHIPPED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml") if not p.stem.endswith("answers"))


@pytest.mark.parametrize("view", ["unit", "both"])
@pytest.mark.parametrize("lesson", SHIPPED)
def test_no_line_runs_into_the_margin(tmp_path: Path, lesson: str, view: str) -> None:
    """A line of wide matrices (W¹(new) = W¹ + ΔW¹ of two_hidden_layers) breaks after an operator
    instead of sticking out of the page."""
    export(tmp_path, lesson, "--view", view)
    log = pdflatex_once(tmp_path)
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*", log)


@pytest.mark.parametrize("lesson", ["xor_sigmoid", "two_hidden_layers"])
def test_a_matrix_of_long_numbers_leaves_out_columns_rather_than_the_margin(
        tmp_path: Path, lesson: str) -> None:
    """With 17 digits a 4×4 matrix alone is wider than the page: it keeps its first and last
    columns around \\cdots, as the terminal does."""
    tex = export(tmp_path, lesson, "--view", "both", "--precision", "17")
    log = pdflatex_once(tmp_path)
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*", log)
    if lesson == "xor_sigmoid":
        assert r"\cdots" in tex
