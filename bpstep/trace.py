"""Records of one training step: named quantities grouped into ordered stages.

Quantity names are a public contract (tables, ``--json``, ``bpstep verify``):

- ``a[h1]`` net input, ``y[h1]`` output, ``delta[h1]`` δ of a unit;
- ``dw[x1->h1]`` change applied to a weight, ``w[x1->h1]`` the weight after the update;
- ``db[h1]`` / ``b[h1]`` the same for biases; ``loss`` before and ``loss_after`` after the step;
- ``a_after[h1]`` / ``y_after[h1]`` the forward pass with the updated parameters.

Given values (not computed, so not on a worksheet) are named ``y[x1]`` (an input),
``t[o]`` (a target), ``w0[x1->h1]`` / ``b0[h1]`` (parameters before the step) and ``lr``.
With several samples, a per-sample name ends in ``@k`` (k counts from 1): ``a[h1]@2``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from operator import itemgetter
from types import MappingProxyType
from typing import overload

import numpy as np

from bpstep.enums import StrEnum
from bpstep.errors import UserError, did_you_mean
from bpstep.expr import Env, Expr, Layout
from bpstep.functions import Activation, FusedDelta, Loss, fused
from bpstep.scenario import Convention, Mode, Reduction


class Kind(StrEnum):
    """What a named number is: the part of its name before the bracket."""

    A = "a"
    Y = "y"
    DELTA = "delta"
    DW = "dw"
    W = "w"
    DB = "db"
    B = "b"
    LOSS = "loss"
    A_AFTER = "a_after"
    Y_AFTER = "y_after"
    LOSS_AFTER = "loss_after"
    T = "t"
    W0 = "w0"
    B0 = "b0"
    LR = "lr"


UPDATE_KINDS = frozenset({Kind.DW, Kind.W, Kind.DB, Kind.B})
"""Kinds that belong to a weight or bias rather than a unit."""


class Phase(StrEnum):
    """Where a stage sits in the lesson."""

    FORWARD = "forward"
    LOSS = "loss"
    BACKWARD = "backward"
    UPDATE = "update"
    AFTER = "after"


def unit_name(kind: str, unit: str, sample: int | None = None) -> str:
    """``a[h1]``, or ``a[h1]@2`` for the second of several samples."""
    name = kind + "[" + unit + "]"
    return name if sample is None else name + "@" + str(sample)


def edge_name(kind: str, source: str, target: str, sample: int | None = None) -> str:
    """``dw[x1->h1]``, or ``dw[x1->h1]@2`` for the update after sample 2 in online mode."""
    return edge_names(kind, (source,), (target,), sample)[0]


def edge_names(kind: str, sources: Sequence[str], targets: Sequence[str],
               sample: int | None = None) -> list[str]:
    """``edge_name`` of each source with the target beside it, made in one go: a layer of a
    784-128-10 network has 100,352 weights."""
    head, tail = kind + "[", "]" if sample is None else "]@" + str(sample)
    return [f"{head}{source}->{target}{tail}" for source, target in zip(sources, targets, strict=True)]


def scalar_name(kind: str, sample: int | None = None) -> str:
    """``loss``, or ``loss@2`` for one of several samples."""
    return kind + ("" if sample is None else "@" + str(sample))


@dataclass(frozen=True, slots=True)
class Name:
    """A quantity name taken apart: ``dw[x1->h1]@2`` is kind dw, source x1, unit h1, sample 2."""

    kind: str
    unit: str | None = None
    source: str | None = None
    sample: int | None = None

    def renamed(self, kind: str) -> str:
        """The same place under another kind: ``w0[x1->h1]`` for ``w[x1->h1]``."""
        if self.source is not None and self.unit is not None:
            return edge_name(kind, self.source, self.unit, self.sample)
        if self.unit is not None:
            return unit_name(kind, self.unit, self.sample)
        return scalar_name(kind, self.sample)


_NAME = re.compile(r"(?P<kind>[a-z_0-9]+)(?:\[(?:(?P<source>[^\[\]]+?)->)?(?P<unit>[^\[\]]+)\])?"
                   r"(?:@(?P<sample>[1-9][0-9]{0,8}))?")


def parse_name(name: str) -> Name | None:
    """The parts of a name built by ``unit_name``, ``edge_name`` or ``scalar_name``; else None."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    sample = match["sample"]
    return Name(match["kind"], match["unit"], match["source"], int(sample) if sample else None)


