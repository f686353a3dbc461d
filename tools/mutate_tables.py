"""Mutation testing for the code mutmut 3 leaves alone: tables, class fields and decorated functions.

mutmut 3 mutates only undecorated functions and methods; it never changes a module-level table
(``ACTIVATIONS``, ``LOSSES``, ``MISTAKES`` ...), a class-level default or a ``@property``, where
much of what a student reads is written. This script makes one mutant per change of those
statements, runs the tests against each in a scratch copy of the repository, and reports per
file which mutants survive. Run by hand (docs/testing.md), not in CI:

    python tools/mutate_tables.py                  # every target file, 2 workers
    python tools/mutate_tables.py bpstep/verify.py --jobs 1
    python tools/mutate_tables.py --list           # the mutants only, nothing run
    python tools/mutate_tables.py --again          # survivors tested again, after new tests

A mutant is first run against the tests most likely to kill it (FAST), and only if it survives
them against the whole suite. Results go to mutants-tables.json, so a second run reuses them
for statements whose text has not changed. A line ending in ``# pragma: no mutate`` is skipped,
as are the lines of mutmut's ``do_not_mutate_patterns``. Needs Python 3.11 or later: it reads
pyproject.toml with tomllib.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("bpstep/functions.py", "bpstep/engine.py", "bpstep/verify.py", "bpstep/scenario.py")
COPIED = ("bpstep", "tests", "scenarios", "docs", "benchmarks", "README.md", "CHANGELOG.md",
          "pyproject.toml", "setup.py", "MANIFEST.in")
FAST = ("tests/test_functions.py", "tests/test_engine.py", "tests/test_verify.py",
        "tests/test_scenario.py", "tests/test_expr.py", "tests/test_cli_json.py",
        "tests/test_cli_verify.py", "tests/test_shown_rules.py")
"""Cheapest first: most mutants fail within seconds; the read-back of every rule takes longest."""
MUTMUT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
PYTEST = (sys.executable, "-m", "pytest", "-x", "-q", *MUTMUT["pytest_add_cli_args"])
"""pytest as mutmut runs it (pyproject.toml's [tool.mutmut]), stopping at the first failure."""
SKIPPED = [re.compile(pattern) for pattern in MUTMUT.get("do_not_mutate_patterns", [])]
"""Lines mutmut leaves alone (asserts), left alone here too."""
RESULTS = ROOT / "mutants-tables.json"
PRAGMA = "# pragma: no mutate"

SWAPPED_OPERATORS: dict[type, type] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.Div, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE,
    ast.LtE: ast.Lt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.And: ast.Or, ast.Or: ast.And,
}


@dataclass(frozen=True)
class Mutant:
    """One change to one statement, as the lines that replace it."""

    file: str
    line: int
    """First line of the statement changed."""
    change: str
    """What was changed, for a person: ``'+' -> '-'`` and the like."""
    key: str
    """Hash of the statement's original and mutated text: stable while the statement is."""
    replacement: str
    first: int
    """The lines replacement stands for, first to last (decorators included)."""
    last: int


def untouched_by_mutmut(tree: ast.Module) -> Iterator[ast.stmt]:
    """The statements mutmut 3 does not mutate: module and class assignments, decorated defs."""
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            if not isinstance(node.value, ast.Subscript | ast.Attribute | ast.Name):  # a type alias
                yield node
        elif isinstance(node, ast.FunctionDef) and node.decorator_list:
            yield node
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.Assign | ast.AnnAssign) and member.value is not None:
                    if not (isinstance(member, ast.Assign) and ast.unparse(member.targets[0]) == "__slots__"):
                        yield member
                elif isinstance(member, ast.FunctionDef) and member.decorator_list:
                    yield member


def required_fields(tree: ast.Module) -> dict[str, set[str]]:
    """Fields without a default, by class: leaving one out fails at import, which proves nothing."""
    return {node.name: {member.target.id for member in node.body
                        if isinstance(member, ast.AnnAssign) and member.value is None
                        and isinstance(member.target, ast.Name)}
            for node in tree.body if isinstance(node, ast.ClassDef)}


