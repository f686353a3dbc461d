"""Marking a whole class: many answers files → one line per student and a class summary.

Each answers file names its scenario (or variant); each scenario is stepped once however many
students share it. A file that cannot be read is kept with its error and never stops the batch.
The summary gives, for each quantity, the share of the students who attempted it whose answer
was accepted (a blank is counted apart, never as wrong), and the named mistakes ranked by how
many students made them, grouped over the units of a layer (``delta[h*]``). Pure apart from
reading the files it is given.

With a roster, every student of it has one line in the gradebook: marked, missing (no answers
file), unreadable (with the reason) or with several files; an answers file that matches no
student is listed as not on the roster. A file is a student's when its name is their id made
file-safe as ``bpstep variants --roster`` names their variant, or when its ``student:`` key
gives their id or email. No student is ever left out silently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bpstep.answers import AnswersError, AnswerSheet
from bpstep.enums import StrEnum
from bpstep.errors import ExitCode, UserError
from bpstep.escaping import printable
from bpstep.roster import Roster, RosterRow, load_roster, safe_stem, unique_stems
from bpstep.trace import Trace, kind_of, parse_name
from bpstep.verify import ACCEPTED, NOT_ATTEMPTED, TO_FIX, Report

MISTAKE_LABELS = {
    "swapped_error": "output − target and target − output swapped",
    "wrong_sign_update": "update applied with the wrong sign",
    "derivative_missing": "activation derivative missing",
    "derivative_twice": "activation derivative applied twice",
    "lr_left_out": "learning rate left out",
    "a_for_y": "net input used for the output",
    "new_for_old": "updated weight used for the old one",
    "power_of_ten": "off by a power of ten",
    "sign_flipped": "sign flipped",
    "slope_swapped": "another activation's derivative used",
    "activation_swapped": "another activation used",
    "bias_left_out": "bias left out of the net input",
    "half_left_out": "the ½ of half SSE left out",
    "mean_left_out": "the 1/n of the mean left out",
    "transposed": "weights read transposed",
    "other_units_weights": "δ summed through another unit's weights",
    "update_left_out": "old value copied, not updated",
    "early": "rounded too early",
    "coarse": "too coarse (too few figures)",
    "swapped_digits": "two neighbouring digits swapped",
    "slip": "arithmetic slip (one digit)",
    "out_of_range": "a value the quantity can never take",
    "not_finite": "a value past the float range",
}
"""A short name for each mistake ``verify`` names (every key of ``MISTAKES``, then those it
names outside that list), for the class summary."""


@dataclass(frozen=True, slots=True)
class Student:
    """One answers file marked."""

    student: str
    """The answers file's name without its extension."""
    path: str
    scenario: str
    report: Report
    problems: tuple[str, ...] = ()
    """Names in the file the step does not have, values that are no number (each said with its
    line); the rest is marked."""
    notes: tuple[str, ...] = ()
    """What was read another way (a decimal comma), each said with its line."""
    student_key: str | None = None
    """The id the file's ``student:`` key gives, if any."""
    title: str = ""
    """The title of the scenario marked against."""

    @property
    def score(self) -> int:
        """Answers accepted (correct, within rounding, or carried forward)."""
        return sum(v.verdict in ACCEPTED for v in self.report)

    @property
    def points(self) -> float:
        """Marks with partial credit: a value rounded too early earns half."""
        return self.report.points

    @property
    def max(self) -> int:
        return len(self.report.verdicts)

    @property
    def percent(self) -> float:
        """Points as a share of the values asked, in percent."""
        return 100 * self.points / self.max if self.max else 0.0

    @property
    def has_mistakes(self) -> bool:
        """A value not accepted, or a worksheet left blank."""
        return not self.report.passed


@dataclass(frozen=True, slots=True)
class BadFile:
    """An answers file that could not be marked, with the reason in one line."""

    path: str
    error: str
    student_key: str | None = None
    """The id its ``student:`` key gives, when the file was read that far."""


