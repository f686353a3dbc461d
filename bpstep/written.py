"""What a number written by hand stands for, and the precision a course asks answers to have.

A written number is an interval: ``0.002728`` stands for [0.0027275, 0.0027285], half a unit of
its last digit either side, because that is every value a person could have had in the
calculator before writing those digits. A whole number is read to its last digit that is not a
trailing 0 (``4`` stands for [3.5, 4.5], ``2120`` for [2115, 2125]) and is exact only when the
value it answers is. How many significant figures or
decimal places a number has is read from the text too, since ``0.50`` claims more than ``0.5``.

A course's precision floor (``--digits 3``, ``marking: {decimals: 4}``) says how many figures an
answer needs before it is accepted, as STACK's NumSigFigs and Numbas's precision rules do.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bpstep.enums import StrEnum

NUMBER = re.compile(r"[+-]?(?:(?P<whole>\d+)(?P<dot>\.)(?P<decimals>\d*)|\.(?P<only>\d+)|(?P<int>\d+))"
                    r"(?:[eE](?P<exp>[+-]?\d+))?")
"""A decimal number as a person writes it: ``0.56``, ``-.5``, ``9.45e-4``, ``4``."""
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
"""``0,8787``: a decimal comma, as much of Europe writes it (one comma, digits either side)."""
MINUS_SIGNS = str.maketrans({"−": "-", "–": "-"})
"""Minus signs copied from typeset text (U+2212, U+2013) read as ``-``."""
MAX_EXPONENT_DIGITS = 5
"""``1e99999`` is as far as a written exponent goes; beyond that the claim is no number."""


@dataclass(frozen=True, slots=True)
class Written:
    """A number as written: its value, and the interval and figures its digits claim."""

    value: float
    text: str
    """The number as read: a typeset minus as ``-``, a decimal comma as a point."""
    decimals: int
    """The decimal place of the last digit that counts: 2 for ``0.56``, 6 for ``9.45e-4``, 0 for
    ``4``, −1 for ``120``, −2 for ``1.2e3``."""
    figures: int
    """Significant figures: every digit from the first that is not 0 to the last written, but
    for the trailing 0s of a whole number, which only place it (``0.0950`` has 3, ``120`` has
    2, ``0.000`` has none)."""
    comma: bool = False
    """Read from a decimal comma (``0,8787``), which is worth a note to the writer."""

    @property
    def half_unit(self) -> float:
        """Half a unit of the last digit: how far the value may lie from the number written."""
        return 0.5 * 10.0 ** -self.decimals


def read_number(text: str) -> Written | None:
    """The number ``text`` writes, or None when it is not one plain finite number.

    Its precision must be finite too: ``0e999`` is 0 claimed to ±10^999, which would accept
    anything; and its value must be a float (``1e400`` is not).
    """
    cleaned = text.strip().translate(MINUS_SIGNS)
    comma = DECIMAL_COMMA.fullmatch(cleaned) is not None
    if comma:
        cleaned = cleaned.replace(",", ".")
    match = NUMBER.fullmatch(cleaned)
    if match is None:
        return None
    exponent = match["exp"] or "0"
    if len(exponent.lstrip("+-").lstrip("0")) > MAX_EXPONENT_DIGITS:
        return None
    after = match["decimals"] if match["dot"] else match["only"] or ""
    whole = match["whole"] or match["int"] or ""
    significant = (whole + after).lstrip("0")
    placing = 0
    if match["int"] and significant:  # a whole number's trailing 0s only place it
        placing = len(significant) - len(significant.rstrip("0"))
        significant = significant.rstrip("0")
    decimals = len(after) - int(exponent) - placing
    if -decimals > 308:
        return None
    value = float(cleaned)
    if not math.isfinite(value):
        return None
    return Written(value, cleaned, decimals, len(significant), comma)


def round_figures(value: float, figures: int) -> float:
    """``value`` rounded to ``figures`` significant figures as a person rounds: a 5 goes up,
    away from 0 (0.125 to 2 figures is 0.13), from the shortest decimal that is the float."""
    if value == 0 or not math.isfinite(value):
        return value
    exact = Decimal(repr(value))
    step = Decimal(1).scaleb(exact.adjusted() - figures + 1)
    return float(exact.quantize(step, rounding=ROUND_HALF_UP))


class FloorKind(StrEnum):
    """What a precision floor counts."""

    DIGITS = "digits"
    """Significant figures."""
    DECIMALS = "decimals"
    """Decimal places."""


@dataclass(frozen=True, slots=True)
class Floor:
    """The least precision an answer needs to be accepted: ``count`` figures or decimal places.

    An answer that agrees with the value but is written more coarsely is ``too coarse``; one that
    is exactly the value (y = 0.5 at a = 0, a weight that did not change) needs no more digits.
    """

    kind: FloorKind
    count: int

    def met_by(self, written: Written) -> bool:
        have = written.figures if self.kind == FloorKind.DIGITS else written.decimals
        return have >= self.count

    def written(self, value: float) -> str:
        """``value`` written with exactly the precision asked: ``-0.0368`` for 3 figures."""
        if self.kind == FloorKind.DECIMALS:
            return f"{value:.{self.count}f}"
        if value == 0 or not math.isfinite(value):
            return f"{value:.{self.count - 1}f}"
        rounded = round_figures(value, self.count)
        places = self.count - 1 - math.floor(math.log10(abs(rounded)))
        if places >= 0:
            return f"{rounded:.{places}f}"
        whole = f"{rounded:.0f}"  # 2120 for 2118.86; but 2100 would say two figures
        return whole if len(whole.lstrip("-").rstrip("0")) == self.count else f"{rounded:.{self.count - 1}e}"

    @property
    def words(self) -> str:
        """``3 significant figures``, ``1 decimal place``."""
        return self._count(self.count)

    def advice(self, written: Written) -> str:
        """What a too-coarse answer is told: ``0.47 has 2 significant figures; write at least 3``."""
        have = written.figures if self.kind == FloorKind.DIGITS else max(written.decimals, 0)
        return f"{written.text} has {self._count(have)}; write at least {self.count}"

    def _count(self, n: int) -> str:
        unit = "significant figure" if self.kind == FloorKind.DIGITS else "decimal place"
        return f"{n} {unit}{'s' * (n != 1)}"


DEFAULT_FLOOR = Floor(FloorKind.DIGITS, 3)
"""Three significant figures: what most courses ask of a hand-worked step."""
FLOOR_LIMITS = {FloorKind.DIGITS: (1, 15), FloorKind.DECIMALS: (0, 15)}
"""The counts a floor may ask: at least one figure, never more than a float holds."""
