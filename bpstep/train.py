"""Many epochs of training, fast: the same maths as ``engine.step``, none of its records.

``bpstep run`` records every number of one step; training repeats the step thousands of times
and keeps only what is shown: the loss at a few epochs and the final parameters.

The loop is the engine's maths on preallocated arrays. Each layer's weights and bias live in
one matrix with the bias as its last row, and each layer's outputs carry a trailing column of
ones, so ``[y 1] @ [W; b]`` is the forward pass and ``[y 1]ᵀ @ δ`` gives ∂E/∂W and ∂E/∂b in one
product. Deltas come from ``functions.output_grad_a`` and ``Activation.backward``, exactly as in
``engine.backward``; the forward activation is computed in place where a kernel exists
(``FORWARD_INTO``) and by ``Activation.fn`` otherwise. Tests hold every mode to finite
differences of an independent forward pass, and the benchmark to a plain numpy loop.

Momentum (``momentum: α``) keeps each layer's last change and adds α of it to the next one,
across updates and epochs, as ``bpstep run`` does within its one step.

Loss history: ``history`` holds (e, loss of all samples with the parameters after e epochs),
summed or averaged over samples as ``reduction`` says, the same number ``bpstep run`` calls
``loss``. Epoch 0 is the starting loss.
"""

from __future__ import annotations

import math
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bpstep.engine import Params, activations_of, epoch_batches, sample_order
from bpstep.enums import StrEnum
from bpstep.errors import ExitCode, UserError
from bpstep.functions import LOSSES, output_grad_a, output_loss
from bpstep.init import draw_weights
from bpstep.scenario import Scenario

Array = np.ndarray

DEFAULT_EPOCHS = 1000
CURVE_POINTS = 500
"""About this many epochs of the loss curve are kept, evenly spaced, besides the logged ones."""
TICKS = 200
"""About this many progress reports per run."""


_ONE = np.array(1.0)


def _sigmoid_into(a: Array, out: Array) -> None:
    """1 / (1 + e^(−a)) in four in-place operations; overflow of e^(−a) gives the limit 0."""
    np.negative(a, out)
    np.exp(out, out)
    np.add(out, _ONE, out)
    np.reciprocal(out, out)


FORWARD_INTO: dict[str, Callable[[Array, Array], object]] = {
    "sigmoid": _sigmoid_into,
    "tanh": np.tanh,
    "identity": lambda a, out: np.copyto(out, a),
    "relu": lambda a, out: np.maximum(a, 0.0, out=out),
}
"""``f(a)`` written into ``out`` without allocating, for the activations training uses most."""


@dataclass(slots=True)
class StopFlag:
    """Set by Ctrl-C (see ``stop_on_interrupt``); training finishes its epoch and returns."""

    requested: bool = False

    def set(self, *_: object) -> None:
        self.requested = True


@contextmanager
def stop_on_interrupt(flag: StopFlag) -> Iterator[StopFlag]:
    """Turn SIGINT into ``flag.requested`` while training runs, so parameters stay consistent."""
    previous = signal.signal(signal.SIGINT, flag.set)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


class Stop(StrEnum):
    """Why training ended before the epochs asked for."""

    INTERRUPTED = "interrupted"
    DIVERGED = "diverged"


