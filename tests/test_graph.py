"""Computational graphs: values against the numeric core, gradients against finite differences."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from bpstep.cli import app
from bpstep.engine import step
from bpstep.export.dot import to_dot
from bpstep.export.svg_graph import graph_svg
from bpstep.expr import Call, Ref
from bpstep.functions import ACTIVATIONS
from bpstep.graph import MAX_NODES, GraphTooBig, graph_of
from bpstep.render.graph import tree_lines
from bpstep.scenario import check, load
from bpstep.trace import Trace

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SMALL = ["gfg_sigmoid", "gfg_gradient_convention", "tanh_mse", "relu_sse", "softmax_cross_entropy",
         "two_hidden_layers", "builtin_identity_xor", "two_outputs_fixed_biases", "xor_batch"]


def trace_of(name: str) -> Trace:
    return step(load(SCENARIOS / f"{name}.yaml"))


@pytest.mark.parametrize("name", SMALL)
def test_nodes_re_evaluate_to_the_values_of_the_step(name: str) -> None:
    trace = trace_of(name)
    wanted = ["loss", *(q.name for q in trace if q.kind in ("delta", "y"))][:6]
    for quantity in wanted:
        drawn = graph_of(trace, quantity)
        assert drawn.root.value == pytest.approx(trace[quantity].value, rel=1e-12, abs=1e-15)
        for node in drawn.nodes:
            if node.name in trace:
                assert node.value == pytest.approx(trace[node.name].value, rel=1e-12, abs=1e-15)
            assert all(i < drawn.nodes.index(node) for i in node.inputs)


def perturbed(path: Path, change) -> Trace:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text())
    change(data)
    return step(check(data, str(path)))


@pytest.mark.parametrize(("name", "root"), [("gfg_sigmoid", "loss"), ("gfg_sigmoid", "delta[h1]"),
                                            ("tanh_mse", "loss"), ("softmax_cross_entropy", "loss"),
                                            ("two_hidden_layers", "delta[h2]")])
def test_gradients_match_finite_differences_through_the_engine(name: str, root: str) -> None:
    path = SCENARIOS / f"{name}.yaml"
    drawn = graph_of(step(load(path)), root)
    grads = {n.name: n.grad for n in drawn.nodes if n.name}
    data = yaml.safe_load(path.read_text())
    h = 1e-6
    for k in range(len(data["weights"])):
        layers = data["layers"]
        for i, source in enumerate(layers[k]["units"]):
            for j, unit in enumerate(layers[k + 1]["units"]):
                def nudge(d, by: float, k=k, i=i, j=j) -> None:  # type: ignore[no-untyped-def]
                    d["weights"][k][i][j] += by
                up = perturbed(path, lambda d: nudge(d, h)).value_of(root)
                down = perturbed(path, lambda d: nudge(d, -h)).value_of(root)
                numeric = (up - down) / (2 * h)
                analytic = grads.get(f"w0[{source}->{unit}]", 0.0)
                assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-9), (source, unit)


@pytest.mark.parametrize("name", ["gfg_sigmoid", "softmax_cross_entropy", "two_hidden_layers"])
def test_loss_gradient_at_each_net_input_is_minus_delta(name: str) -> None:
    trace = trace_of(name)
    drawn = graph_of(trace, "loss")
    for node in drawn.nodes:
        if node.name.startswith("a["):
            assert node.grad == pytest.approx(-trace[node.name.replace("a[", "delta[", 1)].value,
                                              rel=1e-9, abs=1e-15)


def test_every_named_function_carries_a_derivative_that_matches_finite_differences() -> None:
    calls = {}
    for act in ACTIVATIONS.values():
        if act.rule is None:
            continue
        for expr in (act.rule(Ref("a")), act.slope(Ref("a"), Ref("y"))):  # type: ignore[misc]
            calls.update({n.pattern: n for n in expr.nodes() if isinstance(n, Call)})
    assert set(calls) == {"tanh({})", "max(0, {})", "step({})", "leaky_relu({})", "leaky_step({})"}
    for pattern, call in calls.items():
        for x in (-1.3, -0.2, 0.4, 2.0):
            numeric = (call.fn(x + 1e-6) - call.fn(x - 1e-6)) / 2e-6
            assert call.slope(x) == pytest.approx(numeric, abs=1e-6), pattern


def test_tree_shows_a_shared_node_once() -> None:
    lines = list(tree_lines(graph_of(trace_of("gfg_sigmoid"), "delta[h1]")))
    assert lines[0].startswith("delta[h1] [×] = -0.00272759")
    assert sum("y[h1] [/] = 0.552308   (shown above)" in line for line in lines) == 2


def test_dot_is_accepted_by_graphviz(tmp_path: Path) -> None:
    text = to_dot(graph_of(trace_of("xor_batch"), "loss"))
    assert text.startswith("digraph computation {") and "n0 -> " in text
    if shutil.which("dot") is None:
        pytest.skip("graphviz not installed: apt-get install -y chromium texlive-latex-base graphviz")
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "<svg" in done.stdout


def test_svg_is_well_formed_with_projector_sized_text() -> None:
    svg = graph_svg(graph_of(trace_of("gfg_sigmoid"), "loss"))
    root = ET.fromstring(svg)
    sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
    assert sizes and min(sizes) >= 16
    assert "∂E/∂ 0.00272759" in svg  # −δ of h1 flows into a[h1]


def write_wide(path: Path) -> None:
    rng = np.random.default_rng(1)
    path.write_text(yaml.safe_dump({
        "learning_rate": 0.1, "loss": "cross_entropy",
        "layers": [{"units": [f"x{i}" for i in range(1, 51)]},
                   {"units": [f"h{i}" for i in range(1, 13)], "activation": "sigmoid"},
                   {"units": ["o1", "o2", "o3"], "activation": "softmax"}],
        "weights": [rng.normal(0, 0.1, (50, 12)).round(3).tolist(),
                    rng.normal(0, 0.3, (12, 3)).round(3).tolist()],
        "inputs": rng.random(50).round(2).tolist(), "targets": [0, 1, 0],
    }, default_flow_style=None, width=200))


def test_too_big_graphs_are_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    write_wide(path)
    with pytest.raises(GraphTooBig, match="--depth 1"):
        graph_of(step(load(path)), "delta[h1]")
    runner = CliRunner()
    whole = runner.invoke(app, ["graph", str(path)])
    assert whole.exit_code == 2
    assert "too big to draw as one graph" in whole.output and "--depth 1" in whole.output
    small = runner.invoke(app, ["graph", str(path), "delta[h1]", "--depth", "1"])
    assert small.exit_code == 0, small.output
    assert len(small.output.splitlines()) < MAX_NODES


def test_graph_command_writes_svg_and_dot_without_overwriting(tmp_path: Path) -> None:
    runner = CliRunner()
    gfg = str(SCENARIOS / "gfg_sigmoid.yaml")
    out = tmp_path / "g.svg"
    assert runner.invoke(app, ["graph", gfg, "delta[h1]", "-o", str(out)]).exit_code == 0
    assert out.read_text().startswith("<svg")
    again = runner.invoke(app, ["graph", gfg, "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    dot = runner.invoke(app, ["graph", gfg, "y[o]", "-f", "dot"])
    assert dot.exit_code == 0 and dot.output.startswith("digraph")
    unknown = runner.invoke(app, ["graph", gfg, "delta[h3]"])
    assert unknown.exit_code == 2 and "delta[h1]" in unknown.output


def test_explain_points_to_the_graph() -> None:
    result = CliRunner().invoke(app, ["explain", str(SCENARIOS / "gfg_sigmoid.yaml"), "delta[h1]"])
    assert result.exit_code == 0
    last = result.output.strip().splitlines()[-1]
    assert re.search(r"bpstep graph \S+gfg_sigmoid.yaml 'delta\[h1\]'$", last)


def test_graph_never_writes_over_its_own_scenario(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bpstep.cli import app

    scenario = tmp_path / "net.yaml"
    shipped = Path(__file__).resolve().parent.parent / "scenarios" / "gfg_sigmoid.yaml"
    scenario.write_text(shipped.read_text())
    before = scenario.read_text()
    result = CliRunner().invoke(app, ["graph", str(scenario), "-o", str(scenario), "-f", "dot", "--force"])
    assert result.exit_code == 2 and scenario.read_text() == before


LESSONS = sorted(p.stem for p in SCENARIOS.glob("*.yaml") if not p.stem.endswith("answers"))
GRAPH_PROBE = """<script>
window.addEventListener('load', function () {
  /* Every picture: its size, each box and the text in it as drawn, text past its picture. */
  var out = {};
  document.querySelectorAll('div[data-lesson]').forEach(function (div) {
    var svg = div.querySelector('svg'), frame = svg.getBoundingClientRect(), boxes = [], past = [];
    svg.querySelectorAll('rect[rx]').forEach(function (rect) {
      var r = rect.getBoundingClientRect(), texts = [], t = rect.nextElementSibling;
      while (t && t.tagName === 'text') {
        var b = t.getBoundingClientRect();
        texts.push([b.left, b.top, b.right, b.bottom]);
        t = t.nextElementSibling;
      }
      boxes.push({box: [r.left, r.top, r.right, r.bottom], texts: texts});
    });
    svg.querySelectorAll('text, rect, path').forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.left < frame.left - 1 || r.top < frame.top - 1 || r.right > frame.right + 1 ||
          r.bottom > frame.bottom + 1) { past.push(el.textContent || el.tagName); }
    });
    out[div.getAttribute('data-lesson')] = {size: [frame.width, frame.height], boxes: boxes, past: past};
  });
  var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.browser
