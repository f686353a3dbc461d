"""A class roster: who is in the class, by id, name and email, read from a CSV file.

The id column (the first of ``ID_HEADERS`` that holds ids, else the first) is the one ``bpstep
variants --roster`` names each student's files by, so a student's answers file, named after
their variant, finds their row. A gradebook to import needs more than the id: the name and
email come from their own columns, and every column is kept by its header (``SIS Login ID``,
``Section`` ...) for the formats that want them. A Canvas gradebook export is a roster too: its
"Points Possible" row is no student.

Pure: the text comes in as a string; files are read by ``bpstep.cli``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from bpstep.enums import StrEnum
from bpstep.errors import UserError

MAX_ROSTER_BYTES = 1_000_000
MAX_STUDENTS = 10_000
ID_HEADERS = ("id", "student id", "id number", "idnumber", "student number", "student", "name",
              "email", "username", "email address", "e-mail", "full name")
"""Headers of the id column, in order of preference (compared as ``header`` normalises them): a
student number before a name, so two students of one name stay two; Moodle's and other
systems' exports among them. ``bpstep variants`` names each student's files by it."""
NAME_HEADERS = ("name", "full name", "student name", "student")
FIRST_NAME_HEADERS = ("first name", "firstname", "given name")
LAST_NAME_HEADERS = ("last name", "lastname", "surname", "family name")
EMAIL_HEADERS = ("email", "email address", "e-mail", "e-mail address", "mail")
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                              *(f"lpt{i}" for i in range(1, 10))})
"""File names Windows refuses whatever their extension (``con.yaml``)."""
POINTS_POSSIBLE = "Points Possible"
"""First cell of the row under the header of a Canvas gradebook export: the assignments' points."""


class RosterError(UserError):
    """A roster that cannot be read, with the line and what to do."""


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One student of the roster."""

    line: int
    """Line of the CSV file the student is on."""
    ident: str
    """The student's id: unique in the roster (whatever the case), never empty."""
    name: str = ""
    email: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    """Every column of the row, by its header as ``header`` normalises it (``sis login id``)."""


@dataclass(frozen=True, slots=True)
class Roster:
    """The students of a class, in the roster's order."""

    source: str
    rows: tuple[RosterRow, ...]
    canvas: bool = False
    """Laid out as Canvas's own gradebook export (Student, ID, ...): its ids are Canvas's."""

    @property
    def has_email(self) -> bool:
        return any(row.email for row in self.rows)


def header(text: str) -> str:
    """``Email_Address `` → ``email address``: a column header as compared here."""
    return " ".join(text.replace("_", " ").lower().split())


CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
"""Control characters (ESC, BEL ...): dropped from an id, which names a variant's file, its title
and its quiz category (a YAML or XML file cannot carry them as they are); other cells keep them,
escaped wherever they are shown."""


def _cell(row: Sequence[str], column: int | None) -> str:
    return " ".join(row[column].split()) if column is not None and column < len(row) else ""


def _column(headers: Sequence[str], names: Sequence[str]) -> int | None:
    return next((headers.index(name) for name in names if name in headers), None)


def _id_column(headers: Sequence[str], students: Sequence[tuple[int, Sequence[str]]]) -> int:
    """The first column headed as in ID_HEADERS that holds an id for some student: one empty for
    every student (Moodle's ``ID number``, when the site does not use it) is passed over. Without
    such a header, the first column."""
    columns = [headers.index(name) for name in ID_HEADERS if name in headers]
    filled = (c for c in columns if any(_cell(row, c) for _, row in students))
    return next(filled, columns[0] if columns else 0)


def load_roster(path: Path) -> Roster:
    """The class roster at ``path``, read as every file the user gives is (a bad one is a
    ``UserError``: exit code 2)."""
    from bpstep.scenario import read_text

    return read_roster(read_text(path, "roster", "give the class's CSV file (a column of ids)",
                                 form="CSV"), str(path))