class Standing(StrEnum):
    """Where a student or an answers file stands in the gradebook."""

    MARKED = "marked"
    MISSING = "missing"
    """On the roster, and no answers file is theirs."""
    UNREADABLE = "unreadable"
    NOT_ON_ROSTER = "not on roster"
    """An answers file marked that no student of the roster matches."""
    SEVERAL_FILES = "several files"
    """On the roster, with more than one answers file: none is taken for the grade."""
    CONFLICT = "set aside"
    """An answers file named after one student that says it is another's, or that says it is a
    student's who has a file of their own name: taken for no one."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the gradebook: a student of the roster, an answers file, or both."""

    standing: Standing
    person: RosterRow | None = None
    """The student's roster row; None without a roster, or for a file no student matches."""
    student: Student | None = None
    """The marking, when the line is one answers file that was marked."""
    bad: BadFile | None = None
    """Why the answers file could not be marked, for an unreadable one (a file set aside says
    why it is, whether it could be marked or not)."""
    files: tuple[str, ...] = ()
    """The answers files of this line: none when missing, several for ``several files``."""
    claimed: tuple[str, ...] = ()
    """For a file set aside: the ids of the student it is named after and of the one it says
    (or of the one it says, who has a file of their own name)."""

    @property
    def reason(self) -> str:
        """Why the line has no grade (or why it is on its own), in one line; empty when marked."""
        if self.standing == Standing.CONFLICT and len(self.claimed) == 2:
            return (f"named after {self.claimed[0]} but says student: {self.claimed[1]}; taken for "
                    "neither")
        if self.standing == Standing.CONFLICT:
            return (f"says student: {self.claimed[0]}, who has a file of their own name; taken "
                    "for no one")
        if self.bad is not None:
            return self.bad.error
        if self.standing == Standing.MISSING:
            return "no answers file"
        if self.standing == Standing.SEVERAL_FILES:
            return f"answers files {', '.join(self.files)} are all this student's; keep one"
        if self.standing == Standing.NOT_ON_ROSTER:
            return "no student of the roster has this file's name or its student: id"
        return ""


@dataclass(frozen=True, slots=True)
class QuantityShare:
    name: str
    right: int
    """Students whose answer was accepted."""
    of: int
    """Students whose worksheet has it (attempted or not)."""
    blank: int = 0
    """Students who left it blank (not attempted)."""

    @property
    def attempted(self) -> int:
        return self.of - self.blank

    @property
    def share(self) -> float:
        """Of the students who attempted it, the share accepted: a blank is not a wrong answer."""
        return self.right / self.attempted if self.attempted else 0.0


@dataclass(frozen=True, slots=True)
class MistakeCount:
    """A named mistake and how many students made it in a group of quantities."""

    mistake: str
    where: str
    """The quantity, or the pattern of a layer's quantities: ``delta[h*]``."""
    students: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.students)

    @property
    def label(self) -> str:
        return MISTAKE_LABELS.get(self.mistake, self.mistake.replace("_", " "))


@dataclass(frozen=True, slots=True)
class ClassReport:
    """Every student marked, the files that could not be, the gradebook and the class summary."""

    students: tuple[Student, ...]
    bad: tuple[BadFile, ...]
    quantities: tuple[QuantityShare, ...]
    mistakes: tuple[MistakeCount, ...]
    """Most frequent first."""
    entries: tuple[Entry, ...] = ()
    """The gradebook: the roster's students in its order, then the files no student matches;
    without a roster, every answers file in the order marked."""
    roster: Roster | None = None

    def count(self, standing: Standing) -> int:
        return sum(e.standing == standing for e in self.entries)

    @property
    def exit_code(self) -> ExitCode:
        """2 when a file was bad (or named quantities the step lacks), or files and roster do not
        agree (a file of no student, a student with several); else 1 when a student had a value
        not accepted, handed in a blank worksheet or nothing at all; else 0."""
        if self.bad or any(s.problems for s in self.students) or any(
                e.standing in (Standing.NOT_ON_ROSTER, Standing.SEVERAL_FILES, Standing.CONFLICT)
                for e in self.entries):
            return ExitCode.BAD_INPUT
        if any(s.has_mistakes for s in self.students) or self.count(Standing.MISSING):
            return ExitCode.MISTAKES
        return ExitCode.OK


