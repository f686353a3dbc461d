"""bpstep.practice: the session state machine, marking each answer as `bpstep verify` would.

The values are worked out here by hand from the GeeksforGeeks network (inputs 0.35 and 0.7,
weights 0.2/0.3 and 0.3/0.9, target 0.5), not read from bpstep.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pytest
from rich.console import Console

from bpstep.answers import parse
from bpstep.engine import step
from bpstep.errors import UserError
from bpstep.practice import Event, Outcome, Session, answers_yaml, practised
from bpstep.render.practice import Ending, feedback, piped_reader, practise, render_summary
from bpstep.scenario import load
from bpstep.verify import verify

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"


def sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


Y_H1, Y_H2 = sigmoid(0.21), sigmoid(0.315)
A_O = 0.3 * Y_H1 + 0.9 * Y_H2
Y_O = sigmoid(A_O)
DELTA_O = (0.5 - Y_O) * Y_O * (1 - Y_O)


def session(*names: str, tries: int = 3) -> Session:
    scenario = load(GFG)
    trace = step(scenario)
    return Session(trace, list(names) or [q.name for q in trace], tries=tries)


def test_right_first_time() -> None:
    s = session("a[h1]", "a[h2]")
    fb = s.submit("0.21")
    assert fb.event == Event.ACCEPTED and fb.verdict is not None and fb.verdict.verdict == "correct"
    assert s.records["a[h1]"].outcome == Outcome.FIRST_TIME
    assert s.current.name == "a[h2]"


def test_rounded_from_the_students_own_rounded_number() -> None:
    s = session("y[h1]", "a[o]")
    assert s.submit("0.552").verdict.verdict == "correct"  # 0.552308 to ±0.0005
    own = 0.3 * 0.552 + 0.9 * Y_H2  # 0.685895, the true a[o] is 0.685987
    fb = s.submit(f"{own:.5f}")
    assert fb.event == Event.ACCEPTED
    assert fb.verdict.verdict == "rounding" and fb.verdict.hint == "from your rounded y[h1] = 0.552"


def test_a_right_number_with_too_few_figures_is_asked_again() -> None:
    s = session("y[h1]", "a[o]")
    fb = s.submit("0.55")  # 0.552308 to two figures: right, but three are asked
    assert fb.event == Event.TRY_AGAIN and fb.verdict.verdict == "too coarse"
    assert fb.verdict.hint == "0.55 has 2 significant figures; write at least 3"
    assert s.submit("0.5523").event == Event.ACCEPTED


def test_carried_forward_from_a_wrong_number_that_was_then_shown() -> None:
    s = session("y[h2]", "a[o]")
    assert s.submit("0.59").event == Event.TRY_AGAIN
    assert s.submit("0.59").event == Event.TRY_AGAIN
    fb = s.submit("0.59")
    assert fb.event == Event.SHOWN and s.records["y[h2]"].outcome == Outcome.WRONG
    # The walk goes on with the true y[h2]; a student who keeps their own 0.59 is carried.
    assert dict(s.known(s.current))["y[h2]"] == f"{Y_H2:.6g}"
    carried = 0.3 * Y_H1 + 0.9 * 0.59
    fb = s.submit(f"{carried:.5f}")
    assert fb.verdict.verdict == "carried" and "your y[h2] = 0.59" in (fb.verdict.hint or "")


def test_wrong_then_right_names_the_mistake_and_counts_the_retry() -> None:
    s = session("delta[o]")
    fb = s.submit(f"{0.5 - Y_O:.4f}")  # (t − y) without y·(1 − y)
    assert fb.event == Event.TRY_AGAIN and fb.tries_left == 2
    assert fb.verdict.hint == "activation derivative f′(a) = y · (1 − y) of sigmoid left out"
    fb = s.submit(f"{-DELTA_O:.4f}")
    assert fb.event == Event.TRY_AGAIN and fb.tries_left == 1
    assert fb.verdict.hint.startswith("y − t (output − target) used where t − y belongs")
    fb = s.submit(f"{DELTA_O:.4f}")
    assert fb.event == Event.ACCEPTED and s.records["delta[o]"].outcome == Outcome.RETRIED
    assert len(list(s.mistakes())) == 2


def test_hints_climb_from_the_rule_to_the_numbers_to_the_value() -> None:
    s = session("y[h1]", "a[o]")
    s.submit("0.552")
    first = s.hint()
    assert first.event == Event.HINT and first.hint == "a[o] = w0[h1->o]·y[h1] + w0[h2->o]·y[h2]"
    second = s.hint()
    assert second.hint == f"a[o] = 0.3×0.552 + 0.9×{Y_H2:.6g}"  # the student's own y[h1]
    third = s.hint()
    assert third.event == Event.REVEALED and s.done
    assert s.records["a[o]"].outcome == Outcome.REVEALED and "a[o]" not in s.answers


def test_the_same_wrong_number_typed_twice_is_one_mistake() -> None:
    s = session("a[h1]", tries=3)
    for typed in ("0.9", "0.9", "0.8"):  # 0.2·0.35 + 0.2·0.7 = 0.21
        s.submit(typed)
    assert [v.written for v in s.mistakes()] == ["0.9", "0.8"]


def test_right_after_hints_counts_as_hinted() -> None:
    s = session("a[h1]")
    s.hint()
    s.submit("0.21")
    assert s.records["a[h1]"].outcome == Outcome.HINTED


def test_not_a_number_costs_no_try_and_a_skip_saves_nothing() -> None:
    s = session("a[h1]", tries=1)
    assert s.submit("about 0.2").event == Event.NOT_A_NUMBER
    assert s.submit("0.25").event == Event.SHOWN  # one try: shown at once
    s = session("a[h1]")
    s.submit("0.25")
    assert s.skip().event == Event.SKIPPED and s.answers == {}


def test_a_decimal_comma_is_read_as_a_point_and_said() -> None:
    s = session("a[h1]")
    fb = s.submit("0,21")
    assert fb.event == Event.ACCEPTED and fb.comma == "0,21" and s.answers["a[h1]"].text == "0.21"
    assert feedback(fb).plain == "  ✓ correct · 0,21 read as 0.21 (a decimal comma)"


def test_a_typeset_minus_is_read_as_minus() -> None:
    s = session("delta[o]")
    assert s.submit(f"−{abs(DELTA_O):.4f}").event == Event.ACCEPTED


def test_the_saved_answers_are_marked_by_verify_as_the_session_marked_them(tmp_path: Path) -> None:
    s = session("a[h1]", "y[h1]", "y[h2]", "a[o]", "y[o]", "delta[o]")
    s.submit("0.21")
    s.submit("0.552")
    s.submit("0.59")
    s.submit("0.59")
    s.submit("0.59")
    s.submit(f"{0.3 * Y_H1 + 0.9 * 0.59:.5f}")
    s.skip()
    s.submit(f"{-DELTA_O:.4f}")
    s.submit(f"{DELTA_O:.4f}")
    text = answers_yaml(s, "gfg_sigmoid.yaml", "GfG")
    sheet = parse(text, "saved.yaml", GFG.parent)
    assert sheet.scenario == GFG.parent / "gfg_sigmoid.yaml"
    again = verify(s.trace, sheet.answers)
    assert {v.name: v.verdict for v in again if v.written} == {
        "a[h1]": "correct", "y[h1]": "correct", "y[h2]": "wrong", "a[o]": "carried",
        "delta[o]": "correct"}
    assert [v.verdict for v in again] == [v.verdict for v in s.report()]


def run_piped(lines: str, *names: str) -> tuple[Ending, str, Session]:
    s = session(*names)
    out = io.StringIO()
    console = Console(file=out, width=100, color_system=None)
    ending = practise(console, s, piped_reader(io.StringIO(lines), console), piped=True)
    console.print(render_summary(s, s.report()))
    return ending, out.getvalue(), s


def test_piped_lines_replay_a_session_and_the_summary_counts_each_way() -> None:
    ending, text, _ = run_piped("0.21\n?\n0.315\n\n?\n?\n?\n", "a[h1]", "a[h2]", "y[h1]", "y[h2]")
    assert ending == Ending.DONE
    assert "a[h1] = ? 0.21\n  ✓ correct" in text
    assert "skipped: y[h1] = 0.552308" in text
    assert f"revealed: y[h2] = {Y_H2:.6g}" in text
    summary = text.split("summary")[1]
    header, row = summary.strip().splitlines()[:2]
    assert header.split() == ["stage", "asked", "right", "first", "time", "right", "with", "hints",
                              "revealed", "skipped"]
    assert row.split() == ["1", "4", "1", "1", "1", "1"]


def test_end_of_piped_input_stops_the_walk_and_control_characters_are_not_echoed() -> None:
    ending, text, s = run_piped("\x1b[2J0.21\n0.21\n", "a[h1]", "a[h2]")
    assert ending == Ending.END_OF_INPUT
    assert "\x1b" not in text and "\\x1b[2J0.21" in text
    assert "a[h2] = ? (end of input)" in text
    assert s.records["a[h2]"].outcome == Outcome.NOT_REACHED


def test_an_overlong_piped_line_is_read_in_bounded_pieces() -> None:
    ending, text, s = run_piped("9" * 100_000 + "\n0.21\n", "a[h1]")
    assert ending == Ending.DONE and s.records["a[h1]"].outcome == Outcome.FIRST_TIME
    assert text.count("type a number") == 1  # the long line was one non-number, not 100


@pytest.mark.parametrize("event", [Event.HINT, Event.SKIPPED])
def test_feedback_lines_are_one_line(event: Event) -> None:
    s = session("a[h1]")
    fb = s.hint() if event == Event.HINT else s.skip()
    assert "\n" not in feedback(fb).plain


def test_the_values_a_question_needs_are_listed_with_commas_and_wrap_under_an_indent() -> None:
    import io

    from rich.console import Console

    from bpstep.engine import step
    from bpstep.practice import Session
    from bpstep.render.practice import question
    from bpstep.scenario import load

    scenario = load(Path(__file__).resolve().parent.parent / "scenarios" / "gfg_sigmoid.yaml")
    trace = step(scenario)
    session = Session(trace, [q.name for q in trace])
    console = Console(file=io.StringIO(), width=44, color_system=None)
    console.print(question(session, session.trace["a[h1]"]))
    lines = console.file.getvalue().splitlines()
    assert lines[0] == "a[h1]: net input of h1 · sigmoid"
    assert lines[1:] == ["  from w0[x1->h1] = 0.2, y[x1] = 0.35,", "  w0[x2->h1] = 0.2, y[x2] = 0.7"]


def test_the_problem_of_a_large_network_is_summed_up_not_printed_whole() -> None:
    import io

    from rich.console import Console

    from bpstep.render.practice import problem
    from bpstep.scenario import check

    units = [f"p{i}" for i in range(30)]
    scenario = check({"learning_rate": 0.5, "init": {"seed": 1},
                      "layers": [{"units": units}, {"units": [f"h{i}" for i in range(20)],
                                                    "activation": "sigmoid"},
                                 {"units": ["o"], "activation": "sigmoid"}],
                      "inputs": [0.5] * 30, "targets": [0.5]})
    s = Session(step(scenario), ["a[h1]"])
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(problem(s))
    lines = console.file.getvalue().splitlines()
    assert lines[1] == "  network: p0, p1 … p29 (30 units) → h0, h1 … h19 (20 units) (sigmoid) → o"
    assert "  starting weights into layer 1: 30 × 20 (bpstep run shows them)" in lines
    assert "  starting weights into layer 2: 20 × 1 (bpstep run shows them)" in lines
    assert len(lines) <= 12  # no table of 30 rows


def test_from_stage_k_asks_only_what_stage_k_and_later_compute() -> None:
    """The GeeksforGeeks step has 8 stages: forward (2), loss, deltas (2), updates (2), after;
    stage 5 is the hidden units' deltas."""
    trace = step(load(GFG))
    assert practised(trace, "deltas", 5) == ["delta[h1]", "delta[h2]"]
    assert practised(trace, "loss,deltas", None) == ["loss", "delta[o]", "delta[h1]", "delta[h2]"]
    assert practised(trace, None, 8)[-1] == "loss_after"
    assert len(practised(trace, None, 8)) == 7


