"""`bpstep run --step` through a real pseudo-terminal: keys, jumps, auto-play, quit, EOF, Ctrl-C.

Each test spawns ``python -m bpstep run ... --step`` on a 40×120 pty and waits for the key help
line that ends every screen, so keys are only sent once the terminal is in cbreak mode.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

ROOT = Path(__file__).resolve().parent.parent
GFG = "scenarios/gfg_sigmoid.yaml"
HELP = "q quit"
RIGHT, LEFT = "\x1b[C", "\x1b[D"


def spawn(*args: str, scenario: str = GFG, env: dict[str, str] | None = None,
          timeout: float = 5) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, ["-m", "bpstep", "run", scenario, "--step", *args], cwd=str(ROOT),
                          dimensions=(40, 120), encoding="utf-8", timeout=timeout,
                          env={**os.environ, "TERM": "xterm-256color", "PYTHONIOENCODING": "utf-8",
                               **(env or {})})
    child.expect(HELP)
    return child


def press(child: pexpect.spawn, key: str) -> str:
    """Send a key and return the screen drawn in answer (up to the key help line)."""
    child.send(key)
    child.expect(HELP)
    return child.before


def progress(screen: str) -> str:
    """The last 'stage K of N · ...' line on a screen, without colour codes."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
    return re.findall(r"stage \d+ of \d+ · [^\r\n]*", plain)[-1].rstrip()


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_next_and_back_keys_move_through_the_stages() -> None:
    child = spawn()
    assert progress(press(child, "\r")).startswith("stage 2 of 8 · forward · output layer (o)")
    assert progress(press(child, " ")) == "stage 3 of 8 · loss"
    assert progress(press(child, RIGHT)) == "stage 4 of 8 · backward · output deltas (o)"
    assert progress(press(child, "n")).startswith("stage 5 of 8 · backward · hidden deltas")
    assert progress(press(child, LEFT)) == "stage 4 of 8 · backward · output deltas (o)"
    assert progress(press(child, "b")) == "stage 3 of 8 · loss"
    child.send("q")
    assert finish(child) == 0


def test_past_the_last_stage_it_stays_and_says_so() -> None:
    child = spawn()
    press(child, "8")
    screen = press(child, RIGHT)
    assert progress(screen) == "stage 8 of 8 · after the update · forward pass"
    assert "this is the last stage" in screen
    child.send("q")
    assert finish(child) == 0


def test_number_keys_jump_and_multi_digit_numbers_wait_for_more() -> None:
    child = spawn()
    assert progress(press(child, "7")).startswith("stage 7 of 8 · update")
    child.send("q")
    finish(child)
    child = spawn(scenario="scenarios/xor_batch.yaml")
    press(child, "1")
    assert progress(press(child, "2")).startswith("stage 12 of 28")
    press(child, "2")
    assert progress(press(child, "\r")).startswith("stage 2 of 28")
    child.send("q")
    assert finish(child) == 0


def test_end_of_input_exits_0() -> None:
    child = spawn()
    child.sendeof()
    assert finish(child) == 0


def test_ctrl_c_exits_130_without_a_traceback_and_restores_the_terminal() -> None:
    command = f"{sys.executable} -m bpstep run {GFG} --step; echo exit=$?; stty -a"
    child = pexpect.spawn("bash", ["-c", command], cwd=str(ROOT), dimensions=(40, 120),
                          encoding="utf-8", timeout=5, env={**os.environ, "TERM": "xterm"})
    child.expect(HELP)
    child.sendintr()
    child.expect(pexpect.EOF)
    assert "exit=130" in child.before
    assert "bpstep: interrupted" in child.before
    assert "Traceback" not in child.before
    settings = child.before.split("exit=130", 1)[1].split()
    assert "icanon" in settings and "echo" in settings  # not -icanon / -echo: cbreak undone


def test_changed_values_are_highlighted_and_explain_shows_formulas() -> None:
    child = spawn("--explain")
    screen = press(child, "1")
    assert "0.2×0.35 + 0.2×0.7 = 0.21" in screen
    screen = press(child, "6")
    # w[h1->o] = 0.3 − 0.0367703×0.552308 = 0.279691 is new, so highlighted; Δw is shown plainly
    assert re.search(r"\x1b\[1;33m\s*0\.279691", screen)
    assert "-0.0203085" in screen and not re.search(r"\x1b\[1;33m\s*-0\.0203085", screen)
    child.send("q")
    assert finish(child) == 0


def test_auto_advances_by_itself_and_any_key_pauses() -> None:
    child = spawn("--auto", "0.2")
    child.expect("stage 3 of 8")
    child.send("x")
    child.expect("paused")
    stopped = progress(child.before)
    child.expect(HELP)
    assert child.expect([HELP, pexpect.TIMEOUT], timeout=0.8) == 1  # nothing redrawn while paused
    assert progress(press(child, RIGHT)) != stopped  # arrows still move while paused
    child.send(" ")  # resume
    child.expect("stage 8 of 8")
    child.expect("end of the step")
    child.send("q")
    assert finish(child) == 0


def test_focus_follows_one_unit() -> None:
    child = spawn("--focus", "h2")
    assert "following h2" in child.before
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before)
    assert re.search(r"^h2\s+0\.315\s+0\.578105", plain, re.M)  # y[h2] = 1/(1+e^−0.315)
    assert not re.search(r"^h1\s", plain, re.M)
    assert "nothing in this stage involves h2" in press(child, "3")
    child.send("q")
    assert finish(child) == 0


def test_diagram_is_drawn_under_each_stage() -> None:
    child = spawn("--diagram", env={"NO_COLOR": "1"})
    screen = press(child, "7")
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
    assert re.search(r"← x1\s+0\.199\b", plain)  # w[x1->h1] = 0.199045 after its update
    assert "──▶" in plain
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", screen)  # NO_COLOR: no colour codes
    child.send("q")
    assert finish(child) == 0


def test_a_terminal_gets_colour() -> None:
    child = spawn()
    assert re.search(r"\x1b\[[0-9;]*3[0-7]m", child.before)
    child.send("q")
    assert finish(child) == 0


def test_suspend_and_resume_keeps_single_keys_working() -> None:
    """Ctrl-Z, then fg: the shell restores line mode, and keys must still act without Enter."""
    shell = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], cwd=str(ROOT),
                          dimensions=(40, 120), encoding="utf-8", timeout=5,
                          env={**os.environ, "TERM": "xterm", "PS1": "$ "})
    shell.sendline(f"{sys.executable} -m bpstep run {GFG} --step")
    shell.expect(HELP)
    shell.sendcontrol("z")
    shell.expect("Stopped")
    shell.sendline("fg")
    shell.expect(HELP)  # redrawn on resume
    shell.send("7")
    shell.expect("stage 7 of 8")
    shell.expect(HELP)
    shell.send("q")
    shell.sendline("echo status=$?")
    shell.expect("status=0")
    shell.sendline("exit")
    shell.expect(pexpect.EOF)
