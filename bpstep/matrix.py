"""Each stage of a step as matrix equations, in the scenario's own layout (pure data, no printing).

Rows of ``weights[k]`` are the units of the earlier layer, so Wᵏ is (nₖ₋₁×nₖ), one sample's values
are column vectors and the forward pass reads aᵏ = (Wᵏ)ᵀ·yᵏ⁻¹ + bᵏ; the deltas go back through
δᵏ = (Wᵏ⁺¹·δᵏ⁺¹) ⊙ f′(aᵏ) and the update is ΔWᵏ = ±η·yᵏ⁻¹·(δᵏ)ᵀ. When an update learns from
several samples they are rows (Aᵏ = Yᵏ⁻¹·Wᵏ + 1·(bᵏ)ᵀ) and the update is one product that sums
over the batch, ΔWᵏ = ±η·(Yᵏ⁻¹)ᵀ·Dᵏ, divided by n for ``reduction: mean``.

The numbers are the step's own values, read by name (the tables show the same); f′(a) and
∂E/∂y, which no table lists, are the trace's activations' and loss's own (bpstep.functions),
applied to those values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpstep.functions import Activation
from bpstep.trace import Kind, Phase, Stage, Trace, edge_name, parse_name, scalar_name, unit_name

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
ARITHMETIC = frozenset({"·", "+", "−", "⊙", "/", ","})
"""Operators written on every line of an equation (symbols, shapes, numbers); other text, such
as ``sigmoid(``, is left out of the line of shapes."""


def sup(k: int) -> str:
    """The layer index as a superscript: ``a¹``."""
    return str(k).translate(_SUPERSCRIPT)


def sample_label(sample: int) -> str:
    """How a row that is one sample is labelled (and marked): ``@2``, as in ``a[h1]@2``."""
    return f"@{sample}"


@dataclass(frozen=True, slots=True)
class Operand:
    """One vector, matrix or scalar of an equation, with what its rows and columns are about."""

    symbol: str
    """``W¹``, ``y⁰``, ``f′(a¹)``, ``η``."""
    values: np.ndarray
    """Two-dimensional, as stored: a transposed operand keeps its own layout."""
    rows: tuple[str, ...]
    """Unit names, or sample labels (``@2``) when samples are rows."""
    cols: tuple[str, ...]
    transposed: bool = False
    scalar: bool = False

    @property
    def written(self) -> str:
        """The symbol as the equation writes it: ``(W¹)ᵀ``."""
        if not self.transposed:
            return self.symbol
        return f"({self.symbol})ᵀ" if len(self.symbol) > 1 else f"{self.symbol}ᵀ"

    @property
    def matrix(self) -> np.ndarray:
        """The numbers the written symbol names: the stored values, turned when transposed, so
        ``(δ¹)ᵀ`` prints as a row."""
        return self.values.T if self.transposed else self.values

    @property
    def labels(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What the rows and the columns of :attr:`matrix` are about."""
        return (self.cols, self.rows) if self.transposed else (self.rows, self.cols)

    @property
    def shape(self) -> str:
        """The stored shape, ``(2×2)ᵀ`` when the equation transposes it; ``scalar`` for η."""
        if self.scalar:
            return "scalar"
        rows, cols = self.values.shape
        return f"({rows}×{cols})" + ("ᵀ" if self.transposed else "")


Token = Operand | str


@dataclass(frozen=True, slots=True)
class Equation:
    """``lhs = rhs``: the right-hand side as operands between operators and text."""

    lhs: Operand
    rhs: tuple[Token, ...]

    @property
    def operands(self) -> tuple[Operand, ...]:
        return (self.lhs, *(t for t in self.rhs if isinstance(t, Operand)))

    def symbols(self) -> str:
        """``a¹ = (W¹)ᵀ·y⁰ + b¹``."""
        return self.lhs.written + " = " + "".join(
            t.written if isinstance(t, Operand) else t for t in self.rhs)

    def shapes(self) -> str:
        """``(2×1) = (2×2)ᵀ·(2×1) + (2×1)``: operators kept, function names left out."""
        parts = [t.shape if isinstance(t, Operand) else t for t in self.rhs
                 if isinstance(t, Operand) or t.strip() in ARITHMETIC]
        return self.lhs.shape + " = " + "".join(parts)


@dataclass(frozen=True, slots=True)
class MatrixStage:
    """A stage's equations, a note on what its symbols stand for, and the rows it is about."""

    equations: tuple[Equation, ...]
    note: str = ""
    marks: frozenset[str] = frozenset()
    """Row and column labels this stage is about (its sample, when samples are rows)."""


def matrix_stages(trace: Trace) -> tuple[MatrixStage, ...]:
    """The matrix form of every stage of ``trace``, in order."""
    builder = _Builder(trace)
    return tuple(builder.stage(stage) for stage in trace.stages)


class _Builder:
    """Reads a stage's values by name (floats, so every array is float64) and writes them as the
    equations of its phase."""

    def __init__(self, trace: Trace) -> None:
        self.network = network = trace.network
        self.env = trace.env
        self.units = network.units
        self.acts = network.activations
        self.loss = network.loss
        self.delta_rule = network.delta_rule
        self.count = network.samples
        self.several = self.count > 1
        self.batch_of = {i: list(batch) for batch in network.updates for i in batch}

    # values by name

    def tag(self, sample: int) -> int | None:
        return sample if self.several else None

    def layer_values(self, kind: str, k: int, samples: list[int]) -> np.ndarray:
        """(samples × units) of ``kind`` in layer k."""
        return np.array([[self.env[unit_name(kind, u, self.tag(s))] for u in self.units[k]]
                         for s in samples])

    def weights(self, k: int, kind: str, tag: int | None) -> np.ndarray:
        return np.array([[self.env[edge_name(kind, s, u, tag)] for u in self.units[k]]
                         for s in self.units[k - 1]])

    def biases(self, k: int, kind: str, tag: int | None) -> np.ndarray:
        return np.array([[self.env[unit_name(kind, u, tag)]] for u in self.units[k]])

    # operands

    def layer(self, symbol: str, values: np.ndarray, k: int, samples: list[int],
              rows: bool) -> Operand:
        """A layer's values: samples as rows (``A¹``), or one sample as a column (``a¹``)."""
        if rows:
            return Operand(symbol.upper() if symbol[0] != "δ" else "D" + symbol[1:], values,
                           tuple(sample_label(s) for s in samples), tuple(self.units[k]))
        return Operand(symbol, values.T, tuple(self.units[k]), ("",))

    def weight(self, k: int, kind: str, tag: int | None, symbol: str = "", transposed: bool = False
               ) -> Operand:
        return Operand(symbol or f"W{sup(k)}", self.weights(k, kind, tag), tuple(self.units[k - 1]),
                       tuple(self.units[k]), transposed)

    @staticmethod
    def scalar(symbol: str, value: float) -> Operand:
        return Operand(symbol, np.array([[value]]), ("",), ("",), scalar=True)

    @staticmethod
    def ones(samples: list[int], transposed: bool = False) -> Operand:
        return Operand("1", np.ones((len(samples), 1)), tuple(sample_label(s) for s in samples),
                       ("",), transposed)

    # stages

    def stage(self, stage: Stage) -> MatrixStage:
        build = {Phase.FORWARD: self.forward_stage, Phase.LOSS: self.loss_stage,
                 Phase.BACKWARD: self.backward_stage, Phase.UPDATE: self.update_stage,
                 Phase.AFTER: self.after_stage}[stage.phase]
        return build(stage)

    def samples_of(self, stage: Stage, everyone: bool = False) -> tuple[list[int], bool]:
        """The samples a stage's matrices hold, and whether they are rows (several) or a column."""
        sample = stage.sample or 1
        samples = list(range(1, self.count + 1)) if everyone else self.batch_of[sample]
        return samples, len(samples) > 1

    def rows_note(self, stage: Stage, rows: bool) -> str:
        """Which row is the stage's own: said of the stages of one sample (a stage of a whole
        batch, the update or its total loss, says its own note)."""
        if not rows:
            return ""
        assert stage.sample is not None
        return f"samples are rows; this stage's sample is row {sample_label(stage.sample)}"

    def marks(self, stage: Stage, rows: bool) -> frozenset[str]:
        return frozenset({sample_label(stage.sample)}) if rows and stage.sample else frozenset()

    def forward_stage(self, stage: Stage) -> MatrixStage:
        k = stage.layer
        assert k is not None
        samples, rows = self.samples_of(stage)
        first = stage.quantities[0]
        equations = self.forward(k, samples, rows, _labels(first.inputs), after=False)
        return MatrixStage(tuple(equations), self.weights_note(first.inputs, stage, rows),
                           self.marks(stage, rows))

    def weights_note(self, inputs: tuple[str, ...], stage: Stage, rows: bool) -> str:
        """The rows note, and which update made W when a forward stage reads updated weights: only
        online and minibatch steps do, after an update tagged with its first sample."""
        notes = [self.rows_note(stage, rows)] if rows else []
        w_kind, w_tag = _labels(inputs)["w"]
        if w_kind == Kind.W:
            assert w_tag is not None
            notes.append("W: the weights as updated at " + sample_label(w_tag))
        return "; ".join(notes)

    def forward(self, k: int, samples: list[int], rows: bool,
                labels: dict[str, tuple[str, int | None]], after: bool) -> list[Equation]:
        a_kind, y_kind = (Kind.A_AFTER, Kind.Y_AFTER) if after else (Kind.A, Kind.Y)
        in_kind = Kind.Y if k == 1 else y_kind
        y_in = self.layer(f"y{sup(k - 1)}", self.layer_values(in_kind, k - 1, samples), k - 1,
                          samples, rows)
        a = self.layer(f"a{sup(k)}", self.layer_values(a_kind, k, samples), k, samples, rows)
        y = self.layer(f"y{sup(k)}", self.layer_values(y_kind, k, samples), k, samples, rows)
        w = self.weight(k, *labels["w"], transposed=not rows)
        rhs: list[Token] = [y_in, "·", w] if rows else [w, "·", y_in]
        if "b" in labels:
            b = Operand(f"b{sup(k)}", self.biases(k, *labels["b"]), tuple(self.units[k]), ("",),
                        transposed=rows)
            rhs += [" + ", self.ones(samples), "·", b] if rows else [" + ", b]
        act = self.acts[k - 1]
        return [Equation(a, tuple(rhs)), Equation(y, (f"{act.call_name or 'f'}(", a, ")"))]

    def loss_stage(self, stage: Stage) -> MatrixStage:
        if stage.sample is None and self.several:
            return self.total_loss(Kind.LOSS)
        samples, rows = self.samples_of(stage)
        return MatrixStage((self.sample_loss(samples, rows, Kind.Y, Kind.LOSS),),
                           self.rows_note(stage, rows) + "; e holds the loss of each sample" if rows else "",
                           self.marks(stage, rows))

    def sample_loss(self, samples: list[int], rows: bool, y_kind: str, kind: str) -> Equation:
        last = len(self.units) - 1
        y = self.layer(f"y{sup(last)}", self.layer_values(y_kind, last, samples), last, samples, rows)
        t = self.layer("t", self.layer_values(Kind.T, last, samples), last, samples, rows)
        losses = np.array([[self.env[scalar_name(kind, self.tag(s))]] for s in samples])
        lhs = (Operand("e", losses, tuple(sample_label(s) for s in samples), ("",)) if rows
               else self.scalar("E", float(losses[0, 0])))
        return Equation(lhs, (f"{self.loss.name}(", y, ", ", t, ")"))

    def total_loss(self, kind: str) -> MatrixStage:
        """E over every sample: 1ᵀ·e, divided by n for ``reduction: mean``."""
        samples = list(range(1, self.count + 1))
        each = Kind.LOSS if kind == Kind.LOSS else Kind.LOSS_AFTER
        e = Operand("e", np.array([[self.env[scalar_name(each, s)]] for s in samples]),
                    tuple(sample_label(s) for s in samples), ("",))
        rhs: list[Token] = [self.ones(samples, transposed=True), "·", e]
        if self.network.reduction == "mean":
            rhs += [" / ", self.scalar("n", float(len(samples)))]
        return MatrixStage((Equation(self.scalar("E", self.env[kind]), tuple(rhs)),),
                           "e holds the loss of each sample")

    def backward_stage(self, stage: Stage) -> MatrixStage:
        k = stage.layer
        assert k is not None
        samples, rows = self.samples_of(stage)
        last = len(self.units) - 1
        a = self.layer(f"a{sup(k)}", self.layer_values(Kind.A, k, samples), k, samples, rows)
        y = self.layer(f"y{sup(k)}", self.layer_values(Kind.Y, k, samples), k, samples, rows)
        delta = self.layer(f"δ{sup(k)}", self.layer_values(Kind.DELTA, k, samples), k, samples, rows)
        act = self.acts[k - 1]
        if k == last:
            t = self.layer("t", self.layer_values(Kind.T, k, samples), k, samples, rows)
            rhs = self.output_delta(act, a, y, t)
        else:
            later = self.layer(f"δ{sup(k + 1)}", self.layer_values(Kind.DELTA, k + 1, samples),
                               k + 1, samples, rows)
            w_kind, w_tag = _labels(stage.quantities[0].inputs)["w"]
            w = self.weight(k + 1, w_kind, w_tag, transposed=rows)
            back: tuple[Token, ...] = (later, "·", w) if rows else (w, "·", later)
            rhs = ("(", *back, ")", " ⊙ ", self.slope(act, a, y))
        return MatrixStage((Equation(delta, rhs),), self.rows_note(stage, rows),
                           self.marks(stage, rows))

    def slope(self, act: Activation, a: Operand, y: Operand) -> Operand:
        assert act.derivative is not None
        return Operand(f"f′({a.symbol})", act.derivative(a.values, y.values), a.rows, a.cols)

    def output_delta(self, act: Activation, a: Operand, y: Operand, t: Operand) -> tuple[Token, ...]:
        """δ at the outputs in the scenario's convention: −∂E/∂a (delta rule) or +∂E/∂a."""
        first, second = (t, y) if self.delta_rule else (y, t)
        if self.network.pairing is not None:
            return (first, " − ", second)
        sign = -1.0 if self.delta_rule else 1.0
        along = 0 if y.cols == ("",) else 1  # the axis of the output units
        grad = Operand(f"{'−' if self.delta_rule else ''}∂E/∂{y.symbol}",
                       sign * self.loss.grad(y.values, t.values, y.values.shape[along]), y.rows,
                       y.cols)
        if act.derivative is None:
            weighted = np.sum(grad.values * y.values, axis=along, keepdims=True)
            total = Operand(f"({grad.symbol} ⊙ {y.symbol})·1", weighted, y.rows if along else ("",),
                            ("",))
            return (y, " ⊙ ", "(", grad, " − ", total, ")")
        error: tuple[Token, ...] = ("(", first, " − ", second, ")") if self.loss.name == "half_sse" \
            else (grad,)
        return (*error, " ⊙ ", self.slope(act, a, y))

    def update_stage(self, stage: Stage) -> MatrixStage:
        k = stage.layer
        assert k is not None
        qs = stage.quantities
        change_inputs, new_inputs = qs[0].inputs, qs[1].inputs
        samples = sorted({parse_name(n).sample or 1 for n in change_inputs  # type: ignore[union-attr]
                          if n.startswith("delta[")})
        rows = len(samples) > 1
        n = len(samples)
        eta = self.scalar("η", self.env["lr"])
        rate: list[Token] = ([] if self.delta_rule else ["−"]) + [eta, " · "]
        if self.network.reduction == "mean" and rows:
            rate[-1:] = [" / ", self.scalar("n", float(n)), " · "]
        y_in = self.layer(f"y{sup(k - 1)}", self.layer_values(Kind.Y, k - 1, samples), k - 1,
                          samples, rows)
        delta = self.layer(f"δ{sup(k)}", self.layer_values(Kind.DELTA, k, samples), k, samples, rows)
        tag = stage.sample
        old_kind, old_tag = _labels(new_inputs)["w"]
        change = self.weight(k, Kind.DW, tag, f"ΔW{sup(k)}")
        if rows:
            product: list[Token] = [_transposed(y_in), "·", delta]
        else:
            product = [y_in, "·", _transposed(delta)]
        previous = [parse_name(n) for n in change_inputs if n.startswith("dw[")]
        carried_from = previous[0].sample if previous and previous[0] else None
        momentum: list[Token] = []
        if previous:
            momentum = [" + ", self.scalar("α", self.env["momentum"]), " · ",
                        self.weight(k, Kind.DW, carried_from, f"ΔW{sup(k)}(before)")]
        equations = [
            Equation(change, (*rate, *product, *momentum)),
            Equation(self.weight(k, Kind.W, tag, f"W{sup(k)}(new)"),
                     (self.weight(k, old_kind, old_tag), " + ", change)),
        ]
        first_bias = 2 * len(self.units[k - 1]) * len(self.units[k])
        if len(qs) > first_bias:
            old_bias = _labels(qs[first_bias + 1].inputs)["b"]
            equations += self.bias_update(k, rate, delta, samples, rows, tag, old_bias,
                                          bool(previous), carried_from)
        return MatrixStage(tuple(equations), "samples are rows; the product sums over them"
                           if rows else "")

    def bias_update(self, k: int, rate: list[Token], delta: Operand, samples: list[int], rows: bool,
                    tag: int | None, old: tuple[str, int | None], carried: bool,
                    carried_from: int | None) -> list[Equation]:
        """Δbᵏ = ±η·δᵏ, or ±η·(Dᵏ)ᵀ·1 summed over the samples; bᵏ(new) = bᵏ + Δbᵏ."""
        units = tuple(self.units[k])
        change = Operand(f"Δb{sup(k)}", self.biases(k, Kind.DB, tag), units, ("",))
        sums: list[Token] = [_transposed(delta), "·", self.ones(samples)] if rows else [delta]
        momentum: list[Token] = []
        if carried:
            momentum = [" + ", self.scalar("α", self.env["momentum"]), " · ",
                        Operand(f"Δb{sup(k)}(before)", self.biases(k, Kind.DB, carried_from), units,
                                ("",))]
        return [Equation(change, (*rate, *sums, *momentum)),
                Equation(Operand(f"b{sup(k)}(new)", self.biases(k, Kind.B, tag), units, ("",)),
                         (Operand(f"b{sup(k)}", self.biases(k, *old), units, ("",)), " + ", change))]

    def after_stage(self, stage: Stage) -> MatrixStage:
        if stage.sample is None and self.several:
            return self.total_loss(Kind.LOSS_AFTER)
        samples, rows = self.samples_of(stage, everyone=True)
        last = len(self.units) - 1
        equations = []
        for k in range(1, last + 1):
            unit = self.units[k][0]
            first = next(q for q in stage.quantities if q.kind == Kind.A_AFTER and q.unit == unit)
            equations += self.forward(k, samples, rows, _labels(first.inputs), after=True)
        equations.append(self.sample_loss(samples, rows, Kind.Y_AFTER, Kind.LOSS_AFTER))
        note = "with the updated weights" + ("; " + self.rows_note(stage, rows) if rows else "")
        return MatrixStage(tuple(equations), note, self.marks(stage, rows))


def _labels(inputs: tuple[str, ...]) -> dict[str, tuple[str, int | None]]:
    """Which weights and biases a rule uses, by the kind and tag of their names: ``w0`` before
    the step, ``w`` with the tag of the update that made them."""
    found: dict[str, tuple[str, int | None]] = {}
    for name in inputs:
        parsed = parse_name(name)
        assert parsed is not None  # a rule's operands are the step's own names
        if parsed.kind in (Kind.W0, Kind.W):
            found.setdefault("w", (parsed.kind, parsed.sample))
        elif parsed.kind in (Kind.B0, Kind.B):
            found.setdefault("b", (parsed.kind, parsed.sample))
    return found


def _transposed(op: Operand) -> Operand:
    """A layer's values written transposed (η and the other scalars never are)."""
    return Operand(op.symbol, op.values, op.rows, op.cols, transposed=True)

