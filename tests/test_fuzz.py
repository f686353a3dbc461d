"""Mutation fuzzers for the two files a user hands bpstep: scenarios and answers files.

A seeded generator cuts, repeats and splices good files and drops hostile pieces into them
(deep brackets, tags, aliases, lone surrogates, control characters, absurd numbers). Whatever
comes out, reading it either succeeds or raises a UserError whose message is one line; a
scenario that is accepted also runs one step, and answers that are accepted are marked. No other
exception, no numpy warning. The seeds are fixed, so a failure is the same failure every run.
"""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import pytest

from bpstep.answers import check_names, parse
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
    scenario = load_text(GFG.read_text(encoding="utf-8"), "gfg.yaml")
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
                verify(trace, scenario, sheet.answers, None)
                marked += 1
            except UserError as err:
                assert_one_line(err)
            except Exception as err:  # pragma: no cover - the failure report
                raise AssertionError(f"case {case}: {type(err).__name__}: {err}\n{text[:2000]}") from err
    assert 0 < marked < 2 * CASES
