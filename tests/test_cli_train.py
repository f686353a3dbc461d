"""``bpstep train`` end to end: output, --json, --save, --plot, refusals and Ctrl-C."""

from __future__ import annotations

import json
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bpstep.cli import app

ROOT = Path(__file__).resolve().parents[1]
XOR = ROOT / "scenarios" / "xor_sigmoid.yaml"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["train", *map(str, args)])


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def test_json_has_history_weights_and_predictions_of_the_trained_network() -> None:
    result = invoke(XOR, "--epochs", 30, "--every", 10, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["epochs"] == data["completed"] == 30 and data["stopped"] is None
    assert [h["epoch"] for h in data["history"]] == list(range(31))
    assert [len(w) for w in data["weights"]] == [2, 4] and len(data["weights"][0][0]) == 4
    assert [len(b) for b in data["biases"]] == [4, 1]
    w1, w2 = (np.array(w) for w in data["weights"])
    b1, b2 = (np.array(b) for b in data["biases"])
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = sigmoid(sigmoid(x @ w1 + b1) @ w2 + b2)
    np.testing.assert_allclose(data["predictions"], y, atol=1e-12)
    t = np.array([[0], [1], [1], [0]], float)
    assert data["final_loss"] == pytest.approx(0.5 * np.sum((t - y) ** 2), abs=1e-12)


def test_tables_and_curve_are_plain_text_when_piped() -> None:
    result = invoke(XOR, "--epochs", 40, "--every", 20)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "\x1b" not in out
    assert "trained 40 of 40 epochs" in out and "loss every 20 epochs" in out
    assert "predictions after training" in out and "y[o]" in out and "t[o]" in out
    rows = [line.strip("│ ").split(" │ ") for line in out.splitlines() if line.startswith("│")]
    assert [row[0].strip() for row in rows[:3]] == ["0", "20", "40"]  # one row per logged epoch


def test_saved_scenario_runs_and_starts_from_the_trained_weights(tmp_path: Path) -> None:
    saved = tmp_path / "trained.yaml"
    trained = invoke(XOR, "--epochs", 25, "--save", saved, "--json")
    assert trained.exit_code == 0, trained.output
    weights = json.loads(trained.stdout)["weights"]
    ran = runner.invoke(app, ["run", str(saved), "--json"])
    assert ran.exit_code == 0, ran.output
    given = json.loads(ran.stdout)["given"]
    assert given["w0[x2->h3]"] == weights[0][1][2]
    assert given["w0[h4->o]"] == weights[1][3][0]


def test_saved_scenario_keeps_momentum_and_a_gain(tmp_path: Path) -> None:
    source = tmp_path / "variants.yaml"
    source.write_text(XOR.read_text(encoding="utf-8").replace(
        "activation: sigmoid", "activation: {name: sigmoid, gain: 1.5}", 1) + "momentum: 0.9\n",
        encoding="utf-8")
    saved = tmp_path / "trained.yaml"
    trained = invoke(source, "--epochs", 5, "--save", saved)
    assert trained.exit_code == 0, trained.output
    text = saved.read_text(encoding="utf-8")
    assert "momentum: 0.9\n" in text and "activation: {name: sigmoid, gain: 1.5}" in text
    ran = runner.invoke(app, ["run", str(saved), "--json"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["given"]["momentum"] == 0.9


def test_existing_files_are_refused_without_force_and_the_input_always(tmp_path: Path) -> None:
    taken = tmp_path / "taken.svg"
    taken.write_text("mine")
    refused = invoke(XOR, "--epochs", 5, "--plot", taken)
    assert refused.exit_code == 2 and "already exists; use --force" in refused.output
    assert taken.read_text() == "mine"
    forced = invoke(XOR, "--epochs", 5, "--plot", taken, "--force")
    assert forced.exit_code == 0 and taken.read_text().startswith("<svg")
    copy = tmp_path / "xor.yaml"
    shutil.copy(XOR, copy)
    before = copy.read_text()
    for extra in ([], ["--force"]):
        result = invoke(copy, "--epochs", 5, "--save", copy, *extra)
        assert result.exit_code == 2 and "is an input of this command" in result.output
    assert copy.read_text() == before


def test_plot_is_an_svg_with_labelled_axes(tmp_path: Path) -> None:
    plot = tmp_path / "loss.svg"
    assert invoke(XOR, "--epochs", 50, "--plot", plot).exit_code == 0
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in ET.parse(plot).getroot().iter(f"{ns}text")]
    assert "epoch" in texts and any(t and t.startswith("loss") for t in texts)


@pytest.mark.parametrize(("args", "message"), [
    (["--lr", "-1"], "--lr -1.0 is not a learning rate"),
    (["--lr", "nan"], "is not a learning rate"),
    (["--epochs", "0"], "--epochs"),
    (["--every", "0"], "--every"),
    (["--seed", "-2"], "--seed"),
])
def test_bad_options_exit_2(args: list[str], message: str) -> None:
    result = invoke(XOR, *args)
    assert result.exit_code == 2 and message in result.output


def test_missing_scenario_exits_2(tmp_path: Path) -> None:
    result = invoke(tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "no such file" in result.output


def test_seed_without_effect_is_reported() -> None:
    result = invoke(ROOT / "scenarios" / "xor_batch.yaml", "--epochs", 3, "--seed", 4)
    assert result.exit_code == 0 and "--seed has no effect" in result.output


@pytest.mark.pty
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_ctrl_c_stops_cleanly_shows_progress_so_far_and_exits_130() -> None:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(sys.executable, ["-m", "bpstep", "train", str(XOR), "--epochs", "50000000"],
                          encoding="utf-8", dimensions=(40, 120), timeout=60)
    child.expect("training")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "(interrupted)" in child.before and "predictions after training" in child.before
    assert "bpstep: interrupted after" in child.before
