"""A practice session: bpstep asks each value of the step in turn and marks each answer at once.

Marking is ``bpstep verify``'s own: every answer is judged by ``verify`` on the answers typed
so far, so a session and ``bpstep verify`` on the file it saves agree. What a session adds is
how each value was reached: right first time, after a retry, with hints, revealed, skipped.

The walk goes on with the student's own number when it was accepted (rounded or carried), and
with the true value when it was revealed, skipped or still wrong after the last try.

Pure: ``bpstep.render.practice`` reads the keys and prints; this module only keeps the state.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bpstep.answers import SCENARIO_KEY, Answer
from bpstep.enums import StrEnum
from bpstep.errors import UserError
from bpstep.escaping import json_dumps, printable
from bpstep.numbers import fmt
from bpstep.scenario import Scenario
from bpstep.trace import Quantity, Trace, asked
from bpstep.verify import CARRIED, TO_FIX, Report, Verdict, verify
from bpstep.written import DEFAULT_FLOOR, Floor, read_number

HINT_RUNGS = 3
"""``?`` once: the rule in names; twice: with the numbers; three times: the value (revealed)."""


class Outcome(StrEnum):
    """How a quantity of the session ended."""

    FIRST_TIME = "right first time"
    RETRIED = "right after a retry"
    HINTED = "right with hints"
    REVEALED = "revealed"
    WRONG = "wrong"
    SKIPPED = "skipped"
    NOT_REACHED = "not reached"


class Event(StrEnum):
    """What one line typed did."""

    ACCEPTED = "accepted"
    TRY_AGAIN = "try again"
    SHOWN = "shown"
    """Still wrong after the last try: the value is shown and the walk goes on with it."""
    NOT_A_NUMBER = "not a number"
    HINT = "hint"
    REVEALED = "revealed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Feedback:
    """The answer to one line typed, for the renderer."""

    event: Event
    quantity: Quantity
    verdict: Verdict | None = None
    """The marking of a number typed (ACCEPTED, TRY_AGAIN, SHOWN)."""
    hint: str | None = None
    """The rule, in names (rung 1) or with the student's numbers (rung 2)."""
    rung: int = 0
    tries_left: int = 0
    comma: str | None = None
    """A number typed with a decimal comma, as typed: it was read with a point."""
    own: float | None = None
    """Revealed: what the student's own numbers (hint 2) give, when that is not the value."""
    because: tuple[tuple[str, str], ...] = ()
    """Revealed: (name, number as typed) of the student's accepted numbers that make ``own``
    differ from the value."""
    carried: bool = False
    """Revealed: one of ``because`` carries an earlier mistake (the others are only rounded)."""

    @property
    def advances(self) -> bool:
        """Whether the session moved on to the next quantity."""
        return self.event in (Event.ACCEPTED, Event.SHOWN, Event.REVEALED, Event.SKIPPED)


@dataclass(frozen=True, slots=True)
class Record:
    """One quantity of the session: what was tried, how many hints, how it ended."""

    name: str
    stage: int
    attempts: tuple[Verdict, ...] = ()
    hints: int = 0
    outcome: Outcome = Outcome.NOT_REACHED


