"""The practice page (``bpstep export -f web``/``-f scorm``): its marker gives ``bpstep verify``'s
verdicts, it asks for nothing over the network, it fits, it escapes what files say, and a session
driven by keyboard alone downloads answers ``bpstep verify`` marks the same way.

The browser tests drive headless Chromium through puppeteer-core (``tests/web/drive.js``) and
skip, with the install command as the reason, where Chromium or the npm packages are missing.
"""

from __future__ import annotations

import inspect
import io
import json
import random
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import is_dataclass, replace
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bpstep import expr as expr_module
from bpstep import verify as v
from bpstep.answers import Answer
from bpstep.cli import app
from bpstep.engine import step
from bpstep.export import web
from bpstep.expr import as_data
from bpstep.lessons import lessons
from bpstep.marking_data import STRATEGIES
from bpstep.scenario import load
from bpstep.trace import Trace, asked
from bpstep.written import DEFAULT_FLOOR, Floor, FloorKind, read_number

ROOT = Path(__file__).resolve().parent.parent
WEB_TESTS = ROOT / "tests" / "web"
SCENARIOS = [lesson for lesson in lessons() if not lesson.is_answers]
runner = CliRunner()
SIZE_LIMIT = 300_000
SHEETS_PER_LESSON = 110
MARK_ALL = ("return args.map(s => window.bpstep.verify(s).map("
            "x => [x.name, x.verdict, x.mistake, x.carried_from, x.hint]));")


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "120"})


def chromium() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


def browser_missing() -> str | None:
    if chromium() is None:
        return "apt-get install -y chromium"
    if shutil.which("node") is None or not (WEB_TESTS / "node_modules" / "puppeteer-core").is_dir():
        return "npm ci --prefix tests/web"
    return None


needs_browser = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
browser = pytest.mark.browser


