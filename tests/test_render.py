"""Rendering of stages, focus, text diagrams, SVG snapshots and the --step state machine.

Numbers are checked against hand-derived values of the GeeksforGeeks 2-2-1 example (written in
the tests) or against plain numpy, never against bpstep's own earlier output.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from rich.console import Console

from bpstep.engine import step
from bpstep.render.diagram_text import layers_of, render_diagram
from bpstep.render.focus import UnknownUnit, focus_on, units_of
from bpstep.render.screen import View, render_all
from bpstep.render.snapshots import SnapshotError, save_svgs
from bpstep.render.stages import changed_in, render_stage, shorten, stage_heading
from bpstep.render.stepper import Presenter, TerminalKeys, step_through
from bpstep.scenario import load
from bpstep.trace import Trace

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def text_of(renderable: object, width: int = 100, color: bool = False) -> str:
    console = Console(file=io.StringIO(), width=width, force_terminal=color,
                      color_system="standard" if color else None, highlight=False)
    console.print(renderable)
    return console.file.getvalue()


@pytest.fixture(scope="module")
def gfg() -> Trace:
    return step(load(SCENARIOS / "gfg_sigmoid.yaml"))


def write_wide_scenario(path: Path, seed: int = 1) -> dict:
    """A 50-12-3 sigmoid/softmax network: its input update has 600 weights, so it is summarised."""
    rng = np.random.default_rng(seed)
    data = {
        "learning_rate": 0.1, "loss": "cross_entropy",
        "layers": [{"units": [f"x{i}" for i in range(1, 51)]},
                   {"units": [f"h{i}" for i in range(1, 13)], "activation": "sigmoid"},
                   {"units": ["o1", "o2", "o3"], "activation": "softmax"}],
        "weights": [rng.normal(0, 0.1, (50, 12)).round(3).tolist(),
                    rng.normal(0, 0.3, (12, 3)).round(3).tolist()],
        "inputs": rng.random(50).round(2).tolist(), "targets": [0, 1, 0],
    }
    path.write_text(yaml.safe_dump(data, default_flow_style=None, width=200))
    return data


# tables


def test_value_table_shows_hand_values_of_the_first_stage(gfg: Trace) -> None:
    # a[h1] = 0.2·0.35 + 0.2·0.7 = 0.21; y[h1] = 1/(1+e^-0.21) = 0.552308
    out = text_of(render_stage(gfg, 0, precision=3))
    assert re.search(r"^h1\s+0\.21\s+0\.552\s*$", out, re.M)
    assert out.startswith("stage 1 of 8 · forward")


def test_update_table_lists_old_change_and_new_weight(gfg: Trace) -> None:
    # δ[h1] = y(1−y)·w·δ[o] = 0.552308·0.447692·0.3·(−0.0367703) = −0.00272759
    # Δw[x1->h1] = 1·δ[h1]·0.35 = −0.000954656, new w = 0.2 − 0.000954656 = 0.199045
    out = text_of(render_stage(gfg, 6))
    assert re.search(r"^x1 → h1\s+0\.2\s+-0\.000954656\s+0\.199045\s*$", out, re.M)


def test_changed_values_are_highlighted_on_a_colour_terminal(gfg: Trace) -> None:
    out = text_of(render_stage(gfg, 6, changed=changed_in(gfg, 6)), color=True)
    assert "\x1b[1;7m0.199045" in out
    assert "\x1b[1;7m-0.000954656" not in out


def test_changed_in_an_update_is_the_new_weights_only(gfg: Trace) -> None:
    update = changed_in(gfg, 5)
    assert "w[h1->o]" in update and "w[h2->o]" in update
    assert not {"dw[h1->o]", "dw[h2->o]", "w0[h1->o]", "a[h1]"} & {n for n in gfg.env if n in update}
    assert changed_in(gfg, 0) == {"a[h1]", "a[h2]", "y[h1]", "y[h2]"}
    # every value after the update differs from its value before (all weights moved)
    assert changed_in(gfg, 7) == {q.name for q in gfg.stages[7].quantities}


def test_big_stage_is_summarised_with_numpy_statistics(tmp_path: Path) -> None:
    data = write_wide_scenario(tmp_path / "wide.yaml")
    trace = step(load(tmp_path / "wide.yaml"))
    # independent forward/backward pass in numpy (delta rule, softmax + cross-entropy: δ_o = t − y)
    x, t = np.array(data["inputs"]), np.array(data["targets"], dtype=float)
    w1, w2 = np.array(data["weights"][0]), np.array(data["weights"][1])
    y1 = 1 / (1 + np.exp(-(x @ w1)))
    a2 = y1 @ w2
    y2 = np.exp(a2) / np.exp(a2).sum()
    d1 = y1 * (1 - y1) * (w2 @ (t - y2))
    new_w1 = w1 + 0.1 * np.outer(x, d1)
    index = next(i for i, s in enumerate(trace.stages) if s.phase == "update" and s.layer == 1)
    out = text_of(render_stage(trace, index, precision=8), width=120)
    assert "… 590 more rows" in out
    assert len(out.splitlines()) < 25
    rows = {m[1]: [float(v) for v in m[2].split()]
            for m in re.finditer(r"^(min|max|mean) of 600\s+(.*)$", out, re.M)}
    assert rows["min"][2] == pytest.approx(new_w1.min(), rel=1e-6)
    assert rows["max"][2] == pytest.approx(new_w1.max(), rel=1e-6)
    assert rows["mean"][2] == pytest.approx(new_w1.mean(), rel=1e-6)
    assert rows["mean"][0] == pytest.approx(w1.mean(), rel=1e-6)
    assert "x1, x2, x3, …, x50 (50 units)" in stage_heading(trace, index)


def test_small_stages_are_not_summarised(gfg: Trace) -> None:
    assert "more rows" not in text_of(render_all(gfg, View()))


def test_explained_big_stage_keeps_first_rows_and_summarises_each_kind(tmp_path: Path) -> None:
    write_wide_scenario(tmp_path / "wide.yaml")
    trace = step(load(tmp_path / "wide.yaml"))
    out = text_of(render_stage(trace, 0, explain=True), width=120)
    assert "… 14 more" in out  # 24 quantities (a and y of 12 units), first 10 shown
    out = text_of(render_stage(trace, trace.stage_of("w[x1->h1]"), explain=True), width=140)
    assert "… 1190 more" in out and "Δw ×600" in out and "new w ×600" in out


def test_shorten_keeps_first_three_and_last_two_terms() -> None:
    terms = [f"{k}×0.5" for k in range(50)]
    text = " + ".join(terms) + " = 612.5"
    short = shorten(text)
    assert short == "0×0.5 + 1×0.5 + 2×0.5 + … 45 more terms … + 48×0.5 + 49×0.5 = 612.5"
    assert shorten("0.2×0.35 + 0.2×0.7 = 0.21") == "0.2×0.35 + 0.2×0.7 = 0.21"


# focus


def test_units_are_listed_in_layer_order(gfg: Trace) -> None:
    assert units_of(gfg) == ["x1", "x2", "h1", "h2", "o"]


def test_focus_on_h1_is_its_values_weights_and_direct_neighbours(gfg: Trace) -> None:
    # own: a, y, δ, after values of h1 and its weights in and out; neighbours: a[o] (uses y[h1]),
    # δ[o] (feeds δ[h1]), a_after[o] (uses y_after[h1] and w[h1->o]).
    expected = {
        "a[h1]", "y[h1]", "delta[h1]", "a_after[h1]", "y_after[h1]",
        "dw[x1->h1]", "w[x1->h1]", "dw[x2->h1]", "w[x2->h1]", "dw[h1->o]", "w[h1->o]",
        "a[o]", "delta[o]", "a_after[o]",
    }
    assert focus_on(gfg, "h1").names == expected


def test_focus_filters_tables_and_says_when_a_stage_has_nothing(gfg: Trace) -> None:
    focus = focus_on(gfg, "h1")
    first = text_of(render_stage(gfg, 0, focus=focus))
    assert re.search(r"^h1\s", first, re.M) and not re.search(r"^h2\s", first, re.M)
    assert "nothing in this stage involves h1" in text_of(render_stage(gfg, 2, focus=focus))


def test_unknown_focus_unit_suggests_the_nearest(gfg: Trace) -> None:
    with pytest.raises(UnknownUnit, match=r"no unit named 'h3'; did you mean 'h\d' or 'h\d'\? units: "):
        focus_on(gfg, "h3")


# diagram


def test_layers_are_read_from_the_trace(gfg: Trace) -> None:
    assert layers_of(gfg) == [("x1", "x2"), ("h1", "h2"), ("o",)]


def test_diagram_shows_known_values_and_dashes_for_the_rest(gfg: Trace) -> None:
    first = text_of(render_diagram(gfg, 0))
    assert re.search(r"a\s+0\.21\b", first) and re.search(r"y\s+0\.5523\b", first)
    assert re.search(r"δ\s+–", first)  # no delta known yet
    fifth = text_of(render_diagram(gfg, 4))
    assert re.search(r"δ\s+-0\.002728\b", fifth)  # δ[h1] = −0.00272759 to 4 digits
    assert re.search(r"← x1\s+0\.2\b", fifth)  # still the old weight
    seventh = text_of(render_diagram(gfg, 6))
    assert re.search(r"← x1\s+0\.199\b", seventh)  # 0.199045 after the update


@pytest.mark.parametrize("name", ["gfg_sigmoid", "builtin_identity_xor", "two_hidden_layers",
                                  "xor_batch", "softmax_cross_entropy"])
def test_diagram_of_small_networks_fits_80_columns(name: str) -> None:
    trace = step(load(SCENARIOS / f"{name}.yaml"))
    for index in range(len(trace.stages)):
        out = text_of(render_diagram(trace, index, width=80), width=200)
        assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
        assert "too large" not in out


def test_diagram_of_a_big_network_says_it_is_too_large(tmp_path: Path) -> None:
    write_wide_scenario(tmp_path / "wide.yaml")
    out = text_of(render_diagram(step(load(tmp_path / "wide.yaml")), 0))
    assert "50-12-3 network is too large" in out


# SVG snapshots


def test_save_svgs_writes_every_stage_and_refuses_to_overwrite(gfg: Trace, tmp_path: Path) -> None:
    target = tmp_path / "slides"
    paths = save_svgs(gfg, View(diagram=True), target)
    assert [p.name for p in paths] == [f"stage-0{k}.svg" for k in range(1, 9)]
    first = paths[0].read_text()
    assert first.lstrip().startswith("<svg") and "stage&#160;1&#160;of&#160;8" in first
    paths[0].write_text("mine")
    with pytest.raises(SnapshotError, match=r"stage-01\.svg already exists.*--force"):
        save_svgs(gfg, View(), target)
    assert paths[0].read_text() == "mine"
    save_svgs(gfg, View(), target, force=True)
    assert paths[0].read_text().lstrip().startswith("<svg")


def test_save_svgs_into_a_file_is_an_error(gfg: Trace, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(SnapshotError, match="not a folder"):
        save_svgs(gfg, View(), tmp_path / "f")


# the --step state machine


def test_presenter_moves_and_stays_inside_the_stages() -> None:
    p = Presenter(8)
    for key in ["right", "enter", "space", "n"]:
        p.press(key)
    assert p.index == 4
    p.press("left")
    p.press("b")
    assert p.index == 2
    p.press("end")
    p.press("right")
    assert p.index == 7 and "last stage" in p.note
    p.press("home")
    p.press("p")
    assert p.index == 0 and "first stage" in p.note
    p.press("q")
    assert p.done


def test_presenter_digits_jump_at_once_when_unambiguous() -> None:
    p = Presenter(8)
    p.press("7")
    assert p.index == 6
    p.press("9")
    assert p.index == 6 and "no stage 9" in p.note
    many = Presenter(28)
    many.press("3")  # no stage 30-39: jump now
    assert many.index == 2
    many.press("1")  # 1 or 10-19: wait
    assert many.index == 2 and many.typed == "1"
    many.press("2")
    assert many.index == 11
    many.press("2")
    many.press("enter")
    assert many.index == 1
    many.press("1")
    many.press("esc")
    assert many.index == 1 and many.typed == ""


def test_presenter_auto_plays_pauses_and_resumes() -> None:
    p = Presenter(3, auto=1.0)
    assert p.running
    p.tick()
    assert p.index == 1
    p.press("x")  # any key pauses
    assert not p.running and p.index == 1
    p.press("right")  # moving while paused keeps it paused
    assert p.index == 2 and not p.running
    p.press("left")
    p.press("space")  # resumes
    assert p.running and p.index == 1
    p.tick()
    assert p.index == 2 and not p.running and "end" in p.note


def scripted(keys: list[str | None], timeouts: list[float | None] | None = None):
    def read(timeout: float | None) -> str | None:
        if timeouts is not None:
            timeouts.append(timeout)
        key = keys.pop(0)
        if key == "^C":
            raise KeyboardInterrupt
        return key
    return read


def console_text() -> Console:
    return Console(file=io.StringIO(), width=100, color_system=None)


def test_step_through_draws_the_stage_the_keys_ask_for(gfg: Trace) -> None:
    console = console_text()
    assert step_through(console, gfg, View(explain=True), read_key=scripted(["right", "right", "q"])) == 0
    out = console.file.getvalue()
    assert "stage 3 of 8 · loss" in out
    assert "= ½ × [(0.5 − 0.665074)²] = 0.0136247" in out  # (0.5 − 0.665074)²/2 by hand
    assert "→ Enter space next · ← b back · 1–8 go to stage · q quit" in out


def test_step_through_end_of_input_and_interrupt(gfg: Trace) -> None:
    assert step_through(console_text(), gfg, read_key=scripted(["eof"])) == 0
    assert step_through(console_text(), gfg, read_key=scripted(["right", "^C"])) == 130


def test_step_through_auto_waits_then_advances(gfg: Trace) -> None:
    console = console_text()
    timeouts: list[float | None] = []
    code = step_through(console, gfg, auto=0.5, read_key=scripted([None, None, "x", "q"], timeouts))
    assert code == 0
    assert all(t is not None and 0 < t <= 0.5 for t in timeouts[:3])
    assert timeouts[3] is None  # paused: wait for a key
    out = console.file.getvalue()
    assert "stage 3 of 8" in out and "paused" in out


def test_terminal_keys_parse_arrows_enter_and_end_of_input() -> None:
    read_fd, write_fd = os.pipe()
    keys = TerminalKeys(read_fd)
    os.write(write_fd, b"\x1b[C\x1b[Dq\r\n \x1bOA\x1b[5~7\xc3\xa9\x04")
    got = [keys.read(1.0) for _ in range(10)]
    assert got == ["right", "left", "q", "enter", "space", "up", "pageup", "7", "é", "eof"]
    os.write(write_fd, b"\x1b")
    assert keys.read(1.0) == "esc"
    assert keys.read(0.01) is None
    os.write(write_fd, b"\x03")
    with pytest.raises(KeyboardInterrupt):
        keys.read(1.0)
    os.close(write_fd)
    assert keys.read(1.0) == "eof"
    os.close(read_fd)
