"""Read-only arrays: the numbers of a scenario, a draw or a variant never change once made."""

from __future__ import annotations

from typing import Any

import numpy as np


def frozen(values: Any) -> np.ndarray:
    """A read-only C-ordered float64 copy of ``values``; a reshape of it is read-only too."""
    array = np.array(values, dtype=float, order="C")
    array.flags.writeable = False
    return array
