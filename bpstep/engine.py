"""One training step of backpropagation, as a textbook tells it, in pure numpy.

The numeric core (``forward``, ``backward``) works on whole batches; training runs the same
functions from bpstep.functions in a leaner loop of its own. ``step`` records every number as a
named ``Quantity`` inside ordered ``Stage`` records, each with the rule it comes from as an
expression (bpstep.expr) built only when it is shown, explained or checked. The numbers come from
the numeric core; a test evaluates every rule and compares, so each checks the other.

Signs: with the ``delta_rule`` convention δ = −∂E/∂a and Δw = η·δ·y_i; with ``gradient``,
δ = +∂E/∂a and Δw = −η·δ·y_i. Either way ``w[i->j] = w0[i->j] + dw[i->j]``, and every update of
a step uses deltas computed with the weights from before that step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType

import numpy as np

from bpstep.expr import Diff, Div, Expr, Neg, Prod, Ref, Softmax, Sum, const
from bpstep.functions import (
    LOSSES,
    Activation,
    Loss,
    fused,
    output_grad_a,
    output_loss,
)
from bpstep.scenario import Scenario, activation_of
from bpstep.trace import (
    Kind,
    LazyQuantities,
    Network,
    Phase,
    Quantity,
    Rows,
    RuleBlock,
    Stage,
    StepValues,
    Trace,
    edge_names,
    kind_of,
    scalar_name,
    unit_name,
)

Array = np.ndarray

CONVENTION_SIGN = {"delta_rule": 1.0, "gradient": -1.0}
"""Δw = sign · η · δ · y_i, and δ = −sign · ∂E/∂a."""


@dataclass(frozen=True, slots=True)
class Params:
    """Weights and biases; ``weights[k]`` joins layer k to layer k+1 (rows = layer k's units)."""

    weights: tuple[Array, ...]
    biases: tuple[Array, ...]
    """One vector per non-input layer; zeros when the network has no biases."""


def initial_params(scenario: Scenario) -> Params:
    """The scenario's starting parameters, with zero biases where it gives none."""
    biases = scenario.biases or tuple(np.zeros(w.shape[1]) for w in scenario.weights)
    return Params(tuple(scenario.weights), tuple(biases))


def activations_of(scenario: Scenario) -> tuple[Activation, ...]:
    """The activation of every non-input layer, in order."""
    return tuple(activation_of(layer) for layer in scenario.layers[1:])


def forward(params: Params, acts: Sequence[Activation], x: Array) -> tuple[list[Array], list[Array]]:
    """Net inputs a_k and outputs y_k of every layer k (index 0 is the input, with a_0 = y_0 = x)."""
    nets, outs = [x], [x]
    for w, b, act in zip(params.weights, params.biases, acts, strict=True):
        a = outs[-1] @ w + b
        nets.append(a)
        outs.append(act.fn(a))
    return nets, outs


def backward(
    params: Params, acts: Sequence[Activation], loss: Loss, nets: list[Array], outs: list[Array],
    targets: Array,
) -> list[Array]:
    """∂E/∂a of every layer k ≥ 1 (index k − 1), from the output back: the chain rule."""
    grads = [output_grad_a(acts[-1], loss, nets[-1], outs[-1], targets)]
    for k in range(len(acts) - 1, 0, -1):
        grad_y = grads[0] @ params.weights[k].T
        grads.insert(0, acts[k - 1].backward(nets[k], outs[k], grad_y))
    return grads


def sample_order(scenario: Scenario, rng: np.random.Generator | None = None) -> list[int]:
    """0-based sample indices in the order one epoch visits them: as listed, or shuffled.

    Without ``rng`` the order is that of the first epoch drawn from ``scenario.seed``, so the step
    ``bpstep run`` shows is the first step ``bpstep train`` takes.
    """
    count = len(scenario.inputs)
    if not scenario.shuffle:
        return list(range(count))
    rng = rng if rng is not None else np.random.default_rng(scenario.seed)
    return [int(i) for i in rng.permutation(count)]


def epoch_batches(scenario: Scenario, order: Sequence[int]) -> list[list[int]]:
    """The samples of one epoch grouped by update: all at once, one each, or ``batch_size`` each."""
    size = 1 if scenario.mode == "online" else scenario.batch_size or len(order)
    return [list(order[i:i + size]) for i in range(0, len(order), size)]


# --- the rules, one per kind of quantity, as a textbook writes them ---


def net_input(weights: Sequence[str], inputs: Sequence[str], bias: str | None) -> Expr:
    """a_j = Σ_i w_ij·y_i + b_j."""
    terms: list[Expr] = [Prod((Ref(w), Ref(y)), tight=True) for w, y in zip(weights, inputs, strict=True)]
    if bias is not None:
        terms.append(Ref(bias))
    return Sum(tuple(terms))


def output(act: Activation, nets: Sequence[str], j: int) -> Expr:
    """y_j = f(a_j); softmax is written over the whole layer."""
    if act.rule is None:
        return Softmax(j, tuple(Ref(a) for a in nets))
    return act.rule(Ref(nets[j]))


def is_error_term(node: Expr) -> bool:
    """(y − t) or (t − y) of one unit: the error term a sign convention flips."""
    return (isinstance(node, Diff) and isinstance(node.left, Ref) and isinstance(node.right, Ref)
            and {kind_of(node.left.name), kind_of(node.right.name)} == {"t", "y"})


def swap_error(expr: Expr) -> Expr:
    """Every (y − t) written as (t − y) and the other way round."""
    return expr.rewrite(lambda node: Diff(node.right, node.left) if is_error_term(node) else None)


def negated(expr: Expr) -> Expr:
    """−expr as a student writes it: an error term turned round, a leading minus dropped."""
    if isinstance(expr, Neg):
        return expr.operand
    if any(is_error_term(node) for node in expr.nodes()):
        return swap_error(expr)
    return Neg(expr)


def sample_loss(loss: Loss, targets: Sequence[str], outputs: Sequence[str]) -> Expr:
    """E of one sample: the loss's terms over the output units, combined."""
    terms = Sum(tuple(loss.term(Ref(t), Ref(y)) for t, y in zip(targets, outputs, strict=True)), "[]")
    return loss.total(terms, const(len(outputs)))


def total_loss(losses: Sequence[str], mean: bool) -> Expr:
    """The loss of several samples: their sum, or their mean."""
    total = Sum(tuple(Ref(n) for n in losses))
    return Div(total, const(len(losses))) if mean else total


def output_delta(act: Activation, loss: Loss, delta_rule: bool, t: Sequence[str],
                 y: Sequence[str], a: Sequence[str], j: int) -> Expr:
    """δ_j of an output unit: −∂E/∂a_j with the delta rule, +∂E/∂a_j with the gradient convention.

    ∂E/∂a_j = ∂E/∂y_j · f′(a_j), or y − t where the pair simplifies; through softmax,
    ∂E/∂a_j = y_j · (∂E/∂y_j − Σ_m ∂E/∂y_m · y_m).
    """
    n = const(len(y))
    pair = fused(act, loss)
    if pair is not None:
        grad = pair.gradient(Ref(t[j]), Ref(y[j]))
        return negated(grad) if delta_rule else grad
    if act.rule is None:
        g = [loss.gradient(Ref(tm), Ref(ym), n) for tm, ym in zip(t, y, strict=True)]
        through = Sum(tuple(Prod((gm, Ref(ym))) for gm, ym in zip(g, y, strict=True)), "[]")
        grad = Prod((Ref(y[j]), Diff(g[j], through)))
        return Neg(grad) if delta_rule else grad
    grad = loss.gradient(Ref(t[j]), Ref(y[j]), n)
    return Prod((negated(grad) if delta_rule else grad, act.slope_of(Ref(a[j]), Ref(y[j]))))


def hidden_delta(act: Activation, a: str, y: str, weights: Sequence[str],
                 deltas: Sequence[str]) -> Expr:
    """δ_j = f′(a_j) · Σ_m w_jm·δ_m, with the weights from before the update."""
    back = Sum(tuple(Prod((Ref(w), Ref(d)), tight=True) for w, d in zip(weights, deltas, strict=True)))
    return Prod((act.slope_of(Ref(a), Ref(y)), back))


def change(delta_rule: bool, mean_of: int | None, terms: Sequence[Expr],
           previous: str | None = None) -> Expr:
    """Δ(n) = ±η · Σ terms (÷ n for the mean of a batch) + α · Δ(n−1): + with the delta rule.

    The momentum term α · Δ(n−1) (Mitchell) is there when ``previous`` names the change of the
    update before.
    """
    rate: Expr = Ref("lr") if mean_of is None else Div(Ref("lr"), const(mean_of))
    summed = terms[0] if len(terms) == 1 else Sum(tuple(terms))
    step = Prod((rate, summed))
    signed = step if delta_rule else Neg(step)
    if previous is None:
        return signed
    return Sum((signed, Prod((Ref("momentum"), Ref(previous)))))


def weight_change(delta_rule: bool, mean_of: int | None, deltas: Sequence[str],
                  inputs: Sequence[str], previous: str | None = None) -> Expr:
    """Δw_ij = ±η · Σ_samples δ_j·y_i (+ α · Δw_ij of the update before, with momentum)."""
    terms = [Prod((Ref(d), Ref(y)), tight=True) for d, y in zip(deltas, inputs, strict=True)]
    return change(delta_rule, mean_of, terms, previous)


def bias_change(delta_rule: bool, mean_of: int | None, deltas: Sequence[str],
                previous: str | None = None) -> Expr:
    """Δb_j = ±η · Σ_samples δ_j (+ α · Δb_j of the update before, with momentum)."""
    return change(delta_rule, mean_of, [Ref(d) for d in deltas], previous)


def updated(old: str, step: str) -> Expr:
    """w = w0 + Δw (and b = b0 + Δb)."""
    return Sum((Ref(old), Ref(step)))


# --- the step as a lesson ---

Label = tuple[str, int | None]
"""How a parameter is currently named: ("w0", None) before the step, ("w", 2) after update 2."""


@dataclass(frozen=True, slots=True)
class Pass:
    """One sample's forward and backward pass, as arrays (layer 0 = inputs)."""

    sample: int
    nets: list[Array]
    outs: list[Array]
    deltas: list[Array]
    """δ of every layer k ≥ 1 at index k − 1, in the scenario's sign convention."""


class _Lesson:
    """Collects the stages of one step; each method records what one stage of the lesson computes."""

    def __init__(self, scenario: Scenario) -> None:
        self.sc = scenario
        self.acts = activations_of(scenario)
        self.loss = LOSSES[scenario.loss]
        self.sign = CONVENTION_SIGN[scenario.convention]
        self.delta_rule = self.sign > 0
        self.units = [layer.units for layer in scenario.layers]
        self.has_bias = scenario.biases is not None
        self.several = len(scenario.inputs) > 1
        self.stages: list[Stage] = []
        self.env = StepValues()
        """Every value by name as the step goes; each quantity prints its numbers from here."""
        self.w_label: Label = ("w0", None)
        self.made_names: dict[tuple[int, str, int | None], list[str]] = {}
        """``weight_names`` by layer, kind and sample tag."""
        self.b_label: Label = ("b0", None)

    def tag(self, sample: int | None) -> int | None:
        return sample if self.several else None

    def layer_label(self, k: int) -> str:
        """Layer k ≥ 1 as a title names it: its own name, else output or hidden layer k."""
        name = self.sc.layers[k].name
        if name:
            return name
        return "output layer" if k == len(self.units) - 1 else f"hidden layer {k}"

    def units_label(self, k: int) -> str:
        return f"{self.layer_label(k)} ({', '.join(self.units[k])})"

    def of_sample(self, sample: int | None) -> str:
        return f" · sample {sample}" if self.several and sample is not None else ""

    def add(self, phase: Phase, title: str, quantities: Sequence[Quantity], k: int | None = None,
            sample: int | None = None) -> None:
        units = tuple(self.units[k]) if k is not None else ()
        shown = quantities if isinstance(quantities, LazyQuantities) else tuple(quantities)
        self.stages.append(Stage(phase, title, shown, units, k, sample))

    def record(self, name: str, kind: Kind, value: float, unit: str | None, rule: partial[Expr],
               **where: str | int | float | None) -> Quantity:
        """A quantity whose value joins the step's values."""
        self.env[name] = value
        return Quantity(name, kind, value, unit, rule, self.env, **where)  # type: ignore[arg-type]

    def given(self, params: Params) -> dict[str, float]:
        """The scenario's values by name; also starts momentum's memory of the last changes."""
        values: dict[str, float] = {"lr": self.sc.learning_rate}
        if self.sc.momentum is not None:
            values["momentum"] = self.sc.momentum
        self.last_change: dict[int, tuple[Array, Array]] = {}
        """Δw and Δb of each layer k at the update before, for the momentum term."""
        for n, (x, t) in enumerate(zip(self.sc.inputs, self.sc.targets, strict=True), start=1):
            for kind, units, row in (("y", self.units[0], x), ("t", self.units[-1], t)):
                values.update({unit_name(kind, u, self.tag(n)): float(v)
                               for u, v in zip(units, row, strict=True)})
        for k, w in enumerate(params.weights, start=1):
            values.update(zip(self.weight_names(k, ("w0", None)), w.ravel().tolist(), strict=True))
            if self.has_bias:
                values.update(zip([unit_name("b0", unit) for unit in self.units[k]],
                                  params.biases[k - 1].tolist(), strict=True))
        self.env.update(values)
        return values

    def weight_names(self, k: int, label: Label) -> list[str]:
        """The names of the weights into layer k, source by source (as ``weights[k - 1]`` is
        laid out), under ``label`` (``w_label``: as they are called now): made once and shared
        by the given values, the rules and the updates' names (a 784-128-10 network's first layer
        has 100,352)."""
        kind, tag = label
        names = self.made_names.get((k, kind, tag))
        if names is None:
            sources, targets = self.units[k - 1], self.units[k]
            names = edge_names(kind, [s for s in sources for _ in targets], targets * len(sources), tag)
            self.made_names[k, kind, tag] = names
        return names

    # forward

    def forward_layer(self, k: int, p: Pass, after: bool = False) -> list[Quantity]:
        """a_j = Σ_i w_ij·y_i + b_j and y_j = f(a_j) for the units of layer k, one sample."""
        s = self.tag(p.sample)
        a_kind, y_kind = (Kind.A_AFTER, Kind.Y_AFTER) if after else (Kind.A, Kind.Y)
        in_kind = Kind.Y if k == 1 else y_kind
        inputs = [unit_name(in_kind, src, s) for src in self.units[k - 1]]
        nets = [unit_name(a_kind, unit, s) for unit in self.units[k]]
        names, width = self.weight_names(k, self.w_label), len(self.units[k])
        qs = []
        for j, unit in enumerate(self.units[k]):
            weights = names[j::width]
            bias = unit_name(self.b_label[0], unit, self.b_label[1]) if self.has_bias else None
            qs.append(self.record(nets[j], a_kind, float(p.nets[k][j]), unit,
                                  partial(net_input, weights, inputs, bias), sample=s))
        act = self.acts[k - 1]
        for j, unit in enumerate(self.units[k]):
            # f of one net input is given that one alone: every unit's rule then has one shape
            rule = (partial(output, act, nets, j) if act.rule is None
                    else partial(output, act, nets[j:j + 1], 0))
            qs.append(self.record(unit_name(y_kind, unit, s), y_kind, float(p.outs[k][j]), unit,
                                  rule, sample=s))
        return qs

    def sample_loss(self, p: Pass, targets: Array, after: bool = False) -> Quantity:
        """E for one sample from its outputs and targets."""
        s = self.tag(p.sample)
        y_kind, kind = (Kind.Y_AFTER, Kind.LOSS_AFTER) if after else (Kind.Y, Kind.LOSS)
        out = self.units[-1]
        value = float(output_loss(self.acts[-1], self.loss, p.nets[-1], p.outs[-1], targets))
        rule = partial(sample_loss, self.loss, [unit_name(Kind.T, u, s) for u in out],
                       [unit_name(y_kind, u, s) for u in out])
        return self.record(scalar_name(kind, s), kind, value, None, rule, sample=s)

    def total_loss(self, per_sample: list[Quantity], kind: Kind) -> Quantity:
        """The loss of all samples: their sum, or their mean with ``reduction: mean``."""
        mean = self.sc.reduction == "mean"
        values = [q.value for q in per_sample]
        value = float(np.sum(values) / (len(values) if mean else 1))
        return self.record(kind, kind, value, None,
                           partial(total_loss, [q.name for q in per_sample], mean))

    # backward

    def run_sample(self, params: Params, sample: int) -> Pass:
        """The numeric core's forward and backward pass for one sample (1-based)."""
        x, t = self.sc.inputs[sample - 1], self.sc.targets[sample - 1]
        nets, outs = forward(params, self.acts, x)
        grads = backward(params, self.acts, self.loss, nets, outs, t)
        return Pass(sample, nets, outs, [-self.sign * g for g in grads])

    def output_deltas(self, p: Pass) -> list[Quantity]:
        """δ of each output unit from the loss and the output activation."""
        s = self.tag(p.sample)
        units = self.units[-1]
        t = [unit_name(Kind.T, u, s) for u in units]
        y = [unit_name(Kind.Y, u, s) for u in units]
        a = [unit_name(Kind.A, u, s) for u in units]
        act = self.acts[-1]
        return [self.record(unit_name(Kind.DELTA, unit, s), Kind.DELTA, float(p.deltas[-1][j]), unit,
                            partial(output_delta, act, self.loss, self.delta_rule, t, y, a, j),
                            sample=s)
                for j, unit in enumerate(units)]

    def hidden_deltas(self, k: int, p: Pass) -> list[Quantity]:
        """δ_j = f′(a_j) · Σ_m w0[j->m]·δ_m for hidden layer k, with the weights before the update."""
        s = self.tag(p.sample)
        act = self.acts[k - 1]
        after = [unit_name(Kind.DELTA, m, s) for m in self.units[k + 1]]
        names, width = self.weight_names(k + 1, self.w_label), len(self.units[k + 1])
        qs = []
        for j, unit in enumerate(self.units[k]):
            weights = names[j * width:(j + 1) * width]
            rule = partial(hidden_delta, act, unit_name(Kind.A, unit, s), unit_name(Kind.Y, unit, s),
                           weights, after)
            qs.append(self.record(unit_name(Kind.DELTA, unit, s), Kind.DELTA,
                                  float(p.deltas[k - 1][j]), unit, rule, sample=s))
        return qs

    # update

    def layer_update(self, k: int, params: Params, seen: list[Pass],
                     tag: int | None) -> tuple[LazyQuantities, Array, Array]:
        """Δw and new w (and Δb, new b) of the weights into layer k from the samples seen.

        Δw = sign·η·Σ δ_j·y_i over the samples (÷ n for the mean of a batch), plus α·Δw of the
        update before with momentum. The quantities are made when asked for: a layer of
        784 × 128 weights is 200,000 of them.
        """
        n = len(seen)
        mean_of = n if self.sc.reduction == "mean" and n > 1 else None
        scale = self.sign * self.sc.learning_rate / (mean_of or 1)
        old_w, old_b = params.weights[k - 1], params.biases[k - 1]
        dw = scale * sum(np.outer(p.outs[k - 1], p.deltas[k - 1]) for p in seen)
        biased = self.has_bias and self.sc.update_biases
        db = scale * sum(p.deltas[k - 1] for p in seen) if biased else np.zeros(0)
        alpha = self.sc.momentum
        carried = alpha is not None and k in self.last_change
        if carried:
            dw = dw + alpha * self.last_change[k][0]
            db = db + alpha * self.last_change[k][1]
        self.last_change[k] = (dw, db)
        new_w = old_w + dw
        new_b = old_b + db if biased else old_b
        tags = [self.tag(p.sample) for p in seen]
        sources, units = self.units[k - 1], self.units[k]
        inputs = [[unit_name(Kind.Y, src, t) for t in tags] for src in sources]
        deltas = [[unit_name(Kind.DELTA, unit, t) for t in tags] for unit in units]
        w_kind, w_tag = self.w_label
        b_kind, b_tag = self.b_label
        width = len(sources)
        edges = width * len(units)

        def target(row: int) -> str:
            return units[row // width]

        def source(row: int) -> str:
            return sources[row % width]

        made_names = self.made_names  # not the lesson: its stages would hold it in a cycle

        def edge(kind: str, at: int | None) -> Callable[[range], list[str]]:
            """Names of the weights of ``rows`` (unit by unit): the strings the step has
            made already where it has (the given weights, the weights of the pass after)."""
            def names(rows: range) -> list[str]:
                made = made_names.get((k, kind, at))
                row = np.arange(rows.start, rows.stop)
                if made is None:
                    return edge_names(kind, list(map(sources.__getitem__, (row % width).tolist())),
                                      list(map(units.__getitem__, (row // width).tolist())), at)
                return list(map(made.__getitem__, (row % width * len(units) + row // width).tolist()))
            return names

        def bias(kind: str, at: int | None) -> Callable[[range], list[str]]:
            return lambda rows: [unit_name(kind, units[r], at) for r in rows]

        columns = {
            "old": np.concatenate([old_w.T.ravel(), old_b if biased else []]),
            "change": np.concatenate([dw.T.ravel(), db]),
            "new": np.concatenate([new_w.T.ravel(), new_b if biased else []]),
        }
        blocks = [
            RuleBlock(Kind.DW, 0, 2, edges, edge(Kind.DW, tag), weight_change,
                      (self.delta_rule, mean_of, Rows(lambda rows: [deltas[r // width] for r in rows]),
                       Rows(lambda rows: [inputs[r % width] for r in rows]),
                       Rows(edge(Kind.DW, w_tag)) if carried else None),
                      target, source, sample=tag),
            RuleBlock(Kind.W, 1, 2, edges, edge(Kind.W, tag), updated,
                      (Rows(edge(w_kind, w_tag)), Rows(edge(Kind.DW, tag))), target, source,
                      columns["old"][:edges], tag),
        ]
        if biased:
            blocks += [
                RuleBlock(Kind.DB, 2 * edges, 2, len(units), bias(Kind.DB, tag), bias_change,
                          (self.delta_rule, mean_of, Rows(lambda rows: deltas[rows.start:rows.stop]),
                           Rows(bias(Kind.DB, w_tag)) if carried else None),
                          units.__getitem__, sample=tag),
                RuleBlock(Kind.B, 2 * edges + 1, 2, len(units), bias(Kind.B, tag), updated,
                          (Rows(bias(b_kind, b_tag)), Rows(bias(Kind.DB, tag))), units.__getitem__,
                          before=columns["old"][edges:], sample=tag),
            ]
        values = np.empty(2 * len(columns["new"]))
        values[0::2], values[1::2] = columns["change"], columns["new"]
        quantities = LazyQuantities(values, blocks, columns, self.env)
        self.env.pending.append(quantities)
        return quantities, new_w, new_b

    # the whole step

    def learn_from(self, samples: list[int], params: Params,
                   tag: int | None) -> tuple[Params, list[Quantity]]:
        """Forward, loss and deltas for each sample, then one update from all of them."""
        last = len(self.units) - 1
        seen = []
        losses = []
        for smp in samples:
            p = self.run_sample(params, smp)
            s = self.tag(smp)
            for k in range(1, last + 1):
                self.add(Phase.FORWARD, f"forward · {self.units_label(k)}{self.of_sample(smp)}",
                         self.forward_layer(k, p), k, s)
            losses.append(self.sample_loss(p, self.sc.targets[smp - 1]))
            self.add(Phase.LOSS, f"loss{self.of_sample(smp)}", [losses[-1]], None, s)
            self.add(Phase.BACKWARD, f"backward · output deltas ({', '.join(self.units[-1])})"
                     f"{self.of_sample(smp)}", self.output_deltas(p), last, s)
            for k in range(last - 1, 0, -1):
                self.add(Phase.BACKWARD, f"backward · hidden deltas · {self.units_label(k)}"
                         f"{self.of_sample(smp)}", self.hidden_deltas(k, p), k, s)
            seen.append(p)
        weights, biases = list(params.weights), list(params.biases)
        for k in range(last, 0, -1):
            qs, weights[k - 1], biases[k - 1] = self.layer_update(k, params, seen, tag)
            arrow = f"{', '.join(self.units[k - 1])} → {', '.join(self.units[k])}"
            which = (f" · samples {', '.join(map(str, samples))}" if len(samples) > 1 and tag
                     else self.of_sample(tag))
            self.add(Phase.UPDATE, f"update · weights {arrow}{which}", qs, k, tag)
        self.w_label = ("w", tag)
        if self.has_bias and self.sc.update_biases:
            self.b_label = ("b", tag)
        return Params(tuple(weights), tuple(biases)), losses

    def after(self, params: Params) -> None:
        """The forward pass and loss with the updated parameters."""
        last = len(self.units) - 1
        losses = []
        for smp in range(1, len(self.sc.inputs) + 1):
            x = self.sc.inputs[smp - 1]
            nets, outs = forward(params, self.acts, x)
            p = Pass(smp, nets, outs, [])
            qs = [q for k in range(1, last + 1) for q in self.forward_layer(k, p, after=True)]
            losses.append(self.sample_loss(p, self.sc.targets[smp - 1], after=True))
            self.add(Phase.AFTER, f"after the update · forward pass{self.of_sample(smp)}",
                     [*qs, losses[-1]], None, self.tag(smp))
        if self.several:
            self.add(Phase.AFTER, "after the update · loss of all samples",
                     [self.total_loss(losses, Kind.LOSS_AFTER)])


def network_of(scenario: Scenario, updates: Sequence[Sequence[int]]) -> Network:
    """What a trace says about the network of ``scenario``, which learned from ``updates``."""
    return Network(
        units=tuple(layer.units for layer in scenario.layers),
        layer_names=tuple(layer.name for layer in scenario.layers),
        activations=activations_of(scenario), loss=LOSSES[scenario.loss],
        convention=scenario.convention, mode=scenario.mode, reduction=scenario.reduction,
        updates=tuple(map(tuple, updates)),
        biases=scenario.biases is not None, update_biases=scenario.update_biases,
        title=scenario.title, source=scenario.source)


def step(scenario: Scenario) -> Trace:
    """Run one training step of the scenario and record it as stages, in teaching order.

    Numbers that leave the float range are facts of the step, not errors: they are recorded as
    inf or nan without numpy's warnings, and the caller says so once (``Trace.not_finite``).
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _step(scenario)


def _step(scenario: Scenario) -> Trace:
    lesson = _Lesson(scenario)
    params = initial_params(scenario)
    given = lesson.given(params)
    batches = [[i + 1 for i in batch]
               for batch in epoch_batches(scenario, sample_order(scenario))]
    several_updates = len(batches) > 1
    losses: list[Quantity] = []
    for batch in batches:
        params, seen = lesson.learn_from(batch, params, batch[0] if several_updates else None)
        losses += seen
    if lesson.several:
        stage = Stage(Phase.LOSS, "loss of all samples", (lesson.total_loss(losses, Kind.LOSS),))
        position = len(lesson.stages) if several_updates else next(
            i for i, st in enumerate(lesson.stages) if st.phase == Phase.UPDATE)
        lesson.stages.insert(position, stage)
    lesson.after(params)
    return Trace(tuple(lesson.stages), MappingProxyType(given), lesson.env,
                 network=network_of(scenario, batches))