@dataclass(frozen=True, slots=True)
class TrainResult:
    """Where training got to: parameters, loss history and the final predictions."""

    params: Params
    history: tuple[tuple[int, float], ...]
    """(epochs done, loss of all samples) at logged epochs, curve points and the end."""
    epochs: int
    """Epochs completed."""
    requested: int
    """Epochs asked for."""
    every: int
    """Log interval: the epochs shown in the loss table are its multiples and the last one."""
    predictions: Array
    """Outputs for every sample with the final parameters (samples × outputs)."""
    loss: float
    """Loss of all samples with the final parameters."""
    stopped: Stop | None = None
    """None when all epochs ran, ``"interrupted"`` (Ctrl-C) or ``"diverged"`` (the loss, also the
    one after the last update, is not a finite number)."""
    logged: tuple[tuple[int, float], ...] = field(default=())
    """The rows of the loss table: history at multiples of ``every`` and the last epoch."""

    @property
    def exit_code(self) -> ExitCode:
        """130 after Ctrl-C, 1 when the loss diverged (the network is not usable), else 0."""
        if self.stopped == Stop.INTERRUPTED:
            return ExitCode.INTERRUPTED
        return ExitCode.MISTAKES if self.stopped == Stop.DIVERGED else ExitCode.OK

    def ending(self, *, saving: bool) -> str | None:
        """What ``bpstep train`` says last when it stopped early (``saving``: --save was asked,
        and nothing is saved of a diverged network)."""
        if self.stopped == Stop.INTERRUPTED:
            return f"interrupted after {self.epochs} of {self.requested} epochs"
        if self.stopped == Stop.DIVERGED:
            return (f"error: the loss stopped being a finite number after {self.epochs} epochs; "
                    "try a smaller --lr" + ("; nothing saved" if saving else ""))
        return None


def check_learning_rate(learning_rate: float | None) -> None:
    """Refuse a --lr that no step can use (0, negative, inf, nan) before training starts, as
    the scenario's own ``learning_rate`` is refused when it is read."""
    if learning_rate is not None and not (math.isfinite(learning_rate) and learning_rate > 0):
        raise UserError(f"--lr {learning_rate} is not a learning rate: expected a number > 0, "
                        "e.g. --lr 0.1")


def with_overrides(scenario: Scenario, *, learning_rate: float | None = None,
                   seed: int | None = None) -> Scenario:
    """The scenario with a new learning rate, or a new seed for drawn weights and shuffling."""
    changes: dict[str, object] = {}
    if learning_rate is not None:
        changes["learning_rate"] = learning_rate
    if seed is not None:
        changes["seed"] = seed
        if scenario.init is not None:
            init = replace(scenario.init, seed=seed)
            changes["init"] = init
            changes["weights"] = draw_weights(init, [len(layer.units) for layer in scenario.layers])
    return replace(scenario, **changes) if changes else scenario


@dataclass(frozen=True, slots=True)
class TrainingPlan:
    """What ``bpstep train`` trains, its options checked and applied before the first epoch."""

    scenario: Scenario
    """The scenario with ``--lr`` and ``--seed`` in place."""
    epochs: int
    note: str | None
    """Said when an option given changes nothing (a ``--seed`` with nothing to draw)."""


def plan_training(scenario: Scenario, *, epochs: int | None, learning_rate: float | None,
                  seed: int | None, plot: Path | None, save: Path | None, force: bool,
                  reads: tuple[Path, ...]) -> TrainingPlan:
    """Refuse what would fail only after a long training (a --lr no step can use, a --plot or
    --save that may not be written, a network too big to save), then apply the options; epochs
    default to the scenario's, else ``DEFAULT_EPOCHS``."""
    from bpstep.files import check_outputs

    check_learning_rate(learning_rate)
    check_outputs({"--plot": plot, "--save": save}, force=force, reads=reads)
    if save is not None:
        from bpstep.scenario_yaml import check_size

        check_size(scenario)
    note = None
    if seed is not None and scenario.init is None and not scenario.shuffle:
        note = "--seed has no effect: the scenario lists its weights and does not shuffle"
    return TrainingPlan(with_overrides(scenario, learning_rate=learning_rate, seed=seed),
                        epochs or scenario.epochs or DEFAULT_EPOCHS, note)


