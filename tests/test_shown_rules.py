"""What a student reads is checked, not only what is computed.

Every rule shown with its numbers (``--json``'s ``substituted``, at full precision) is read back
by a small parser written here, independently of bpstep's expression model, and evaluated: it
must give the quantity's value. The rules in names are compared with the textbook forms, written
out by hand in this file.
"""

from __future__ import annotations

import itertools
import math
import re

import pytest
from test_engine import LOSS_OUTPUTS, SCENARIOS, small_spec

from bpstep.engine import step
from bpstep.functions import ACTIVATIONS, LOSSES
from bpstep.scenario import check, load

TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:e[+-]?\d+)?|inf)|(?P<name>tanh|max|step|leaky_relu"
                   r"|leaky_step|ln|e\^)|(?P<op>[-−+×·/²½(),\[\]]))")


class Reader:
    """A recursive-descent reader for the rules as printed: ×, /, +, −, ², e^x, ln, calls."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = TOKEN.match(text, pos)
            assert match and match.end() > pos, f"cannot read {text[pos:]!r} in {text!r}"
            kind = match.lastgroup or ""
            self.tokens.append((kind, match[kind]))
            pos = match.end()
            while pos < len(text) and text[pos] == " ":
                pos += 1
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        assert self.at < len(self.tokens), f"the rule ends too early: {self.tokens}"
        token = self.tokens[self.at]
        assert expected is None or token[1] == expected, (expected, token, self.tokens)
        self.at += 1
        return token

    def value(self) -> float:
        result = self.sum()
        assert self.at == len(self.tokens), self.tokens[self.at:]
        return result

    def sum(self) -> float:
        total = self.product()
        while self.peek() in ("+", "−"):
            if self.take()[1] == "+":
                total += self.product()
            else:
                total -= self.product()
        return total

    def product(self) -> float:
        result = self.unary()
        while self.peek() in ("×", "·", "/"):
            if self.take()[1] == "/":
                result /= self.unary()
            else:
                result *= self.unary()
        return result

    def unary(self) -> float:
        if self.peek() == "−":
            self.take()
            return -self.unary()
        return self.power()

    def power(self) -> float:
        base = self.atom()
        while self.peek() == "²":
            self.take()
            base *= base
        return base

    def atom(self) -> float:
        kind, text = self.take()
        if kind == "number":
            return float(text)
        if text == "½":
            return 0.5
        if text in ("(", "["):
            if self.peek() == "-":  # a negative number, bracketed as on paper: (-0.25)
                self.take()
                inner = -float(self.take()[1])
            else:
                inner = self.sum()
            self.take(")" if text == "(" else "]")
            return inner
        if text == "e^":
            return math.exp(self.atom())
        if text == "ln":
            return math.log(self.atom())
        self.take("(")
        if text == "max":
            self.take("0")
            self.take(",")
        arg = self.sum()
        self.take(")")
        return {"tanh": math.tanh, "max": lambda a: max(0.0, a), "step": lambda a: float(a > 0),
                "leaky_relu": lambda a: a if a > 0 else 0.01 * a,
                "leaky_step": lambda a: 1.0 if a > 0 else 0.01}[text](arg)


def read(text: str) -> float:
    return Reader(text).value()


MODES = {
    "single": {},
    "batch sum": {"mode": "batch"},
    "batch mean": {"mode": "batch", "reduction": "mean"},
    "online": {"mode": "online"},
    "minibatch": {"mode": "minibatch", "batch_size": 2},
}
HIDDEN = ("identity", "sigmoid", "bipolar_sigmoid", "tanh", "relu", "leaky_relu")
CONVENTIONS = ("delta_rule", "gradient")
EVERY_CASE = [(h, o, loss, c, m) for loss, outs in LOSS_OUTPUTS.items() for o in outs for h in HIDDEN
              for c in CONVENTIONS for m in MODES]
"""The full product (1,440 networks): the candidates the covering set is chosen from."""


def pairs_of(case: tuple[str, ...]) -> set[tuple[int, str, int, str]]:
    """Each pair of factor values in a case, as (factor, value, later factor, value)."""
    return {(i, case[i], j, case[j]) for i in range(len(case)) for j in range(i + 1, len(case))}


def all_pairs(candidates: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """A small set of candidates that holds every pair of values some candidate holds.

    Greedy, as in AETG: take the candidate that covers the most pairs not yet covered (the first
    such in the list, so the set is the same on every run) until none is left uncovered. Pairs
    no candidate holds (an identity output with cross-entropy) are never asked for."""
    uncovered = set().union(*map(pairs_of, candidates))
    chosen = []
    while uncovered:
        best = max(candidates, key=lambda case: len(pairs_of(case) & uncovered))
        chosen.append(best)
        uncovered -= pairs_of(best)
    return chosen


CASES = all_pairs(EVERY_CASE)


@pytest.mark.parametrize(("hidden", "output", "loss", "convention", "mode"), CASES)
def test_every_rule_evaluates_and_reads_back_to_the_numeric_core_value(
        hidden: str, output: str, loss: str, convention: str, mode: str) -> None:
    # The expression evaluated, and its text with numbers read back by the parser above, must
    # both give the value the numpy core computed.
    spec = small_spec(hidden, output, loss, convention)
    if mode != "single":
        spec["inputs"] = [[0.6, -0.9], [0.1, 0.4], [-0.3, 0.2]]
        spec["targets"] = [spec["targets"]] * 3
        spec.update(MODES[mode])
    trace = step(check(spec))
    for q in trace:
        assert q.evaluate(trace.env) == pytest.approx(q.value, rel=1e-10, abs=1e-13), q.name
        assert q.formula.startswith(q.name + " = ")
        shown, _, result = q.substituted(repr).rpartition(" = ")
        assert float(result) == q.value
        assert read(shown) == pytest.approx(q.value, rel=1e-9, abs=1e-12), (q.name, shown)


def test_case_list_holds_every_pair_of_values_of_any_two_factors() -> None:
    # Counted here without all_pairs: every value of each factor with every value of each other
    # one, less the output-loss pairs bpstep refuses.
    factors = (HIDDEN, sorted({o for outs in LOSS_OUTPUTS.values() for o in outs}), sorted(LOSS_OUTPUTS),
               CONVENTIONS, sorted(MODES))
    valid_output_loss = {(o, loss) for loss, outs in LOSS_OUTPUTS.items() for o in outs}
    wanted = {(i, a, j, b) for i, j in itertools.combinations(range(5), 2)
              for a in factors[i] for b in factors[j] if (i, j) != (1, 2) or (a, b) in valid_output_loss}
    assert len(valid_output_loss) == 24 and len(wanted) == 6 * 7 + 6 * 5 + 6 * 2 + 6 * 5 + 24 + 7 * 2 \
        + 7 * 5 + 5 * 2 + 5 * 5 + 2 * 5
    held = {(i, case[i], j, case[j]) for case in CASES for i, j in itertools.combinations(range(5), 2)}
    assert held == wanted
    assert all((o, loss) in valid_output_loss for _, o, loss, _, _ in CASES)
    assert len(CASES) == len(set(CASES)) and len(CASES) <= 60


@pytest.mark.parametrize("path", sorted(p for p in SCENARIOS.glob("*.yaml") if "answers" not in p.name),
                         ids=lambda p: p.stem)
def test_shipped_scenarios_rules_read_back(path) -> None:  # type: ignore[no-untyped-def]
    for q in step(load(path)):
        shown, _, _ = q.substituted(repr).rpartition(" = ")
        assert read(shown) == pytest.approx(q.value, rel=1e-9, abs=1e-12), (q.name, shown)


def test_the_reader_is_a_fair_judge() -> None:
    assert read("½ × [(0.5 − 0.665074)²]") == pytest.approx(0.5 * 0.165074**2)
    assert read("−[1 × ln 0.5 + 0 × ln 0.25]") == pytest.approx(math.log(2))
    assert read("e^(-0.3) / (e^(-0.3) + e^0.7)") == pytest.approx(1 / (1 + math.e))
    assert read("0.3×(-0.0367703) + 0.9×0.1") == pytest.approx(-0.01103109 + 0.09)
    assert read("−1 / 3 × ((-0.5)×0.2)") == pytest.approx(0.1 / 3)
    with pytest.raises(AssertionError):
        read("0.3 ×")


# --- the rules in names, against the textbook forms written out by hand ---

ACTIVATION_FORMS = {
    "identity": ("a", "1"),
    "sigmoid": ("1 / (1 + e^(−a))", "y · (1 − y)"),
    "bipolar_sigmoid": ("2 / (1 + e^(−a)) − 1", "½ · (1 + y) · (1 − y)"),
    "tanh": ("tanh(a)", "(1 − y²)"),
    "relu": ("max(0, a)", "step(a)"),
    "leaky_relu": ("leaky_relu(a)", "leaky_step(a)"),
}
LOSS_FORMS = {
    # (E, −∂E/∂y as the delta rule prints it, ∂E/∂y)
    "half_sse": ("E = ½ · Σ (t − y)²", "(t − y)", "(y − t)"),
    "sse": ("E = Σ (t − y)²", "2 · (t − y)", "2 · (y − t)"),
    "mse": ("E = Σ (t − y)² / n", "2 · (t − y) / n", "2 · (y − t) / n"),
    "cross_entropy": ("E = −Σ t · ln y", "t / y", "−t / y"),
    "binary_cross_entropy": ("E = −Σ (t · ln y + (1 − t) · ln(1 − y))",
                             "(t − y) / (y · (1 − y))", "(y − t) / (y · (1 − y))"),
}


def test_every_activation_is_written_as_the_textbook_writes_it() -> None:
    assert {n for n in ACTIVATIONS if n != "softmax"} == set(ACTIVATION_FORMS)
    for name, (rule, slope) in ACTIVATION_FORMS.items():
        assert (ACTIVATIONS[name].formula, ACTIVATIONS[name].derivative_formula) == (rule, slope), name


def test_every_loss_is_written_as_the_textbook_writes_it() -> None:
    from bpstep.engine import negated
    from bpstep.expr import Ref

    assert set(LOSSES) == set(LOSS_FORMS)
    for name, (total, error, gradient) in LOSS_FORMS.items():
        loss = LOSSES[name]
        t, y, n = Ref("t"), Ref("y"), Ref("n")
        assert (loss.formula, negated(loss.gradient(t, y, n)).names(), loss.gradient(t, y, n).names()) == \
               (total, error, gradient), name


GFG_RULES = {
    "delta_rule": {
        "delta[o]": "(t[o] − y[o]) · y[o] · (1 − y[o])",
        "delta[h1]": "y[h1] · (1 − y[h1]) · (w0[h1->o]·delta[o])",
        "dw[x1->h1]": "lr · delta[h1]·y[x1]",
        "w[x1->h1]": "w0[x1->h1] + dw[x1->h1]",
    },
    "gradient": {
        "delta[o]": "(y[o] − t[o]) · y[o] · (1 − y[o])",
        "delta[h1]": "y[h1] · (1 − y[h1]) · (w0[h1->o]·delta[o])",
        "dw[x1->h1]": "−lr · delta[h1]·y[x1]",
        "w[x1->h1]": "w0[x1->h1] + dw[x1->h1]",
    },
}


@pytest.mark.parametrize("convention", ["delta_rule", "gradient"])
def test_the_worked_example_reads_like_the_textbook(convention: str) -> None:
    trace = step(load(SCENARIOS / ("gfg_sigmoid.yaml" if convention == "delta_rule"
                                   else "gfg_gradient_convention.yaml")))
    assert trace["a[h1]"].formula == "a[h1] = w0[x1->h1]·y[x1] + w0[x2->h1]·y[x2]"
    assert trace["y[o]"].formula == "y[o] = 1 / (1 + e^(−a[o]))"
    assert trace["loss"].formula == "loss = ½ · [(t[o] − y[o])²]"
    for name, rule in GFG_RULES[convention].items():
        assert trace[name].formula == f"{name} = {rule}"


@pytest.mark.parametrize(("convention", "sign"), [("delta_rule", "−"), ("gradient", "")])
def test_softmax_without_its_own_loss_is_written_through_its_jacobian(convention: str, sign: str) -> None:
    # δ_j = ± y_j · (∂E/∂y_j − Σ_m ∂E/∂y_m · y_m), with ∂E/∂y = y − t for half_sse.
    trace = step(check(small_spec("sigmoid", "softmax", "half_sse", convention)))
    through = " + ".join(f"(y[{m}] − t[{m}]) · y[{m}]" for m in ("o1", "o2", "o3"))
    assert trace["delta[o1]"].formula == f"delta[o1] = {sign}y[o1] · ((y[o1] − t[o1]) − [{through}])"


def test_mean_reduction_and_fused_pairs_show_their_own_rules() -> None:
    spec = small_spec("sigmoid", "softmax", "cross_entropy", "delta_rule")
    spec.update(inputs=[[0.6, -0.9], [0.1, 0.4]], targets=[[0.2, 0.7, 0.1]] * 2, reduction="mean")
    trace = step(check(spec))
    assert trace["delta[o1]@1"].formula == "delta[o1]@1 = (t[o1]@1 − y[o1]@1)"
    assert trace["dw[h1->o1]"].formula == "dw[h1->o1] = lr / 2 · (delta[o1]@1·y[h1]@1 + delta[o1]@2·y[h1]@2)"
    assert trace["a[h1]@1"].formula == "a[h1]@1 = w0[x1->h1]·y[x1]@1 + w0[x2->h1]·y[x2]@1 + b0[h1]"
    assert trace["loss"].formula == "loss = (loss@1 + loss@2) / 2"
    # The mean of one sample is that sample: an update from one sample alone divides by nothing.
    spec.update(mode="online")
    trace = step(check(spec))
    assert trace["dw[h1->o1]@2"].formula == "dw[h1->o1]@2 = lr · delta[o1]@2·y[h1]@2"
    assert trace["db[o1]@2"].formula == "db[o1]@2 = lr · delta[o1]@2"


@pytest.mark.parametrize("mode", [{"mode": "online"}, {"mode": "minibatch", "batch_size": 2}],
                         ids=["online", "minibatch"])
@pytest.mark.parametrize("convention", ["delta_rule", "gradient"])
@pytest.mark.parametrize(("hidden", "output", "loss"), [("sigmoid", "sigmoid", "half_sse"),
                                                        ("tanh", "softmax", "cross_entropy")])
def test_momentum_rules_of_weights_and_biases_read_back(hidden: str, output: str, loss: str,
                                                        convention: str, mode: dict) -> None:
    # From the second update on, Δw and Δb carry α times the change of the update before.
    spec = small_spec(hidden, output, loss, convention)
    spec["inputs"] = [[0.6, -0.9], [0.1, 0.4], [-0.3, 0.2]]
    spec["targets"] = [spec["targets"]] * 3
    spec.update(mode, momentum=0.9)
    trace = step(check(spec))
    carried = [q for q in trace if q.kind in ("dw", "db") and "momentum" in q.formula]
    assert {q.kind for q in carried} == {"dw", "db"}
    for q in trace:
        assert q.evaluate(trace.env) == pytest.approx(q.value, rel=1e-10, abs=1e-13), q.name
        shown, _, _ = q.substituted(repr).rpartition(" = ")
        assert read(shown) == pytest.approx(q.value, rel=1e-9, abs=1e-12), (q.name, shown)
