"""What ``bpstep graph`` writes: an indented tree, an SVG picture or Graphviz DOT, chosen by the
``--format`` option or else by the output's suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bpstep.graph import Graph


def _tree(drawn: Graph, precision: int) -> str:
    from bpstep.render.graph import tree_lines

    return "\n".join(tree_lines(drawn, precision)) + "\n"


def _svg(drawn: Graph, precision: int) -> str:
    from bpstep.export.svg_graph import graph_svg

    return graph_svg(drawn, precision)


def _dot(drawn: Graph, precision: int) -> str:
    from bpstep.export.dot import to_dot

    return to_dot(drawn, precision)


GRAPH_FORMATS: dict[str, Callable[[Graph, int], str]] = {"tree": _tree, "svg": _svg, "dot": _dot}
"""Each format by name, the first the default. The CLI lists its choices in ``cli.GraphFormat``;
a test checks the two agree."""


def graph_format(form: str | None, output: Path | None) -> str:
    """The format asked for, else the one the output's suffix names, else a tree."""
    if form is not None:
        return form
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    return suffix if suffix in GRAPH_FORMATS else "tree"


def graph_document(drawn: Graph, form: str, precision: int) -> str:
    """The graph ``drawn`` written in ``form`` (a key of ``GRAPH_FORMATS``)."""
    return GRAPH_FORMATS[form](drawn, precision)
