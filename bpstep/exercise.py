"""Fresh exercises: a network's shape in, nice numbers drawn, kept only if the step teaches well.

A good hand exercise has short numbers (one or two decimals, a learning rate of 0.1, 0.5 or 1)
and a step where every part matters: fair as ``bpstep.fairness`` defines it for ``bpstep
variants`` too (no zero, no unit saturated or a copy of another, nothing that rounds to 0 at
3 significant figures, no ReLU switched off unless that is the lesson). Draws come from
``numpy.random.default_rng(seed)`` in a fixed order, so a seed names the same exercise on every
machine.

Pure: the command line writes the file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from bpstep.errors import UserError
from bpstep.fairness import RULES, floor_of, labelled, number_breaches, step_breaches
from bpstep.functions import ACTIVATIONS
from bpstep.scenario import CONVENTIONS, MODES, Layer, Scenario, ScenarioError, activation_of, check
from bpstep.trace import Trace

LEARNING_RATES = (0.1, 0.5, 1.0)
ATTEMPTS = 1000
"""Draws tried before saying the shape asked for gives no good exercise."""
MAX_UNITS = 6
MAX_LAYERS = 6
MAX_SAMPLES = 8
HIDDEN_LETTERS = ("h", "g", "k", "m")
"""Unit names of hidden layers, first to last: h1 h2 · g1 g2 (as scenarios/two_hidden_layers)."""


class ExerciseError(UserError):
    """A shape asked for that cannot make an exercise; the message names the option to change."""


@dataclass(frozen=True, slots=True)
class Shape:
    """What stays fixed while the numbers are drawn: the network and how it learns."""

    layers: tuple[Layer, ...]
    """Unit names and activations, inputs first (``layers_for`` makes them from 2-2-1)."""
    loss: str = "half_sse"
    convention: str = "delta_rule"
    mode: str = "batch"
    samples: int = 1
    biases: bool = False
    decimals: int = 1
    """Decimals of every weight, bias, input and target drawn."""
    dead_relu: bool = False
    """Allow a ReLU unit whose net input is ≤ 0 (its weights do not move: a lesson of its own)."""


def parse_sizes(text: str) -> tuple[int, ...]:
    """``2-2-1`` → (2, 2, 1), or an ExerciseError saying what a layer spec looks like."""
    parts = text.strip().split("-")
    if not 2 <= len(parts) <= MAX_LAYERS or not all(p.isdigit() for p in parts):
        raise ExerciseError(f"--layers {text!r}: expected unit counts joined by '-', inputs first, "
                            f"2 to {MAX_LAYERS} layers, e.g. --layers 2-2-1")
    sizes = tuple(int(p) for p in parts)
    if not all(1 <= n <= MAX_UNITS for n in sizes):
        raise ExerciseError(f"--layers {text!r}: every layer needs 1 to {MAX_UNITS} units for a "
                            "hand exercise")
    return sizes


def layers_for(sizes: Sequence[int], activations: Sequence[str]) -> tuple[Layer, ...]:
    """Layers named x1 x2 · h1 h2 · (g1 g2 …) · o (or o1 o2): one activation for every
    non-input layer, or one per non-input layer."""
    hidden = len(sizes) - 2
    for name in activations:
        if name not in ACTIVATIONS:
            raise ExerciseError(f"--activation {name!r}: unknown activation; expected one of "
                                f"{', '.join(ACTIVATIONS)}")
    if len(activations) == 1:
        activations = list(activations) * (len(sizes) - 1)
    if len(activations) != len(sizes) - 1:
        raise ExerciseError(f"--activation: expected 1 or {len(sizes) - 1} activations (one per "
                            f"layer after the inputs), got {len(activations)}")
    if hidden > len(HIDDEN_LETTERS):
        raise ExerciseError(f"--layers: at most {len(HIDDEN_LETTERS)} hidden layers")
    out = [Layer(tuple(f"x{i + 1}" for i in range(sizes[0])), None)]
    for k, (n, act) in enumerate(zip(sizes[1:], activations, strict=True)):
        prefix = "o" if k == hidden else HIDDEN_LETTERS[k]
        units = ("o",) if k == hidden and n == 1 else tuple(f"{prefix}{i + 1}" for i in range(n))
        out.append(Layer(units, act))
    return tuple(out)


def _nice(rng: np.random.Generator, low: float, high: float, decimals: int, size: Any,
          nonzero: bool = True) -> np.ndarray:
    """Numbers on the grid of ``decimals`` decimals in [low, high] (0 left out when asked), each
    the float its shortest text reads back as: k / 10^d is correctly rounded, so it is the float
    nearest the decimal k·10^−d, which is what that decimal's text reads as."""
    unit = 10 ** decimals
    grid = np.arange(math.ceil(low * unit), math.floor(high * unit) + 1)
    if nonzero:
        grid = grid[grid != 0]
    picks = rng.choice(grid, size=size)
    return picks / float(unit)