def _docstrings(statement: ast.stmt) -> set[int]:
    """ids of the string constants that are docstrings (changing them changes no behaviour)."""
    found = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _mutable_parts(statement: ast.stmt) -> list[ast.AST]:
    """The nodes a mutation may change: the value of an assignment, the body of a def."""
    if isinstance(statement, ast.Assign | ast.AnnAssign):
        return [statement.value]
    return list(statement.body)  # decorators and annotations stay


def _variants(node: ast.AST, docstrings: set[int],
              required: dict[str, set[str]]) -> Iterator[tuple[str, object]]:
    """(description, edit) pairs for one node; an edit is applied to a deep copy of that node."""
    if isinstance(node, ast.Constant) and id(node) not in docstrings:
        value = node.value
        if isinstance(value, bool):
            yield f"{value} -> {not value}", ("value", not value)
        elif isinstance(value, int | float):
            yield f"{value!r} -> {value + 1!r}", ("value", value + 1)
        elif isinstance(value, str):
            yield f"{value[:30]!r} -> 'XX…XX'", ("value", f"XX{value}XX")
    elif isinstance(node, ast.BinOp | ast.BoolOp) and type(node.op) in SWAPPED_OPERATORS:
        new = SWAPPED_OPERATORS[type(node.op)]
        yield f"{type(node.op).__name__} -> {new.__name__}", ("op", new)
    elif isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            if type(op) in SWAPPED_OPERATORS:
                new = SWAPPED_OPERATORS[type(op)]
                yield f"{type(op).__name__} -> {new.__name__}", ("cmp", (k, new))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
        yield f"drop {type(node.op).__name__}", ("unwrap", None)
    elif isinstance(node, ast.Lambda):
        yield "lambda body -> None", ("lambda", None)
    elif isinstance(node, ast.IfExp):
        yield "if/else branches swapped", ("ifexp", None)
    if isinstance(node, ast.Call):
        if len(node.args) == 2 and not any(isinstance(a, ast.Starred) for a in node.args):
            yield f"arguments of {ast.unparse(node.func)} swapped", ("swap", None)
        needed = required.get(ast.unparse(node.func), set())
        for k, keyword in enumerate(node.keywords):
            if keyword.arg is not None and keyword.arg not in needed:
                yield f"{keyword.arg}= dropped", ("keyword", k)
    if isinstance(node, ast.Tuple | ast.List | ast.Set) and len(node.elts) >= 2:
        for k, element in enumerate(node.elts):
            yield f"element {k} ({ast.unparse(element)[:30]}) dropped", ("element", k)
    if isinstance(node, ast.Dict) and node.keys:
        for k, key in enumerate(node.keys):
            if key is not None:
                yield f"entry {ast.unparse(key)[:30]} dropped", ("entry", k)


def _edit(node: ast.AST, edit: tuple[str, object]) -> ast.AST:
    """A changed copy of ``node``."""
    kind, arg = edit
    node = copy.deepcopy(node)
    if kind == "value":
        node.value = arg
    elif kind == "op":
        node.op = arg()
    elif kind == "cmp":
        k, new = arg
        node.ops[k] = new()
    elif kind == "unwrap":
        return node.operand
    elif kind == "lambda":
        node.body = ast.Constant(None)
    elif kind == "ifexp":
        node.body, node.orelse = node.orelse, node.body
    elif kind == "swap":
        node.args.reverse()
    elif kind == "keyword":
        del node.keywords[arg]
    elif kind == "element":
        del node.elts[arg]
    elif kind == "entry":
        del node.keys[arg], node.values[arg]
    return node


def _unparse_with(statement: ast.stmt, node: ast.AST, new: ast.AST) -> str:
    """The statement's text with ``node`` replaced by ``new`` (the tree is left as it was)."""
    for parent in ast.walk(statement):
        for field, value in ast.iter_fields(parent):
            if value is node:
                setattr(parent, field, new)
                try:
                    return ast.unparse(statement)
                finally:
                    setattr(parent, field, node)
            if isinstance(value, list) and any(item is node for item in value):
                k = next(k for k, item in enumerate(value) if item is node)
                value[k] = new
                try:
                    return ast.unparse(statement)
                finally:
                    value[k] = node
    raise AssertionError("node not in statement")


