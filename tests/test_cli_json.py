"""`bpstep run --json`: the stable, machine-readable shape, checked from the command line."""

from __future__ import annotations

import io
import json
import math
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bpstep.engine import step
from bpstep.export.json import write_trace_json
from bpstep.numbers import fmt
from bpstep.scenario import Scenario, check, load
from bpstep.trace import Trace

ROOT = Path(__file__).resolve().parent.parent

# Correct float64 values of the GeeksforGeeks 2-2-1 example (delta_rule), from shared/seeds/README.md.
GFG_CORRECT = {
    "a[h1]": 0.21, "a[h2]": 0.315, "y[h1]": 0.552308, "y[h2]": 0.578105, "a[o]": 0.685987,
    "y[o]": 0.665074, "delta[o]": -0.0367703, "delta[h1]": -0.00272759, "delta[h2]": -0.00807143,
    "dw[h1->o]": -0.0203085, "dw[h2->o]": -0.0212571, "w[h2->o]": 0.878743,
    "dw[x1->h1]": -0.000954656, "w[x1->h1]": 0.199045, "y_after[o]": 0.659554,
}


def run_json(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "bpstep", "run", *args, "--json"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_gfg_json_values_are_the_correct_ones() -> None:
    values = run_json("scenarios/gfg_sigmoid.yaml")["values"]
    for name, expected in GFG_CORRECT.items():
        assert values[name] == pytest.approx(expected, abs=1e-6), name


def test_json_has_every_quantity_once_in_stage_order() -> None:
    data = run_json("scenarios/gfg_sigmoid.yaml")
    listed = [q["name"] for stage in data["stages"] for q in stage["quantities"]]
    assert listed == list(data["values"])
    assert [s["index"] for s in data["stages"]] == list(range(1, len(data["stages"]) + 1))
    phases = [s["phase"] for s in data["stages"]]
    assert phases == ["forward", "forward", "loss", "backward", "backward", "update", "update", "after"]
    a_h1 = data["stages"][0]["quantities"][0]
    assert a_h1["name"] == "a[h1]" and a_h1["inputs"] == ["w0[x1->h1]", "y[x1]", "w0[x2->h1]", "y[x2]"]
    assert data["given"]["w0[h2->o]"] == 0.9 and data["given"]["lr"] == 1.0


def test_json_names_samples_in_batch_mode() -> None:
    values = run_json("scenarios/xor_batch.yaml")["values"]
    assert {"a[h1]@1", "a[h1]@4", "loss@4", "loss", "dw[x1->h1]", "loss_after"} <= set(values)
    assert values["loss"] == pytest.approx(sum(values[f"loss@{k}"] for k in range(1, 5)), rel=1e-15)


def test_a_reader_that_stops_early_ends_bpstep_quietly(tmp_path: Path) -> None:
    """`bpstep run ... --json | head -1`: no traceback, no error message, killed by SIGPIPE like cat."""
    wide = tmp_path / "wide.yaml"  # about 1 MB of JSON, far more than a pipe holds
    units = ", ".join(f"u{i}" for i in range(40))
    wide.write_text(
        "learning_rate: 0.1\ninit: {kind: xavier, seed: 1}\nlayers:\n"
        f"  - units: [{units.replace('u', 'x')}]\n  - units: [{units.replace('u', 'h')}]\n"
        "    activation: tanh\n  - units: [o]\n    activation: sigmoid\n"
        f"inputs: [{', '.join(['0.5'] * 40)}]\ntargets: [1]\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "bpstep", "run", str(wide), "--json"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline() == b"{\n"
    proc.stdout.close()
    errors = proc.stderr.read()
    assert proc.wait(timeout=30) == -signal.SIGPIPE
    assert errors == b""


def canonical_json(scenario: Scenario, trace: Trace) -> str:
    """The ``run --json`` text worked out quantity by quantity: each quantity made, its rule
    printed by itself, the whole object written by ``json.dumps``."""
    def full(value: float) -> str:
        return repr(value) if math.isfinite(value) else fmt(value)

    def number(value: float) -> float | None:
        return value if math.isfinite(value) else None

    quantities = [list(stage.quantities) for stage in trace.stages]
    document = {
        "scenario": scenario.source, "title": scenario.title, "loss": scenario.loss,
        "convention": scenario.convention, "mode": scenario.mode,
        "values": {q.name: number(q.value) for qs in quantities for q in qs},
        "given": {name: number(value) for name, value in trace.given.items()},
        "stages": [{"index": i, "phase": stage.phase, "title": stage.title, "quantities": [
            {"name": q.name, "value": number(q.value), "formula": q.formula,
             "substituted": q.substituted(full), "inputs": list(q.inputs)} for q in qs]}
            for i, (stage, qs) in enumerate(zip(trace.stages, quantities, strict=True), start=1)],
    }
    return json.dumps(document, indent=2) + "\n"


def spec_with(**changes: object) -> dict:
    """A 2-3-2 network with biases, four samples, and the given keys changed."""
    spec = {"learning_rate": 0.7, "layers": [
        {"units": ["x1", "x2"]}, {"units": ["h1", "h2", "h3"], "activation": "tanh"},
        {"units": ["o1", "o2"], "activation": "sigmoid"}],
        "weights": [[[0.5, -0.4, 0.1], [0.3, 0.8, -1.5]], [[0.7, 1], [-0.6, 0.25], [1e-30, 3]]],
        "biases": [[0.1, -0.1, 0], [0.2, -0.3]],
        "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0, 1], [1, 0], [1, 0.5], [0, 0]]}
    spec.update(changes)
    return spec


SPECS = {
    "online with momentum": spec_with(mode="online", momentum=0.9),
    "shuffled minibatches, mean": spec_with(mode="minibatch", batch_size=3, shuffle=True, seed=7,
                                            reduction="mean", convention="gradient"),
    "biases kept": spec_with(update_biases=False, title='"quoted" é ✓'),
    "units named with quotes, backslashes and accents": spec_with(layers=[
        {"units": ['x"1', "x\\2"]}, {"units": ["hé", "h✓", "h{3}"], "activation": "tanh"},
        {"units": ["o𝟙", "o2"], "activation": "sigmoid"}]),
    "a batch of eight samples": spec_with(  # Δw sums over 8 samples: 16 holes, looked over row by row
        inputs=[[i % 3 - 1, i / 4] for i in range(8)], targets=[[i % 2, 0.5] for i in range(8)],
        mode="batch"),
    "past the float range": spec_with(learning_rate=1e300, weights=[
        [[1e300, -1e300, 1], [1, 1, 1]], [[1e300, 1], [1, 1], [1, 1]]]),
}


@pytest.mark.parametrize("name", [p.stem for p in sorted((ROOT / "scenarios").glob("*.yaml"))
                                  if "answers" not in p.name] + list(SPECS))
def test_json_text_is_what_each_quantity_prints_by_itself(name: str) -> None:
    """The stages written in bulk (update stages column by column) are, byte for byte, the
    object made from every quantity's own rule and written by json.dumps."""
    scenario = check(SPECS[name], name) if name in SPECS else load(ROOT / "scenarios" / f"{name}.yaml")
    trace = step(scenario)
    out = io.StringIO()
    write_trace_json(trace, out)
    assert out.getvalue() == canonical_json(scenario, step(scenario))


def test_a_rule_block_that_names_one_operand_twice_lists_it_once() -> None:
    """Where two holes of a block's rules name the same operand on some rows, each of those
    rules still lists its inputs once, as the rule printed by itself does."""
    from bpstep.engine import updated
    from bpstep.trace import Kind, LazyQuantities, Phase, Rows, RuleBlock, Stage

    scenario = check(spec_with(), "block")
    env = {"lr": 0.5, "lr2": -0.25}
    block = RuleBlock(Kind.W, 0, 1, 2, lambda rows: [f"w[x{r}->h1]" for r in rows], updated,
                      (Rows(lambda rows: ["lr"] * len(rows)),
                       Rows(lambda rows: ["lr" if r == 0 else "lr2" for r in rows])),
                      lambda row: "h1", lambda row: f"x{row}", before=[0.0, 0.0])
    values = np.array([1.0, 0.25])
    quantities = LazyQuantities(values, [block], {}, env)
    trace = Trace((Stage(Phase.UPDATE, "update", quantities),), env, env,
                  network=step(scenario).network)
    out = io.StringIO()
    write_trace_json(trace, out)
    assert out.getvalue() == canonical_json(scenario, trace)
    assert json.loads(out.getvalue())["stages"][0]["quantities"][0]["inputs"] == ["lr"]


@pytest.mark.parametrize("count", [2, 4, 9])
def test_the_holes_a_rule_lists_are_each_column_once_unless_two_name_one_operand_on_a_row(
        count: int) -> None:
    """``_listed`` keeps the first of columns that are one list, and gives up (None) when two
    other columns name the same quantity on some row, however many columns there are."""
    from bpstep.export.json import _listed

    columns = [[f"q{c}[{r}]" for r in range(5)] for c in range(count)]
    holes = [columns[0], *columns, columns[-1]]
    assert _listed(holes) == [0, *range(2, count + 1)]  # holes 1 and count + 1 repeat a column
    clash = [list(column) for column in columns]
    clash[-1][3] = clash[0][3]
    assert _listed(clash) is None
    clash[-1][3] = clash[0][2]  # the same name on another row: no clash
    assert _listed(clash) == list(range(count))


def test_the_words_for_numbers_that_are_not_finite_are_written_into_json_strings_as_they_are() -> None:
    # The --json writer puts numbers into a rule's text without escaping them.
    from bpstep.numbers import NOT_A_NUMBER, OVERFLOW

    for word in (NOT_A_NUMBER, OVERFLOW, "(-1e-05)", "-0.0"):
        assert json.dumps(word) == f'"{word}"'


def test_the_json_is_handed_over_whole_and_in_order_from_its_writing_thread() -> None:
    # Parts of many sizes, more than the thread holds at once: what arrives is what was written.
    from bpstep.export.json import _Background

    out = io.StringIO()
    sink = _Background(out)  # type: ignore[arg-type]
    pieces = [f"{i}:" + "x" * (i * 9973 % 300_000) + "\n" for i in range(200)]
    for piece in pieces:
        sink.write(piece)
    sink.close()
    assert out.getvalue() == "".join(pieces)


def test_a_failed_write_of_the_json_is_raised_to_its_maker() -> None:
    from bpstep.export.json import _Background

    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

    sink = _Background(Full())  # type: ignore[arg-type]
    sink.write("x" * (_Background.PART + 1))
    with pytest.raises(OSError, match="No space left"):
        for _ in range(10):  # the error comes at a later write or at close
            sink.write("y" * (_Background.PART + 1))
        sink.close()


def test_json_abandoned_half_way_ends_its_writing_thread() -> None:
    # Ctrl-C while the step is written: the thread writes nothing more and ends.
    from bpstep.export.json import _Background

    out = io.StringIO()
    sink = _Background(out)  # type: ignore[arg-type]
    for _ in range(3):
        sink.write("z" * (_Background.PART + 1))
    sink.abandon()
    sink.thread.join()
    assert not sink.thread.is_alive()
    assert len(out.getvalue()) <= 3 * (_Background.PART + 1)


def test_numbers_that_repeat_are_written_as_each_one_alone() -> None:
    # Written once per distinct number when they repeat: −0.0 is not 0.0, nan and ±inf keep theirs.
    from bpstep.export.json import _reprs

    numbers = [0.25, -0.0, 0.0, 0.25, 1e-05, -0.0, 0.1 + 0.2, 1e16] * 40 + [math.nan, math.inf, -math.inf]
    assert _reprs(numbers) == [repr(x) for x in numbers]
    assert _reprs(numbers[:3]) == ["0.25", "-0.0", "0.0"]
