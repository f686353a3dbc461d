"""Affine arithmetic: the range a rule can take over the intervals of the numbers it is worked from.

A value is kept as ``c + Σ cᵢ·εᵢ + r·η`` with every εᵢ and η somewhere in [−1, 1]. Each εᵢ is the
rounding of one written number, the same ε wherever that number is used, so ``y·(1 − y)`` knows
both factors are one y and a near-cancelling sum cancels its roundings too, where plain interval
arithmetic would widen at every use. η gathers everything else. Sums are exact; a product or a
smooth function is taken as its tangent at the centre, with a bound on what the tangent leaves
out (Taylor's remainder: half the largest |f″| on the range times the radius squared), so the
range is never narrower than the truth and hardly wider.

A range that cannot be bounded (a division by an interval holding 0, an overflow) is ``UNBOUNDED``:
it says nothing, so nothing is taken to agree with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

Bend = Callable[[float, float], float]
"""The largest |f″| on [low, high]; ``inf`` where f has a kink or a jump there."""


class Affine:
    """``centre + Σ terms[name]·ε_name + rest·η``: a number known to lie in a range."""

    __slots__ = ("centre", "rest", "terms")

    def __init__(self, centre: float, terms: Mapping[str, float], rest: float) -> None:
        self.centre = centre
        self.terms = terms
        """The share of each written number's rounding, by the number's name."""
        self.rest = rest
        """Every other uncertainty, ≥ 0."""

    def __repr__(self) -> str:
        return f"Affine({self.centre!r} ± {self.radius!r})"

    @staticmethod
    def point(value: float) -> Affine:
        """An exact number: a given value, or a constant of a rule."""
        return Affine(value, {}, 0.0) if math.isfinite(value) else UNBOUNDED

    @staticmethod
    def written(name: str, value: float, half_unit: float) -> Affine:
        """A number as written: its value, give or take half a unit of its last digit."""
        if not math.isfinite(value):
            return UNBOUNDED
        return Affine(value, {name: half_unit} if half_unit else {}, 0.0)

    @staticmethod
    def between(low: float, high: float) -> Affine:
        """Somewhere in [low, high], with nothing known of where."""
        if not (math.isfinite(low) and math.isfinite(high)):
            return UNBOUNDED
        return Affine(0.5 * (low + high), {}, 0.5 * (high - low))

    @property
    def radius(self) -> float:
        return sum(abs(c) for c in self.terms.values()) + self.rest

    @property
    def bounded(self) -> bool:
        return math.isfinite(self.centre) and math.isfinite(self.radius)

    @property
    def low(self) -> float:
        return self.centre - self.radius if self.bounded else -math.inf

    @property
    def high(self) -> float:
        return self.centre + self.radius if self.bounded else math.inf

    def plus(self, other: Affine) -> Affine:
        if not (self.bounded and other.bounded):
            return UNBOUNDED
        terms = dict(self.terms)
        for name, c in other.terms.items():
            terms[name] = terms.get(name, 0.0) + c
        return _checked(self.centre + other.centre, terms, self.rest + other.rest)

    def scaled(self, k: float) -> Affine:
        if not self.bounded or not math.isfinite(k):
            return UNBOUNDED
        return _checked(k * self.centre, {n: k * c for n, c in self.terms.items()}, abs(k) * self.rest)

    def negated(self) -> Affine:
        return self.scaled(-1.0)

    def times(self, other: Affine) -> Affine:
        """x·y = x₀y₀ + x₀·(y − y₀) + y₀·(x − x₀) + (x − x₀)(y − y₀), the last bounded by the radii."""
        if not (self.bounded and other.bounded):
            return UNBOUNDED
        x0, y0 = self.centre, other.centre
        if not other.terms and not other.rest:
            return self.scaled(y0)
        if not self.terms and not self.rest:
            return other.scaled(x0)
        terms = {n: y0 * c for n, c in self.terms.items()}
        for name, c in other.terms.items():
            terms[name] = terms.get(name, 0.0) + x0 * c
        rest = abs(x0) * other.rest + abs(y0) * self.rest + self.radius * other.radius
        return _checked(x0 * y0, terms, rest)

    def square(self) -> Affine:
        """x² = x₀² + 2x₀·(x − x₀) + (x − x₀)², the last between 0 and the radius squared."""
        if not self.bounded:
            return UNBOUNDED
        x0, r = self.centre, self.radius
        half = 0.5 * r * r
        return _checked(x0 * x0 + half, {n: 2 * x0 * c for n, c in self.terms.items()},
                        2 * abs(x0) * self.rest + half)

    def smooth(self, f: Callable[[float], float], slope: Callable[[float], float], bend: Bend
               ) -> Affine:
        """f(x) as its tangent at the centre, plus the Taylor remainder ``bend·r²/2``.

        Where ``bend`` is infinite (a kink or a jump of f inside the range) f must be
        non-decreasing, and the range is taken as [f(low), f(high)].
        """
        if not self.bounded:
            return UNBOUNDED
        low, high = self.low, self.high
        most = _safely(bend, low, high)
        if not math.isfinite(most):
            return Affine.between(_safely(f, low), _safely(f, high))
        x0, r = self.centre, self.radius
        k = _safely(slope, x0)
        return _checked(_safely(f, x0), {n: k * c for n, c in self.terms.items()},
                        abs(k) * self.rest + 0.5 * most * r * r)

    def exp(self) -> Affine:
        return self.smooth(_exp, _exp, lambda low, high: _exp(high))

    def log(self, least: float) -> Affine:
        """ln x, with x taken as at least ``least`` (as the numeric core does)."""
        if self.bounded and self.low > least:
            return self.smooth(math.log, lambda x: 1.0 / x, lambda low, high: 1.0 / (low * low))
        return Affine.between(math.log(max(self.low, least)), math.log(max(self.high, least))
                              ) if self.bounded else UNBOUNDED

    def reciprocal(self) -> Affine:
        """1 / x; unbounded when the range holds 0."""
        if not self.bounded or self.low <= 0 <= self.high:
            return UNBOUNDED
        nearest = min(abs(self.low), abs(self.high))
        return self.smooth(lambda x: 1.0 / x, lambda x: -1.0 / (x * x),
                           lambda low, high: 2.0 / nearest ** 3)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _safely(fn: Callable[..., float], *args: float) -> float:
    """fn(*args), or ``inf`` where float arithmetic gives up (1/x of an x that underflowed to 0,
    a cube past the float range): a bound that cannot be computed bounds nothing."""
    try:
        return fn(*args)
    except (ZeroDivisionError, OverflowError, ValueError):
        return math.inf


def _checked(centre: float, terms: dict[str, float], rest: float) -> Affine:
    """The form, or ``UNBOUNDED`` once a number (its radius too) has left the float range."""
    form = Affine(centre, terms, rest)
    return form if form.bounded else UNBOUNDED


def total(forms: Iterable[Affine]) -> Affine:
    """The sum of several forms."""
    result = Affine.point(0.0)
    for form in forms:
        result = result.plus(form)
    return result


def product(forms: Iterable[Affine]) -> Affine:
    """The product of several forms, taken two at a time."""
    result = Affine.point(1.0)
    for form in forms:
        result = result.times(form)
    return result


UNBOUNDED = Affine(0.0, {}, math.inf)
"""A value about which nothing is known."""
