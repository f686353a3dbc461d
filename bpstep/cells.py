"""One value written into a cell of a CSV file or a scalar of a YAML file, safe to read back.

Below every module that writes such files (variants, the class report, scenario files), so
none of them imports another for it.
"""

from __future__ import annotations


def csv_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ (or tab, CR) would start a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def yaml_number(value: float) -> str:
    """A float as YAML 1.1 reads it back exactly: ``1e-05`` needs a dot to be a number."""
    text = repr(float(value))
    if "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text
