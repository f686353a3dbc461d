"""The computational graph of one quantity, or of the whole forward pass and loss (pure data).

The graph is the quantity's rule (bpstep.expr) with each computed operand expanded into its own
rule, down to the givens; a named operand used twice is one node with two users, as in
micrograd. Each node keeps its value, worked out again from its inputs with the expression
model's own arithmetic, and the gradient of the root flowing into it, found by one reverse pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpstep.errors import UserError, did_you_mean
from bpstep.expr import Const, Expr, Ref
from bpstep.trace import Trace

MAX_NODES = 300
"""More nodes than this are no longer a picture anyone can read."""


class GraphTooBig(UserError):
    """A graph with more nodes than can be drawn; the message suggests a smaller one."""


@dataclass(frozen=True, slots=True)
class Node:
    """One operation (or a given value) of the graph."""

    op: str
    """``+``, ``×``, ``−``, ``/``, ``neg``, ``²``, ``exp``, ``ln``, ``tanh(·)`` ...; empty for a leaf."""
    name: str
    """The quantity this node computes or is (``a[h1]``, ``w0[x1->h1]``, ``1``); empty for an
    unnamed step inside a rule."""
    value: float
    grad: float
    """∂root/∂node: how the root moves when this node alone moves."""
    inputs: tuple[int, ...]
    """Indices of the nodes this one is computed from (always smaller than its own)."""


@dataclass(frozen=True, slots=True)
class Graph:
    """Nodes in the order they are computed; the last is the root."""

    nodes: tuple[Node, ...]
    root_name: str

    @property
    def root(self) -> Node:
        return self.nodes[-1]


class _Builder:
    def __init__(self, trace: Trace, depth: int | None, limit: int) -> None:
        self.trace = trace
        self.depth = depth
        self.limit = limit
        self.ops: list[tuple[str, str, float, tuple[int, ...], list[float]]] = []
        self.named: dict[str, int] = {}

    def add(self, op: str, name: str, value: float, inputs: tuple[int, ...], local: list[float]) -> int:
        if len(self.ops) >= self.limit:
            raise _Overflow
        self.ops.append((op, name, value, inputs, local))
        return len(self.ops) - 1

    def quantity(self, name: str, level: int) -> int:
        """The node of a named value: its rule expanded, or a leaf when given (or deep enough)."""
        if name in self.named:
            return self.named[name]
        if name in self.trace and (self.depth is None or level < self.depth):
            top = self.expr(self.trace[name].expr, level + 1)
            op, own, value, inputs, local = self.ops[top]
            if own:  # the rule is another name itself (y = a for identity): a step of its own
                top = self.add("=", name, value, (top,), [1.0])
            else:
                self.ops[top] = (op, name, value, inputs, local)
        else:
            top = self.add("", name, self.trace.env[name], (), [])
        self.named[name] = top
        return top

    def expr(self, expr: Expr, level: int) -> int:
        """The node of one step of a rule; each node evaluates itself and gives its own local
        derivatives, a named operand is expanded in turn."""
        if isinstance(expr, Ref):
            return self.quantity(expr.name, level)
        kids = expr.children()
        if not kids:  # a constant of the rule (the 1 of 1 − y)
            return self.add("", expr.names(), expr.evaluate({}), (), [])
        if expr.op is None:  # brackets or a mark around one operand: no step of its own
            return self.expr(kids[0], level)
        inputs = tuple(self.expr(child, level) for child in kids)
        xs = [self.ops[i][2] for i in inputs]
        value = expr.with_children(tuple(Const(x, "") for x in xs)).evaluate({})
        return self.add(expr.op, "", value, inputs, expr.local(xs, value))


class _Overflow(Exception):
    """Raised inside the builder when the node limit is reached."""


class NotComputed(UserError):
    """A graph asked of a name the step does not compute; the message says which names it has."""


def asked_graph(trace: Trace, name: str | None, *, depth: int | None, source: str
                ) -> tuple[str, Graph]:
    """``bpstep graph``'s graph: of ``name`` (spaces ignored), else of the whole forward pass and
    loss, with its name; ``source`` is the scenario as the user gave it, for the messages."""
    wanted = "loss" if name is None else "".join(name.split())
    if wanted not in trace:
        given = " (it is given, not computed: a graph of one leaf)" if wanted in trace.given else ""
        hint = did_you_mean(wanted, [q.name for q in trace]) or f"`bpstep template {source}` lists every name"
        raise NotComputed(f"{source}: no computed quantity named {name!r}{given}; {hint}")
    try:
        return wanted, graph_of(trace, wanted, depth=depth)
    except GraphTooBig as err:
        if name is None:
            raise GraphTooBig(f"{source}: the network is too big to draw as one graph; draw one "
                              f"quantity, e.g. bpstep graph {source} '{_last_delta(trace)}' "
                              "--depth 1") from None
        raise GraphTooBig(f"{source}: {err}") from None


def _last_delta(trace: Trace) -> str:
    """A quantity to suggest when the whole graph is too big: the last δ computed (every step
    computes the output layer's)."""
    return [q.name for q in trace if q.kind == "delta"][-1]


def graph_of(trace: Trace, name: str, *, depth: int | None = None, limit: int = MAX_NODES) -> Graph:
    """The graph that computes ``name`` down to the givens (or ``depth`` named levels down), with
    ∂name/∂node on every node; ``GraphTooBig`` past ``limit`` nodes."""
    builder = _Builder(trace, depth, limit)
    try:
        root = builder.quantity(name, 0)
    except _Overflow:
        raise GraphTooBig(too_big(name, depth, limit)) from None
    ops = builder.ops
    assert root == len(ops) - 1  # every node comes after its inputs, so the root comes last
    grads = [0.0] * len(ops)
    grads[-1] = 1.0
    for i in reversed(range(len(ops))):  # reverse order is a topological order
        _, _, _, inputs, local = ops[i]
        for j, d in zip(inputs, local, strict=True):
            grads[j] += grads[i] * d
    return Graph(tuple(Node(op, own, value, grads[i], inputs)
                       for i, (op, own, value, inputs, _) in enumerate(ops)), name)


def too_big(name: str, depth: int | None, limit: int) -> str:
    """Why a graph is not drawn, and what to draw instead."""
    if depth is None:
        return (f"the graph of {name} has more than {limit} nodes, too many to read; draw its rule "
                f"with its operands as leaves: --depth 1")
    return (f"the graph of {name} has more than {limit} nodes even at --depth {depth}; "
            "`bpstep explain` shows its rule in one line")
