"""`bpstep diagram`: the SVG network picture, checked from the command line against hand values."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bpstep.cli import app

ROOT = Path(__file__).resolve().parent.parent
GFG = str(ROOT / "scenarios" / "gfg_sigmoid.yaml")
SVG = "{http://www.w3.org/2000/svg}"
CHANGED_FILL = "#ffe08a"

runner = CliRunner()


def sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


# The GeeksforGeeks 2-2-1 step, worked by hand: x = (0.35, 0.7), all first-layer weights 0.2 / 0.3.
A_H1 = 0.2 * 0.35 + 0.2 * 0.7                       # 0.21
Y_H1, Y_H2 = sigmoid(A_H1), sigmoid(0.3 * 0.35 + 0.3 * 0.7)
Y_O = sigmoid(0.3 * Y_H1 + 0.9 * Y_H2)
DELTA_O = (0.5 - Y_O) * Y_O * (1 - Y_O)             # −0.0367703
W_H2_O = 0.9 + DELTA_O * Y_H2                        # 0.878743
W_X1_H1 = 0.2 + Y_H1 * (1 - Y_H1) * 0.3 * DELTA_O * 0.35


def six(value: float) -> str:
    """Six significant digits with a typographic minus, as the diagram writes numbers."""
    return f"{value:.6g}".replace("-", "−")


def draw(tmp_path: Path, *args: str, name: str = "net.svg") -> tuple[ET.Element, str]:
    out = tmp_path / name
    result = runner.invoke(app, ["diagram", GFG, "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    return ET.fromstring(text), text


def texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}text"))


def bold_texts(root: ET.Element) -> set[str]:
    return {t.text or "" for t in texts(root) if t.get("font-weight") == "bold"}


def all_texts(root: ET.Element) -> set[str]:
    return {t.text or "" for t in texts(root)}


def test_hand_values_are_right() -> None:
    assert six(A_H1) == "0.21"
    assert six(Y_H1) == "0.552308"
    assert six(DELTA_O) == "−0.0367703"
    assert six(W_H2_O) == "0.878743"


def test_before_the_step_shows_inputs_and_initial_weights_only(tmp_path: Path) -> None:
    root, _ = draw(tmp_path)
    assert root.tag == f"{SVG}svg"
    shown = all_texts(root)
    assert {"x1", "x2", "h1", "h2", "o", "0.35", "0.7", "0.2", "0.3", "0.9", "0.5"} <= shown
    assert "?" in shown
    assert six(A_H1) not in shown
    highlighted = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == CHANGED_FILL]
    assert len(highlighted) == 1  # only the legend's swatch


def test_stage_1_highlights_the_hidden_forward_values(tmp_path: Path) -> None:
    root, _ = draw(tmp_path, "--stage", "1")
    assert {six(A_H1), six(Y_H1)} <= bold_texts(root)
    assert "stage 1 of 8 · forward · hidden layer (h1, h2)" in all_texts(root)


def test_stage_4_shows_the_output_delta_and_not_yet_the_hidden_ones(tmp_path: Path) -> None:
    root, _ = draw(tmp_path, "--stage", "4")
    assert six(DELTA_O) in bold_texts(root)
    assert six(Y_H1) in all_texts(root) - bold_texts(root)
    assert sum(1 for t in texts(root) if t.text == "?") == 2  # δ of h1 and h2


def test_last_update_stage_shows_old_and_new_weights(tmp_path: Path) -> None:
    root, _ = draw(tmp_path, "--stage", "7")
    assert f"0.2 → {six(W_X1_H1)}" in bold_texts(root)          # updated at this stage
    assert f"0.9 → {six(W_H2_O)}" in all_texts(root) - bold_texts(root)  # at stage 6


def test_output_is_deterministic(tmp_path: Path) -> None:
    _, first = draw(tmp_path, "--stage", "5", name="a.svg")
    _, second = draw(tmp_path, "--stage", "5", name="b.svg")
    assert first == second


def test_text_from_the_scenario_is_escaped(tmp_path: Path) -> None:
    data = yaml.safe_load(Path(GFG).read_text(encoding="utf-8"))
    data["title"] = 'Fish & <chips> "quoted"'
    scenario = tmp_path / "odd.yaml"
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "odd.svg"
    result = runner.invoke(app, ["diagram", str(scenario), "-o", str(out)])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert 'Fish & <chips> "quoted"' in all_texts(root)


def wide_scenario(tmp_path: Path, widths: list[int]) -> str:
    layers = [{"units": [f"u{k}{j}" for j in range(n)]} for k, n in enumerate(widths)]
    for layer in layers[1:]:
        layer["activation"] = "tanh"
    weights = [[[round(0.1 * ((i + 2 * j + k) % 7) - 0.3, 2) for j in range(widths[k + 1])]
                for i in range(widths[k])] for k in range(len(widths) - 1)]
    data = {"learning_rate": 0.5, "layers": layers, "weights": weights,
            "inputs": [0.1 * (i + 1) for i in range(widths[0])],
            "targets": [0.5] * widths[-1]}
    path = tmp_path / "wide.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def label_boxes(root: ET.Element) -> list[tuple[float, float, float, float]]:
    """The background boxes of edge labels (height 19, corner radius 3)."""
    return [(float(r.get("x")), float(r.get("y")), float(r.get("width")), float(r.get("height")))
            for r in root.iter(f"{SVG}rect") if r.get("height") == "19" and r.get("rx") == "3"]


def edge_lines(root: ET.Element) -> list[tuple[float, float, float, float]]:
    return [tuple(float(line.get(k)) for k in ("x1", "y1", "x2", "y2"))
            for line in root.iter(f"{SVG}line")]


def crosses(box: tuple[float, float, float, float], line: tuple[float, float, float, float]) -> bool:
    """Whether the segment passes through the box, by sampling it finely (independent of the code)."""
    x1, y1, x2, y2 = line
    return any(box[0] <= x1 + t / 400 * (x2 - x1) <= box[0] + box[2]
               and box[1] <= y1 + t / 400 * (y2 - y1) <= box[1] + box[3] for t in range(401))


def test_each_edge_label_sits_on_its_own_edge_where_no_other_edge_crosses(tmp_path: Path) -> None:
    """gfg stage 7: '0.2 → 0.199045' and '0.2 → 0.198091' were stacked where lines cross."""
    root, _ = draw(tmp_path, "--stage", "7")
    boxes, lines = label_boxes(root), edge_lines(root)
    assert len(boxes) == len(lines) == 6
    for box in boxes:
        on = [line for line in lines if crosses(box, line)]
        assert len(on) == 1, (box, on)  # its own edge, and no other


def matrix_cells(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("height") == "22"]


def test_labels_that_do_not_fit_become_a_weight_matrix_beside_the_network(tmp_path: Path) -> None:
    """3-6-5-2 after the update: no labels on edges, one heat-map cell per weight, old → new."""
    out = tmp_path / "wide.svg"
    result = runner.invoke(app, ["diagram", wide_scenario(tmp_path, [3, 6, 5, 2]), "-o", str(out),
                                 "--stage", "9"])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert label_boxes(root) == []
    assert len(matrix_cells(root)) == 3 * 6 + 6 * 5 + 5 * 2
    words = all_texts(root)
    assert {"weights inputs → hidden layer 1", "weights hidden layer 2 → output layer"} <= words
    assert sum("→" in t and t[0] in "0−" for t in words) >= 5 * 2  # old → new in the cells
    assert len({r.get("fill") for r in matrix_cells(root)}) > 5  # coloured by value


def test_crowded_networks_drop_weight_labels_and_say_so(tmp_path: Path) -> None:
    out = tmp_path / "crowded.svg"
    result = runner.invoke(app, ["diagram", wide_scenario(tmp_path, [4, 13, 13, 2]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert label_boxes(root) == [] and matrix_cells(root) == []
    assert any("weights not drawn" in t for t in all_texts(root))


def test_stage_pictures_share_one_size_for_slides() -> None:
    from bpstep.engine import step
    from bpstep.export.svg_diagram import stage_svgs
    from bpstep.scenario import load

    scenario = load(Path(GFG))
    pictures = stage_svgs(step(scenario))
    assert len({ET.fromstring(p).get("viewBox") for p in pictures}) == 1
    assert all(min(float(t.get("font-size")) for t in texts(ET.fromstring(p))) >= 13
               for p in pictures)


def three(value: float) -> str:
    """Three significant digits with a typographic minus, as the slides write numbers."""
    return f"{value:.3g}".replace("-", "−")


def slides(path: Path, precision: int = 6) -> tuple[list[ET.Element], object]:
    from bpstep.engine import step
    from bpstep.export.svg_diagram import stage_svgs
    from bpstep.scenario import load

    trace = step(load(path))
    return [ET.fromstring(p) for p in stage_svgs(trace, precision=precision)], trace


def test_slides_show_every_weight_and_bias_as_it_stands_rounded_and_say_so(tmp_path: Path) -> None:
    """6-6-5 with biases on the slides: every weight and bias from the file before the step, every
    new one (bold) once updated, numbers to 3 significant digits and the slide says so; after the
    update a′ and y′ stand where a and y were."""
    from collections import Counter

    path = Path(wide_scenario(tmp_path, [6, 6, 5]))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["biases"] = [[0.05] * 6, [-0.15] * 5]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    pictures, trace = slides(path)
    assert len({p.get("viewBox") for p in pictures}) == 1
    given = Counter(three(w) for layer in data["weights"] for row in layer for w in row)
    given += Counter(three(b) for layer in data["biases"] for b in layer)
    assert given <= Counter(t.text for t in texts(pictures[0]))
    last = max(i for i, st in enumerate(trace.stages) if st.phase == "update")
    new = Counter(three(q.value) for q in trace.stages[last].quantities if q.kind in ("w", "b"))
    assert sum(new.values()) == 6 * 6 + 6
    assert new <= Counter(t.text for t in texts(pictures[last]) if t.get("font-weight") == "bold")
    for picture in pictures:
        shown = [t.text or "" for t in texts(picture)]
        assert "rounded to 3 significant digits" in shown
        numbers = [t for t in shown if re.fullmatch(r"−?\d+(\.\d+)?", t)]
        assert numbers and all(len(re.sub(r"\D|^0\.0*", "", t.lstrip("−"))) <= 3 for t in numbers)
    final = all_texts(pictures[-1])
    assert {"a′", "y′"} <= final and not {"a", "y"} & final


def test_batch_slides_name_the_sample_their_unit_values_belong_to() -> None:
    pictures, trace = slides(ROOT / "scenarios" / "xor_batch.yaml")
    for picture, stage in zip(pictures, trace.stages, strict=True):
        sample = stage.sample or 4  # after the last sample: its values stay on the picture
        assert any(f"unit values of sample {sample} of 4" in t for t in all_texts(picture)), stage.title


def test_slides_say_nothing_of_rounding_when_the_export_has_no_more_digits() -> None:
    pictures, _ = slides(Path(GFG), precision=3)
    assert not any("rounded" in t for p in pictures for t in all_texts(p))
    assert six(Y_H1)[:5] in all_texts(pictures[0])  # 0.552 in the table and on the slide


def test_existing_output_is_kept_without_force(tmp_path: Path) -> None:
    out = tmp_path / "net.svg"
    out.write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["diagram", GFG, "-o", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.output and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "mine"
    result = runner.invoke(app, ["diagram", GFG, "-o", str(out), "--force"])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<svg")


@pytest.mark.parametrize("stage", ["0", "9", "-1"])
def test_stage_out_of_range_exits_2_naming_the_valid_range(tmp_path: Path, stage: str) -> None:
    result = runner.invoke(app, ["diagram", GFG, "-o", str(tmp_path / "x.svg"), "--stage", stage])
    assert result.exit_code == 2
    assert "valid stages are 1 to 8" in result.output
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize("args", [["--stage", "two"], []])
def test_bad_usage_exits_2(tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["diagram", GFG, *args] + (["-o", str(tmp_path / "x.svg")] if args else []))
    assert result.exit_code == 2


def test_missing_folder_and_bad_scenario_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["diagram", GFG, "-o", str(tmp_path / "nope" / "x.svg")])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(app, ["diagram", str(tmp_path / "missing.yaml"), "-o", str(tmp_path / "x.svg")])
    assert result.exit_code == 2


# --- the text diagram (run --diagram) keeps every weight, up to 6 units per layer ---


def plain(text: object, width: int = 200) -> str:
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    console.print(text)
    return console.file.getvalue()


def two_six_one(tmp_path: Path) -> tuple[str, list[list[float]]]:
    """A 2-6-1 sigmoid network with weights written out, so they can be looked for."""
    first = [[-0.2, -0.1, 0.0, 0.1, 0.2, -0.2], [-0.1, 0.0, 0.1, 0.2, -0.2, -0.1]]
    data = {"learning_rate": 0.5, "inputs": [0.3, 0.6], "targets": [0.5],
            "layers": [{"units": ["x1", "x2"]},
                       {"units": [f"h{i}" for i in range(1, 7)], "activation": "sigmoid"},
                       {"units": ["o"], "activation": "sigmoid"}],
            "weights": [first, [[-0.2], [-0.1], [0.05], [0.1], [0.2], [0.3]]]}
    path = tmp_path / "net261.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path), first


@pytest.mark.parametrize("name", ["261", "xor_sigmoid", "two_hidden_layers"])
def test_text_diagram_draws_every_stage_with_every_weight(tmp_path: Path, name: str) -> None:
    """README: up to 6 units per layer. The 2-6-1 "after the update" stage and the XOR trainer's
    stages 24-28 were 'too large', and update stages dropped the weights without a word."""
    from bpstep.engine import step
    from bpstep.numbers import fmt
    from bpstep.render.diagram_text import layers_of, render_diagram
    from bpstep.scenario import load

    path = two_six_one(tmp_path)[0] if name == "261" else str(ROOT / "scenarios" / f"{name}.yaml")
    trace = step(load(Path(path)))
    layers = layers_of(trace)
    for index in range(len(trace.stages)):
        out = plain(render_diagram(trace, index, width=80))
        assert "too large" not in out and "not shown" not in out, (index, out)
        assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
        _, _, matrix = out.partition("weights (row: from, column: to)")
        cells = [line.split()[1:] for line in matrix.splitlines()
                 if line[:1].strip() and any(line.split()[0] in layer for layer in layers[:-1])]
        shown = out.count("← ") + sum(len(row) for row in cells)
        assert shown == sum(len(a) * len(b) for a, b in pairwise(layers)), (index, out)
        final = [q for st in trace.stages[:index + 1] for q in st.quantities if q.kind == "w"]
        for q in final[-3:]:  # the latest new weights are on the picture
            assert fmt(q.value, 4) in out, (index, q.name, out)


def test_text_diagram_of_2_6_1_shows_the_written_weights_in_a_matrix(tmp_path: Path) -> None:
    from bpstep.engine import step
    from bpstep.render.diagram_text import render_diagram
    from bpstep.scenario import load

    path, first = two_six_one(tmp_path)
    trace = step(load(Path(path)))
    after = plain(render_diagram(trace, len(trace.stages) - 1, width=80))
    assert "weights (row: from, column: to)" in after and "a′" in after and "y′" in after
    before = plain(render_diagram(trace, 0, width=80))
    rows = {line.split()[0]: line.split()[1:] for line in before.splitlines()
            if line.startswith(("x1 ", "x2 "))}
    assert [float(v) for v in rows["x1"]] == first[0] and [float(v) for v in rows["x2"]] == first[1]


def test_text_diagram_too_narrow_says_so(tmp_path: Path) -> None:
    from bpstep.engine import step
    from bpstep.render.diagram_text import render_diagram
    from bpstep.scenario import load

    trace = step(load(Path(two_six_one(tmp_path)[0])))
    out = plain(render_diagram(trace, 7, width=40))
    assert "needs more than 40 columns" in out


@pytest.mark.parametrize("stage", ["0", "9"])
def test_a_stage_the_step_does_not_have_is_refused_with_the_range(tmp_path: Path, stage: str) -> None:
    """gfg_sigmoid's step has 8 stages: hidden and output forward, loss, two of deltas, two of
    updates, the forward pass after."""
    result = runner.invoke(app, ["diagram", GFG, "-o", str(tmp_path / "d.svg"), "--stage", stage],
                           env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert result.exit_code == 2
    assert result.stderr == (f"bpstep: error: --stage {stage} is out of range: valid stages are 1 "
                             "to 8 (or leave --stage out for the network before the step)\n")
    assert list(tmp_path.iterdir()) == []
