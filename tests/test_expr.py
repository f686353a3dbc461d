"""The expression model: printing in names and numbers, safe evaluation, rewrites, and every
rule of every kind of step evaluated against the numeric core's value."""

from __future__ import annotations

import math
from dataclasses import is_dataclass

import pytest

from bpstep.expr import (
    HALF,
    ONE,
    Call,
    Const,
    Diff,
    Div,
    Exp,
    Expr,
    Group,
    Ln,
    Neg,
    Prod,
    Ref,
    Slope,
    Softmax,
    Square,
    Sum,
    const,
    inline,
    operand_numbers,
    operand_texts,
    substitute,
)
from bpstep.functions import Sigma
from bpstep.trace import parse_name, unit_name

ENV = {"t": 0.5, "y": 0.665074, "a": -0.25, "w": 0.3, "d": -0.0367703, "lr": 0.5}


def test_names_and_numbers_follow_the_paper_convention() -> None:
    slope = Slope("sigmoid", "y · (1 − y)", Prod((Ref("y"), Diff(ONE, Ref("y")))))
    rule = Prod((Group(Diff(Ref("t"), Ref("y"))), slope))
    assert rule.names() == "(t − y) · y · (1 − y)"
    assert rule.numbers(ENV, lambda v: f"{v:g}") == "(0.5 − 0.665074) × 0.665074 × (1 − 0.665074)"
    assert rule.evaluate(ENV) == pytest.approx((0.5 - 0.665074) * 0.665074 * (1 - 0.665074), rel=1e-15)


def test_negative_operands_are_bracketed_and_products_of_a_weight_are_tight() -> None:
    rule = Sum((Prod((Ref("w"), Ref("d")), tight=True),))
    assert Prod((Ref("a"), rule)).names() == "a · (w·d)"
    assert Prod((Ref("a"), rule)).numbers(ENV, str) == "(-0.25) × (0.3×(-0.0367703))"


@pytest.mark.parametrize(("rule", "text"), [
    (Div(ONE, Sum((ONE, Exp(Neg(Ref("a")))))), "1 / (1 + e^(−a))"),
    (Neg(Sum((Prod((Ref("t"), Ln(Ref("y")))),), "[]")), "−[t · ln y]"),
    (Prod((HALF, Sum((Square(Diff(Ref("t"), Ref("y"))),), "[]"))), "½ · [(t − y)²]"),
    (Div(Group(Diff(Ref("y"), Ref("t"))), Prod((Ref("y"), Diff(ONE, Ref("y"))))), "(y − t) / (y · (1 − y))"),
    (Prod((Neg(Div(Ref("t"), Ref("y"))), Ref("y"))), "−t / y · y"),
    (Diff(Ref("a"), Diff(Ref("t"), Ref("y"))), "a − (t − y)"),
    (Neg(Prod((Div(Ref("lr"), const(3)), Ref("d")))), "−lr / 3 · d"),
    (Ln(Diff(ONE, Ref("y"))), "ln(1 − y)"),
    (Div(Neg(Ref("t")), Ref("y")), "−t / y"),
    (Diff(Sum((Ref("a"), Ref("w"))), Ref("t")), "a + w − t"),
    (Div(Ref("t"), Neg(Ref("y"))), "t / (−y)"),
    (Div(Ref("t"), Square(Ref("y"))), "t / y²"),
    (Prod((Ref("y"), Neg(Ref("t")))), "y · (−t)"),
])
def test_brackets_only_where_the_reading_needs_them(rule, text: str) -> None:
    assert rule.names() == text


def test_evaluation_never_raises_on_hostile_operands() -> None:
    huge = {"a": 1e6, "b": -1e6, "z": 0.0}
    assert Exp(Ref("a")).evaluate(huge) == math.inf
    assert Div(ONE, Sum((ONE, Exp(Neg(Ref("b")))))).evaluate(huge) == 0.0
    assert Div(ONE, Ref("z")).evaluate(huge) == math.inf
    assert math.isnan(Div(Ref("z"), Ref("z")).evaluate(huge))
    assert Ln(Ref("z")).evaluate(huge) == pytest.approx(math.log(2.2250738585072014e-308))
    softmax = Softmax(0, (Ref("a"), Ref("b")))
    assert softmax.evaluate(huge) == 1.0
    assert math.isnan(Softmax(0, (Ref("a"), const(math.inf))).evaluate(huge))


def test_a_rewrite_keeps_the_brackets_a_sum_was_written_with() -> None:
    half_sse = Prod((HALF, Sum((Square(Diff(Ref("t"), Ref("y"))),), "[]")))
    assert substitute(half_sse, {"t": ONE}).names() == "½ · [(1 − y)²]"