def read_roster(text: str, source: str) -> Roster:
    """The students of a roster CSV, each with their id, name, email and every column.

    A first row with a known header (id, name, email, ...) is the header; without one, every
    row is a student and the first column their id.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_ROSTER_BYTES or "\0" in text:
        raise RosterError(f"{source}: is not a roster (binary or over "
                          f"{MAX_ROSTER_BYTES // 1_000_000} MB); expected a CSV with a column of "
                          "ids")
    reader = csv.reader(io.StringIO(text))
    try:
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as err:
        raise RosterError(f"{source}:{reader.line_num}: is not a readable CSV ({err})") from None
    if not rows:
        raise RosterError(f"{source}: is empty; expected a column of student ids, e.g. a header "
                          "'id' and one id per line")
    headers = [header(cell) for cell in rows[0][1]]
    named = {*ID_HEADERS, *NAME_HEADERS, *FIRST_NAME_HEADERS, *LAST_NAME_HEADERS, *EMAIL_HEADERS}
    if not named & set(headers):
        headers = []
    canvas = headers[:2] == ["student", "id"] and "section" in headers
    students = rows[1:] if headers else rows
    if canvas:
        students = [(n, row) for n, row in students if POINTS_POSSIBLE not in row[0]]
    ident = _id_column(headers, students)
    name = _column(headers, NAME_HEADERS)
    first, last = _column(headers, FIRST_NAME_HEADERS), _column(headers, LAST_NAME_HEADERS)
    email = _column(headers, EMAIL_HEADERS)
    out: list[RosterRow] = []
    seen: dict[str, int] = {}
    for line, row in students:
        key = " ".join(CONTROL.sub("", _cell(row, ident)).split())
        if not key:
            raise RosterError(f"{source}:{line}: has no id in column {ident + 1}; every "
                              "row needs one")
        if key.casefold() in seen:
            raise RosterError(f"{source}:{line}: id {key!r} is already on line "
                              f"{seen[key.casefold()]}; ids must be unique")
        seen[key.casefold()] = line
        full = _cell(row, name) or " ".join(filter(None, (_cell(row, first), _cell(row, last))))
        fields = {h: _cell(row, i) for i, h in enumerate(headers) if h}
        out.append(RosterRow(line, key, full, _cell(row, email), fields))
    if not out:
        raise RosterError(f"{source}: has a header but no students")
    if len(out) > MAX_STUDENTS:
        raise RosterError(f"{source}: has {len(out):,} students; at most {MAX_STUDENTS:,} are read")
    return Roster(source, tuple(out), canvas)


STEM_LENGTH = 60
"""Characters of an id a file name keeps at most."""


class StemStep(StrEnum):
    """What ``safe_stem`` does to an id, in order; two ids that make one file name (compared
    ignoring case, as Windows and macOS compare file names) were made equal by some of them."""

    CASE = "case"
    """Not a step: file names that differ only in case are one file on Windows and macOS."""
    ACCENTS = "accents"
    SCRIPT = "script"
    PUNCTUATION = "punctuation"
    LENGTH = "length"
    UNNAMED = "unnamed"
    RESERVED = "reserved"


def _unaccented(text: str, _: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _unnamed(text: str, ident: str) -> str:
    return text or "student-" + hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _unreserved(text: str, _: str) -> str:
    return text + "-student" if text.split(".")[0].casefold() in WINDOWS_RESERVED else text


STEM_RULES: dict[StemStep, Callable[[str, str], str]] = {
    StemStep.ACCENTS: _unaccented,
    StemStep.SCRIPT: lambda text, _: text.encode("ascii", "ignore").decode(),
    StemStep.PUNCTUATION: lambda text, _: re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip(".-_"),
    StemStep.LENGTH: lambda text, _: text[:STEM_LENGTH].rstrip(".-_"),
    StemStep.UNNAMED: _unnamed,
    StemStep.RESERVED: _unreserved,
}
"""The steps of ``safe_stem``, in order: each takes the text so far and the id."""
STEM_WHY = {
    StemStep.CASE: "Windows and macOS do not tell file names apart by case",
    StemStep.ACCENTS: "file names drop accents (ë → e)",
    StemStep.SCRIPT: "file names drop letters outside the Latin alphabet",
    StemStep.PUNCTUATION: "file names write spaces and punctuation as -",
    StemStep.LENGTH: f"file names are cut at {STEM_LENGTH} characters, before these ids differ",
    StemStep.UNNAMED: "an id with no Latin letter or digit is named student- and 8 hex digits of "
                      "its SHA-256",
    StemStep.RESERVED: "a name Windows reserves (con, nul ...) gets -student after it",
}
"""Why two ids make one file name, by each step that brought them closer."""


def safe_stem(ident: str) -> str:
    """A file name any system accepts, from a student's id: ``Zoë O'Neil`` → ``Zoe-O-Neil``.

    The one rule for a student's files: ``bpstep variants`` names their variant by it, and
    ``verify --batch --roster`` finds their answers by it. ASCII letters, digits and ``_ . -``
    are kept (accents dropped, the rest a ``-``), at most 60 of them; an id with none of them
    (``王伟``) is ``student-`` and 8 hex digits of its SHA-256, and a name Windows reserves
    (``con``) gets ``-student`` after it (``STEM_RULES``, in order)."""
    text = ident
    for rule in STEM_RULES.values():
        text = rule(text, ident)
    return text


def _apart(x: str, y: str) -> int:
    """Characters by which two names differ, ignoring case."""
    ops = SequenceMatcher(None, x.casefold(), y.casefold(), autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")


def stem_clash(a: str, b: str) -> list[StemStep]:
    """Why two ids make one file name (ignoring case): ``CASE`` when the two names differ in
    case, and each step of ``safe_stem`` that brought them closer (two accents dropped alike do
    not)."""
    causes = [StemStep.CASE] if safe_stem(a) != safe_stem(b) else []
    x, y = a, b
    for step, rule in STEM_RULES.items():
        before = _apart(x, y)
        x, y = rule(x, a), rule(y, b)
        if _apart(x, y) < before:
            causes.append(step)
    return causes


def clash_reason(a: str, b: str) -> str:
    """Why two ids make one file name, and what to do: for the message that refuses them."""
    causes = stem_clash(a, b)
    fix = (f"make them differ within their first {STEM_LENGTH} characters" if StemStep.LENGTH in causes
           else "make them differ in Latin letters or digits (a student number)"
           if StemStep.SCRIPT in causes else "make them differ in letters or digits")
    return f"{'; '.join(STEM_WHY[c] for c in causes)}; {fix}, or use another column (email, username)"


def unique_stems(stems: Sequence[str]) -> list[str]:
    """``stems`` made unique whatever the case, in order: a second ``Ann`` is ``Ann-2`` unless
    that is taken too (by a real ``Ann-2``), then ``Ann-3``, ..."""
    taken = {stem.casefold() for stem in stems}
    seen: set[str] = set()
    out = []
    for stem in stems:
        name, n = stem, 1
        while name.casefold() in seen or (n > 1 and name.casefold() in taken):
            n += 1
            name = f"{stem}-{n}"
        seen.add(name.casefold())
        out.append(name)
    return out
