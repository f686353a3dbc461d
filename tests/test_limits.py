"""What no picture or quiz can hold is refused early, in one line that names the limit and what
else shows the network; the exports that can show it still do. Time and memory of the largest
network each export accepts: benchmarks/bench_limits.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import bpstep.engine
from bpstep import variants
from bpstep.cli import app
from bpstep.export.publish import MAX_ASKED
from bpstep.export.svg_diagram import MAX_DRAWN


def invoke(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "120"})


def network(tmp_path: Path, hidden: int, outputs: int = 1) -> Path:
    """A 1-``hidden``-``outputs`` sigmoid network with drawn weights."""
    units = ", ".join(f"h{i}" for i in range(hidden))
    outs = ", ".join(f"o{i}" for i in range(outputs))
    path = tmp_path / f"net-{hidden}.yaml"
    path.write_text(f"title: wide\nlearning_rate: 0.5\ninit: {{kind: xavier, seed: 1}}\nlayers:\n"
                    f"  - units: [x]\n  - units: [{units}]\n    activation: sigmoid\n"
                    f"  - units: [{outs}]\n    activation: sigmoid\n"
                    f"inputs: [0.5]\ntargets: [{', '.join(['0.5'] * outputs)}]\n")
    return path


@pytest.fixture
def no_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refusal must come before the step is run (a 10-3000-10 step alone takes seconds)."""
    def refused(*_: object, **__: object) -> None:
        raise AssertionError("the step was run before the size was checked")

    monkeypatch.setattr(bpstep.engine, "step", refused)


@pytest.mark.parametrize(("command", "what"), [
    (["diagram", "{net}", "-o", "{out}.svg"], "bpstep diagram"),
    (["export", "{net}", "-f", "html", "-o", "{out}.html"], "-f html (a slideshow)"),
])
def test_a_layer_too_wide_to_draw_is_refused_before_the_step(tmp_path: Path, no_step: None,
                                                              command: list[str], what: str) -> None:
    net = network(tmp_path, MAX_DRAWN + 1)
    result = invoke(*(a.format(net=net, out=tmp_path / "out") for a in command))
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"bpstep: error: {net}: the 1-65-1 network is too big to draw: {what} draws each layer as "
        "one column of unit boxes, at most 64 (a column of 64 is about 8,000 px tall), and "
        "layers[1] has 65 units; its tables: bpstep run, or bpstep export -f markdown or -f latex\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [net.name]


def test_the_widest_layer_drawn_is_drawn_and_wider_ones_have_their_tables(tmp_path: Path) -> None:
    drawn = invoke("diagram", network(tmp_path, MAX_DRAWN), "-o", tmp_path / "net.svg")
    assert drawn.exit_code == 0, drawn.output
    svg = (tmp_path / "net.svg").read_text(encoding="utf-8")
    assert all(f">h{i}<" in svg for i in range(MAX_DRAWN))
    wide = network(tmp_path, 200)
    for form in ("markdown", "latex"):
        out = tmp_path / f"wide.{form}"
        done = invoke("export", wide, "-f", form, "-o", out)
        assert done.exit_code == 0, done.output
        assert "h199" in out.read_text(encoding="utf-8")
    assert invoke("run", wide, "--json").exit_code == 0


@pytest.mark.parametrize("form", ["moodle", "gift", "qti"])
def test_a_quiz_of_more_values_than_anyone_works_is_refused(tmp_path: Path, form: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    net = network(tmp_path, 40)

    def built(*_: object, **__: object) -> None:
        raise AssertionError("questions built before the count was checked")

    with monkeypatch.context() as patched:
        patched.setattr(variants, "question", built)
        result = invoke("export", net, "-f", form, "-o", tmp_path / "quiz")
    # a and y of 41 units, the loss, 41 δ, Δw and w of 80 weights, a′ and y′ of 41, the loss′
    count = 2 * 41 + 1 + 41 + 2 * 80 + 2 * 41 + 1
    assert count == 367 > MAX_ASKED
    assert result.exit_code == 2 and result.stderr == (
        f"bpstep: error: net-40: the quiz would ask {count:,} values, more than the 300 one "
        "question holds (no one works more by hand); choose fewer with --ask, e.g. --ask "
        "forward,deltas or --ask 'delta[*]'\n")
    assert not (tmp_path / "quiz").exists()
    fewer = invoke("export", net, "-f", form, "-o", tmp_path / "quiz", "--ask", "deltas")
    assert fewer.exit_code == 0, fewer.output
