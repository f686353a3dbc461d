"""`bpstep export`: worked solutions as Markdown, LaTeX and an HTML slideshow, end to end."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.export.latex import tex

ROOT = Path(__file__).resolve().parent.parent
GFG = str(ROOT / "scenarios" / "gfg_sigmoid.yaml")
XOR = str(ROOT / "scenarios" / "xor_batch.yaml")

runner = CliRunner()


def sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


def gfg_by_hand() -> dict[str, float]:
    """The GeeksforGeeks 2-2-1 step in plain Python, written out as on paper."""
    x1, x2, t = 0.35, 0.7, 0.5
    y1, y2 = sigmoid(0.2 * x1 + 0.2 * x2), sigmoid(0.3 * x1 + 0.3 * x2)
    yo = sigmoid(0.3 * y1 + 0.9 * y2)
    d_o = (t - yo) * yo * (1 - yo)
    d1, d2 = y1 * (1 - y1) * 0.3 * d_o, y2 * (1 - y2) * 0.9 * d_o
    w = {"x1h1": 0.2 + d1 * x1, "x2h1": 0.2 + d1 * x2, "x1h2": 0.3 + d2 * x1, "x2h2": 0.3 + d2 * x2,
         "h1o": 0.3 + d_o * y1, "h2o": 0.9 + d_o * y2}
    n1 = sigmoid(w["x1h1"] * x1 + w["x2h1"] * x2)
    n2 = sigmoid(w["x1h2"] * x1 + w["x2h2"] * x2)
    new_o = sigmoid(w["h1o"] * n1 + w["h2o"] * n2)
    return {"y_h1": y1, "delta_o": d_o, "w_h2o": w["h2o"], "loss": 0.5 * (t - yo) ** 2,
            "loss_after": 0.5 * (t - new_o) ** 2}


HAND = gfg_by_hand()


def six(value: float, digits: int = 6) -> str:
    return f"{value:.{digits}g}"


def export(tmp_path: Path, form: str, *args: str, scenario: str = GFG) -> str:
    out = tmp_path / f"out.{form}"
    result = runner.invoke(app, ["export", scenario, "--format", form, "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


# --- Markdown ---


def test_markdown_has_every_stage_its_tables_and_the_losses(tmp_path: Path) -> None:
    text = export(tmp_path, "markdown")
    assert len(re.findall(r"^## Stage \d+ of 8 · ", text, flags=re.M)) == 8
    assert f"| h1 | 0.21 | {six(HAND['y_h1'])} |" in text
    assert f"| o | {six(HAND['delta_o'])} |" in text
    assert f"| h2 → o | 0.9 | {six(HAND['delta_o'] * sigmoid(0.315))} | {six(HAND['w_h2o'])} |" in text
    assert f"| before | {six(HAND['loss'])} |" in text
    assert f"| after | {six(HAND['loss_after'])} |" in text
    assert "w0[x1->h1]·y[x1]" not in text  # formulas only with --explain


def test_markdown_explain_adds_every_formula_with_numbers(tmp_path: Path) -> None:
    text = export(tmp_path, "markdown", "--explain")
    assert "`a[h1] = w0[x1->h1]·y[x1] + w0[x2->h1]·y[x2]`" in text
    assert "`= 0.2×0.35 + 0.2×0.7 = 0.21`" in text
    assert f"= 0.9 + ({six(HAND['delta_o'] * sigmoid(0.315))}) = {six(HAND['w_h2o'])}`" in text
    assert text.count("\n- `") == 4 + 2 + 1 + 1 + 2 + 4 + 8 + 7  # one per quantity


def test_precision_is_significant_digits(tmp_path: Path) -> None:
    text = export(tmp_path, "markdown", "--precision", "3")
    assert f"| h1 | 0.21 | {six(HAND['y_h1'], 3)} |" in text
    assert six(HAND["y_h1"]) not in text


def test_several_samples_export_every_stage(tmp_path: Path) -> None:
    text = export(tmp_path, "markdown", scenario=XOR)
    assert len(re.findall(r"^## Stage \d+ of 28 · ", text, flags=re.M)) == 28
    assert "| 4 | 1 | 1 | 0 |" in text  # the XOR table: sample, x1, x2, target


# --- LaTeX ---


def braces_balance(text: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def test_latex_is_a_standalone_document_with_math_symbols(tmp_path: Path) -> None:
    text = export(tmp_path, "latex", "--explain")
    assert text.startswith(r"\documentclass")
    assert text.count(r"\begin{document}") == 1 and text.rstrip().endswith(r"\end{document}")
    assert braces_balance(text)
    assert text.isascii()
    assert len(re.findall(r"\\section\*\{Stage \d+ of 8", text)) == 8
    assert r"$= 0.2 \times 0.35 + 0.2 \times 0.7 = 0.21$" in text
    assert r"\ensuremath{\delta}" in text  # the δ column heading
    assert f"${six(HAND['delta_o'])}$" in text


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a_b #1 50% R&D", r"a\_b \#1 50\% R\&D"),
    ("{x}^2 ~y", r"\{x\}\^{}2 \~{}y"),
    ("back\\slash", r"back\ensuremath{\backslash}slash"),
    ("δ Δ η × − · ² → ½ Σ", r"\ensuremath{\delta} \ensuremath{\Delta} \ensuremath{\eta} "
     r"\ensuremath{\times} \ensuremath{-} \ensuremath{\cdot} \ensuremath{^{2}} \ensuremath{\to} "
     r"\ensuremath{{\textstyle\frac{1}{2}}} \ensuremath{\Sigma}"),
    ("café ☃", "café ?"),
])
def test_tex_escapes_text(raw: str, escaped: str) -> None:
    assert tex(raw) == escaped


def odd_scenario(tmp_path: Path) -> str:
    data = yaml.safe_load(Path(GFG).read_text(encoding="utf-8"))
    data["title"] = r"R&D_1 {50%} #2 ^~\ <tag> δ"
    path = tmp_path / "odd.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_latex_title_with_special_characters_is_escaped(tmp_path: Path) -> None:
    text = export(tmp_path, "latex", scenario=odd_scenario(tmp_path))
    assert r"\title{R\&D\_1 \{50\%\} \#2 \^{}\~{}\ensuremath{\backslash} " in text
    assert braces_balance(text)


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (apt-get install texlive-latex-base)")
@pytest.mark.parametrize("scenario", [GFG, XOR, "odd"])
def test_latex_compiles_with_pdflatex(tmp_path: Path, scenario: str) -> None:
    path = odd_scenario(tmp_path) if scenario == "odd" else scenario
    export(tmp_path, "latex", "--explain", scenario=path)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "out.latex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "out.pdf").stat().st_size > 1000


# --- HTML ---


class Structure(HTMLParser):
    """Sections, ids and every attribute that could fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[dict[str, str]] = []
        self.fetching: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        found = {k: v or "" for k, v in attrs}
        if tag == "section":
            self.sections.append(found)
        for key in ("src", "href", "action", "poster", "srcset"):
            if key in found:
                self.fetching.append((tag, key, found[key]))