def kind_of(name: str) -> str:
    """The kind of a name: ``w0`` for ``w0[x1->h1]``."""
    return name.partition("[")[0].partition("@")[0]


class Quantity:
    """One computed number: its name, its value, and the rule it comes from, in learner's notation.

    The rule (an expression over named operands) is built only when something asks for it, so a
    step of a 784-128-10 network costs its numbers, not 200,000 expression trees.
    """

    __slots__ = ("_expr", "_layout", "_rule", "before", "env", "kind", "name", "sample", "source", "unit",
                 "value")

    def __init__(self, name: str, kind: Kind, value: float, unit: str | None,
                 rule: Callable[[], Expr], env: Env, source: str | None = None,
                 sample: int | None = None, before: float | None = None) -> None:
        self.name = name
        """Contract name, e.g. ``delta[h1]``."""
        self.kind = kind
        self.value = value
        """Full-precision float64 result."""
        self.unit = unit
        """Unit the quantity belongs to (the target unit for a weight), None for a loss."""
        self.source = source
        """The weight's source unit, for dw/w quantities."""
        self.sample = sample
        """1-based sample index when the step has several samples."""
        self.before = before
        """For a new weight or bias: its value before this update."""
        self.env = env
        """Every value of the step by name (given and computed), for printing with numbers."""
        self._rule = rule
        self._expr: Expr | None = None
        self._layout: Layout | None = None

    def __repr__(self) -> str:
        return f"Quantity({self.name}={self.value!r})"

    @property
    def expr(self) -> Expr:
        """The rule as an expression over named operands."""
        if self._expr is None:
            self._expr = self._rule()
        return self._expr

    @property
    def layout(self) -> Layout:
        """The rule's printed form, made once for its text in names and with numbers."""
        if self._layout is None:
            self._layout = rule_layout(self._rule) if self._expr is None else self._expr.layout()
        return self._layout

    @property
    def inputs(self) -> tuple[str, ...]:
        """Names of the quantities (computed or given) the rule uses, in order of appearance."""
        return tuple(dict.fromkeys(self.layout.refs))

    @property
    def formula(self) -> str:
        """The rule in names, e.g. ``a[h1] = w0[x1->h1]·y[x1] + w0[x2->h1]·y[x2]``."""
        return formula_text(self.name, self.layout.names())

    def substituted(self, fmt: Callable[[float], str]) -> str:
        """The rule with numbers in place of names, ending in the result.

        Negative operands are bracketed, as on paper: ``0.3 × (−0.0368)``.
        """
        return substituted_text(self.layout.numbers(self.env, fmt), fmt(self.value))

    def evaluate(self, env: Env) -> float:
        """The value from other operand values, e.g. a student's own earlier numbers."""
        return self.expr.evaluate(env)


def formula_text(name: str, rule: str) -> str:
    """A quantity's rule in names as it is shown: ``delta[o] = ...``."""
    return f"{name} = {rule}"


def substituted_text(numbers: str, result: str) -> str:
    """A rule with numbers as it is shown, ending in its result."""
    return f"{numbers} = {result}"


_OPEN = "\x03"
"""Marks a stand-in name in the layout of a rule's shape (no scenario name holds it)."""


def rule_layout(rule: Callable[[], Expr]) -> Layout:
    """The layout of a rule, shared by every rule of the same shape.

    A rule made as ``partial(builder, *args)`` prints the same text around other names for every
    quantity it is made for (all Δw of a layer read ``lr · δ·y``), so the builder is run once per
    shape with stand-in names, and each quantity only puts its own names in. A stand-in keeps
    the kind of the name it stands for (a builder may ask whether an operand is a target or an
    output); every list of names a builder is given holds names of one kind.
    """
    if isinstance(rule, RowRule):
        rule = rule.partial()
    if not isinstance(rule, partial) or rule.keywords:
        return rule().layout()
    signature, names = _signature(rule.args)
    shape = _shape_of(rule.func, signature)
    names.extend(shape.literals)
    return Layout(shape.text, shape.pick(names))


_ONE, _MANY = object(), object()
"""Marks, in a rule's signature, a name and a list of names (by their kind and count)."""


@dataclass(frozen=True, slots=True)
class _Shape:
    """The layout of one rule shape: its text, and where each operand's name is found."""

    text: str
    literals: tuple[str, ...]
    """Names the builder wrote itself (``lr``), placed after the quantity's own names."""
    where: tuple[int, ...]
    """For each hole, in printed order: the index of its name among the quantity's names
    followed by ``literals``."""
    pick: Callable[[list[str]], tuple[str, ...]]
    """The operand names in printed order, from the quantity's names followed by ``literals``."""


