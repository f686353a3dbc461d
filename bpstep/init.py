"""Initial weights drawn from a seed, so a scenario can say ``init: {kind: xavier, seed: 0}``.

The same kind, seed and scale give the same weights on every run: one ``numpy.random.default_rng``
(PCG64) stream is seeded once and the matrices are drawn in layer order, rows then columns.

Kinds (``scale`` defaults to 1):

- ``normal``: N(0, scale²), what ``np.random.randn`` gives the articles' XOR trainer at scale 1.
- ``uniform``: U(−scale, +scale).
- ``xavier``: Glorot uniform, U(−l, +l) with l = scale·√(6 / (fan_in + fan_out)); keeps the
  variance of the signal about the same from layer to layer, so wide layers do not saturate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from bpstep.arrays import frozen

Array = np.ndarray


@dataclass(frozen=True, slots=True)
class Init:
    """How a scenario's weights are drawn when it does not list them."""

    kind: str
    seed: int = 0
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class Initialiser:
    """One kind of draw: a formula for people and a function of (rng, fan_in, fan_out, scale)."""

    name: str
    formula: str
    draw: Callable[[np.random.Generator, int, int, float], Array]


def _normal(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> Array:
    return rng.normal(0.0, scale, size=(fan_in, fan_out))


def _uniform(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> Array:
    return rng.uniform(-scale, scale, size=(fan_in, fan_out))


def _xavier(rng: np.random.Generator, fan_in: int, fan_out: int, scale: float) -> Array:
    limit = scale * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


INITIALISERS: dict[str, Initialiser] = {
    entry.name: entry
    for entry in (
        Initialiser("normal", "w ~ N(0, scale²)", _normal),
        Initialiser("uniform", "w ~ U(−scale, scale)", _uniform),
        Initialiser("xavier", "w ~ U(−l, l), l = scale·√(6 / (fan_in + fan_out))", _xavier),
    )
}


def draw_weights(init: Init, sizes: Sequence[int]) -> tuple[Array, ...]:
    """One read-only matrix per pair of consecutive layer sizes, drawn from ``init``."""
    rng = np.random.default_rng(init.seed)
    draw = INITIALISERS[init.kind].draw
    weights = []
    for fan_in, fan_out in pairwise(sizes):
        weights.append(frozen(draw(rng, fan_in, fan_out, init.scale)))
    return tuple(weights)