def test_rewrites_make_new_trees_and_leave_the_old_one() -> None:
    rule = Prod((Ref("lr"), Prod((Ref("d"), Ref("y")), tight=True)))
    no_rate = substitute(rule, {"lr": ONE})
    assert no_rate.evaluate(ENV) == pytest.approx(-0.0367703 * 0.665074)
    assert rule.evaluate(ENV) == pytest.approx(0.5 * -0.0367703 * 0.665074)
    rules = {"d": Prod((Ref("w"), Ref("t")))}
    assert inline(rule, rules.get, 1).names() == "lr · w · t·y"
    assert inline(rule, rules.get, 0) is rule
    assert no_rate.factors[1] is rule.factors[1]  # what the rewrite did not reach is shared
    assert substitute(rule, {"t": ONE}) is rule


def test_names_parse_back_into_their_parts() -> None:
    name = parse_name("dw[x1->h1]@12")
    assert name is not None and (name.kind, name.source, name.unit, name.sample) == ("dw", "x1", "h1", 12)
    assert name.renamed("w0") == "w0[x1->h1]@12"
    assert parse_name(unit_name("delta", "o")).unit == "o"
    assert parse_name("loss@3").sample == 3 and parse_name("lr").unit is None
    assert parse_name("a[h1") is None and parse_name("") is None


def _every_kind(cls: type = Expr) -> set[type]:
    """Every kind of node: each subclass of Expr that is a dataclass (not a base like Unary)."""
    kinds = set()
    for sub in cls.__subclasses__():
        kinds |= {sub, *_every_kind(sub)} if is_dataclass(sub) else _every_kind(sub)
    return kinds


X, Y, Z = Ref("x"), Ref("y"), Ref("z")
ONE_OF_EACH_KIND = [
    Sum((X, Y, Z)), Diff(X, Y), Prod((X, Y, Z)), Div(X, Y), Neg(X), Square(X), Exp(X), Ln(X),
    Call("tanh({})", math.tanh, lambda v: 1 - math.tanh(v) ** 2, lambda lo, hi: 1.0, X),
    Group(X), Slope("sigmoid", "y · (1 − y)", X), Softmax(1, (X, Y, Z)), Sigma(X),
]
"""A node of each kind over operands x, y, z (Ref and Const are leaves: no children)."""


def test_every_kind_of_node_is_checked_for_its_local_derivative() -> None:
    checked = {type(node) for node in ONE_OF_EACH_KIND} | {Ref, Const}
    assert _every_kind() <= checked, _every_kind() - checked