def test_the_graph_of_every_lesson_fits_a_16_9_slide_in_the_browser(tmp_path: Path) -> None:
    """Layered, inputs left and loss right, long chains wrapped into bands and tall columns
    split: shown on a 1920×1080 slide, every lesson's graph of the loss has text of 13 px or more
    (8 px for the two XOR lessons of 150 and 238 nodes); gfg_sigmoid's was one row of boxes
    4,194 px wide, 7 px on the slide. In Chromium: no box overlaps another, every text is inside
    its box, nothing is drawn outside the picture."""
    browser = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                    if (found := shutil.which(name))), None)
    if browser is None:
        pytest.skip("no headless browser: apt-get install -y chromium")
    pictures = {name: graph_svg(graph_of(trace_of(name), "loss")) for name in LESSONS}
    page = tmp_path / "graphs.html"
    page.write_text("<!DOCTYPE html><html><body>" + "".join(
        f'<div data-lesson="{name}">{svg}</div>' for name, svg in pictures.items())
        + GRAPH_PROBE + "</body></html>", encoding="utf-8")
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                           "--window-size=1920,1080", page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, flags=re.S)
    assert found, done.stderr[-2000:]
    measured = json.loads(found.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert sorted(measured) == LESSONS
    for name, drawn in measured.items():
        width, height = drawn["size"]
        smallest = 16 * min(1920 / width, 1080 / height)
        nodes = len(graph_of(trace_of(name), "loss").nodes)
        assert smallest >= (13 if nodes <= 100 else 8), (name, width, height, nodes)
        boxes = [b["box"] for b in drawn["boxes"]]
        assert len(boxes) == nodes
        assert not [(a, b) for k, a in enumerate(boxes) for b in boxes[k + 1:] if _overlap(a, b)], name
        for box in drawn["boxes"]:
            left, top, right, bottom = box["box"]
            assert len(box["texts"]) == 3
            assert all(left < t[0] and t[2] < right and top < t[1] and t[3] < bottom
                       for t in box["texts"]), (name, box)
        assert drawn["past"] == [], (name, drawn["past"])


@pytest.mark.parametrize("name", LESSONS)
def test_the_dot_of_every_lesson_is_accepted_by_graphviz(name: str) -> None:
    if shutil.which("dot") is None:
        pytest.skip("graphviz not installed: apt-get install -y graphviz")
    text = to_dot(graph_of(trace_of(name), "loss"))
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "<svg" in done.stdout, done.stderr


# --- the gaps a mutation sample found (issue 27): y rounding to 0, --depth, the cap, the message ---


SATURATED = {"learning_rate": 0.5, "layers": [{"units": ["x1"]}, {"units": ["o"], "activation": "sigmoid"}],
             "weights": [[[-800.0]]], "inputs": [1.0], "targets": [1.0]}
"""One sigmoid output driven to a = −800: e^800 overflows, so y = 1 / (1 + ∞) is exactly 0."""


def saturated(loss: str) -> Trace:
    return step(check(SATURATED | {"loss": loss}))


def test_a_rule_that_divides_by_a_y_rounded_to_0_is_drawn_with_undefined_gradients(tmp_path: Path) -> None:
    # Cross-entropy with a sigmoid writes δ = (t / y) · y · (1 − y): at y = 0 the division has no
    # derivative (−t / y² = −1/0), which must show as undefined, not stop the graph.
    trace = saturated("cross_entropy")
    assert trace["y[o]"].value == 0.0
    drawn = graph_of(trace, "delta[o]")
    by_name = {n.name: n for n in drawn.nodes if n.name}
    assert by_name["y[o]"].value == 0.0 and math.isnan(by_name["y[o]"].grad)
    [quotient] = [n for n in drawn.nodes if n.op == "/" and not n.name]
    assert [drawn.nodes[i].name for i in quotient.inputs] == ["t[o]", "y[o]"]
    assert quotient.value == math.inf
    path = tmp_path / "saturated.yaml"
    path.write_text(yaml.safe_dump(SATURATED | {"loss": "cross_entropy"}))
    result = CliRunner().invoke(app, ["graph", str(path), "delta[o]"])
    assert result.exit_code == 0, result.output
    assert "y[o] [/] = 0   ∂delta[o]/∂: undefined" in result.output


def test_the_loss_through_a_y_rounded_to_0_takes_the_log_of_the_smallest_float() -> None:
    # ln y at y = 0 is read as ln of the smallest normal float, −708.396…, as the engine's
    # logarithms do; its derivative 1 / 2.2e-308 is finite, so the gradient into y is a number.
    drawn = graph_of(saturated("binary_cross_entropy"), "loss")
    tiny = sys.float_info.min
    assert drawn.root.value == pytest.approx(-math.log(tiny), rel=1e-15)
    y = next(n for n in drawn.nodes if n.name == "y[o]")
    assert y.grad == pytest.approx(-1.0 / tiny, rel=1e-12)


def test_depth_1_draws_the_rule_with_its_named_operands_as_leaves() -> None:
    # delta[h1] = y[h1] · (1 − y[h1]) · (w0[h1->o]·delta[o]), counted by hand: the leaves y[h1]
    # (one node, used twice), 1, w0[h1->o] and delta[o]; the steps 1 − y[h1], y[h1] × (1 − y[h1]),
    # w0[h1->o] × delta[o], the bracket's sum of that one term, and the product at the root.
    trace = trace_of("gfg_sigmoid")
    assert trace["delta[h1]"].formula == "delta[h1] = y[h1] · (1 − y[h1]) · (w0[h1->o]·delta[o])"
    drawn = graph_of(trace, "delta[h1]", depth=1)
    assert len(drawn.nodes) == 4 + 5 == 9
    leaves = sorted(n.name for n in drawn.nodes if not n.inputs)
    assert leaves == ["1", "delta[o]", "w0[h1->o]", "y[h1]"]
    assert all(n.op == "" for n in drawn.nodes if not n.inputs)
    # The root multiplies f′ = y[h1]·(1 − y[h1]) by the bracket: each factor's gradient is the
    # other factor's value, worked here from the step's own y[h1], w0[h1->o] and delta[o].
    y, w, d = (trace.env[name] for name in ("y[h1]", "w0[h1->o]", "delta[o]"))
    slope, bracket = (drawn.nodes[i] for i in drawn.root.inputs)
    assert (slope.value, bracket.value) == (pytest.approx(y * (1 - y)), pytest.approx(w * d))
    assert slope.grad == pytest.approx(w * d) and bracket.grad == pytest.approx(y * (1 - y))
    assert sorted(n.op for n in drawn.nodes if n.inputs) == ["+", "×", "×", "×", "−"]
    dot = CliRunner().invoke(app, ["graph", str(SCENARIOS / "gfg_sigmoid.yaml"), "delta[h1]",
                                   "--depth", "1", "-f", "dot"])
    assert dot.exit_code == 0
    assert len(re.findall(r"^\s*n\d+ \[label=", dot.output, re.M)) == 9
    # One level more puts y[h1] = 1 / (1 + e^(−a[h1])) in place of its leaf (1, 1, a[h1], neg, exp,
    # +, and / as y[h1] itself: 7 nodes) and delta[o] = (t[o] − y[o]) · y[o] · (1 − y[o]) in place
    # of its own (t[o], y[o], −, 1, −, ×, ×: 7); a constant is a node each time: 9 + 6 + 6 = 21.
    deeper = graph_of(trace, "delta[h1]", depth=2)
    assert {n.name for n in deeper.nodes if not n.inputs} == {"1", "a[h1]", "t[o]", "y[o]", "w0[h1->o]"}
    assert len(deeper.nodes) == 21


def test_the_node_cap_admits_a_graph_of_exactly_the_cap() -> None:
    trace = trace_of("gfg_sigmoid")
    size = len(graph_of(trace, "delta[h1]").nodes)
    assert size < MAX_NODES
    assert len(graph_of(trace, "delta[h1]", limit=size).nodes) == size
    with pytest.raises(GraphTooBig):
        graph_of(trace, "delta[h1]", limit=size - 1)


def test_the_too_big_message_names_the_quantity_the_cap_and_what_to_draw_instead(tmp_path: Path) -> None:
    trace = trace_of("gfg_sigmoid")
    with pytest.raises(GraphTooBig) as whole:
        graph_of(trace, "delta[h1]", limit=20)
    assert str(whole.value) == ("the graph of delta[h1] has more than 20 nodes, too many to read; draw "
                                "its rule with its operands as leaves: --depth 1")
    with pytest.raises(GraphTooBig) as shallow:
        graph_of(trace, "delta[h1]", depth=2, limit=20)
    assert str(shallow.value) == ("the graph of delta[h1] has more than 20 nodes even at --depth 2; "
                                  "`bpstep explain` shows its rule in one line")
    path = tmp_path / "wide.yaml"
    write_wide(path)
    named = CliRunner().invoke(app, ["graph", str(path), "delta[h1]"])
    assert named.exit_code == 2
    assert f"the graph of delta[h1] has more than {MAX_NODES} nodes" in named.output
    assert "--depth 1" in named.output and "Traceback" not in named.output


def test_the_graph_command_says_exactly_why_it_draws_nothing(tmp_path: Path) -> None:
    """Each refusal word for word: the whole graph too big (with the last δ the backward pass
    computes, h12's of the 50-12-3 network, to draw instead), a given value, a misspelt name,
    a name like no other; a name with spaces in it is read without them."""
    path = tmp_path / "wide.yaml"
    write_wide(path)
    runner = CliRunner()
    whole = runner.invoke(app, ["graph", str(path)])
    assert whole.exit_code == 2
    assert " ".join(whole.output.split()) == (
        f"bpstep: error: {path}: the network is too big to draw as one graph; draw one quantity, "
        f"e.g. bpstep graph {path} 'delta[h12]' --depth 1")
    gfg = str(SCENARIOS / "gfg_sigmoid.yaml")
    cases = {
        "w0[x1->h1]": "no computed quantity named 'w0[x1->h1]' (it is given, not computed: a graph "
                      "of one leaf); ",
        "delta[h3]": "no computed quantity named 'delta[h3]'; did you mean",
        "zzz": f"no computed quantity named 'zzz'; `bpstep template {gfg}` lists every name",
    }
    for name, said in cases.items():
        refused = runner.invoke(app, ["graph", gfg, name])
        assert refused.exit_code == 2
        assert " ".join(refused.output.split()).startswith(f"bpstep: error: {gfg}: {said}"), refused.output
    spaced = runner.invoke(app, ["graph", gfg, "delta [ h1 ]", "--depth", "1"])
    assert spaced.exit_code == 0 and "delta[h1]" in spaced.output


def test_an_identity_output_is_a_step_of_its_own_that_passes_the_gradient_on_unchanged() -> None:
    # y[o] = a[o] = 0.5·0.8 − 0.25·0.4 = 0.3; loss = ½·(0.1 − 0.3)² = 0.02, so ∂loss/∂y[o] =
    # ∂loss/∂a[o] = y − t = 0.2, ∂loss/∂w0[x1->o] = 0.2·0.8 and ∂loss/∂w0[x2->o] = 0.2·0.4; at the
    # root, ∂loss/∂½ is the other factor, (t − y)² = 0.04, and ∂loss/∂(t − y)² is ½.
    trace = step(check({"learning_rate": 0.5, "loss": "half_sse",
                        "layers": [{"units": ["x1", "x2"]}, {"units": ["o"], "activation": "identity"}],
                        "weights": [[[0.5], [-0.25]]], "inputs": [0.8, 0.4], "targets": [0.1]}))
    alone = graph_of(trace, "y[o]")
    assert (alone.root.op, alone.root.name, alone.root.value) == ("=", "y[o]", pytest.approx(0.3))
    [carried] = alone.root.inputs
    assert alone.nodes[carried].name == "a[o]" and alone.nodes[carried].grad == 1.0
    drawn = graph_of(trace, "loss")
    assert drawn.root.value == pytest.approx(0.02)
    grads = {n.name: n.grad for n in drawn.nodes if n.name}
    assert grads["y[o]"] == pytest.approx(0.2) and grads["a[o]"] == pytest.approx(0.2)
    assert grads["w0[x1->o]"] == pytest.approx(0.16) and grads["w0[x2->o]"] == pytest.approx(0.08)
    half, squares = (drawn.nodes[i] for i in drawn.root.inputs)
    assert (half.name, half.grad) == ("½", pytest.approx(0.04))
    assert squares.grad == pytest.approx(0.5)


@pytest.mark.parametrize(("form", "output", "chosen"), [
    (None, None, "tree"), (None, "g.txt", "tree"), (None, "G.SVG", "svg"), (None, "out/y.dot", "dot"),
    ("svg", "y.dot", "svg"), ("tree", "g.svg", "tree"), (None, "svg", "tree"),
])
def test_the_format_is_the_option_else_the_suffix(form: str | None, output: str | None,
                                                  chosen: str) -> None:
    from bpstep.export.graph_file import graph_format

    assert graph_format(form, None if output is None else Path(output)) == chosen


def test_the_command_offers_every_graph_format() -> None:
    from bpstep.cli import GraphFormat
    from bpstep.export.graph_file import GRAPH_FORMATS

    assert [f.value for f in GraphFormat] == list(GRAPH_FORMATS)


def test_an_upper_case_suffix_writes_its_format(tmp_path: Path) -> None:
    out = tmp_path / "Y.DOT"
    result = CliRunner().invoke(app, ["graph", str(SCENARIOS / "gfg_sigmoid.yaml"), "y[o]", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("digraph")
