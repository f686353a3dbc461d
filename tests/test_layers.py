"""Imports flow one way (docs/architecture.md): the foundation below the core, the core below
render/, render/ below export/, export/ below the command line.

Every ``import`` of a bpstep module is read from the source, those inside functions too (a
lazy import is still a dependency). An import that points the wrong way fails here unless it is
one of the known exceptions listed below, each with its reason; an exception that no longer
happens fails too, so the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bpstep"

FOUNDATION = frozenset({
    "bpstep.affine", "bpstep.arrays", "bpstep.cells", "bpstep.enums", "bpstep.errors",
    "bpstep.expr", "bpstep.files", "bpstep.functions", "bpstep.inputs", "bpstep.numbers",
})
"""Imported by all, importing none of the rest: the expression model, the activations and losses,
errors and exit codes, how numbers are written, read-only arrays, CSV and YAML cells, and file
safety (the files a command has read, checked and atomic writes)."""

COMMAND_LINE = frozenset({"bpstep", "bpstep.__main__", "bpstep.cli", "bpstep.launch"})

LAYERS = ("foundation", "core", "render", "export", "command line")


def layer(module: str) -> int:
    """The rank of a module in LAYERS."""
    if module in FOUNDATION:
        return 0
    if module in COMMAND_LINE:
        return 4
    if module.startswith("bpstep.export"):
        return 3
    if module.startswith("bpstep.render"):
        return 2
    return 1


KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}
"""Wrong-way imports that stay for now, each with why."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The bpstep modules ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bpstep"):
            if node.module in ("bpstep", "bpstep.export", "bpstep.render"):
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("bpstep")}
    return found


def edges() -> set[tuple[str, str]]:
    return {(module_name(path), target) for path in PACKAGE.rglob("*.py") for target in imports(path)
            if (PACKAGE.parent / (target.replace(".", "/") + ".py")).exists()
            or (PACKAGE.parent / target.replace(".", "/") / "__init__.py").exists()}


def test_no_import_points_the_wrong_way() -> None:
    wrong = {(source, target) for source, target in edges() if layer(target) > layer(source)}
    unexplained = sorted(wrong - KNOWN_EXCEPTIONS.keys())
    assert not unexplained, "\n".join(
        f"{s} ({LAYERS[layer(s)]}) imports {t} ({LAYERS[layer(t)]})" for s, t in unexplained)
    assert not KNOWN_EXCEPTIONS.keys() - wrong, "a known exception is fixed: remove it from the list"


def test_the_foundation_imports_only_the_foundation() -> None:
    """Within layer 0 too: the activations and losses know nothing of traces or scenarios."""
    assert {(s, t) for s, t in edges() if s in FOUNDATION and t not in FOUNDATION} == set()


@pytest.mark.parametrize(("source", "target"), [
    ("bpstep.functions", "bpstep.trace"),
    ("bpstep.render.snapshots", "bpstep.export.html"),
    ("bpstep.variants", "bpstep.export.moodle"),
    ("bpstep.export.json", "bpstep.cli"),
])
def test_the_check_sees_a_wrong_way_import(source: str, target: str) -> None:
    """The rule itself: each of these would point the wrong way."""
    assert layer(target) > layer(source) or (source in FOUNDATION and target not in FOUNDATION)


def test_every_module_is_read() -> None:
    """The walk reaches every layer, lazy imports included (cli imports render/ inside commands)."""
    found = edges()
    assert {layer(s) for s, _ in found} == set(range(len(LAYERS)))
    assert ("bpstep.cli", "bpstep.render.snapshots") in found
