"""The small expression model every quantity is made of.

Each computed number of a step is an expression over named operands (``a[h1]``, ``w0[x1->h1]``,
``lr``), built from a handful of node kinds, the way micrograd's ``Value`` keeps its operands and
its operation. One expression evaluates itself, prints itself in names
(``y[h1]·(1 − y[h1])·(w0[h1->o]·delta[o])``) and with numbers (negative numbers bracketed, as on
paper), re-evaluates with other operand values (a student's own earlier numbers), and can be
rewritten: each mistake ``bpstep verify`` knows is a rewrite of the tree. It also bounds itself:
given the range of every operand (the intervals a student's written numbers stand for), each
node says the range of its own value in affine arithmetic (bpstep.affine).

Evaluation is in plain floats and never raises: an overflow is ``inf``, a log of 0 a large
negative number, a division by 0 ``inf`` or ``nan``, so a hostile worksheet cannot crash a replay.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from bpstep.affine import Affine, Bend, product, total

Env = Mapping[str, float]
"""Operand values by name: given values and computed quantities."""
Ranges = Mapping[str, Affine]
"""Operand ranges by name, for ``Expr.bound``."""

SUM, PRODUCT, ATOM = 1, 3, 5
"""Binding strength of the printed forms: a child that binds less than its place needs brackets."""
NEGATION = 2
TINY = 2.2250738585072014e-308
"""Smallest normal float64: ln is taken of at least this, as the numeric core does."""


@dataclass(frozen=True, slots=True)
class Writer:
    """How names are written: as names (the rule) or as numbers (the rule substituted)."""

    ref: Callable[[str], str]
    tight: str
    """The product sign between a weight and what it multiplies (``w·y``)."""
    spaced: str
    """The product sign between the factors of a rule (``(t − y) · y``)."""


class Expr:
    """A node of a rule. Subclasses are dataclasses with their children as fields.

    Nodes are never changed once made (a rewrite makes new ones); they are not declared frozen
    only because frozen dataclasses are three times slower to make, and a 784-128-10 step makes
    millions of them for ``--json``.
    """

    __slots__ = ()
    strength = ATOM
    op: ClassVar[str | None] = ""
    """The operation as a graph labels it (``+``, ``exp``); empty for a leaf, None for a node that
    only brackets or marks its one operand (it is no step of its own)."""

    def evaluate(self, env: Env) -> float:
        raise NotImplementedError

    def local(self, xs: list[float], value: float) -> list[float]:
        """∂value/∂child for each child, from the children's values ``xs`` and this node's
        ``value``: the chain rule's local factors, next to the evaluation they differentiate."""
        raise NotImplementedError

    def write(self, w: Writer) -> str:
        raise NotImplementedError

    def bound(self, ranges: Ranges) -> Affine:
        """The range of this node's value when each operand may be anywhere in its range."""
        raise NotImplementedError

    def children(self) -> tuple[Expr, ...]:
        return ()

    def with_children(self, children: tuple[Expr, ...]) -> Expr:
        return self

    def wrapped(self, w: Writer, least: int) -> str:
        """This node's text, bracketed when it binds less than ``least``."""
        text = self.write(w)
        return f"({text})" if self.strength < least else text

    def rewrite(self, change: Callable[[Expr], Expr | None]) -> Expr:
        """The tree with every node for which ``change`` gives a replacement replaced (top down);
        a subtree nothing was replaced in is kept as it is, not copied (verify makes many rewrites)."""
        replaced = change(self)
        if replaced is not None:
            return replaced
        kids = self.children()
        if not kids:
            return self
        new = tuple([k.rewrite(change) for k in kids])
        for old, made in zip(kids, new, strict=True):
            if old is not made:
                return self.with_children(new)
        return self

    def nodes(self) -> Iterator[Expr]:
        """Every node, this one first."""
        yield self
        for child in self.children():
            yield from child.nodes()

    def names(self) -> str:
        return self.layout().names()

    def numbers(self, env: Env, fmt: Callable[[float], str]) -> str:
        return self.layout().numbers(env, fmt)

    def layout(self) -> Layout:
        """The printed form with the operands and product signs left open: one walk of the tree
        serves the rule in names, with numbers, and the list of operands."""
        refs: list[str] = []

        def hole(name: str) -> str:
            refs.append(name)
            return _HOLE

        return Layout(self.write(Writer(hole, _TIGHT, f" {_SPACED} ")), tuple(refs))


_HOLE, _TIGHT, _SPACED = "\x00", "\x01", "\x02"
"""Place-holders of a layout (no scenario name can hold a control character)."""


