"""`bpstep run --json`: the stable, machine-readable shape, checked from the command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

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
