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

from pty_support import WAIT, like_a_shell  # noqa: E402

pytestmark = pytest.mark.pty

ROOT = Path(__file__).resolve().parent.parent
GFG = "scenarios/gfg_sigmoid.yaml"
HELP = "q quit"
RIGHT, LEFT = "\x1b[C", "\x1b[D"


def spawn(*args: str, scenario: str = GFG, env: dict[str, str] | None = None,
          timeout: float = WAIT) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, ["-m", "bpstep", "run", scenario, "--step", *args], cwd=str(ROOT),
                          dimensions=(40, 120), encoding="utf-8", preexec_fn=like_a_shell, timeout=timeout,
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
                          encoding="utf-8", preexec_fn=like_a_shell, timeout=WAIT,
                          env={**os.environ, "TERM": "xterm"})
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
    assert re.search(r"\x1b\[(1;7|7;1)m\s*0\.279691", screen)
    assert "-0.0203085" in screen and not re.search(r"\x1b\[(1;7|7;1)m\s*-0\.0203085", screen)
    child.send("q")
    assert finish(child) == 0


def test_auto_advances_by_itself_and_any_key_pauses() -> None:
    child = spawn("--auto", "0.2")
    child.expect("stage 3 of 8")
    child.send("x")
    child.expect("paused")
    stopped = progress(child.before)
    child.expect(HELP)
    moved = progress(press(child, RIGHT))  # arrows still move while paused, by exactly one stage
    assert int(moved.split()[1]) == int(stopped.split()[1]) + 1
    assert "paused" in press(child, RIGHT)  # and it stays paused
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
                          dimensions=(40, 120), encoding="utf-8", preexec_fn=like_a_shell, timeout=WAIT,
                          env={**os.environ, "TERM": "xterm", "PS1": "$ "})
    shell.sendline(f"{sys.executable} -m bpstep run {GFG} --step")
    shell.expect(HELP)
    shell.sendcontrol("z")
    shell.expect_exact("$ ")  # the shell's prompt: the stepper is suspended
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


def plain(screen: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)


def test_new_values_stand_out_without_colour_too() -> None:
    child = spawn(env={"NO_COLOR": "1"})
    screen = press(child, "6")
    # w[h1->o] = 0.279691 is new: bold and reverse video, and no colour code anywhere
    assert re.search(r"\x1b\[(1;7|7;1)m\s*0\.279691", screen)
    assert not re.search(r"\x1b\[[0-9;]*(3[0-7]|9[0-7])m", screen)
    child.send("q")
    assert finish(child) == 0


def test_the_stages_live_on_the_alternate_screen_which_is_left_on_quit() -> None:
    child = spawn()
    assert "\x1b[?1049h" in child.before
    child.send("q")
    child.expect(pexpect.EOF)
    assert "\x1b[?1049l" in child.before
    child.close()
    assert child.exitstatus == 0


def test_a_resized_window_is_redrawn_at_its_new_width() -> None:
    child = spawn(scenario="scenarios/two_hidden_layers.yaml")
    press(child, "1")
    child.setwinsize(30, 60)
    child.expect(HELP)
    lines = plain(child.before).splitlines()
    assert any(line.startswith("stage 1 of") for line in lines)
    assert max(len(line) for line in lines) <= 60
    child.send("q")
    assert finish(child) == 0