@lru_cache(maxsize=4096)
def _pieces(text: str, sign: str) -> tuple[str, ...]:
    """A layout's text around its holes, with its product signs written in (· or ×)."""
    return tuple(text.replace(_TIGHT, sign).replace(_SPACED, sign).split(_HOLE))


def _filled(text: str, sign: str, fills: Iterable[str]) -> str:
    """A layout's text with ``fills`` in its holes, in order (a net input of 784 terms has 1,568)."""
    pieces = _pieces(text, sign)
    parts = [""] * (2 * len(pieces) - 1)
    parts[0::2] = pieces
    parts[1::2] = fills
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class Layout:
    """A rule's text with a hole per operand and a mark per product sign."""

    text: str
    refs: tuple[str, ...]
    """The operand names, in the order their holes appear."""

    def names(self) -> str:
        """The rule in names: ``y[h1] · (1 − y[h1]) · (w0[h1->o]·delta[o])``."""
        return names_of(self.text, self.refs)

    def numbers(self, env: Env, fmt: Callable[[float], str]) -> str:
        """The rule with numbers from ``env``, negative ones (−0.0 too) bracketed: ``0.3×(-0.0368)``."""
        return numbers_of(self.text, [fmt(env[name]) for name in self.refs])


def names_of(text: str, names: Sequence[str]) -> str:
    """A layout's text with ``names`` in its holes: the rule in names."""
    return _filled(text, "·", names)


def numbers_of(text: str, numbers: Iterable[str]) -> str:
    """A layout's text with written ``numbers`` in its holes, as operands: ``0.3×(-0.0368)``."""
    return operands_of(text, operand_texts(numbers))


def operands_of(text: str, operands: Iterable[str]) -> str:
    """A layout's text with numbers already written as operands in its holes."""
    return _filled(text, "×", operands)


def operand_texts(numbers: Iterable[str]) -> list[str]:
    """Written numbers as operands: bracketed when negative (−0.0 too), as on paper."""
    return [f"({number})" if number[:1] == "-" else number for number in numbers]


def operand_numbers(operands: Iterable[str]) -> list[str]:
    """Operands as the numbers they were written from: ``operand_texts`` undone."""
    return [operand[1:-1] if operand[:2] == "(-" else operand for operand in operands]


@dataclass(slots=True)
class Ref(Expr):
    """Another quantity or a given value, by name."""

    name: str

    def evaluate(self, env: Env) -> float:
        return env[self.name]

    def bound(self, ranges: Ranges) -> Affine:
        return ranges[self.name]

    def write(self, w: Writer) -> str:
        return w.ref(self.name)

    def wrapped(self, w: Writer, least: int) -> str:
        return w.ref(self.name)


@dataclass(slots=True)
class Const(Expr):
    """A number that is part of the rule itself (the 1 of 1 − y, the ½ of ½Σ(t − y)²)."""

    value: float
    text: str

    def evaluate(self, env: Env) -> float:
        return self.value

    def bound(self, ranges: Ranges) -> Affine:
        return Affine.point(self.value)

    def write(self, w: Writer) -> str:
        return self.text


def const(value: float) -> Const:
    """A constant written the short way: 1, 2, 0.01."""
    return Const(float(value), f"{value:g}")


ONE = const(1)
HALF = Const(0.5, "½")


@dataclass(slots=True)
class Sum(Expr):
    """t₁ + t₂ + ...; bracketed with ``brackets`` where it needs to be."""

    terms: tuple[Expr, ...]
    brackets: str = "()"
    strength = SUM
    op = "+"

    def evaluate(self, env: Env) -> float:
        return _fsum(t.evaluate(env) for t in self.terms)

    def local(self, xs: list[float], value: float) -> list[float]:
        return [1.0] * len(xs)

    def bound(self, ranges: Ranges) -> Affine:
        return total(t.bound(ranges) for t in self.terms)

    def write(self, w: Writer) -> str:
        first, *rest = self.terms
        return " + ".join([first.wrapped(w, SUM), *(_signed(t, w, SUM) for t in rest)])

    def wrapped(self, w: Writer, least: int) -> str:
        text = self.write(w)
        return f"{self.brackets[0]}{text}{self.brackets[1]}" if self.strength < least else text

    def children(self) -> tuple[Expr, ...]:
        return self.terms

    def with_children(self, children: tuple[Expr, ...]) -> Expr:
        return Sum(children, self.brackets)


def _signed(term: Expr, w: Writer, least: int) -> str:
    """A term right of a plus or minus sign: one that starts with a minus of its own is
    bracketed (a − (−b), a + (−b · c))."""
    text = term.wrapped(w, least)
    return f"({text})" if text.startswith("−") else text