def _signature(args: Sequence[object]) -> tuple[tuple[object, ...], list[str]]:
    """A rule's arguments as its shape sees them (names by kind and count), and its names."""
    names: list[str] = []
    signature: list[object] = []
    for arg in args:
        if isinstance(arg, str):
            signature.append((_ONE, kind_of(arg)))
            names.append(arg)
        elif isinstance(arg, list | tuple) and arg and isinstance(arg[0], str):
            signature.append((_MANY, kind_of(arg[0]), len(arg)))
            names.extend(arg)
        else:
            signature.append(arg)
    return tuple(signature), names


@lru_cache(maxsize=4096)
def _shape_of(builder: Callable[..., Expr], signature: tuple[object, ...]) -> _Shape:
    """Run ``builder`` once with stand-in names shaped like ``signature`` and note where they land."""
    own = 0
    skeleton: list[object] = []
    for part in signature:
        if isinstance(part, tuple) and part[:1] in ((_ONE,), (_MANY,)):
            count = 1 if part[0] is _ONE else part[2]
            stand_ins = [f"{part[1]}[{_OPEN}{i}]" for i in range(own, own + count)]
            skeleton.append(stand_ins[0] if part[0] is _ONE else stand_ins)
            own += count
        else:
            skeleton.append(part)
    layout = builder(*skeleton).layout()
    literals = tuple(dict.fromkeys(r for r in layout.refs if _OPEN not in r))
    where = tuple(int(r[r.index(_OPEN) + 1:-1]) if _OPEN in r else own + literals.index(r)
                  for r in layout.refs)
    if len(where) > 1:
        return _Shape(layout.text, literals, where, itemgetter(*where))
    return _Shape(layout.text, literals, where, lambda names: tuple(names[i] for i in where))


class Rows:
    """A rule argument that differs from one quantity of a ``RuleBlock`` to the next: made for
    a range of rows when asked for (one row for one quantity, thousands for a writer)."""

    __slots__ = ("of",)

    def __init__(self, of: Callable[[range], Sequence[object]]) -> None:
        self.of = of

    def at(self, row: int) -> object:
        return self.of(range(row, row + 1))[0]


