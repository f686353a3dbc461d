"""`bpstep practice` through a real pseudo-terminal (keys, Ctrl-D, Ctrl-C, end of the walk) and
replayed from piped stdin, as a script or a test would run it.

Each test waits for the prompt ``NAME = ? `` before typing, so keys are only sent once bpstep
reads. The expected numbers are the GeeksforGeeks network's, worked out by hand in the test.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

from pty_support import WAIT, like_a_shell  # noqa: E402

pytestmark = pytest.mark.pty

ROOT = Path(__file__).resolve().parent.parent
GFG = "scenarios/gfg_sigmoid.yaml"
LEFT, UP = "\x1b[D", "\x1b[A"
ENV = {**os.environ, "TERM": "xterm-256color", "PYTHONIOENCODING": "utf-8"}


def sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


Y_H2 = sigmoid(0.3 * 0.35 + 0.3 * 0.7)
Y_O = sigmoid(0.3 * sigmoid(0.21) + 0.9 * Y_H2)
DELTA_O = (0.5 - Y_O) * Y_O * (1 - Y_O)


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r\n", "\n")


def spawn(*args: str) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ["-m", "bpstep", "practice", *args], cwd=str(ROOT),
                         dimensions=(40, 120), encoding="utf-8", timeout=WAIT, env=ENV,
                         preexec_fn=like_a_shell)


FEEDBACK = r"  (✓|✗|hint \d|revealed|skipped|type a)[^\r\n]*\r\n"
"""The line bpstep prints in answer to each line typed."""


def answer(child: pexpect.spawn, name: str, *keys: str) -> str:
    """At each prompt of ``name``, type a key (a line, or Ctrl-D as is); return what bpstep
    said to each, one line per key."""
    said = []
    for key in keys:
        child.expect_exact(f"{name} = ? ")
        if key == "\x04":
            child.send(key)
        else:
            child.sendline(key)
        child.expect(FEEDBACK)
        said.append(plain(child.after).strip())
    return "\n".join(said)


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, plain(child.before)


def beside(tmp_path: Path) -> str:
    """The scenario copied into the folder the answers are saved in (verify reads a
    ``scenario:`` only from the answers file's own folder)."""
    copy = tmp_path / "gfg_sigmoid.yaml"
    copy.write_text((ROOT / GFG).read_text(encoding="utf-8"), encoding="utf-8")
    return str(copy)


def verify_json(path: Path) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "bpstep", "verify", str(path), "--json"],
                         capture_output=True, text=True, cwd=ROOT, env=ENV)
    assert out.returncode in (0, 1), out.stderr
    return {v["name"]: v["verdict"] for v in json.loads(out.stdout)["answers"]
            if v["verdict"] != "not attempted"}


def test_a_whole_session_right_hints_wrong_carried_skipped_revealed(tmp_path: Path) -> None:
    saved = tmp_path / "mine.yaml"
    child = spawn(beside(tmp_path), "--ask", "a[h1],a[h2],y[h1],y[h2],a[o],y[o],delta[o]", "--save",
                  str(saved))
    assert "✓ correct" in answer(child, "a[h1]", "0.21")
    child.expect_exact("a[h2] = ? ")
    child.sendline("?")
    child.expect_exact("hint 1 of 3: a[h2] = w0[x1->h2]·y[x1] + w0[x2->h2]·y[x2]")
    child.sendline("?")
    child.expect_exact("hint 2 of 3: a[h2] = 0.3×0.35 + 0.3×0.7")
    child.sendline("0.315")
    child.expect_exact("✓ correct")
    assert "✓ correct" in answer(child, "y[h1]", "0.552")
    said = answer(child, "y[h2]", "0.612", "0.612")
    assert "✗ wrong · try again (1 try left; ? for a hint)" in said
    assert f"it is y[h2] = {Y_H2:.6g}; going on with that" in said
    said = answer(child, "a[o]", f"{0.3 * 0.552 + 0.9 * 0.612:.4f}")  # from the student's own numbers
    assert "✓ carried forward: consistent with your y[h2] = 0.612" in said
    assert f"skipped: y[o] = {Y_O:.6g}" in answer(child, "y[o]", "\x04")
    said = answer(child, "delta[o]", "?", "?", "?")
    assert f"revealed: delta[o] = {DELTA_O:.6g} (not counted as right)" in said
    status, rest = finish(child)
    assert status == 1  # y[h2] stayed wrong, as `bpstep verify` of the saved file says
    table = rest.split("mistakes")[0]
    assert re.search(r"all\s+7\s+3\s+1\s+1\s+1\s+1", table), table  # first, hints, revealed, wrong, skipped
    assert "y[h2] = 0.612: " in rest
    assert verify_json(saved) == {"a[h1]": "correct", "a[h2]": "correct", "y[h1]": "correct",
                                  "y[h2]": "wrong", "a[o]": "carried"}