@dataclass(slots=True)
class Diff(Expr):
    """left − right."""

    left: Expr
    right: Expr
    strength = SUM
    op = "−"

    def evaluate(self, env: Env) -> float:
        return self.left.evaluate(env) - self.right.evaluate(env)

    def local(self, xs: list[float], value: float) -> list[float]:
        return [1.0, -1.0]

    def bound(self, ranges: Ranges) -> Affine:
        return self.left.bound(ranges).plus(self.right.bound(ranges).negated())

    def write(self, w: Writer) -> str:
        return f"{self.left.wrapped(w, SUM)} − {_signed(self.right, w, SUM + 1)}"

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def with_children(self, children: tuple[Expr, ...]) -> Expr:
        return Diff(*children)


@dataclass(slots=True)
class Prod(Expr):
    """f₁ × f₂ × ...; ``tight`` for a weight times what it carries (``w·y``)."""

    factors: tuple[Expr, ...]
    tight: bool = False
    strength = PRODUCT
    op = "×"

    def evaluate(self, env: Env) -> float:
        result = 1.0
        for f in self.factors:
            result *= f.evaluate(env)
        return result

    def local(self, xs: list[float], value: float) -> list[float]:
        """The product of the other factors (not value / x: a factor may be 0)."""
        return [math.prod(xs[:i] + xs[i + 1:]) for i in range(len(xs))]

    def bound(self, ranges: Ranges) -> Affine:
        return product(f.bound(ranges) for f in self.factors)

    def write(self, w: Writer) -> str:
        sign = w.tight if self.tight else w.spaced
        first, *rest = self.factors
        return sign.join([_leading(first, w), *(f.wrapped(w, PRODUCT) for f in rest)])

    def children(self) -> tuple[Expr, ...]:
        return self.factors

    def with_children(self, children: tuple[Expr, ...]) -> Expr:
        return Prod(children, self.tight)


def _leading(f: Expr, w: Writer) -> str:
    """The first factor of a product, or a numerator: its minus needs no brackets (−t / y × y)."""
    return f.write(w) if isinstance(f, Neg) else f.wrapped(w, PRODUCT)


@dataclass(slots=True)
class Div(Expr):
    """numerator / denominator."""

    numerator: Expr
    denominator: Expr
    strength = PRODUCT
    op = "/"

    def evaluate(self, env: Env) -> float:
        return divide(self.numerator.evaluate(env), self.denominator.evaluate(env))

    def local(self, xs: list[float], value: float) -> list[float]:
        top, bottom = xs
        return [1.0 / bottom, -top / bottom ** 2] if bottom else [math.nan, math.nan]

    def bound(self, ranges: Ranges) -> Affine:
        return self.numerator.bound(ranges).times(self.denominator.bound(ranges).reciprocal())

    def write(self, w: Writer) -> str:
        top = _leading(self.numerator, w)
        return f"{top} / {self.denominator.wrapped(w, ATOM)}"  # a / (b · c), a / (−b)

    def children(self) -> tuple[Expr, ...]:
        return (self.numerator, self.denominator)

    def with_children(self, children: tuple[Expr, ...]) -> Expr:
        return Div(*children)


class Unary(Expr):
    """A node of one operand, its last field: its children and their replacement, said once."""

    __slots__ = ()
    operand: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)

    def with_children(self, children: tuple[Expr, ...]) -> Expr:
        return type(self)(*children)


@dataclass(slots=True)
class Neg(Unary):
    """−x."""

    operand: Expr
    strength = NEGATION
    op = "neg"

    def evaluate(self, env: Env) -> float:
        return -self.operand.evaluate(env)

    def local(self, xs: list[float], value: float) -> list[float]:
        return [-1.0]

    def bound(self, ranges: Ranges) -> Affine:
        return self.operand.bound(ranges).negated()

    def write(self, w: Writer) -> str:
        return "−" + self.operand.wrapped(w, PRODUCT)


@dataclass(slots=True)
class Square(Unary):
    """x²."""

    operand: Expr
    op = "²"

    def evaluate(self, env: Env) -> float:
        x = self.operand.evaluate(env)
        return x * x

    def local(self, xs: list[float], value: float) -> list[float]:
        return [2.0 * xs[0]]

    def bound(self, ranges: Ranges) -> Affine:
        return self.operand.bound(ranges).square()

    def write(self, w: Writer) -> str:
        return self.operand.wrapped(w, ATOM) + "²"