@pytest.mark.parametrize("node", ONE_OF_EACH_KIND, ids=lambda node: type(node).__name__)
@pytest.mark.parametrize("point", [(0.7, -1.3, 0.4), (2.1, 0.6, -0.9)])
def test_each_node_carries_its_local_derivative_next_to_its_value(node: Expr, point) -> None:  # type: ignore[no-untyped-def]
    """∂node/∂child against a central difference of the node's own evaluation, child by child."""
    env = dict(zip("xyz", point, strict=True))
    kids = node.children()
    xs = [k.evaluate(env) for k in kids]
    value = node.evaluate(env)
    h = 1e-6
    numeric = []
    for i in range(len(kids)):
        def at(x: float, i: int = i) -> float:
            moved = [Const(x if j == i else v, "") for j, v in enumerate(xs)]
            return node.with_children(tuple(moved)).evaluate({})
        numeric.append((at(xs[i] + h) - at(xs[i] - h)) / (2 * h))
    assert node.local(xs, value) == pytest.approx(numeric, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("node", ONE_OF_EACH_KIND, ids=lambda node: type(node).__name__)
def test_a_node_over_new_children_keeps_its_kind_and_its_other_fields(node: Expr) -> None:
    """A rewrite rebuilds a node over new children: Σ stays Σ, tanh stays tanh."""
    swapped = tuple(Ref("q") for _ in node.children())
    rebuilt = node.with_children(swapped)
    assert type(rebuilt) is type(node) and rebuilt.children() == swapped
    assert node.with_children(node.children()) == node


def test_a_division_by_zero_has_no_local_derivative_rather_than_raising() -> None:
    assert all(math.isnan(d) for d in Div(X, Y).local([1.0, 0.0], math.inf))


@pytest.mark.parametrize("value", [0.25, -0.25, 0.0, -0.0, 1e-300, -3.5e-07, 2.0**60,
                                   math.inf, -math.inf, math.nan])
def test_an_operand_is_bracketed_only_when_negative_and_unbracketed_back(value: float) -> None:
    from bpstep.numbers import fmt

    written = repr(value) if math.isfinite(value) else fmt(value)
    (operand,) = operand_texts([written])
    negative = math.copysign(1.0, value) < 0 and math.isfinite(value)
    assert operand == (f"({written})" if negative else written)
    assert operand_numbers([operand]) == [written]


def test_a_rule_is_written_with_any_name_and_number_in_its_holes() -> None:
    # Braces in a name are text, not format fields; a negative operand is bracketed.
    layout = Sum((Prod((Ref("w[x{1}->h]"), Ref("y[x{1}]")), tight=True), Ref("b{0}"))).layout()
    assert layout.names() == "w[x{1}->h]·y[x{1}] + b{0}"
    assert layout.numbers({"w[x{1}->h]": -0.5, "y[x{1}]": 2.0, "b{0}": 1.0}, repr) == "(-0.5)×2.0 + 1.0"


@pytest.mark.parametrize(("top", "bottom", "quotient"), [
    (1.0, 0.0, math.inf), (-1.0, 0.0, -math.inf), (1.0, -0.0, -math.inf), (-2.5, -0.0, math.inf),
    (0.0, 0.0, math.nan), (-0.0, -0.0, math.nan), (math.nan, 0.0, math.nan), (6.0, -3.0, -2.0),
])
def test_a_division_by_zero_is_an_infinity_signed_as_ieee_says_or_nan(top: float, bottom: float,
                                                                       quotient: float) -> None:
    got = Div(X, Y).evaluate({"x": top, "y": bottom})
    assert got == quotient or (math.isnan(quotient) and math.isnan(got))


def test_a_sum_is_exact_and_past_the_float_range_infinite_or_nan() -> None:
    # The three doubles nearest 0.1, 0.2 and 0.3 add up exactly to 2⁻⁵⁵ (a naive sum gives 2⁻⁵⁴).
    assert Sum((X, Y, Z)).evaluate({"x": 0.1, "y": 0.2, "z": -0.3}) == 2.0 ** -55
    assert Sum((X, Y)).evaluate({"x": 1e308, "y": 1e308}) == math.inf
    assert math.isnan(Sum((X, Y)).evaluate({"x": math.inf, "y": -math.inf}))


def test_inlining_goes_exactly_as_many_levels_down_as_asked() -> None:
    rule = Prod((Ref("lr"), Prod((Ref("d"), Ref("y")), tight=True)))
    rules = {"d": Prod((Ref("w"), Ref("t"))), "t": Diff(ONE, Ref("y"))}
    assert inline(rule, rules.get, 1).names() == "lr · w · t·y"
    assert inline(rule, rules.get, 2).names() == "lr · w · (1 − y)·y"
    assert inline(rule, rules.get, 3).names() == "lr · w · (1 − y)·y"


def test_softmax_far_past_the_range_of_exp_is_shifted_by_its_largest_input() -> None:
    """Two equal net inputs of 1000 (e^1000 overflows): each output is ½, ∂s₀/∂a = [½·½, −½·½],
    and inputs within 0.001 of 1000 give outputs within 1/(1 + e^±0.002) of ½."""
    from bpstep.affine import Affine

    node = Softmax(0, (X, Y))
    assert node.evaluate({"x": 1000.0, "y": 1000.0}) == 0.5
    assert node.local([1000.0, 1000.0], 0.5) == [0.25, -0.25]
    form = node.bound({"x": Affine.written("x", 1000.0, 0.001), "y": Affine.written("y", 1000.0, 0.001)})
    assert form.bounded and form.low <= 1 / (1 + math.exp(0.002)) and form.high >= 1 / (1 + math.exp(-0.002))
    assert form.high - form.low < 0.01


@pytest.mark.parametrize(("rule", "names", "numbers"), [
    (Diff(Ref("a"), Neg(Ref("b"))), "a − (−b)", "0.5 − (−(-2))"),
    (Sum((Ref("a"), Neg(Ref("b")))), "a + (−b)", "0.5 + (−(-2))"),
    (Sum((Neg(Ref("a")), Ref("b"))), "−a + b", "−0.5 + (-2)"),
    (Diff(Ref("a"), Prod((Neg(Ref("b")), Ref("a")))), "a − (−b · a)", "0.5 − (−(-2) × 0.5)"),
    (Sum((Ref("a"), Div(Neg(Ref("b")), Ref("a")))), "a + (−b / a)", "0.5 + (−(-2) / 0.5)"),
    (Diff(Ref("a"), Sum((Ref("a"), Ref("b")))), "a − (a + b)", "0.5 − (0.5 + (-2))"),
    (Sum((Ref("a"), Diff(Ref("a"), Ref("b")))), "a + a − b", "0.5 + 0.5 − (-2)"),
])
def test_a_minus_right_of_a_sign_is_bracketed_as_on_paper(rule: Expr, names: str, numbers: str) -> None:
    assert rule.names() == names
    assert rule.numbers({"a": 0.5, "b": -2.0}, lambda v: f"{v:g}") == numbers