@pytest.mark.parametrize(("ask", "from_stage", "message"), [
    (None, 9, "--from-stage 9 is out of range: the step has 8 stages"),
    ("forward", 3, "--ask chooses nothing from stage 3 on; ask more, or start earlier"),
])
def test_from_stage_that_leaves_nothing_to_ask_is_refused(ask: str | None, from_stage: int,
                                                           message: str) -> None:
    with pytest.raises(UserError, match=f"^{re.escape(message)}$"):
        practised(step(load(GFG)), ask, from_stage)


# --- what the hints and the reveal carry (mutants of practice.py that survived, issue 27) ---


def test_each_hint_says_its_rung_and_the_reveal_of_a_value_worked_exactly_adds_nothing() -> None:
    s = session("a[h1]")
    assert [s.hint().rung for _ in range(3)] == [1, 2, 3]
    assert s.done and s.records["a[h1]"].outcome == Outcome.REVEALED


def test_the_reveal_gives_what_the_students_own_rounded_numbers_make() -> None:
    s = session("y[h1]", "a[o]")
    s.submit("0.552")
    assert dict(s.known(s.current))["y[h1]"] == "0.552"  # the walk goes on with what was typed
    s.hint()
    s.hint()
    revealed = s.hint()
    # 0.3×0.552 + 0.9×y[h2] = 0.685895 where the value is 0.685987: not the same at 6 figures.
    assert revealed.event == Event.REVEALED and revealed.rung == 3
    assert revealed.own == pytest.approx(0.3 * 0.552 + 0.9 * Y_H2, rel=1e-12)
    assert revealed.because == (("y[h1]", "0.552"),) and revealed.carried is False