def test_a_stage_taller_than_the_terminal_is_paged_by_page_down() -> None:
    command = ["-m", "bpstep", "run", "scenarios/two_hidden_layers.yaml", "--step"]
    child = pexpect.spawn(sys.executable, command, cwd=str(ROOT), dimensions=(9, 100), encoding="utf-8",
                          preexec_fn=like_a_shell,
                          timeout=WAIT, env={**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1"})
    child.expect(HELP)
    press(child, "1")
    # stage 10, the update of the first hidden layer: 6 weights and 3 biases, and a blank line;
    # the title, the heading, the column heads and their rule stay, 3 of its lines fit below
    screen = plain(press(child, "0"))
    assert "lines 1–3 of 10 · PgDn/PgUp page" in screen
    assert "x1 → h1" in screen
    screen = plain(press(child, "\x1b[6~"))  # PageDown scrolls within the stage
    assert "lines 4–6 of 10" in screen and "x1 → h1" not in screen
    assert "stage 10 of 11" in screen and re.search(r"weight\s+old w\s+Δw\s+new w", screen)
    screen = plain(press(child, "\x1b[5~"))  # PageUp scrolls back
    assert "lines 1–3" in screen
    press(child, "\x1b[6~")
    while "lines" in (screen := plain(press(child, "\x1b[6~"))) and "stage 11 of" not in screen:
        pass
    assert "stage 11 of" in screen  # at the end of a stage, PageDown goes on to the next
    child.send("q")
    assert finish(child) == 0


def test_m_shows_a_long_stage_row_by_row(tmp_path: Path) -> None:
    hidden = [f"h{i}" for i in range(1, 26)]
    scenario = tmp_path / "wide.yaml"
    scenario.write_text(
        "learning_rate: 0.5\nlayers:\n  - units: [x1, x2]\n"
        f"  - units: [{', '.join(hidden)}]\n    activation: sigmoid\n"
        "  - units: [o]\n    activation: sigmoid\n"
        f"weights:\n  - [{[0.1] * 25}, {[0.2] * 25}]\n  - {[[0.3]] * 25}\n"
        "inputs: [0.5, 0.25]\ntargets: [1]\n")
    child = pexpect.spawn(sys.executable, ["-m", "bpstep", "run", str(scenario), "--step"], cwd=str(ROOT),
                          dimensions=(40, 100), encoding="utf-8", preexec_fn=like_a_shell, timeout=WAIT,
                          env={**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1"})
    child.expect(HELP)
    screen = plain(press(child, "7"))  # the 50 weights x → h: summarised
    assert "… 40 more rows" in screen and "x2 → h25" not in screen
    screen = plain(press(child, "m"))
    assert "more rows" not in screen and re.search(r"lines 1–35 of \d+", screen)  # heads kept
    for _ in range(3):
        screen = plain(press(child, "\x1b[6~"))
        if "x2 → h25" in screen:
            break
    assert "x2 → h25" in screen
    child.send("q")
    assert finish(child) == 0


def test_at_the_end_of_auto_the_key_line_no_longer_says_any_key_pauses() -> None:
    child = spawn("--auto", "0.1")
    child.expect("end of the step")
    child.expect(HELP)
    assert "any key pauses" not in child.before
    child.send("q")
    assert finish(child) == 0


def test_each_frame_is_one_write_that_starts_by_clearing() -> None:
    import io

    from rich.console import Console

    from bpstep.engine import step
    from bpstep.render.screen import View
    from bpstep.render.stepper import Presenter, _draw
    from bpstep.scenario import load

    class Recorder(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.writes: list[str] = []

        def write(self, text: str) -> int:
            self.writes.append(text)
            return super().write(text)

    recorder = Recorder()
    console = Console(file=recorder, width=100, height=40, force_terminal=True)
    trace = step(load(ROOT / GFG))
    presenter = Presenter(len(trace.stages))
    for index in (0, 6):
        presenter.index = index
        recorder.writes.clear()
        _draw(console, trace, View(), presenter)
        frames = [text for text in recorder.writes if text]
        assert len(frames) == 1
        assert frames[0].startswith("\x1b[H\x1b[2J") and "stage" in frames[0]


class Terminal:
    """What the terminal shows: the child's output fed to a terminal emulator as it is read."""

    def __init__(self, child: pexpect.spawn, rows: int, columns: int) -> None:
        pyte = pytest.importorskip("pyte")
        self.child = child
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.Stream(self.screen)
        child.logfile_read = self

    def write(self, data: str) -> None:
        self.stream.feed(data)

    def flush(self) -> None:
        pass

    def resize(self, rows: int, columns: int) -> None:
        self.screen.resize(rows, columns)
        self.child.setwinsize(rows, columns)

    @property
    def rows(self) -> list[str]:
        """The screen's rows down to the last one written."""
        rows = [row.rstrip() for row in self.screen.display]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def press(self, key: str) -> list[str]:
        self.child.send(key)
        self.child.expect(HELP)
        return self.rows



def on_a_terminal(rows: int, columns: int, *args: str, scenario: str = GFG) -> Terminal:
    child = pexpect.spawn(sys.executable, ["-m", "bpstep", "run", scenario, "--step", *args],
                          cwd=str(ROOT), dimensions=(rows, columns), encoding="utf-8",
                          preexec_fn=like_a_shell, timeout=WAIT,
                          env={**os.environ, "TERM": "xterm-256color", "PYTHONIOENCODING": "utf-8"})
    terminal = Terminal(child, rows, columns)
    child.expect(HELP)
    return terminal


def footers(rows: list[str]) -> list[str]:
    return [row for row in rows if "q quit" in row or "last stage" in row]


def test_the_last_stage_has_one_footer_that_offers_no_next() -> None:
    terminal = on_a_terminal(40, 120)
    rows = terminal.press("8")
    assert footers(rows) == [rows[-1]] and "next" not in rows[-1]
    assert rows[-1].startswith("← b back")
    rows = terminal.press(RIGHT)  # past the end: said on the one key line
    assert footers(rows) == [rows[-1]]
    assert rows[-1].startswith("this is the last stage: the step is done · ← b back")
    terminal.child.send("q")
    assert finish(terminal.child) == 0


@pytest.mark.parametrize("args", [(), ("--explain",), ("--view", "both")])
def test_at_50_columns_the_footer_fits_and_the_stage_heading_stays_on_screen(
        args: tuple[str, ...]) -> None:
    terminal = on_a_terminal(16, 50, *args, scenario="scenarios/two_hidden_layers.yaml")
    for key in ("1", "0", "\x1b[6~", "\x1b[6~", "\x1b[6~", LEFT, "m", "G", RIGHT):
        rows = terminal.press(key)
        assert rows[0] == "Sigmoid 2-3-2-1 with two hidden layers", rows
        assert re.match(r"stage \d+ of 11 ·", rows[1]), rows
        assert "q quit" in rows[-1], rows  # the key line is the last, whole
        assert not rows[-2].endswith(" ·"), rows  # and not the first half of a wrapped line
    terminal.resize(14, 60)
    terminal.child.expect(HELP)
    rows = terminal.rows
    assert rows[1].startswith("stage 11 of 11 ·") and "q quit" in rows[-1], rows
    terminal.child.sendeof()
    assert finish(terminal.child) == 0


def test_page_down_keeps_the_heading_and_the_column_heads() -> None:
    terminal = on_a_terminal(12, 80, "--explain", scenario="scenarios/two_hidden_layers.yaml")
    terminal.press("1")
    first = terminal.press("0")
    assert "x1 → h1" in "\n".join(first) or "w[x1->h1]" in "\n".join(first)
    rows = terminal.press("\x1b[6~")
    assert rows[1].startswith("stage 10 of 11 ·")
    heads = next(i for i, row in enumerate(rows) if row.startswith("quantity"))
    assert re.fullmatch(r"quantity\s+value\s+how it is computed", rows[heads])
    assert set(rows[heads + 1]) == {"━"}
    assert rows[heads + 2:] != first[heads + 2:]  # the rows under the heads moved on
    assert re.search(r"lines \d+–\d+ of \d+", "\n".join(rows))
    terminal.child.sendintr()
    terminal.child.expect(pexpect.EOF)
    terminal.child.close()
    assert terminal.child.exitstatus == 130


def test_m_on_a_stage_that_shows_every_row_says_why_it_does_nothing() -> None:
    terminal = on_a_terminal(40, 120)
    rows = terminal.press("m")
    assert rows[-1].startswith("m: this stage already shows every row · ")
    terminal.child.send("q")
    assert finish(terminal.child) == 0


def test_the_key_help_fits_every_width_and_ends_in_q_quit() -> None:
    from bpstep.render.stepper import Presenter

    for width in range(10, 201):
        for presenter in (Presenter(8), Presenter(28, index=27), Presenter(8, auto=1.0),
                          Presenter(12, auto=1.0, running=False, index=3)):
            presenter.note = "this is the last stage: the step is done"
            assert presenter.help(width).endswith("q quit")
            assert all(len(line) <= width for line in presenter.footer(width)), (width, presenter)
