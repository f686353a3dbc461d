"""``bpstep verify``'s marking of one step as data, for a marker in another language (the web page).

Everything the page's marker knows of this step comes from here: each rule as a tree
(``expr.as_data``), the true values, the precision floor, and each named mistake as the rewrites
``verify`` itself makes of each rule (``verify.REPLAYED``) or as the generic strategy its
variants follow over the rules the student's blanks leave (``STRATEGIES``). The page's code is
generic: it holds no activation, loss or mistake of its own.
"""

from __future__ import annotations

import math
from typing import Any

from bpstep import verify as v
from bpstep.expr import Prod, Ref, as_data
from bpstep.functions import LEAKY_SLOPE, TANH_BEND
from bpstep.trace import Kind, Quantity, Trace, parse_name
from bpstep.written import Floor

STRATEGIES: dict[str, dict[str, Any]] = {
    **{key: {"replayed": True} for key in v.REPLAYED if key != "power_of_ten"},
    "derivative_missing": {"slopes": "one", "how": "left out"},
    "derivative_twice": {"slopes": "square", "how": "applied twice", "fused": True},
    "a_for_y": {"rename": "net_input"},
    "new_for_old": {"rename": "updated"},
    "power_of_ten": {"powers": True},
    "sign_flipped": {"negated": True},
}
"""How the page makes each mistake's variants, by key; a test checks every key of MISTAKES."""


def number(value: float) -> float | str:
    """A float JSON can carry: ±inf and nan as the strings the page reads back."""
    if math.isfinite(value):
        return value
    return "nan" if value != value else ("inf" if value > 0 else "-inf")


def _bounds(marker: v._Marker, q: Quantity) -> dict[str, Any]:
    low, high = marker.bounds(q)
    out: dict[str, Any] = {"low": number(low), "high": number(high)}
    if math.isfinite(low) or math.isfinite(high):
        out["outside"] = marker.out_of_range(q, low, high)
    return out


def _names(trace: Trace) -> dict[str, dict[str, str]]:
    """For each name of the step, the names a mistake takes it for (its net input, its updated
    weight) and the δ of its unit, where the step has them."""
    out: dict[str, dict[str, str]] = {}
    for name in [*trace.given, *(q.name for q in trace)]:
        parsed = parse_name(name)
        if parsed is None:
            continue
        entry = {"kind": parsed.kind}
        for field, mistaken in (("net_input", v._net_input_of), ("updated", v._updated_of)):
            other = mistaken(parsed)
            if other is not None and other in trace:
                entry[field] = other
        if parsed.unit:
            entry["delta"] = parsed.renamed(Kind.DELTA)
            entry["unit"] = parsed.unit
        out[name] = entry
    return out


def _fused(marker: v._Marker, trace: Trace) -> dict[str, Any] | None:
    """The error terms an output δ holds and each with the output's f′(a) applied again (for a
    fused output, whose f′ cancels), and the words of that mistake."""
    fused = v._fused_output(marker)
    if fused is None:
        return None
    pairs = []
    for q in trace:
        for node in v._error_terms(q.expr):
            unit = next(n for n in map(parse_name, v._refs(node)) if n is not None)
            wrong = Prod((node, fused.slope_of(Ref(unit.renamed(Kind.A)), Ref(unit.renamed(Kind.Y)))))
            pair = [as_data(node), as_data(wrong)]
            if pair not in pairs:
                pairs.append(pair)
    delta = "t − y" if marker.delta_rule else "y − t"
    return {"pairs": pairs,
            "hint": f"activation derivative f′(a) = {fused.derivative_formula} of {fused.name} "
                    f"applied although δ = {delta} already has it (it cancels against ∂E/∂y of "
                    f"{marker.network.loss.name})"}


def marking_data(trace: Trace, *, floor: Floor | None,
                 tol: float | None = None) -> dict[str, Any]:
    """Everything ``verify`` marks this step with, as JSON-ready data."""
    marker = v.truth_marker(trace)
    quantities = []
    for stage, st in enumerate(trace.stages):
        for q in st.quantities:
            rewrites = {}
            for key, rule in v.REPLAYED.items():
                made = [[as_data(r[0]), r[1]] for r in rule(marker, q)]
                if made:
                    rewrites[key] = made
            quantities.append({
                "name": q.name, "kind": str(q.kind), "unit": q.unit, "stage": stage,
                "value": number(q.value), "rule": as_data(q.expr), "inputs": list(q.inputs),
                "backward": q.kind in v.BACKWARD_KINDS, "output_delta": v._is_output_delta(marker, q),
                "mistakes": [m.key for m in v.MISTAKES if m.applies(marker, q)],
                "rewrites": rewrites, **_bounds(marker, q)})
    return {
        "floor": None if floor is None else {"kind": str(floor.kind), "count": floor.count},
        "tol": tol,
        "given": {n: number(x) for n, x in trace.given.items()},
        "truth": {n: number(x) for n, x in trace.env.items()},
        "quantities": quantities,
        "names": _names(trace),
        "strategies": [{"key": m.key, **STRATEGIES[m.key]} for m in v.MISTAKES],
        "fused": _fused(marker, trace),
        "powers": [[p, factor, 10.0 ** p] for p, factor in v.POWERS.items()],
        "words": {"early": v.EARLY_WORDS, "digits": v.DIGIT_HINTS,
                  "not_finite": "the true value is past the float range, so no number written "
                                "can be right",
                  "new_for_old": next(v._new_for_old(marker, next(iter(trace)))).hint,
                  "a_for_y": next(v._a_for_y(marker, next(iter(trace))))[1],
                  "summary": {str(k): w for k, w in v.SUMMARY_WORDS.items()}},
        "limits": {"epsilon": v.EPSILON, "float_noise": v.FLOAT_NOISE, "depth": v.DEPTH,
                   "slip_digits": v.SLIP_DIGITS, "most_figures": v.MOST_FIGURES,
                   "least_figures": v.LEAST_FIGURES, "most_work": v.MOST_WORK,
                   "most_forms": v.MOST_FORMS, "most_path": v.MOST_PATH,
                   "most_operands": v.MOST_OPERANDS, "near": v.NEAR, "near_share": v.NEAR_SHARE,
                   "tiny": 2.2250738585072014e-308},
        "functions": {"leaky_slope": LEAKY_SLOPE, "tanh_bend": TANH_BEND},
        "credit": {str(k): c for k, c in v.CREDIT.items()},
    }