def test_rounded_then_wrong_then_right_with_line_editing() -> None:
    child = spawn(GFG, "--ask", "y[h1],a[o],delta[o]")
    # Line editing: "0.52" then ← and "5" gives 0.552; ↑ recalls it at the next prompt.
    assert "✓ correct" in answer(child, "y[h1]", "0.52" + LEFT + "5")
    child.expect_exact("a[o] = ? ")
    child.send(UP)
    child.expect_exact("0.552")
    child.sendline("\x15" + f"{0.3 * 0.552 + 0.9 * Y_H2:.5f}")  # Ctrl-U clears the recalled line
    child.expect_exact("✓ within rounding: from your rounded y[h1] = 0.552")
    said = answer(child, "delta[o]", f"{0.5 - Y_O:.4f}", f"{DELTA_O:.4f}")
    assert "✗ wrong: activation derivative f′(a) = y · (1 − y) of sigmoid left out" in said
    status, rest = finish(child)
    assert status == 0
    assert "right after a retry" in rest
    assert re.search(r"all\s+3\s+2\s+1\s+0\s+0", rest), rest  # first time, after a retry, hints, revealed


def test_ctrl_c_stops_with_130_and_still_summarises_and_saves(tmp_path: Path) -> None:
    saved = tmp_path / "partial.yaml"
    child = spawn(beside(tmp_path), "--ask", "forward", "--save", str(saved))
    answer(child, "a[h1]", "0.21")
    child.expect_exact("a[h2] = ? ")
    child.sendintr()
    status, rest = finish(child)
    assert status == 130
    assert "stopped (Ctrl-C)" in rest and "summary" in rest and "not reached" in rest
    assert f"wrote {saved}" in rest
    assert verify_json(saved) == {"a[h1]": "correct"}


def test_ctrl_c_during_a_retry_counts_that_value_as_the_report_does(tmp_path: Path) -> None:
    saved = tmp_path / "stopped.yaml"
    child = spawn(beside(tmp_path), "--ask", "a[h1],a[h2]", "--save", str(saved))
    assert "✗ wrong · try again" in answer(child, "a[h1]", "0.25")  # 0.2·0.35 + 0.2·0.7 = 0.21
    child.expect_exact("a[h1] = ? ")
    child.sendintr()
    status, rest = finish(child)
    assert status == 130
    # The table's counts and verify's agree: a[h1] wrong (its last try), a[h2] not reached.
    assert re.search(r"all\s+2\s+0\s+0\s+0\s+1\s+1", rest), rest  # first, hints, revealed, wrong, not reached
    assert "marked as bpstep verify marks it: 0 correct, 0 within rounding, 1 wrong, 28 not attempted" in rest
    assert verify_json(saved) == {"a[h1]": "wrong"}


def test_the_problem_comes_first_and_each_prompt_names_the_activation() -> None:
    child = spawn(GFG, "--ask", "y[h2],a[o],y[o]", "--tries", "1")
    child.expect_exact("network: x1, x2 → h1, h2 (sigmoid) → o (sigmoid)")
    child.expect_exact("inputs x1 = 0.35, x2 = 0.7  ·  targets o = 0.5")
    child.expect_exact("y[h2]: output of h2 · sigmoid")
    assert "✗ wrong" in answer(child, "y[h2]", "0.612")
    mine = 0.3 * sigmoid(0.21) + 0.9 * 0.612  # the student's a[o], from their own y[h2]
    assert "✓ carried forward" in answer(child, "a[o]", f"{mine:.5f}")
    said = answer(child, "y[o]", "?", "?", "?")
    assert f"hint 2 of 3: y[o] = 1 / (1 + e^(−{mine:.5f}))" in said
    status, rest = finish(child)
    assert status == 1
    revealed = " ".join((said + rest).split())  # the line wraps at 120 columns
    assert (f"revealed: y[o] = {Y_O:.6g} (not counted as right); the numbers of hint 2 give "
            f"{sigmoid(float(f'{mine:.5f}')):.6g}, from your a[o] = {mine:.5f} (an earlier value of "
            "yours that was off, carried)") in revealed


