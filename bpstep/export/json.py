"""The ``--json`` shape of a step: a stable interface for scripts and graders."""

from __future__ import annotations

from typing import Any

from bpstep.scenario import Scenario
from bpstep.trace import Quantity, Trace


def quantity_to_json(q: Quantity) -> dict[str, Any]:
    """A quantity with its rule and numbers at full precision."""
    return {
        "name": q.name,
        "value": q.value,
        "formula": q.formula,
        "substituted": q.substituted(repr),
        "inputs": list(q.inputs),
    }


def trace_to_json(scenario: Scenario, trace: Trace) -> dict[str, Any]:
    """``values`` maps every computed quantity to its float; ``stages`` keeps the teaching order."""
    return {
        "scenario": scenario.source,
        "title": scenario.title,
        "loss": scenario.loss,
        "convention": scenario.convention,
        "mode": scenario.mode,
        "values": trace.values,
        "given": dict(trace.given),
        "stages": [
            {
                "index": i + 1,
                "phase": stage.phase,
                "title": stage.title,
                "quantities": [quantity_to_json(q) for q in stage.quantities],
            }
            for i, stage in enumerate(trace.stages)
        ],
    }