def _targets(shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """Targets an output can reach: one-hot for softmax, 0/1 for a cross-entropy, else inside
    the output's range with a margin (a sigmoid cannot reach 1, so 1 makes no tidy exercise)."""
    out = shape.layers[-1]
    n = len(out.units)
    size = (shape.samples, n)
    if out.activation == "softmax":
        return np.eye(n)[rng.integers(0, n, size=shape.samples)]
    if labelled(shape.loss, out.activation):
        return rng.integers(0, 2, size=size).astype(float)
    low, high = activation_of(out).bounds
    low, high = max(low, -1.0), min(high, 1.0)
    margin = 0.1 * (high - low)
    return _nice(rng, low + margin, high - margin, shape.decimals, size)


def draw_numbers(shape: Shape, rng: np.random.Generator, *, title: str | None = None,
                 source: str = "<exercise>") -> Scenario:
    """One draw of nice numbers for ``shape``: weights and biases in [−1, 1] (never 0), inputs
    in (0, 1], targets the output can reach, a learning rate of 0.1, 0.5 or 1. Not yet checked
    for conditioning (``well_conditioned``); the order of draws is fixed, so a seed repeats."""
    sizes = [len(layer.units) for layer in shape.layers]
    d = shape.decimals
    weights = [_nice(rng, -1.0, 1.0, d, (m, n)).tolist() for m, n in pairwise(sizes)]
    biases = [_nice(rng, -1.0, 1.0, d, n).tolist() for n in sizes[1:]] if shape.biases else None
    inputs = _nice(rng, 0.0, 1.0, d, (shape.samples, sizes[0])).tolist()
    targets = _targets(shape, rng).tolist()
    rate = LEARNING_RATES[int(rng.integers(0, len(LEARNING_RATES)))]
    data: dict[str, Any] = {
        "learning_rate": rate, "loss": shape.loss, "convention": shape.convention,
        "mode": shape.mode,
        "layers": [{"units": list(layer.units),
                    **({"activation": layer.activation} if layer.activation else {})}
                   for layer in shape.layers],
        "weights": weights, "inputs": inputs, "targets": targets,
    }
    if title is not None:
        data["title"] = title
    if biases is not None:
        data["biases"] = biases
    if shape.mode == "minibatch":
        data["batch_size"] = max(1, shape.samples // 2)
    try:
        return check(data, source)
    except ScenarioError as err:
        raise ExerciseError(f"{source}: {err.path + ': ' if err.path else ''}{err.message}") from None


def well_conditioned(scenario: Scenario, trace: Trace, *, dead_relu: bool = True) -> str | None:
    """Why the step would make a poor exercise (the first rule of ``bpstep.fairness`` it breaks),
    or None when it is a fair one. ``dead_relu`` lets a ReLU be off (a < 0): a lesson of its own,
    whose δ and updates are 0 by design. The scenario is judged beside its step: its numbers as
    the file gives them and its ``marking``, which no trace holds."""
    for breach in number_breaches(scenario):
        return breach.detail
    for breach in step_breaches(trace, floor=floor_of(scenario), dead_relu=dead_relu):
        return breach.detail
    return None


def new_exercise(shape: Shape, seed: int, *, title: str | None = None,
                 source: str = "<exercise>") -> Scenario:
    """The first well-conditioned draw for ``shape`` from ``default_rng(seed)``."""
    from bpstep.engine import step

    for option, value, valid in (("--mode", shape.mode, MODES), ("--convention", shape.convention,
                                                                  CONVENTIONS)):
        if value not in valid:
            raise ExerciseError(f"{option}: unknown {option[2:]} {value!r}; choose one of "
                                + ", ".join(str(v) for v in valid))
    if not 1 <= shape.samples <= MAX_SAMPLES:
        raise ExerciseError(f"--samples: expected 1 to {MAX_SAMPLES}, got {shape.samples}")
    if shape.mode != "batch" and shape.samples == 1:
        raise ExerciseError(f"--mode {shape.mode} updates after each sample or chunk; give "
                            "--samples 2 or more")
    rng = np.random.default_rng(seed)
    broken: dict[str, int] = {}
    last: dict[str, str] = {}
    for _ in range(ATTEMPTS):
        scenario = draw_numbers(shape, rng, title=title, source=source)
        breach = next(number_breaches(scenario), None)
        if breach is None:
            breach = next(step_breaches(step(scenario), floor=floor_of(scenario),
                                        dead_relu=shape.dead_relu), None)
            if breach is None:
                return scenario
        broken[breach.rule] = broken.get(breach.rule, 0) + 1
        last[breach.rule] = breach.detail
    rule = max(broken, key=broken.__getitem__)
    raise ExerciseError(f"no fair exercise in {ATTEMPTS} draws: {broken[rule]} broke the rule "
                        f"'{rule}' ({RULES[rule]}; last: {last[rule]}); try fewer layers or units, "
                        "or another activation")


def exercise_from_options(layers: str, activation: str, loss: str, convention: str, mode: str,
                          samples: int, biases: bool, decimals: int, seed: int | None,
                          dead_relu: bool) -> tuple[Scenario, str]:
    """The exercise ``bpstep new`` (and ``practice --new``) options ask for, and the command that
    makes it again: with no seed one is drawn, and written into that command and the title so
    the same exercise can be had again."""
    import secrets

    seed = secrets.randbelow(10_000) if seed is None else seed
    acts = [a.strip() for a in activation.split(",")]
    shape = Shape(layers_for(parse_sizes(layers), acts), loss=loss, convention=convention,
                  mode=mode, samples=samples, biases=biases, decimals=decimals,
                  dead_relu=dead_relu)
    again = (f"bpstep new --layers {layers} --activation {','.join(acts)} --loss {loss} "
             f"--convention {convention} --mode {mode} --samples {samples} "
             f"--{'' if biases else 'no-'}biases --number-decimals {decimals} --seed {seed}"
             + (" --dead-relu" if dead_relu else ""))
    title = f"Exercise {layers} {'/'.join(acts)} · seed {seed}"
    return new_exercise(shape, seed, title=title, source="bpstep new"), again


def exercise_yaml(scenario: Scenario, note: str) -> str:
    """The exercise as a scenario file, ``note`` as its opening comment (how to make it again)."""
    from bpstep.engine import initial_params
    from bpstep.scenario_yaml import scenario_yaml

    return scenario_yaml(scenario, initial_params(scenario), title=scenario.title or "Exercise",
                         note=note)
