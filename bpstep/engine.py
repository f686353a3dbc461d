"""One training step of backpropagation, as a textbook tells it, in pure numpy.

The numeric core (``forward``, ``backward``) works on whole batches; training runs the same
functions from bpstep.functions in a leaner loop of its own. ``step`` records every number as a
named ``Quantity`` inside ordered ``Stage`` records, so it can be shown and checked.

Signs: with the ``delta_rule`` convention δ = −∂E/∂a and Δw = η·δ·y_i; with ``gradient``,
δ = +∂E/∂a and Δw = −η·δ·y_i. Either way ``w[i->j] = w0[i->j] + dw[i->j]``, and every update of
a step uses deltas computed with the weights from before that step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, partial

import numpy as np

from bpstep.functions import (
    ACTIVATIONS,
    FUSED_DELTAS,
    LOSSES,
    Activation,
    Loss,
    output_grad_a,
    output_loss,
)
from bpstep.scenario import Scenario
from bpstep.trace import Quantity, Stage, Trace, edge_name, scalar_name, unit_name

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
    return tuple(ACTIVATIONS[layer.activation] for layer in scenario.layers[1:])


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
    size = {"batch": len(order), "online": 1}.get(scenario.mode, scenario.batch_size or len(order))
    return [list(order[i:i + size]) for i in range(0, len(order), size)]


# --- recomputation of single quantities from (possibly a student's) operand values ---


def _weighted_sum(has_bias: bool, ops: Sequence[float]) -> float:
    total = math.fsum(ops[i] * ops[i + 1] for i in range(0, len(ops) - has_bias - 1, 2))
    return total + (ops[-1] if has_bias else 0.0)


def _activate(act: Activation, ops: Sequence[float]) -> float:
    return float(act.fn(np.array(ops[0], dtype=float)))


def _softmax_one(ops: Sequence[float]) -> float:
    shift = max(ops[1:])
    return math.exp(ops[0] - shift) / math.fsum(math.exp(v - shift) for v in ops[1:])


def _loss_one(loss: Loss, ops: Sequence[float]) -> float:
    return float(loss.fn(np.array(ops[1::2], dtype=float), np.array(ops[0::2], dtype=float)))


def _combine(mean: bool, ops: Sequence[float]) -> float:
    return math.fsum(ops) / (len(ops) if mean else 1)


def _scaled_products(scale: float, ops: Sequence[float]) -> float:
    """``scale · ops[0] · Σ ops[2i+1]·ops[2i+2]``: a weight change from η and (δ, y) pairs."""
    return scale * ops[0] * math.fsum(ops[i] * ops[i + 1] for i in range(1, len(ops) - 1, 2))


def _scaled_sum(scale: float, ops: Sequence[float]) -> float:
    """``scale · ops[0] · Σ ops[1:]``: a bias change from η and deltas."""
    return scale * ops[0] * math.fsum(ops[1:])


def _add(ops: Sequence[float]) -> float:
    return ops[0] + ops[1]


def _by_role(roles: Sequence[str], ops: Sequence[float]) -> dict[str, float]:
    return dict(zip(roles, ops, strict=True))


def _elementwise_delta(
    act: Activation, loss: Loss, sign: float, n_out: int, roles: tuple[str, ...],
    ops: Sequence[float],
) -> float:
    v = _by_role(roles, ops)
    y, t = np.array([v["y"]]), np.array([v["t"]])
    a = np.array([v.get("a", v["y"])])
    fused = FUSED_DELTAS.get((act.name, loss.name))
    grad_a = fused.grad_a(y, t) if fused else loss.grad(y, t, n_out) * act.derivative(a, y)
    return float(-sign * grad_a[0])


def _softmax_delta(loss: Loss, sign: float, j: int, n_out: int, ops: Sequence[float]) -> float:
    """δ_j through the softmax Jacobian; ops = (t_1, y_1, ..., t_n, y_n)."""
    t, y = np.array(ops[0::2], dtype=float), np.array(ops[1::2], dtype=float)
    g = loss.grad(y, t, n_out)
    return float(-sign * y[j] * (g[j] - np.sum(g * y)))


def _hidden_delta(act: Activation, roles: tuple[str, ...], ops: Sequence[float]) -> float:
    """f'(a_j) · Σ_k w_jk·δ_k; ops = (derivative operands..., w, δ, w, δ, ...)."""
    head = len(roles)
    v = _by_role(roles, ops[:head])
    y = np.array([v.get("y", 0.0)])
    a = np.array([v.get("a", 0.0)])
    slope = float(act.derivative(a, y)[0])
    return slope * math.fsum(ops[i] * ops[i + 1] for i in range(head, len(ops) - 1, 2))


