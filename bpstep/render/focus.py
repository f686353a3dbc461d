"""``--focus UNIT``: the quantities of one unit and its immediate neighbours in the computation.

A unit's own quantities are those about it (``a``, ``y``, ``δ``, bias, the values after the
update) and those of the weights that touch it. Around them we keep one step of the dependency
graph that the trace records in ``Quantity.inputs``: what they are computed from and what is
computed from them. A full transitive walk is no focus at all: the loss depends on every output,
and every δ on the loss, so ancestors plus descendants of any unit cover nearly the whole step.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpstep.errors import UserError, did_you_mean
from bpstep.trace import Quantity, Trace, parse_name


class UnknownUnit(UserError):
    """A ``--focus`` unit that the network does not have; the message suggests the nearest."""


@dataclass(frozen=True, slots=True)
class Focus:
    """The unit followed and the names of the computed quantities shown for it."""

    unit: str
    names: frozenset[str]


def units_of(trace: Trace) -> list[str]:
    """Every unit of the network, inputs first, in layer order."""
    units: dict[str, None] = {}
    for name in trace.given:
        parsed = parse_name(name)
        if parsed is not None and parsed.kind == "y" and parsed.unit is not None:
            units[parsed.unit] = None
    for stage in trace.stages:
        units.update(dict.fromkeys(stage.units))
        units.update({q.unit: None for q in stage.quantities if q.unit is not None})
    return list(units)


def focus_on(trace: Trace, unit: str) -> Focus:
    """The quantities that involve ``unit``, or ``UnknownUnit`` naming the units there are."""
    units = units_of(trace)
    if unit not in units:
        hint = did_you_mean(unit, units)
        raise UnknownUnit(f"--focus: no unit named {unit!r}; {hint + ' ' if hint else ''}units: "
                          f"{', '.join(units)}")
    quantities = list(trace)
    own = {q.name for q in quantities if _touches(q, unit)}
    own |= {name for name in trace.given if _given_touches(name, unit)}
    shown = set(own)
    for q in quantities:
        if q.name in own:
            shown.update(q.inputs)
        if own.intersection(q.inputs):
            shown.add(q.name)
    return Focus(unit, frozenset(name for name in shown if name in trace))


def _touches(q: Quantity, unit: str) -> bool:
    return q.unit == unit or q.source == unit


def _given_touches(name: str, unit: str) -> bool:
    parsed = parse_name(name)
    return parsed is not None and unit in (parsed.unit, parsed.source)