def pattern_of(names: Sequence[str]) -> str:
    """One name, or the names of a layer as a pattern: ``delta[h1]``, ``delta[h2]`` → ``delta[h*]``."""
    if len(set(names)) == 1:
        return names[0]
    parts = [parse_name(n) for n in names]
    assert None not in parts, "every name marked is one the step built (trace.unit_name and kin)"

    def common(words: Iterable[str | None]) -> str | None:
        texts = [w for w in words if w is not None]
        if not texts:
            return None
        if len(set(texts)) == 1:
            return texts[0]
        prefix = ""
        for letters in zip(*texts, strict=False):
            if len(set(letters)) > 1:
                break
            prefix += letters[0]
        return prefix + "*"

    first = parts[0]
    assert first is not None
    unit = common(p.unit for p in parts if p)
    source = common(p.source for p in parts if p)
    samples = {p.sample for p in parts if p}
    at = "" if samples == {None} else "@" + (str(samples.pop()) if len(samples) == 1 else "*")
    if not unit:
        return f"{first.kind}{at}"
    return f"{first.kind}[{f'{source}->' if source else ''}{unit}]{at}"


def _group(name: str, trace: Trace) -> tuple[str, int]:
    """Quantities counted together in the summary: the same kind in the same stage (every name
    marked is one of the step's)."""
    return kind_of(name), trace.stage_of(name)


@dataclass(frozen=True, slots=True)
class Claims:
    """Which roster student an answers file is: by its name (their id made file-safe, as
    ``bpstep variants`` names their variant) and by its ``student:`` key (their id or email)."""

    by_name: int | None
    by_key: int | None

    @property
    def student(self) -> int | None:
        return self.by_name if self.by_key is None else self.by_key

    @property
    def conflict(self) -> bool:
        """Named after one student, and saying it is another's."""
        return None not in (self.by_name, self.by_key) and self.by_name != self.by_key


class RosterIndex:
    """A roster's students by file name and by id or email, whatever the case."""

    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        stems = [safe_stem(row.ident).casefold() for row in roster.rows]
        shared = {stem for stem in stems if stems.count(stem) > 1}
        self.by_stem = {stem: i for i, stem in enumerate(stems) if stem not in shared}
        """A name two students' ids both make is neither's: their files need a student: key."""
        self.by_key = {**{row.email.casefold(): i for i, row in enumerate(roster.rows)
                          if row.email},
                       **{row.ident.casefold(): i for i, row in enumerate(roster.rows)}}

    def claims(self, path: str, key: str | None) -> Claims:
        by_key = self.by_key.get(key.casefold()) if key else None
        return Claims(self.by_stem.get(safe_stem(Path(path).stem).casefold()), by_key)

    def variant(self, i: int, folders: Sequence[Path]) -> Path | None:
        """Student i's own variant, where ``bpstep variants --roster`` wrote it, if it is in one
        of ``folders``."""
        name = f"{safe_stem(self.roster.rows[i].ident)}.yaml"
        return next((folder / name for folder in folders if (folder / name).is_file()), None)