def test_ctrl_d_skips_every_value_to_the_end_of_the_walk() -> None:
    child = spawn(GFG, "--ask", "loss,delta[o]")
    assert "skipped: loss" in answer(child, "loss", "\x04")
    assert "skipped: delta[o]" in answer(child, "delta[o]", "\x04")
    status, rest = finish(child)
    assert status == 1  # nothing attempted, as bpstep verify says of a blank worksheet
    assert "marked as bpstep verify marks it: nothing attempted: all 29 values are blank" in rest
    assert re.search(r"all\s+2\s+0\s+0\s+0\s+2", rest), rest


def run(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bpstep", *args], input=stdin, text=True,
                          capture_output=True, cwd=cwd, env={**ENV, "COLUMNS": "100"})


def test_piped_stdin_replays_a_session_and_saves_what_verify_marks_the_same(tmp_path: Path) -> None:
    saved = tmp_path / "replay.yaml"
    out = run("practice", beside(tmp_path), "--ask", "forward", "--save", str(saved),
              stdin="0.21\n0.315\n0.5523\n?\n?\n?\n0.75\n0.67\n")
    assert out.returncode == 1, out.stderr  # a[o] = 0.67 stayed wrong after 2 tries
    assert "\x1b" not in out.stdout
    assert "a[h1] = ? 0.21\n  ✓ correct" in out.stdout
    assert "y[h2] = ? ?\n  hint 1 of 3: y[h2] = 1 / (1 + e^(−a[h2]))" in out.stdout
    assert "a[o] = ? 0.75\n  ✗ wrong" in out.stdout
    assert "y[o] = ? (end of input)" in out.stdout
    assert verify_json(saved) == {"a[h1]": "correct", "a[h2]": "correct", "y[h1]": "correct",
                                  "a[o]": "wrong"}
    elsewhere = run("practice", GFG, "--ask", "a[h1]", "--save", str(tmp_path / "b.yaml"),
                    stdin="0.21\n")
    assert f"mark it again with: bpstep verify {GFG} {tmp_path / 'b.yaml'}" in elsewhere.stderr
    again = run("practice", beside(tmp_path), "--save", str(saved), stdin="0.21\n")
    assert again.returncode == 2 and "already exists; use --force" in again.stderr
    assert again.stdout == ""  # refused before asking anything


def test_practice_on_a_fresh_exercise_saves_it_beside_the_answers(tmp_path: Path) -> None:
    saved = tmp_path / "tonight.yaml"
    out = run("practice", "--new", "--seed", "12", "--ask", "a[h1]", "--save", str(saved),
              stdin="0.1\n")
    assert out.returncode in (0, 1), out.stderr
    assert "Exercise 2-2-1 sigmoid · seed 12" in out.stdout
    exercise = tmp_path / "tonight.exercise.yaml"
    assert exercise.exists() and "scenario: \"tonight.exercise.yaml\"" in saved.read_text()
    printed = run("new", "--seed", "12", "--print")
    assert printed.stdout.split("\n", 1)[1] == exercise.read_text().split("\n", 1)[1]
    assert len(verify_json(saved)) == 1


def test_practice_needs_a_file_or_new() -> None:
    out = run("practice")
    assert out.returncode == 2 and "or --new" in out.stderr


def test_from_stage_and_tries_choose_what_is_asked_and_how_often() -> None:
    out = run("practice", GFG, "--from-stage", "4", "--ask", "deltas", "--tries", "1",
              stdin=f"{-DELTA_O:.4f}\n\n\n")
    assert out.stdout.count(" = ? ") == 3  # delta[o], delta[h1], delta[h2]; nothing before stage 4
    assert "stage 4 of 8" in out.stdout and "stage 1 of 8" not in out.stdout
    assert "✗ wrong: y − t (output − target) used where t − y belongs" in out.stdout
    assert "going on with that" in out.stdout  # one try: shown at once
    bad = run("practice", GFG, "--from-stage", "9", stdin="")
    assert bad.returncode == 2 and "--from-stage 9 is out of range" in bad.stderr
