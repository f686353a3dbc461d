"""A computational graph in Graphviz's DOT language, for ``dot -Tsvg`` and friends.

Left to right, as the values flow: the givens on the left, the root on the right. Names are
quoted and escaped, so a scenario's unit names cannot break the file.
"""

from __future__ import annotations

from bpstep.graph import Graph
from bpstep.numbers import DEFAULT_PRECISION, fmt
from bpstep.render.graph import grad_symbol, node_head


def _quoted(text: str) -> str:
    """A DOT string: backslashes and quotes escaped, line breaks as ``\\n``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    lines = ("".join(ch if ch.isprintable() else " " for ch in line) for line in escaped.split("\n"))
    return '"' + "\\n".join(lines) + '"'


def to_dot(graph: Graph, precision: int = DEFAULT_PRECISION) -> str:
    """A ``digraph`` with a box per node: name, operation, value and gradient."""
    symbol = grad_symbol(graph)
    out = ["digraph computation {", "  rankdir=LR;",
           '  node [shape=box, style="rounded,filled", fillcolor="#f5f7fa", color="#52606d", '
           'fontname="DejaVu Sans"];', '  edge [color="#9aa5b1"];']
    for i, node in enumerate(graph.nodes):
        label = _quoted(f"{node_head(node)}\nvalue {fmt(node.value, precision)}\n"
                        f"{symbol} {fmt(node.grad, precision)}")
        fill = ', fillcolor="#ffe08a"' if i == len(graph.nodes) - 1 else ""
        out.append(f"  n{i} [label={label}{fill}];")
    for i, node in enumerate(graph.nodes):
        out += [f"  n{j} -> n{i};" for j in node.inputs]
    return "\n".join([*out, "}"]) + "\n"
