"""Mutation fuzzers for the two files a user hands bpstep: scenarios and answers files.

A seeded generator cuts, repeats and splices good files and drops hostile pieces into them
(deep brackets, tags, aliases, lone surrogates, control characters, absurd numbers). Whatever
comes out, reading it either succeeds or raises a UserError whose message is one line; a
scenario that is accepted also runs one step, and answers that are accepted are marked. No other
exception, no numpy warning. The seeds are fixed, so a failure is the same failure every run.
The same holds for ``verify --batch`` over hand-ins whose names hold bytes that are not UTF-8,
control characters and bidi marks (no output holds them raw), and for a quiz export whose ``-o``
names, spelled one way or another, a file of the class folder it reads (refused, whatever
``--force`` says).
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import shutil
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpstep.answers import check_names, parse
from bpstep.cli import app
from bpstep.engine import step
from bpstep.errors import UserError
from bpstep.scenario import Scenario, check, parse_yaml
from bpstep.verify import verify

ROOT = Path(__file__).resolve().parent.parent
GFG = ROOT / "scenarios" / "gfg_sigmoid.yaml"
SCENARIOS = [GFG, ROOT / "scenarios" / "xor_batch.yaml", ROOT / "scenarios" / "softmax_cross_entropy.yaml"]
CASES = 1500
"""Mutants per fuzzer and base file family; about 6,000 in all."""

HOSTILE = [
    "[" * 40, "]" * 40, "{" * 40, "- " * 40, "!!binary aGVsbG8=", "!!set {a: null}", "!!python/tuple [1]",
    "!!timestamp 2001-12-14", "!local x", "&a [1, 2]", "*a", "<<: *a", '"\\ud800"', '"\\ud83d\\ude42"',
    "\x1b[2J", "\ufeff", "\t", "0e" + "9" * 5000, "1e309", "-1e309", ".nan", ".inf", "1" * 400,
    "0x1F", "0o17", "1_000", "~", "null", "yes", "2024-13-31", "'", '"', "---\n", "...\n", "? ",
    ": ", "#", "x" * 300, "\u202e", "\x00", "\x85", "% YAML 1.1\n", "@", "`", "|\n  text\n",
    ">\n  folded\n", "[1, 2, 3]", "{a: 1}", "1e-400", "-0.0", "4.9e-324",
]


def mutate(text: str, rng: random.Random) -> str:
    """One to four edits: cut a slice, repeat one, swap two lines, or splice in a hostile piece."""
    for _ in range(rng.randint(1, 4)):
        i, j = sorted(rng.randrange(len(text) + 1) for _ in range(2))
        choice = rng.randrange(4)
        if choice == 0:
            text = text[:i] + text[j:]
        elif choice == 1:
            text = text[:j] + text[i:j] * rng.randint(1, 3) + text[j:]
        elif choice == 2:
            lines = text.split("\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        else:
            text = text[:i] + rng.choice(HOSTILE) + text[i:]
    return text or " "


def load_text(text: str, source: str) -> Scenario:
    data, lines = parse_yaml(text, source)
    return check(data, source, lines)


def assert_one_line(err: UserError) -> None:
    message = str(err)
    assert "\n" not in message and message.strip(), repr(message)
    assert len(message) < 2000, message[:200]


@pytest.mark.parametrize("base", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_mutants_are_read_or_refused_in_one_line(base: Path) -> None:
    rng = random.Random(f"scenario-{base.stem}")
    good = base.read_text(encoding="utf-8")
    accepted = 0
    for case in range(CASES):
        text = mutate(good, rng)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                scenario = load_text(text, "fuzz.yaml")
            except UserError as err:
                assert_one_line(err)
                continue
            except Exception as err:  # pragma: no cover - the failure report
                raise AssertionError(f"case {case}: {type(err).__name__}: {err}\n{text[:2000]}") from err
            accepted += 1
            try:
                step(scenario)
            except UserError as err:
                assert_one_line(err)
            except Exception as err:  # pragma: no cover - the failure report
                raise AssertionError(f"case {case}: {type(err).__name__}: {err}\n{text[:2000]}") from err
    assert 0 < accepted < CASES


def worksheet_text() -> str:
    """A filled-in worksheet for gfg_sigmoid: every quantity with a plausible written number."""
    trace = step(load_text(GFG.read_text(encoding="utf-8"), "gfg.yaml"))
    return "".join(f'"{q.name}": {q.value:.4g}\n' for q in trace)


def test_answers_mutants_are_marked_or_refused_in_one_line() -> None:
    rng = random.Random("answers-gfg")
    trace = step(load_text(GFG.read_text(encoding="utf-8"), "gfg.yaml"))
    good = worksheet_text()
    names = {q.name for q in trace}
    marked = 0
    for case in range(2 * CASES):
        text = mutate(good, rng)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                sheet = parse(text, "answers.yaml")
                check_names(sheet, names, trace.given)
                verify(trace, sheet.answers, None)
                marked += 1
            except UserError as err:
                assert_one_line(err)
            except Exception as err:  # pragma: no cover - the failure report
                raise AssertionError(f"case {case}: {type(err).__name__}: {err}\n{text[:2000]}") from err
    assert 0 < marked < 2 * CASES


NAME_PIECES = [b"st", b"Zo\xc3\xab", b"\x9b", b"\xff", b"\x80\x81", b"\x1b[2J", b"\x1b]0;pwned\x07",
               b"\r", b"\x7f", "\u202e".encode(), "\u2066".encode(), "\u200b".encode(), b" ",
               b"=HYPERLINK(1)", b"<b>", b"&amp;", b"'", b'"', b"%", b"-", b"\xe2\x80"]
"""Pieces of the names students' files arrive with: bytes that are not UTF-8 (a zip unpacked
with the wrong code page), control characters, bidi and invisible marks, markup, a formula."""
UNSAFE_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""What none of the outputs may hold raw (the tests of each format check the rest)."""