def mutants_of(path: str, source: str) -> Iterator[Mutant]:
    """Every mutant of the statements of ``path`` (whose text is ``source``) mutmut does not reach."""
    lines = source.splitlines()
    tree = ast.parse(source)
    required = required_fields(tree)
    for statement in untouched_by_mutmut(tree):
        first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", []))])
        original = "\n".join(lines[first - 1:statement.end_lineno])
        indent = original[:len(original) - len(original.lstrip())]
        docstrings = _docstrings(statement)
        for part in _mutable_parts(statement):
            for node in ast.walk(part):
                line = getattr(node, "lineno", statement.lineno)
                if PRAGMA in lines[line - 1] or any(p.search(lines[line - 1]) for p in SKIPPED):
                    continue
                for change, edit in _variants(node, docstrings, required):
                    text = _unparse_with(statement, node, _edit(node, edit))
                    text = "\n".join(indent + row if row else row for row in text.splitlines())
                    key = hashlib.sha256(f"{path}\0{original}\0{text}".encode()).hexdigest()[:16]
                    yield Mutant(path, line, change, key, text, first, statement.end_lineno)


def _apply(workdir: Path, mutant: Mutant, pristine: str) -> None:
    """Writes the mutant's file into the scratch copy (the file as it was read, other lines kept)."""
    lines = pristine.splitlines()
    lines[mutant.first - 1:mutant.last] = mutant.replacement.splitlines()
    (workdir / mutant.file).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _killed(workdir: Path, tests: tuple[str, ...]) -> bool:
    env = {**os.environ, "PYTHONPATH": str(workdir), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([*PYTEST, *tests], cwd=workdir, env=env, capture_output=True, check=False)
    return done.returncode != 0


def _scratch() -> Path:
    """A copy of what the tests read, so a mutant never touches the checkout (nor sees later edits)."""
    workdir = Path(tempfile.mkdtemp(prefix="bpstep-mutant-"))
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, workdir / name)
    return workdir


def run(mutants: list[Mutant], jobs: int, results: dict[str, str],
        pristine: dict[str, str]) -> dict[str, str]:
    """'killed' or 'survived' for every mutant, reusing earlier results by key.

    ``pristine`` holds each target file as the mutants were made from it: an edit to the
    checkout while this runs must not shift the lines a mutant replaces.
    """
    pending = [m for m in mutants if m.key not in results]
    scratch = [_scratch() for _ in range(max(1, jobs))]
    for workdir in scratch:
        for path, text in pristine.items():
            (workdir / path).write_text(text, encoding="utf-8")
    free = list(scratch)

    def one(mutant: Mutant) -> None:
        workdir = free.pop()
        try:
            _apply(workdir, mutant, pristine[mutant.file])
            full = ("tests",)
            verdict = "killed" if _killed(workdir, FAST) or _killed(workdir, full) else "survived"
            results[mutant.key] = verdict
            (workdir / mutant.file).write_text(pristine[mutant.file], encoding="utf-8")
            print(f"{verdict:8} {mutant.file}:{mutant.line} {mutant.change}", flush=True)
            RESULTS.write_text(json.dumps(results, indent=0, sort_keys=True), encoding="utf-8")
        finally:
            free.append(workdir)

    try:
        with ThreadPoolExecutor(max_workers=len(scratch)) as pool:
            list(pool.map(one, pending))
    finally:
        for workdir in scratch:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", default=list(TARGETS),
                        help="files to mutate (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--again", action="store_true",
                        help="test the survivors of earlier runs again (after new tests)")
    args = parser.parse_args()
    pristine = {path: (ROOT / path).read_text(encoding="utf-8") for path in args.files}
    mutants = [m for path in args.files for m in mutants_of(path, pristine[path])]
    if args.list:
        for m in mutants:
            print(f"{m.file}:{m.line} {m.change}")
        print(f"{len(mutants)} mutants")
        return 0
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    if args.again:
        results = {key: verdict for key, verdict in results.items() if verdict == "killed"}
    results = run(mutants, args.jobs, results, pristine)
    print()
    for path in args.files:
        mine = [m for m in mutants if m.file == path]
        survivors = [m for m in mine if results.get(m.key) == "survived"]
        killed = len(mine) - len(survivors)
        score = 100 * killed / len(mine) if mine else 100.0
        print(f"{path}: {killed}/{len(mine)} killed ({score:.1f} %)")
        for m in survivors:
            print(f"  survived {m.file}:{m.line} {m.change}  [{m.key}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