@dataclass(slots=True)
class Exp(Unary):
    """e^x."""

    operand: Expr
    op = "exp"

    def evaluate(self, env: Env) -> float:
        return exp(self.operand.evaluate(env))

    def local(self, xs: list[float], value: float) -> list[float]:
        return [value]

    def bound(self, ranges: Ranges) -> Affine:
        return self.operand.bound(ranges).exp()

    def write(self, w: Writer) -> str:
        return "e^" + self.operand.wrapped(w, ATOM)


@dataclass(slots=True)
class Ln(Unary):
    """ln x, taken of at least the smallest normal float (as the numeric core does)."""

    operand: Expr
    op = "ln"

    def evaluate(self, env: Env) -> float:
        return math.log(max(self.operand.evaluate(env), TINY))  # max(nan, TINY) is nan: ln nan = nan

    def local(self, xs: list[float], value: float) -> list[float]:
        return [1.0 / max(xs[0], TINY)]

    def bound(self, ranges: Ranges) -> Affine:
        return self.operand.bound(ranges).log(TINY)

    def write(self, w: Writer) -> str:
        inner = self.operand
        return "ln " + inner.write(w) if inner.strength == ATOM else f"ln({inner.write(w)})"


@dataclass(slots=True)
class Call(Unary):
    """A named function of one operand written as a textbook does: ``tanh(a)``, ``max(0, a)``.

    Every such function is non-decreasing (tanh, ReLU and their steps), which is what lets its
    range be read from the ends of its operand's range where it has a kink or a jump.
    """

    pattern: str
    """The text with ``{}`` where the operand goes."""
    fn: Callable[[float], float]
    slope: Callable[[float], float]
    """d fn/dx, for gradients flowing back through the computational graph."""
    bend: Bend
    """The largest |fn″| over a range (``inf`` where fn has a kink or jump in it), for ranges."""
    operand: Expr

    @property
    def op(self) -> str:  # type: ignore[override]
        return self.pattern.replace("{}", "·")

    def evaluate(self, env: Env) -> float:
        return self.fn(self.operand.evaluate(env))

    def local(self, xs: list[float], value: float) -> list[float]:
        return [self.slope(xs[0])]

    def bound(self, ranges: Ranges) -> Affine:
        return self.operand.bound(ranges).smooth(self.fn, self.slope, self.bend)

    def write(self, w: Writer) -> str:
        return self.pattern.format(self.operand.write(w))

    def with_children(self, children: tuple[Expr, ...]) -> Expr:
        return Call(self.pattern, self.fn, self.slope, self.bend, *children)


@dataclass(slots=True)
class Group(Unary):
    """Brackets a textbook writes even where they are not needed: ``(t − y)`` on its own."""

    operand: Expr
    op = None

    def evaluate(self, env: Env) -> float:
        return self.operand.evaluate(env)

    def local(self, xs: list[float], value: float) -> list[float]:
        return [1.0]

    def bound(self, ranges: Ranges) -> Affine:
        return self.operand.bound(ranges)

    def write(self, w: Writer) -> str:
        return f"({self.operand.write(w)})"


@dataclass(slots=True)
class Slope(Unary):
    """f′(a) of an activation: printed and evaluated as its operand, marked so a rewrite finds it."""

    activation: str
    formula: str
    """f′ as the activation's entry writes it, in a and y (``2 · y · (1 − y)``), for hints."""
    operand: Expr
    op = None

    @property
    def strength(self) -> int:  # type: ignore[override]
        return self.operand.strength

    def evaluate(self, env: Env) -> float:
        return self.operand.evaluate(env)

    def local(self, xs: list[float], value: float) -> list[float]:
        return [1.0]

    def bound(self, ranges: Ranges) -> Affine:
        return self.operand.bound(ranges)

    def write(self, w: Writer) -> str:
        return self.operand.write(w)

    def with_children(self, children: tuple[Expr, ...]) -> Expr:
        return Slope(self.activation, self.formula, *children)


