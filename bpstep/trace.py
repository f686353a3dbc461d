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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

Recompute = Callable[[Sequence[float]], float]


def unit_name(kind: str, unit: str, sample: int | None = None) -> str:
    """``a[h1]``, or ``a[h1]@2`` for the second of several samples."""
    return f"{kind}[{unit}]" + ("" if sample is None else f"@{sample}")


def edge_name(kind: str, source: str, target: str, sample: int | None = None) -> str:
    """``dw[x1->h1]``, or ``dw[x1->h1]@2`` for the update after sample 2 in online mode."""
    return f"{kind}[{source}->{target}]" + ("" if sample is None else f"@{sample}")


def scalar_name(kind: str, sample: int | None = None) -> str:
    """``loss``, or ``loss@2`` for one of several samples."""
    return kind + ("" if sample is None else f"@{sample}")


@dataclass(frozen=True, slots=True)
class Quantity:
    """One computed number, with what it was computed from and how, in the learner's notation."""

    name: str
    """Contract name, e.g. ``delta[h1]``."""
    kind: str
    """The part of the name before the bracket: a, y, delta, dw, w, db, b, loss, ..."""
    value: float
    """Full-precision float64 result."""
    unit: str | None
    """Unit the quantity belongs to (the target unit for a weight), None for a loss."""
    template: str
    """The rule with ``{0}``, ``{1}``, ... where the operands' numbers go."""
    inputs: tuple[str, ...]
    """Names of the quantities (computed or given) the operands are, in order."""
    operands: tuple[float, ...]
    """Values of ``inputs`` at the time of computing."""
    recompute: Recompute = field(repr=False, compare=False)
    """Value from (possibly other) operand values, e.g. a student's own earlier numbers."""
    source: str | None = None
    """The weight's source unit, for dw/w quantities."""
    sample: int | None = None
    """1-based sample index when the step has several samples."""

    @property
    def formula(self) -> str:
        """The rule in names, e.g. ``a[h1] = w0[x1->h1]·y[x1] + w0[x2->h1]·y[x2]``."""
        return f"{self.name} = " + self.template.replace("×", "·").format(*self.inputs)

    def substituted(self, fmt: Callable[[float], str]) -> str:
        """The rule with numbers in place of names, ending in the result.

        Negative operands are bracketed, as on paper: ``0.3 × (−0.0368)``.
        """
        shown = (f"({fmt(v)})" if v < 0 else fmt(v) for v in self.operands)
        return self.template.format(*shown) + " = " + fmt(self.value)


def row_label(q: Quantity) -> str:
    """What a table row of this quantity is about: ``x1 → h1``, ``bias → h1``, ``h1``, ``network``."""
    if q.kind in ("dw", "w"):
        return f"{q.source} → {q.unit}"
    if q.kind in ("db", "b"):
        return f"bias → {q.unit}"
    if q.unit is not None:
        return q.unit
    return "network" if q.sample is None else f"sample {q.sample}"


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the lesson: a phase and the quantities it computes."""

    phase: str
    """forward, loss, backward, update or after."""
    title: str
    """What a teacher would say, e.g. ``hidden deltas · layer 1 (h1, h2)``."""
    quantities: tuple[Quantity, ...]
    units: tuple[str, ...] = ()
    """Units the stage is about, in layer order (for per-unit tables and diagrams)."""
    layer: int | None = None
    """Index of the layer the stage is about (0 = inputs), when it is about one."""
    sample: int | None = None


@dataclass(frozen=True, slots=True)
class Trace:
    """One training step: given values, then every stage in the order it is taught."""

    stages: tuple[Stage, ...]
    given: Mapping[str, float]
    """Inputs, targets, initial parameters and the learning rate, by name."""
    _index: Mapping[str, Quantity] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {q.name: q for stage in self.stages for q in stage.quantities}
        object.__setattr__(self, "_index", MappingProxyType(index))
        object.__setattr__(self, "given", MappingProxyType(dict(self.given)))

    def __iter__(self) -> Iterator[Quantity]:
        for stage in self.stages:
            yield from stage.quantities

    def __getitem__(self, name: str) -> Quantity:
        return self._index[name]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    @property
    def values(self) -> dict[str, float]:
        """Every computed quantity's value by name, in stage order."""
        return {q.name: q.value for q in self}

    def value_of(self, name: str) -> float:
        """A computed or a given value by name."""
        if name in self._index:
            return self._index[name].value
        return self.given[name]

    def stage_of(self, name: str) -> int:
        """Index of the stage that computes ``name``."""
        for i, stage in enumerate(self.stages):
            if any(q.name == name for q in stage.quantities):
                return i
        raise KeyError(name)
