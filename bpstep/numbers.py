"""How numbers are written for people: one place, so tables, formulas and exports agree."""

from __future__ import annotations

import math
from collections.abc import Sequence

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


NOISE_ULPS = 16
"""How far (in units in the last place) float arithmetic strays from a decimal it computes:
0.3 × 1.12 is 0.33599999999999997, one ulp from 0.336."""
CARRIED_ULPS = 64
"""The same, in ulps of the values a result is worked from: a sum that nearly cancels
(1.2345 − 1.2542) is off by ulps of its terms, many of its own (−0.01969999999999994)."""
CLEAN_FIGURES = 12
"""Significant figures a computed value of a hand exercise may have and still be a short decimal:
products and sums of one- and two-decimal numbers have fewer."""
CLEAN_MARGIN = 10_000
"""A decimal found within the noise of the values worked from must be this many times coarser
than that noise, so a value that is no short decimal is taken for one about once in 2,000."""


def clean(value: float, scale: float = 0.0) -> float:
    """``value`` without float noise, so it is written ``0.336``, not ``0.33599999999999997``:

    - the decimal of CLEAN_FIGURES significant figures nearest it, when that is within
      NOISE_ULPS of it (0.33599999999999997 → 0.336);
    - else a shorter decimal within CARRIED_ULPS of ``scale``, the size of the values it is
      worked from, and CLEAN_MARGIN times coarser than that (−0.01969999999999994 → −0.0197
      from terms near 1); 0 when the value is smaller than that noise (2.8e-17 → 0);
    - else the value as it is (a sigmoid's output is no short decimal).

    The change is at most that noise, below anything a mark or a tolerance sees; a value that
    is no short decimal is moved (by as little) a few times in a thousand.
    """
    if value == 0 or value != value or value in (INF, -INF):
        return value
    rounded = float(f"{value:.{CLEAN_FIGURES - 1}e}")
    if abs(rounded - value) <= NOISE_ULPS * math.ulp(value):
        return rounded
    noise = CARRIED_ULPS * math.ulp(max(abs(value), abs(scale)))
    if abs(value) <= noise:
        return 0.0
    room = abs(value) / (CLEAN_MARGIN * noise)
    if room >= 1:
        rounded = float(f"{value:.{min(CLEAN_FIGURES, math.floor(math.log10(room)) + 1) - 1}e}")
        if abs(rounded - value) <= noise:
            return rounded
    return value


def clean_all(values: Sequence[float], scales: Sequence[float]) -> list[float]:
    """``clean`` of each value with its scale, at numpy speed: only values that lie near a
    decimal of CLEAN_FIGURES figures (a few in a thousand, unless they are short decimals) are
    looked at one by one."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    out = v.tolist()
    with np.errstate(all="ignore"):
        size = np.abs(v)
        unit = 10.0 ** (np.floor(np.log10(size)) - (CLEAN_FIGURES - 1))
        off = np.abs(v - np.round(v / unit) * unit)  # to the grid of 12 figures, give or take ulps
        noise = CARRIED_ULPS * np.spacing(np.maximum(size, np.abs(np.asarray(scales, dtype=float))))
        near = ~(off > noise + 4 * np.spacing(size))  # NaN (0, inf) is near: clean says what
    for i in np.flatnonzero(near).tolist():
        out[i] = clean(out[i], float(scales[i]))
    return out