@dataclass(slots=True)
class Softmax(Expr):
    """e^(a_j) / Σ_k e^(a_k): written out, evaluated shifted by the largest a so nothing overflows."""

    index: int
    operands: tuple[Expr, ...]
    strength = PRODUCT
    op = "softmax"

    def evaluate(self, env: Env) -> float:
        values = [a.evaluate(env) for a in self.operands]
        if not all(math.isfinite(v) for v in values):
            return math.nan
        top = max(values)
        return math.exp(values[self.index] - top) / math.fsum(math.exp(v - top) for v in values)

    def local(self, xs: list[float], value: float) -> list[float]:
        """∂s_j/∂a_k = s_j·([j = k] − s_k)."""
        top = max(xs)
        e = [math.exp(x - top) for x in xs]
        s = [v / math.fsum(e) for v in e]
        return [value * ((k == self.index) - s[k]) for k in range(len(xs))]

    def bound(self, ranges: Ranges) -> Affine:
        """e^(a_j − m) / Σ e^(a_k − m), m the largest centre: the shared e^(a_j) kept as one."""
        forms = [a.bound(ranges) for a in self.operands]
        top = max(f.centre for f in forms)
        powers = [f.plus(Affine.point(-top)).exp() for f in forms]
        return powers[self.index].times(total(powers).reciprocal())

    def write(self, w: Writer) -> str:
        written = Div(Exp(self.operands[self.index]), Sum(tuple(Exp(a) for a in self.operands)))
        return written.write(w)

    def children(self) -> tuple[Expr, ...]:
        return self.operands

    def with_children(self, children: tuple[Expr, ...]) -> Expr:
        return Softmax(self.index, children)


# --- safe float arithmetic ---


def exp(x: float) -> float:
    """e^x that is ``inf`` instead of raising past the float range."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def divide(top: float, bottom: float) -> float:
    """top / bottom that is ±inf (or nan for 0/0) instead of raising at 0; the sign of a signed
    zero counts, as in IEEE arithmetic: ±∞ times ±∞ carries the quotient's sign."""
    if bottom == 0:
        return math.nan if top == 0 or top != top else math.copysign(math.inf, top) * math.copysign(
            math.inf, bottom)
    return top / bottom


def _fsum(values: Iterator[float]) -> float:
    """Exact sum of floats; inf − inf (a replay gone wild) is nan, not an error."""
    items = list(values)
    try:
        return math.fsum(items)
    except (OverflowError, ValueError):
        return sum(items)


# --- rewrites ---


def substitute(expr: Expr, replacements: Mapping[str, Expr]) -> Expr:
    """Every ``Ref`` named in ``replacements`` replaced by its expression."""
    if not replacements:
        return expr
    return expr.rewrite(lambda node: replacements.get(node.name) if isinstance(node, Ref) else None)


def inline(expr: Expr, rule_of: Callable[[str], Expr | None], depth: int) -> Expr:
    """Operands replaced by their own rules, ``depth`` levels down, where ``rule_of`` gives one.

    A mistake made in an intermediate the student did not write is replayed through it this way.
    An operand met again at the same level is replaced by the same tree, made once: a softmax's
    outputs each read every net input of their layer.
    """
    made: dict[tuple[str, int], Expr] = {}

    def inlined(tree: Expr, levels: int) -> Expr:
        if levels <= 0:
            return tree

        def expand(node: Expr) -> Expr | None:
            if not isinstance(node, Ref):
                return None
            key = (node.name, levels)
            if key not in made:
                rule = rule_of(node.name)
                made[key] = node if rule is None else inlined(rule, levels - 1)
            return made[key]

        return tree.rewrite(expand)

    return inlined(expr, depth)


# --- the rule as data, for a marker in another language ---


def as_data(expr: Expr) -> list:
    """The tree as JSON-ready lists, ``[kind, ...fields, ...children]``: what the web page's
    marker evaluates, bounds and rewrites, so a rule is written once (here) for both markers.

    A named function is sent by its pattern (``tanh({})``), which the page maps to its own code.
    """
    return _AS_DATA[type(expr)](expr)


def _kids(expr: Expr) -> list:
    return [as_data(child) for child in expr.children()]


_AS_DATA: dict[type, Callable[..., list]] = {
    Ref: lambda e: ["ref", e.name],
    Const: lambda e: ["const", e.value, e.text],
    Sum: lambda e: ["sum", e.brackets, *_kids(e)],
    Diff: lambda e: ["diff", *_kids(e)],
    Prod: lambda e: ["prod", e.tight, *_kids(e)],
    Div: lambda e: ["div", *_kids(e)],
    Neg: lambda e: ["neg", *_kids(e)],
    Square: lambda e: ["square", *_kids(e)],
    Exp: lambda e: ["exp", *_kids(e)],
    Ln: lambda e: ["ln", *_kids(e)],
    Call: lambda e: ["call", e.pattern, *_kids(e)],
    Group: lambda e: ["group", *_kids(e)],
    Slope: lambda e: ["slope", e.activation, e.formula, *_kids(e)],
    Softmax: lambda e: ["softmax", e.index, *_kids(e)],
}
"""One entry per node kind; a test walks every subclass of Expr."""