def _slot(i: int) -> str:
    """Positional placeholder ``{i}`` for a template."""
    return "{" + str(i) + "}"


@cache
def _products(first: int, stop: int) -> str:
    """``{first}×{first+1} + ...`` for the operand pairs from ``first`` up to ``stop``."""
    return " + ".join(f"{_slot(i)}×{_slot(i + 1)}" for i in range(first, stop, 2))


def _fill(template: str, roles: Sequence[str], offset: int = 0, **fixed: str) -> str:
    """Put positional placeholders ``{offset}``, ``{offset+1}``... where named roles stand."""
    slots = {role: _slot(offset + i) for i, role in enumerate(roles)}
    return template.format(**slots, **fixed)


def _roles_in(template: str, candidates: Sequence[str]) -> tuple[str, ...]:
    return tuple(r for r in candidates if "{" + r + "}" in template)


# --- the step as a lesson ---

Label = tuple[str, int | None]
"""How a parameter is currently named: ("w0", None) before the step, ("w", 2) after update 2."""


class _Lesson:
    """Collects the stages of one step; each method builds what one stage of the lesson computes."""

    def __init__(self, scenario: Scenario) -> None:
        self.sc = scenario
        self.acts = activations_of(scenario)
        self.loss = LOSSES[scenario.loss]
        self.sign = CONVENTION_SIGN[scenario.convention]
        self.units = [layer.units for layer in scenario.layers]
        self.has_bias = scenario.biases is not None
        self.several = len(scenario.inputs) > 1
        self.stages: list[Stage] = []
        self.w_label: Label = ("w0", None)
        self.b_label: Label = ("b0", None)

    def tag(self, sample: int) -> int | None:
        return sample if self.several else None

    def layer_label(self, k: int) -> str:
        name = self.sc.layers[k].name
        if name:
            return name
        if k == len(self.units) - 1:
            return "output layer"
        return "input layer" if k == 0 else f"hidden layer {k}"

    def units_label(self, k: int) -> str:
        return f"{self.layer_label(k)} ({', '.join(self.units[k])})"

    def of_sample(self, sample: int | None) -> str:
        return f" · sample {sample}" if self.several and sample is not None else ""

    def add(self, phase: str, title: str, quantities: list[Quantity], k: int | None = None,
            sample: int | None = None) -> None:
        units = tuple(self.units[k]) if k is not None else ()
        self.stages.append(Stage(phase, title, tuple(quantities), units, k, sample))

    def given(self, params: Params) -> dict[str, float]:
        values: dict[str, float] = {"lr": self.sc.learning_rate}
        for n, (x, t) in enumerate(zip(self.sc.inputs, self.sc.targets, strict=True), start=1):
            for kind, units, row in (("y", self.units[0], x), ("t", self.units[-1], t)):
                values.update({unit_name(kind, u, self.tag(n)): float(v)
                               for u, v in zip(units, row, strict=True)})
        for k, w in enumerate(params.weights, start=1):
            for i, src in enumerate(self.units[k - 1]):
                for j, unit in enumerate(self.units[k]):
                    values[edge_name("w0", src, unit)] = float(w[i, j])
            if self.has_bias:
                for j, unit in enumerate(self.units[k]):
                    values[unit_name("b0", unit)] = float(params.biases[k - 1][j])
        return values

    # forward

    def forward_layer(self, k: int, params: Params, outs: list[Array], nets: list[Array],
                      sample: int, after: bool = False) -> list[Quantity]:
        """a_j = Σ_i w_ij·y_i + b_j and y_j = f(a_j) for the units of layer k, one sample."""
        s = self.tag(sample)
        a_kind, y_kind = ("a_after", "y_after") if after else ("a", "y")
        in_kind = "y" if k == 1 else y_kind
        act = self.acts[k - 1]
        sources = self.units[k - 1]
        qs: list[Quantity] = []
        for j, unit in enumerate(self.units[k]):
            inputs: list[str] = []
            ops: list[float] = []
            for i, src in enumerate(sources):
                inputs += [edge_name(self.w_label[0], src, unit, self.w_label[1]),
                           unit_name(in_kind, src, s)]
                ops += [float(params.weights[k - 1][i, j]), float(outs[k - 1][i])]
            if self.has_bias:
                inputs.append(unit_name(self.b_label[0], unit, self.b_label[1]))
                ops.append(float(params.biases[k - 1][j]))
            bias = f" + {{{len(ops) - 1}}}" if self.has_bias else ""
            template = _products(0, 2 * len(sources)) + bias
            a_name = unit_name(a_kind, unit, s)
            qs.append(Quantity(a_name, a_kind, float(nets[k][j]), unit, template,
                               tuple(inputs), tuple(ops), partial(_weighted_sum, self.has_bias),
                               sample=s))
        for j, unit in enumerate(self.units[k]):
            y_name = unit_name(y_kind, unit, s)
            if act.name == "softmax":
                layer_a = [unit_name(a_kind, u, s) for u in self.units[k]]
                inputs = [layer_a[j], *layer_a]
                ops = [float(nets[k][j])] + [float(v) for v in nets[k]]
                template = "e^{0} / (" + " + ".join(f"e^{_slot(i)}" for i in range(1, len(ops))) + ")"
                recompute = _softmax_one
            else:
                inputs, ops = [unit_name(a_kind, unit, s)], [float(nets[k][j])]
                template = act.template.format(a="{0}")
                recompute = partial(_activate, act)
            qs.append(Quantity(y_name, y_kind, float(outs[k][j]), unit, template,
                               tuple(inputs), tuple(ops), recompute, sample=s))
        return qs

    def sample_loss(self, nets: list[Array], outs: list[Array], targets: Array, sample: int,
                    after: bool = False) -> Quantity:
        """E for one sample from its outputs and targets."""
        s = self.tag(sample)
        y_kind, kind = ("y_after", "loss_after") if after else ("y", "loss")
        out_units = self.units[-1]
        inputs: list[str] = []
        ops: list[float] = []
        for j, unit in enumerate(out_units):
            inputs += [unit_name("t", unit, s), unit_name(y_kind, unit, s)]
            ops += [float(targets[j]), float(outs[-1][j])]
        terms = " + ".join(_fill(self.loss.term_template, ("t", "y"), 2 * j)
                           for j in range(len(out_units)))
        template = self.loss.total_template.format(terms=terms, n=len(out_units))
        name = scalar_name(kind, s)
        value = float(output_loss(self.acts[-1], self.loss, nets[-1], outs[-1], targets))
        return Quantity(name, kind, value, None, template, tuple(inputs), tuple(ops),
                        partial(_loss_one, self.loss), sample=s)

    def total_loss(self, per_sample: list[Quantity], kind: str) -> Quantity:
        """The loss of all samples: their sum, or their mean with ``reduction: mean``."""
        mean = self.sc.reduction == "mean"
        names = tuple(q.name for q in per_sample)
        ops = tuple(q.value for q in per_sample)
        joined = " + ".join(_slot(i) for i in range(len(ops)))
        template = f"({joined}) / {len(ops)}" if mean else joined
        return Quantity(kind, kind, _combine(mean, ops), None, template, names, ops,
                        partial(_combine, mean))

    # backward

    def output_deltas(self, nets: list[Array], outs: list[Array], targets: Array,
                      sample: int) -> list[Quantity]:
        """δ of each output unit from the loss and the output activation."""
        s = self.tag(sample)
        act, loss = self.acts[-1], self.loss
        units = self.units[-1]
        n_out = len(units)
        deltas = -self.sign * output_grad_a(act, loss, nets[-1], outs[-1], targets)
        fused = FUSED_DELTAS.get((act.name, loss.name))
        qs = []
        for j, unit in enumerate(units):
            name = unit_name("delta", unit, s)
            if act.name == "softmax" and fused is None:
                inputs = [n for u in units for n in (unit_name("t", u, s), unit_name("y", u, s))]
                ops = [float(v) for m in range(n_out) for v in (targets[m], outs[-1][m])]
                g = [_fill(loss.grad_template, ("t", "y"), 2 * m, n=str(n_out))
                     for m in range(n_out)]
                inner = " + ".join(f"{g[m]} × {{{2 * m + 1}}}" for m in range(n_out))
                lead = "−" if self.sign > 0 else ""
                template = f"{lead}{{{2 * j + 1}}} × ({g[j]} − [{inner}])"
                recompute = partial(_softmax_delta, loss, self.sign, j, n_out)
            else:
                if fused is not None:
                    full = fused.neg_grad_template if self.sign > 0 else fused.grad_template
                else:
                    err = loss.neg_grad_template if self.sign > 0 else loss.grad_template
                    full = f"{err} × {act.derivative_template}"
                roles = _roles_in(full, ("t", "y", "a"))
                names = {"t": unit_name("t", unit, s), "y": unit_name("y", unit, s),
                         "a": unit_name("a", unit, s)}
                values = {"t": float(targets[j]), "y": float(outs[-1][j]), "a": float(nets[-1][j])}
                inputs = [names[r] for r in roles]
                ops = [values[r] for r in roles]
                template = _fill(full, roles, n=str(n_out))
                recompute = partial(_elementwise_delta, act, loss, self.sign, n_out, roles)
            qs.append(Quantity(name, "delta", float(deltas[j]), unit, template, tuple(inputs),
                               tuple(ops), recompute, sample=s))
        return qs

    def hidden_deltas(self, k: int, params: Params, nets: list[Array], outs: list[Array],
                      next_deltas: Array, sample: int) -> list[Quantity]:
        """δ_j = f'(a_j) · Σ_m w0[j->m]·δ_m for hidden layer k, with the weights before the update."""
        s = self.tag(sample)
        act = self.acts[k - 1]
        w = params.weights[k]
        roles = _roles_in(act.derivative_template, ("a", "y"))
        qs = []
        for j, unit in enumerate(self.units[k]):
            names = {"a": unit_name("a", unit, s), "y": unit_name("y", unit, s)}
            values = {"a": float(nets[k][j]), "y": float(outs[k][j])}
            inputs = [names[r] for r in roles]
            ops = [values[r] for r in roles]
            for m, nxt in enumerate(self.units[k + 1]):
                inputs += [edge_name(self.w_label[0], unit, nxt, self.w_label[1]),
                           unit_name("delta", nxt, s)]
                ops += [float(w[j, m]), float(next_deltas[m])]
            pairs = _products(len(roles), len(ops))
            template = f"{_fill(act.derivative_template, roles)} × ({pairs})"
            name = unit_name("delta", unit, s)
            slope = act.derivative(nets[k][j:j + 1], outs[k][j:j + 1])[0]
            qs.append(Quantity(name, "delta", float(slope * np.dot(w[j], next_deltas)), unit,
                               template, tuple(inputs), tuple(ops),
                               partial(_hidden_delta, act, roles), sample=s))
        return qs

    # update

    def layer_update(self, k: int, params: Params, seen: list[tuple[int, list[Array], list[Array]]],
                     tag: int | None) -> tuple[list[Quantity], Array, Array]:
        """Δw and new w (and Δb, new b) of the weights into layer k from the samples seen.

        ``seen`` holds (sample, outputs, deltas) per sample; Δw = sign·η·Σ δ_j·y_i (/n for mean).
        """
        eta = self.sc.learning_rate
        n = len(seen)
        mean = self.sc.reduction == "mean" and n > 1
        scale = self.sign / (n if mean else 1)
        lead = "" if self.sign > 0 else "−"
        per_n = f" / {n}" if mean else ""
        old_w, old_b = params.weights[k - 1], params.biases[k - 1]
        dw = scale * eta * sum(np.outer(outs[k - 1], deltas[k - 1]) for _, outs, deltas in seen)
        new_w = old_w + dw
        qs: list[Quantity] = []
        prods = _products(1, 1 + 2 * n)
        recompute_dw = partial(_scaled_products, scale)
        template = f"{lead}{{0}}{per_n} × " + (prods if n == 1 else f"({prods})")
        tags = [self.tag(smp) for smp, _, _ in seen]
        y_names = [[unit_name("y", src, t) for t in tags] for src in self.units[k - 1]]
        y_values = [[float(outs[k - 1][i]) for _, outs, _ in seen]
                    for i in range(len(self.units[k - 1]))]
        for j, unit in enumerate(self.units[k]):
            delta_names = [unit_name("delta", unit, t) for t in tags]
            delta_values = [float(deltas[k - 1][j]) for _, _, deltas in seen]
            for i, src in enumerate(self.units[k - 1]):
                inputs = ["lr"]
                ops = [eta]
                for m in range(n):
                    inputs += [delta_names[m], y_names[i][m]]
                    ops += [delta_values[m], y_values[i][m]]
                dname = edge_name("dw", src, unit, tag)
                qs.append(Quantity(dname, "dw", float(dw[i, j]), unit, template, tuple(inputs),
                                   tuple(ops), recompute_dw, source=src, sample=tag))
                old = edge_name(self.w_label[0], src, unit, self.w_label[1])
                wname = edge_name("w", src, unit, tag)
                qs.append(Quantity(wname, "w", float(new_w[i, j]), unit, "{0} + {1}", (old, dname),
                                   (float(old_w[i, j]), float(dw[i, j])), _add, source=src,
                                   sample=tag))
        if not (self.has_bias and self.sc.update_biases):
            return qs, new_w, old_b
        db = scale * eta * sum(deltas[k - 1] for _, _, deltas in seen)
        new_b = old_b + db
        for j, unit in enumerate(self.units[k]):
            inputs = ["lr"] + [unit_name("delta", unit, self.tag(smp)) for smp, _, _ in seen]
            ops = [eta] + [float(deltas[k - 1][j]) for _, _, deltas in seen]
            terms = " + ".join(_slot(m) for m in range(1, len(ops)))
            template = f"{lead}{{0}}{per_n} × " + (terms if n == 1 else f"({terms})")
            dname = unit_name("db", unit, tag)
            qs.append(Quantity(dname, "db", float(db[j]), unit, template, tuple(inputs),
                               tuple(ops), partial(_scaled_sum, scale), sample=tag))
            old = unit_name(self.b_label[0], unit, self.b_label[1])
            bname = unit_name("b", unit, tag)
            qs.append(Quantity(bname, "b", float(new_b[j]), unit, "{0} + {1}", (old, dname),
                               (float(old_b[j]), float(db[j])), _add, sample=tag))
        return qs, new_w, new_b

    # the whole step

    def learn_from(self, samples: list[int], params: Params,
                   tag: int | None) -> tuple[Params, list[Quantity]]:
        """Forward, loss and deltas for each sample, then one update from all of them."""
        last = len(self.units) - 1
        seen = []
        losses = []
        for smp in samples:
            x, t = self.sc.inputs[smp - 1], self.sc.targets[smp - 1]
            nets, outs = forward(params, self.acts, x)
            for k in range(1, last + 1):
                self.add("forward", f"forward · {self.units_label(k)}{self.of_sample(smp)}",
                         self.forward_layer(k, params, outs, nets, smp), k, self.tag(smp))
            losses.append(self.sample_loss(nets, outs, t, smp))
            self.add("loss", f"loss{self.of_sample(smp)}", [losses[-1]], None, self.tag(smp))
            out_q = self.output_deltas(nets, outs, t, smp)
            self.add("backward", f"backward · output deltas ({', '.join(self.units[-1])})"
                     f"{self.of_sample(smp)}", out_q, last, self.tag(smp))
            deltas: list[Array] = [np.array([q.value for q in out_q])]
            for k in range(last - 1, 0, -1):
                hidden = self.hidden_deltas(k, params, nets, outs, deltas[0], smp)
                self.add("backward", f"backward · hidden deltas · {self.units_label(k)}"
                         f"{self.of_sample(smp)}", hidden, k, self.tag(smp))
                deltas.insert(0, np.array([q.value for q in hidden]))
            seen.append((smp, outs, deltas))
        weights, biases = list(params.weights), list(params.biases)
        for k in range(last, 0, -1):
            qs, weights[k - 1], biases[k - 1] = self.layer_update(k, params, seen, tag)
            arrow = f"{', '.join(self.units[k - 1])} → {', '.join(self.units[k])}"
            which = (f" · samples {', '.join(map(str, samples))}" if len(samples) > 1 and tag
                     else self.of_sample(tag))
            self.add("update", f"update · weights {arrow}{which}", qs, k, tag)
        self.w_label = ("w", tag)
        if self.has_bias and self.sc.update_biases:
            self.b_label = ("b", tag)
        return Params(tuple(weights), tuple(biases)), losses

    def after(self, params: Params) -> None:
        """The forward pass and loss with the updated parameters."""
        last = len(self.units) - 1
        losses = []
        for smp, (x, t) in enumerate(zip(self.sc.inputs, self.sc.targets, strict=True), start=1):
            nets, outs = forward(params, self.acts, x)
            qs = [q for k in range(1, last + 1)
                  for q in self.forward_layer(k, params, outs, nets, smp, after=True)]
            losses.append(self.sample_loss(nets, outs, t, smp, after=True))
            self.add("after", f"after the update · forward pass{self.of_sample(smp)}",
                     [*qs, losses[-1]], None, self.tag(smp))
        if self.several:
            self.add("after", "after the update · loss of all samples",
                     [self.total_loss(losses, "loss_after")])


def step(scenario: Scenario) -> Trace:
    """Run one training step of the scenario and record it as stages, in teaching order."""
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
        stage = Stage("loss", "loss of all samples", (lesson.total_loss(losses, "loss"),))
        position = len(lesson.stages) if several_updates else next(
            i for i, st in enumerate(lesson.stages) if st.phase == "update")
        lesson.stages.insert(position, stage)
    lesson.after(params)
    return Trace(tuple(lesson.stages), given)
