"""A computational graph as an indented tree for the terminal: the root first, its inputs below.

A node used by several others (``y[h1]`` in ``y[h1]·(1 − y[h1])``) is written out once; later it
says so instead of repeating its subtree. Each line reads: what the node is, its operation, its
value, and the gradient of the root flowing into it.
"""

from __future__ import annotations

from collections.abc import Iterator

from bpstep.graph import Graph, Node
from bpstep.numbers import DEFAULT_PRECISION, fmt


def grad_symbol(graph: Graph) -> str:
    """``∂E/∂`` for the loss, ``∂delta[h1]/∂`` for another root."""
    return "∂E/∂" if graph.root_name in ("loss", "loss_after") else f"∂{graph.root_name}/∂"


def node_head(node: Node) -> str:
    """What a node is: ``a[h1] [+]``, ``w0[x1->h1]``, or just ``[×]`` inside a rule."""
    if node.op and node.op != "=":
        return f"{node.name} [{node.op}]".strip()
    return node.name


def node_text(node: Node, precision: int = DEFAULT_PRECISION) -> str:
    """``a[h1] [+] = 0.21``."""
    return f"{node_head(node)} = {fmt(node.value, precision)}"


def tree_lines(graph: Graph, precision: int = DEFAULT_PRECISION) -> Iterator[str]:
    """The graph as lines of an indented tree, each with its gradient."""
    symbol = grad_symbol(graph)
    seen: set[int] = set()

    def walk(index: int, prefix: str, branch: str, last: bool) -> Iterator[str]:
        node = graph.nodes[index]
        shared = index in seen and bool(node.inputs)
        text = node_text(node, precision)
        tail = "   (shown above)" if shared else f"   {symbol}: {fmt(node.grad, precision)}"
        yield prefix + branch + text + tail
        if shared:
            return
        seen.add(index)
        inner = prefix + ("" if not branch else ("    " if last else "│   "))
        for n, child in enumerate(node.inputs):
            end = n == len(node.inputs) - 1
            yield from walk(child, inner, "└── " if end else "├── ", end)

    yield from walk(len(graph.nodes) - 1, "", "", True)
