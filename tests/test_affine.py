"""Ranges of rules over intervals (bpstep.affine, Expr.bound): never narrower than the values the
rule takes anywhere in the box, and about as tight as they are. The true range is sampled here
with numpy at the corners and inside the box, never taken from bpstep."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstep.affine import UNBOUNDED, Affine
from bpstep.engine import step
from bpstep.expr import Call, Diff, Div, Prod, Ref, Square, Sum
from bpstep.functions import ACTIVATIONS
from bpstep.scenario import load

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if "answers" not in p.name)


def sampled(expr, centres: dict[str, float], halves: dict[str, float], rng: np.random.Generator,
            draws: int = 200) -> tuple[float, float]:
    """The lowest and highest value of ``expr`` at the corners of the box, at random points, and
    at the two corners its slope at the centre points to (where a narrow box's extremes are)."""
    names = list(centres)
    slope = {}
    for n in names:
        up, down = dict(centres), dict(centres)
        up[n] += halves[n] * 1e-3
        down[n] -= halves[n] * 1e-3
        slope[n] = np.sign(expr.evaluate(up) - expr.evaluate(down))
    points = [{n: centres[n] + side * slope[n] * halves[n] for n in names} for side in (1, -1)]
    if len(names) <= 8:
        points += [dict(zip(names, corner, strict=True)) for corner in itertools.product(
            *[(centres[n] - halves[n], centres[n] + halves[n]) for n in names])]
    for _ in range(draws):
        points.append({n: centres[n] + halves[n] * rng.uniform(-1, 1) for n in names})
    values = [expr.evaluate(p) for p in points]
    return min(values), max(values)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_rule_s_range_holds_every_value_it_takes_and_is_tight(path: Path) -> None:
    """Each rule of the step, its operands each given a box of ±0.01 % to ±0.5 % of itself."""
    trace = step(load(path))
    rng = np.random.default_rng(3)
    checked = 0
    for q in itertools.islice(trace, 400):
        operands = list(dict.fromkeys(q.inputs))
        centres = {n: trace.env[n] for n in operands}
        halves = {n: abs(v) * 10 ** rng.uniform(-4, -2.3) for n, v in centres.items()}
        form = q.expr.bound({n: Affine.written(n, centres[n], halves[n]) for n in operands})
        assert form.bounded, q.name
        low, high = sampled(q.expr, centres, halves, rng)
        slack = 1e-12 * max(1.0, abs(q.value))
        assert form.low <= low + slack and high - slack <= form.high, (q.name, form, low, high)
        true_width = high - low
        assert form.high - form.low <= 1.5 * true_width + 1e-9 * max(1.0, abs(q.value)), (
            q.name, form.high - form.low, true_width)
        checked += 1
    assert checked >= 20


def test_one_number_used_twice_is_one_number() -> None:
    # y·(1 − y) for y in [0.66, 0.67]: the values run from 0.67·0.33 = 0.2211 to 0.66·0.34 =
    # 0.2244; plain interval arithmetic would say [0.66·0.33, 0.67·0.34] = [0.2178, 0.2278].
    y = Affine.written("y", 0.665, 0.005)
    form = Prod((Ref("y"), Diff(Ref("one"), Ref("y")))).bound({"y": y, "one": Affine.point(1.0)})
    assert form.low <= 0.67 * 0.33 and form.high >= 0.66 * 0.34
    assert form.low == pytest.approx(0.67 * 0.33, abs=6e-5)
    assert form.high == pytest.approx(0.66 * 0.34, abs=6e-5)  # the square term adds at most 0.005² each way
    assert form.high - form.low < 0.4 * (0.67 * 0.34 - 0.66 * 0.33)


def test_a_sum_that_nearly_cancels_keeps_only_its_own_rounding() -> None:
    # 0.4321·y1 − 0.4321·y2 + ... where y1, y2 are one written number each: the result's range is
    # the roundings' range, not the terms' (2.1e-5 wide, though each term is near 0.2).
    forms = {"a": Affine.written("a", 0.45678, 0.000005), "b": Affine.written("b", 0.45673, 0.000005)}
    form = Diff(Prod((Ref("w"), Ref("a"))), Prod((Ref("w"), Ref("b")))).bound(
        {**forms, "w": Affine.point(0.4321)})
    assert form.centre == pytest.approx(0.4321 * 0.00005, rel=1e-9)
    assert form.radius == pytest.approx(0.4321 * 0.00001, rel=1e-9)


def test_what_cannot_be_bounded_says_nothing() -> None:
    near_zero = Affine.written("d", 0.001, 0.002)
    assert not Div(Ref("one"), Ref("d")).bound({"one": Affine.point(1.0), "d": near_zero}).bounded
    assert not UNBOUNDED.bounded and UNBOUNDED.low == -math.inf and UNBOUNDED.high == math.inf
    assert not Affine.point(math.inf).bounded
    huge = Affine.written("a", 800.0, 1.0)
    assert not huge.exp().bounded  # e^801 is past the float range
    # ln of a range reaching 0 is taken of at least the smallest normal float, like the core
    low = Affine.written("y", 0.0, 0.01).log(2.2250738585072014e-308)
    assert low.low == pytest.approx(math.log(2.2250738585072014e-308))
    assert low.high == pytest.approx(math.log(0.01))


def test_a_square_of_a_range_holding_zero_holds_zero_and_its_top() -> None:
    # e in [−0.009, 0.011]: e² runs from 0 to 0.011² = 0.000121.
    form = Square(Ref("e")).bound({"e": Affine.written("e", 0.001, 0.01)})
    assert form.low <= 0.0 and form.high == pytest.approx(0.011 ** 2, rel=1e-9)


def calls() -> list[tuple[str, Call]]:
    """Every named function of the activation table: its rule and its derivative."""
    found = []
    for entry in ACTIVATIONS.values():
        for build in (entry.rule, entry.slope):
            if build is None:
                continue
            made = build(Ref("a")) if build is entry.rule else build(Ref("a"), Ref("y"))
            found += [(entry.name, n) for n in made.nodes() if isinstance(n, Call)]
    return found


@pytest.mark.parametrize(("name", "call"), calls(), ids=lambda c: getattr(c, "pattern", c))
def test_every_named_function_is_non_decreasing_and_bends_no_more_than_it_says(name: str,
                                                                                call: Call) -> None:
    xs = np.linspace(-4, 4, 2001)
    ys = np.array([call.fn(float(x)) for x in xs])
    assert np.all(np.diff(ys) >= 0), call.pattern  # what a kink's range is read from
    h = xs[1] - xs[0]
    for low, high in ((-3.0, -0.5), (0.2, 2.5), (-1.0, 1.0), (0.0, 1.0)):
        inside = (xs > low) & (xs < high)
        bend = call.bend(low, high)
        if not math.isfinite(bend):
            continue
        second = np.abs(ys[2:] - 2 * ys[1:-1] + ys[:-2]) / h ** 2
        assert np.all(second[inside[1:-1]] <= bend * (1 + 1e-3) + 1e-6), (call.pattern, low, high)


def test_a_range_over_a_kink_is_read_from_its_ends() -> None:
    relu = ACTIVATIONS["relu"].rule(Ref("a"))  # type: ignore[misc]
    form = relu.bound({"a": Affine.written("a", 0.0, 0.3)})
    assert (form.low, form.high) == pytest.approx((0.0, 0.3))
    form = Sum((relu, Ref("a"))).bound({"a": Affine.written("a", 0.5, 0.1)})
    assert (form.low, form.high) == pytest.approx((0.8, 1.2))  # linear away from the kink


# --- any rule, any box: never an exception, never a range that leaves out a value ---

LEAVES = ("u", "v", "w")


def rules() -> st.SearchStrategy:
    from bpstep.expr import Exp, Ln, Neg, Softmax, const

    tanh, relu = ACTIVATIONS["tanh"].rule, ACTIVATIONS["relu"].rule
    leaf = st.sampled_from(LEAVES).map(Ref) | st.floats(-3, 3).map(const)

    def grow(inner: st.SearchStrategy) -> st.SearchStrategy:
        two = st.tuples(inner, inner)
        return st.one_of(
            two.map(lambda p: Sum(p)), two.map(lambda p: Diff(*p)), two.map(lambda p: Prod(p)),
            two.map(lambda p: Div(*p)), inner.map(Neg), inner.map(Square), inner.map(Exp),
            inner.map(Ln), inner.map(tanh), inner.map(relu),  # type: ignore[arg-type]
            st.tuples(inner, inner, st.integers(0, 1)).map(lambda p: Softmax(p[2], p[:2])))

    return st.recursive(leaf, grow, max_leaves=8)


BOXES = st.fixed_dictionaries({n: st.tuples(
    st.one_of(st.floats(-1e3, 1e3), st.sampled_from([0.0, 1e-300, -1e-300, 1e300, 700.0, -745.0])),
    st.one_of(st.floats(0, 10), st.sampled_from([0.0, 1e-320, 1e-9, 1e300]))) for n in LEAVES})


@settings(max_examples=600, derandomize=True, deadline=None)
@given(rules(), BOXES)
def test_any_rule_over_any_box_is_bounded_or_says_nothing(rule, boxes) -> None:  # type: ignore[no-untyped-def]
    forms = {n: Affine.written(n, c, h) for n, (c, h) in boxes.items()}
    form = rule.bound(forms)  # never raises
    if not form.bounded:
        assert (form.low, form.high) == (-math.inf, math.inf)
        return
    rng = np.random.default_rng(0)
    for _ in range(40):
        point = {n: c + h * rng.uniform(-1, 1) for n, (c, h) in boxes.items()}
        value = rule.evaluate(point)
        if math.isfinite(value):
            slack = 1e-9 * max(1.0, abs(value))
            assert form.low - slack <= value <= form.high + slack, (rule.names(), point, form)


RANGES = ((-3.0, -0.5), (-2.0, -1.0), (-1.0, 0.0), (-1.0, 0.5), (-1.0, 1.0), (0.0, 1.0), (0.5, 1.0),
          (0.2, 2.5), (1.0, 2.0))


@pytest.mark.parametrize(("name", "call"), [c for c in calls() if c[1].pattern != "tanh({})"],
                         ids=lambda c: getattr(c, "pattern", c))
def test_a_piecewise_linear_function_bends_only_where_its_kink_or_jump_is_in_range(name: str,
                                                                                   call: Call) -> None:
    # ReLU, leaky ReLU and their steps are straight on either side of 0: over a closed range that
    # holds no kink or jump the bend is 0 (a tight range), over one that does it is ∞. Straight
    # is judged here from samples: every f(x) on the chord between the ends, 0 and just past it
    # included (a step jumps just after 0).
    for low, high in RANGES:
        xs = np.concatenate([np.linspace(low, high, 401), [x for x in (0.0, 1e-9) if low <= x <= high]])
        ys = np.array([call.fn(float(x)) for x in xs])
        chord = call.fn(low) + (call.fn(high) - call.fn(low)) * (xs - low) / (high - low)
        straight = bool(np.allclose(ys, chord, rtol=0, atol=1e-12))
        assert call.bend(low, high) == (0.0 if straight else math.inf), (call.pattern, low, high)