def gradebook(students: Sequence[Student], bad: Sequence[BadFile],
              roster: Roster | None) -> tuple[Entry, ...]:
    """A line per roster student (then one per file no student matches), or per file.

    A file is a student's when its ``student:`` key gives their id or email (whatever the case),
    else when its name is their id made file-safe as ``bpstep variants`` names their variant. A
    file named after one student that says it is another's is taken for neither, and where a
    student has a file of their name, a file that only says it is theirs is set aside: no file
    can cancel a classmate's grade.
    """
    marked: list[Student | BadFile] = sorted([*students, *bad], key=lambda f: f.path)
    if roster is None:
        return tuple(Entry(Standing.MARKED, student=f, files=(f.path,)) if isinstance(f, Student)
                     else Entry(Standing.UNREADABLE, bad=f, files=(f.path,)) for f in marked)
    index = RosterIndex(roster)
    claims = {f.path: index.claims(f.path, f.student_key) for f in marked}
    named = {c.by_name for c in claims.values() if c.by_key in (None, c.by_name)}
    theirs: dict[int, list[Student | BadFile]] = {}
    strays: list[Entry] = []
    for f in marked:
        claim = claims[f.path]
        i = claim.student
        if claim.conflict:
            strays.append(Entry(Standing.CONFLICT, student=f if isinstance(f, Student) else None,
                                files=(f.path,),
                                claimed=(roster.rows[claim.by_name].ident,  # type: ignore[index]
                                         roster.rows[claim.by_key].ident)))  # type: ignore[index]
        elif i is not None and claim.by_name is None and i in named:
            strays.append(Entry(Standing.CONFLICT, student=f if isinstance(f, Student) else None,
                                files=(f.path,), claimed=(roster.rows[i].ident,)))
        elif i is not None:
            theirs.setdefault(i, []).append(f)
        elif isinstance(f, Student):
            strays.append(Entry(Standing.NOT_ON_ROSTER, student=f, files=(f.path,)))
        else:
            strays.append(Entry(Standing.UNREADABLE, bad=f, files=(f.path,)))
    entries = []
    for i, row in enumerate(roster.rows):
        files = theirs.get(i, [])
        paths = tuple(f.path for f in files)
        if not files:
            entries.append(Entry(Standing.MISSING, row))
        elif len(files) > 1:
            entries.append(Entry(Standing.SEVERAL_FILES, row, files=paths))
        elif isinstance(files[0], Student):
            entries.append(Entry(Standing.MARKED, row, student=files[0], files=paths))
        else:
            entries.append(Entry(Standing.UNREADABLE, row, bad=files[0], files=paths))
    return (*entries, *strays)


def page_names(entries: Sequence[Entry]) -> dict[str, str]:
    """A file-safe, unique page name for each answers file (``Zoe-O-Neil.html``): its student's
    id when one roster student has it, else the file's own name."""
    owners = [(path, e.person.ident if e.person and len(e.files) == 1 else Path(path).stem)
              for e in entries for path in e.files]
    stems = unique_stems([safe_stem(owner) for _, owner in owners])
    return {path: f"{stem}.html" for (path, _), stem in zip(owners, stems, strict=True)}


def summarise(students: Sequence[Student], bad: Sequence[BadFile],
              traces: dict[str, Trace], roster: Roster | None = None) -> ClassReport:
    """Share right per quantity, and named mistakes ranked by the students who made them."""
    right: dict[str, int] = {}
    seen: dict[str, int] = {}
    blank: dict[str, int] = {}
    groups: dict[tuple[str, str, int], tuple[list[str], set[str]]] = {}
    for s in students:
        trace = traces[s.scenario]
        for v in s.report:
            empty = v.verdict == NOT_ATTEMPTED
            seen[v.name] = seen.get(v.name, 0) + 1
            blank[v.name] = blank.get(v.name, 0) + empty
            right[v.name] = right.get(v.name, 0) + (v.verdict in ACCEPTED)
            if v.verdict in TO_FIX and v.mistake:
                names, who = groups.setdefault((v.mistake, *_group(v.name, trace)), ([], set()))
                names.append(v.name)
                who.add(s.student)
    quantities = tuple(QuantityShare(n, right[n], seen[n], blank[n]) for n in seen)
    counts = [MistakeCount(key, pattern_of(names), tuple(sorted(who)))
              for (key, _, _), (names, who) in groups.items()]
    counts.sort(key=lambda m: (-m.count, m.where, m.mistake))
    return ClassReport(tuple(students), tuple(bad), quantities, tuple(counts),
                       gradebook(students, bad, roster), roster)


