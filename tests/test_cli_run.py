"""`bpstep run` from the command line: plain piped output, options, bad options, --save-svg files.

Expected numbers are the GeeksforGeeks 2-2-1 example worked by hand:
a[h1] = 0.2×0.35 + 0.2×0.7 = 0.21 and y[h1] = 1/(1 + e^−0.21) = 0.552308.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from bpstep.cli import app

ROOT = Path(__file__).resolve().parent.parent
GFG = "scenarios/gfg_sigmoid.yaml"


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


def bpstep(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> Done:
    """Run the app in-process; its streams are not terminals, as when piped."""
    result = CliRunner().invoke(app, [_at_root(a) for a in args], input=stdin,
                                env={"COLUMNS": "100", **(env or {})})
    return Done(result.exit_code, result.stdout, result.stderr)


def _at_root(arg: str) -> str:
    return str(ROOT / arg) if arg.startswith("scenarios/") else arg


def test_piped_process_output_is_plain_and_step_falls_back() -> None:
    """A real process with pipes for stdin and stdout: --step must not wait for keys."""
    done = subprocess.run([sys.executable, "-m", "bpstep", "run", GFG, "--step", "--diagram"],
                          cwd=ROOT, stdin=subprocess.PIPE, capture_output=True, text=True,
                          check=False, timeout=60, env={**os.environ, "TERM": "xterm-256color"})
    assert done.returncode == 0
    assert "--step needs an interactive terminal" in done.stderr
    assert "\x1b[" not in done.stdout + done.stderr
    assert [f"stage {k} of 8" in done.stdout for k in range(1, 9)] == [True] * 8


@pytest.mark.parametrize("options", [[], ["--explain"], ["--diagram"], ["--focus", "h1"],
                                     ["--step"], ["--auto", "1"]])
def test_piped_output_is_plain_text(options: list[str]) -> None:
    done = bpstep("run", GFG, *options)
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout and "\x1b[" not in done.stderr
    assert "stage 8 of 8 · after the update" in done.stdout


def test_precision_3_shows_y_h1_as_0_552() -> None:
    done = bpstep("run", GFG, "--precision", "3")
    assert re.search(r"^h1\s+0\.21\s+0\.552\s*$", done.stdout, re.M), done.stdout


def test_explain_substitutes_the_numbers() -> None:
    out = bpstep("run", GFG, "--explain").stdout
    assert "0.2×0.35 + 0.2×0.7 = 0.21" in out
    assert "1 / (1 + e^(−0.21)) = 0.552308" in out


def test_focus_shows_only_what_involves_the_unit() -> None:
    out = bpstep("run", GFG, "--focus", "h2").stdout
    assert "following h2" in out
    assert re.search(r"^h2\s+0\.315\s+0\.578105\s*$", out, re.M)  # y[h2] = 1/(1+e^−0.315)
    assert not re.search(r"^h1\s", out, re.M)
    assert "nothing in this stage involves h2" in out  # the loss stage


def test_diagram_fits_80_columns_and_shows_weights() -> None:
    out = bpstep("run", GFG, "--diagram", env={"COLUMNS": "80"}).stdout
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    assert re.search(r"← x1\s+0\.199\b", out)  # w[x1->h1] = 0.2 − 0.000954656 after stage 7


def test_json_keeps_every_value_whatever_the_view() -> None:
    done = bpstep("run", GFG, "--json", "--focus", "h1", "--diagram")
    values = json.loads(done.stdout)["values"]
    assert values["loss"] == pytest.approx(0.5 * (0.5 - 0.665074) ** 2, abs=1e-6)
    assert "delta[h2]" in values


def test_save_svg_writes_files_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "slides"
    done = bpstep("run", GFG, "--save-svg", str(target))
    assert done.returncode == 0, done.stderr
    assert "wrote 8 SVG files" in done.stderr
    assert sorted(p.name for p in target.iterdir()) == [f"stage-0{k}.svg" for k in range(1, 9)]
    (target / "stage-03.svg").write_text("my notes")
    again = bpstep("run", GFG, "--save-svg", str(target))
    assert again.returncode == 2
    assert "stage-01.svg already exists" in again.stderr and "--force" in again.stderr
    assert "Traceback" not in again.stderr
    assert (target / "stage-03.svg").read_text() == "my notes"
    forced = bpstep("run", GFG, "--save-svg", str(target), "--force")
    assert forced.returncode == 0
    assert (target / "stage-03.svg").read_text().lstrip().startswith("<svg")


@pytest.mark.parametrize(("options", "message"), [
    (["--precision", "0"], "--precision"),
    (["--precision", "many"], "--precision"),
    (["--auto", "0"], "--auto"),
    (["--auto", "soon"], "--auto"),
    (["--focus", "H1"], "no unit named 'H1'; did you mean 'h1'? units: x1"),
    (["--focus", "0"], "units: x1, x2, h1, h2, o"),
    (["--bogus"], "--bogus"),
])
def test_bad_options_exit_2_with_a_message(options: list[str], message: str) -> None:
    done = bpstep("run", GFG, *options)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_save_svg_into_a_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    done = bpstep("run", GFG, "--save-svg", str(tmp_path / "taken"))
    assert done.returncode == 2 and "not a folder" in done.stderr


def test_big_network_stays_readable(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    scenario = {
        "learning_rate": 0.5,
        "layers": [{"units": [f"x{i}" for i in range(1, 51)]},
                   {"units": [f"h{i}" for i in range(1, 13)], "activation": "tanh"},
                   {"units": ["o"], "activation": "sigmoid"}],
        "weights": [rng.normal(0, 0.1, (50, 12)).round(3).tolist(),
                    rng.normal(0, 0.3, (12, 1)).round(3).tolist()],
        "inputs": rng.random(50).round(2).tolist(), "targets": [1],
    }
    (tmp_path / "wide.yaml").write_text(yaml.safe_dump(scenario, default_flow_style=None))
    out = bpstep("run", str(tmp_path / "wide.yaml"), "--diagram").stdout
    assert "… 590 more rows" in out and "min of 600" in out
    assert len(out.splitlines()) < 150
    assert "50-12-1 network is too large for a text diagram" in out