@dataclass
class Session:
    """The state of one practice walk over ``names`` (a subset of the step, in stage order)."""

    trace: Trace
    names: Sequence[str]
    tries: int = 2
    tol: float | None = None
    floor: Floor | None = DEFAULT_FLOOR
    position: int = 0
    answers: dict[str, Answer] = field(default_factory=dict)
    """The last number typed for each quantity still standing (what ``--save`` writes)."""
    accepted: dict[str, float] = field(default_factory=dict)
    """The student's accepted numbers: the walk goes on with these."""
    records: dict[str, Record] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.names:
            raise ValueError("a session needs at least one quantity to ask")
        self.records = {n: Record(n, self.trace.stage_of(n)) for n in self.names}

    @property
    def done(self) -> bool:
        return self.position >= len(self.names)

    @property
    def current(self) -> Quantity:
        return self.trace[self.names[self.position]]

    @property
    def world(self) -> Mapping[str, float]:
        """Every value as the student works with it: their accepted numbers, else the true ones."""
        return ChainMap(self.accepted, self.trace.env)

    def known(self, q: Quantity) -> list[tuple[str, str]]:
        """(name, number as the student has it) of each value ``q`` needs."""
        return [(n, self.answers[n].text if n in self.accepted else fmt(self.trace.env[n]))
                for n in q.inputs]

    def _record(self, **changes: object) -> Record:
        name = self.current.name
        self.records[name] = replace(self.records[name], **changes)  # type: ignore[arg-type]
        return self.records[name]

    def _advance(self, event: Event, **extra: object) -> Feedback:
        q = self.current
        self.position += 1
        return Feedback(event, q, **extra)  # type: ignore[arg-type]

    def submit(self, text: str) -> Feedback:
        """Mark a number typed for the current quantity, as ``bpstep verify`` would."""
        q = self.current
        written = read_number(text)
        if written is None:
            return Feedback(Event.NOT_A_NUMBER, q)
        value = written.value
        comma = text.strip() if written.comma else None
        self.answers[q.name] = Answer(q.name, written)
        verdict = verify(self.trace, self.answers, self.tol, self.floor)[q.name]
        record = self._record(attempts=(*self.records[q.name].attempts, verdict))
        if verdict.accepted:
            self.accepted[q.name] = value
            outcome = (Outcome.HINTED if record.hints else
                       Outcome.FIRST_TIME if len(record.attempts) == 1 else Outcome.RETRIED)
            self._record(outcome=outcome)
            return self._advance(Event.ACCEPTED, verdict=verdict, comma=comma)
        left = self.tries - len(record.attempts)
        if left > 0:
            return Feedback(Event.TRY_AGAIN, q, verdict=verdict, tries_left=left, comma=comma)
        self._record(outcome=Outcome.WRONG)
        return self._advance(Event.SHOWN, verdict=verdict, comma=comma)

    def hint(self) -> Feedback:
        """The next rung of help: the rule, then its numbers, then the value (revealed)."""
        q = self.current
        rung = self._record(hints=self.records[q.name].hints + 1).hints
        if rung == 1:
            return Feedback(Event.HINT, q, hint=q.formula, rung=1)
        if rung < HINT_RUNGS:
            numbers = q.layout.numbers(self.world, fmt)
            return Feedback(Event.HINT, q, hint=f"{q.name} = {numbers}", rung=rung)
        own = q.evaluate(self.world)
        because = tuple(n for n in q.inputs if n in self.accepted
                        and self.accepted[n] != self.trace.env[n])
        carried = any(self.records[n].attempts[-1].verdict == CARRIED for n in because
                      if n in self.records and self.records[n].attempts)
        self._give_up(Outcome.REVEALED)
        if not because or fmt(own) == fmt(q.value):
            return self._advance(Event.REVEALED, rung=rung)
        return self._advance(Event.REVEALED, rung=rung, own=own, carried=carried,
                             because=tuple((n, self.answers[n].text) for n in because))

    def skip(self) -> Feedback:
        """Leave the current quantity unanswered; its value is shown and the walk goes on."""
        self._give_up(Outcome.SKIPPED)
        return self._advance(Event.SKIPPED)

    def stop(self) -> None:
        """Ctrl-C: the value being asked ends as it stands, its last try marked (as ``--save``
        writes it), so the summary's counts and ``bpstep verify``'s agree."""
        if self.done:
            return
        record = self.records[self.current.name]
        if record.attempts and not record.attempts[-1].accepted:
            self._record(outcome=Outcome.WRONG)

    def _give_up(self, outcome: Outcome) -> None:
        """A value not worked out: nothing of it is saved, so ``verify`` says not attempted."""
        self.answers.pop(self.current.name, None)
        self._record(outcome=outcome)

    def report(self) -> Report:
        """Every answer still standing marked at once: what ``bpstep verify`` says of the save."""
        return verify(self.trace, self.answers, self.tol, self.floor)

    def mistakes(self) -> Iterator[Verdict]:
        """Every number typed that was not accepted, in the order typed (a later right one does not
        erase it); the same number typed again for the same value is one mistake."""
        for name in self.names:
            typed = set()
            for v in self.records[name].attempts:
                if v.verdict in TO_FIX and v.written not in typed:
                    typed.add(v.written)
                    yield v

    def stage_counts(self) -> dict[int, dict[Outcome, int]]:
        """Outcomes per stage index, for the summary."""
        counts: dict[int, dict[Outcome, int]] = {}
        for record in self.records.values():
            row = counts.setdefault(record.stage, dict.fromkeys(Outcome, 0))
            row[record.outcome] += 1
        return counts