def _own_variant(index: RosterIndex | None, sheet: AnswerSheet, named: Path,
                 folders: Sequence[Path]) -> Path | None:
    """The student's own variant when the sheet names another scenario: a copy of a classmate's
    worked key, or an easier exercise, is marked against the numbers the student was given."""
    if index is None or not folders:
        return None
    i = index.claims(sheet.source, sheet.student).student
    own = None if i is None else index.variant(i, folders)
    if own is None or own.resolve() == named.resolve():
        return None
    return own


def check_verify_options(*, batch: bool, answers_file: bool, every_quantity: bool,
                         no_reveal: bool, feedback: Path | None, gradebook: str,
                         csv_out: Path | None, html_out: Path | None, roster: Path | None,
                         digits: int | None, decimals: int | None) -> None:
    """Refuse, before any file is read, options of ``verify`` that mean nothing together: a
    class's outputs without ``--batch``; with it, an answers file or ``--all``, or an option
    that needs another (``--no-reveal`` the feedback pages, a course gradebook its roster and
    CSV). One answers file's precision options are checked once the file is read (``mark_file``)."""
    if not batch:
        if not answers_file:
            raise UserError("give an answers file (bpstep verify answers.yaml), or --batch "
                            "'answers/*.yaml'")
        if any(x is not None for x in (csv_out, html_out, roster, feedback)):
            raise UserError("--csv, --html, --roster and --feedback are about a class; use them "
                            "with --batch")
        return
    if answers_file:
        raise UserError("--batch marks the files its pattern matches; give no ANSWERS file with it")
    if every_quantity:
        raise UserError("--all shapes one worksheet's marking; with --batch the class report lists "
                        "every student's verdicts (use --csv for each quantity, --feedback for a "
                        "page per student)")
    if no_reveal and feedback is None:
        raise UserError("with --batch, --no-reveal hides the correct values of the feedback pages; "
                        "give --feedback DIR")
    if gradebook != "bpstep" and (csv_out is None or roster is None):
        raise UserError(f"--gradebook {gradebook} lays out --csv FILE for importing the roster's "
                        f"grades; give --csv {gradebook}.csv and --roster FILE")
    from bpstep.verify import check_one_floor

    check_one_floor(digits, decimals)


def batch_paths(pattern: str) -> list[Path]:
    """The answers files ``--batch`` marks, sorted: those ``pattern`` matches (a glob), or the
    ``.yaml`` files of a folder; none is a ``UserError``: a class marked on nothing would
    look marked."""
    import glob

    base = Path(pattern)
    paths = sorted(base.glob("*.yaml") if base.is_dir() else
                   (Path(p) for p in glob.glob(pattern) if Path(p).is_file()))
    if not paths:
        raise UserError(f"--batch {pattern!r} matches no files; quote the pattern, e.g. --batch "
                        "'answers/*.yaml'")
    return paths


ANSWERS_LIKE = (".yaml", ".yml", ".txt", ".json")
"""Endings of files a student may have handed in as answers under another name than asked."""


def left_out(paths: list[Path]) -> list[Path]:
    """Files in the answers' folders that look handed in (``s05.yml``) but were not marked."""
    marked = {p.resolve() for p in paths}
    folders = {p.parent for p in paths}
    return sorted(p for folder in folders for p in folder.iterdir()
                  if p.suffix.lower() in ANSWERS_LIKE and not p.name.startswith(".")
                  and p.is_file() and p.resolve() not in marked)