@dataclass(frozen=True, slots=True)
class RuleBlock:
    """The quantities of a lazy stage that one rule builder makes: every ``every``-th from
    position ``first``, ``count`` of them (all Δw of a layer), told by their row.

    Their rules differ only in the names they are given, so they share one layout: the names
    of all of them are read as columns, without making a quantity or an expression.
    """

    kind: Kind
    first: int
    every: int
    count: int
    names: Callable[[range], list[str]]
    """The contract names of the quantities of a range of rows."""
    builder: Callable[..., Expr]
    args: tuple[object, ...]
    """The builder's arguments: the same for every row, or ``Rows``."""
    unit: Callable[[int], str]
    source: Callable[[int], str] | None = None
    before: np.ndarray | None = None
    """For new weights or biases: their values before the update, by row."""
    sample: int | None = None

    def rows_of(self, start: int, stop: int) -> range:
        """The rows of this block at stage positions ``start`` to ``stop``."""
        return range(max(0, -(-(start - self.first) // self.every)),
                     min(self.count, max(0, -(-(stop - self.first) // self.every))))

    def args_at(self, row: int) -> list[object]:
        return [a.at(row) if isinstance(a, Rows) else a for a in self.args]

    def quantity(self, row: int, name: str, value: float, env: Env) -> Quantity:
        return Quantity(name, self.kind, value, self.unit(row), RowRule(self, row), env,
                        None if self.source is None else self.source(row), self.sample,
                        None if self.before is None else float(self.before[row]))

    def operands(self, rows: range) -> tuple[str, list[list[str]]]:
        """The layout text these rules share, and the name in each of its holes, row by row."""
        signature, _ = _signature(self.args_at(rows.start))
        shape = _shape_of(self.builder, signature)
        columns: list[list[str]] = []
        for arg in self.args:
            values = list(arg.of(rows)) if isinstance(arg, Rows) else [arg] * len(rows)
            if values and isinstance(values[0], str):
                columns.append(values)  # type: ignore[arg-type]
            elif values and isinstance(values[0], list | tuple) and values[0] \
                    and isinstance(values[0][0], str):
                columns.extend([v[i] for v in values] for i in range(len(values[0])))  # type: ignore[index]
        columns.extend([literal] * len(rows) for literal in shape.literals)
        return shape.text, [columns[i] for i in shape.where]


class RowRule:
    """The rule of one row of a ``RuleBlock``: its arguments are picked only when the rule or its
    layout is asked for (the fairness rules of ``bpstep variants`` read only names and values)."""

    __slots__ = ("block", "row")

    def __init__(self, block: RuleBlock, row: int) -> None:
        self.block = block
        self.row = row

    def partial(self) -> partial[Expr]:
        return partial(self.block.builder, *self.block.args_at(self.row))

    def __call__(self) -> Expr:
        return self.partial()()


class LazyQuantities(Sequence[Quantity]):
    """A stage's quantities made one at a time when asked for (an update of a 784-128-10
    network holds 200,000): names and values are kept as a list and an array, the rules as
    ``RuleBlock`` records, and a quantity is made from them on demand."""

    __slots__ = ("_names", "blocks", "columns", "env", "values")

    def __init__(self, values: np.ndarray, blocks: Sequence[RuleBlock],
                 columns: Mapping[str, np.ndarray], env: Env) -> None:
        self.values = values
        """Every value of the stage, in order."""
        self._names: list[str] | None = None
        self.blocks = tuple(blocks)
        """Which rule makes the quantity at each position."""
        self.columns = columns
        """Every value of one column of the stage's table, in row order, by column name."""
        self.env = env

    def _make(self, index: int, name: str | None, value: float) -> Quantity:
        """The quantity at ``index``, named by its block unless the name is known."""
        for block in self.blocks:
            row, off = divmod(index - block.first, block.every)
            if not off and 0 <= row < block.count:
                if name is None:
                    name = block.names(range(row, row + 1))[0]
                return block.quantity(row, name, value, self.env)
        raise IndexError(index)

    @property
    def names(self) -> list[str]:
        """Every name of the stage, in order (made on first use)."""
        if self._names is None:
            names = [""] * len(self.values)
            for block in self.blocks:
                names[block.first:block.first + block.count * block.every:block.every] = \
                    block.names(range(block.count))
            self._names = names
        return self._names

    def items(self) -> Iterator[tuple[str, float]]:
        """(name, value) of every quantity, without making the quantities."""
        return zip(self.names, self.values.tolist(), strict=True)

    def __len__(self) -> int:
        return len(self.values)

    @overload
    def __getitem__(self, index: int) -> Quantity: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Quantity, ...]: ...

    def __getitem__(self, index: int | slice) -> Quantity | tuple[Quantity, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._make(index, None if self._names is None else self._names[index],
                          float(self.values[index]))

    def __iter__(self) -> Iterator[Quantity]:
        make = self._make
        for i, (name, value) in enumerate(self.items()):
            yield make(i, name, value)


def named_values(quantities: Sequence[Quantity]) -> Iterator[tuple[str, float]]:
    """(name, value) of each quantity of a stage, cheaply when the stage is lazy."""
    if isinstance(quantities, LazyQuantities):
        return quantities.items()
    return ((q.name, q.value) for q in quantities)


class StepValues(dict[str, float]):
    """Every value of a step by name; the values of lazy stages join on the first look-up of one."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[LazyQuantities] = []

    def __missing__(self, name: str) -> float:
        if not self.pending:
            raise KeyError(name)
        self._join()
        return self[name]

    def _join(self) -> None:
        pending, self.pending = self.pending, []
        for quantities in pending:
            self.update(quantities.items())

    def get(self, name: str, default: float | None = None) -> float | None:  # type: ignore[override]
        """As ``dict.get``, with the lazy stages' values (``dict.get`` never asks ``__missing__``:
        a marking read the true value of a value not yet looked up as missing)."""
        if self.pending and not dict.__contains__(self, name):
            self._join()
        return dict.get(self, name, default)

    def __contains__(self, name: object) -> bool:
        if self.pending and not dict.__contains__(self, name):
            self._join()
        return dict.__contains__(self, name)

    def __iter__(self) -> Iterator[str]:
        self._join()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._join()
        return dict.__len__(self)

    def __bool__(self) -> bool:
        """Whether there is any value, without joining the lazy stages (``__len__`` would)."""
        return bool(self.pending) or dict.__len__(self) > 0

    def items(self):  # type: ignore[no-untyped-def]
        self._join()
        return dict.items(self)

    def keys(self):  # type: ignore[no-untyped-def]
        self._join()
        return dict.keys(self)

    def values(self):  # type: ignore[no-untyped-def]
        self._join()
        return dict.values(self)


def row_label(q: Quantity) -> str:
    """What a table row of this quantity is about: ``x1 → h1``, ``bias → h1``, ``h1``, ``network``."""
    if q.kind in (Kind.DW, Kind.W):
        return f"{q.source} → {q.unit}"
    if q.kind in (Kind.DB, Kind.B):
        return f"bias → {q.unit}"
    if q.unit is not None:
        return q.unit
    return "network" if q.sample is None else f"sample {q.sample}"


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the lesson: a phase and the quantities it computes."""

    phase: Phase
    title: str
    """What a teacher would say, e.g. ``hidden deltas · layer 1 (h1, h2)``."""
    quantities: Sequence[Quantity]
    """A tuple, or a ``LazyQuantities`` for a stage with very many."""
    units: tuple[str, ...] = ()
    """Units the stage is about, in layer order (for per-unit tables and diagrams)."""
    layer: int | None = None
    """Index of the layer the stage is about (0 = inputs), when it is about one."""
    sample: int | None = None


@dataclass(frozen=True, slots=True)
class Network:
    """The network a step ran and how it learned, as the step's readers need it: a trace is
    read alone, without the scenario it came from."""

    units: tuple[tuple[str, ...], ...]
    """Unit names of every layer, the inputs first."""
    layer_names: tuple[str | None, ...]
    """Each layer's own name, where the scenario gives one."""
    activations: tuple[Activation, ...]
    """The activation of every layer after the inputs, its gain applied."""
    loss: Loss
    convention: Convention
    mode: Mode
    reduction: Reduction
    updates: tuple[tuple[int, ...], ...]
    """The samples (from 1) each update of the step learned from, in order: every sample once."""
    biases: bool
    """Whether the units have biases."""
    update_biases: bool
    title: str | None
    source: str
    """Where the scenario was read from (a lesson's name, a path as typed)."""

    @property
    def samples(self) -> int:
        """How many samples the step learned from."""
        return sum(map(len, self.updates))

    @property
    def delta_rule(self) -> bool:
        """δ = −∂E/∂a and w ← w0 + η·δ·y (else the gradient convention, with the signs turned)."""
        return self.convention == Convention.DELTA_RULE

    @property
    def pairing(self) -> FusedDelta | None:
        """The output activation and the loss as one δ = y − t, when they fuse."""
        return fused(self.activations[-1], self.loss)


@dataclass(frozen=True, slots=True)
class Trace:
    """One training step: given values, then every stage in the order it is taught."""

    stages: tuple[Stage, ...]
    given: Mapping[str, float]
    """Inputs, targets, initial parameters and the learning rate, by name."""
    network: Network = field(kw_only=True)
    """The network and settings the step ran."""
    env: Mapping[str, float] = field(default_factory=dict, repr=False, compare=False)
    """Every value of the step, given and computed, by name: what the rules are evaluated in."""
    _where: dict[str, tuple[int, int]] = field(default_factory=dict, init=False, repr=False,
                                               compare=False)
    """Stage and position of every quantity of a stage that is not lazy, filled on the first
    look-up by name."""
    _lazy_where: dict[str, tuple[int, int]] = field(default_factory=dict, init=False, repr=False,
                                                    compare=False)
    """The same for lazy stages, filled only when a name is not found in the others: their
    100,000 names are not made to find ``y[h1]``."""

    def __post_init__(self) -> None:
        if not isinstance(self.given, MappingProxyType):  # the engine's is read-only already
            object.__setattr__(self, "given", MappingProxyType(dict(self.given)))
        if not self.env:
            object.__setattr__(self, "env", {**self.given, **self.values})

    def _place(self, name: str) -> tuple[int, int]:
        """Stage and position of a computed quantity (KeyError if none is called ``name``)."""
        if not self._where:
            self._where.update(self._places(lazy=False))
        place = self._where.get(name)
        if place is not None:
            return place
        if not self._lazy_where:
            self._lazy_where.update(self._places(lazy=True))
        return self._lazy_where[name]

    def _places(self, lazy: bool) -> Iterator[tuple[str, tuple[int, int]]]:
        for i, stage in enumerate(self.stages):
            if isinstance(stage.quantities, LazyQuantities) == lazy:
                for j, (name, _) in enumerate(named_values(stage.quantities)):
                    yield name, (i, j)

    def __iter__(self) -> Iterator[Quantity]:
        for stage in self.stages:
            yield from stage.quantities

    def __getitem__(self, name: str) -> Quantity:
        i, j = self._place(name)
        return self.stages[i].quantities[j]

    def __contains__(self, name: object) -> bool:
        try:
            self._place(name)  # type: ignore[arg-type]
        except KeyError:
            return False
        return True

    def __len__(self) -> int:
        return sum(len(stage.quantities) for stage in self.stages)

    @property
    def values(self) -> dict[str, float]:
        """Every computed quantity's value by name, in stage order."""
        return dict(self.named_values())

    def named_values(self) -> Iterator[tuple[str, float]]:
        """(name, value) of every computed quantity, in stage order."""
        for stage in self.stages:
            yield from named_values(stage.quantities)

    def value_of(self, name: str) -> float:
        """A computed or a given value by name."""
        if name in self:
            return self[name].value
        return self.given[name]

    def not_finite(self) -> tuple[int, str] | None:
        """The first stage and quantity whose value is not a finite number, if any."""
        for i, stage in enumerate(self.stages):
            quantities = stage.quantities
            if isinstance(quantities, LazyQuantities) and np.isfinite(quantities.values).all():
                continue
            for name, value in named_values(quantities):
                if not math.isfinite(value):
                    return i, name
        return None

    def stage_of(self, name: str) -> int:
        """Index of the stage that computes ``name``."""
        return self._place(name)[0]


def not_finite_note(trace: Trace) -> str | None:
    """What every command says once when the numbers of a step leave the float range: from which
    stage, how its output shows them, and how to keep them finite (None when they stay finite)."""
    found = trace.not_finite()
    if found is None:
        return None
    index, name = found
    return (f"the numbers leave the float range at stage {index + 1} of {len(trace.stages)} "
            f"({name}); from there on they are shown as 'overflow' or 'undefined' and written as "
            "null in --json. Smaller weights, inputs or learning rate keep them finite.")


class UnknownQuantity(UserError):
    """A quantity asked by name that the step neither computes nor is given; the message says
    which names are close, or where every name is listed."""


def quantity_named(trace: Trace, name: str, source: str) -> str:
    """``name`` as the step knows it (spaces ignored: ``'w[x1 -> h1]'`` is typed too), computed
    or given; ``source`` is the scenario as the user gave it, for the message."""
    wanted = "".join(name.split())
    if wanted not in trace and wanted not in trace.given:
        hint = (did_you_mean(wanted, [*(q.name for q in trace), *trace.given])
                or f"`bpstep template {source}` lists every name")
        raise UnknownQuantity(f"{source}: no quantity named {name!r} in this step; {hint}")
    return wanted


ASK_GROUPS = {"forward": (Phase.FORWARD,), "loss": (Phase.LOSS,), "deltas": (Phase.BACKWARD,),
              "updates": (Phase.UPDATE,), "after": (Phase.AFTER,), "all": tuple(Phase)}
"""Words ``--ask`` accepts for whole parts of the step."""


class AskError(UserError):
    """An ``--ask`` that chooses no quantity; the message says what it may name."""


def asked(trace: Trace, ask: str | None) -> list[str]:
    """The quantity names ``--ask`` chooses (``forward,deltas``, ``delta[*]``), in stage order.

    In a pattern only ``*`` is special (any text), so the brackets of a name are meant literally.
    """
    if ask is None:
        return [name for name, _ in trace.named_values()]
    chosen: set[str] = set()
    for item in (part.strip() for part in ask.split(",")):
        if not item:
            continue
        if item in ASK_GROUPS:
            phases = ASK_GROUPS[item]
            chosen.update(name for stage in trace.stages if stage.phase in phases
                          for name, _ in named_values(stage.quantities))
            continue
        pattern = re.compile(".*".join(map(re.escape, item.split("*"))))
        matched = [name for name, _ in trace.named_values() if pattern.fullmatch(name)]
        if not matched:
            raise AskError(f"--ask {item!r} matches no quantity; use {', '.join(ASK_GROUPS)} "
                           "or a name pattern such as 'delta[*]' or 'w[*->o]'")
        chosen.update(matched)
    if not chosen:
        raise AskError("--ask chooses nothing; e.g. --ask forward,deltas or --ask 'delta[*]'")
    return [name for name, _ in trace.named_values() if name in chosen]