def answers_yaml(session: Session, scenario_ref: str, title: str) -> str:
    """What was typed, as an answers file ``bpstep verify`` reads (``scenario:`` relative to it).

    Each number is written as read (a decimal comma as a point); it matched ``written.NUMBER``,
    so it is safe YAML.
    """
    out = [f"# bpstep practice · {printable(title)}",
           "# The numbers typed (the last try of each); revealed and skipped values are left out.",
           f"{SCENARIO_KEY}: {json_dumps(scenario_ref)}"]
    out += [f"{json_dumps(name)}: {session.answers[name].text}"
            for name in session.names if name in session.answers]
    return "\n".join(out) + "\n"


def practised(trace: Trace, ask: str | None, from_stage: int | None) -> list[str]:
    """The names a practice session asks: those ``--ask`` chooses, from stage ``from_stage``
    (counted from 1, as "stage K of N" says) on; the earlier ones are taken as known."""
    names = asked(trace, ask)
    if from_stage is None:
        return names
    if from_stage > len(trace.stages):
        raise UserError(f"--from-stage {from_stage} is out of range: the step has "
                        f"{len(trace.stages)} stages")
    names = [n for n in names if trace.stage_of(n) >= from_stage - 1]
    if not names:
        raise UserError(f"--ask chooses nothing from stage {from_stage} on; ask more, or start "
                        "earlier")
    return names


@dataclass(frozen=True, slots=True)
class Practice:
    """What ``bpstep practice`` works on: a session over a scenario given or freshly drawn."""

    session: Session
    scenario: Scenario
    source: Path | None
    """The scenario's file: the one given, or where ``--save`` writes a fresh exercise (None:
    nowhere)."""
    made_with: str | None
    """For a fresh exercise, the options that make it again."""
    reads: tuple[Path, ...]
    """The files read, that ``--save`` may not replace."""


def open_practice(file: Path | None, exercise: tuple[Scenario, str] | None, *, save: Path | None,
                  force: bool, ask: str | None, from_stage: int | None, tries: int,
                  tol: float | None, digits: int | None, decimals: int | None) -> Practice:
    """The session over ``file``, or over ``exercise`` (a fresh one and the options that make
    it again), its ``--save`` checked before a value is asked: typed answers are not lost to
    a file that cannot be written. A fresh exercise is saved beside the answers, as
    NAME.exercise.yaml, and neither file may replace the other."""
    from bpstep.engine import step
    from bpstep.files import check_outputs
    from bpstep.lessons import find, load_scenario
    from bpstep.verify import check_one_floor, floor_for

    if exercise is not None:
        scenario, made_with = exercise
        source = None
        if save is not None:
            source = save.with_name(f"{save.stem}.exercise.yaml")
            for path, other in ((save, source), (source, save)):
                check_outputs({"--save": path}, force=force, reads=(other,))
        reads: tuple[Path, ...] = ()
    else:
        assert file is not None
        scenario, source, made_with = load_scenario(file), file, None
        reads = (find(file),)
        check_outputs({"--save": save}, force=force, reads=reads)
    trace = step(scenario)
    names = practised(trace, ask, from_stage)
    check_one_floor(digits, decimals)
    session = Session(trace, names, tries=tries, tol=tol,
                      floor=floor_for(scenario, digits=digits, decimals=decimals, tol=tol))
    return Practice(session, scenario, source, made_with, reads)


def saved_files(practice: Practice, save: Path) -> tuple[dict[Path, str | bytes], str]:
    """``--save``'s files (the answers typed, naming their scenario, and a fresh exercise beside
    them) and the command that marks them again: ``verify`` finds a scenario named only in the
    answers file's folder, so one elsewhere is named on the command line."""
    from bpstep.answers import scenario_ref

    assert practice.source is not None
    files: dict[Path, str | bytes] = {}
    if practice.made_with is not None:
        from bpstep.exercise import exercise_yaml

        files[practice.source] = exercise_yaml(practice.scenario, f"Made with: {practice.made_with}")
    ref = scenario_ref(practice.source, save)
    files[save] = answers_yaml(practice.session, Path(ref).as_posix(),
                               practice.scenario.title or printable(practice.source.name))
    check = (f"bpstep verify {save}" if not ref.startswith("..")
             else f"bpstep verify {practice.source} {save}")
    return files, check
