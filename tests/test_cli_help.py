"""Help and start-up as a new user meets them: -h/-V, no arguments, examples that work as shown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bpstep.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "100"})


def test_no_arguments_prints_the_help_and_exits_0() -> None:
    result = invoke()
    assert result.exit_code == 0
    assert "Usage: bpstep" in result.stdout and "verify" in result.stdout


def test_short_help_and_version_flags() -> None:
    assert invoke("-h").stdout == invoke("--help").stdout
    assert "Usage: bpstep run" in invoke("run", "-h").stdout
    version = invoke("-V")
    assert version.exit_code == 0 and version.stdout.startswith("bpstep ")
    assert "--install-completion" in invoke("--help").stdout


def test_explain_help_shows_names_with_their_brackets() -> None:
    text = invoke("explain", "--help").stdout
    assert "'delta[h1]'" in text and "'w[x1->h1]'" in text


def test_the_explain_example_works_as_shown() -> None:
    result = invoke("explain", str(ROOT / "scenarios" / "gfg_sigmoid.yaml"), "w[x1->h1]")
    assert result.exit_code == 0 and "w0[x1->h1] + dw[x1->h1]" in result.stdout


def test_verify_help_has_one_readable_usage_line_and_no_stray_argument() -> None:
    text = invoke("verify", "--help").stdout
    assert "Usage: bpstep verify [OPTIONS] [SCENARIO] ANSWERS" in text
    assert "second" not in text


def test_run_on_an_answers_file_points_to_verify() -> None:
    path = ROOT / "scenarios" / "gfg_sigmoid.article-answers.yaml"
    result = invoke("run", str(path))
    assert result.exit_code == 2
    assert "looks like an answers file" in result.stderr and f"bpstep verify {path}" in result.stderr


def test_ctrl_c_while_the_command_line_loads_exits_130_without_a_traceback() -> None:
    # Make the import of the command line itself be interrupted, as Ctrl-C during start-up is.
    probe = ("import builtins\n"
             "real = builtins.__import__\n"
             "def interrupted(name, *args, **kwargs):\n"
             "    if name == 'bpstep.cli':\n"
             "        raise KeyboardInterrupt\n"
             "    return real(name, *args, **kwargs)\n"
             "builtins.__import__ = interrupted\n"
             "from bpstep.launch import main\n"
             "main()\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 130
    assert done.stderr.strip() == "bpstep: interrupted"