def parse(text: str) -> Structure:
    parser = Structure()
    parser.feed(text)
    return parser


def test_html_is_one_self_contained_file_with_a_section_per_stage(tmp_path: Path) -> None:
    text = export(tmp_path, "html")
    page = parse(text)
    stages = [s for s in page.sections if "stage" in s.get("class", "").split()]
    assert [s["id"] for s in stages] == [f"stage-{k}" for k in range(1, 9)]
    assert [s["data-label"] for s in stages] == [f"stage {k} of 8" for k in range(1, 9)]
    assert page.fetching == []
    assert "link" not in page.tags and "iframe" not in page.tags
    assert "url(" not in text and "@import" not in text
    assert set(re.findall(r"https?://[^\"' )]+", text)) <= {"http://www.w3.org/2000/svg"}
    assert text.count('<div class="diagram">') == 8  # a diagram on every stage
    assert {"prev", "next"} <= set(re.findall(r'<button id="(\w+)"', text))
    assert f"<td class=\"num\">{six(HAND['y_h1'])}</td>" in text
    assert 'class="formulas"' not in text


def test_html_explain_adds_the_formulas(tmp_path: Path) -> None:
    text = export(tmp_path, "html", "--explain")
    assert text.count('class="formulas"') == 8
    assert "= 0.2×0.35 + 0.2×0.7 = 0.21</code>" in text


def test_html_escapes_the_title(tmp_path: Path) -> None:
    text = export(tmp_path, "html", scenario=odd_scenario(tmp_path))
    assert "&lt;tag&gt;" in text and "<tag>" not in text


def chromium() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