def drive(tasks: list[dict]) -> list[dict]:
    """Run ``tasks`` in one headless Chromium (tests/web/drive.js)."""
    job = json.dumps({"chromium": chromium(), "tasks": tasks})
    done = subprocess.run(["node", str(WEB_TESTS / "drive.js")], input=job, capture_output=True,
                          text=True, cwd=WEB_TESTS, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def practice_of(scenario, trace, names=None, title=None, student=None) -> web.Practice:
    return web.Practice(names or asked(trace, None), 2, scenario.marking or DEFAULT_FLOOR,
                        title or scenario.title or "practice", "scenario.yaml", student)


def verify_items(scenario, trace, sheet: dict[str, str], floor: Floor | None = None) -> list[list]:
    """``bpstep verify --json``'s (name, verdict, mistake, carried_from, hint) of each quantity."""
    answers = {n: Answer(n, read_number(text)) for n, text in sheet.items()}
    report = v.verify(trace, answers, None, floor or scenario.marking or DEFAULT_FLOOR)
    return [[x.name, str(x.verdict), x.mistake, list(x.carried_from), x.hint] for x in report]


# --- the marking as data ---


def test_every_node_kind_has_a_data_form() -> None:
    kinds = {c for _, c in inspect.getmembers(expr_module, inspect.isclass)
             if issubclass(c, expr_module.Expr) and is_dataclass(c)}  # not the bases Expr, Unary
    assert kinds == set(expr_module._AS_DATA)


def test_every_mistake_has_a_strategy_in_verify_order() -> None:
    assert set(STRATEGIES) == {m.key for m in v.MISTAKES}


REPLAY_LESSONS = ("gfg_sigmoid", "gfg_gradient_convention", "builtin_identity_xor", "tanh_mse",
                  "relu_sse", "softmax_cross_entropy")
"""Every activation, loss and convention once (the larger lessons repeat them, slowly)."""


@pytest.mark.parametrize("lesson", [x for x in SCENARIOS if x.name in REPLAY_LESSONS],
                         ids=lambda lesson: lesson.name)
def test_replayed_rewrites_are_verifys_own(lesson) -> None:
    """Each mistake sent as one-rule rewrites makes, through ``misrules``, exactly the replays
    verify's MISTAKES make (a worksheet with nothing written: every value a source)."""
    scenario = load(lesson.path)
    trace = step(scenario)
    marker = v.truth_marker(trace)
    marker.answers = {}
    mistakes = {m.key: m for m in v.MISTAKES}
    for q in trace:
        for key, rule in v.REPLAYED.items():
            if key == "power_of_ten":
                continue
            theirs = [v.Replay(*made) for made in mistakes[key].replays(marker, q)]
            ours = [v.Replay(*made) for made in marker.misrules(q, rule)]
            # Equal trees have equal data forms (as_data reads every field), so the data forms
            # are built only when the trees differ: they cost as much as the replays themselves.
            assert [(x.rule, x.hint, x.source) for x in ours] == [
                (x.rule, x.hint, x.source) for x in theirs] or [
                (as_data(x.rule), x.hint, x.source) for x in ours] == [
                (as_data(x.rule), x.hint, x.source) for x in theirs], (q.name, key)


def test_page_escapes_what_the_scenario_says(tmp_path: Path) -> None:
    scenario = load(ROOT / "scenarios" / "gfg_sigmoid.yaml")
    trace = step(scenario)
    hostile = "</script><img src=x onerror=alert(1)>\x1b[2J\u202e<!--"
    page = web.web_page([(trace, practice_of(scenario, trace, title=hostile))])
    assert "<img" not in page and "<!--" not in page.replace("<!doctype", "")
    assert page.count("</script>") == 2  # the data's and the scripts' own ends
    assert "\x1b" not in page and "\u202e" not in page
    assert "\\x1b" in page and "\\u202e" in page  # shown as escapes, not dropped


def test_cli_writes_a_page_and_keeps_what_is_there(tmp_path: Path) -> None:
    out = tmp_path / "practice.html"
    result = invoke("export", "two_hidden_layers", "-f", "web", "-o", out)
    assert result.exit_code == 0, result.output
    assert 0 < out.stat().st_size < SIZE_LIMIT
    again = invoke("export", "two_hidden_layers", "-f", "web", "-o", out)
    assert again.exit_code == 2 and "--force" in again.output
    assert invoke("export", "two_hidden_layers", "-f", "web", "-o", out, "--force").exit_code == 0


def test_cli_says_when_a_page_is_heavy(class_folder: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import bpstep.export.web

    monkeypatch.setattr(bpstep.export.web, "HEAVY_PAGE", 200_000)
    light = invoke("export", "gfg_sigmoid", "-f", "web", "-o", tmp_path / "one.html")
    heavy = invoke("export", class_folder, "-f", "web", "-o", tmp_path / "class.html")
    assert light.exit_code == heavy.exit_code == 0
    assert "note:" not in light.output and "slow to open on a phone" in heavy.output


@pytest.mark.parametrize(("size", "noted"), [(web.HEAVY_PAGE - 1, False), (web.HEAVY_PAGE, True)])
def test_a_page_is_heavy_from_its_limit_on(size: int, noted: bool) -> None:
    page = Path("p.html")
    made = web.PracticeOutput({page: "é" * (size // 2) + "x" * (size % 2)}, (), "web",
                              lighter="try less")
    note = made.heavy_note()
    assert bool(note) is noted
    if noted:
        assert note == f"p.html is {size / 1e6:.1f} MB, slow to open on a phone; try less"
    folder = web.PracticeOutput({page: "x" * size, Path("q.html"): "x" * size}, (), "web",
                                folder=Path("."))
    assert folder.heavy_note() == ""  # one page per student: each is as light as one scenario's


def test_cli_writes_to_stdout_with_dash(tmp_path: Path) -> None:
    page = runner.invoke(app, ["export", "gfg_sigmoid", "-f", "web", "-o", "-"])
    assert page.exit_code == 0 and page.stdout.startswith("<!doctype html>")
    assert _data_of(page.stdout)["scenario"] == "gfg_sigmoid"
    package = runner.invoke(app, ["export", "gfg_sigmoid", "-f", "scorm", "-o", "-"])
    with zipfile.ZipFile(io.BytesIO(package.stdout_bytes)) as z:
        assert "imsmanifest.xml" in z.namelist()


def test_cli_ask_and_tries_reach_the_page(tmp_path: Path) -> None:
    out = tmp_path / "p.html"
    assert invoke("export", "gfg_sigmoid", "-f", "web", "-o", out, "--ask", "deltas",
                  "--tries", "3", "--digits", "4").exit_code == 0
    data = _data_of(out.read_text(encoding="utf-8"))
    assert data["asked"] == ["delta[o]", "delta[h1]", "delta[h2]"]
    assert data["tries"] == 3 and data["model"]["floor"] == {"kind": "digits", "count": 4}


def test_scorm_package_holds_manifest_page_and_script(tmp_path: Path) -> None:
    out = tmp_path / "practice.zip"
    assert invoke("export", "gfg_sigmoid", "-f", "scorm", "-o", out).exit_code == 0
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        page = z.read("index.html").decode()
    assert names == {"imsmanifest.xml", "index.html", "scorm.js"}
    ns = {"c": "http://www.imsproject.org/xsd/imscp_rootv1p1p2"}
    assert manifest.find("c:metadata/c:schemaversion", ns).text == "1.2"
    files = {f.get("href") for f in manifest.iterfind(".//c:resource/c:file", ns)}
    assert files == {"index.html", "scorm.js"}
    assert '<script src="scorm.js">' in page


def _data_of(page: str) -> dict:
    start = page.index('id="bpstep-data">') + len('id="bpstep-data">')
    return json.loads(page[start:page.index("</script>", start)])


# --- in the browser ---


def worksheets(scenario, trace, rng: random.Random, count: int) -> list[dict[str, str]]:
    """Worksheets of every kind a class hands in: true values to 3-6 figures with some (or most)
    left blank, one value rounded to 2 figures, one value wrong and the later ones carried from it,
    one value made by each named mistake, one rounded too early, and drawn numbers."""
    quantities = list(trace)
    sheets: list[dict[str, str]] = []
    named: dict[str, list[v.MistakeValue]] = {}
    rounded: dict[tuple[str, int], list[v.MistakeValue]] = {}
    for i in range(count):
        figures = rng.choice([3, 4, 5, 6])
        blank = rng.choice([0.15, 0.15, 0.6])  # now and then most values left blank
        sheet = {q.name: f"{q.value:.{figures}g}" for q in quantities if rng.random() > blank}
        q = rng.choice(quantities)
        kind = i % 6
        if kind == 1:
            if q.name not in named:
                named[q.name] = v.truth_marker(trace).mistake_values(q.name)
            made = named[q.name]
            if made:
                sheet[q.name] = f"{made[i // 6 % len(made)].value:.{figures}g}"
        elif kind == 2:
            sheet[q.name] = f"{q.value:.2g}"
        elif kind == 3:
            env = {**trace.given, **trace.values}
            k = quantities.index(q)
            sheet[q.name] = f"{q.value * rng.uniform(0.5, 1.5) + rng.uniform(-0.1, 0.1):.{figures}g}"
            env[q.name] = float(sheet[q.name])
            for later in quantities[k + 1:]:
                env[later.name] = later.expr.evaluate(env)
                if later.name in sheet:
                    sheet[later.name] = f"{env[later.name]:.{figures}g}"
                    env[later.name] = float(sheet[later.name])
        elif kind == 4:
            if (q.name, figures) not in rounded:
                rounded[q.name, figures] = v.truth_marker(trace).early_rounding_values(q.name, figures)
            early = rounded[q.name, figures]
            if early:
                sheet[q.name] = f"{early[0].value:.{figures}g}"
        elif kind == 5:
            sheet[q.name] = f"{rng.uniform(-2, 2):.{rng.choice([2, 3, 4])}f}"
        sheets.append(sheet)
    return sheets


DRAWN = (("2-2-1", "leaky_relu,sigmoid", "half_sse", "gradient", "online", 2, True),
         ("2-3-1", "bipolar_sigmoid,tanh", "mse", "delta_rule", "batch", 2, True),
         ("2-2-2-1", "relu,identity,sigmoid", "sse", "delta_rule", "batch", 1, False),
         ("2-2-1", "tanh,sigmoid", "binary_cross_entropy", "gradient", "batch", 1, True),
         ("2-2-3", "sigmoid,softmax", "cross_entropy", "gradient", "online", 2, False),
         ("3-2-2", "identity,leaky_relu", "half_sse", "delta_rule", "online", 2, True))
"""Shapes `bpstep new` draws exercises of that the lessons leave out: leaky ReLU, the bipolar
sigmoid, online updates, several samples, the gradient convention with each loss."""
DRAWN_SHEETS = 25


def drawn_exercises() -> list:
    from bpstep.exercise import Shape, layers_for, new_exercise, parse_sizes

    return [new_exercise(Shape(layers_for(parse_sizes(sizes), acts.split(",")), loss=loss,
                               convention=convention, mode=mode, samples=samples, biases=biases),
                         seed, title=f"drawn {seed}")
            for seed, (sizes, acts, loss, convention, mode, samples, biases) in enumerate(DRAWN)]


@browser
@needs_browser
def test_page_marks_like_verify_on_a_thousand_worksheets(tmp_path: Path) -> None:
    rng = random.Random(29)
    tasks, expected, seen = [], [], set()

    def mark_on_a_page(name: str, scenario, count: int) -> None:  # type: ignore[no-untyped-def]
        trace = step(scenario)
        page = tmp_path / f"{name}.html"
        page.write_text(web.web_page([(trace, practice_of(scenario, trace))]),
                        encoding="utf-8")
        sheets = worksheets(scenario, trace, rng, count)
        expected.append([verify_items(scenario, trace, s) for s in sheets])
        tasks.append({"url": page.as_uri(), "args": sheets, "script": MARK_ALL})

    for lesson in SCENARIOS:
        mark_on_a_page(lesson.name, load(lesson.path), SHEETS_PER_LESSON)
    for number, scenario in enumerate(drawn_exercises()):
        mark_on_a_page(f"drawn-{number}", scenario, DRAWN_SHEETS)
    for floor in (Floor(FloorKind.DIGITS, 2), Floor(FloorKind.DECIMALS, 3)):
        scenario = load(ROOT / "scenarios" / "tanh_mse.yaml")
        trace = step(scenario)
        page = tmp_path / f"tanh_mse-{floor.kind}.html"
        practice = replace(practice_of(scenario, trace), floor=floor)
        page.write_text(web.web_page([(trace, practice)]), encoding="utf-8")
        sheets = worksheets(scenario, trace, rng, SHEETS_PER_LESSON // 2)
        expected.append([verify_items(scenario, trace, s, floor) for s in sheets])
        tasks.append({"url": page.as_uri(), "args": sheets, "script": MARK_ALL})
    results = drive(tasks)
    count = 0
    for task, result, want in zip(tasks, results, expected, strict=True):
        assert result["requests"] == [] and result["errors"] == [], task["url"]
        for got, sheet_want in zip(result["result"], want, strict=True):
            assert got == sheet_want, task["url"]
            count += 1
            seen.update((item[1], item[2]) for item in got)
    assert count >= 1000 + len(DRAWN) * DRAWN_SHEETS
    verdicts = {verdict for verdict, _ in seen}
    assert verdicts >= {"correct", "rounding", "carried", "too coarse", "rounded too early",
                        "wrong", "not attempted"}
    assert len({m for _, m in seen if m}) >= 8  # many named mistakes, not one


@browser
@needs_browser
def test_keyboard_session_downloads_answers_verify_marks_the_same(tmp_path: Path) -> None:
    scenario_path = ROOT / "scenarios" / "gfg_sigmoid.yaml"
    scenario = load(scenario_path)
    trace = step(scenario)
    names = asked(trace, "forward,loss")
    page = tmp_path / "p.html"
    page.write_text(web.web_page([(trace, practice_of(scenario, trace, names))]),
                    encoding="utf-8")
    typed = {n: f"{trace[n].value:.4g}" for n in names}
    typed[names[1]] = f"{trace[names[1]].value:.2g}"  # too coarse, twice: shown, then carried on
    actions = []
    for i, n in enumerate(names):
        if i == 3:
            actions += [["press", "Tab"], ["press", "Tab"], ["press", "Tab"], ["press", "Enter"]]
            continue  # skipped with the keyboard: Tab to Skip, Enter
        tries = 2 if n == names[1] else 1
        for _ in range(tries):
            actions += [["type", typed[n]], ["press", "Enter"]]
    actions += [["press", "Tab"], ["press", "Enter"]]  # from the summary to its download button
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    [run] = drive([{"url": page.as_uri(), "actions": actions, "downloads": str(downloads),
                    "script": "return window.bpstep.verify(window.bpstep.session.answers)"
                              ".map(x => [x.name, x.verdict, x.mistake, x.carried_from, x.hint]);"}])
    assert run["requests"] == [] and run["errors"] == []
    saved = Path(run["downloaded"])
    text = saved.read_text(encoding="utf-8")
    sheet = {k: str(x) for k, x in yaml.safe_load(text).items() if k != "scenario"}
    assert names[3] not in sheet and sheet[names[1]] == typed[names[1]]
    shutil.copy(scenario_path, tmp_path / "scenario.yaml")
    answers = tmp_path / "answers.yaml"
    answers.write_text(text, encoding="utf-8")
    marked = invoke("verify", answers, "--json")
    items = [[a["name"], a["verdict"], a["mistake"], a["carried_from"], a["hint"]]
             for a in json.loads(marked.stdout)["answers"]]
    assert items == run["result"]
    assert {a[1] for a in items} >= {"correct", "too coarse", "not attempted"}


SCORM_API = """
window.__calls = [];
window.API = (() => {
  const api = new window.__ScormAgain.Scorm12API({logLevel: 5});
  if (window.__kept) api.loadFromJSON({suspend_data: window.__kept}, "cmi");
  for (const m of ["LMSInitialize", "LMSSetValue", "LMSCommit", "LMSFinish"]) {
    const f = api[m].bind(api);
    api[m] = (...a) => { window.__calls.push([m, ...a]); return f(...a); };
  }
  return api;
})();
"""


def _scorm_under_lms(tmp_path: Path) -> tuple[Trace, list[str], str]:
    """gfg_sigmoid's SCORM package (forward values asked) unpacked in ``tmp_path``, with the
    script that puts scorm-again's SCORM 1.2 runtime in the page as its LMS."""
    scenario = load(ROOT / "scenarios" / "gfg_sigmoid.yaml")
    trace = step(scenario)
    names = asked(trace, "forward")
    with zipfile.ZipFile(io.BytesIO(web.scorm_package(
            [(trace, practice_of(scenario, trace, names))]))) as z:
        z.extractall(tmp_path)
    runtime = WEB_TESTS / "node_modules" / "scorm-again" / "dist" / "scorm12.js"
    inject = ("(() => {" + runtime.read_text(encoding="utf-8") + "\nwindow.__ScormAgain = "
              "{Scorm12API};})();" + SCORM_API)
    return trace, names, inject


@browser
@needs_browser
def test_scorm_runtime_gets_the_accepted_count_and_status(tmp_path: Path) -> None:
    trace, names, inject = _scorm_under_lms(tmp_path)
    right = [f"{trace[n].value:.5g}" for n in names]
    actions = []
    for i, text in enumerate(right):
        typed = "0.5" if i == 0 else text  # the first wrong twice (2 tries), then shown
        for _ in range(2 if i == 0 else 1):
            actions += [["type", typed], ["press", "Enter"]]
    script = ("const g = k => window.API.LMSGetValue(k); return {raw: g('cmi.core.score.raw'), "
              "max: g('cmi.core.score.max'), min: g('cmi.core.score.min'), "
              "status: g('cmi.core.lesson_status'), calls: window.__calls.map(c => c[0])};")
    [run] = drive([{"url": (tmp_path / "index.html").as_uri(), "inject": inject,
                    "actions": actions, "script": script}])
    assert run["errors"] == [] and run["requests"] == [(tmp_path / "scorm.js").as_uri()]
    result = run["result"]
    assert result["raw"] == str(len(names) - 1) and result["max"] == str(len(names))
    assert result["min"] == "0" and result["status"] == "failed"
    assert result["calls"][0] == "LMSInitialize" and "LMSCommit" in result["calls"]


@browser
@needs_browser
def test_page_alone_without_lms_still_marks(tmp_path: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(web.scorm_package([_gfg_page()]))) as z:
        z.extractall(tmp_path)
    [run] = drive([{"url": (tmp_path / "index.html").as_uri(),
                    "script": "return window.bpstep.verify({'a[h1]': '0.3'})[0].verdict;"}])
    assert run["errors"] == [] and run["result"] in {"correct", "wrong", "too coarse", "rounding"}


def _gfg_page():
    scenario = load(ROOT / "scenarios" / "gfg_sigmoid.yaml")
    trace = step(scenario)
    return trace, practice_of(scenario, trace)


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@browser
@needs_browser
def test_text_contrast_meets_wcag_aa_light_and_dark_on_a_phone(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(web.web_page([_gfg_page()]), encoding="utf-8")
    script = """
      const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
      const out = [];
      const shown = ['h1', '#problem', '#answer-label', '.meaning', '.needs', '#check', '#hint', '#help'];
      for (const sel of shown) {
        const el = document.querySelector(sel), st = getComputedStyle(el);
        let bgEl = el, bg = st.backgroundColor;
        while (/rgba\\(0, 0, 0, 0\\)|transparent/.test(bg) && bgEl.parentElement) {
          bgEl = bgEl.parentElement; bg = getComputedStyle(bgEl).backgroundColor; }
        if (/rgba\\(0, 0, 0, 0\\)/.test(bg)) bg = getComputedStyle(document.body).backgroundColor;
        out.push([sel, rgb(st.color), rgb(bg)]);
      }
      return {pairs: out, wide: document.documentElement.scrollWidth <= window.innerWidth};"""
    runs = drive([{"url": page.as_uri(), "script": script, "dark": dark, "width": 390,
                   "height": 844, "screenshot": str(tmp_path / f"phone-{dark}.png")}
                  for dark in (False, True)])
    for run in runs:
        assert run["result"]["wide"]  # nothing scrolls sideways on a phone
        for sel, fg, bg in run["result"]["pairs"]:
            hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
            assert (hi + 0.05) / (lo + 0.05) >= 4.5, sel
    assert runs[0]["result"]["pairs"][0][2] != runs[1]["result"]["pairs"][0][2]  # dark is dark


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("class") / "cls"
    made = invoke("variants", ROOT / "scenarios" / "gfg_sigmoid.yaml", "-o", folder, "-n", "3")
    assert made.exit_code == 0, made.output
    return folder


def test_class_folder_makes_a_page_per_variant(class_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "pages"
    assert invoke("export", class_folder, "-f", "web", "-o", out).exit_code == 0
    pages = sorted(out.iterdir())
    assert [p.name for p in pages] == ["variant-01.html", "variant-02.html", "variant-03.html"]
    for n, page in enumerate(pages, start=1):
        data = _data_of(page.read_text(encoding="utf-8"))
        scenario = load(class_folder / "students" / f"variant-0{n}.yaml")
        truth = step(scenario).values
        assert data["student"] == f"0{n}" and data["scenario"] == f"students/variant-0{n}.yaml"
        assert data["model"]["truth"]["a[h1]"] == truth["a[h1]"]


def test_class_folder_output_that_is_a_file_or_has_no_parent_is_refused(
        class_folder: Path, tmp_path: Path) -> None:
    taken = tmp_path / "pages"
    taken.write_text("mine", encoding="utf-8")
    refused = invoke("export", class_folder, "-f", "web", "-o", taken)
    assert refused.exit_code == 2 and "is a file" in refused.output
    assert taken.read_text(encoding="utf-8") == "mine"
    orphan = invoke("export", class_folder, "-f", "web", "-o", tmp_path / "no" / "pages")
    assert orphan.exit_code == 2 and "cannot make the folder" in orphan.output


@browser
@needs_browser
def test_class_page_asks_the_id_and_marks_that_variant(class_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "class.html"
    assert invoke("export", class_folder, "-f", "web", "-o", out).exit_code == 0
    scenario = load(class_folder / "students" / "variant-02.yaml")
    trace = step(scenario)
    sheet = {q.name: f"{q.value:.4g}" for q in trace}
    script = ("const hidden = id => document.getElementById(id).hidden; "
              "const said = document.getElementById('student-feedback').textContent; "
              "return [hidden('student-section'), hidden('ask-section'), said, "
              "window.bpstep.verify(args).map(x => [x.name, x.verdict, x.mistake, x.carried_from, "
              "x.hint])];")
    erase = [["press", "Backspace"]] * len("nobody")
    [run] = drive([{"url": out.as_uri(), "args": sheet, "script": script, "actions": [
        ["type", "nobody"], ["press", "Enter"], *erase,
        ["type", "02"], ["press", "Enter"]]}])
    id_form_hidden, ask_hidden, said, items = run["result"]
    assert run["errors"] == [] and run["requests"] == []
    assert id_form_hidden and not ask_hidden and "nobody" in said  # refused, then the page opened
    assert items == verify_items(scenario, trace, sheet)


# --- the marker's arithmetic against Python's, where the two languages round differently ---

MARKER = ROOT / "bpstep" / "export" / "web_marker.js"
TIES = [0.125, 0.375, 2.5, 0.5, 1.5, 0.0125, 0.045, 1.005, 2.675, 0.3125, 1e-7 * 5, 12345.5,
        -0.125, -2.5, 0.1 + 0.2, 1 / 3, 123456789.125, 5e-324, 1.7976931348623157e308]


def node_eval(expression: str, args: object) -> object:
    script = (f"const m = require({json.dumps(str(MARKER))}); const args = "
              f"JSON.parse(require('fs').readFileSync(0, 'utf8')); "
              f"process.stdout.write(JSON.stringify({expression}));")
    done = subprocess.run(["node", "-e", script], input=json.dumps(args), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="apt-get install -y nodejs")


@needs_node
def test_fixed_rounds_ties_as_python_formats() -> None:
    rng = random.Random(7)
    cases = [(x, p) for x in TIES for p in range(0, 8)]
    cases += [(round(rng.uniform(-10, 10), rng.randrange(1, 6)) + rng.choice([0, 5e-7, 5e-5]),
               rng.randrange(0, 7)) for _ in range(400)]
    got = node_eval("args.map(([x, p]) => m.fixed(x, p))", cases)
    assert got == [f"{x:.{p}f}" for x, p in cases]


@needs_node
def test_round_figures_goes_half_up_from_the_shortest_decimal_as_python() -> None:
    from bpstep.written import round_figures

    rng = random.Random(8)
    cases = [(x, k) for x in TIES for k in range(1, 9)]
    cases += [(rng.choice([1, -1]) * rng.uniform(0, 1) * 10 ** rng.randrange(-8, 8),
               rng.randrange(1, 9)) for _ in range(400)]
    got = node_eval("args.map(([x, k]) => String(m.roundFigures(x, k)))", cases)
    assert [float(x) for x in got] == [round_figures(x, k) for x, k in cases]


@needs_node
def test_fsum_is_exact_as_math_fsum() -> None:
    import math

    rng = random.Random(9)
    lists = [[1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50], [0.1] * 10, [1.0, 1e-16, 1e-16],
             [2.0 ** 53, 1.0, -(2.0 ** 53)], [1e308, -1e308, 1e-308]]
    lists += [[rng.choice([1, -1]) * rng.uniform(0, 1) * 10 ** rng.randrange(-20, 20)
               for _ in range(rng.randrange(1, 12))] for _ in range(300)]
    got = node_eval("args.map(xs => String(m.fsum(xs)))", lists)
    assert [float(x) for x in got] == [math.fsum(xs) for xs in lists]


@needs_node
def test_numbers_are_read_as_written_py_reads_them() -> None:
    texts = ["0.56", "-.5", "+5", "9.45e-4", "4", "120", "2120", "0,8787", "−0.0368", "1e99999",
             "1e400", "0e5", "0.000", " 7.10 ", "1.2e3", "abc", "1,2,3", "--1", "5.", ".5e-3",
             "0.0950", "1e-320", "\u00a00.3\u3000", "\ufeff0.3", "٣.٥", "𝟏.𝟐", "١٢٠", "3.5e٢",
             "٠,٥"]
    got = node_eval("args.map(t => { const w = m.readNumber(t); return w && [w.value, w.text, "
                    "w.decimals, w.figures, w.comma, w.halfUnit]; })", texts)
    want = []
    for t in texts:
        w = read_number(t)
        want.append(w and [w.value, w.text, w.decimals, w.figures, w.comma, w.half_unit])
    assert got == want


@browser
@needs_browser
def test_hostile_scenario_text_is_shown_as_text_never_run(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "gfg_sigmoid.yaml").read_text(encoding="utf-8")
    text = text.replace("title: Sigmoid 2-2-1 worked example (GeeksforGeeks)",
                        'title: "</script><img src=x onerror=alert(1)>\\e[2J\\u202eevil"')
    text = text.replace("units: [h1, h2]", 'units: ["h1<b", "h2</script"]')
    text = text.replace("name: hidden layer", 'name: "<i>hidden\\u202e\\x07"')
    scenario = tmp_path / "evil.yaml"
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "evil.html"
    assert invoke("export", scenario, "-f", "web", "-o", out).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "<img" not in page and "<i>" not in page and page.count("</script>") == 2
    actions = [["type", "?"], ["press", "Enter"], ["type", "?"], ["press", "Enter"]]
    [run] = drive([{"url": out.as_uri(), "actions": actions, "inject": "window.alert = () => "
                    "document.title = 'alerted';", "script": (
                        "return [document.title, document.body.innerText, "
                        "document.querySelectorAll('img, i, b').length];")}])
    title, shown, elements = run["result"]
    assert run["errors"] == [] and run["requests"] == [] and title != "alerted" and elements == 0
    assert "\u202e" not in shown and "\x07" not in shown and "\x1b" not in shown
    assert "\\u202e" in shown and "h2</script" in shown and "hint 2: a[h1<b] =" in shown


@needs_node
def test_fmt_writes_numbers_as_python_does() -> None:
    from bpstep.numbers import fmt

    rng = random.Random(10)
    values = [*TIES, 0.0009765625, 2 ** -20, 1e7, 9999995.0, 0.000012345, -0.0, 123456.5,
              float("inf"), float("nan")]
    values += [rng.choice([1, -1]) * rng.uniform(0, 1) * 10 ** rng.randrange(-12, 12)
               for _ in range(400)]
    cases = [(x, p) for x in values for p in (2, 3, 6)]
    got = node_eval("args.map(([x, p]) => m.fmt(x === null ? NaN : x === 'inf' ? Infinity : x, p))",
                    [(x if x == x and x != float("inf") else (None if x != x else "inf"), p)
                     for x, p in cases])
    assert got == [fmt(x, p) for x, p in cases]


@needs_node
def test_rules_print_in_names_as_python_prints_them() -> None:
    rules = []
    for lesson in SCENARIOS[:9]:
        trace = step(load(lesson.path))
        rules += [(as_data(node), node.names()) for q in trace for node in q.expr.nodes()]
    got = node_eval("args.map(r => m.names(r))", [r for r, _ in rules])
    assert got == [text for _, text in rules]


@browser
@needs_browser
def test_page_session_walks_as_bpstep_practice_does(tmp_path: Path) -> None:
    """The same lines typed give the same events, verdicts, hint texts and outcomes as
    ``bpstep practice``'s Session."""
    from bpstep.practice import Session

    scenario = load(ROOT / "scenarios" / "tanh_mse.yaml")
    trace = step(scenario)
    names = asked(trace, None)
    rng = random.Random(11)
    lines = []
    for n in names:
        value = trace[n].value
        for _ in range(rng.randrange(1, 4)):
            lines.append(rng.choice([f"{value:.4g}", f"{value:.4g}", f"{value * 1.3:.3g}", "?",
                                     "skip", "abc", f"{value:.1g}", f"{value * 10:.4g}"]))
    session = Session(trace, names, tries=2, floor=scenario.marking or DEFAULT_FLOOR)
    want = []
    for line in lines:
        if session.done:
            break
        fb = (session.hint() if line == "?" else session.skip() if line == "skip"
              else session.submit(line))
        want.append([str(fb.event), fb.quantity.name, fb.verdict and str(fb.verdict.verdict),
                     fb.hint])
    want.append([str(session.records[n].outcome) for n in names])
    page = tmp_path / "p.html"
    page.write_text(web.web_page([(trace, practice_of(scenario, trace, names))]),
                    encoding="utf-8")
    script = """
      const s = window.bpstep.session, out = [];
      for (const line of args) {
        if (s.done()) break;
        const fb = line === "?" ? s.hint() : line === "skip" ? s.skip() : s.submit(line);
        out.push([fb.event, fb.name, fb.verdict ? fb.verdict.verdict : null,
                  fb.event === "hint" ? fb.text : null]);
      }
      out.push(s.names.map(n => s.records[n].outcome));
      return out;"""
    [run] = drive([{"url": page.as_uri(), "args": lines, "script": script}])
    assert run["errors"] == [] and run["requests"] == []
    assert run["result"] == want
    assert {row[0] for row in want[:-1]} >= {"accepted", "try again", "shown", "hint", "revealed",
                                             "skipped", "not a number"}


@browser
@needs_browser
def test_scorm_session_left_unfinished_goes_on_where_it_stopped(tmp_path: Path) -> None:
    trace, names, inject = _scorm_under_lms(tmp_path)
    typed = ["0.5", "?", f"{trace[names[0]].value:.4g}", "", f"{trace[names[2]].value:.4g}"]
    actions = [a for line in typed for a in (
        [["press", "Tab"], ["press", "Tab"], ["press", "Tab"], ["press", "Enter"]] if line == ""
        else [["type", line], ["press", "Enter"]])]
    script = ("const g = k => window.API.LMSGetValue(k); return [g('cmi.suspend_data'), "
              "g('cmi.core.score.raw'), g('cmi.core.lesson_status'), window.__calls.some("
              "c => c[1] === 'cmi.core.exit' && c[2] === 'suspend'), "
              "window.bpstep.session.position, document.getElementById('log').innerText];")
    url = (tmp_path / "index.html").as_uri()
    [first] = drive([{"url": url, "inject": inject, "actions": actions, "script": script}])
    kept, raw, status, suspended, position, log = first["result"]
    assert first["errors"] == [] and position == 3 and raw == "2" and status == "incomplete"
    assert suspended  # the LMS is told to keep the session (cmi.core.exit is write-only)
    assert json.loads(kept) == {"id": None, "lines": ["0.5", "?", typed[2], "", typed[4]]}
    [again] = drive([{"url": url, "inject": f"window.__kept = {json.dumps(kept)};" + inject,
                      "script": script}])
    assert again["errors"] == [] and again["result"] == [kept, raw, status, True, 3, log]