def test_the_reveal_says_when_the_students_numbers_carry_an_earlier_mistake() -> None:
    s = session("y[h2]", "a[o]", "y[o]")
    for _ in range(3):
        s.submit("0.59")  # shown after three tries; the student goes on with 0.59
    typed = f"{0.3 * Y_H1 + 0.9 * 0.59:.5f}"
    assert s.submit(typed).verdict.verdict == "carried"
    for _ in range(2):
        s.hint()
    revealed = s.hint()
    assert revealed.own == pytest.approx(sigmoid(float(typed)), rel=1e-12)
    assert revealed.because == (("a[o]", typed),) and revealed.carried is True


def test_the_summary_counts_every_quantity_of_a_stage() -> None:
    s = session("a[h1]", "a[h2]")
    s.submit("0.21")     # 0.2·0.35 + 0.2·0.7
    s.submit("0.315")    # 0.3·0.35 + 0.3·0.7
    [row] = s.stage_counts().values()
    assert row[Outcome.FIRST_TIME] == 2 and sum(row.values()) == 2


def test_the_report_marks_with_the_sessions_own_tolerance() -> None:
    scenario = load(GFG)
    loose = Session(step(scenario), ["a[h1]"], tol=0.01)
    assert loose.submit("0.218").event == Event.ACCEPTED  # 0.008 from 0.21, inside ±0.01
    assert loose.report()["a[h1]"].verdict == "correct"


