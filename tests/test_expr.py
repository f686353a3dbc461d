"""The expression model: printing in names and numbers, safe evaluation, rewrites, and every
rule of every kind of step evaluated against the numeric core's value."""

from __future__ import annotations

import math

import pytest

from bpstep.expr import (
    HALF,
    ONE,
    Diff,
    Div,
    Exp,
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
    substitute,
)
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


def test_rewrites_make_new_trees_and_leave_the_old_one() -> None:
    rule = Prod((Ref("lr"), Prod((Ref("d"), Ref("y")), tight=True)))
    no_rate = substitute(rule, {"lr": ONE})
    assert no_rate.evaluate(ENV) == pytest.approx(-0.0367703 * 0.665074)
    assert rule.evaluate(ENV) == pytest.approx(0.5 * -0.0367703 * 0.665074)
    rules = {"d": Prod((Ref("w"), Ref("t")))}
    assert inline(rule, rules.get, 1).names() == "lr · w · t·y"
    assert inline(rule, rules.get, 0) is rule


def test_names_parse_back_into_their_parts() -> None:
    name = parse_name("dw[x1->h1]@12")
    assert name is not None and (name.kind, name.source, name.unit, name.sample) == ("dw", "x1", "h1", 12)
    assert name.renamed("w0") == "w0[x1->h1]@12"
    assert parse_name(unit_name("delta", "o")).unit == "o"
    assert parse_name("loss@3").sample == 3 and parse_name("lr").unit is None
    assert parse_name("a[h1") is None and parse_name("") is None