def mark_batch(paths: Sequence[Path], tol: float | None = None, folders: Sequence[Path] = (),
               *, digits: int | None = None, decimals: int | None = None,
               roster: Roster | None = None) -> ClassReport:
    """Mark every answers file; a file that cannot be marked becomes a ``BadFile``; with a
    ``roster``, each file is matched to its student.

    Each ``scenario:`` is found and read as a single ``verify`` would: a lesson name, or a file
    inside the answers file's folder, the current folder or one of ``folders`` (a student's file
    must not make the marker read, or quote, files elsewhere). Each is marked to the precision
    ``digits`` or ``decimals`` ask, else its scenario's ``marking``, else 3 significant figures.
    """
    from bpstep.answers import find_scenario, load_named_scenario
    from bpstep.answers import load as load_answers
    from bpstep.engine import step
    from bpstep.lessons import display
    from bpstep.verify import floor_for, mark_sheet

    steps: dict[str, tuple[object, Trace, frozenset[str]]] = {}
    students: list[Student] = []
    bad: list[BadFile] = []
    index = RosterIndex(roster) if roster is not None else None
    for path in paths:
        sheet = None
        if path.is_symlink():
            bad.append(BadFile(str(path), f"{path}: is a symbolic link; a class's answers files "
                               "are marked as handed in, never followed elsewhere"))
            continue
        try:
            sheet = load_answers(path)
            named = find_scenario(sheet, folders)
            swapped = _own_variant(index, sheet, named, folders)
            if swapped is not None:
                sheet = dataclasses.replace(sheet, problems=(*sheet.problems, AnswersError(
                    sheet.source, f"names {sheet.scenario_text}, not {swapped.name}, the variant "
                    f"of its student: marked against {swapped.name}", "scenario",
                    sheet.scenario_line)))
                named = swapped
            key = display(named)
            scenario = load_named_scenario(sheet, named)
            if key not in steps:  # a step refuses nothing: its scenario was checked on reading
                trace = step(scenario)
                steps[key] = (scenario, trace, frozenset(q.name for q in trace))
            scenario, trace, names = steps[key]
            floor = floor_for(scenario, digits=digits, decimals=decimals, tol=tol)  # type: ignore[arg-type]
            report, problems = mark_sheet(sheet, trace, tol, floor, names)  # type: ignore[arg-type]
        except UserError as err:
            bad.append(BadFile(str(path), str(err), sheet.student if sheet else None))
            continue
        students.append(Student(path.stem, str(path), key, report, problems, tuple(sheet.notes),
                                sheet.student, scenario.title or ""))  # type: ignore[attr-defined]
    traces = {k: v[1] for k, v in steps.items()}
    return summarise(students, bad, traces, roster)


SHOWN_LEFT_OUT = 5
"""Files named in the note of those the pattern left out; the rest are counted."""


@dataclass(frozen=True, slots=True)
class MarkedClass:
    """A class marked by ``verify --batch``: its report, and the files around it."""

    report: ClassReport
    left_out: tuple[Path, ...]
    """Files that look handed in but the pattern does not match (``left_out``)."""
    reads: tuple[Path, ...]
    """Every file read (answers, scenarios, the roster), which no output may replace."""

    def left_out_note(self) -> str:
        """The files left out, to note (a few by name): a student whose file the pattern misses
        would look as if they handed in nothing."""
        left = self.left_out
        shown = ", ".join(printable(str(p)) for p in left[:SHOWN_LEFT_OUT]) + (
            f" and {len(left) - SHOWN_LEFT_OUT} more" if len(left) > SHOWN_LEFT_OUT else "")
        return f"not marked, as the pattern does not match them: {shown}"


def mark_class(pattern: str, *, tol: float | None, folders: Sequence[Path],
               digits: int | None, decimals: int | None, roster: Path | None) -> MarkedClass:
    """Every answers file ``pattern`` matches marked (``mark_batch``), each matched to its
    student when a ``roster`` file is given."""
    paths = batch_paths(pattern)
    report = mark_batch(paths, tol, folders, digits=digits, decimals=decimals,
                        roster=load_roster(roster) if roster is not None else None)
    reads = (*paths, *(Path(s.scenario) for s in report.students), *((roster,) if roster else ()))
    return MarkedClass(report, tuple(left_out(paths)), reads)