def default_every(epochs: int) -> int:
    """Log interval giving about ten rows in the loss table."""
    return max(1, epochs // 10)


class _Buffers:
    """Preallocated arrays for one chunk size, stored unit-major (units × samples).

    Unit-major keeps the outputs ``yT[:units]`` above the row of ones contiguous, so every
    elementwise step runs on contiguous memory; ``.T`` views hand them to the shared functions in
    their samples × units shape.
    """

    def __init__(self, rows: int, widths: list[int]) -> None:
        last = len(widths) - 1
        self.y_t = [np.ones((w + (k < last), rows)) for k, w in enumerate(widths)]
        self.outs_t = [y[:w] for y, w in zip(self.y_t, widths, strict=True)]
        self.nets_t = [np.empty((w, rows)) for w in widths]


class _Network:
    """The training state: augmented parameter matrices ``[W; b]`` and the steps that change them."""

    def __init__(self, scenario: Scenario) -> None:
        self.acts = activations_of(scenario)
        self.loss = LOSSES[scenario.loss]
        self.widths = [len(layer.units) for layer in scenario.layers]
        biases = scenario.biases or [np.zeros(w.shape[1]) for w in scenario.weights]
        self.p = [np.vstack([w, b]) for w, b in zip(scenario.weights, biases, strict=True)]
        self.p_t = [p.T for p in self.p]
        self.w = [p[:-1] for p in self.p]
        self.grad = [np.empty_like(p) for p in self.p]
        train_bias = scenario.biases is not None and scenario.update_biases
        self.moving = [(p, g) if train_bias else (p[:-1], g[:-1])
                       for p, g in zip(self.p, self.grad, strict=True)]
        self.momentum = scenario.momentum or 0.0
        self.velocity = [np.zeros_like(p) for p, _ in self.moving] if self.momentum else []
        """Δ of the update before, per layer: momentum carries it across updates and epochs."""
        self.forward_into = [FORWARD_INTO.get(act.name) or _by_sample(act.fn) for act in self.acts]
        count = len(scenario.inputs)
        self.inputs_t = np.vstack([scenario.inputs.T, np.ones((1, count))])
        self.targets_t = np.ascontiguousarray(scenario.targets.T)
        self.mean = scenario.reduction == "mean"

    def forward(self, buf: _Buffers, x_t: Array) -> None:
        """Net inputs and outputs of every layer for the columns of ``x_t`` (with a ones row)."""
        y_prev = x_t
        for k, (p_t, fwd) in enumerate(zip(self.p_t, self.forward_into, strict=True), start=1):
            p_t.dot(y_prev, buf.nets_t[k])
            fwd(buf.nets_t[k], buf.outs_t[k])
            y_prev = buf.y_t[k]

    def update(self, buf: _Buffers, x_t: Array, t_t: Array, rate: Array) -> None:
        """Backward pass from the last forward and one gradient-descent update of every layer.

        ``g`` is ∂E/∂a (samples × units); hidden deltas use the weights from before this update,
        as in ``engine.step``. With momentum α the change is Δ = −η·∂E/∂W + α·Δ(before).
        """
        last = len(self.p)
        acts = self.acts
        g = output_grad_a(acts[-1], self.loss, buf.nets_t[last].T, buf.outs_t[last].T, t_t.T)
        for k in range(last, 0, -1):
            (buf.y_t[k - 1] if k > 1 else x_t).dot(g, self.grad[k - 1])
            if k > 1:
                grad_y = self.w[k - 1].dot(g.T).T
                g = acts[k - 2].backward(buf.nets_t[k - 1].T, buf.outs_t[k - 1].T, grad_y)
            p, grad = self.moving[k - 1]
            np.multiply(grad, rate, grad)
            if self.velocity:
                v = self.velocity[k - 1]
                np.multiply(v, self.momentum, v)
                np.subtract(v, grad, v)
                np.add(p, v, p)
            else:
                np.subtract(p, grad, p)

    def total_loss(self, buf: _Buffers, t_t: Array) -> float:
        """Loss of the columns just passed forward: summed, or averaged with ``reduction: mean``."""
        total = float(np.sum(output_loss(self.acts[-1], self.loss, buf.nets_t[-1].T,
                                         buf.outs_t[-1].T, t_t.T)))
        return total / t_t.shape[1] if self.mean else total

    def params(self) -> Params:
        return Params(tuple(p[:-1].copy() for p in self.p), tuple(p[-1].copy() for p in self.p))


def _by_sample(fn: Callable[[Array], Array]) -> Callable[[Array, Array], None]:
    """An activation applied to samples × units arrays, writing into a unit-major buffer."""
    return lambda a_t, out_t: np.copyto(out_t, fn(a_t.T).T)


def train(
    scenario: Scenario, epochs: int, *, every: int | None = None, stop: StopFlag | None = None,
    on_tick: Callable[[int, float | None], None] | None = None,
) -> TrainResult:
    """Train for ``epochs`` epochs in the scenario's mode; pure apart from calling ``on_tick``.

    ``on_tick(epochs done, latest loss)`` is called about ``TICKS`` times; ``stop.requested``
    ends training after the current epoch.
    """
    every = every or default_every(epochs)
    net = _Network(scenario)
    count = len(scenario.inputs)
    rng = np.random.default_rng(scenario.seed)
    static = [np.asarray(b) for b in epoch_batches(scenario, list(range(count)))]
    sizes = {len(b) for b in static}
    bufs = {size: _Buffers(size, net.widths) for size in sizes | {count}}
    full = bufs[count]
    rates = {size: np.array(scenario.learning_rate / (size if net.mean else 1)) for size in sizes}
    one_pass = len(static) == 1
    chunks = [(bufs[len(b)], np.ascontiguousarray(net.inputs_t[:, b]),
               np.ascontiguousarray(net.targets_t[:, b]), rates[len(b)]) for b in static]
    stride = max(1, epochs // CURVE_POINTS)
    tick = max(1, epochs // TICKS)
    history: list[tuple[int, float]] = []
    stop = stop or StopFlag()
    stopped = None
    done = 0
    latest: float | None = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(epochs):
            if stop.requested:
                stopped = Stop.INTERRUPTED
                break
            record = epoch % every == 0 or epoch % stride == 0
            if scenario.shuffle:
                chunks = _shuffled(net, bufs, rates, scenario, rng)
            if one_pass:
                buf, x, t, rate = chunks[0]
                net.forward(buf, x)
            if record:
                if not one_pass:
                    buf, x, t = full, net.inputs_t, net.targets_t
                    net.forward(buf, x)
                latest = net.total_loss(buf, t)
                history.append((epoch, latest))
                if not np.isfinite(latest):
                    stopped = Stop.DIVERGED
                    break
            if one_pass:
                net.update(buf, x, t, rate)
            else:
                for buf, x, t, rate in chunks:
                    net.forward(buf, x)
                    net.update(buf, x, t, rate)
            done = epoch + 1
            if on_tick is not None and done % tick == 0:
                on_tick(done, latest)
        net.forward(full, net.inputs_t)
        loss = net.total_loss(full, net.targets_t)
    if stopped is None and not np.isfinite(loss):
        stopped = Stop.DIVERGED
    if not history or history[-1][0] != done:
        history.append((done, loss))
    if on_tick is not None:
        on_tick(done, loss)
    logged = tuple((e, v) for e, v in history if e % every == 0 or e == done)
    return TrainResult(net.params(), tuple(history), done, epochs, every,
                       full.outs_t[-1].T.copy(), loss, stopped, logged)


def _shuffled(net: _Network, bufs: dict[int, _Buffers], rates: dict[int, Array], scenario: Scenario,
              rng: np.random.Generator) -> list[tuple[_Buffers, Array, Array, Array]]:
    """This epoch's chunks in a fresh random order, gathered into the buffers of their size."""
    chunks = []
    for batch in epoch_batches(scenario, sample_order(scenario, rng)):
        buf = bufs[len(batch)]
        chunks.append((buf, np.take(net.inputs_t, batch, axis=1),
                       np.take(net.targets_t, batch, axis=1), rates[len(batch)]))
    return chunks