def test_the_saved_answers_say_what_they_hold_in_a_comment() -> None:
    s = session("a[h1]")
    s.submit("0.21")
    assert answers_yaml(s, "gfg_sigmoid.yaml", "GfG").splitlines()[:2] == [
        "# bpstep practice · GfG",
        "# The numbers typed (the last try of each); revealed and skipped values are left out."]


def test_a_session_without_a_precision_floor_takes_a_one_figure_answer_and_reports_it_so() -> None:
    # 0.2 for 0.21 is right to its one figure (±0.05); the default floor asks for 3 figures.
    scenario = load(GFG)
    floorless = Session(step(scenario), ["a[h1]"], floor=None)
    assert floorless.submit("0.2").verdict.verdict == "correct"
    assert floorless.report()["a[h1]"].verdict == "correct"
    assert session("a[h1]").submit("0.2").event == Event.TRY_AGAIN


def test_a_decimal_comma_is_said_back_as_typed_whether_tried_again_or_shown() -> None:
    s = session("a[h1]", "a[h2]", tries=2)
    again = s.submit(" 0,9 ")
    assert again.event == Event.TRY_AGAIN and again.comma == "0,9" and again.quantity.name == "a[h1]"
    assert again.verdict.verdict == "wrong"
    shown = s.submit("0,8")
    assert shown.event == Event.SHOWN and shown.comma == "0,8" and shown.verdict.verdict == "wrong"
    assert s.submit("0.315").comma is None  # a point: nothing to say back


def test_a_session_of_nothing_is_refused_and_each_record_knows_its_name() -> None:
    scenario = load(GFG)
    with pytest.raises(ValueError, match=r"^a session needs at least one quantity to ask$"):
        Session(step(scenario), [])
    assert [r.name for r in session("a[h1]", "y[o]").records.values()] == ["a[h1]", "y[o]"]


def test_a_reveal_adds_nothing_when_the_students_numbers_give_the_value_as_shown() -> None:
    # y[h1] typed to 7 figures is not the float the step holds, but a[o] worked from it is the
    # same at the 6 figures shown: nothing to explain.
    s = session("y[h1]", "a[o]")
    s.submit("0.5523079")
    assert s.accepted["y[h1]"] != s.trace.env["y[h1]"]
    s.hint()
    s.hint()
    revealed = s.hint()
    assert revealed.event == Event.REVEALED and revealed.own is None and revealed.because == ()


def test_ctrl_c_marks_the_value_being_tried_wrong_and_leaves_the_others_as_they_stand() -> None:
    s = session("a[h1]", "a[h2]")
    assert s.submit("0.9").event == Event.TRY_AGAIN
    s.stop()
    assert s.records["a[h1]"].outcome == Outcome.WRONG
    assert s.records["a[h2]"].outcome == Outcome.NOT_REACHED
    untouched = session("a[h1]")
    untouched.stop()  # nothing typed yet: nothing to mark
    assert untouched.records["a[h1]"].outcome == Outcome.NOT_REACHED
    finished = session("a[h1]")
    finished.submit("0.21")
    finished.stop()
    assert finished.done and finished.records["a[h1]"].outcome == Outcome.FIRST_TIME
