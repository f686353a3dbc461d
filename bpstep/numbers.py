"""How numbers are written for people: one place, so tables, formulas and exports agree."""

from __future__ import annotations

DEFAULT_PRECISION = 6
INF = float("inf")
OVERFLOW = "overflow"
"""How a value past the float range (±inf) is shown: a word, never ``inf``."""
NOT_A_NUMBER = "undefined"
"""How a value with no meaning left (nan, e.g. inf − inf) is shown."""


def fmt(value: float, precision: int = DEFAULT_PRECISION) -> str:
    """``value`` to ``precision`` significant digits, without exponent for everyday sizes.

    Backprop numbers span many magnitudes (0.21 next to −0.000954656), so significant digits
    keep each one as informative as the next; exponents appear only below 1e-5 or from 1e7.
    """
    if value == 0:
        return "0"
    if value != value:
        return NOT_A_NUMBER
    if value in (INF, -INF):
        return OVERFLOW
    text = f"{value:.{precision}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text
