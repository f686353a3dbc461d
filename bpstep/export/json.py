"""The ``--json`` shapes of a step, a marking and a training run: stable interfaces for scripts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from bpstep.scenario import Scenario
from bpstep.trace import Quantity, Trace
from bpstep.verify import ACCEPTED, NOT_ATTEMPTED, VERDICTS, Report

if TYPE_CHECKING:
    from bpstep.train import TrainResult

JSON_COUNT_KEYS = {v: v.replace(" ", "_") for v in VERDICTS}


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


def report_to_json(report: Report, *, scenario: str, reveal: bool = True,
                   tol: float | None = None) -> dict[str, Any]:
    """``{"scenario", "revealed", "tolerance", "answers": [...], "summary": {...}}``.

    One object per quantity of the step, in stage order, attempted or not; with ``reveal``
    off the correct values (and values recomputed from the student's work) are null.
    """
    answers = [{
        "name": v.name,
        "given": v.given,
        "written": v.written,
        "expected": v.expected if reveal else None,
        "verdict": v.verdict,
        "accepted": v.accepted if v.verdict != NOT_ATTEMPTED else None,
        "hint": v.hint,
        "mistake": v.mistake,
        "carried_from": list(v.carried_from),
        "recomputed": v.recomputed if reveal and v.given is not None else None,
        "tolerance": v.tolerance,
    } for v in report]
    counts = report.counts
    summary: dict[str, Any] = {JSON_COUNT_KEYS[k]: n for k, n in counts.items()}
    summary["accepted"] = sum(counts[k] for k in ACCEPTED)
    summary["text"] = report.summary()
    return {"scenario": scenario, "revealed": reveal,
            "tolerance": "digits written" if tol is None else tol,
            "answers": answers, "summary": summary}


def _number(value: float) -> float | None:
    """JSON has no NaN or infinity: a diverged loss is written as null."""
    return float(value) if math.isfinite(value) else None


def result_to_json(scenario: Scenario, result: TrainResult) -> dict[str, object]:
    """The stable ``--json`` shape: settings, loss history, final weights and predictions."""
    has_bias = scenario.biases is not None
    return {
        "scenario": scenario.source,
        "epochs": result.requested,
        "completed": result.epochs,
        "stopped": result.stopped,
        "learning_rate": scenario.learning_rate,
        "mode": scenario.mode,
        "batch_size": scenario.batch_size,
        "shuffle": scenario.shuffle,
        "seed": scenario.seed,
        "init": None if scenario.init is None else {
            "kind": scenario.init.kind, "seed": scenario.init.seed, "scale": scenario.init.scale},
        "loss_function": scenario.loss,
        "reduction": scenario.reduction,
        "every": result.every,
        "history": [{"epoch": e, "loss": _number(v)} for e, v in result.history],
        "final_loss": _number(result.loss),
        "weights": [[[_number(v) for v in row] for row in w] for w in result.params.weights],
        "biases": [[_number(v) for v in b] for b in result.params.biases] if has_bias else None,
        "predictions": [[_number(v) for v in row] for row in result.predictions],
    }