PROBE = """<script>
(function () {
  var log = [];
  function state() {
    var shown = Array.prototype.filter.call(document.querySelectorAll('.slide'),
      function (s) { return getComputedStyle(s).display !== 'none'; });
    log.push(shown.map(function (s) { return s.id; }).join(',') + '|' +
             document.getElementById('where').textContent + '|' +
             document.getElementById('prev').disabled + '|' + location.hash);
  }
  function key(k) { document.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true})); }
  state();
  ['ArrowRight', 'ArrowRight', 'ArrowLeft', 'End', 'ArrowRight', 'Home', 'ArrowLeft'].forEach(
    function (k) { key(k); state(); });
  document.getElementById('next').click(); state();
  var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = log.join('\\n');
  document.body.appendChild(pre);
})();
</script>
</body>"""


@pytest.mark.browser
@pytest.mark.skipif(chromium() is None,
                    reason="no headless browser (apt-get install -y chromium to run this test)")
def test_html_slideshow_keys_and_buttons_in_headless_chromium(tmp_path: Path) -> None:
    """The real browser runs the page's own script and CSS; keys are sent as DOM key events."""
    page = tmp_path / "probe.html"
    page.write_text(export(tmp_path, "html").replace("</body>", PROBE, 1), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--no-first-run", f"--user-data-dir={profile}",
             "--window-size=1600,1600", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, flags=re.S)
    assert probe, done.stdout[-2000:]
    states = [line.split("|") for line in probe.group(1).split("\n")]
    assert [s[0] for s in states] == ["overview", "stage-1", "stage-2", "stage-1", "summary",
                                      "summary", "overview", "overview", "stage-1"]
    assert states[1][1] == "stage 1 of 8" and states[4][1] == "summary"
    assert states[0][2] == "true" and states[1][2] == "false"  # "back" disabled on the first slide
    assert states[2][3] == "#stage-2"


# --- usage ---


def test_existing_output_is_kept_without_force(tmp_path: Path) -> None:
    out = tmp_path / "key.md"
    out.write_text("my notes", encoding="utf-8")
    result = runner.invoke(app, ["export", GFG, "-f", "markdown", "-o", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.output and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "my notes"
    assert runner.invoke(app, ["export", GFG, "-f", "markdown", "-o", str(out), "--force"]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# Sigmoid 2-2-1")


def test_bad_format_exits_2_listing_the_valid_ones(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", GFG, "-f", "pdf", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert all(name in result.output for name in ("markdown", "latex", "html"))
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("args", [["-f", "html"], ["-o", "x.html"], ["-f", "html", "-o", "x.html",
                                                                      "--precision", "0"]])
def test_missing_or_bad_options_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["export", GFG, *args])
    assert result.exit_code == 2


def test_stdout_with_dash(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", GFG, "-f", "markdown", "-o", "-"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# Sigmoid 2-2-1")


def test_subprocess_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "walk.html"
    done = subprocess.run([sys.executable, "-m", "bpstep", "export", GFG, "-f", "html", "-o", str(out)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and f"wrote {out}" in done.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- train --save: the saved scenario (bpstep/scenario_yaml.py) ---


def test_train_save_header_has_the_path_as_given_and_titles_do_not_stack(tmp_path: Path) -> None:
    """Training a saved scenario again adds to its count instead of a second "(trained …)"."""
    folder = tmp_path / "my runs"
    folder.mkdir()
    first, second = folder / "first.yaml", folder / "second.yaml"
    xor = str(ROOT / "scenarios" / "xor_sigmoid.yaml")
    for source, target, epochs in ((xor, first, 10), (str(first), second, 5)):
        result = runner.invoke(app, ["train", source, "--epochs", str(epochs), "--save", str(target)])
        assert result.exit_code == 0, result.output
    text = second.read_text(encoding="utf-8")
    assert text.startswith(f"# Trained by: bpstep train '{first}' --epochs 5 (loss ")
    assert f"# Starting weights: {first}.\n" in text
    title = yaml.safe_load(text)["title"]
    assert title == "XOR, 2-4-1 sigmoid, trained by batch gradient descent (trained 15 epochs)"


def test_the_cli_offers_every_export_format_and_no_other() -> None:
    from bpstep.cli import ExportFormat
    from bpstep.export.publish import FORMATS, PRACTICE_FORMATS, QUIZ_FORMATS

    assert sorted(f.value for f in ExportFormat) == sorted([*FORMATS, *QUIZ_FORMATS,
                                                            *PRACTICE_FORMATS])