def hostile_names(rng: random.Random, count: int) -> list[bytes]:
    """``count`` distinct file names of two to four pieces, none hidden, each ending in .yaml."""
    names: set[bytes] = set()
    while len(names) < count:
        stem = b"".join(rng.choice(NAME_PIECES) for _ in range(rng.randint(2, 4)))
        names.add(b"s" + stem + b".yaml")
    return sorted(names)


@pytest.mark.parametrize("round_", range(4))
def test_verify_batch_survives_hostile_file_names(tmp_path: Path, round_: int) -> None:
    rng = random.Random(f"batch-names-{round_}")
    answers = tmp_path / "answers"
    answers.mkdir()
    good = "scenario: gfg_sigmoid\n" + worksheet_text()
    names = hostile_names(rng, 8)
    for name in names:
        text = good if rng.random() < 0.7 else mutate(good, rng)
        with open(os.path.join(os.fsencode(answers), name), "w", encoding="utf-8") as file:
            file.write(text)
    out = {"csv": tmp_path / "g.csv", "html": tmp_path / "r.html"}
    result = CliRunner().invoke(app, ["verify", "--batch", str(answers / "*.yaml"), "--csv",
                                      str(out["csv"]), "--html", str(out["html"]), "--feedback",
                                      str(tmp_path / "pages")], env={"NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code in (0, 1, 2) and not UNSAFE_RAW.search(result.output), result.output
    rows = list(csv.DictReader(io.StringIO(out["csv"].read_text(encoding="utf-8"))))
    assert len(rows) == len(names)
    for written in (*out.values(), *(tmp_path / "pages").iterdir()):
        assert not UNSAFE_RAW.search(written.read_text(encoding="utf-8")), written.name
    as_json = CliRunner().invoke(app, ["verify", "--batch", str(answers / "*.yaml"), "--json"])
    data = json.loads(as_json.stdout)
    assert len(data["students"]) + len(data["bad_files"]) == len(names)
    assert not UNSAFE_RAW.search(json.dumps(data, ensure_ascii=False))


def spellings(path: Path, rng: random.Random, tmp_path: Path) -> Path:
    """Another way to name ``path``: as it is, through ``./`` and ``..``, absolute, through a
    symbolic link to its folder, or a hard link elsewhere."""
    way = rng.randrange(5)
    if way == 0:
        return path
    if way == 1:
        return path.parent / "." / ".." / path.parent.name / path.name
    if way == 2:
        return path.resolve()
    if way == 3:
        link = tmp_path / f"link-{rng.randrange(10**6)}"
        link.symlink_to(path.parent, target_is_directory=True)
        return link / path.name
    hard = tmp_path / f"hard-{rng.randrange(10**6)}.yaml"
    os.link(path, hard)
    return hard


@pytest.fixture(scope="module")
def made_class(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz-class") / "class"
    result = CliRunner().invoke(app, ["variants", str(GFG), "-n", "3", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize("round_", range(12))
def test_an_export_never_writes_a_file_of_the_folder_it_reads(tmp_path: Path, made_class: Path,
                                                             round_: int) -> None:
    rng = random.Random(f"export-inside-{round_}")
    folder = Path(shutil.copytree(made_class, tmp_path / "class"))
    read = [folder / "index.csv", *sorted((folder / "students").iterdir())]
    target = rng.choice(read)
    before = {p: p.read_bytes() for p in read}
    named = spellings(target, rng, tmp_path)
    form = rng.choice(["moodle", "gift", "qti"])
    result = CliRunner().invoke(app, ["export", str(folder), "-f", form, "-o", str(named),
                                      "--force"])
    assert result.exit_code == 2, (named, result.output)
    assert result.stderr.count("\n") == 1, result.stderr
    assert "is an input of this command; it is never overwritten" in result.stderr
    assert {p: p.read_bytes() for p in read} == before
